//! The alarm journal: raised, acknowledged, shelved, cleared.

use super::{opt, Ctx, Run, DAY, HOUR, MINUTE};
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
    let mut alm = run.w.open("alarms", None)?;
    let alarms = i64::from(options.days) * 5 * i64::from(options.scale);
    /// A shelve as the journal records it: who, under which approval, until when, ended when.
    struct Shelve<'a> {
        actor: Option<&'a str>,
        approval: Option<&'a str>,
        until: Option<i64>,
        ended: Option<i64>,
    }
    for a in 0..alarms {
        let target = inside[(a as usize * 3) % inside.len()];
        let raised = start + (a * (end - start)) / alarms + run.rng.range(0, HOUR);
        let alarm = format!("ALM-{:03}", a % 40);
        let mut push = |at: i64, state: &str, shelve: Shelve| -> Result<()> {
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
        push(raised, "raised", event(None))?;
        push(
            raised + 2 * MINUTE,
            "acknowledged",
            event(Some("operator-1")),
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
            push(at, state, shelve)?;
            if inject && a <= 50 {
                run.expect(
                    "lm-alarm-shelving-approved",
                    vec![target.id.clone(), alarm.clone(), ts(at)],
                );
            }
        } else if a % 10 == 5 {
            // Designed suppression by the system's state logic (clean: not shelving).
            push(at, "suppressed", event(None))?;
        }
        push(raised + 40 * MINUTE, "cleared", event(None))?;
    }
    if let Some(out) = outside {
        alm.json(&serde_json::json!({
            "ts": ts(start + DAY), "target": out.id, "alarm_id": "ALM-OUT", "priority": "high",
            "state": "shelved", "actor": null, "approval_ref": null, "shelved_until": null, "unshelved_at": null,
        }))?;
    }
    run.w.close(alm)?;
    Ok(())
}
