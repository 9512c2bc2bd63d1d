//! Period bounds follow the site's clock: a period is its days at local midnight, so a plant six
//! hours behind UTC does not have its last six hours counted in the next period, and a component
//! with a time zone of its own counts the period in it.

use fieldproof_analytics::engine::{Engine, Part, ScopedComponent, Setup};
use fieldproof_analytics::ingest::{ingest_file, Options, Progress};
use fieldproof_analytics::library;
use fieldproof_core::engagement::Period;
use fieldproof_core::{dataset, Scope};
use std::collections::BTreeMap;
use std::path::Path;

fn part(dir: &Path, name: &str, rows: &[&str]) -> Part {
    let file = dir.join(format!("{name}.jsonl"));
    std::fs::write(&file, rows.join("\n") + "\n").expect("write");
    let lookups = BTreeMap::new();
    let ingested = ingest_file(
        &file,
        dir,
        &Options {
            dataset: dataset::dataset(name).expect("dataset"),
            mapping: None,
            lookups: &lookups,
            threads: 1,
        },
        &Progress::default(),
    )
    .unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(ingested.rejected, 0, "{:?}", ingested.first_rejections);
    Part {
        dataset: name.to_string(),
        evidence: format!("EV-{name}"),
        sha256: ingested.source.sha256.clone(),
        rows: ingested.rows,
        path: ingested.parquet,
    }
}

async fn exceptions(
    dir: &Path,
    time_zone: Option<&str>,
    components: Vec<ScopedComponent>,
    parts: Vec<Part>,
    test: &str,
) -> Vec<String> {
    let engine = Engine::new(Setup {
        period: Period::parse("2026-01-01..2026-06-30").expect("period"),
        time_zone: time_zone.map(str::to_string),
        components,
        parts,
        spill_dir: dir.join("spill"),
        memory_limit: 256 << 20,
        partitions: 1,
        cluster: None,
        cluster_parts: None,
        cache: None,
    })
    .await
    .expect("engine");
    let test = library::load(None)
        .expect("library")
        .into_iter()
        .find(|t| t.definition.id == test)
        .expect("test");
    let run = engine
        .run(
            &test,
            &BTreeMap::new(),
            &dir.join(format!(
                "out-{}",
                time_zone.unwrap_or("utc").replace('/', "-")
            )),
        )
        .await
        .expect("runs");
    let mut reader = csv::Reader::from_path(&run.csv).expect("csv");
    reader
        .records()
        .map(|r| r.expect("row")[0].to_string())
        .collect()
}

#[tokio::test]
async fn cut_off_is_local_midnight_at_the_plant() {
    let dir = tempfile::tempdir().expect("temp");
    let d = dir.path();
    // B-LAST completes at 22:00 on the period's last day in Chicago (04:00 UTC the next day)
    // and is posted the next morning: a cut-off error there, invisible in UTC days.
    // B-FIRST completes at 20:00 on 31 December in Chicago: before the period there.
    let parts = vec![
        part(
            d,
            "production_counts",
            &[
                r#"{"batch_id":"B-LAST","site":"chicago","line":"l1","product":"P","quantity":10.0,"ts":"2026-07-01T03:00:00Z"}"#,
                r#"{"batch_id":"B-FIRST","site":"chicago","line":"l1","product":"P","quantity":10.0,"ts":"2026-01-01T02:00:00Z"}"#,
                r#"{"batch_id":"B-MID","site":"chicago","line":"l1","product":"P","quantity":10.0,"ts":"2026-03-01T12:00:00Z"}"#,
            ],
        ),
        part(
            d,
            "erp_postings",
            &[
                r#"{"batch_id":"B-LAST","product":"P","quantity":10.0,"posted_at":"2026-07-01T15:00:00Z"}"#,
                r#"{"batch_id":"B-MID","product":"P","quantity":10.0,"posted_at":"2026-03-01T14:00:00Z"}"#,
            ],
        ),
    ];
    let in_utc = exceptions(d, None, Vec::new(), parts.clone(), "pi-batches-posted").await;
    assert_eq!(
        in_utc,
        vec!["B-FIRST"],
        "in UTC days B-LAST belongs to July"
    );
    let in_chicago = exceptions(
        d,
        Some("America/Chicago"),
        Vec::new(),
        parts,
        "pi-batches-posted",
    )
    .await;
    assert_eq!(
        in_chicago,
        vec!["B-LAST"],
        "in Chicago B-FIRST is December's"
    );
}

#[tokio::test]
async fn a_component_counts_the_period_in_its_own_time_zone() {
    let dir = tempfile::tempdir().expect("temp");
    let d = dir.path();
    let component = |id: &str, zone: Option<&str>| ScopedComponent {
        id: id.to_string(),
        kind: "plc".to_string(),
        scope: Scope::In.as_str().to_string(),
        enforces_access_control: true,
        affects_availability: true,
        affects_financial_reporting: false,
        telemetry: None,
        time_zone: zone.map(str::to_string),
    };
    // Unapproved privileged sessions, each six hours either side of a UTC period bound.
    let session = |id: &str, target: &str, at: &str| {
        format!(
            r#"{{"session_id":"{id}","actor":"eng","target":"{target}","privileged":true,"started_at":"{at}","ended_at":null,"approval_ref":null,"approved_by":null,"expires_at":null,"mfa":true}}"#
        )
    };
    let rows = [
        session("TOKYO-EARLY", "plc-tokyo", "2025-12-31T20:00:00Z"),
        session("TOKYO-LATE", "plc-tokyo", "2026-06-30T20:00:00Z"),
        session("UTC-EARLY", "plc-utc", "2025-12-31T20:00:00Z"),
        session("UTC-LATE", "plc-utc", "2026-06-30T20:00:00Z"),
    ];
    let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
    let parts = vec![part(d, "access_sessions", &rows)];
    let found = exceptions(
        d,
        None,
        vec![
            component("plc-tokyo", Some("Asia/Tokyo")),
            component("plc-utc", None),
        ],
        parts,
        "ac-privileged-sessions",
    )
    .await;
    // Tokyo's 1 January begins at 15:00 UTC on 31 December; its 30 June ends at 15:00 UTC.
    assert_eq!(found, vec!["TOKYO-EARLY", "UTC-LATE"]);
}

#[test]
fn local_midnight_follows_daylight_saving() {
    use fieldproof_analytics::engine::local_period_bounds;
    let (start, end) = local_period_bounds(
        &Period::parse("2026-01-01..2026-06-30").expect("period"),
        Some("America/Chicago"),
    );
    let hour = 3_600_000_000i64;
    let day = 24 * hour;
    let utc_start = Period::parse("2026-01-01..2026-01-01")
        .expect("day")
        .from
        .days()
        * day;
    // Winter: UTC-6; summer: UTC-5.
    assert_eq!(start - utc_start, 6 * hour);
    let utc_end = (Period::parse("2026-07-01..2026-07-01")
        .expect("day")
        .from
        .days())
        * day;
    assert_eq!(end - utc_end, 5 * hour);
}
