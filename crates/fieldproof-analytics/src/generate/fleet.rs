//! Device identity events and, interleaved per device, the telemetry the fleet sends.

use super::{fingerprint, opt, Ctx, Out, Run, DAY, HOUR, MINUTE};
use crate::timestamp::format as ts;
use crate::Result;

/// How the fleet's devices are named, grouped into tenants and classed, and how their rows
/// read.
struct Fleet {
    /// Devices in the fleet (the three provisioned in the period come after them).
    devices: u64,
    tenants: u64,
    /// With 16 devices or more: the missing-data cases and the daily meters.
    roles: bool,
}

impl Fleet {
    fn new(devices: u64) -> Self {
        Fleet {
            devices,
            tenants: (devices / 100).clamp(2, 50),
            roles: devices >= 16,
        }
    }
    fn device(&self, i: u64) -> String {
        format!("dev-{i:06}")
    }
    fn tenant_of(&self, i: u64) -> String {
        format!("tenant-{:02}", i % self.tenants + 1)
    }
    /// A device role for injected exceptions (distinct devices, when the fleet is large
    /// enough).
    fn role(&self, k: u64) -> u64 {
        k % self.devices
    }
    /// Every tenth device from the fifteenth reports once a day (a meter fleet): its expected
    /// silence is learned from its own interval, not from the 15-minute sensors.
    fn daily(&self, i: u64) -> bool {
        self.roles && i >= 14 && i % 10 == 9
    }
    fn class_of(&self, i: u64) -> &'static str {
        if self.daily(i) {
            "meter-daily"
        } else {
            "sensor"
        }
    }
    /// A row of the device identity events.
    fn identity(
        &self,
        out: &mut Out,
        at: i64,
        dev: u64,
        event: &str,
        fp: Option<&str>,
        approval: Option<&str>,
    ) -> Result<()> {
        out.json(&serde_json::json!({
            "ts": ts(at),
            "tenant": self.tenant_of(dev),
            "device_id": self.device(dev),
            "event": event,
            "credential_fingerprint": opt(fp),
            "actor": "provisioning-service",
            "approval_ref": opt(approval),
            "device_class": opt((event == "provisioned").then(|| self.class_of(dev))),
        }))
    }
    /// A row of the telemetry ingestion log.
    fn message(
        &self,
        at: i64,
        dev: u64,
        message: &str,
        outcome: &str,
        reason: Option<&str>,
        stored: Option<&str>,
    ) -> serde_json::Value {
        serde_json::json!({
            "ts": ts(at), "tenant": self.tenant_of(dev), "device_id": self.device(dev), "message_id": message,
            "outcome": outcome, "reason": opt(reason), "stored_tenant": opt(stored),
        })
    }
}

/// Writes the family's datasets.
pub(super) fn write(ctx: &Ctx, run: &mut Run) -> Result<()> {
    let fleet = Fleet::new(ctx.options.devices);
    let mut ids = run.w.open("device_identity_events", None)?;
    let mut tel = run.w.open("telemetry_ingest", None)?;
    each_device(ctx, run, &fleet, &mut ids, &mut tel)?;
    if ctx.inject {
        injected_telemetry(ctx, run, &fleet, &mut tel)?;
    }
    provisioned_in_period(ctx, run, &fleet, &mut ids, &mut tel)?;
    run.w.close(ids)?;
    run.w.close(tel)
}

