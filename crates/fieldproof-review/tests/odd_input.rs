//! Odd and hostile text never panics the reader, and every page it cites exists: arbitrary
//! text, and the fixture reports cut short or with characters replaced, moved or repeated.

use fieldproof_review::{findings, read, Document};
use proptest::prelude::*;

fn fixtures() -> Vec<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/reports");
    let mut texts: Vec<String> = std::fs::read_dir(dir)
        .expect("examples/reports")
        .map(|e| std::fs::read_to_string(e.expect("entry").path()).expect("a fixture"))
        .collect();
    texts.sort();
    texts
}

/// Every page a review or its findings cite is a page of the document.
fn cites_only_real_pages(text: &str) {
    let doc = Document::from_text(text);
    let Ok(review) = read(&doc) else {
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
        .chain(review.subservice.iter().map(|s| s.page));
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
