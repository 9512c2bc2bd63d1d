//! Record access: the fields of a source record, JSON or CSV, by name or JSON path, and what the mapping does not use.
//!
//! A JSON Lines record is split into its top-level entries once. Flat objects, the shape every
//! exporter writes line after line, go through a strict scanner that accepts a subset of JSON
//! (strings without escapes, numbers, `true`, `false`, `null`); anything else (escapes,
//! nesting, stray bytes) goes to `serde_json`, so a record means the same and a bad line is
//! rejected with the same reason either way. The fields a mapping reads are then found once per
//! record ([`Slots`]), starting where the previous record had them.

use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::fmt;

/// A field of a source record.
#[derive(Debug, Clone)]
pub(super) enum Field<'a> {
    Missing,
    Null,
    Text(Cow<'a, str>),
    Number(&'a str),
    Bool(bool),
    Nested(&'a str),
}

impl<'a> Field<'a> {
    /// The field as text: strings as they are, numbers and nested values as written.
    pub(super) fn into_text(self) -> Option<Cow<'a, str>> {
        match self {
            Field::Text(t) => Some(t),
            Field::Number(n) => Some(Cow::Borrowed(n)),
            Field::Bool(b) => Some(Cow::Borrowed(if b { "true" } else { "false" })),
            Field::Nested(raw) => Some(Cow::Borrowed(raw)),
            Field::Null | Field::Missing => None,
        }
    }
}

/// A JSON object's top-level entries, borrowed from the line: key, and the value's JSON text.
pub(super) struct Entries<'a>(pub(super) Vec<(Cow<'a, str>, &'a str)>);

impl<'a> Entries<'a> {
    /// Splits a line holding one JSON object into its entries.
    pub(super) fn parse(text: &'a str) -> Result<Entries<'a>, serde_json::Error> {
        let mut out = Entries(Vec::with_capacity(16));
        out.parse_into(text, false)?;
        Ok(out)
    }

    /// Splits a line holding one JSON object into these entries, reusing their memory.
    /// `plain`: the line is known to hold no backslash and no control character
    /// ([`plain`]), so each string ends at its next quote.
    pub(super) fn parse_into(
        &mut self,
        text: &'a str,
        plain: bool,
    ) -> Result<(), serde_json::Error> {
        if !flat::scan(text.as_bytes(), text, &mut self.0, plain) {
            *self = serde_json::from_str(text)?;
        }
        Ok(())
    }
}

pub(super) struct Key<'a>(pub(super) Cow<'a, str>);

impl<'de> serde::Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string key")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> std::result::Result<Self::Value, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> std::result::Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v.to_string())))
            }
            fn visit_string<E>(self, v: String) -> std::result::Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

impl<'de> serde::Deserialize<'de> for Entries<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Entries<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<Self::Value, A::Error> {
                let mut out = Vec::with_capacity(map.size_hint().unwrap_or(12));
                while let Some((k, v)) = map.next_entry::<Key<'de>, &'de RawValue>()? {
                    out.push((k.0, v.get()));
                }
                Ok(Entries(out))
            }
        }
        d.deserialize_map(V)
    }
}

/// A value's JSON text as a field.
pub(super) fn raw_field(text: &str) -> Field<'_> {
    match text.as_bytes().first() {
        Some(b'"') => {
            let inner = &text[1..text.len() - 1];
            if inner.contains('\\') {
                match serde_json::from_str::<String>(text) {
                    Ok(s) => Field::Text(Cow::Owned(s)),
                    Err(_) => Field::Missing,
                }
            } else {
                Field::Text(Cow::Borrowed(inner))
            }
        }
        Some(b'n') => Field::Null,
        Some(b't') => Field::Bool(true),
        Some(b'f') => Field::Bool(false),
        Some(b'{' | b'[') => Field::Nested(text),
        _ => Field::Number(text),
    }
}

/// Looks a dotted path up in a JSON object.
pub(super) fn json_path<'a>(entries: &[(Cow<'a, str>, &'a str)], path: &str) -> Field<'a> {
    let (head, rest) = match path.split_once('.') {
        Some((h, r)) => (h, Some(r)),
        None => (path, None),
    };
    let Some((_, raw)) = entries.iter().find(|(k, _)| k == head) else {
        return Field::Missing;
    };
    match rest {
        None => raw_field(raw),
        Some(rest) => inside(raw, rest),
    }
}

