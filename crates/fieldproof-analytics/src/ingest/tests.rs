//! Ingestion tests: every bad row lands in the rejects file with its line and reason, nothing
//! is lost silently, extras are kept, gzip and CSV read like JSON Lines, the output is the same
//! bytes for the same input, and the bundled mappings read their samples.

use super::*;
use crate::timestamp;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use fieldproof_core::dataset::dataset;
use std::io::Write;

fn options<'a>(
    name: &str,
    mapping: Option<&'a Mapping>,
    lookups: &'a BTreeMap<String, LookupTable>,
    threads: usize,
) -> Options<'a> {
    Options {
        dataset: dataset(name).expect("dataset"),
        mapping,
        lookups,
        threads,
    }
}

fn read_rows(path: &Path) -> Vec<RecordBatch> {
    let file = std::fs::File::open(path).expect("parquet");
    ParquetRecordBatchReaderBuilder::try_new(file)
        .expect("reader")
        .build()
        .expect("build")
        .collect::<std::result::Result<Vec<_>, _>>()
        .expect("batches")
}

/// Ingests a telemetry file in the dataset's own shape on `threads` threads.
fn telemetry(input: &Path, out: &Path, threads: usize) -> IngestedPart {
    let lookups = BTreeMap::new();
    ingest_file(
        input,
        out,
        &options("telemetry_ingest", None, &lookups, threads),
        &Progress::default(),
    )
    .expect("ingest")
}

const GOOD: &str = r#"{"ts":"2026-03-01T09:00:00Z","tenant":"t1","device_id":"d1","message_id":"m1","outcome":"accepted","reason":null,"stored_tenant":"t1","firmware":"4.1"}"#;

#[test]
fn bad_rows_are_rejected_with_line_and_reason_and_the_rest_is_stored() {
    let dir = tempfile::tempdir().expect("temp");
    let input = dir.path().join("telemetry.jsonl");
    let lines = [
        GOOD,
        r#"{"ts":"yesterday","tenant":"t1","device_id":"d1","message_id":"m2","outcome":"accepted"}"#,
        "",
        r#"{"ts":"2026-03-01T09:05:00Z","tenant":"t1","device_id":"d1","message_id":"m3","outcome":"maybe"}"#,
        "not json",
        r#"{"ts":"2026-03-01T09:06:00Z","device_id":"d1","message_id":"m4","outcome":"rejected"}"#,
        &GOOD.replace("m1", "m5").replace("09:00", "09:10"),
    ];
    std::fs::write(&input, lines.join("\n")).expect("write");
    for threads in [1, 2] {
        let part = telemetry(&input, dir.path(), threads);
        assert_eq!((part.rows, part.rejected, part.skipped), (2, 4, 0));
        let rejects =
            std::fs::read_to_string(part.rejects.as_ref().expect("rejects file")).expect("read");
        let rejects: Vec<serde_json::Value> = rejects
            .lines()
            .map(|l| serde_json::from_str(l).expect("json line"))
            .collect();
        let lines: Vec<u64> = rejects
            .iter()
            .map(|r| r["line"].as_u64().unwrap_or(0))
            .collect();
        assert_eq!(
            lines,
            [2, 4, 5, 6],
            "line numbers count every line, empty ones too"
        );
        assert!(rejects[0]["reason"]
            .as_str()
            .unwrap_or("")
            .contains("ts: 'yesterday' is not an RFC 3339 timestamp"));
        assert!(rejects[1]["reason"]
            .as_str()
            .unwrap_or("")
            .contains("outcome: 'maybe' is not one of accepted, rejected, dlq, duplicate"));
        assert!(rejects[2]["reason"]
            .as_str()
            .unwrap_or("")
            .starts_with("not a JSON object"));
        assert_eq!(rejects[3]["reason"], "tenant: no field 'tenant'");
        assert_eq!(rejects[0]["record"], lines_record(2));
        let batches = read_rows(&part.parquet);
        let extra = batches[0].column_by_name("extra").and_then(|c| {
            c.as_any()
                .downcast_ref::<datafusion::arrow::array::StringArray>()
                .map(|a| a.value(0).to_string())
        });
        assert_eq!(
            extra.as_deref(),
            Some(r#"{"firmware":"4.1"}"#),
            "unknown fields are kept"
        );
        assert_eq!(
            part.min_ts,
            timestamp::parse_rfc3339("2026-03-01T09:00:00Z").unwrap_or(0)
        );
        assert_eq!(
            part.max_ts,
            timestamp::parse_rfc3339("2026-03-01T09:10:00Z").unwrap_or(0)
        );
    }
}

fn lines_record(line: usize) -> &'static str {
    match line {
        2 => {
            r#"{"ts":"yesterday","tenant":"t1","device_id":"d1","message_id":"m2","outcome":"accepted"}"#
        }
        _ => "",
    }
}

