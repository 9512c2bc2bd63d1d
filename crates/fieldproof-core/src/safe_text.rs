//! Text typed by users (estate fields, statuses, evidence file names, notes) shown safely in
//! the formats fieldproof writes: a spreadsheet cell that cannot run as a formula, and a name
//! whose invisible characters are shown instead of obeyed.
//!
//! - **CSV formula injection.** Spreadsheets run a cell that begins with `=`, `+`, `-` or `@`
//!   (and some a tab or carriage return) as a formula: `=HYPERLINK(...)` in an owner field
//!   would run when the auditor opens `controls.csv`. As OWASP recommends, such a cell is
//!   written with a leading apostrophe, which spreadsheets read as "text". A plain number
//!   (`-5`, `+1.5`) is left alone: it is not a formula.
//! - **Bidirectional and invisible characters.** `evil\u{202e}gpj.exe` reads `evilexe.jpg` on
//!   screen. Such characters are shown as `\u{202E}`, so a reader sees what is really there.

use std::borrow::Cow;

/// `cell` as a CSV cell that a spreadsheet reads as text, never as a formula.
pub fn spreadsheet_cell(cell: &str) -> Cow<'_, str> {
    let risky = matches!(
        cell.chars().next(),
        Some('=' | '+' | '-' | '@' | '\t' | '\r')
    );
    if !risky || is_plain_number(cell) {
        Cow::Borrowed(cell)
    } else {
        Cow::Owned(format!("'{cell}"))
    }
}

/// A CSV record with every cell made safe by [`spreadsheet_cell`].
pub fn spreadsheet_record<'a, I, S>(cells: I) -> Vec<String>
where
    I: IntoIterator<Item = &'a S>,
    S: AsRef<str> + ?Sized + 'a,
{
    cells
        .into_iter()
        .map(|c| spreadsheet_cell(c.as_ref()).into_owned())
        .collect()
}

/// A number as a spreadsheet reads it, and nothing else: sign, digits, one point, exponent.
fn is_plain_number(cell: &str) -> bool {
    cell.len() > 1
        && cell
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | '.' | 'e' | 'E'))
        && cell.parse::<f64>().is_ok_and(f64::is_finite)
}

/// Whether `c` changes how text around it is displayed without being seen itself: the
/// bidirectional embeddings, overrides and isolates, the directional marks, the zero-width
/// space and word joiners, the byte order mark, and control characters but newline and tab.
/// (The zero-width joiner and non-joiner are left alone: scripts and emoji need them.)
pub fn is_invisible_control(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_control() && c != '\n' && c != '\t';
    }
    matches!(
        c,
        '\u{061C}'
            | '\u{200B}'
            | '\u{200E}'
            | '\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}'
            | '\u{FEFF}'
    ) || (c.is_control() && c != '\n' && c != '\t')
}

/// `text` with every invisible or control character shown as `\u{XXXX}`.
pub fn visible(text: &str) -> Cow<'_, str> {
    // Pages and reports escape megabytes of plain text: printable ASCII is decided byte by byte.
    let plain = |b: &u8| (b' '..=b'~').contains(b) || *b == b'\n' || *b == b'\t';
    if text.bytes().all(|b| plain(&b)) || !text.chars().any(is_invisible_control) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        push_visible(&mut out, c);
    }
    Cow::Owned(out)
}

/// Pushes `c`, or `\u{XXXX}` when it is an invisible or control character.
pub fn push_visible(out: &mut String, c: char) {
    if is_invisible_control(c) {
        out.push_str(&format!("\\u{{{:04X}}}", c as u32));
    } else {
        out.push(c);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_written_as_text() {
        for risky in [
            "=HYPERLINK(\"http://x\",\"y\")",
            "+cmd|' /C calc'!A0",
            "-2+3",
            "@SUM(A1)",
            "\tx",
            "\rx",
            "-",
            "-inf",
        ] {
            assert_eq!(spreadsheet_cell(risky), format!("'{risky}"), "{risky:?}");
        }
        for plain in [
            "-5",
            "+1.5",
            "-1e3",
            "owner",
            "",
            "a=b",
            "2026-01-01",
            "'quoted",
        ] {
            assert_eq!(spreadsheet_cell(plain), plain, "{plain:?}");
        }
    }

    #[test]
    fn bidirectional_overrides_are_shown_not_obeyed() {
        assert_eq!(visible("evil\u{202e}gpj.exe"), "evil\\u{202E}gpj.exe");
        assert_eq!(visible("a\u{200b}b\u{0}c"), "a\\u{200B}b\\u{0000}c");
        assert_eq!(visible("plain name.pdf"), "plain name.pdf");
        assert_eq!(visible("two\nlines\tok"), "two\nlines\tok");
    }
}
