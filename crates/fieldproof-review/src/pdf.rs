//! Reading a PDF report into pages of text, with bounds: a report is someone else's file, so
//! a damaged, hostile or odd PDF is refused with what to do, never a panic, a hang or
//! unbounded memory.
//!
//! Text comes from [`pdf_extract`] (pure Rust, on `lopdf`), page by page, in the order the page
//! draws it: a table's rows stay together, a two-column page reads column by column, the text
//! of a rotated page reads as if it were upright, and a font's ToUnicode map gives ligatures
//! and typographic quotes back as characters (normalised by [`crate::Document`]). Running
//! headers and footers (a line that repeats at the top or bottom of most pages, page numbers
//! aside) are dropped so they cannot end a section early.
//!
//! The bounds ([`PdfLimits`]): the file's size; the bytes its compressed streams expand to,
//! checked before anything is parsed (a zip bomb is refused, not inflated); the pages; the time
//! (the text is read on a worker thread the caller stops waiting for); and a page whose text
//! cannot be read (the extractor fails or panics on it) is listed as unread, not fatal.

use crate::Document;
use std::io::Read;
use std::sync::mpsc;
use std::time::Duration;

/// How much a PDF may ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PdfLimits {
    /// The file's size in bytes.
    pub max_bytes: usize,
    /// The bytes all compressed streams together may expand to.
    pub max_inflated: u64,
    /// Pages.
    pub max_pages: usize,
    /// Time to read the text.
    pub timeout: Duration,
}

impl Default for PdfLimits {
    /// 100 MiB of file, 256 MiB of expanded streams, 2,000 pages and 60 seconds: several times
    /// the largest SOC report we know of (a 400-page SOC 1 of about 15 MiB).
    fn default() -> PdfLimits {
        PdfLimits {
            max_bytes: 100 << 20,
            max_inflated: 256 << 20,
            max_pages: 2_000,
            timeout: Duration::from_secs(60),
        }
    }
}

/// Why a PDF was not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PdfProblem {
    /// The file does not start like a PDF.
    NotPdf,
    /// The PDF is encrypted with a password.
    Encrypted,
    /// The PDF's structure cannot be parsed.
    Damaged(String),
    /// A bound was passed.
    TooLarge(String),
    /// Reading took longer than the limit.
    TimedOut(Duration),
}

impl std::fmt::Display for PdfProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PdfProblem::NotPdf => f.write_str("not a PDF (it does not start with %PDF)"),
            PdfProblem::Encrypted => f.write_str(
                "the PDF is encrypted with a password: ask for an unprotected copy, or open it with the password and save or print it to a new PDF",
            ),
            PdfProblem::Damaged(why) => write!(
                f,
                "the PDF is damaged and cannot be read ({why}): ask for the file again, or give its text (`pdftotext -layout FILE`)"
            ),
            PdfProblem::TooLarge(what) => write!(
                f,
                "the PDF is larger than fieldproof reads ({what}): give its text instead (`pdftotext -layout FILE`)"
            ),
            PdfProblem::TimedOut(after) => write!(
                f,
                "reading the PDF's text took longer than {} s and was stopped: give its text instead (`pdftotext -layout FILE`)",
                after.as_secs()
            ),
        }
    }
}

impl std::error::Error for PdfProblem {}

/// The name of the threads that read PDFs: the panic hook keeps their panics quiet (the
/// extractor panics on some damaged files; the page is reported as unread instead).
const READER_THREAD: &str = "fieldproof-pdf";

impl Document {
    /// Reads the text of a PDF, page by page, within `limits`.
    pub fn from_pdf(bytes: &[u8], limits: &PdfLimits) -> Result<Document, PdfProblem> {
        if !bytes.starts_with(b"%PDF") {
            return Err(PdfProblem::NotPdf);
        }
        if bytes.len() > limits.max_bytes {
            return Err(PdfProblem::TooLarge(format!(
                "{} MiB, the limit is {} MiB",
                bytes.len() >> 20,
                limits.max_bytes >> 20
            )));
        }
        inflated_within(bytes, limits.max_inflated)?;
        quiet_reader_panics();
        let (tx, rx) = mpsc::channel();
        let owned = bytes.to_vec();
        let max_pages = limits.max_pages;
        let spawned = std::thread::Builder::new()
            .name(READER_THREAD.to_string())
            // Deeply nested objects recurse in the parser: room for them.
            .stack_size(64 << 20)
            .spawn(move || {
                let result = std::panic::catch_unwind(|| read_pages(&owned, max_pages))
                    .unwrap_or_else(|_| {
                        Err(PdfProblem::Damaged(
                            "its structure could not be parsed".into(),
                        ))
                    });
                // The caller may have stopped waiting; nothing to do then.
                let _ = tx.send(result);
            });
        if spawned.is_err() {
            return Err(PdfProblem::TooLarge("no thread to read it".into()));
        }
        match rx.recv_timeout(limits.timeout) {
            Ok(result) => {
                let (pages, unread) = result?;
                Ok(Document::from_pages(pages, unread))
            }
            Err(_) => Err(PdfProblem::TimedOut(limits.timeout)),
        }
    }
}

