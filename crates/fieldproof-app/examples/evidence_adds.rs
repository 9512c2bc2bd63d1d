//! Evidence add throughput, for `scripts/bench-postgres`: creates a workspace in WORKSPACE_DIR
//! with its store at STORE_URL (`sqlite:PATH` or `postgres://...?workspace=NAME`), opens the
//! store once as the web server does, then runs WRITERS concurrent writers that each add
//! ADDS attestations through the application layer (signed, indexed, checkpointed, exactly as
//! `evidence add --attest` and the web upload append them). Prints one line:
//! `adds seconds adds_per_second p50_ms p99_ms`.
//! Usage: `evidence_adds WORKSPACE_DIR STORE_URL WRITERS ADDS`.

use fieldproof_app::evidence::{AddContent, AddRequest};
use fieldproof_app::workspace::{open_store, StoreUrl};
use fieldproof_app::{App, Config};
use std::path::PathBuf;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [dir, url, writers, adds] = args.as_slice() else {
        return Err("usage: evidence_adds WORKSPACE_DIR STORE_URL WRITERS ADDS".into());
    };
    let (writers, adds): (usize, usize) = (writers.parse()?, adds.parse()?);
    let dir = PathBuf::from(dir);
    let config = |open_store| Config {
        cwd: std::env::current_dir().unwrap_or_default(),
        workspace: Some(dir.clone()),
        store: Some(url.clone()),
        actor: Some("bench".into()),
        open_store,
        ..Config::default()
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async {
        App::new(config(None)).init(&dir).await?;
        let store = open_store(&StoreUrl::parse(url, &dir)?).await?;
        let started = Instant::now();
        let tasks: Vec<_> = (0..writers)
            .map(|writer| {
                let app = App::new(config(Some(store.clone())));
                tokio::spawn(async move {
                    let mut latencies = Vec::with_capacity(adds);
                    for i in 0..adds {
                        let request = AddRequest::new(
                            AddContent::Attestation(format!("writer {writer} add {i}")),
                            &["FP-BR-01"],
                        );
                        let t = Instant::now();
                        app.evidence_add(&request).await?;
                        latencies.push(t.elapsed().as_secs_f64() * 1000.0);
                    }
                    Ok::<_, fieldproof_app::AppError>(latencies)
                })
            })
            .collect();
        let mut latencies = Vec::new();
        for task in tasks {
            latencies.extend(task.await??);
        }
        let seconds = started.elapsed().as_secs_f64();
        latencies.sort_by(f64::total_cmp);
        let at = |q: f64| latencies[((latencies.len() as f64 - 1.0) * q).round() as usize];
        println!(
            "{} {:.2} {:.0} {:.1} {:.1}",
            latencies.len(),
            seconds,
            latencies.len() as f64 / seconds,
            at(0.5),
            at(0.99)
        );
        store.close().await;
        Ok(())
    })
}
