//! Timestamps as UTC microseconds since the Unix epoch: a fast RFC 3339 reader (the common
//! `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)` shape, a space accepted for `T`), a reader for
//! simple `strftime`-style layouts used by exports, and the canonical writer.

/// Days from 1970-01-01 to the civil date (proleptic Gregorian).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day count from 1970-01-01.
pub fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

fn digits(b: &[u8], at: usize, n: usize) -> Option<i64> {
    let mut v = 0i64;
    for i in 0..n {
        let c = *b.get(at + i)?;
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + i64::from(c - b'0');
    }
    Some(v)
}

/// Microseconds since the epoch of a civil UTC date and time, if valid.
pub fn micros_of(y: i64, mo: i64, d: i64, h: i64, mi: i64, s: i64, us: i64) -> Option<i64> {
    if !(1..=12).contains(&mo) || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    let days = days_from_civil(y, mo, d);
    Some(((days * 86_400 + h * 3_600 + mi * 60 + s) * 1_000_000) + us)
}

/// Reads RFC 3339: `2026-03-01T09:00:00Z`, `2026-03-01T09:00:00.123+01:00`, a space for `T`, a
/// lower-case `z`. A date alone (`2026-03-01`) is midnight UTC.
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    let b = text.trim().as_bytes();
    let y = digits(b, 0, 4)?;
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let mo = digits(b, 5, 2)?;
    let d = digits(b, 8, 2)?;
    if b.len() == 10 {
        return micros_of(y, mo, d, 0, 0, 0, 0);
    }
    if !matches!(b.get(10), Some(b'T' | b't' | b' '))
        || b.get(13) != Some(&b':')
        || b.get(16) != Some(&b':')
    {
        return None;
    }
    let h = digits(b, 11, 2)?;
    let mi = digits(b, 14, 2)?;
    let s = digits(b, 17, 2)?;
    let mut at = 19;
    let mut us = 0i64;
    if b.get(at) == Some(&b'.') {
        at += 1;
        let start = at;
        while b.get(at).is_some_and(u8::is_ascii_digit) {
            at += 1;
        }
        let fraction = &b[start..at];
        if fraction.is_empty() {
            return None;
        }
        for i in 0..6 {
            us = us * 10 + fraction.get(i).map_or(0, |c| i64::from(c - b'0'));
        }
    }
    let offset = match b.get(at) {
        Some(b'Z' | b'z') if b.len() == at + 1 => 0,
        Some(sign @ (b'+' | b'-')) if b.len() == at + 6 && b[at + 3] == b':' => {
            let oh = digits(b, at + 1, 2)?;
            let om = digits(b, at + 4, 2)?;
            let minutes = oh * 60 + om;
            if *sign == b'+' {
                minutes
            } else {
                -minutes
            }
        }
        _ => return None,
    };
    Some(micros_of(y, mo, d, h, mi, s, us)? - offset * 60_000_000)
}

/// Reads a layout made of `%Y %m %d %H %M %S %f` and literal characters (`%Y-%m-%d %H:%M:%S`,
/// `%d/%m/%Y %H:%M`), as UTC shifted by `offset_minutes`.
pub fn parse_layout(text: &str, layout: &str, offset_minutes: i64) -> Option<i64> {
    let b = text.trim().as_bytes();
    let l = layout.as_bytes();
    let (mut y, mut mo, mut d, mut h, mut mi, mut s, mut us) = (1970, 1, 1, 0, 0, 0, 0);
    let (mut i, mut j) = (0usize, 0usize);
    while j < l.len() {
        if l[j] == b'%' && j + 1 < l.len() {
            let take = |i: &mut usize, n: usize| {
                let v = digits(b, *i, n);
                *i += n;
                v
            };
            match l[j + 1] {
                b'Y' => y = take(&mut i, 4)?,
                b'm' => mo = take(&mut i, 2)?,
                b'd' => d = take(&mut i, 2)?,
                b'H' => h = take(&mut i, 2)?,
                b'M' => mi = take(&mut i, 2)?,
                b'S' => s = take(&mut i, 2)?,
                b'f' => {
                    let start = i;
                    while b.get(i).is_some_and(u8::is_ascii_digit) {
                        i += 1;
                    }
                    let fraction = &b[start..i];
                    us = 0;
                    for k in 0..6 {
                        us = us * 10 + fraction.get(k).map_or(0, |c| i64::from(c - b'0'));
                    }
                }
                _ => return None,
            }
            j += 2;
        } else {
            if b.get(i) != Some(&l[j]) {
                return None;
            }
            i += 1;
            j += 1;
        }
    }
    if i != b.len() {
        return None;
    }
    Some(micros_of(y, mo, d, h, mi, s, us)? - offset_minutes * 60_000_000)
}

/// The canonical text: `2026-03-01T09:00:00Z`, with `.ffffff` only when there are microseconds.
pub fn format(micros: i64) -> String {
    let seconds = micros.div_euclid(1_000_000);
    let us = micros.rem_euclid(1_000_000);
    let days = seconds.div_euclid(86_400);
    let rest = seconds.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let (h, mi, s) = (rest / 3600, (rest % 3600) / 60, rest % 60);
    if us == 0 {
        format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
    } else {
        format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{us:06}Z")
    }
}

/// The SQL literal of an instant, understood by DataFusion and DuckDB alike.
pub fn sql_literal(micros: i64) -> String {
    let text = format(micros);
    let text = text.trim_end_matches('Z').replace('T', " ");
    format!("TIMESTAMP '{text}'")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_shapes_read_to_the_same_instant() {
        let base = parse_rfc3339("2026-03-01T09:00:00Z").expect("z");
        assert_eq!(parse_rfc3339("2026-03-01 09:00:00Z"), Some(base));
        assert_eq!(parse_rfc3339("2026-03-01T10:00:00+01:00"), Some(base));
        assert_eq!(parse_rfc3339("2026-03-01T08:30:00-00:30"), Some(base));
        assert_eq!(
            parse_rfc3339("2026-03-01T09:00:00.5Z"),
            Some(base + 500_000)
        );
        assert_eq!(format(base), "2026-03-01T09:00:00Z");
        assert_eq!(format(base + 500_000), "2026-03-01T09:00:00.500000Z");
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_rfc3339("2026-03-01"),
            parse_rfc3339("2026-03-01T00:00:00Z")
        );
        for bad in [
            "2026-02-30T00:00:00Z",
            "2026-03-01T09:00:00",
            "yesterday",
            "2026-03-01T25:00:00Z",
            "2026-03-01T09:00:00+0100",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
        assert_eq!(sql_literal(base), "TIMESTAMP '2026-03-01 09:00:00'");
    }

    #[test]
    fn layouts_and_round_trips() {
        let base = parse_rfc3339("2026-03-01T09:00:00Z");
        assert_eq!(
            parse_layout("2026-03-01 09:00:00", "%Y-%m-%d %H:%M:%S", 0),
            base
        );
        assert_eq!(parse_layout("01/03/2026 10:00", "%d/%m/%Y %H:%M", 60), base);
        assert_eq!(
            parse_layout("2026-03-01 09:00", "%Y-%m-%d %H:%M:%S", 0),
            None
        );
        for days in [-800_000i64, -1, 0, 59, 365, 20_000, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }
}
