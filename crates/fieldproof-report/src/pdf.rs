//! PDF rendering of a [`Document`], in-process and dependency-free: A4 pages, text set in the
//! PDF standard fonts Helvetica and Helvetica-Bold (every PDF reader has them, so nothing needs
//! embedding and no font file is read at run time), tables with repeated headers, bar charts and
//! the heat map drawn as vector graphics, and "page N of M" footers. The output is a pure
//! function of the document: identical inputs give identical bytes.
//!
//! Text is encoded in WinAnsiEncoding; characters outside it are written as their closest ASCII
//! spelling (`→` as `->`) or `?`.

use crate::doc::{Block, Document, Tone, HEAT};
use std::fmt::Write as _;

const PAGE_W: f32 = 595.0;
const PAGE_H: f32 = 842.0;
const MARGIN: f32 = 48.0;
const BOTTOM: f32 = 56.0;

// Glyph widths (1/1000 em) of Helvetica and Helvetica-Bold for ASCII 32..=126, from the
// standard fonts' published metrics.
const REGULAR: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556,
    556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667,
    611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667,
    667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500,
    222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
];
const BOLD: [u16; 95] = [
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556,
    556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611, 975, 722, 722, 722, 722, 667,
    611, 778, 722, 278, 556, 722, 611, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667,
    667, 611, 333, 278, 333, 584, 556, 333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556,
    278, 889, 611, 611, 611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584,
];

/// The WinAnsi bytes of `text`.
fn encode(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    for c in text.chars() {
        match c {
            ' '..='~' => out.push(c as u8),
            '\u{a0}'..='\u{ff}' => out.push(c as u32 as u8),
            '\u{2013}' => out.push(0x96),
            '\u{2014}' => out.push(0x97),
            '\u{2018}' => out.push(0x91),
            '\u{2019}' => out.push(0x92),
            '\u{201c}' => out.push(0x93),
            '\u{201d}' => out.push(0x94),
            '\u{2022}' => out.push(0x95),
            '\u{2026}' => out.push(0x85),
            '\u{2192}' => out.extend_from_slice(b"->"),
            '\u{2190}' => out.extend_from_slice(b"<-"),
            '\u{2265}' => out.extend_from_slice(b">="),
            '\u{2264}' => out.extend_from_slice(b"<="),
            '\u{2260}' => out.extend_from_slice(b"!="),
            '\u{2713}' | '\u{2714}' => out.extend_from_slice(b"yes"),
            '\t' | '\n' | '\r' => out.push(b' '),
            _ => out.push(b'?'),
        }
    }
    out
}

fn width_of(bytes: &[u8], bold: bool, size: f32) -> f32 {
    let table = if bold { &BOLD } else { &REGULAR };
    let units: u32 = bytes
        .iter()
        .map(|b| match b {
            32..=126 => u32::from(table[usize::from(b - 32)]),
            0x97 => 1000,
            0x85 => 1000,
            0x95 => 350,
            0x91..=0x94 => 333,
            _ => 556,
        })
        .sum();
    units as f32 * size / 1000.0
}