/// Each page's text and the pages that could not be read.
fn read_pages(bytes: &[u8], max_pages: usize) -> Result<(Vec<String>, Vec<usize>), PdfProblem> {
    let mut doc = pdf_extract::Document::load_mem(bytes).map_err(|e| match e {
        pdf_extract::Error::Decryption(_) => PdfProblem::Encrypted,
        other => PdfProblem::Damaged(other.to_string()),
    })?;
    if doc.is_encrypted() {
        // An empty user password (permissions only) opens it; a real one does not.
        if doc.decrypt("").is_err() {
            return Err(PdfProblem::Encrypted);
        }
    }
    let page_ids = doc.get_pages();
    let numbers: Vec<u32> = page_ids.keys().copied().collect();
    if numbers.len() > max_pages {
        return Err(PdfProblem::TooLarge(format!(
            "{} pages, the limit is {max_pages}",
            numbers.len()
        )));
    }
    if numbers.is_empty() {
        return Err(PdfProblem::Damaged("it has no pages".into()));
    }
    let mut pages = Vec::with_capacity(numbers.len());
    let mut unread = Vec::new();
    for (i, number) in numbers.iter().enumerate() {
        let text = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let mut text = String::new();
            let mut out = pdf_extract::PlainTextOutput::new(&mut text);
            pdf_extract::output_doc_page(&doc, &mut out, *number).map(|()| text)
        }));
        match text {
            // A page that draws text the extractor gave nothing for was not read, whatever
            // the extractor says: it is not a page without text.
            Ok(Ok(text))
                if !(text.trim().is_empty()
                    && page_ids.get(number).is_some_and(|id| draws_text(&doc, *id))) =>
            {
                pages.push(text)
            }
            _ => {
                pages.push(String::new());
                unread.push(i + 1);
            }
        }
    }
    Ok((pages, unread))
}

/// Whether the page's content shows text (a `Tj` or `TJ` operator).
fn draws_text(doc: &pdf_extract::Document, page: pdf_extract::ObjectId) -> bool {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        doc.get_page_content(page).is_ok_and(|content| {
            content.windows(3).any(|w| {
                matches!(w[0], b' ' | b')' | b']' | b'>' | b'\n' | b'\r')
                    && w[1] == b'T'
                    && matches!(w[2], b'j' | b'J')
            })
        })
    }))
    .unwrap_or(false)
}

/// Refuses a file whose compressed streams expand beyond `limit` bytes together, before any
/// parser inflates them: every `stream … endstream` span that is zlib data is inflated into a
/// counter, never into memory.
fn inflated_within(bytes: &[u8], limit: u64) -> Result<(), PdfProblem> {
    let mut total: u64 = 0;
    let mut at = 0;
    while let Some(start) = find(&bytes[at..], b"stream") {
        let mut body = at + start + b"stream".len();
        // `endstream` contains `stream`: skip it.
        if bytes[..at + start].ends_with(b"end") {
            at = body;
            continue;
        }
        while body < bytes.len() && (bytes[body] == b'\r' || bytes[body] == b'\n') {
            body += 1;
        }
        let end = find(&bytes[body..], b"endstream").map_or(bytes.len(), |e| body + e);
        let data = &bytes[body..end];
        if data.len() >= 2 && data[0] == 0x78 {
            let left = limit.saturating_sub(total) + 1;
            let mut decoder = flate2::read::ZlibDecoder::new(data).take(left);
            let mut sink = std::io::sink();
            // Damaged zlib data is the parser's concern; only the size counts here.
            let n = std::io::copy(&mut decoder, &mut sink).unwrap_or(0);
            total += n;
            if total > limit {
                return Err(PdfProblem::TooLarge(format!(
                    "its compressed streams expand to more than {} MiB",
                    limit >> 20
                )));
            }
        }
        at = end.max(body);
        if at >= bytes.len() {
            break;
        }
    }
    Ok(())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Installs, once, a panic hook that keeps the PDF reader's panics quiet and leaves every
/// other thread's to the hook that was there.
fn quiet_reader_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if std::thread::current().name() != Some(READER_THREAD) {
                previous(info);
            }
        }));
    });
}
