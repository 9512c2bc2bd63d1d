//! The cluster roles: a Ballista scheduler and executor embedded in the fieldproof binary
//! (docs/scale-out.md). Test runs reach a cluster through [`crate::analytics::TestRequest`].

use crate::{App, AppError, Result};
use fieldproof_core::input::{Field, FieldError};
use std::net::SocketAddr;
use std::path::PathBuf;

/// `fieldproof cluster scheduler` as a user asks for it.
#[derive(Debug, Clone)]
pub struct SchedulerRequest {
    /// `HOST:PORT` to listen on (gRPC, for executors and clients).
    pub bind: String,
    /// The name executors and clients reach it by, when not the bind address.
    pub external_host: Option<String>,
    /// Seconds without a poll after which an executor is lost and its tasks rerun.
    pub executor_timeout_secs: u64,
}

/// `fieldproof cluster executor` as a user asks for it.
#[derive(Debug, Clone)]
pub struct ExecutorRequest {
    /// The scheduler, `df://HOST:PORT`.
    pub scheduler: String,
    /// `HOST:PORT` for shuffle data (Arrow Flight).
    pub bind: String,
    /// The name other executors fetch shuffle data from, when not the bind address.
    pub external_host: Option<String>,
    /// Tasks run at once (default: the cores).
    pub vcores: Option<usize>,
    /// Memory its tasks may use before spilling, in MiB (default: Ballista's share of the host).
    pub memory_mb: Option<u64>,
    /// Shuffle files and spills.
    pub work_dir: PathBuf,
}

/// The shortest executor timeout: twice the longest gap between a busy executor's polls
/// (Ballista's pull loop polls at least every 5 s), so a busy executor is never taken as lost.
pub const MIN_EXECUTOR_TIMEOUT_SECS: u64 = 10;

fn bind_address(field: Field, value: &str) -> Result<SocketAddr> {
    value.parse().map_err(|_| {
        FieldError::value(
            field,
            value,
            "write IP:PORT, for example 127.0.0.1:50050 (a loopback address unless other hosts must connect)",
        )
        .into()
    })
}

fn scheduler_url(value: &str) -> Result<String> {
    fieldproof_core::cluster::ClusterUrl::parse(value)
        .map(|u| u.to_string())
        .map_err(|e| FieldError::value(Field::Cluster, value, e).into())
}

impl App {
    /// Runs the scheduler role until the process is stopped; `starting` hears the address once
    /// the request is valid.
    pub async fn cluster_scheduler(
        &self,
        request: &SchedulerRequest,
        starting: impl FnOnce(SocketAddr),
    ) -> Result<()> {
        let bind = bind_address(Field::Bind, &request.bind)?;
        if request.executor_timeout_secs < MIN_EXECUTOR_TIMEOUT_SECS {
            return Err(FieldError::value(
                Field::ExecutorTimeout,
                request.executor_timeout_secs.to_string(),
                format!(
                    "give at least {MIN_EXECUTOR_TIMEOUT_SECS} seconds: a busy executor polls the scheduler every 5 s, and a shorter timeout would take it as lost"
                ),
            )
            .into());
        }
        starting(bind);
        run_scheduler(bind, request).await
    }

    /// Runs an executor role until the process is stopped; `starting` hears its address and the
    /// scheduler's once the request is valid.
    pub async fn cluster_executor(
        &self,
        request: &ExecutorRequest,
        starting: impl FnOnce(SocketAddr, &str),
    ) -> Result<()> {
        let bind = bind_address(Field::Bind, &request.bind)?;
        let scheduler = scheduler_url(&request.scheduler)?;
        let work_dir = self.path(&request.work_dir);
        starting(bind, &scheduler);
        run_executor(bind, scheduler, work_dir, request).await
    }
}

#[cfg(feature = "cluster")]
async fn run_scheduler(bind: SocketAddr, request: &SchedulerRequest) -> Result<()> {
    tracing::info!(%bind, "cluster scheduler starting");
    fieldproof_analytics::cluster::run_scheduler(fieldproof_analytics::cluster::SchedulerOptions {
        bind,
        external_host: request.external_host.clone(),
        executor_timeout: std::time::Duration::from_secs(request.executor_timeout_secs),
    })
    .await
    .map_err(AppError::from)
}

#[cfg(feature = "cluster")]
async fn run_executor(
    bind: SocketAddr,
    scheduler: String,
    work_dir: PathBuf,
    request: &ExecutorRequest,
) -> Result<()> {
    tracing::info!(%bind, %scheduler, "cluster executor starting");
    fieldproof_analytics::cluster::run_executor(fieldproof_analytics::cluster::ExecutorOptions {
        scheduler,
        bind,
        external_host: request.external_host.clone(),
        vcores: request
            .vcores
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get())),
        memory_limit: request.memory_mb.map(|mb| mb << 20),
        work_dir,
    })
    .await
    .map_err(AppError::from)
}

#[cfg(not(feature = "cluster"))]
fn without_cluster() -> AppError {
    AppError::Input(
        "this fieldproof was built without the `cluster` feature; build it with `cargo build --release --features cluster` (docs/scale-out.md)".to_string(),
    )
}

#[cfg(not(feature = "cluster"))]
async fn run_scheduler(_bind: SocketAddr, _request: &SchedulerRequest) -> Result<()> {
    Err(without_cluster())
}

#[cfg(not(feature = "cluster"))]
async fn run_executor(
    _bind: SocketAddr,
    _scheduler: String,
    _work_dir: PathBuf,
    _request: &ExecutorRequest,
) -> Result<()> {
    Err(without_cluster())
}
