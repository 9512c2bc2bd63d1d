//! Firmware releases and their staged rollouts.

use super::{fingerprint, opt, Ctx, Run, DAY, HOUR};
use crate::timestamp::format as ts;
use crate::Result;

/// Writes the family's datasets.
pub(super) fn write(ctx: &Ctx, run: &mut Run) -> Result<()> {
    let start = ctx.start;
    let end = ctx.end;
    let inject = ctx.inject;
    let seed = ctx.seed;
    let n = ctx.options.devices;
    let options = ctx.options;
    let releases = (options.days / 30).max(6) as i64;
    let mut rel = run.w.open("firmware_releases", None)?;
    let mut roll = run.w.open("firmware_rollouts", None)?;
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
            run.expect("fw-signed-and-approved", vec![id.clone()]);
        }
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
                         halted: bool|
         -> Result<()> {
            roll.json(&serde_json::json!({
                "release_id": id, "stage": name, "cohort": opt(cohort), "started_at": ts(at),
                "ended_at": ts(at + 6 * HOUR), "devices_targeted": targeted, "devices_failed": failed, "halted": halted,
            }))
        };
        let fleet = n as i64;
        let skip_canary = inject && r == 4;
        if !skip_canary {
            stage("canary", Some("canary"), released, 50, 1, false)?;
        }
        let cohort_failed = if inject && r == 5 { 100 } else { 5 };
        stage(
            "cohort",
            Some("wave-1"),
            released + DAY,
            500,
            cohort_failed,
            false,
        )?;
        if inject && r == 5 {
            run.expect("fw-failures-halted", vec![id.clone(), ts(released + DAY)]);
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
            )?;
        }
        stage("full", None, released + 2 * DAY, fleet, fleet / 200, false)?;
        if skip_canary {
            run.expect("fw-canary-first", vec![id.clone(), ts(released + 2 * DAY)]);
        }
    }
    run.w.close(rel)?;
    run.w.close(roll)?;
    Ok(())
}
