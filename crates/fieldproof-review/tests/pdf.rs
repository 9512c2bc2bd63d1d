//! The project's fictional PDF reports (examples/reports/*.pdf, written by
//! scripts/gen-review-fixtures) read with fieldproof's own PDF extraction, every fact and page
//! asserted against the report's truth file; and the files that are not readable reports
//! refused with what to do.

use fieldproof_review::{
    findings, read, Document, NotAReport, PdfLimits, PdfProblem, Review, ReviewRule,
};
use serde_json::Value;
use std::path::PathBuf;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/reports")
}

fn pdf(name: &str) -> Result<Document, PdfProblem> {
    let bytes = std::fs::read(dir().join(name)).expect("the fixture");
    Document::from_pdf(&bytes, &PdfLimits::default())
}

/// The review as the truth file's shape: the same keys, values and pages.
fn as_truth(r: &Review) -> Value {
    let json = serde_json::to_value(r).expect("json");
    let fact = |key: &str| -> Value {
        match json.get(key) {
            Some(Value::Object(f)) => {
                serde_json::json!([f["value"].clone(), f["page"].clone()])
            }
            _ => Value::Null,
        }
    };
    let cuecs = |key: &str| -> Value {
        json[key]
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .map(|c| serde_json::json!([c["criteria"], c["page"]]))
                    .collect()
            })
            .unwrap_or_default()
    };
    serde_json::json!({
        "pages": r.pages,
        "kind": fact("kind"),
        "type": fact("report_type"),
        "period": fact("period"),
        "as_of": fact("as_of"),
        "issue_date": fact("issue_date"),
        "service_organisation": fact("service_organisation"),
        "service_auditor": fact("service_auditor"),
        "system": fact("system"),
        "assertion": r.assertion.as_ref().map(|a| serde_json::json!([a.page])),
        "opinion": fact("opinion"),
        "categories": r.categories.iter().map(|c| serde_json::json!([c.value, c.page])).collect::<Vec<_>>(),
        "subservice": r.subservice.iter().map(|s| serde_json::json!([s.name, s.method, s.page])).collect::<Vec<_>>(),
        "csocs": cuecs("csocs"),
        "cuecs": cuecs("cuecs"),
        "tests": r.tests.len(),
        "responses": r.responses.iter().map(|m| m.page).collect::<Vec<_>>(),
        "exceptions": r.exceptions.iter().map(|e| serde_json::json!([e.deviations, e.criteria, e.page])).collect::<Vec<_>>(),
        "ot": r.ot.iter().map(|m| serde_json::json!([m.term, m.page, m.excluded])).collect::<Vec<_>>(),
        "bridge_letter": fact("bridge_letter"),
    })
}

/// The truth file without the quotes its facts carry for the generator's check.
fn truth(stem: &str) -> Value {
    let text = std::fs::read_to_string(dir().join(format!("{stem}.truth.json"))).expect("truth");
    let mut truth: Value = serde_json::from_str(&text).expect("truth json");
    for (key, value) in truth.as_object_mut().expect("object").iter_mut() {
        if let Value::Array(fact) = value {
            // [value, page, quote] facts: keep value and page.
            if fact.len() == 3 && fact[2].is_string() && key != "categories" {
                fact.truncate(2);
            }
            // [page, quote]: keep the page.
            if key == "assertion" {
                fact.truncate(1);
            }
        }
    }
    truth
}

#[test]
fn every_fixture_report_reads_every_truth_field_on_its_page() {
    let mut checked = 0;
    for entry in std::fs::read_dir(dir()).expect("examples/reports") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let Some(stem) = name.strip_suffix(".truth.json") else {
            continue;
        };
        let doc = pdf(&format!("{stem}.pdf")).expect("a readable PDF");
        let review = read(&doc).expect("a report");
        let got = as_truth(&review);
        let want = truth(stem);
        for (key, expected) in want.as_object().expect("object") {
            assert_eq!(
                &got[key], expected,
                "{stem}: {key}: read {} but the truth is {}",
                got[key], expected
            );
        }
        assert!(review.unread_pages.is_empty(), "{stem}");
        checked += 1;
    }
    assert_eq!(checked, 3, "three fixture reports have truth files");
}

