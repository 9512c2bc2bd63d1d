//! A throw-away PostgreSQL cluster for tests: `initdb` in a temporary directory, `pg_ctl` on a
//! free loopback port, a database per test, and the cluster stopped and removed when the test
//! process ends. Debian's `postgresql` package provides the programs (`scripts/test` installs it
//! when missing); a missing server fails the test with what to do, it never skips.
//!
//! `FIELDPROOF_TEST_POSTGRES=postgres://USER@HOST:PORT` uses a running server instead (the
//! account must be allowed to create databases and roles).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;

/// A running cluster.
#[derive(Debug)]
pub struct TestCluster {
    /// `postgres://USER@HOST:PORT` (no database).
    pub server: String,
    /// The data directory, when this process started the cluster.
    pub dir: Option<PathBuf>,
}

static CLUSTER: OnceLock<Result<TestCluster, String>> = OnceLock::new();
static DATABASES: AtomicU32 = AtomicU32::new(0);

/// The superuser the cluster is initialised with.
pub const SUPERUSER: &str = "fieldproof";

impl TestCluster {
    /// The cluster of this test process, started on first use. Panics, saying what to install,
    /// when PostgreSQL cannot be started.
    pub fn shared() -> &'static TestCluster {
        match CLUSTER.get_or_init(start) {
            Ok(cluster) => cluster,
            Err(message) => panic!("{message}"),
        }
    }

    /// A new, empty database in the cluster; returns its URL (`postgres://.../NAME`).
    pub fn database(&self) -> String {
        let name = format!(
            "fieldproof_test_{}_{}",
            std::process::id(),
            DATABASES.fetch_add(1, Ordering::SeqCst)
        );
        self.psql("postgres", &format!("CREATE DATABASE {name}"));
        format!("{}/{name}", self.server)
    }

    /// Runs `sql` in `database` as the superuser; panics with psql's message on failure.
    pub fn psql(&self, database: &str, sql: &str) -> String {
        let output = Command::new(bin("psql").unwrap_or_else(|e| panic!("{e}")))
            .arg(format!("{}/{database}", self.server))
            .args(["-v", "ON_ERROR_STOP=1", "-X", "-q", "-A", "-t", "-c", sql])
            .output()
            .unwrap_or_else(|e| panic!("running psql: {e}"));
        assert!(
            output.status.success(),
            "psql {sql}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).trim().to_string()
    }
}

/// Where Debian puts a PostgreSQL program (`/usr/lib/postgresql/VERSION/bin`, newest version),
/// else the `PATH`.
pub fn bin(name: &str) -> Result<PathBuf, String> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse::<u32>().ok()?;
            let path = e.path().join("bin").join(name);
            path.is_file().then_some((version, path))
        })
        .collect();
    versions.sort();
    if let Some((_, path)) = versions.pop() {
        return Ok(path);
    }
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(name))
            .find(|p| p.is_file())
    });
    found.ok_or_else(|| {
        format!(
            "PostgreSQL's {name} is not installed: run scripts/test, which installs Debian's postgresql package, or `apt-get install postgresql` (or set FIELDPROOF_TEST_POSTGRES to a running server)"
        )
    })
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// A command run as the `postgres` account when we are root (PostgreSQL refuses to run as root).
fn as_server_user(program: &Path, root: bool) -> Command {
    if root {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(program);
        command
    } else {
        Command::new(program)
    }
}

fn run(mut command: Command, what: &str) -> Result<(), String> {
    let output = command
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("{what}: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{what} failed: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

fn free_port() -> Result<u16, String> {
    std::net::TcpListener::bind(("127.0.0.1", 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("finding a free port: {e}"))
}

fn start() -> Result<TestCluster, String> {
    if let Ok(server) = std::env::var("FIELDPROOF_TEST_POSTGRES") {
        return Ok(TestCluster {
            server: server.trim_end_matches('/').to_string(),
            dir: None,
        });
    }
    let initdb = bin("initdb")?;
    let pg_ctl = bin("pg_ctl")?;
    bin("psql")?;
    let root = is_root();
    let dir = std::env::temp_dir().join(format!(
        "fieldproof-pg-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    ));
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    if root {
        let mut chown = Command::new("chown");
        chown.arg("postgres:postgres").arg(&dir);
        run(
            chown,
            "giving the cluster directory to the postgres account",
        )?;
    }
    let data = dir.join("data");
    let mut init = as_server_user(&initdb, root);
    init.arg("-D").arg(&data).args([
        "-U",
        SUPERUSER,
        "-A",
        "trust",
        "-E",
        "UTF8",
        "--locale=C.UTF-8",
        "--no-sync",
    ]);
    run(init, "initdb")?;
    // A watchdog stops the cluster and removes its directory once this test process is gone.
    let watchdog = format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 1; done; {stop}; rm -rf '{dir}'",
        pid = std::process::id(),
        stop = if root {
            format!(
                "runuser -u postgres -- '{}' -D '{}' stop -m immediate > /dev/null 2>&1",
                pg_ctl.display(),
                data.display()
            )
        } else {
            format!(
                "'{}' -D '{}' stop -m immediate > /dev/null 2>&1",
                pg_ctl.display(),
                data.display()
            )
        },
        dir = dir.display(),
    );
    let mut last = String::new();
    for _ in 0..5 {
        let port = free_port()?;
        let mut ctl = as_server_user(&pg_ctl, root);
        ctl.arg("-D")
            .arg(&data)
            .arg("-l")
            .arg(dir.join("server.log"))
            .args(["-w", "-t", "60", "-o"])
            .arg(format!(
                "-h 127.0.0.1 -p {port} -k {} -F -c max_connections=300 -c shared_buffers=64MB",
                dir.display()
            ))
            .arg("start");
        match run(ctl, "pg_ctl start") {
            Ok(()) => {
                Command::new("sh")
                    .args(["-c", &watchdog])
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                    .map_err(|e| format!("starting the cluster's watchdog: {e}"))?;
                return Ok(TestCluster {
                    server: format!("postgres://{SUPERUSER}@127.0.0.1:{port}"),
                    dir: Some(dir),
                });
            }
            Err(e) => last = e,
        }
    }
    let log = std::fs::read_to_string(dir.join("server.log")).unwrap_or_default();
    Err(format!("PostgreSQL did not start: {last}\n{log}"))
}
