//! Grows the ledger of an existing workspace to N entries, for the ledger benchmark
//! (`scripts/bench-ledger`): attestations with distinct text for control FP-BR-01 in engagement
//! ENGAGEMENT (which must exist), appended one by one through the application layer exactly as `evidence add --attest` appends them
//! (signed, indexed, checkpointed), in one process so that setting up 100,000 entries takes
//! minutes instead of hours. Usage: `grow_ledger WORKSPACE_DIR N ENGAGEMENT`.

use fieldproof_app::evidence::{AddContent, AddRequest};
use fieldproof_app::{App, Config};
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(dir), Some(n), Some(engagement)) = (args.next(), args.next(), args.next()) else {
        return Err("usage: grow_ledger WORKSPACE_DIR N ENGAGEMENT".into());
    };
    let target: i64 = n.parse()?;
    let app = App::new(Config {
        cwd: std::env::current_dir()?,
        workspace: Some(PathBuf::from(dir)),
        actor: Some("bench".into()),
        ..Config::default()
    });
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let ws = app.open().await?;
        let mut head = ws.store.head().await?.map_or(0, |h| h.seq);
        let started = std::time::Instant::now();
        while head < target {
            let request = AddRequest {
                content: AddContent::Attestation(format!("bench attestation {head}")),
                controls: vec!["FP-BR-01".into()],
                request: None,
                population: false,
                engagement: Some(engagement.clone()),
                covers: None,
                source: None,
                note: None,
                supersedes: None,
            };
            app.evidence_add_in(&ws, &request).await?;
            head += 1;
            if head % 10_000 == 0 {
                eprintln!("{head} entries ({:.0} s)", started.elapsed().as_secs_f64());
            }
        }
        ws.close().await;
        Ok::<(), Box<dyn std::error::Error>>(())
    })
}