#[test]
fn gzip_and_csv_read_like_json_lines_and_output_is_deterministic() {
    let dir = tempfile::tempdir().expect("temp");
    let lookups = BTreeMap::new();
    let mut rows = String::new();
    for i in 0..1000 {
        rows.push_str(&GOOD.replace("\"m1\"", &format!("\"m{i}\"")));
        rows.push('\n');
    }
    let plain = dir.path().join("a.jsonl");
    std::fs::write(&plain, &rows).expect("write");
    let gz = dir.path().join("a.jsonl.gz");
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(rows.as_bytes()).expect("gzip");
    std::fs::write(&gz, encoder.finish().expect("gzip")).expect("write");
    let opts = options("telemetry_ingest", None, &lookups, 2);
    let a = ingest_file(&plain, dir.path(), &opts, &Progress::default()).expect("plain");
    let b = ingest_file(&gz, dir.path(), &opts, &Progress::default()).expect("gz");
    let c = ingest_file(
        &plain,
        dir.path(),
        &options("telemetry_ingest", None, &lookups, 1),
        &Progress::default(),
    )
    .expect("again");
    let bytes = |p: &Path| std::fs::read(p).expect("read");
    assert_eq!(
        bytes(&a.parquet),
        bytes(&b.parquet),
        "gzip gives the same part"
    );
    assert_eq!(
        bytes(&a.parquet),
        bytes(&c.parquet),
        "threads do not change the part"
    );
    assert_eq!(a.rows, 1000);
    assert_ne!(
        a.source.sha256, b.source.sha256,
        "the source hash is of the file as stored"
    );
    assert_eq!(b.source.size, std::fs::metadata(&gz).expect("meta").len());

    let csv = dir.path().join("changes.csv");
    std::fs::write(
        &csv,
        "change_id,target,kind,requested_by,approved_by,approved_at,fat_passed,sat_passed,deployed_at,ticket_url\n\
         C1,plc-fleet,plc_program,ann,bob,2026-03-01T08:00:00Z,true,true,2026-03-01T09:00:00Z,https://t/1\n\
         C2,plc-fleet,plc,ann,,,,,2026-03-01T09:00:00Z,\n\
         C3,plc-fleet,recipe,ann\n",
    )
    .expect("write");
    let part = ingest_file(
        &csv,
        dir.path(),
        &options("changes", None, &lookups, 1),
        &Progress::default(),
    )
    .expect("csv");
    assert_eq!((part.rows, part.rejected), (1, 2));
    let rejects = std::fs::read_to_string(part.rejects.as_ref().expect("rejects")).expect("read");
    assert!(
        rejects.contains(r#""line":3"#)
            && rejects.contains("kind: 'plc' is not one of plc_program"),
        "{rejects}"
    );
    assert!(
        rejects.contains(r#""line":4"#) && rejects.contains("4 fields where the header has 10"),
        "{rejects}"
    );
}

#[test]
fn a_file_without_valid_rows_stores_nothing_and_says_why() {
    let dir = tempfile::tempdir().expect("temp");
    let input = dir.path().join("bad.jsonl");
    std::fs::write(&input, "{\"ts\": 1}\n").expect("write");
    let lookups = BTreeMap::new();
    let err = ingest_file(
        &input,
        dir.path(),
        &options("telemetry_ingest", None, &lookups, 1),
        &Progress::default(),
    )
    .err()
    .map(|e| e.to_string())
    .unwrap_or_default();
    assert!(
        err.starts_with("bad.jsonl: no valid rows; nothing was stored (1 rows rejected, see "),
        "{err}"
    );
    assert!(
        std::fs::read_dir(dir.path())
            .expect("dir")
            .filter_map(|e| e.ok())
            .all(|e| !e.file_name().to_string_lossy().ends_with(".parquet.tmp")),
        "no partial part is left behind"
    );
}

#[test]
fn bundled_mappings_read_their_samples() {
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/sources");
    let dir = tempfile::tempdir().expect("temp");
    for (mapping, sample, lookup, expected_rows, expected_skipped) in [
        (
            "aws-iot-registry-events",
            "aws-iot-registry-events.jsonl",
            None,
            5,
            2,
        ),
        (
            "aws-iot-certificate-status",
            "aws-iot-cloudtrail-certificates.jsonl",
            Some(("principals", "aws-iot-principals.csv")),
            3,
            2,
        ),
        (
            "azure-iot-hub-lifecycle",
            "azure-iot-hub-lifecycle.jsonl",
            None,
            4,
            1,
        ),
        (
            "servicenow-change-request",
            "servicenow-change-request.csv",
            Some(("approvals", "servicenow-approvals.csv")),
            6,
            0,
        ),
        ("github-releases", "github-releases.jsonl", None, 3, 1),
    ] {
        let mapping = Mapping::bundled(mapping).expect("bundled").expect("parses");
        let mut lookups = BTreeMap::new();
        if let Some((name, file)) = lookup {
            let rule = &mapping.file.lookups[name];
            lookups.insert(
                name.to_string(),
                load_lookup(&samples.join(file), rule, name).expect("lookup"),
            );
        }
        let opts = Options {
            dataset: mapping.dataset,
            mapping: Some(&mapping),
            lookups: &lookups,
            threads: 1,
        };
        let part = ingest_file(
            &samples.join(sample),
            dir.path(),
            &opts,
            &Progress::default(),
        )
        .unwrap_or_else(|e| panic!("{sample}: {e}"));
        assert_eq!(part.rejected, 0, "{sample}: {:?}", part.first_rejections);
        assert_eq!(
            (part.rows, part.skipped),
            (expected_rows, expected_skipped),
            "{sample}"
        );
        let texts = |column: &str| -> Vec<String> {
            use datafusion::arrow::array::{Array, StringArray};
            read_rows(&part.parquet)
                .iter()
                .flat_map(|b| {
                    let c = b
                        .column_by_name(column)
                        .expect("column")
                        .as_any()
                        .downcast_ref::<StringArray>()
                        .expect("text")
                        .clone();
                    (0..c.len()).map(move |i| {
                        if c.is_null(i) {
                            String::new()
                        } else {
                            c.value(i).to_string()
                        }
                    })
                })
                .collect()
        };
        match mapping.file.mapping.name.as_str() {
            // The thing type is the device class the missing-data test groups devices by; a
            // deleted thing is decommissioned, not a revoked certificate.
            "aws-iot-registry-events" => {
                assert!(texts("device_class").iter().any(|c| c == "vm3-meter"));
                assert!(texts("event").iter().any(|e| e == "decommissioned"));
                assert!(!texts("event").iter().any(|e| e == "revoked"));
            }
            // Certificate status changes land on the thing the certificate belongs to.
            "aws-iot-certificate-status" => {
                let events: Vec<(String, String)> =
                    texts("device_id").into_iter().zip(texts("event")).collect();
                assert_eq!(
                    events,
                    [
                        ("meter-vm3-000101", "quarantined"),
                        ("meter-vm3-000101", "reinstated"),
                        ("gateway-g2-000007", "revoked"),
                    ]
                    .map(|(d, e)| (d.to_string(), e.to_string()))
                );
                assert!(texts("credential_fingerprint")[2].starts_with("c0ffee"));
            }
            _ => {}
        }
    }
}

#[test]
fn local_times_follow_daylight_saving_in_the_mappings_time_zone() {
    let dir = tempfile::tempdir().expect("temp");
    let mapping = Mapping::parse(
        r#"[mapping]
name = "plant-changes"
dataset = "changes"
source = "a change log written in the plant's local time"

[columns.approved_at]
from = "approved_at"
format = "%Y-%m-%d %H:%M:%S"
time_zone = "America/Chicago"

[columns.deployed_at]
from = "deployed_at"
format = "%Y-%m-%d %H:%M:%S"
time_zone = "America/Chicago"
"#,
        "plant-changes.toml",
    )
    .expect("mapping");
    let input = dir.path().join("changes.csv");
    std::fs::write(
        &input,
        "change_id,target,kind,requested_by,approved_by,approved_at,deployed_at\n\
         WINTER,plc,config,a,b,2026-01-15 08:00:00,2026-01-15 09:00:00\n\
         SUMMER,plc,config,a,b,2026-07-15 08:00:00,2026-07-15 09:00:00\n\
         TWICE,plc,config,a,b,2026-11-01 00:30:00,2026-11-01 01:30:00\n\
         NEVER,plc,config,a,b,2026-03-08 01:00:00,2026-03-08 02:30:00\n",
    )
    .expect("write");
    let lookups = BTreeMap::new();
    let part = ingest_file(
        &input,
        dir.path(),
        &Options {
            dataset: dataset("changes").expect("dataset"),
            mapping: Some(&mapping),
            lookups: &lookups,
            threads: 1,
        },
        &Progress::default(),
    )
    .expect("ingests");
    assert_eq!(part.rows, 3);
    assert_eq!(part.rejected, 1);
    assert!(
        part.first_rejections[0].contains("never happened in America/Chicago"),
        "{:?}",
        part.first_rejections
    );
    use datafusion::arrow::array::{Array, TimestampMicrosecondArray};
    let deployed: Vec<String> = read_rows(&part.parquet)
        .iter()
        .flat_map(|b| {
            let c = b
                .column_by_name("deployed_at")
                .expect("column")
                .as_any()
                .downcast_ref::<TimestampMicrosecondArray>()
                .expect("timestamps")
                .clone();
            (0..c.len()).map(move |i| crate::timestamp::format(c.value(i)))
        })
        .collect();
    // 09:00 is UTC-6 in January and UTC-5 in July; 01:30 on 1 November happens twice (CDT
    // then CST): the first.
    assert_eq!(
        deployed,
        vec![
            "2026-01-15T15:00:00Z",
            "2026-07-15T14:00:00Z",
            "2026-11-01T06:30:00Z"
        ]
    );
}

#[test]
fn line_numbers_and_rows_hold_across_blocks_and_line_endings() {
    // More than four blocks of lines, a blank line, bad lines in the second and third blocks
    // (one not UTF-8, one with a tab in a string), and a line longer than a block: every block boundary falls inside the file.
    // Written twice: with CRLF and LF mixed, and with LF only, whose blocks (no backslash, no
    // control character) take the scanner's plain path; both store the same rows (the blocks
    // fall differently, so batches and pages may differ).
    let dir = tempfile::tempdir().expect("temp");
    let mut parts = Vec::new();
    for crlf in [true, false] {
        let input = dir.path().join(format!("big-{crlf}.jsonl"));
        let mut bytes = Vec::new();
        let mut bad = Vec::new();
        let mut good = 0u64;
        let mut n = 0u64;
        while n < 200_000 {
            n += 1;
            let line = if n.is_multiple_of(50_000) {
                bad.push(n);
                b"{\"ts\":\"never\"}".to_vec()
            } else if n == 70_001 {
                bad.push(n);
                vec![b'{', 0xff, b'}']
            } else if n == 3 {
                Vec::new()
            } else if n == 90_001 {
                // A tab inside a string, which JSON forbids: the block is not plain.
                bad.push(n);
                GOOD.replace("\"d1\"", "\"d\t1\"").into_bytes()
            } else if n == 120_000 {
                // Longer than a block, in a field no column reads (kept in `extra`).
                good += 1;
                GOOD.replace(
                    "\"firmware\"",
                    &format!("\"note\":\"{}\",\"firmware\"", "x".repeat(CHUNK_BYTES + 3)),
                )
                .into_bytes()
            } else {
                good += 1;
                GOOD.replace("m1", &format!("m{n}")).into_bytes()
            };
            bytes.extend_from_slice(&line);
            bytes.extend_from_slice(if crlf && n.is_multiple_of(2) {
                b"\r\n"
            } else {
                b"\n"
            });
        }
        assert!(bytes.len() > 4 * CHUNK_BYTES);
        std::fs::write(&input, &bytes).expect("write");
        for threads in [1, 2] {
            let part = telemetry(&input, dir.path(), threads);
            assert_eq!((part.rows, part.rejected), (good, bad.len() as u64));
            let rejects = std::fs::read_to_string(part.rejects.as_ref().expect("rejects file"))
                .expect("read");
            let lines: Vec<u64> = rejects
                .lines()
                .map(|l| {
                    serde_json::from_str::<serde_json::Value>(l).expect("json")["line"]
                        .as_u64()
                        .unwrap_or(0)
                })
                .collect();
            assert_eq!(lines, bad, "threads {threads}, CRLF {crlf}");
            assert_eq!(part.source.size, bytes.len() as u64);
            parts.push(part.parquet);
        }
    }
    let bytes: Vec<Vec<u8>> = parts
        .iter()
        .map(|p| std::fs::read(p).expect("part"))
        .collect();
    assert!(
        bytes[0] == bytes[1] && bytes[2] == bytes[3],
        "one thread and two write the same part"
    );
    let rows = |path: &Path| {
        let batches = read_rows(path);
        datafusion::arrow::compute::concat_batches(&batches[0].schema(), &batches).expect("rows")
    };
    let (a, b) = (rows(&parts[0]), rows(&parts[2]));
    assert!(a == b, "CRLF and LF store the same rows");
}