/// Splits `text` into lines no wider than `max` points, breaking at spaces (and inside words
/// longer than a line).
fn wrap(text: &str, bold: bool, size: f32, max: f32) -> Vec<Vec<u8>> {
    let mut lines = Vec::new();
    let mut line: Vec<u8> = Vec::new();
    for word in encode(text).split(|b| *b == b' ').filter(|w| !w.is_empty()) {
        let mut candidate = line.clone();
        if !candidate.is_empty() {
            candidate.push(b' ');
        }
        candidate.extend_from_slice(word);
        if width_of(&candidate, bold, size) <= max {
            line = candidate;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        let mut rest = word.to_vec();
        while width_of(&rest, bold, size) > max && rest.len() > 1 {
            let mut cut = rest.len() - 1;
            while cut > 1 && width_of(&rest[..cut], bold, size) > max {
                cut -= 1;
            }
            lines.push(rest[..cut].to_vec());
            rest = rest[cut..].to_vec();
        }
        line = rest;
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

fn pdf_string(bytes: &[u8]) -> String {
    let mut out = String::from("(");
    for b in bytes {
        match b {
            b'(' | b')' | b'\\' => {
                out.push('\\');
                out.push(*b as char);
            }
            32..=126 => out.push(*b as char),
            _ => {
                let _ = write!(out, "\\{b:03o}");
            }
        }
    }
    out.push(')');
    out
}

struct Layout {
    pages: Vec<String>,
    page: String,
    y: f32,
}

impl Layout {
    fn new() -> Layout {
        Layout {
            pages: Vec::new(),
            page: String::new(),
            y: PAGE_H - MARGIN,
        }
    }

    fn new_page(&mut self) {
        self.pages.push(std::mem::take(&mut self.page));
        self.y = PAGE_H - MARGIN;
    }

    fn ensure(&mut self, height: f32) {
        if self.y - height < BOTTOM && self.y < PAGE_H - MARGIN - 1.0 {
            self.new_page();
        }
    }

    fn text(&mut self, x: f32, y: f32, bytes: &[u8], bold: bool, size: f32, grey: bool) {
        let font = if bold { "F2" } else { "F1" };
        let colour = if grey {
            "0.33 0.37 0.42"
        } else {
            "0.11 0.14 0.16"
        };
        let _ = writeln!(
            self.page,
            "BT {colour} rg /{font} {size} Tf {x:.2} {y:.2} Td {} Tj ET",
            pdf_string(bytes)
        );
    }

    fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, rgb: (f32, f32, f32)) {
        let _ = writeln!(
            self.page,
            "{:.3} {:.3} {:.3} rg {x:.2} {y:.2} {w:.2} {h:.2} re f",
            rgb.0, rgb.1, rgb.2
        );
    }

    fn stroke(&mut self, x: f32, y: f32, w: f32, h: f32) {
        let _ = writeln!(
            self.page,
            "0.82 0.85 0.88 RG 0.5 w {x:.2} {y:.2} {w:.2} {h:.2} re S"
        );
    }

    fn paragraph(&mut self, text: &str, bold: bool, size: f32, grey: bool, indent: f32) {
        let leading = size * 1.3;
        for line in wrap(text, bold, size, PAGE_W - 2.0 * MARGIN - indent) {
            self.ensure(leading);
            self.y -= leading;
            self.text(MARGIN + indent, self.y, &line, bold, size, grey);
        }
    }

    fn table(&mut self, head: &[String], rows: &[Vec<String>], widths: &[u16]) {
        let size = 7.5;
        let leading = 9.2;
        let total: f32 = widths.iter().map(|w| f32::from(*w)).sum::<f32>().max(1.0);
        let cols: Vec<f32> = (0..head.len())
            .map(|i| {
                f32::from(widths.get(i).copied().unwrap_or(1)) / total * (PAGE_W - 2.0 * MARGIN)
            })
            .collect();
        let measure = |cells: &[String], bold: bool| {
            let wrapped: Vec<Vec<Vec<u8>>> = cells
                .iter()
                .zip(&cols)
                .map(|(c, w)| wrap(c, bold, size, w - 6.0))
                .collect();
            let lines = wrapped.iter().map(Vec::len).max().unwrap_or(1);
            let height = lines as f32 * leading + 5.0;
            (wrapped, height)
        };
        // Draws one row below the cursor: the header (bold, shaded) or a body row.
        let draw = |layout: &mut Layout, wrapped: &[Vec<Vec<u8>>], height: f32, bold: bool| {
            layout.y -= height;
            let top = layout.y;
            if bold {
                let shade = (0.93, 0.945, 0.957);
                layout.rect(MARGIN, top, PAGE_W - 2.0 * MARGIN, height, shade);
            }
            let mut x = MARGIN;
            for (lines, w) in wrapped.iter().zip(&cols) {
                for (i, line) in lines.iter().enumerate() {
                    let y = top + height - 3.0 - (i as f32 + 1.0) * leading + 2.0;
                    layout.text(x + 3.0, y, line, bold, size, false);
                }
                layout.stroke(x, top, *w, height);
                x += w;
            }
        };
        let (head_wrapped, head_height) = measure(head, true);
        self.ensure(60.0);
        draw(self, &head_wrapped, head_height, true);
        for row in rows {
            let (wrapped, height) = measure(row, false);
            if self.y - height < BOTTOM {
                self.new_page();
                draw(self, &head_wrapped, head_height, true);
            }
            draw(self, &wrapped, height, false);
        }
        self.y -= 8.0;
    }
}

fn rgb(tone: Tone) -> (f32, f32, f32) {
    let (r, g, b) = tone.rgb();
    (
        f32::from(r) / 255.0,
        f32::from(g) / 255.0,
        f32::from(b) / 255.0,
    )
}

/// The PDF bytes of `doc`.
pub fn render(doc: &Document) -> Vec<u8> {
    let mut layout = Layout::new();
    layout.paragraph(&doc.title, true, 20.0, false, 0.0);
    layout.y -= 4.0;
    layout.paragraph(&doc.subtitle, false, 11.0, true, 0.0);
    if let Some(at) = &doc.generated_at {
        layout.paragraph(
            &format!("Generated {at} by fieldproof."),
            false,
            8.5,
            true,
            0.0,
        );
    }
    layout.y -= 6.0;
    for block in &doc.blocks {
        match block {
            Block::Heading(level, text) => {
                let size = match level {
                    1 => 15.0,
                    2 => 12.0,
                    _ => 10.5,
                };
                // Keep a heading with what follows it.
                layout.ensure(size * 1.3 + 60.0);
                layout.y -= if *level == 1 { 10.0 } else { 6.0 };
                layout.paragraph(text, true, size, false, 0.0);
                layout.y -= 3.0;
            }
            Block::Para(text) => {
                layout.paragraph(text, false, 9.5, false, 0.0);
                layout.y -= 5.0;
            }
            Block::Note(text) => {
                layout.paragraph(text, false, 8.0, true, 0.0);
                layout.y -= 4.0;
            }
            Block::Bullets(items) => {
                for item in items {
                    let lines = wrap(item, false, 9.5, PAGE_W - 2.0 * MARGIN - 12.0);
                    for (i, line) in lines.iter().enumerate() {
                        layout.ensure(12.4);
                        layout.y -= 12.4;
                        if i == 0 {
                            layout.text(MARGIN + 2.0, layout.y, &[0x95], false, 9.5, false);
                        }
                        layout.text(MARGIN + 12.0, layout.y, line, false, 9.5, false);
                    }
                }
                layout.y -= 5.0;
            }
            Block::Facts(pairs) => {
                for (k, v) in pairs {
                    let key = encode(&format!("{k}:"));
                    let indent = 150.0;
                    let lines = wrap(v, false, 9.5, PAGE_W - 2.0 * MARGIN - indent);
                    for (i, line) in lines.iter().enumerate() {
                        layout.ensure(12.4);
                        layout.y -= 12.4;
                        if i == 0 {
                            layout.text(MARGIN, layout.y, &key, true, 9.5, false);
                        }
                        layout.text(MARGIN + indent, layout.y, line, false, 9.5, false);
                    }
                }
                layout.y -= 5.0;
            }
            Block::Table { head, rows, widths } => {
                if rows.is_empty() {
                    layout.paragraph("None.", false, 9.0, true, 0.0);
                    layout.y -= 4.0;
                } else {
                    layout.table(head, rows, widths);
                }
            }
            Block::Bars { title, bars } => {
                let max = bars.iter().map(|b| b.value).max().unwrap_or(0).max(1) as f32;
                layout.ensure(20.0 + 15.0 * bars.len() as f32);
                layout.paragraph(title, true, 9.5, false, 0.0);
                for bar in bars {
                    layout.y -= 15.0;
                    let y = layout.y;
                    layout.text(MARGIN, y + 2.0, &encode(&bar.label), false, 8.5, false);
                    let w = bar.value as f32 / max * 260.0;
                    layout.rect(
                        MARGIN + 160.0,
                        y,
                        w.max(if bar.value > 0 { 1.0 } else { 0.0 }),
                        11.0,
                        rgb(bar.tone),
                    );
                    layout.text(
                        MARGIN + 166.0 + w,
                        y + 2.0,
                        bar.value.to_string().as_bytes(),
                        false,
                        8.5,
                        false,
                    );
                }
                layout.y -= 10.0;
            }
            Block::Heat { title, cells } => {
                let per_row = 9;
                let (w, h) = (52.0, 18.0);
                let rows = cells.len().div_ceil(per_row);
                layout.ensure(30.0 + rows as f32 * (h + 3.0) + 20.0);
                layout.paragraph(title, true, 9.5, false, 0.0);
                layout.y -= 4.0;
                for (i, cell) in cells.iter().enumerate() {
                    if i % per_row == 0 {
                        layout.y -= h + 3.0;
                    }
                    let x = MARGIN + (i % per_row) as f32 * (w + 3.0);
                    let y = layout.y;
                    layout.rect(x, y, w, h, rgb(HEAT[usize::from(cell.heat.min(4))].0));
                    let label = encode(&cell.label);
                    let tw = width_of(&label, true, 8.0);
                    let _ = writeln!(
                        layout.page,
                        "BT 1 1 1 rg /F2 8 Tf {:.2} {:.2} Td {} Tj ET",
                        x + (w - tw) / 2.0,
                        y + 6.0,
                        pdf_string(&label)
                    );
                }
                layout.y -= 16.0;
                let mut x = MARGIN;
                for (level, (tone, legend)) in HEAT.iter().enumerate() {
                    layout.rect(x, layout.y, 8.0, 8.0, rgb(*tone));
                    let text = encode(&format!("{level} {legend}"));
                    layout.text(x + 11.0, layout.y + 1.0, &text, false, 7.0, true);
                    x += 11.0 + width_of(&text, false, 7.0) + 12.0;
                }
                layout.y -= 12.0;
            }
        }
    }
    layout.pages.push(std::mem::take(&mut layout.page));
    let total = layout.pages.len();
    // Objects: 1 catalog, 2 pages, 3 Helvetica, 4 Helvetica-Bold, 5 info, then per page the
    // page object and its content stream.
    let mut objects: Vec<Vec<u8>> = Vec::new();
    let page_ids: Vec<usize> = (0..total).map(|i| 6 + 2 * i).collect();
    objects.push(b"<< /Type /Catalog /Pages 2 0 R >>".to_vec());
    objects.push(
        format!(
            "<< /Type /Pages /Kids [{}] /Count {total} >>",
            page_ids
                .iter()
                .map(|id| format!("{id} 0 R"))
                .collect::<Vec<_>>()
                .join(" ")
        )
        .into_bytes(),
    );
    objects.push(
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
            .to_vec(),
    );
    objects.push(
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>"
            .to_vec(),
    );
    let mut info = String::from("<< /Title ");
    info.push_str(&pdf_string(&encode(&doc.title)));
    info.push_str(" /Producer (fieldproof) >>");
    objects.push(info.into_bytes());
    for (i, content) in layout.pages.iter().enumerate() {
        let mut content = content.clone();
        let footer = encode(&format!("{} - page {} of {total}", doc.title, i + 1));
        let _ = writeln!(
            content,
            "BT 0.45 0.5 0.55 rg /F1 7.5 Tf {MARGIN:.2} 30 Td {} Tj ET",
            pdf_string(&footer)
        );
        objects.push(
            format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_W} {PAGE_H}] /Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents {} 0 R >>",
                page_ids[i] + 1
            )
            .into_bytes(),
        );
        let mut stream = format!("<< /Length {} >>\nstream\n", content.len()).into_bytes();
        stream.extend_from_slice(content.as_bytes());
        stream.extend_from_slice(b"\nendstream");
        objects.push(stream);
    }
    let mut out = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::with_capacity(objects.len());
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for offset in offsets {
        out.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R /Info 5 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_wraps_within_the_width_and_encodes_to_winansi() {
        let lines = wrap(
            "the quick brown fox jumps over the lazy dog",
            false,
            10.0,
            80.0,
        );
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| width_of(l, false, 10.0) <= 80.0));
        assert_eq!(encode("a – b → c ✓ 日"), b"a \x96 b -> c yes ?".to_vec());
        assert_eq!(pdf_string(b"(x)\\\x96"), "(\\(x\\)\\\\\\226)");
    }

    #[test]
    fn a_long_table_breaks_onto_pages_with_a_valid_cross_reference() {
        let mut doc = Document::new("T", "S");
        doc.table(
            &["a", "b"],
            (0..200)
                .map(|i| vec![i.to_string(), "x ".repeat(i % 40)])
                .collect(),
            &[1, 3],
        );
        let bytes = render(&doc);
        let text = String::from_utf8_lossy(&bytes);
        let pages = text.matches("/Type /Page ").count();
        assert!(pages > 3, "{pages} pages");
        assert!(text.contains(&format!("/Count {pages}")));
        // Every cross-reference offset points at its object.
        let xref = text.rfind("xref\n").expect("xref");
        for (i, line) in text[xref..].lines().skip(3).take(pages * 2 + 5).enumerate() {
            let offset: usize = line[..10].parse().expect("offset");
            assert!(
                text[offset..].starts_with(&format!("{} 0 obj", i + 1)),
                "object {}",
                i + 1
            );
        }
        assert_eq!(render(&doc), bytes, "deterministic");
    }
}
