//! Change tickets, and the changes the OT assets' own logs saw.

use super::{Ctx, Run, Target, DAY, HOUR, MINUTE};
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
    let mut chg = run.w.open(
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
    let mut seen = run.w.open("ot_change_events", None)?;
    let changes = (i64::from(options.days) / 2).max(10) * i64::from(options.scale);
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
            run.expect("cm-approved-before-deploy", vec![id.clone()]);
        }
        if inject && (c == 5 || c == 6) {
            run.expect("cm-fat-sat-passed", vec![id.clone()]);
        }
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
        // At a large --scale a component has other tickets deployed within the matching window,
        // so the injected ones record their ticket: matched by time, a neighbour would cover them.
        let injected = inject && matches!(c, 1 | 3 | 7);
        let recorded = c % 2 == 0 || (injected && options.scale > 1);
        seen.json(&serde_json::json!({
            "ts": ts(observed), "target": target.id, "actor": "eng-ws-01", "what": what,
            "change_ref": if recorded { Some(id.clone()) } else { None }, "source": "controller audit log",
        }))?;
        deployments.push((target.id.as_str(), deployed));
        // Not approved, approved after the change, an emergency approved past its window.
        if injected {
            run.expect(
                "cm-observed-changes-ticketed",
                vec![target.id.clone(), ts(observed), what.to_string()],
            );
        }
    }
    if inject {
        // An online edit no ticket covers: two days clear of any deployment on its target, on
        // the first component in scope that has such a day (at a large --scale the first ones
        // may have deployments every other day).
        let near = |target: &Target, at: i64| {
            deployments
                .iter()
                .any(|(t, d)| *t == target.id && (d - at).abs() < 2 * DAY)
        };
        let clear = inside.iter().find_map(|target| {
            let mut at = start + 3 * DAY + 7 * HOUR + 13 * MINUTE;
            while near(target, at) && at < end - DAY {
                at += DAY;
            }
            (!near(target, at)).then_some((*target, at))
        });
        if let Some((target, at)) = clear {
            seen.json(&serde_json::json!({
                "ts": ts(at), "target": target.id, "actor": "eng-ws-03", "what": "online edit",
                "change_ref": null, "source": "controller audit log",
            }))?;
            run.expect(
                "cm-observed-changes-ticketed",
                vec![target.id.clone(), ts(at), "online edit".to_string()],
            );
        }
    }
    if let Some(out) = outside {
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
        seen.json(&serde_json::json!({
            "ts": ts(start + 2 * DAY), "target": out.id, "actor": "eng-ws-09", "what": "online edit",
            "change_ref": null, "source": "controller audit log",
        }))?;
    }
    run.w.close(chg)?;
    run.w.close(seen)?;
    Ok(())
}
