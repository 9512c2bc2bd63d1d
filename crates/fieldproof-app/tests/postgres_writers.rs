//! Several server processes writing one PostgreSQL workspace at once: 8 writers in 2 processes
//! (this test binary run twice more as children) add evidence through the application layer;
//! afterwards every add is in the ledger, numbered without gaps, and the workspace verifies.

use fieldproof_app::evidence::{AddContent, AddRequest, VerifyRequest};
use fieldproof_app::{App, Config};
use fieldproof_store_postgres::testing::TestCluster;
use std::path::{Path, PathBuf};
use std::process::Command;

const PROCESSES: usize = 2;
const WRITERS_PER_PROCESS: usize = 4;
const ADDS_PER_WRITER: usize = 10;

fn app(workspace: &Path, store: &str, actor: &str) -> App {
    App::new(Config {
        cwd: workspace.to_path_buf(),
        workspace: Some(workspace.to_path_buf()),
        store: Some(store.to_string()),
        actor: Some(actor.to_string()),
        ..Config::default()
    })
}

/// One child process: its writers add evidence concurrently. Run only by the parent test
/// (which sets the environment), hence ignored.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "a child process of eight_writers_in_two_processes_append_without_gaps"]
async fn writer_process() {
    let workspace = PathBuf::from(std::env::var("FIELDPROOF_WRITER_WORKSPACE").expect("workspace"));
    let store = std::env::var("FIELDPROOF_WRITER_STORE").expect("store");
    let process = std::env::var("FIELDPROOF_WRITER_PROCESS").expect("process");
    let writers: Vec<_> = (0..WRITERS_PER_PROCESS)
        .map(|writer| {
            let (workspace, store, process) = (workspace.clone(), store.clone(), process.clone());
            tokio::spawn(async move {
                let actor = format!("p{process}-w{writer}");
                let app = app(&workspace, &store, &actor);
                for i in 0..ADDS_PER_WRITER {
                    let file = workspace.join(format!("{actor}-{i}.txt"));
                    std::fs::write(&file, format!("evidence {actor} {i}\n")).expect("write");
                    app.evidence_add(&AddRequest::new(
                        AddContent::Files(vec![file]),
                        &["FP-BR-01"],
                    ))
                    .await
                    .expect("evidence add");
                }
            })
        })
        .collect();
    for writer in writers {
        writer.await.expect("writer");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_writers_in_two_processes_append_without_gaps() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = format!("{}?workspace=writers", TestCluster::shared().database());
    let owner = app(dir.path(), &store, "owner");
    owner.init(dir.path()).await.expect("init");
    let children: Vec<_> = (0..PROCESSES)
        .map(|process| {
            Command::new(std::env::current_exe().expect("test binary"))
                .args(["writer_process", "--exact", "--ignored", "--nocapture"])
                .env("FIELDPROOF_WRITER_WORKSPACE", dir.path())
                .env("FIELDPROOF_WRITER_STORE", &store)
                .env("FIELDPROOF_WRITER_PROCESS", process.to_string())
                .spawn()
                .expect("a writer process")
        })
        .collect();
    for mut child in children {
        assert!(child.wait().expect("writer process").success());
    }
    let log = owner.evidence_log(None).await.expect("log");
    let expected = PROCESSES * WRITERS_PER_PROCESS * ADDS_PER_WRITER;
    let head = owner.head().await.expect("head").expect("a head");
    assert_eq!(head.seq as usize, 1 + expected, "genesis and every add");
    assert_eq!(log.entries.len(), 1 + expected);
    for (i, entry) in log.entries.iter().enumerate() {
        assert_eq!(entry.seq as usize, i + 1, "no gaps");
    }
    let verification = owner
        .verify(&VerifyRequest::default())
        .await
        .expect("verify");
    assert!(verification.ok, "{:?}", verification.problems);
    assert_eq!(verification.entries, 1 + expected);
}
