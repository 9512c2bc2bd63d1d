//! A small document model for the reports a consultant hands over (readiness, system
//! description draft, controls matrix, test results) and its three renderings: Markdown, one
//! self-contained HTML file with inline SVG charts that prints well, and PDF ([`crate::pdf`]).
//! Building a report once as blocks and rendering it three times keeps the formats in step.

/// How a value reads: drives colours in HTML and PDF.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// Good.
    Good,
    /// Needs attention.
    Warn,
    /// Bad.
    Bad,
    /// Neutral.
    Neutral,
}

impl Tone {
    /// RGB in 0..=255.
    pub const fn rgb(self) -> (u8, u8, u8) {
        match self {
            Tone::Good => (46, 125, 50),
            Tone::Warn => (239, 160, 0),
            Tone::Bad => (198, 40, 40),
            Tone::Neutral => (120, 130, 140),
        }
    }

    fn css(self) -> String {
        let (r, g, b) = self.rgb();
        format!("#{r:02x}{g:02x}{b:02x}")
    }
}

/// One bar of a bar chart.
#[derive(Debug, Clone)]
pub struct Bar {
    /// Label.
    pub label: String,
    /// Value.
    pub value: u64,
    /// Tone.
    pub tone: Tone,
}

/// One cell of a heat map.
#[derive(Debug, Clone)]
pub struct Cell {
    /// Short label (a criterion id).
    pub label: String,
    /// 0 (ready) ..= 4 (uncovered).
    pub heat: u8,
    /// Longer description (HTML title, not printed in PDF).
    pub title: String,
}

/// The heat scale: colour and legend per level.
pub const HEAT: [(Tone, &str); 5] = [
    (Tone::Good, "ready"),
    (Tone::Neutral, "implemented, evidence to come"),
    (Tone::Warn, "gaps"),
    (Tone::Bad, "exceptions or nothing implemented"),
    (Tone::Bad, "uncovered"),
];

/// A block of a document.
#[derive(Debug, Clone)]
pub enum Block {
    /// A heading, level 1-3.
    Heading(u8, String),
    /// A paragraph.
    Para(String),
    /// A small note.
    Note(String),
    /// A bullet list.
    Bullets(Vec<String>),
    /// Label-value pairs.
    Facts(Vec<(String, String)>),
    /// A table: header, rows, relative column widths.
    Table {
        /// Column titles.
        head: Vec<String>,
        /// Rows.
        rows: Vec<Vec<String>>,
        /// Relative widths (PDF), one per column.
        widths: Vec<u16>,
    },
    /// A horizontal bar chart.
    Bars {
        /// Title.
        title: String,
        /// Bars.
        bars: Vec<Bar>,
    },
    /// A heat map of labelled cells.
    Heat {
        /// Title.
        title: String,
        /// Cells.
        cells: Vec<Cell>,
    },
}

/// A document.
#[derive(Debug, Clone)]
pub struct Document {
    /// Title.
    pub title: String,
    /// Subtitle (organisation, service, engagement).
    pub subtitle: String,
    /// The explicit generated-at stamp: the only part that differs between runs on the same
    /// inputs.
    pub generated_at: Option<String>,
    /// Blocks.
    pub blocks: Vec<Block>,
}

impl Document {
    /// An empty document.
    pub fn new(title: impl Into<String>, subtitle: impl Into<String>) -> Document {
        Document {
            title: title.into(),
            subtitle: subtitle.into(),
            generated_at: None,
            blocks: Vec::new(),
        }
    }

    /// Adds a block.
    pub fn push(&mut self, block: Block) -> &mut Self {
        self.blocks.push(block);
        self
    }

    /// Adds a heading.
    pub fn heading(&mut self, level: u8, text: impl Into<String>) -> &mut Self {
        self.push(Block::Heading(level, text.into()))
    }

    /// Adds a paragraph.
    pub fn para(&mut self, text: impl Into<String>) -> &mut Self {
        self.push(Block::Para(text.into()))
    }

    /// Adds a table.
    pub fn table(&mut self, head: &[&str], rows: Vec<Vec<String>>, widths: &[u16]) -> &mut Self {
        self.push(Block::Table {
            head: head.iter().map(|h| h.to_string()).collect(),
            rows,
            widths: widths.to_vec(),
        })
    }

    /// Every piece of text, for tests that look for content.
    pub fn text(&self) -> String {
        markdown(self)
    }
}

use crate::text::{md_cell, md_text};

