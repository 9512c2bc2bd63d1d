//! The project's fictional reports (examples/reports/) read field by field and page by page
//! against what they say, and the findings a reader draws from them.

use fieldproof_core::engagement::Date;
use fieldproof_core::TscCategory;
use fieldproof_review::{
    findings, read, Confidence, Document, Method, NotAReport, Opinion, ReportKind, ReportType,
    ReviewRule,
};

fn fixture(name: &str) -> Document {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/reports")
        .join(name);
    Document::from_text(&std::fs::read_to_string(&path).expect("the fixture"))
}

fn d(text: &str) -> Date {
    Date::parse(text).expect("a date")
}

#[test]
fn a_soc2_type2_report_is_read_fact_by_fact_with_its_pages() {
    let doc = fixture("northwind-hosting-soc2-type2.md");
    assert_eq!(doc.pages.len(), 4);
    let r = read(&doc).expect("a report");
    let kind = r.kind.as_ref().expect("kind");
    assert_eq!(
        (kind.value, kind.page, kind.confidence),
        (ReportKind::Soc2, 1, Confidence::Clear)
    );
    let t = r.report_type.as_ref().expect("type");
    assert_eq!((t.value, t.page), (ReportType::Type2, 1));
    let p = r.period.as_ref().expect("period");
    assert_eq!((p.value, p.page), ((d("2025-01-01"), d("2025-12-31")), 1));
    assert!(r.as_of.is_none());
    let org = r
        .service_organisation
        .as_ref()
        .expect("service organisation");
    assert_eq!((org.value.as_str(), org.page), ("Northwind Hosting Ltd", 2));
    let auditor = r.service_auditor.as_ref().expect("auditor");
    assert_eq!(
        (auditor.value.as_str(), auditor.page, auditor.confidence),
        ("Harbor & Quay Assurance LLP", 2, Confidence::Heuristic)
    );
    let o = r.opinion.as_ref().expect("opinion");
    assert_eq!((o.value, o.page), (Opinion::Unqualified, 2));
    assert!(r.opinion_basis.is_none());
    let categories: Vec<(TscCategory, usize)> =
        r.categories.iter().map(|c| (c.value, c.page)).collect();
    assert_eq!(
        categories,
        [(TscCategory::Security, 2), (TscCategory::Availability, 2)]
    );
    assert_eq!(r.subservice.len(), 1, "{:?}", r.subservice);
    let s = &r.subservice[0];
    assert_eq!(
        (s.name.as_str(), s.method, s.page),
        ("Gridline Monitoring Inc.", Some(Method::CarveOut), 3)
    );
    assert_eq!(r.cuecs.len(), 3, "{:?}", r.cuecs);
    assert_eq!(r.cuecs[0].criteria, ["CC6.4"]);
    assert_eq!(r.cuecs[1].criteria, ["CC6.1", "CC6.2"]);
    assert_eq!(r.cuecs[2].criteria, ["A1.2"]);
    assert!(r.cuecs.iter().all(|c| c.page == 3));
    assert_eq!(r.exceptions.len(), 1, "{:?}", r.exceptions);
    let e = &r.exceptions[0];
    assert_eq!((e.deviations.as_deref(), e.page), (Some("2 of 25"), 4));
    assert_eq!(e.criteria, ["CC6.4"]);
    let terms: Vec<(&str, usize, bool)> =
        r.ot.iter()
            .map(|m| (m.term.as_str(), m.page, m.excluded))
            .collect();
    assert!(terms.contains(&("BMS", 3, false)), "{terms:?}");
    assert!(terms.contains(&("PACS", 3, false)), "{terms:?}");
    assert!(terms.contains(&("UPS", 3, false)), "{terms:?}");
    assert!(r.not_found.is_empty(), "{:?}", r.not_found);

    // Reviewed on 2026-06-30: six months past the period without a bridge letter, a carve-out,
    // an exception; OT is named and Availability is in scope.
    let found = findings(&r, d("2026-06-30"), None);
    let rules: Vec<ReviewRule> = found.iter().map(|f| f.rule).collect();
    assert_eq!(
        rules,
        [
            ReviewRule::BridgeLetterNeeded,
            ReviewRule::CarveOut,
            ReviewRule::Exceptions
        ],
        "{found:?}"
    );
    assert!(found[0]
        .message
        .contains("6 months pass between 2025-12-31 and 2026-06-30"));
    assert!(found[2].message.contains("(2 of 25) in CC6.4"));
    // A bridge letter to 2026-05-31 closes the gap; a year later the report is stale.
    let bridged = findings(&r, d("2026-06-30"), Some(d("2026-05-31")));
    assert!(!bridged
        .iter()
        .any(|f| f.rule == ReviewRule::BridgeLetterNeeded));
    let late = findings(&r, d("2027-03-01"), None);
    assert!(late.iter().any(|f| f.rule == ReviewRule::Stale));
}

