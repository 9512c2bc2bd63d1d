//! Property tests: the assessment of an estate does not depend on the order of its components,
//! and assessing twice gives the same result.

use fieldproof_core::component::Facts;
use fieldproof_core::responsibility::derive;
use fieldproof_core::{assess, Component, Estate, Fact, Kind, Operator, Scope, Site, Zone};
use proptest::prelude::*;
use proptest::sample::select;

fn arb_component(index: usize) -> impl Strategy<Value = Component> {
    (
        select(Kind::ALL.to_vec()),
        select(
            Operator::ALL[..2]
                .iter()
                .chain(&Operator::ALL[3..])
                .copied()
                .collect::<Vec<_>>(),
        ),
        select(Site::ALL.to_vec()),
        select(Zone::ALL.to_vec()),
        proptest::option::of(select(Scope::ALL.to_vec())),
        any::<u16>(),
    )
        .prop_map(
            move |(kind, operated_by, site, zone, declared_scope, bits)| {
                let facts = Fact::ALL
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| bits & (1 << i) != 0)
                    .fold(Facts::NONE, |f, (_, fact)| f.with(*fact, true));
                Component {
                    id: format!("c{index:03}"),
                    name: format!("Component {index}"),
                    kind,
                    operated_by,
                    site,
                    zone,
                    declared_scope,
                    facts,
                    subservice: None,
                    description: None,
                    owner: None,
                }
            },
        )
}

fn arb_estate() -> impl Strategy<Value = Estate> {
    (1usize..40)
        .prop_flat_map(|n| (0..n).map(arb_component).collect::<Vec<_>>())
        .prop_map(|components| Estate {
            organisation: "Org".into(),
            service: "Svc".into(),
            components,
            ..Estate::default()
        })
}

/// Everything an assessment reports, in its canonical order.
fn observable(estate: &Estate) -> String {
    let a = assess(estate);
    let mut out = String::new();
    for (c, d) in a.by_id() {
        out.push_str(&format!("{} {:?} {:?}\n", c.id, d, a.reasons(c, d)));
    }
    out.push_str(&format!("{:?}\n{:?}", a.findings, derive(&a)));
    out
}

proptest! {
    #[test]
    fn assessment_is_independent_of_component_order(estate in arb_estate(), seed in any::<u64>()) {
        let mut shuffled = estate.clone();
        // A deterministic permutation from the seed (rotate, then reverse on odd seeds).
        let n = shuffled.components.len();
        shuffled.components.rotate_left((seed as usize) % n);
        if seed % 2 == 1 {
            shuffled.components.reverse();
        }
        prop_assert_eq!(observable(&estate), observable(&shuffled));
    }

    #[test]
    fn assessment_is_deterministic(estate in arb_estate()) {
        prop_assert_eq!(observable(&estate), observable(&estate));
    }

    #[test]
    fn out_of_scope_never_implicates_categories(estate in arb_estate()) {
        let a = assess(&estate);
        for (_, d) in a.by_id() {
            prop_assert_eq!(d.scope == Scope::Out, d.categories.is_empty());
        }
    }
}