/// Markdown. Every text of the document is escaped ([`md_text`]): a report carries what users
/// typed (estate names, owners, rationales) and a Markdown renderer must show it, not run it.
pub fn markdown(doc: &Document) -> String {
    let mut out = format!(
        "# {}\n\n{}\n\n",
        md_text(&doc.title),
        md_text(&doc.subtitle)
    );
    if let Some(at) = &doc.generated_at {
        out.push_str(&format!("Generated {at} by fieldproof.\n\n"));
    }
    for block in &doc.blocks {
        match block {
            Block::Heading(level, text) => {
                out.push_str(&format!(
                    "{} {}\n\n",
                    "#".repeat(usize::from(*level) + 1),
                    md_text(text)
                ));
            }
            Block::Para(text) => out.push_str(&format!("{}\n\n", md_text(text))),
            Block::Note(text) => out.push_str(&format!("_{}_\n\n", md_text(text))),
            Block::Bullets(items) => {
                for item in items {
                    out.push_str(&format!("- {}\n", md_text(item)));
                }
                out.push('\n');
            }
            Block::Facts(pairs) => {
                for (k, v) in pairs {
                    out.push_str(&format!("- **{}:** {}\n", md_text(k), md_text(v)));
                }
                out.push('\n');
            }
            Block::Table { head, rows, .. } => {
                if rows.is_empty() {
                    out.push_str("_None._\n\n");
                    continue;
                }
                out.push_str(&format!(
                    "| {} |\n|{}\n",
                    head.iter()
                        .map(|h| md_cell(h))
                        .collect::<Vec<_>>()
                        .join(" | "),
                    "---|".repeat(head.len())
                ));
                for row in rows {
                    out.push_str(&format!(
                        "| {} |\n",
                        row.iter()
                            .map(|c| md_cell(c))
                            .collect::<Vec<_>>()
                            .join(" | ")
                    ));
                }
                out.push('\n');
            }
            Block::Bars { title, bars } => {
                out.push_str(&format!("**{}**\n\n| | |\n|---|---:|\n", md_text(title)));
                for bar in bars {
                    out.push_str(&format!("| {} | {} |\n", md_cell(&bar.label), bar.value));
                }
                out.push('\n');
            }
            Block::Heat { title, cells } => {
                out.push_str(&format!(
                    "**{}**\n\n| Criterion | State |\n|---|---|\n",
                    md_text(title)
                ));
                for cell in cells {
                    out.push_str(&format!(
                        "| {} | {} |\n",
                        md_cell(&cell.label),
                        HEAT[usize::from(cell.heat.min(4))].1
                    ));
                }
                out.push('\n');
            }
        }
    }
    out
}

use crate::text::html as escape;

