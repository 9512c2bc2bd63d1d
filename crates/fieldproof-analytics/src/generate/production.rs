//! Production counts and the ERP postings they should match.

use super::{Ctx, Run, DAY, HOUR, MINUTE};
use crate::timestamp::format as ts;
use crate::Result;

/// Writes the family's datasets.
pub(super) fn write(ctx: &Ctx, run: &mut Run) -> Result<()> {
    let start = ctx.start;
    let end = ctx.end;
    let inject = ctx.inject;
    let options = ctx.options;
    let mut prod = run.w.open("production_counts", None)?;
    let mut post = run.w.open("erp_postings", None)?;
    let batches = i64::from(options.days) * 3 * i64::from(options.scale);
    // A batch produced before the period, posted in it (clean).
    prod.json(&serde_json::json!({"batch_id": "B-PRIOR", "site": "site-1", "line": "line-1", "product": "P-1", "quantity": 1000.0, "unit": "kg", "ts": ts(start - 2 * HOUR)}))?;
    post.json(&serde_json::json!({"batch_id": "B-PRIOR", "product": "P-1", "quantity": 1000.0, "unit": "kg", "posted_at": ts(start + HOUR)}))?;
    for b in 0..batches {
        let id = format!("B-{:07}", b + 1);
        // At a large --scale batches come minutes apart: they stop four hours before the end so
        // that no clean batch is posted after it (the last one is the injected cut-off).
        let span = if options.scale > 1 {
            end - start - 4 * HOUR
        } else {
            end - start
        };
        let at = start + (b * span) / batches + run.rng.range(0, HOUR);
        let quantity = 1000.0 + run.rng.below(9000) as f64;
        let product = format!("P-{}", b % 7 + 1);
        prod.json(&serde_json::json!({"batch_id": id, "site": "site-1", "line": format!("line-{}", b % 4 + 1), "product": product, "quantity": quantity, "unit": "kg", "ts": ts(at)}))?;
        let mut posting = |product: &str, quantity: f64, unit: &str, posted: i64| -> Result<()> {
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
                run.expect("pi-batches-posted", vec![id.clone()]);
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
        post.json(&serde_json::json!({"batch_id": "B-GHOST", "product": "P-1", "quantity": 500.0, "unit": "kg", "posted_at": ts(at)}))?;
        run.expect(
            "pi-postings-have-batches",
            vec!["B-GHOST".to_string(), ts(at)],
        );
    }
    run.w.close(prod)?;
    run.w.close(post)?;
    Ok(())
}