/// Every device of the fleet: its provisioning, rotations and other identity events, then its
/// telemetry; the devices given a role carry the injected exceptions.
fn each_device(
    ctx: &Ctx,
    run: &mut Run,
    fleet: &Fleet,
    ids: &mut Out,
    tel: &mut Out,
) -> Result<()> {
    let (start, end, inject, seed) = (ctx.start, ctx.end, ctx.inject, ctx.seed);
    let n = fleet.devices;
    let roles = fleet.roles;
    let role = |k: u64| fleet.role(k);
    let (shared_a, shared_b) = (role(1), role(2));
    let revoked = role(3);
    let quarantined = role(4);
    let stale = role(5);
    let silent = role(6);
    // Provisioned long ago and provisioned again in the period with the same credential.
    let reprovisioned = role(7);
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
    let spacing = DAY / i64::from(ctx.options.rate);
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
    for i in 0..n {
        let independent = inject && injected_devices.contains(&i) && n >= 8;
        let role_of = |r: u64| independent && roles && i == r;
        let old_credential = independent && (i == stale || i == reprovisioned);
        let provisioned = if old_credential {
            start - 400 * DAY
        } else {
            start - run.rng.range(30, 200) * DAY - run.rng.range(0, DAY / MINUTE) * MINUTE
        };
        let first_fp = fingerprint(seed, &format!("{i}:0"));
        fleet.identity(
            ids,
            provisioned,
            i,
            "provisioned",
            Some(&first_fp),
            Some(&format!("ORD-{:06}", i + 1)),
        )?;
        // Rotations every 300 days from provisioning, up to the end of the period.
        if !old_credential {
            let mut k = 1u64;
            let mut at = provisioned + 300 * DAY;
            while at < end {
                let fp = fingerprint(seed, &format!("{i}:{k}"));
                fleet.identity(
                    ids,
                    at,
                    i,
                    "rotated",
                    Some(&fp),
                    Some(&format!("ROT-{i:06}-{k}")),
                )?;
                k += 1;
                at += 300 * DAY;
            }
        }
        if independent && i == stale {
            run.expect("di-rotation-age", vec![fleet.device(i)]);
        }
        if independent && i == reprovisioned {
            // Provisioned again in the period, on the credential it was first given: the
            // provisioning is new, the credential is not.
            fleet.identity(
                ids,
                start + 2 * DAY + 5 * MINUTE,
                i,
                "provisioned",
                Some(&first_fp),
                Some(&format!("ORD-{:06}-R", i + 1)),
            )?;
            run.expect("di-rotation-age", vec![fleet.device(i)]);
        }
        if independent && i == shared_b {
            // Injected: B is rotated onto A's first credential.
            let fp = fingerprint(seed, &format!("{shared_a}:0"));
            fleet.identity(
                ids,
                start + DAY + 3 * MINUTE,
                i,
                "rotated",
                Some(&fp),
                Some("ROT-CLONE"),
            )?;
            run.expect("di-unique-credential", vec![fp]);
        }
        if independent && i == revoked {
            fleet.identity(ids, revoke_at, i, "revoked", None, Some("INC-REVOKE-1"))?;
        }
        if roles && !independent && i == revoked_then_silent {
            fleet.identity(
                ids,
                revoked_silent_at,
                i,
                "revoked",
                None,
                Some("RMA-RETURNED-1"),
            )?;
        }
        if independent && i == quarantined {
            fleet.identity(
                ids,
                quarantine_from,
                i,
                "quarantined",
                None,
                Some("INC-Q-1"),
            )?;
            fleet.identity(ids, quarantine_to, i, "reinstated", None, Some("INC-Q-1"))?;
        }
        // Telemetry: `rate` messages a day (one for the daily meters), jittered within a
        // quarter of the spacing.
        if role_of(silent_all) {
            // Expected to report all period, sends nothing: silent from the period's start.
            run.expect("ti-silent-gaps", vec![fleet.device(i), ts(start)]);
            continue;
        }
        let tenant = fleet.tenant_of(i);
        let step = if fleet.daily(i) { DAY } else { spacing };
        let mut seq = 0u64;
        let mut t = start + (i as i64 % 60) * (step / 60).max(1);
        if role_of(straddle) {
            // Reports for two days before the period, stops three intervals before its start and
            // resumes five intervals into it: the silence straddles the start.
            let mut p = start - (2 * DAY).max(6 * step);
            let mut last = None;
            while p < start - 3 * step {
                let at = p + run.rng.range(0, (step / 4).max(1));
                p += step;
                seq += 1;
                tel.json(&fleet.message(
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
                run.expect("ti-silent-gaps", vec![fleet.device(i), ts(last)]);
            }
            t = start + 5 * step;
        }
        while t < end {
            let at = t + run.rng.range(0, (step / 4).max(1));
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
                    run.expect(
                        "di-revoked-not-accepted",
                        vec![fleet.device(i), message.clone()],
                    );
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
            if !independent && outcome == "accepted" && run.rng.below(1000) == 0 {
                outcome = "rejected";
                reason = Some("schema validation failed");
                stored = None;
            }
            tel.json(&fleet.message(at, i, &message, outcome, reason, stored))?;
            // A retransmission dropped as a duplicate (clean), now and then.
            if !independent && outcome == "accepted" && run.rng.below(500) == 0 {
                tel.json(&fleet.message(
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
            run.expect("ti-silent-gaps", vec![fleet.device(owner), ts(gap_start)]);
        }
    }
    Ok(())
}

/// Telemetry exceptions on devices with no other role: messages stored in another tenant or
/// not at all, rejections with no reason, replays, and a device never provisioned.
fn injected_telemetry(ctx: &Ctx, run: &mut Run, fleet: &Fleet, tel: &mut Out) -> Result<()> {
    let start = ctx.start;
    if fleet.devices >= 8 {
        let role = |k: u64| fleet.role(k);
        let d = role(7);
        let tenant = fleet.tenant_of(d);
        let other = fleet.tenant_of(d + 1);
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
            tel.json(&serde_json::json!({
                "ts": ts(base + k as i64 * MINUTE), "tenant": tenant, "device_id": fleet.device(d),
                "message_id": message, "outcome": outcome, "reason": opt(*reason), "stored_tenant": opt(*stored),
            }))?;
            run.expect(test, vec![fleet.device(d), (*message).to_string()]);
        }
        // The ingestion log agrees with itself (attributed and stored tenant are the same), but
        // the device was provisioned into another tenant: only the provisioning record shows it.
        tel.json(&serde_json::json!({
            "ts": ts(base + 8 * MINUTE), "tenant": other, "device_id": fleet.device(d),
            "message_id": "x-tenant-4", "outcome": "accepted", "reason": null, "stored_tenant": other,
        }))?;
        run.expect(
            "ti-stored-in-sender-tenant",
            vec![fleet.device(d), "x-tenant-4".to_string()],
        );
        for (k, message) in ["x-replay-1", "x-replay-2"].iter().enumerate() {
            for again in 0..2 {
                tel.json(&serde_json::json!({
                    "ts": ts(base + (10 + k as i64) * MINUTE + again * HOUR), "tenant": tenant, "device_id": fleet.device(d),
                    "message_id": message, "outcome": "accepted", "reason": null, "stored_tenant": tenant,
                }))?;
            }
            run.expect("ti-replay", vec![fleet.device(d), (*message).to_string()]);
        }
        // First accepted just before the period, replayed within it.
        for at in [start - 30 * MINUTE, base + 12 * MINUTE] {
            tel.json(&serde_json::json!({
                "ts": ts(at), "tenant": tenant, "device_id": fleet.device(d),
                "message_id": "x-replay-3", "outcome": "accepted", "reason": null, "stored_tenant": tenant,
            }))?;
        }
        run.expect("ti-replay", vec![fleet.device(d), "x-replay-3".to_string()]);
    }
    if fleet.roles {
        // A device that was never provisioned sends telemetry that is accepted and stored.
        for (k, message) in ["g00000001", "g00000002"].iter().enumerate() {
            tel.json(&serde_json::json!({
                "ts": ts(start + 2 * DAY + k as i64 * HOUR), "tenant": fleet.tenant_of(0), "device_id": "dev-ghost-1",
                "message_id": message, "outcome": "accepted", "reason": null, "stored_tenant": fleet.tenant_of(0),
            }))?;
            for test in ["di-revoked-not-accepted", "ti-stored-in-sender-tenant"] {
                run.expect(
                    test,
                    vec!["dev-ghost-1".to_string(), (*message).to_string()],
                );
            }
        }
    }
    Ok(())
}

/// Three devices provisioned in the period; when injecting, two without an approval. Each
/// reports from ten minutes after its provisioning.
fn provisioned_in_period(
    ctx: &Ctx,
    run: &mut Run,
    fleet: &Fleet,
    ids: &mut Out,
    tel: &mut Out,
) -> Result<()> {
    let (start, end, inject, seed) = (ctx.start, ctx.end, ctx.inject, ctx.seed);
    let n = fleet.devices;
    let spacing = DAY / i64::from(ctx.options.rate);
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
        fleet.identity(
            ids,
            at,
            dev,
            "provisioned",
            Some(&fingerprint(seed, &format!("{dev}:0"))),
            approval,
        )?;
        if approval.is_none() {
            run.expect("di-provisioning-approved", vec![fleet.device(dev), ts(at)]);
        }
        let tenant = fleet.tenant_of(dev);
        let (mut t, mut seq) = (at + 10 * MINUTE, 0u64);
        while t < end {
            seq += 1;
            tel.json(&fleet.message(
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
    Ok(())
}