const CSS: &str = "body{font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;color:#1d2329;max-width:1100px;margin:2em auto;padding:0 1.5em;line-height:1.45}
h1{font-size:1.8em;margin-bottom:.1em}h2{border-bottom:2px solid #dfe3e8;padding-bottom:.2em;margin-top:1.8em}h3{margin-top:1.4em}
.subtitle{color:#55606b;margin-top:0}.note{color:#55606b;font-size:.9em}
table{border-collapse:collapse;width:100%;margin:.6em 0 1.2em;font-size:.88em}th,td{border:1px solid #d5dae0;padding:.3em .5em;text-align:left;vertical-align:top}
th{background:#eef1f4}tr{page-break-inside:avoid}dl{display:grid;grid-template-columns:max-content auto;gap:.2em 1em}dt{font-weight:600}dd{margin:0}
svg{max-width:100%}.chart{margin:.6em 0 1.2em}
@media print{body{margin:0;max-width:none;font-size:10pt}h2{page-break-after:avoid}h3{page-break-after:avoid}table{page-break-inside:auto}a{color:inherit}}";

/// One self-contained HTML file (no external resources), with inline SVG charts.
pub fn html(doc: &Document) -> String {
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>\n{CSS}\n</style>\n</head>\n<body>\n<h1>{}</h1>\n<p class=\"subtitle\">{}</p>\n",
        escape(&doc.title),
        escape(&doc.title),
        escape(&doc.subtitle)
    );
    if let Some(at) = &doc.generated_at {
        out.push_str(&format!(
            "<p class=\"note\">Generated {} by fieldproof.</p>\n",
            escape(at)
        ));
    }
    for block in &doc.blocks {
        match block {
            Block::Heading(level, text) => {
                let l = level + 1;
                out.push_str(&format!("<h{l}>{}</h{l}>\n", escape(text)));
            }
            Block::Para(text) => out.push_str(&format!("<p>{}</p>\n", escape(text))),
            Block::Note(text) => out.push_str(&format!("<p class=\"note\">{}</p>\n", escape(text))),
            Block::Bullets(items) => {
                out.push_str("<ul>\n");
                for item in items {
                    out.push_str(&format!("<li>{}</li>\n", escape(item)));
                }
                out.push_str("</ul>\n");
            }
            Block::Facts(pairs) => {
                out.push_str("<dl>\n");
                for (k, v) in pairs {
                    out.push_str(&format!("<dt>{}</dt><dd>{}</dd>\n", escape(k), escape(v)));
                }
                out.push_str("</dl>\n");
            }
            Block::Table { head, rows, .. } => {
                if rows.is_empty() {
                    out.push_str("<p class=\"note\">None.</p>\n");
                    continue;
                }
                out.push_str("<table>\n<thead><tr>");
                for h in head {
                    out.push_str(&format!("<th>{}</th>", escape(h)));
                }
                out.push_str("</tr></thead>\n<tbody>\n");
                for row in rows {
                    out.push_str("<tr>");
                    for c in row {
                        out.push_str(&format!("<td>{}</td>", escape(c)));
                    }
                    out.push_str("</tr>\n");
                }
                out.push_str("</tbody>\n</table>\n");
            }
            Block::Bars { title, bars } => out.push_str(&bars_svg(title, bars)),
            Block::Heat { title, cells } => out.push_str(&heat_svg(title, cells)),
        }
    }
    out.push_str("</body>\n</html>\n");
    out
}

fn bars_svg(title: &str, bars: &[Bar]) -> String {
    let max = bars.iter().map(|b| b.value).max().unwrap_or(0).max(1);
    let row = 22;
    let height = 28 + row * bars.len();
    let mut out = format!(
        "<figure class=\"chart\"><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"640\" height=\"{height}\" viewBox=\"0 0 640 {height}\" role=\"img\" aria-label=\"{}\">\n<text x=\"0\" y=\"16\" font-size=\"14\" font-weight=\"600\">{}</text>\n",
        escape(title),
        escape(title)
    );
    for (i, bar) in bars.iter().enumerate() {
        let y = 26 + row * i;
        let width = (bar.value * 380 / max).max(u64::from(bar.value > 0));
        out.push_str(&format!(
            "<text x=\"0\" y=\"{}\" font-size=\"12\">{}</text><rect x=\"200\" y=\"{y}\" width=\"{width}\" height=\"16\" fill=\"{}\"/><text x=\"{}\" y=\"{}\" font-size=\"12\">{}</text>\n",
            y + 12,
            escape(&bar.label),
            bar.tone.css(),
            206 + width,
            y + 12,
            bar.value
        ));
    }
    out.push_str("</svg></figure>\n");
    out
}

fn heat_svg(title: &str, cells: &[Cell]) -> String {
    let per_row = 10;
    let (w, h) = (62, 26);
    let rows = cells.len().div_ceil(per_row);
    let height = 30 + rows * (h + 4) + 24;
    let mut out = format!(
        "<figure class=\"chart\"><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{height}\" viewBox=\"0 0 {} {height}\" role=\"img\" aria-label=\"{}\">\n<text x=\"0\" y=\"16\" font-size=\"14\" font-weight=\"600\">{}</text>\n",
        per_row * (w + 4),
        per_row * (w + 4),
        escape(title),
        escape(title)
    );
    for (i, cell) in cells.iter().enumerate() {
        let x = (i % per_row) * (w + 4);
        let y = 26 + (i / per_row) * (h + 4);
        let (tone, legend) = HEAT[usize::from(cell.heat.min(4))];
        let opacity = if cell.heat == 4 { "1" } else { "0.85" };
        out.push_str(&format!(
            "<g><title>{} ({legend}): {}</title><rect x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{h}\" rx=\"3\" fill=\"{}\" fill-opacity=\"{opacity}\"/><text x=\"{}\" y=\"{}\" font-size=\"11\" fill=\"#fff\" text-anchor=\"middle\">{}</text></g>\n",
            escape(&cell.label),
            escape(&cell.title),
            tone.css(),
            x + w / 2,
            y + 17,
            escape(&cell.label)
        ));
    }
    let legend_y = 30 + rows * (h + 4) + 10;
    let mut x = 0;
    for (level, (tone, legend)) in HEAT.iter().enumerate() {
        out.push_str(&format!(
            "<rect x=\"{x}\" y=\"{}\" width=\"10\" height=\"10\" fill=\"{}\"/><text x=\"{}\" y=\"{}\" font-size=\"10\">{level} {}</text>\n",
            legend_y - 9,
            tone.css(),
            x + 14,
            legend_y,
            escape(legend)
        ));
        x += 14 + legend.len() * 6 + 20;
    }
    out.push_str("</svg></figure>\n");
    out
}
