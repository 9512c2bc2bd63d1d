//! Synthetic event evidence with known exceptions, for trying the tests, for the test suite
//! and for the benchmark.
//!
//! Every dataset is written for an estate's components over a period: telemetry from a device
//! fleet (`devices` × `rate` messages a day), its identity lifecycle, firmware releases and
//! rollouts, privileged sessions, quarterly access reviews, change tickets and the changes the
//! assets logged, backups, restore tests,
//! incidents, an alarm journal, production batches and their ERP postings. The data is clean —
//! every bundled test passes on it — except for a handful of injected exceptions per test,
//! listed in `truth.json` with the exception key the test reports; some exceptions are placed
//! on out-of-scope components, where the tests must not see them. The same seed gives the same
//! bytes.

use crate::engine::quarters;
use crate::timestamp::format as ts;
use crate::{io, AnalyticsError, Result};
use fieldproof_core::engagement::{Date, Period};
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

const HOUR: i64 = 3_600_000_000;
const DAY: i64 = 24 * HOUR;
const MINUTE: i64 = 60_000_000;

/// A component the generator writes rows for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Component id.
    pub id: String,
    /// Kind (`plc`, `scada`, ...).
    pub kind: String,
    /// In scope or shared (rows of others must not reach the tests).
    pub in_scope: bool,
    /// Enforces access control (gets quarterly access reviews).
    pub enforces_access_control: bool,
}

impl Target {
    /// A component and its scope decision as the generator needs them.
    pub fn of(c: &fieldproof_core::Component, d: &fieldproof_core::ScopeDecision) -> Self {
        Target {
            id: c.id.clone(),
            kind: c.kind.as_str().to_string(),
            in_scope: d.scope != fieldproof_core::Scope::Out,
            enforces_access_control: c.has(fieldproof_core::Fact::EnforcesAccessControl),
        }
    }
}

/// What to generate.
#[derive(Debug, Clone)]
pub struct Options {
    /// Components of the estate.
    pub targets: Vec<Target>,
    /// Devices in the fleet.
    pub devices: u64,
    /// Days in the period.
    pub days: u32,
    /// First day of the period.
    pub start: Date,
    /// Messages per device per day.
    pub rate: u32,
    /// Seed.
    pub seed: u64,
    /// Write clean data: no injected exception.
    pub clean: bool,
}

/// What was written.
#[derive(Debug, Clone, Serialize)]
pub struct Truth {
    /// The seed.
    pub seed: u64,
    /// The period the data covers (the engagement period to test).
    pub period: String,
    /// Devices and messages per device per day.
    pub devices: u64,
    /// Messages per device per day.
    pub rate: u32,
    /// Whether the data is clean.
    pub clean: bool,
    /// Dataset → file written.
    pub files: BTreeMap<String, String>,
    /// Dataset → rows written.
    pub rows: BTreeMap<String, u64>,
    /// Test id → the keys of the exceptions it must report (key columns in the test's order,
    /// as canonical text), sorted.
    pub exceptions: BTreeMap<String, Vec<Vec<String>>>,
}

/// A small, fast, deterministic generator (SplitMix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next() % n
        }
    }
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            lo
        } else {
            lo + self.below((hi - lo) as u64) as i64
        }
    }
}

