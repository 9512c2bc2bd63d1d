//! Privileged access sessions and quarterly access reviews.

use super::{Ctx, Run, Target, DAY, HOUR};
use crate::engine::quarters;
use crate::timestamp::format as ts;
use crate::Result;

/// Writes the family's datasets.
pub(super) fn write(ctx: &Ctx, run: &mut Run) -> Result<()> {
    let start = ctx.start;
    let end = ctx.end;
    let inject = ctx.inject;
    let options = ctx.options;
    let inside = &ctx.inside;
    let outside = ctx.outside;
    let period = &ctx.period;
    let mut sess = run.w.open("access_sessions", None)?;
    let sessions = i64::from(options.days) * 4 * i64::from(options.scale);
    for s in 0..sessions {
        let target = inside[(s as usize) % inside.len()];
        let at = start + (s * (end - start)) / sessions + run.rng.range(0, HOUR);
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
                run.expect("ac-privileged-sessions", vec![format!("S-{s:06}")]);
            }
        }
        sess.json(&serde_json::json!({
            "session_id": format!("S-{s:06}"), "actor": "engineer-1", "role": if privileged { "admin" } else { "operator" },
            "target": target.id, "privileged": privileged, "started_at": ts(at), "ended_at": ended.map(ts),
            "approval_ref": approval, "approved_by": approver, "expires_at": expires.map(ts), "mfa": mfa,
        }))?;
    }
    if let Some(out) = outside {
        // Out of scope: an unapproved privileged session the tests must not report.
        sess.json(&serde_json::json!({
            "session_id": "S-OUTSIDE", "actor": "engineer-9", "role": "admin", "target": out.id, "privileged": true,
            "started_at": ts(start + DAY), "ended_at": null, "approval_ref": null, "approved_by": null, "expires_at": null, "mfa": false,
        }))?;
    }
    run.w.close(sess)?;

    let mut rev = run.w.open(
        "access_reviews",
        Some(&[
            "review_id",
            "target",
            "performed_at",
            "reviewer",
            "signed_off",
        ]),
    )?;
    let reviewed: Vec<&&Target> = inside
        .iter()
        .filter(|t| t.enforces_access_control)
        .collect();
    let qs = quarters(period);
    let last_quarter = qs.len().saturating_sub(1);
    for (qi, (quarter, q_start, q_end)) in qs.into_iter().enumerate() {
        for (ti, target) in reviewed.iter().enumerate() {
            let mut signed = "true";
            if inject && ti == 0 && qi == last_quarter {
                run.expect(
                    "ac-quarterly-reviews",
                    vec![target.id.clone(), quarter.clone()],
                );
                continue;
            }
            if inject && ti == 1 && qi == 0 {
                signed = "false";
                run.expect(
                    "ac-quarterly-reviews",
                    vec![target.id.clone(), quarter.clone()],
                );
            }
            rev.csv(&[
                format!("AR-{quarter}-{ti:03}"),
                target.id.clone(),
                ts(q_start + (q_end - q_start) / 2),
                "access-owner".to_string(),
                signed.to_string(),
            ])?;
        }
    }
    run.w.close(rev)?;
    Ok(())
}
