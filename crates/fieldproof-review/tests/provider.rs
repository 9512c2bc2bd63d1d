//! The NIST SP 800-53 table of a reviewed report (seed 002): which controls the provider
//! implements, which it shares through a CUEC, which are left to the customer, with the path.

use fieldproof_catalog::model::{FrameworkKind, FrameworkOrigin};
use fieldproof_catalog::oscal::{import, profile};
use fieldproof_catalog::Catalog;
use fieldproof_review::provider::{provider_controls, Assurance, ProviderResponsibility};
use fieldproof_review::{read, Document, PdfLimits, Review};
use std::path::PathBuf;

fn review(name: &str) -> Review {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/reports")
        .join(name);
    let bytes = std::fs::read(&path).expect("fixture");
    let document = Document::from_pdf(&bytes, &PdfLimits::default()).expect("readable");
    read(&document).expect("a report")
}

#[test]
fn a_type2_soc2_report_splits_nist_into_provider_shared_and_customer() {
    let catalog = Catalog::bundled().expect("catalog");
    let table = provider_controls(&review("northwind-hosting-soc2-type2.pdf"), &catalog, None)
        .expect("table");
    assert_eq!(table.framework, "nist800-53r5");
    assert_eq!(table.assurance, Assurance::OperatingEffectiveness);
    assert!(table.covered.iter().any(|c| c == "CC6.1"));
    assert!(table.covered.iter().any(|c| c == "A1.2"));
    assert!(
        !table
            .covered
            .iter()
            .any(|c| c.starts_with('C') && c.starts_with("C1")),
        "confidentiality is not in scope"
    );
    assert_eq!(
        table.provider + table.shared + table.customer,
        table.rows.len()
    );
    assert!(
        table.provider > 0 && table.shared > 0 && table.customer > 0,
        "{} {} {}",
        table.provider,
        table.shared,
        table.customer
    );
    for row in &table.rows {
        match row.responsibility {
            ProviderResponsibility::Customer => {
                assert!(row.criteria.is_empty() && row.paths.is_empty(), "{row:?}")
            }
            ProviderResponsibility::Shared => {
                assert!(!row.cuecs.is_empty(), "{row:?}");
                assert!(
                    row.paths.iter().all(|p| p.starts_with("tsc2017:")),
                    "{row:?}"
                );
            }
            ProviderResponsibility::Provider => assert!(!row.paths.is_empty(), "{row:?}"),
        }
    }
    // CC6.4 (physical access) is cited by CUEC 1 and has the report's only exception: a
    // control reached only through it is shared and carries the exception.
    let only_cc64: Vec<_> = table
        .rows
        .iter()
        .filter(|r| r.criteria == ["CC6.4"])
        .collect();
    assert!(!only_cc64.is_empty());
    for row in only_cc64 {
        assert_eq!(
            row.responsibility,
            ProviderResponsibility::Shared,
            "{row:?}"
        );
        assert_eq!(row.cuecs, [1]);
        assert!(
            row.exceptions.iter().any(|e| e.contains("2 of 25")),
            "{row:?}"
        );
    }
    // Privacy is not in scope: the PT family is the customer's.
    let pt = table
        .rows
        .iter()
        .find(|r| r.control == "pt-2")
        .expect("pt-2");
    assert_eq!(pt.responsibility, ProviderResponsibility::Customer);
}

#[test]
fn a_soc1_report_gives_no_nist_assurance() {
    let catalog = Catalog::bundled().expect("catalog");
    let table =
        provider_controls(&review("tallow-mills-soc1-type1.pdf"), &catalog, None).expect("table");
    assert_eq!(table.assurance, Assurance::None);
    assert_eq!(table.customer, table.rows.len());
    assert!(
        table.why.contains("Trust Services Criteria"),
        "{}",
        table.why
    );
}

#[test]
fn a_fedramp_baseline_lists_its_own_controls_through_nist() {
    let dir =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fieldproof-catalog/tests/profiles");
    let text = std::fs::read_to_string(dir.join("FedRAMP_rev5_LOW-baseline_profile-min.json"))
        .expect("profile");
    let load = |_: &[String]| {
        Some(profile::Source {
            text: fieldproof_catalog::load::NIST.text.to_string(),
            name: "nist".into(),
        })
    };
    let resolved = profile::resolve(&text, "low", &load, "2026-01-01T00:00:00Z").expect("resolves");
    let framework = import::import(
        &resolved.catalog.to_string(),
        import::ImportNames {
            id: "fedramp-low".into(),
            aliases: Vec::new(),
            short: None,
            kind: FrameworkKind::Controls,
        },
        FrameworkOrigin::Bundled,
    )
    .expect("imports");
    let catalog = Catalog::bundled_with(vec![framework]).expect("catalog");
    let baseline = catalog.framework("fedramp-low");
    let table = provider_controls(
        &review("northwind-hosting-soc2-type2.pdf"),
        &catalog,
        baseline,
    )
    .expect("table");
    assert_eq!(table.framework, "fedramp-low");
    assert_eq!(table.rows.len(), 156);
    let ia2 = table
        .rows
        .iter()
        .find(|r| r.control == "ia-2")
        .expect("ia-2");
    assert_ne!(ia2.responsibility, ProviderResponsibility::Customer);
    assert!(
        ia2.paths.iter().all(|p| p.ends_with("= fedramp-low:ia-2")),
        "{:?}",
        ia2.paths
    );
    let tsc = catalog.framework("tsc2017");
    assert!(
        provider_controls(&review("northwind-hosting-soc2-type2.pdf"), &catalog, tsc)
            .expect_err("not NIST")
            .to_string()
            .contains("tsc2017 is neither NIST SP 800-53 nor a baseline of it")
    );
}