/// A 64-hex-digit fingerprint derived from a label.
fn fingerprint(seed: u64, label: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(format!("{seed}:{label}").as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

struct Writers {
    dir: PathBuf,
    files: BTreeMap<String, String>,
    rows: BTreeMap<String, u64>,
}

/// One dataset's output: JSON Lines, or CSV with a header.
enum Out {
    Json(BufWriter<std::fs::File>, PathBuf),
    Csv(Box<csv::Writer<BufWriter<std::fs::File>>>, PathBuf),
}

impl Writers {
    fn open(&mut self, dataset: &str, csv_columns: Option<&[&str]>) -> Result<Out> {
        let name = format!(
            "{dataset}.{}",
            if csv_columns.is_some() {
                "csv"
            } else {
                "jsonl"
            }
        );
        let path = self.dir.join(&name);
        let file =
            BufWriter::with_capacity(1 << 20, std::fs::File::create(&path).map_err(io(&path))?);
        self.files.insert(dataset.to_string(), name);
        self.rows.insert(dataset.to_string(), 0);
        Ok(match csv_columns {
            Some(columns) => {
                let mut w = csv::Writer::from_writer(file);
                w.write_record(columns)
                    .map_err(|e| AnalyticsError::Input(e.to_string()))?;
                Out::Csv(Box::new(w), path)
            }
            None => Out::Json(file, path),
        })
    }
}

impl Out {
    fn json(&mut self, value: &serde_json::Value) -> Result<()> {
        if let Out::Json(w, path) = self {
            serde_json::to_writer(&mut *w, value)
                .map_err(|e| AnalyticsError::Input(e.to_string()))?;
            w.write_all(b"\n").map_err(io(path))?;
        }
        Ok(())
    }
    fn csv(&mut self, row: &[String]) -> Result<()> {
        if let Out::Csv(w, _) = self {
            w.write_record(row)
                .map_err(|e| AnalyticsError::Input(e.to_string()))?;
        }
        Ok(())
    }
    fn finish(self) -> Result<()> {
        match self {
            Out::Json(mut w, path) => w.flush().map_err(io(&path)),
            Out::Csv(mut w, path) => w.flush().map_err(io(&path)),
        }
    }
}

fn opt(v: Option<&str>) -> serde_json::Value {
    v.map_or(serde_json::Value::Null, |s| {
        serde_json::Value::String(s.to_string())
    })
}

/// Writes every dataset and `truth.json` into `dir`; returns the truth.
pub fn generate(options: &Options, dir: &Path) -> Result<Truth> {
    if options.days == 0 || options.devices == 0 || options.rate == 0 {
        return Err(AnalyticsError::Input(
            "--devices, --days and --rate must be at least 1".to_string(),
        ));
    }
    if !(1..=1440).contains(&options.rate) {
        return Err(AnalyticsError::Input(
            "--rate: from 1 to 1,440 messages a day".to_string(),
        ));
    }
    let inside: Vec<&Target> = options.targets.iter().filter(|t| t.in_scope).collect();
    if inside.is_empty() {
        return Err(AnalyticsError::Input(
            "the estate has no component in scope to generate rows for".to_string(),
        ));
    }
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let period = Period {
        from: options.start,
        to: Date::from_days(options.start.days() + i64::from(options.days) - 1),
    };
    let start = options.start.days() * DAY;
    let end = start + i64::from(options.days) * DAY;
    let outside = options.targets.iter().find(|t| !t.in_scope);
    let inject = !options.clean;
    let mut truth: BTreeMap<String, Vec<Vec<String>>> = BTreeMap::new();
    let mut expect = |test: &str, key: Vec<String>| {
        if inject {
            truth.entry(test.to_string()).or_default().push(key);
        }
    };
    let mut w = Writers {
        dir: dir.to_path_buf(),
        files: BTreeMap::new(),
        rows: BTreeMap::new(),
    };
    let mut rng = Rng(options.seed ^ 0x5EED_F1E1_D9E0_0F00);
    let seed = options.seed;
    let tenants = (options.devices / 100).clamp(2, 50);
    let device = |i: u64| format!("dev-{i:06}");
    let tenant_of = |i: u64| format!("tenant-{:02}", i % tenants + 1);
    let n = options.devices;

    // Device roles for injected exceptions (distinct devices, when the fleet is large enough).
    let role = |k: u64| k % n;
    let (shared_a, shared_b) = (role(1), role(2));
    let revoked = role(3);
    let quarantined = role(4);
    let stale = role(5);
    let silent = role(6);
    // Provisioned long ago and provisioned again in the period with the same credential.
    let reprovisioned = role(7);
    // With 16 devices or more: the missing-data cases.
    let roles = n >= 16;
    let silent_all = role(10);
    let silent_tail = role(11);
    let rejected_only = role(12);
    let straddle = role(13);
    let injected_devices = [
        shared_a,
        shared_b,
        revoked,
        quarantined,
        stale,
        silent,
        reprovisioned,
        silent_all,
        silent_tail,
        rejected_only,
        straddle,
    ];
    // In clean data too: a device revoked mid-period and silent from then on (not an exception).
    let revoked_then_silent = role(9);
    // Every tenth device from the fifteenth reports once a day (a meter fleet): its expected
    // silence is learned from its own interval, not from the 15-minute sensors.
    let daily = |i: u64| roles && i >= 14 && i % 10 == 9;
    let class_of = |i: u64| if daily(i) { "meter-daily" } else { "sensor" };

    // ---- device identity events and, interleaved per device, telemetry ------------------
    let mut ids = w.open("device_identity_events", None)?;
    let mut tel = w.open("telemetry_ingest", None)?;
    let mut id_rows = 0u64;
    let mut tel_rows = 0u64;
    let spacing = DAY / i64::from(options.rate);
    // An injected silence is long enough to exceed the learned expectation (4 intervals).
    let long_silence = (12 * HOUR).max(8 * spacing);
    let revoke_at = start + (end - start) / 2 + 7 * MINUTE;
    let quarantine_from = start + (end - start) / 3 + 11 * MINUTE;
    let quarantine_to = quarantine_from + 4 * HOUR;
    let silent_from = start + (end - start) / 4;
    let silent_to = silent_from + long_silence;
    let tail_from = (end - ((end - start) / 5).max(long_silence)).max(start + spacing);
    let rejected_from = start + (end - start) * 7 / 10;
    let rejected_to = rejected_from + long_silence;
    let revoked_silent_at = start + (end - start) * 3 / 5 + 17 * MINUTE;
    let mut silent_last: Option<i64> = None;
    let mut tail_last: Option<i64> = None;
    let mut rejected_last: Option<i64> = None;
    let identity = |out: &mut Out,
                    ts_: i64,
                    dev: u64,
                    event: &str,
                    fp: Option<&str>,
                    approval: Option<&str>,
                    rows: &mut u64|
     -> Result<()> {
        *rows += 1;
        out.json(&serde_json::json!({
            "ts": ts(ts_),
            "tenant": tenant_of(dev),
            "device_id": device(dev),
            "event": event,
            "credential_fingerprint": opt(fp),
            "actor": "provisioning-service",
            "approval_ref": opt(approval),
            "device_class": opt((event == "provisioned").then(|| class_of(dev))),
        }))
    };
    let message_row = |at: i64,
                       dev: u64,
                       message: &str,
                       outcome: &str,
                       reason: Option<&str>,
                       stored: Option<&str>| {
        serde_json::json!({
            "ts": ts(at), "tenant": tenant_of(dev), "device_id": device(dev), "message_id": message,
            "outcome": outcome, "reason": opt(reason), "stored_tenant": opt(stored),
        })
    };
    for i in 0..n {
        let independent = inject && injected_devices.contains(&i) && n >= 8;
        let role_of = |r: u64| independent && roles && i == r;
        let old_credential = independent && (i == stale || i == reprovisioned);
        let provisioned = if old_credential {
            start - 400 * DAY
        } else {
            start - rng.range(30, 200) * DAY - rng.range(0, DAY / MINUTE) * MINUTE
        };
        let first_fp = fingerprint(seed, &format!("{i}:0"));
        identity(
            &mut ids,
            provisioned,
            i,
            "provisioned",
            Some(&first_fp),
            Some(&format!("ORD-{:06}", i + 1)),
            &mut id_rows,
        )?;
        // Rotations every 300 days from provisioning, up to the end of the period.
        if !old_credential {
            let mut k = 1u64;
            let mut at = provisioned + 300 * DAY;
            while at < end {
                let fp = fingerprint(seed, &format!("{i}:{k}"));
                identity(
                    &mut ids,
                    at,
                    i,
                    "rotated",
                    Some(&fp),
                    Some(&format!("ROT-{i:06}-{k}")),
                    &mut id_rows,
                )?;
                k += 1;
                at += 300 * DAY;
            }
        }
        if independent && i == stale {
            expect("di-rotation-age", vec![device(i)]);
        }
        if independent && i == reprovisioned {
            // Provisioned again in the period, on the credential it was first given: the
            // provisioning is new, the credential is not.
            identity(
                &mut ids,
                start + 2 * DAY + 5 * MINUTE,
                i,
                "provisioned",
                Some(&first_fp),
                Some(&format!("ORD-{:06}-R", i + 1)),
                &mut id_rows,
            )?;
            expect("di-rotation-age", vec![device(i)]);
        }
        if independent && i == shared_b {
            // Injected: B is rotated onto A's first credential.
            let fp = fingerprint(seed, &format!("{shared_a}:0"));
            identity(
                &mut ids,
                start + DAY + 3 * MINUTE,
                i,
                "rotated",
                Some(&fp),
                Some("ROT-CLONE"),
                &mut id_rows,
            )?;
            expect("di-unique-credential", vec![fp]);
        }
        if independent && i == revoked {
            identity(
                &mut ids,
                revoke_at,
                i,
                "revoked",
                None,
                Some("INC-REVOKE-1"),
                &mut id_rows,
            )?;
        }
        if roles && !independent && i == revoked_then_silent {
            identity(
                &mut ids,
                revoked_silent_at,
                i,
                "revoked",
                None,
                Some("RMA-RETURNED-1"),
                &mut id_rows,
            )?;
        }
        if independent && i == quarantined {
            identity(
                &mut ids,
                quarantine_from,
                i,
                "quarantined",
                None,
                Some("INC-Q-1"),
                &mut id_rows,
            )?;
            identity(
                &mut ids,
                quarantine_to,
                i,
                "reinstated",
                None,
                Some("INC-Q-1"),
                &mut id_rows,
            )?;
        }
        // Telemetry: `rate` messages a day (one for the daily meters), jittered within a
        // quarter of the spacing.
        if role_of(silent_all) {
            // Expected to report all period, sends nothing: silent from the period's start.
            expect("ti-silent-gaps", vec![device(i), ts(start)]);
            continue;
        }
        let tenant = tenant_of(i);
        let step = if daily(i) { DAY } else { spacing };
        let mut seq = 0u64;
        let mut t = start + (i as i64 % 60) * (step / 60).max(1);
        if role_of(straddle) {
            // Reports for two days before the period, stops three intervals before its start and
            // resumes five intervals into it: the silence straddles the start.
            let mut p = start - (2 * DAY).max(6 * step);
            let mut last = None;
            while p < start - 3 * step {
                let at = p + rng.range(0, (step / 4).max(1));
                p += step;
                seq += 1;
                tel_rows += 1;
                tel.json(&message_row(
                    at,
                    i,
                    &format!("p{seq:08}"),
                    "accepted",
                    None,
                    Some(tenant.as_str()),
                ))?;
                last = Some(at);
            }
            if let Some(last) = last {
                expect("ti-silent-gaps", vec![device(i), ts(last)]);
            }
            t = start + 5 * step;
        }
        while t < end {
            let at = t + rng.range(0, (step / 4).max(1));
            t += step;
            seq += 1;
            if independent && i == silent && at >= silent_from && at < silent_to {
                continue;
            }
            if independent && i == silent && at < silent_from {
                silent_last = Some(at);
            }
            if role_of(silent_tail) {
                if at >= tail_from {
                    continue;
                }
                tail_last = Some(at);
            }
            if roles && !independent && i == revoked_then_silent && at >= revoked_silent_at {
                break;
            }
            let message = format!("m{seq:08}");
            let mut outcome = "accepted";
            let mut reason: Option<&str> = None;
            let mut stored = Some(tenant.as_str());
            if independent && i == revoked && at > revoke_at {
                // After revocation the device is refused; three messages get through.
                if at > revoke_at + 3 * spacing + spacing {
                    outcome = "rejected";
                    reason = Some("credential revoked");
                    stored = None;
                } else {
                    expect("di-revoked-not-accepted", vec![device(i), message.clone()]);
                }
            }
            if independent && i == quarantined && at > quarantine_from && at <= quarantine_to {
                outcome = "rejected";
                reason = Some("device quarantined");
                stored = None;
            }
            if role_of(rejected_only) {
                if at >= rejected_from && at < rejected_to {
                    // Sends, but nothing it sends is accepted: silent as far as the data goes.
                    outcome = "rejected";
                    reason = Some("schema validation failed");
                    stored = None;
                } else if at < rejected_from {
                    rejected_last = Some(at);
                }
            }
            if !independent && outcome == "accepted" && rng.below(1000) == 0 {
                outcome = "rejected";
                reason = Some("schema validation failed");
                stored = None;
            }
            tel_rows += 1;
            tel.json(&message_row(at, i, &message, outcome, reason, stored))?;
            // A retransmission dropped as a duplicate (clean), now and then.
            if !independent && outcome == "accepted" && rng.below(500) == 0 {
                tel_rows += 1;
                tel.json(&message_row(
                    at + MINUTE,
                    i,
                    &message,
                    "duplicate",
                    Some("message id already accepted"),
                    None,
                ))?;
            }
        }
    }
    for (owner, last) in [
        (silent, silent_last),
        (silent_tail, tail_last),
        (rejected_only, rejected_last),
    ] {
        if let Some(gap_start) = last {
            expect("ti-silent-gaps", vec![device(owner), ts(gap_start)]);
        }
    }
    // Injected telemetry exceptions on devices with no other role.
    if inject && n >= 8 {
        let d = role(7);
        let tenant = tenant_of(d);
        let other = tenant_of(d + 1);
        let base = start + DAY + 13 * MINUTE;
        let rows = [
            (
                "x-tenant-1",
                "accepted",
                None,
                Some(other.as_str()),
                "ti-stored-in-sender-tenant",
            ),
            (
                "x-tenant-2",
                "accepted",
                None,
                Some(other.as_str()),
                "ti-stored-in-sender-tenant",
            ),
            (
                "x-tenant-3",
                "accepted",
                None,
                None,
                "ti-stored-in-sender-tenant",
            ),
            ("x-reject-1", "rejected", None, None, "ti-rejects-accounted"),
            (
                "x-reject-2",
                "rejected",
                Some(""),
                None,
                "ti-rejects-accounted",
            ),
            ("x-reject-3", "dlq", None, None, "ti-rejects-accounted"),
        ];
        for (k, (message, outcome, reason, stored, test)) in rows.iter().enumerate() {
            tel_rows += 1;
            tel.json(&serde_json::json!({
                "ts": ts(base + k as i64 * MINUTE), "tenant": tenant, "device_id": device(d),
                "message_id": message, "outcome": outcome, "reason": opt(*reason), "stored_tenant": opt(*stored),
            }))?;
            expect(test, vec![device(d), (*message).to_string()]);
        }
        // The ingestion log agrees with itself (attributed and stored tenant are the same), but
        // the device was provisioned into another tenant: only the provisioning record shows it.
        tel_rows += 1;
        tel.json(&serde_json::json!({
            "ts": ts(base + 8 * MINUTE), "tenant": other, "device_id": device(d),
            "message_id": "x-tenant-4", "outcome": "accepted", "reason": null, "stored_tenant": other,
        }))?;
        expect(
            "ti-stored-in-sender-tenant",
            vec![device(d), "x-tenant-4".to_string()],
        );
        for (k, message) in ["x-replay-1", "x-replay-2"].iter().enumerate() {
            for again in 0..2 {
                tel_rows += 1;
                tel.json(&serde_json::json!({
                    "ts": ts(base + (10 + k as i64) * MINUTE + again * HOUR), "tenant": tenant, "device_id": device(d),
                    "message_id": message, "outcome": "accepted", "reason": null, "stored_tenant": tenant,
                }))?;
            }
            expect("ti-replay", vec![device(d), (*message).to_string()]);
        }
        // First accepted just before the period, replayed within it.
        for at in [start - 30 * MINUTE, base + 12 * MINUTE] {
            tel_rows += 1;
            tel.json(&serde_json::json!({
                "ts": ts(at), "tenant": tenant, "device_id": device(d),
                "message_id": "x-replay-3", "outcome": "accepted", "reason": null, "stored_tenant": tenant,
            }))?;
        }
        expect("ti-replay", vec![device(d), "x-replay-3".to_string()]);
    }
    if inject && roles {
        // A device that was never provisioned sends telemetry that is accepted and stored.
        for (k, message) in ["g00000001", "g00000002"].iter().enumerate() {
            tel_rows += 1;
            tel.json(&serde_json::json!({
                "ts": ts(start + 2 * DAY + k as i64 * HOUR), "tenant": tenant_of(0), "device_id": "dev-ghost-1",
                "message_id": message, "outcome": "accepted", "reason": null, "stored_tenant": tenant_of(0),
            }))?;
            for test in ["di-revoked-not-accepted", "ti-stored-in-sender-tenant"] {
                expect(
                    test,
                    vec!["dev-ghost-1".to_string(), (*message).to_string()],
                );
            }
        }
    }
    // Three devices provisioned in the period; when injecting, two without an approval. Each
    // reports from ten minutes after its provisioning.
    for (k, approval) in [
        (0u64, Some("ORD-NEW-1")),
        (1, Some("ORD-NEW-2")),
        (2, Some("ORD-NEW-3")),
    ] {
        let dev = n + k;
        let at = start + (k as i64 * (end - start)) / 4 + 5 * MINUTE;
        let approval = if inject && k > 0 { None } else { approval };
        identity(
            &mut ids,
            at,
            dev,
            "provisioned",
            Some(&fingerprint(seed, &format!("{dev}:0"))),
            approval,
            &mut id_rows,
        )?;
        if approval.is_none() {
            expect("di-provisioning-approved", vec![device(dev), ts(at)]);
        }
        let tenant = tenant_of(dev);
        let (mut t, mut seq) = (at + 10 * MINUTE, 0u64);
        while t < end {
            seq += 1;
            tel_rows += 1;
            tel.json(&message_row(
                t,
                dev,
                &format!("m{seq:08}"),
                "accepted",
                None,
                Some(tenant.as_str()),
            ))?;
            t += spacing;
        }
    }
    ids.finish()?;
    tel.finish()?;
    w.rows.insert("device_identity_events".into(), id_rows);
    w.rows.insert("telemetry_ingest".into(), tel_rows);

    // ---- firmware releases and rollouts --------------------------------------------------
    let releases = (options.days / 30).max(6) as i64;
    let mut rel = w.open("firmware_releases", None)?;
    let mut roll = w.open("firmware_rollouts", None)?;
    let (mut rel_rows, mut roll_rows) = (0u64, 0u64);
    for r in 0..releases {
        let id = format!("REL-{:04}", r + 1);
        let released = start + (r * (end - start - 3 * DAY)) / releases + 9 * HOUR;
        let (mut signed, mut verified, mut approver, mut approved) =
            (true, true, "release-lead", released - DAY);
        let problem = match r {
            1 if inject => {
                signed = false;
                verified = false;
                true
            }
            2 if inject => {
                approver = "firmware-dev";
                true
            }
            3 if inject => {
                approved = released + HOUR;
                true
            }
            _ => false,
        };
        if problem {
            expect("fw-signed-and-approved", vec![id.clone()]);
        }
        rel_rows += 1;
        rel.json(&serde_json::json!({
            "release_id": id, "version": format!("4.{r}.0"),
            "artifact_sha256": fingerprint(seed, &format!("artifact:{r}")),
            "signed": signed, "signature_verified": verified, "signing_key_id": "fw-signing-2026",
            "author": "firmware-dev", "approver": approver, "approved_at": ts(approved), "released_at": ts(released),
        }))?;
        let mut stage = |name: &str,
                         cohort: Option<&str>,
                         at: i64,
                         targeted: i64,
                         failed: i64,
                         halted: bool,
                         rows: &mut u64|
         -> Result<()> {
            *rows += 1;
            roll.json(&serde_json::json!({
                "release_id": id, "stage": name, "cohort": opt(cohort), "started_at": ts(at),
                "ended_at": ts(at + 6 * HOUR), "devices_targeted": targeted, "devices_failed": failed, "halted": halted,
            }))
        };
        let fleet = n as i64;
        let skip_canary = inject && r == 4;
        if !skip_canary {
            stage(
                "canary",
                Some("canary"),
                released,
                50,
                1,
                false,
                &mut roll_rows,
            )?;
        }
        let cohort_failed = if inject && r == 5 { 100 } else { 5 };
        stage(
            "cohort",
            Some("wave-1"),
            released + DAY,
            500,
            cohort_failed,
            false,
            &mut roll_rows,
        )?;
        if inject && r == 5 {
            expect("fw-failures-halted", vec![id.clone(), ts(released + DAY)]);
        }
        // A failing stage that was halted (clean), on another release.
        if r == 0 {
            stage(
                "cohort",
                Some("wave-2"),
                released + DAY + 2 * HOUR,
                400,
                80,
                true,
                &mut roll_rows,
            )?;
        }
        stage(
            "full",
            None,
            released + 2 * DAY,
            fleet,
            fleet / 200,
            false,
            &mut roll_rows,
        )?;
        if skip_canary {
            expect("fw-canary-first", vec![id.clone(), ts(released + 2 * DAY)]);
        }
    }
    rel.finish()?;
    roll.finish()?;
    w.rows.insert("firmware_releases".into(), rel_rows);
    w.rows.insert("firmware_rollouts".into(), roll_rows);

    // ---- access sessions and reviews -------------------------------------------------------
    let mut sess = w.open("access_sessions", None)?;
    let mut sess_rows = 0u64;
    let sessions = i64::from(options.days) * 4;
    for s in 0..sessions {
        let target = inside[(s as usize) % inside.len()];
        let at = start + (s * (end - start)) / sessions + rng.range(0, HOUR);
        let privileged = s % 2 == 0;
        let (mut approval, mut approver, mut mfa, mut expires, mut ended) = (
            Some(format!("APR-{s:05}")),
            Some("ot-owner".to_string()),
            Some(true),
            Some(at + 4 * HOUR),
            Some(at + 2 * HOUR),
        );
        if inject && privileged {
            match s {
                0 => approval = None,
                2 => approver = Some("engineer-1".to_string()),
                4 => mfa = Some(false),
                6 => expires = Some(at + 24 * HOUR),
                // Kept open two hours past its approved expiry.
                8 => ended = Some(at + 6 * HOUR),
                _ => {}
            }
            if s <= 8 {
                expect("ac-privileged-sessions", vec![format!("S-{s:06}")]);
            }
        }
        sess_rows += 1;
        sess.json(&serde_json::json!({
            "session_id": format!("S-{s:06}"), "actor": "engineer-1", "role": if privileged { "admin" } else { "operator" },
            "target": target.id, "privileged": privileged, "started_at": ts(at), "ended_at": ended.map(ts),
            "approval_ref": approval, "approved_by": approver, "expires_at": expires.map(ts), "mfa": mfa,
        }))?;
    }
    if let Some(out) = outside {
        // Out of scope: an unapproved privileged session the tests must not report.
        sess_rows += 1;
        sess.json(&serde_json::json!({
            "session_id": "S-OUTSIDE", "actor": "engineer-9", "role": "admin", "target": out.id, "privileged": true,
            "started_at": ts(start + DAY), "ended_at": null, "approval_ref": null, "approved_by": null, "expires_at": null, "mfa": false,
        }))?;
    }
    sess.finish()?;
    w.rows.insert("access_sessions".into(), sess_rows);

    let mut rev = w.open(
        "access_reviews",
        Some(&[
            "review_id",
            "target",
            "performed_at",
            "reviewer",
            "signed_off",
        ]),
    )?;
    let mut rev_rows = 0u64;
    let reviewed: Vec<&&Target> = inside
        .iter()
        .filter(|t| t.enforces_access_control)
        .collect();
    let qs = quarters(&period);
    let last_quarter = qs.len().saturating_sub(1);
    for (qi, (quarter, q_start, q_end)) in qs.into_iter().enumerate() {
        for (ti, target) in reviewed.iter().enumerate() {
            let mut signed = "true";
            if inject && ti == 0 && qi == last_quarter {
                expect(
                    "ac-quarterly-reviews",
                    vec![target.id.clone(), quarter.clone()],
                );
                continue;
            }
            if inject && ti == 1 && qi == 0 {
                signed = "false";
                expect(
                    "ac-quarterly-reviews",
                    vec![target.id.clone(), quarter.clone()],
                );
            }
            rev_rows += 1;
            rev.csv(&[
                format!("AR-{quarter}-{ti:03}"),
                target.id.clone(),
                ts(q_start + (q_end - q_start) / 2),
                "access-owner".to_string(),
                signed.to_string(),
            ])?;
        }
    }
    rev.finish()?;
    w.rows.insert("access_reviews".into(), rev_rows);

    // ---- changes, and the changes the OT assets' own logs saw ------------------------------
    let mut chg = w.open(
        "changes",
        Some(&[
            "change_id",
            "target",
            "kind",
            "requested_by",
            "approved_by",
            "approved_at",
            "fat_passed",
            "sat_passed",
            "deployed_at",
            "emergency",
        ]),
    )?;
    let mut seen = w.open("ot_change_events", None)?;
    let (mut chg_rows, mut seen_rows) = (0u64, 0u64);
    let changes = (i64::from(options.days) / 2).max(10);
    let kinds = ["plc_program", "recipe", "config", "firmware", "software"];
    let mut deployments: Vec<(&str, i64)> = Vec::new();
    for c in 0..changes {
        let target = inside[(c as usize * 7) % inside.len()];
        let kind = kinds[(c as usize) % kinds.len()];
        let deployed = start + (c * (end - start)) / changes + 10 * HOUR;
        let mut approver = "change-board".to_string();
        let mut approved = Some(deployed - 2 * DAY);
        let mut emergency = false;
        let (mut fat, mut sat) = if matches!(kind, "plc_program" | "recipe") {
            (Some("true"), Some("true"))
        } else {
            (None, None)
        };
        let id = format!("CHG{:07}", c + 1);
        match c {
            1 if inject => approved = None,
            2 if inject => approver = "engineer-2".to_string(),
            3 if inject => approved = Some(deployed + HOUR),
            // An emergency change approved the morning after (clean: within its window).
            4 => {
                emergency = true;
                approved = Some(deployed + 10 * HOUR);
            }
            5 if inject => sat = Some("false"),
            6 if inject => fat = None,
            // An emergency change approved three days after deployment: past its window.
            7 if inject => {
                emergency = true;
                approved = Some(deployed + 3 * DAY);
            }
            // Two approvers in one field, one of them the requester.
            8 if inject => approver = "change-board, engineer-2".to_string(),
            // Two approvers in one field, neither the requester (clean).
            9 => approver = "change-board; ot-owner".to_string(),
            _ => {}
        }
        if inject && matches!(c, 1..=3 | 7 | 8) {
            expect("cm-approved-before-deploy", vec![id.clone()]);
        }
        if inject && (c == 5 || c == 6) {
            expect("cm-fat-sat-passed", vec![id.clone()]);
        }
        chg_rows += 1;
        chg.csv(&[
            id.clone(),
            target.id.clone(),
            kind.to_string(),
            "engineer-2".to_string(),
            if approved.is_some() {
                approver
            } else {
                String::new()
            },
            approved.map(ts).unwrap_or_default(),
            fat.unwrap_or_default().to_string(),
            sat.unwrap_or_default().to_string(),
            ts(deployed),
            if emergency { "true" } else { "" }.to_string(),
        ])?;
        // The asset's log sees the change a few minutes into the deployment; every other log
        // line records the ticket, the rest are matched by time.
        let observed = deployed + 5 * MINUTE;
        let what = match kind {
            "plc_program" => "program download",
            "recipe" => "recipe parameter write",
            "firmware" => "firmware update",
            _ => "configuration change",
        };
        seen_rows += 1;
        seen.json(&serde_json::json!({
            "ts": ts(observed), "target": target.id, "actor": "eng-ws-01", "what": what,
            "change_ref": if c % 2 == 0 { Some(id.clone()) } else { None }, "source": "controller audit log",
        }))?;
        deployments.push((target.id.as_str(), deployed));
        // Not approved, approved after the change, an emergency approved past its window.
        if inject && matches!(c, 1 | 3 | 7) {
            expect(
                "cm-observed-changes-ticketed",
                vec![target.id.clone(), ts(observed), what.to_string()],
            );
        }
    }
    if inject {
        // An online edit no ticket covers: two days clear of any deployment on its target.
        let target = inside[0];
        let mut at = start + 3 * DAY + 7 * HOUR + 13 * MINUTE;
        while deployments
            .iter()
            .any(|(t, d)| *t == target.id && (d - at).abs() < 2 * DAY)
            && at < end - DAY
        {
            at += DAY;
        }
        seen_rows += 1;
        seen.json(&serde_json::json!({
            "ts": ts(at), "target": target.id, "actor": "eng-ws-03", "what": "online edit",
            "change_ref": null, "source": "controller audit log",
        }))?;
        expect(
            "cm-observed-changes-ticketed",
            vec![target.id.clone(), ts(at), "online edit".to_string()],
        );
    }
    if let Some(out) = outside {
        chg_rows += 1;
        chg.csv(&[
            "CHG-OUTSIDE".into(),
            out.id.clone(),
            "config".into(),
            "engineer-2".into(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            ts(start + DAY),
            String::new(),
        ])?;
        // Out of scope: an unticketed change the tests must not report.
        seen_rows += 1;
        seen.json(&serde_json::json!({
            "ts": ts(start + 2 * DAY), "target": out.id, "actor": "eng-ws-09", "what": "online edit",
            "change_ref": null, "source": "controller audit log",
        }))?;
    }
    chg.finish()?;
    seen.finish()?;
    w.rows.insert("changes".into(), chg_rows);
    w.rows.insert("ot_change_events".into(), seen_rows);

    // ---- backups and restore tests ---------------------------------------------------------
    // What each component is backed up as: its OT backup (`Kind::ot_backup`, what the tests
    // expect), else a database.
    let backup_kind = |kind: &str| {
        fieldproof_core::Kind::parse(kind)
            .and_then(fieldproof_core::Kind::ot_backup)
            .unwrap_or("database")
    };
    let mut bak = w.open("backups", Some(&["target", "kind", "ts", "success"]))?;
    let mut res = w.open("restore_tests", Some(&["target", "kind", "ts", "success"]))?;
    let (mut bak_rows, mut res_rows) = (0u64, 0u64);
    let mut gap_done = false;
    // Components whose kind holds an OT program or configuration (the tests expect backups of
    // them from the estate).
    let ot_backed: Vec<usize> = inside
        .iter()
        .enumerate()
        .filter(|(_, t)| backup_kind(&t.kind) != "database")
        .map(|(i, _)| i)
        .collect();
    let last = inside.len() - 1;
    // One such component with no backup job at all, one whose restores were tested as another
    // kind; neither the gap's component nor the one whose restores fail.
    let never_backed = ot_backed.iter().copied().filter(|&i| i != last).nth(1);
    let wrong_restore_kind = ot_backed.iter().copied().filter(|&i| i != last).nth(2);
    for (ti, target) in inside.iter().enumerate() {
        let kind = backup_kind(&target.kind);
        let tested = kind != "database";
        if inject && Some(ti) == never_backed {
            expect(
                "br-backups-on-schedule",
                vec![target.id.clone(), kind.to_string(), String::new()],
            );
        } else {
            let gap = inject && tested && !gap_done;
            let mut at = start - 7 * DAY + 2 * HOUR;
            let mut skipped = 0;
            let mut last_ok = None;
            while at < end {
                let skip = gap && at > start + 20 * DAY && skipped < 2;
                if skip {
                    if skipped == 0 {
                        if let Some(last) = last_ok {
                            expect(
                                "br-backups-on-schedule",
                                vec![target.id.clone(), kind.to_string(), ts(last)],
                            );
                        }
                    }
                    skipped += 1;
                } else {
                    // Now and then a failed run, retried the next day (clean).
                    if rng.below(20) == 0 {
                        bak_rows += 1;
                        bak.csv(&[
                            target.id.clone(),
                            kind.to_string(),
                            ts(at - HOUR),
                            "false".into(),
                        ])?;
                    }
                    bak_rows += 1;
                    bak.csv(&[target.id.clone(), kind.to_string(), ts(at), "true".into()])?;
                    last_ok = Some(at);
                }
                at += 7 * DAY;
            }
            if gap {
                gap_done = true;
            }
        }
        // Restores tested every 120 days from 60 days before the period, of the backup's kind.
        let failed_restore = inject && ti == last;
        let restored_kind = if inject && Some(ti) == wrong_restore_kind {
            "database"
        } else {
            kind
        };
        let mut at = start - 60 * DAY + 9 * HOUR;
        while at < end {
            res_rows += 1;
            res.csv(&[
                target.id.clone(),
                restored_kind.to_string(),
                ts(at),
                (!failed_restore).to_string(),
            ])?;
            at += 120 * DAY;
        }
        if failed_restore || restored_kind != kind {
            expect(
                "br-restore-tested",
                vec![target.id.clone(), kind.to_string(), String::new()],
            );
        }
    }
    bak.finish()?;
    res.finish()?;
    w.rows.insert("backups".into(), bak_rows);
    w.rows.insert("restore_tests".into(), res_rows);

    // ---- incidents -------------------------------------------------------------------------
    let mut inc = w.open("incidents", None)?;
    let mut inc_rows = 0u64;
    let incidents = (i64::from(options.days) / 10).max(8);
    let severities = ["critical", "high", "medium", "low"];
    let within = [30 * MINUTE, 2 * HOUR, 10 * HOUR, 48 * HOUR];
    for k in 0..incidents {
        let s = (k as usize) % 4;
        let detected = start + (k * (end - start)) / incidents + 3 * HOUR;
        let mut ticketed = Some(detected + within[s]);
        let mut runbook = Some(format!("RB-{}", s + 1));
        let id = format!("INC-{:05}", k + 1);
        match k {
            0 if inject => ticketed = Some(detected + 2 * HOUR),
            2 if inject => ticketed = None,
            3 if inject => runbook = None,
            _ => {}
        }
        if inject && matches!(k, 0 | 2 | 3) {
            expect("ir-ticketed-within-sla", vec![id.clone()]);
        }
        inc_rows += 1;
        inc.json(&serde_json::json!({
            "incident_id": id, "severity": severities[s], "detected_at": ts(detected),
            "ticketed_at": ticketed.map(ts), "resolved_at": ts(detected + 3 * DAY), "runbook_ref": runbook,
        }))?;
    }
    inc.finish()?;
    w.rows.insert("incidents".into(), inc_rows);

    // ---- alarms ------------------------------------------------------------------------------
    let mut alm = w.open("alarms", None)?;
    let mut alm_rows = 0u64;
    let alarms = i64::from(options.days) * 5;
    /// A shelve as the journal records it: who, under which approval, until when, ended when.
    struct Shelve<'a> {
        actor: Option<&'a str>,
        approval: Option<&'a str>,
        until: Option<i64>,
        ended: Option<i64>,
    }
    for a in 0..alarms {
        let target = inside[(a as usize * 3) % inside.len()];
        let raised = start + (a * (end - start)) / alarms + rng.range(0, HOUR);
        let alarm = format!("ALM-{:03}", a % 40);
        let mut push = |at: i64, state: &str, shelve: Shelve, rows: &mut u64| -> Result<()> {
            *rows += 1;
            alm.json(&serde_json::json!({
                "ts": ts(at), "target": target.id, "alarm_id": alarm, "priority": if a % 5 == 0 { "high" } else { "low" },
                "state": state, "actor": opt(shelve.actor), "approval_ref": opt(shelve.approval),
                "shelved_until": shelve.until.map(ts), "unshelved_at": shelve.ended.map(ts),
            }))
        };
        let event = |actor| Shelve {
            actor,
            approval: None,
            until: None,
            ended: None,
        };
        push(raised, "raised", event(None), &mut alm_rows)?;
        push(
            raised + 2 * MINUTE,
            "acknowledged",
            event(Some("operator-1")),
            &mut alm_rows,
        )?;
        let at = raised + 5 * MINUTE;
        if a % 10 == 0 {
            let mut shelve = Shelve {
                actor: Some("operator-1"),
                approval: Some("MOC-SHELVE"),
                until: Some(at + 8 * HOUR),
                ended: Some(at + 30 * MINUTE),
            };
            let mut state = "shelved";
            if inject {
                match a {
                    0 => shelve.approval = None,
                    10 => shelve.actor = None,
                    20 => {
                        state = "suppressed";
                        shelve.actor = Some("operator-2");
                        shelve.approval = None;
                    }
                    30 => shelve.until = Some(at + 72 * HOUR),
                    40 => shelve.ended = Some(at + 10 * HOUR),
                    50 => shelve.ended = None,
                    _ => {}
                }
            }
            push(at, state, shelve, &mut alm_rows)?;
            if inject && a <= 50 {
                expect(
                    "lm-alarm-shelving-approved",
                    vec![target.id.clone(), alarm.clone(), ts(at)],
                );
            }
        } else if a % 10 == 5 {
            // Designed suppression by the system's state logic (clean: not shelving).
            push(at, "suppressed", event(None), &mut alm_rows)?;
        }
        push(raised + 40 * MINUTE, "cleared", event(None), &mut alm_rows)?;
    }
    if let Some(out) = outside {
        alm_rows += 1;
        alm.json(&serde_json::json!({
            "ts": ts(start + DAY), "target": out.id, "alarm_id": "ALM-OUT", "priority": "high",
            "state": "shelved", "actor": null, "approval_ref": null, "shelved_until": null, "unshelved_at": null,
        }))?;
    }
    alm.finish()?;
    w.rows.insert("alarms".into(), alm_rows);

    // ---- production counts and ERP postings ----------------------------------------------------
    let mut prod = w.open("production_counts", None)?;
    let mut post = w.open("erp_postings", None)?;
    let (mut prod_rows, mut post_rows) = (0u64, 0u64);
    let batches = i64::from(options.days) * 3;
    // A batch produced before the period, posted in it (clean).
    prod_rows += 1;
    prod.json(&serde_json::json!({"batch_id": "B-PRIOR", "site": "site-1", "line": "line-1", "product": "P-1", "quantity": 1000.0, "unit": "kg", "ts": ts(start - 2 * HOUR)}))?;
    post_rows += 1;
    post.json(&serde_json::json!({"batch_id": "B-PRIOR", "product": "P-1", "quantity": 1000.0, "unit": "kg", "posted_at": ts(start + HOUR)}))?;
    for b in 0..batches {
        let id = format!("B-{:07}", b + 1);
        let at = start + (b * (end - start)) / batches + rng.range(0, HOUR);
        let quantity = 1000.0 + rng.below(9000) as f64;
        let product = format!("P-{}", b % 7 + 1);
        prod_rows += 1;
        prod.json(&serde_json::json!({"batch_id": id, "site": "site-1", "line": format!("line-{}", b % 4 + 1), "product": product, "quantity": quantity, "unit": "kg", "ts": ts(at)}))?;
        let mut posting = |product: &str, quantity: f64, unit: &str, posted: i64| -> Result<()> {
            post_rows += 1;
            post.json(&serde_json::json!({"batch_id": id, "product": product, "quantity": quantity, "unit": unit, "posted_at": ts(posted)}))
        };
        if inject {
            let injected = match b {
                // Never posted.
                1 => true,
                // Posted 5 % over.
                2 => {
                    posting(&product, quantity * 1.05, "kg", at + 2 * HOUR)?;
                    true
                }
                // Posted as another product.
                3 => {
                    posting(
                        &format!("P-{}", (b + 1) % 7 + 1),
                        quantity,
                        "kg",
                        at + 2 * HOUR,
                    )?;
                    true
                }
                // Posted in tonnes against a count in kilograms.
                4 => {
                    posting(&product, quantity, "t", at + 2 * HOUR)?;
                    true
                }
                // The period's last batch, posted the day after the period ends: cut-off.
                b if b == batches - 1 => {
                    posting(&product, quantity, "kg", end + 10 * HOUR)?;
                    true
                }
                _ => false,
            };
            if injected {
                expect("pi-batches-posted", vec![id.clone()]);
                continue;
            }
        }
        if b % 5 == 0 {
            // Posted in two parts that add up (clean).
            let first = (quantity / 2.0).floor();
            posting(&product, first, "kg", at + HOUR)?;
            posting(&product, quantity - first, "kg", at + 3 * HOUR)?;
        } else {
            posting(&product, quantity, "kg", at + 2 * HOUR)?;
        }
    }
    if inject {
        let at = start + 5 * DAY + 17 * MINUTE;
        post_rows += 1;
        post.json(&serde_json::json!({"batch_id": "B-GHOST", "product": "P-1", "quantity": 500.0, "unit": "kg", "posted_at": ts(at)}))?;
        expect(
            "pi-postings-have-batches",
            vec!["B-GHOST".to_string(), ts(at)],
        );
    }
    prod.finish()?;
    post.finish()?;
    w.rows.insert("production_counts".into(), prod_rows);
    w.rows.insert("erp_postings".into(), post_rows);

    for keys in truth.values_mut() {
        keys.sort();
        keys.dedup();
    }
    let truth = Truth {
        seed,
        period: period.to_string(),
        devices: options.devices,
        rate: options.rate,
        clean: options.clean,
        files: w.files,
        rows: w.rows,
        exceptions: truth,
    };
    let path = dir.join("truth.json");
    let text =
        serde_json::to_string_pretty(&truth).map_err(|e| AnalyticsError::Input(e.to_string()))?;
    std::fs::write(&path, text + "\n").map_err(io(&path))?;
    Ok(truth)
}