#[test]
fn a_qualified_soc1_type1_report_that_excludes_the_plant_floor() {
    let r = read(&fixture("tallow-mills-soc1-type1.md")).expect("a report");
    assert_eq!(
        r.kind.as_ref().map(|k| (k.value, k.page)),
        Some((ReportKind::Soc1, 1))
    );
    assert_eq!(
        r.report_type.as_ref().map(|t| t.value),
        Some(ReportType::Type1)
    );
    assert!(r.period.is_none());
    assert_eq!(
        r.as_of.as_ref().map(|a| (a.value, a.page)),
        Some((d("2025-09-30"), 1))
    );
    assert_eq!(
        r.service_organisation.as_ref().map(|o| o.value.as_str()),
        Some("Tallow Mills Manufacturing Services")
    );
    assert_eq!(
        r.service_auditor.as_ref().map(|a| a.value.as_str()),
        Some("Kestrel Audit Partners LLP")
    );
    let o = r.opinion.as_ref().expect("opinion");
    assert_eq!((o.value, o.page), (Opinion::Qualified, 2));
    assert!(r.opinion_basis.as_ref().is_some_and(|b| b
        .value
        .contains("developers could deploy changes they had approved themselves")));
    assert!(r.categories.is_empty(), "a SOC 1 report has no categories");
    assert_eq!(r.subservice.len(), 1, "{:?}", r.subservice);
    assert_eq!(r.subservice[0].name, "Cloudbank Data Services");
    assert_eq!(r.subservice[0].method, Some(Method::Inclusive));
    assert_eq!(r.cuecs.len(), 2);
    assert_eq!(r.cuecs[0].criteria, ["CO2"]);
    let excluded: Vec<&str> =
        r.ot.iter()
            .filter(|m| m.excluded)
            .map(|m| m.term.as_str())
            .collect();
    assert_eq!(excluded, ["SCADA", "PLC", "historian"], "{:?}", r.ot);
    assert!(r.exceptions.is_empty());

    let found = findings(&r, d("2026-01-15"), None);
    let rules: Vec<ReviewRule> = found.iter().map(|f| f.rule).collect();
    assert_eq!(
        rules,
        [
            ReviewRule::OtExcluded,
            ReviewRule::OtExcluded,
            ReviewRule::OtExcluded,
            ReviewRule::TypeOne,
            ReviewRule::OpinionModified
        ],
        "{found:?}"
    );
    assert!(found.iter().all(|f| f.page.is_some()));
}

#[test]
fn what_is_not_a_report_is_said_so_and_nothing_is_invented() {
    assert_eq!(
        read(&Document::from_text(
            "Quarterly newsletter\n\nOur chillers were serviced."
        )),
        Err(NotAReport::NoAuditorsReport)
    );
    assert_eq!(
        read(&Document::from_text("  \n\u{c}\n")),
        Err(NotAReport::NoText)
    );
    // An auditor's report with nothing else: every fact is listed as not found.
    let r = read(&Document::from_text(
        "Independent Service Auditor's Report\n",
    ))
    .expect("read");
    assert_eq!(
        r.not_found,
        [
            "kind",
            "type",
            "period or as-of date",
            "service organisation",
            "service auditor",
            "issue date",
            "system",
            "opinion",
            "complementary user entity controls"
        ]
    );
    let found = findings(&r, d("2026-01-01"), None);
    assert_eq!(
        found.iter().map(|f| f.rule).collect::<Vec<_>>(),
        [ReviewRule::OtNotNamed]
    );
    // Odd text never panics.
    for text in [
        "\u{c}\u{c}\u{c}",
        "Independent Service Auditor\u{c}period from May 40, 2025 to",
        "| | |\n- \n1.",
        "é\u{202e}\u{0}",
    ] {
        let _ = read(&Document::from_text(text));
    }
}

