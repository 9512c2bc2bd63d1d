//! Scale-out on Apache DataFusion Ballista: the same tests, unchanged, on a cluster.
//!
//! One binary, three roles. [`run_scheduler`] and [`run_executor`] embed Ballista's scheduler
//! and executor with fieldproof's session settings ([`crate::engine::session_config`]), so an
//! operator deploys the `fieldproof` binary everywhere and the executors run the plans exactly
//! as the local engine would. A test run with a cluster URL ([`crate::engine::Setup::cluster`])
//! plans each query where it runs, sends it to the scheduler and streams the result back:
//! exception files, hashes and the ledger are written by the process that ran `fieldproof test`,
//! as in a local run.
//!
//! Every process of the cluster reads the Parquet parts at the paths the workspace gives them
//! (a shared file system mounted at the same path everywhere), or, when the run names a bucket
//! ([`crate::engine::Setup::cluster_parts`]), their copies in S3-compatible object storage
//! ([`crate::parts_store`]): every role reads `s3://` URLs with a client built from its own
//! environment. docs/scale-out.md says how to lay that out, how to size it and what an auditor
//! sees.

use crate::{AnalyticsError, Result};
use ballista_core::config::TaskSchedulingPolicy;
use ballista_core::extension::SessionConfigExt;
use ballista_executor::executor_process::{start_executor_process, ExecutorProcessConfig};
use ballista_scheduler::cluster::BallistaCluster;
use ballista_scheduler::config::SchedulerConfig;
use ballista_scheduler::scheduler_process::start_server;
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::datasource::memory::MemorySourceConfig;
use datafusion::execution::runtime_env::{RuntimeEnv, RuntimeEnvBuilder};
use datafusion::execution::SessionStateBuilder;
use datafusion::physical_plan::empty::EmptyExec;
use datafusion::physical_plan::ExecutionPlan;
use datafusion::prelude::{SessionConfig, SessionContext};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// The Ballista version embedded, recorded with every run on a cluster.
pub const BALLISTA_VERSION: &str = ballista_core::BALLISTA_VERSION;

/// How the scheduler role runs.
#[derive(Debug, Clone)]
pub struct SchedulerOptions {
    /// Where it listens for executors and clients (gRPC).
    pub bind: SocketAddr,
    /// The host name executors and clients reach it by, when not the bind address.
    pub external_host: Option<String>,
    /// After how long without a poll an executor is taken as lost and its tasks rerun; more
    /// than [`EXECUTOR_POLL`], which is how often a busy executor polls.
    pub executor_timeout: Duration,
}

/// How an executor role runs.
#[derive(Debug, Clone)]
pub struct ExecutorOptions {
    /// The scheduler, `df://HOST:PORT`.
    pub scheduler: String,
    /// Where it serves shuffle data (Arrow Flight) to other executors and clients.
    pub bind: SocketAddr,
    /// The host name other executors fetch shuffle data from, when not the bind address.
    pub external_host: Option<String>,
    /// Tasks run at once (default: the cores).
    pub vcores: usize,
    /// Memory the executor's tasks may use before spilling, in bytes (shared by its tasks).
    pub memory_limit: Option<u64>,
    /// Where shuffle files and spills go.
    pub work_dir: PathBuf,
}

/// How often a busy executor polls the scheduler at the least (Ballista's pull loop polls
/// every 50 ms when idle and at least every 5 s when all its task slots are busy); the poll is
/// its heartbeat, so an executor timeout must be longer.
pub const EXECUTOR_POLL: Duration = Duration::from_secs(5);

/// Splits `df://HOST:PORT` (or `HOST:PORT`) into its host and port.
pub fn parse_url(url: &str) -> Result<(String, u16)> {
    let url = fieldproof_core::cluster::ClusterUrl::parse(url).map_err(AnalyticsError::Input)?;
    Ok((url.host, url.port))
}

