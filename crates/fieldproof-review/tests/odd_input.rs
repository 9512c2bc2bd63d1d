//! Odd and hostile input never panics the reader, and every page it cites exists: arbitrary
//! text, the fixture reports cut short or with characters replaced, moved or repeated, and the
//! fixture PDFs truncated, with bytes flipped, spans repeated or garbage put in.

use fieldproof_review::{findings, read, Document, PdfLimits, PdfProblem};
use proptest::prelude::*;

fn fixtures() -> Vec<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/reports");
    let mut texts: Vec<String> = std::fs::read_dir(dir)
        .expect("examples/reports")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .map(|p| std::fs::read_to_string(p).expect("a fixture"))
        .collect();
    texts.sort();
    texts
}

/// Every page a review or its findings cite is a page of the document.
fn cites_only_real_pages(text: &str) {
    cites_only_real_pages_of(&Document::from_text(text));
}

fn cites_only_real_pages_of(doc: &Document) {
    let Ok(review) = read(doc) else {
        return;
    };
    let pages = doc.pages.len();
    let cited = review
        .kind
        .iter()
        .map(|f| f.page)
        .chain(review.report_type.iter().map(|f| f.page))
        .chain(review.period.iter().map(|f| f.page))
        .chain(review.as_of.iter().map(|f| f.page))
        .chain(review.opinion.iter().map(|f| f.page))
        .chain(review.cuecs.iter().map(|c| c.page))
        .chain(review.exceptions.iter().map(|e| e.page))
        .chain(review.ot.iter().map(|m| m.page))
        .chain(review.subservice.iter().map(|s| s.page))
        .chain(review.issue_date.iter().map(|f| f.page))
        .chain(review.system.iter().map(|f| f.page))
        .chain(review.assertion.iter().map(|f| f.page))
        .chain(review.bridge_letter.iter().map(|f| f.page))
        .chain(review.csocs.iter().map(|c| c.page))
        .chain(review.tests.iter().map(|t| t.page))
        .chain(review.responses.iter().map(|r| r.page))
        .chain(review.unread_pages.iter().copied());
    for page in cited {
        assert!((1..=pages).contains(&page), "page {page} of {pages}");
    }
    let date = fieldproof_core::engagement::Date::parse("2026-06-30").expect("date");
    for f in findings(&review, date, None) {
        assert!(f.page.is_none_or(|p| (1..=pages).contains(&p)));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,2000}") {
        cites_only_real_pages(&text);
        cites_only_real_pages(&format!("Independent Service Auditor's Report\n{text}"));
    }

    #[test]
    fn a_damaged_report_never_panics(which in 0usize..2, cut in 0usize..6000, at in 0usize..6000, with in "\\PC{0,40}", times in 1usize..40) {
        let texts = fixtures();
        let text = &texts[which % texts.len()];
        let boundary = |i: usize| {
            let mut i = i.min(text.len());
            while !text.is_char_boundary(i) {
                i -= 1;
            }
            i
        };
        // Cut short.
        cites_only_real_pages(&text[..boundary(cut)]);
        // Something put in the middle, repeated.
        let at = boundary(at);
        cites_only_real_pages(&format!("{}{}{}", &text[..at], with.repeat(times), &text[at..]));
        // Page breaks everywhere.
        cites_only_real_pages(&text.replace(' ', "\u{c}"));
    }
}

fn pdfs() -> Vec<Vec<u8>> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/reports");
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
        .expect("examples/reports")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "pdf"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|p| std::fs::read(p).expect("a pdf"))
        .collect()
}

/// A damaged PDF is read or refused with a reason, within the time bound, and what is read
/// cites only its own pages.
fn read_or_refuse(bytes: &[u8]) {
    let limits = PdfLimits {
        timeout: std::time::Duration::from_secs(20),
        ..PdfLimits::default()
    };
    match Document::from_pdf(bytes, &limits) {
        Ok(doc) => cites_only_real_pages_of(&doc),
        Err(PdfProblem::TimedOut(_)) => panic!("a damaged PDF hung the reader"),
        Err(problem) => assert!(!problem.to_string().is_empty()),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn a_damaged_pdf_never_panics_or_hangs(
        which in 0usize..16,
        cut in 0usize..60_000,
        flips in proptest::collection::vec((0usize..60_000, any::<u8>()), 1..24),
        at in 0usize..60_000,
        span in 1usize..400,
        times in 1usize..20,
        garbage in proptest::collection::vec(any::<u8>(), 0..300),
    ) {
        let files = pdfs();
        let pdf = &files[which % files.len()];
        // Truncated.
        read_or_refuse(&pdf[..cut.min(pdf.len())]);
        // Bytes flipped.
        let mut flipped = pdf.clone();
        for (i, b) in &flips {
            let i = i % flipped.len();
            flipped[i] = *b;
        }
        read_or_refuse(&flipped);
        // A span repeated, and garbage put in.
        let at = at % pdf.len();
        let end = (at + span).min(pdf.len());
        let mut repeated = pdf[..end].to_vec();
        for _ in 0..times {
            repeated.extend_from_slice(&pdf[at..end]);
        }
        repeated.extend_from_slice(&garbage);
        repeated.extend_from_slice(&pdf[end..]);
        read_or_refuse(&repeated);
    }
}

#[test]
fn a_zip_bomb_is_refused_before_it_is_inflated() {
    use std::io::Write;
    // 300 MiB of zeros compresses to about 300 KiB: past the 256 MiB bound.
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..300 {
        z.write_all(&zeros).expect("compress");
    }
    let data = z.finish().expect("compress");
    let mut pdf = b"%PDF-1.7\n1 0 obj\n<< /Length ".to_vec();
    pdf.extend_from_slice(format!("{} /Filter /FlateDecode >>\nstream\n", data.len()).as_bytes());
    pdf.extend_from_slice(&data);
    pdf.extend_from_slice(b"\nendstream\nendobj\n%%EOF\n");
    let refused = Document::from_pdf(&pdf, &PdfLimits::default());
    assert!(
        matches!(&refused, Err(PdfProblem::TooLarge(why)) if why.contains("expand to more than 256 MiB")),
        "{refused:?}"
    );
    // Too many bytes, too many pages: refused with the bound named.
    let small = PdfLimits {
        max_bytes: 1000,
        ..PdfLimits::default()
    };
    assert!(matches!(
        Document::from_pdf(&pdf, &small),
        Err(PdfProblem::TooLarge(_))
    ));
}