#[test]
fn the_readers_findings_on_the_pdf_reports() {
    let on = |s| fieldproof_core::engagement::Date::parse(s).expect("date");
    let rules = |name: &str, date| -> Vec<ReviewRule> {
        let r = read(&pdf(name).expect("pdf")).expect("report");
        findings(&r, on(date), None)
            .into_iter()
            .map(|f| f.rule)
            .collect()
    };
    // Northwind, six months after its period: OT named, availability tested over the BMS.
    assert_eq!(
        rules("northwind-hosting-soc2-type2.pdf", "2026-06-30"),
        [
            ReviewRule::BridgeLetterNeeded,
            ReviewRule::CarveOut,
            ReviewRule::Exceptions
        ]
    );
    // Lumen: the bridge letter bound with it covers to 30 June 2026, so in August no bridge
    // letter is needed; Availability is not in scope, two carve-outs, two exceptions, and the
    // BMS it names only to exclude.
    assert_eq!(
        rules("lumen-devices-soc2-type2.pdf", "2026-08-15"),
        [
            ReviewRule::OtExcluded,
            ReviewRule::AvailabilityNotInScope,
            ReviewRule::CarveOut,
            ReviewRule::CarveOut,
            ReviewRule::Exceptions,
            ReviewRule::Exceptions
        ]
    );
    // Without the letter's coverage (a review a year on) the report is stale.
    assert!(rules("lumen-devices-soc2-type2.pdf", "2027-08-01").contains(&ReviewRule::Stale));
}

#[test]
fn subservice_services_read_across_wrapped_lines_without_the_method() {
    let services = |name: &str| -> Vec<String> {
        read(&pdf(name).expect("pdf"))
            .expect("report")
            .subservice
            .into_iter()
            .map(|s| s.services)
            .collect()
    };
    // A table row whose cells ran together; a bullet wrapped in a narrow column.
    assert_eq!(
        services("northwind-hosting-soc2-type2.pdf"),
        ["Remote monitoring of power and cooling plant"]
    );
    assert_eq!(
        services("tallow-mills-soc1-type1.pdf"),
        ["hosting of the order system's servers"]
    );
}

#[test]
fn the_pdf_text_is_normalised_and_headers_and_footers_are_dropped() {
    let doc = pdf("tallow-mills-soc1-type1.pdf").expect("pdf");
    let all = doc.pages.join("\n");
    // The ligatures and typographic apostrophes of the embedded font read as plain letters.
    assert!(all.contains("fulfilment workflow"), "{all}");
    assert!(all.contains("Management's Assertion"));
    assert!(!all.contains('\u{fb01}') && !all.contains('\u{2019}'));
    // The running footer "Tallow Mills Manufacturing Services - N" is gone from every page.
    let northwind = pdf("northwind-hosting-soc2-type2.pdf").expect("pdf");
    for (i, page) in northwind.pages.iter().enumerate() {
        assert!(!page.contains("| Confidential"), "page {}: {page}", i + 1);
        assert!(!page.contains(&format!("Page {}", i + 1)), "page {}", i + 1);
    }
}

#[test]
fn files_that_are_not_readable_reports_say_what_to_do() {
    assert_eq!(pdf("encrypted.pdf"), Err(PdfProblem::Encrypted));
    assert!(PdfProblem::Encrypted
        .to_string()
        .contains("ask for an unprotected copy"));
    let scanned = pdf("scanned-no-text.pdf").expect("it opens");
    assert_eq!(read(&scanned), Err(NotAReport::NoText));
    assert!(NotAReport::NoText.to_string().contains("OCR"));
    let newsletter = pdf("not-a-report-newsletter.pdf").expect("it opens");
    assert_eq!(read(&newsletter), Err(NotAReport::NoAuditorsReport));
    assert_eq!(
        NotAReport::NoAuditorsReport.to_string(),
        "not a SOC report: no independent service auditor's report found"
    );
    assert_eq!(
        Document::from_pdf(b"PK\x03\x04 a zip", &PdfLimits::default()),
        Err(PdfProblem::NotPdf)
    );
}

/// A one-page PDF whose text uses a font that does not exist: the extractor cannot read it.
fn pdf_with_a_missing_font() -> Vec<u8> {
    let content = b"BT /F1 12 Tf 72 720 Td (Independent Service Auditor's Report) Tj ET";
    let mut stream = format!("<< /Length {} >>\nstream\n", content.len()).into_bytes();
    stream.extend_from_slice(content);
    stream.extend_from_slice(b"\nendstream");
    let objects: Vec<Vec<u8>> = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 99 0 R >> >> /Contents 4 0 R >>".to_vec(),
        stream,
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, object) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(object);
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
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

#[test]
fn text_the_extractor_cannot_read_is_not_taken_for_a_scan() {
    // Found on a public PDF corpus (pypdf's test resources): a page the extractor fails on
    // must say "could not read", not "scanned, run OCR".
    let doc = Document::from_pdf(&pdf_with_a_missing_font(), &PdfLimits::default())
        .expect("the file opens");
    assert_eq!(doc.unread, [1]);
    assert_eq!(read(&doc), Err(NotAReport::TextUnreadable));
    assert!(NotAReport::TextUnreadable
        .to_string()
        .contains("pdftotext -layout"));
}
