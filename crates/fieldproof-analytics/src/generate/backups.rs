//! Backups and restore tests.

use super::{Ctx, Run, DAY, HOUR};
use crate::timestamp::format as ts;
use crate::Result;

/// Writes the family's datasets.
pub(super) fn write(ctx: &Ctx, run: &mut Run) -> Result<()> {
    let start = ctx.start;
    let end = ctx.end;
    let inject = ctx.inject;
    let inside = &ctx.inside;
    // What each component is backed up as: its OT backup (`Kind::ot_backup`, what the tests
    // expect), else a database.
    let backup_kind = |kind: &str| {
        fieldproof_core::Kind::parse(kind)
            .and_then(fieldproof_core::Kind::ot_backup)
            .unwrap_or("database")
    };
    let mut bak = run
        .w
        .open("backups", Some(&["target", "kind", "ts", "success"]))?;
    let mut res = run
        .w
        .open("restore_tests", Some(&["target", "kind", "ts", "success"]))?;
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
            run.expect(
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
                            run.expect(
                                "br-backups-on-schedule",
                                vec![target.id.clone(), kind.to_string(), ts(last)],
                            );
                        }
                    }
                    skipped += 1;
                } else {
                    // Now and then a failed run, retried the next day (clean).
                    if run.rng.below(20) == 0 {
                        bak.csv(&[
                            target.id.clone(),
                            kind.to_string(),
                            ts(at - HOUR),
                            "false".into(),
                        ])?;
                    }
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
            res.csv(&[
                target.id.clone(),
                restored_kind.to_string(),
                ts(at),
                (!failed_restore).to_string(),
            ])?;
            at += 120 * DAY;
        }
        if failed_restore || restored_kind != kind {
            run.expect(
                "br-restore-tested",
                vec![target.id.clone(), kind.to_string(), String::new()],
            );
        }
    }
    run.w.close(bak)?;
    run.w.close(res)?;
    Ok(())
}