/// Looks the rest of a dotted path up inside a value's JSON text.
fn inside<'a>(text: &'a str, rest: &str) -> Field<'a> {
    // A numeric segment indexes an array: `assets.0.digest`.
    if text.starts_with('[') {
        let (index, after) = match rest.split_once('.') {
            Some((i, a)) => (i, Some(a)),
            None => (rest, None),
        };
        let Ok(index) = index.parse::<usize>() else {
            return Field::Missing;
        };
        let Ok(items) = serde_json::from_str::<Vec<&'a RawValue>>(text) else {
            return Field::Missing;
        };
        let Some(item) = items.get(index) else {
            return Field::Missing;
        };
        return match after {
            None => raw_field(item.get()),
            Some(after) => match Entries::parse(item.get()) {
                Ok(inner) => json_path(&inner.0, after),
                Err(_) => Field::Missing,
            },
        };
    }
    match Entries::parse(text) {
        Ok(inner) => json_path(&inner.0, rest),
        Err(_) => Field::Missing,
    }
}

/// The paths a mapping reads, each split into its top-level key and the rest.
#[derive(Debug, Clone)]
pub(super) struct Paths {
    /// Each path as written (`reason`, `detail.code`).
    pub(super) full: Vec<String>,
    /// Its top-level key (`reason`, `detail`).
    pub(super) head: Vec<String>,
    /// What follows the top-level key (`code`), if anything.
    pub(super) rest: Vec<Option<String>>,
}

impl Paths {
    pub(super) fn new() -> Paths {
        Paths {
            full: Vec::new(),
            head: Vec::new(),
            rest: Vec::new(),
        }
    }

    /// The index of a path, added if new.
    pub(super) fn add(&mut self, path: &str) -> usize {
        if let Some(i) = self.full.iter().position(|p| p == path) {
            return i;
        }
        let (head, rest) = match path.split_once('.') {
            Some((h, r)) => (h, Some(r.to_string())),
            None => (path, None),
        };
        self.full.push(path.to_string());
        self.head.push(head.to_string());
        self.rest.push(rest);
        self.full.len() - 1
    }
}

/// Where each path of a [`Paths`] is in one record.
#[derive(Debug, Clone, Default)]
pub(super) struct Slots {
    /// For each path, the index of its JSON entry or CSV field.
    pub(super) at: Vec<Option<usize>>,
    /// The JSON entries (of the first 64) some path points at, one bit each: what
    /// [`Record::extra`] need not look at by name.
    read: u64,
}