#[test]
fn your_own_report_names_the_ot_your_estate_puts_in_scope() {
    use fieldproof_core::Kind;
    use fieldproof_review::{against_estate, EstateComponent};
    let doc = fixture("northwind-hosting-soc2-type2.md");
    let r = read(&doc).expect("a report");
    let component = |id: &str, name: &str, kind, availability| EstateComponent {
        id: id.to_string(),
        name: name.to_string(),
        kind,
        affects_availability: availability,
    };
    let found = against_estate(
        &doc,
        &r,
        &[
            // Named by its kind (the report speaks of the BMS and the badge system).
            component("bms-1", "Chiller plant control", Kind::Bms, true),
            component("pacs-1", "Door controllers", Kind::Pacs, false),
            // Named by its name.
            component("portal", "customer portal", Kind::CloudService, false),
            // Not named at all: a finding, high because it keeps the service available.
            component("dcim-1", "Rack power monitoring", Kind::Dcim, true),
            component("cctv-1", "Hall cameras", Kind::Cctv, false),
        ],
    );
    let raised: Vec<(&str, &str)> = found
        .iter()
        .map(|f| {
            (
                f.message
                    .split(" (")
                    .nth(1)
                    .and_then(|s| s.split(')').next())
                    .unwrap_or_default(),
                f.severity.as_str(),
            )
        })
        .collect();
    assert_eq!(
        raised,
        [("dcim-1", "high"), ("cctv-1", "medium")],
        "{found:?}"
    );
    assert!(found
        .iter()
        .all(|f| f.rule == ReviewRule::EstateComponentNotNamed));
    // A report that names OT only to exclude it: the finding points at that page.
    let soc1 = fixture("tallow-mills-soc1-type1.md");
    let excluded = against_estate(
        &soc1,
        &read(&soc1).expect("a report"),
        &[component(
            "line-plc",
            "Packaging line controller",
            Kind::Plc,
            true,
        )],
    );
    assert_eq!(excluded.len(), 1);
    assert_eq!(excluded[0].page, Some(3));
    assert!(excluded[0].message.contains("the report excludes it"));
}

#[test]
fn the_wording_of_other_firms_and_typesetting_is_read() {
    // A SOC 3 as some firms title it, with a typographic apostrophe, a comma after the first
    // date of the period and the opinion on management's assertion.
    let text = "Report of Independent Accountants\n\nTo the Management of Example Cloud, Inc.:\n\nWe have examined management\u{2019}s assertion that the controls within the system were effective throughout the period October 1, 2024, to September 30, 2025, based on the trust services criteria relevant to security, availability and confidentiality (SOC 3).\n\nIn our opinion, management\u{2019}s assertion is fairly stated, in all material respects.\n\nExample & Partners LLP\n";
    let r = read(&Document::from_text(text))
        .expect("a SOC 3 titled as a report of independent accountants");
    assert_eq!(r.kind.as_ref().map(|k| k.value), Some(ReportKind::Soc3));
    assert_eq!(
        r.period.as_ref().map(|p| p.value),
        Some((d("2024-10-01"), d("2025-09-30")))
    );
    assert_eq!(
        r.opinion.as_ref().map(|o| o.value),
        Some(Opinion::Unqualified)
    );
    assert_eq!(r.categories.len(), 3);
    assert_eq!(
        r.service_auditor.as_ref().map(|a| a.value.as_str()),
        Some("Example & Partners LLP")
    );
}
