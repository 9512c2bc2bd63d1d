//! Property tests: the assessment of an estate does not depend on the order of its components,
//! and two independent runs over differently shuffled copies give the same result.

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
                    access_via: Vec::new(),
                    telemetry: None,
                    time_zone: None,
                    assets: Vec::new(),
                }
            },
        )
}

fn arb_estate() -> impl Strategy<Value = Estate> {
    (1usize..40)
        .prop_flat_map(|n| {
            (
                (0..n).map(arb_component).collect::<Vec<_>>(),
                proptest::collection::vec((0..n, 0..n), 0..n),
            )
        })
        .prop_map(|(mut components, paths)| {
            // Support paths between components (never to itself), as an estate can state them.
            for (from, to) in paths {
                let target = components[to].id.clone();
                if from != to && !components[from].access_via.contains(&target) {
                    components[from].access_via.push(target);
                }
            }
            components
        })
        .prop_map(|components| Estate {
            time_zone: None,
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

/// A copy of `estate` with its components in the Fisher-Yates permutation drawn from `seed`.
fn shuffled(estate: &Estate, mut seed: u64) -> Estate {
    let mut copy = estate.clone();
    for i in (1..copy.components.len()).rev() {
        // xorshift64*: a small deterministic generator, enough to draw a permutation.
        seed ^= seed >> 12;
        seed ^= seed << 25;
        seed ^= seed >> 27;
        let draw = seed.wrapping_mul(0x2545_f491_4f6c_dd1d);
        copy.components.swap(i, (draw % (i as u64 + 1)) as usize);
    }
    copy
}

proptest! {
    #[test]
    fn assessment_is_independent_of_component_order(estate in arb_estate(), seed in 1..u64::MAX) {
        prop_assert_eq!(observable(&estate), observable(&shuffled(&estate, seed)));
    }

    /// Two independent runs, each on its own shuffled copy, report the same assessment.
    #[test]
    fn assessment_is_deterministic(estate in arb_estate(), a in 1..u64::MAX, b in 1..u64::MAX) {
        let first = shuffled(&estate, a);
        let second = shuffled(&estate, b);
        prop_assert_eq!(observable(&first), observable(&second));
    }

    #[test]
    fn out_of_scope_never_implicates_categories(estate in arb_estate()) {
        let a = assess(&estate);
        for (_, d) in a.by_id() {
            prop_assert_eq!(d.scope == Scope::Out, d.categories.is_empty());
        }
    }
}