impl Slots {
    /// Finds each path's top-level key among a JSON record's entries, trying first where the
    /// previous record had it. The first entry with the key wins, as in [`json_path`].
    pub(super) fn find_json(&mut self, paths: &Paths, entries: &[(Cow<'_, str>, &str)]) {
        self.at.resize(paths.head.len(), None);
        self.read = 0;
        for (slot, head) in self.at.iter_mut().zip(&paths.head) {
            let same = |k: &Cow<'_, str>| k.len() == head.len() && k == head;
            let hinted = slot.filter(|&i| {
                entries.get(i).is_some_and(|(k, _)| same(k))
                    && !entries[..i].iter().any(|(k, _)| same(k))
            });
            *slot = hinted.or_else(|| entries.iter().position(|(k, _)| same(k)));
            if let Some(i) = slot.filter(|i| *i < 64) {
                self.read |= 1 << i;
            }
        }
    }

    /// Finds each path among a CSV file's header, by its whole name.
    pub(super) fn find_csv(paths: &Paths, header: &[String]) -> Slots {
        Slots {
            at: paths
                .full
                .iter()
                .map(|p| header.iter().position(|h| h == p))
                .collect(),
            read: 0,
        }
    }
}

/// A source record: a JSON object or a CSV row, with where the mapping's paths are in it.
pub(super) enum Record<'a, 'h> {
    Json {
        entries: &'h [(Cow<'a, str>, &'a str)],
        paths: &'h Paths,
        slots: &'h Slots,
    },
    Csv {
        header: &'h [String],
        fields: &'a [&'a str],
        slots: &'h Slots,
    },
}

impl<'a> Record<'a, '_> {
    /// The field at path `index` of the plan's [`Paths`].
    pub(super) fn get(&self, index: usize) -> Field<'a> {
        match self {
            Record::Json {
                entries,
                paths,
                slots,
            } => {
                let Some(Some(at)) = slots.at.get(index) else {
                    return Field::Missing;
                };
                let raw = entries[*at].1;
                match &paths.rest[index] {
                    None => raw_field(raw),
                    Some(rest) => inside(raw, rest),
                }
            }
            Record::Csv { fields, slots, .. } => match slots.at.get(index) {
                Some(Some(i)) => match fields.get(*i).copied() {
                    Some("") => Field::Null,
                    Some(v) => Field::Text(Cow::Borrowed(v)),
                    None => Field::Missing,
                },
                _ => Field::Missing,
            },
        }
    }

    /// The source fields no rule reads, as one JSON object. `used` are the top-level names
    /// the mapping reads.
    pub(super) fn extra(&self, used: &[String]) -> Option<String> {
        let mut out = String::new();
        let mut push = |key: &str, raw: &str| {
            out.push(if out.is_empty() { '{' } else { ',' });
            out.push_str(&serde_json::to_string(key).unwrap_or_default());
            out.push(':');
            out.push_str(raw);
        };
        match self {
            Record::Json { entries, slots, .. } => {
                // An entry a slot points at is read; any other is read only if its name is.
                let all = if entries.len() < 64 {
                    (1u64 << entries.len()) - 1
                } else {
                    u64::MAX
                };
                if entries.len() <= 64 && slots.read == all {
                    return None;
                }
                for (i, (k, v)) in entries.iter().enumerate() {
                    let pointed = i < 64 && slots.read & (1 << i) != 0;
                    if !pointed && !used.iter().any(|u| u == k) {
                        push(k, v);
                    }
                }
            }
            Record::Csv { header, fields, .. } => {
                for (h, v) in header.iter().zip(fields.iter()) {
                    if !v.is_empty() && !used.iter().any(|u| u == h) {
                        push(h, &serde_json::to_string(v).unwrap_or_default());
                    }
                }
            }
        }
        if out.is_empty() {
            None
        } else {
            out.push('}');
            Some(out)
        }
    }
}

/// Whether `block` holds no backslash and no control character other than the newlines
/// between its lines: then no string in it has an escape or a character JSON forbids, and the
/// strict scanner need not look for them string by string. One pass over the block, which the
/// compiler vectorises, instead of a check of every string's bytes.
pub(super) fn plain(block: &[u8]) -> bool {
    memchr::memchr(b'\\', block).is_none()
        && block.chunks(4096).all(|chunk| {
            chunk
                .iter()
                .fold(0u8, |seen, &c| seen | u8::from(c < 0x20 && c != b'\n'))
                == 0
        })
}

/// The strict scanner for flat JSON objects.
mod flat {
    use std::borrow::Cow;