/// Fails with a message naming the URL unless the scheduler accepts a connection within a few
/// seconds: a run on an unreachable cluster stops before it plans anything.
pub async fn check_reachable(url: &str) -> Result<()> {
    let (host, port) = parse_url(url)?;
    let connect = tokio::net::TcpStream::connect((host.as_str(), port));
    match tokio::time::timeout(Duration::from_secs(5), connect).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(AnalyticsError::Input(format!(
            "cannot reach the cluster scheduler at {url}: {e}; start it with `fieldproof cluster scheduler --bind {host}:{port}` or give the right --cluster URL"
        ))),
        Err(_) => Err(AnalyticsError::Input(format!(
            "cannot reach the cluster scheduler at {url}: no answer in 5 s; check the address and that no firewall drops the port"
        ))),
    }
}

/// A session whose queries run on the cluster at `url`, with fieldproof's settings.
pub async fn remote_context(
    url: &str,
    config: SessionConfig,
    runtime: Arc<RuntimeEnv>,
) -> Result<SessionContext> {
    check_reachable(url).await?;
    let (host, port) = parse_url(url)?;
    let state = SessionStateBuilder::new()
        .with_config(ballista_config(config))
        .with_runtime_env(runtime)
        .with_default_features()
        .build();
    use ballista::extension::SessionContextExt;
    Ok(SessionContext::remote_with_state(&format!("df://{host}:{port}"), state).await?)
}

/// fieldproof's session settings with Ballista's, on every role and every run, with two of
/// Ballista's defaults put back to the local engine's:
///
/// - the adaptive planner is off: with it, Ballista 55 re-plans stages from runtime statistics,
///   and tasks of one stage can report different operator trees, which its scheduler rejects
///   ("task metrics array size 9 does not equal with the stage metrics array size 8"), leaving
///   the job waiting forever. The static planner gives every task the stage's plan;
/// - joins are hash joins, as in the local engine. Ballista prefers sort-merge joins, which
///   spill, but DataFusion 55's sort-merge join panics on an outer join with a non-equality
///   condition (`fw-canary-first`: "index out of bounds" in `sort_merge_join/filter.rs`);
/// - no join collects one side whole (`CollectLeft`): Ballista plans one for a small side, and
///   a semi, anti or outer join that emits rows of its collected side then emits none on the
///   cluster (`cm-approved-before-deploy` found 2 of its 5 exceptions). Partitioned joins give
///   the local engine's rows.
fn ballista_config(config: SessionConfig) -> SessionConfig {
    config
        .upgrade_for_ballista()
        .set_bool(
            ballista_core::config::BALLISTA_ADAPTIVE_PLANNER_ENABLED,
            false,
        )
        .set_bool("datafusion.optimizer.prefer_hash_join", true)
        .set_u64(
            "datafusion.optimizer.hash_join_single_partition_threshold",
            0,
        )
        .set_u64(
            "datafusion.optimizer.hash_join_single_partition_threshold_rows",
            0,
        )
}

fn config_producer() -> ballista_core::ConfigProducer {
    Arc::new(|| ballista_config(crate::engine::session_config(1)))
}

/// Replaces every `EmptyExec` of a plan with an in-memory source of as many empty partitions.
///
/// Ballista 55 gives each task of a stage its own copy of the stage's plan, in which an
/// `EmptyExec` outside the task's partitions becomes an empty in-memory source. The two report a
/// different number of metric sets (an `EmptyExec` has none), and the scheduler rejects the
/// task's status ("task metrics array size 5 does not equal with the stage metrics array size
/// 4"), so a job over an empty dataset or helper table never ends. Planning the empty source
/// from the start gives every task the same operators. The rows are the same: none.
#[derive(Debug)]
struct NoEmptyExec;

impl datafusion::physical_optimizer::PhysicalOptimizerRule for NoEmptyExec {
    fn optimize(
        &self,
        plan: Arc<dyn ExecutionPlan>,
        _config: &datafusion::config::ConfigOptions,
    ) -> datafusion::error::Result<Arc<dyn ExecutionPlan>> {
        plan.transform_up(|node| {
            let Some(empty) = node.downcast_ref::<EmptyExec>() else {
                return Ok(Transformed::no(node));
            };
            let partitions = empty.properties().output_partitioning().partition_count();
            let source: Arc<dyn ExecutionPlan> = MemorySourceConfig::try_new_exec(
                &vec![Vec::new(); partitions.max(1)],
                empty.schema(),
                None,
            )?;
            Ok(Transformed::yes(source))
        })
        .map(|t| t.data)
    }

