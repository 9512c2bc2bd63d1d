//! Incidents and when they were ticketed.

use super::{Ctx, Run, DAY, HOUR, MINUTE};
use crate::timestamp::format as ts;
use crate::Result;

/// Writes the family's datasets.
pub(super) fn write(ctx: &Ctx, run: &mut Run) -> Result<()> {
    let start = ctx.start;
    let end = ctx.end;
    let inject = ctx.inject;
    let options = ctx.options;
    let mut inc = run.w.open("incidents", None)?;
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
            run.expect("ir-ticketed-within-sla", vec![id.clone()]);
        }
        inc.json(&serde_json::json!({
            "incident_id": id, "severity": severities[s], "detected_at": ts(detected),
            "ticketed_at": ticketed.map(ts), "resolved_at": ts(detected + 3 * DAY), "runbook_ref": runbook,
        }))?;
    }
    run.w.close(inc)?;
    Ok(())
}