    fn ws(b: &[u8], mut i: usize) -> usize {
        while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\n' | b'\r') {
            i += 1;
        }
        i
    }

    fn digits(b: &[u8], mut i: usize) -> usize {
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        i
    }

    /// The end of a JSON number starting at `i`.
    fn number(b: &[u8], mut i: usize) -> Option<usize> {
        if b.get(i) == Some(&b'-') {
            i += 1;
        }
        match b.get(i) {
            Some(b'0') => i += 1,
            Some(b'1'..=b'9') => i = digits(b, i + 1),
            _ => return None,
        }
        if b.get(i) == Some(&b'.') {
            let end = digits(b, i + 1);
            if end == i + 1 {
                return None;
            }
            i = end;
        }
        if matches!(b.get(i), Some(b'e' | b'E')) {
            i += 1;
            if matches!(b.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            let end = digits(b, i);
            if end == i {
                return None;
            }
            i = end;
        }
        Some(i)
    }

    /// The first quote at or after `from`. Eight bytes at a time without a call: the strings
    /// of an export (ids, names, times) are short, and `memchr`'s set-up per call cost more
    /// than the search.
    pub(super) fn next_quote(b: &[u8], from: usize) -> Option<usize> {
        const ONES: u64 = u64::from_le_bytes([0x01; 8]);
        const HIGHS: u64 = u64::from_le_bytes([0x80; 8]);
        const QUOTES: u64 = u64::from_le_bytes([b'"'; 8]);
        let mut i = from;
        while let Some(eight) = b.get(i..i + 8) {
            let mut word = [0u8; 8];
            word.copy_from_slice(eight);
            // A byte of `x` is zero where the input has a quote; the lowest flagged byte is
            // exact (only bytes above a zero can be flagged wrongly).
            let x = u64::from_le_bytes(word) ^ QUOTES;
            let found = x.wrapping_sub(ONES) & !x & HIGHS;
            if found != 0 {
                return Some(i + (found.trailing_zeros() / 8) as usize);
            }
            i += 8;
        }
        b.get(i..)?.iter().position(|&c| c == b'"').map(|at| i + at)
    }

    fn word(b: &[u8], i: usize, w: &[u8]) -> Option<usize> {
        b[i..].starts_with(w).then_some(i + w.len())
    }

    /// Splits `text` (whose bytes are `b`) into entries if it is a flat JSON object this
    /// scanner accepts; `false` leaves the line to `serde_json`. `plain`: `b` is known to
    /// hold no backslash and no control character ([`super::plain`]).
    pub(super) fn scan<'a>(
        b: &[u8],
        text: &'a str,
        out: &mut Vec<(Cow<'a, str>, &'a str)>,
        plain: bool,
    ) -> bool {
        out.clear();
        // No escape and no control character anywhere: then every quote opens or closes a
        // string, and a string ends at the next quote.
        let string = |i: usize| -> Option<usize> {
            if plain {
                return Some(next_quote(b, i + 1)? + 1);
            }
            let at = i + 1 + memchr::memchr2(b'"', b'\\', &b[i + 1..])?;
            (b[at] == b'"' && !b[i + 1..at].iter().any(|c| *c < 0x20)).then_some(at + 1)
        };
        let mut i = ws(b, 0);
        if b.get(i) != Some(&b'{') {
            return false;
        }
        i = ws(b, i + 1);
        if b.get(i) == Some(&b'}') {
            return ws(b, i + 1) == b.len();
        }
        loop {
            if b.get(i) != Some(&b'"') {
                return false;
            }
            let Some(key_end) = string(i) else {
                return false;
            };
            let key = &text[i + 1..key_end - 1];
            i = ws(b, key_end);
            if b.get(i) != Some(&b':') {
                return false;
            }
            i = ws(b, i + 1);
            let end = match b.get(i) {
                Some(b'"') => string(i),
                Some(b'n') => word(b, i, b"null"),
                Some(b't') => word(b, i, b"true"),
                Some(b'f') => word(b, i, b"false"),
                Some(b'-' | b'0'..=b'9') => number(b, i),
                _ => None,
            };
            let Some(end) = end else {
                return false;
            };
            out.push((Cow::Borrowed(key), &text[i..end]));
            i = ws(b, end);
            match b.get(i) {
                Some(b',') => i = ws(b, i + 1),
                Some(b'}') => return ws(b, i + 1) == b.len(),
                _ => return false,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `serde_json` alone makes of a line.
    fn by_serde(text: &str) -> Option<Vec<(String, String)>> {
        serde_json::from_str::<Entries<'_>>(text).ok().map(|e| {
            e.0.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        })
    }

    #[test]
    fn the_flat_scanner_reads_every_line_as_serde_json_does() {
        let lines = [
            r#"{"device_id":"dev-1","n":12,"ok":true,"no":false,"reason":null}"#,
            r#"  { "a" : "x" , "b":-0.5e+3 }  "#,
            r#"{}"#,
            r#"{ }"#,
            r#"{"a":"x","a":"y"}"#,
            r#"{"a":"é ü","b":"\u00e9"}"#,
            r#"{"a":"tab	inside"}"#,
            r#"{"a":{"b":1},"c":[1,2]}"#,
            r#"{"a":"x",}"#,
            r#"{"a":01}"#,
            r#"{"a":1.}"#,
            r#"{"a":1e}"#,
            r#"{"a":-}"#,
            r#"{"a":tru}"#,
            r#"{"a":"x"} trailing"#,
            r#"{"a":"x""#,
            r#"{"a" "x"}"#,
            r#"{a:"x"}"#,
            r#"["a"]"#,
            r#"{"a":"x"}}"#,
            r#"{"a":1"}"#,
            r#"{"a":"x\"y"}"#,
            r#"{"a":nullx}"#,
            r#"{"a":1,"b":2.25,"c":-0,"d":3E-2}"#,
            "",
            "{\"a\":\"x\"}\t",
        ];
        for line in lines {
            let ours = Entries::parse(line).ok().map(|e| {
                e.0.iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect()
            });
            assert_eq!(ours, by_serde(line), "{line}");
            // A line of a block found plain reads the same.
            let mut entries = Entries(Vec::new());
            let plain_read = entries
                .parse_into(line, plain(line.as_bytes()))
                .ok()
                .map(|()| {
                    entries
                        .0
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect()
                });
            assert_eq!(plain_read, by_serde(line), "plain: {line}");
            let mut out = Vec::new();
            if flat::scan(line.as_bytes(), line, &mut out, false) {
                assert!(
                    by_serde(line).is_some(),
                    "the scanner accepted what JSON does not: {line}"
                );
            }
        }
        assert!(plain(lines[0].as_bytes()) && plain(b"{\"a\":1}\n{\"b\":2}"));
        assert!(!plain(lines[21].as_bytes()) && !plain(lines[6].as_bytes()));
        assert!(!plain(b"{\"a\":1}\r\n{\"b\":2}"));
        for (text, from) in [
            (&b"abc\"def"[..], 0),
            (b"0123456789abcdef\"", 0),
            (b"0123456\"", 0),
            (b"01234567\"", 0),
            (b"\"\"", 1),
            (b"no quote at all, not one", 0),
            (b"\"\xff\x80\"\x22", 1),
            (b"", 0),
        ] {
            let expected = text[from..]
                .iter()
                .position(|&c| c == b'"')
                .map(|at| from + at);
            assert_eq!(flat::next_quote(text, from), expected, "{text:?}");
        }
        // The common shape takes the fast path.
        let mut out = Vec::new();
        assert!(flat::scan(lines[0].as_bytes(), lines[0], &mut out, false));
        assert_eq!(out.len(), 5);
        // Escapes and nesting do not.
        assert!(!flat::scan(
            lines[21].as_bytes(),
            lines[21],
            &mut out,
            false
        ));
        assert!(!flat::scan(lines[7].as_bytes(), lines[7], &mut out, false));
    }

    #[test]
    fn slots_find_the_first_entry_of_a_key_even_when_it_moves() {
        let mut paths = Paths::new();
        let a = paths.add("a");
        let b = paths.add("b.c");
        let mut slots = Slots::default();
        let first = Entries::parse(r#"{"x":1,"a":"one","b":{"c":"deep"}}"#).expect("json");
        slots.find_json(&paths, &first.0);
        assert_eq!(slots.at, vec![Some(1), Some(2)]);
        let record = Record::Json {
            entries: &first.0,
            paths: &paths,
            slots: &slots,
        };
        assert_eq!(record.get(b).into_text().as_deref(), Some("deep"));
        assert_eq!(
            record.extra(&["a".into(), "b".into()]).as_deref(),
            Some(r#"{"x":1}"#)
        );
        // The next record has "a" twice, the first earlier than the hint.
        let second = Entries::parse(r#"{"a":"first","x":1,"a":"second"}"#).expect("json");
        slots.find_json(&paths, &second.0);
        let record = Record::Json {
            entries: &second.0,
            paths: &paths,
            slots: &slots,
        };
        assert_eq!(record.get(a).into_text().as_deref(), Some("first"));
        assert!(matches!(record.get(b), Field::Missing));
        // Both entries named "a" are read, whichever the slot points at.
        assert_eq!(
            record.extra(&["a".into(), "b".into()]).as_deref(),
            Some(r#"{"x":1}"#)
        );
        let all_read = Entries::parse(r#"{"a":"z","b":{"c":1}}"#).expect("json");
        slots.find_json(&paths, &all_read.0);
        let record = Record::Json {
            entries: &all_read.0,
            paths: &paths,
            slots: &slots,
        };
        assert_eq!(record.extra(&["a".into(), "b".into()]), None);
    }
}