    fn name(&self) -> &str {
        "fieldproof_no_empty_exec"
    }

    fn schema_check(&self) -> bool {
        true
    }
}

/// The scheduler's sessions: Ballista's, with [`NoEmptyExec`] as the last physical rule and
/// the process's object stores (the scheduler lists the parts and reads their footers to plan).
fn session_builder() -> ballista_scheduler::SessionBuilder {
    Arc::new(|config: SessionConfig| {
        let state = ballista_core::utils::default_session_builder(config)?;
        let runtime = RuntimeEnvBuilder::new()
            .with_object_store_registry(crate::parts_store::stores())
            .build_arc()?;
        Ok(SessionStateBuilder::new_from_existing(state)
            .with_runtime_env(runtime)
            .with_physical_optimizer_rule(Arc::new(NoEmptyExec))
            .build())
    })
}

/// The executor's task runtimes: spills in its work directory, and the process's object stores.
fn runtime_producer(work_dir: PathBuf) -> ballista_core::RuntimeProducer {
    Arc::new(move |_config: &SessionConfig| {
        RuntimeEnvBuilder::new()
            .with_temp_file_path(work_dir.clone())
            .with_object_store_registry(crate::parts_store::stores())
            .build_arc()
    })
}

fn ballista(e: ballista_core::error::BallistaError) -> AnalyticsError {
    AnalyticsError::Engine(format!("cluster: {e}"))
}

/// Runs the scheduler until the process is stopped.
pub async fn run_scheduler(options: SchedulerOptions) -> Result<()> {
    let timeout = options.executor_timeout.as_secs().max(1);
    let config = SchedulerConfig {
        bind_host: options.bind.ip().to_string(),
        bind_port: options.bind.port(),
        external_host: options
            .external_host
            .clone()
            .unwrap_or_else(|| options.bind.ip().to_string()),
        executor_timeout_seconds: timeout,
        no_executors_grace_period_seconds: timeout,
        expire_dead_executor_interval_seconds: (timeout / 4).clamp(1, 15),
        scheduling_policy: TaskSchedulingPolicy::PullStaged,
        override_config_producer: Some(config_producer()),
        override_session_builder: Some(session_builder()),
        ..Default::default()
    };
    let cluster = BallistaCluster::new_from_config(&config)
        .await
        .map_err(ballista)?;
    start_server(cluster, options.bind, Arc::new(config))
        .await
        .map_err(ballista)
}

/// Runs an executor until the process is stopped or it loses the scheduler.
pub async fn run_executor(options: ExecutorOptions) -> Result<()> {
    let (scheduler_host, scheduler_port) = parse_url(&options.scheduler)?;
    std::fs::create_dir_all(&options.work_dir).map_err(crate::io(&options.work_dir))?;
    let config = ExecutorProcessConfig {
        bind_host: options.bind.ip().to_string(),
        external_host: options.external_host.clone(),
        port: options.bind.port(),
        scheduler_host,
        scheduler_port,
        scheduler_connect_timeout_seconds: 10,
        vcores: options.vcores.max(1),
        work_dir: Some(options.work_dir.to_string_lossy().into_owned()),
        memory_pool_size: options.memory_limit,
        task_scheduling_policy: TaskSchedulingPolicy::PullStaged,
        override_config_producer: Some(config_producer()),
        override_runtime_producer: Some(runtime_producer(options.work_dir.clone())),
        ..Default::default()
    };
    start_executor_process(Arc::new(config))
        .await
        .map_err(ballista)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_unreachable_scheduler_is_named() {
        // A port nothing listens on: bind one, then free it.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("port")
            .port();
        let url = format!("df://127.0.0.1:{port}");
        let e = check_reachable(&url)
            .await
            .expect_err("nothing listens")
            .to_string();
        assert!(e.contains(&url) && e.contains("cannot reach"), "{e}");
    }
}
