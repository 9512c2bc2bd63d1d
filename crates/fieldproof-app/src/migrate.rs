//! Moving a workspace between stores: `store migrate --from sqlite:PATH --to postgres://...`
//! (and back), and the SQLite copy `backup` writes of a workspace kept in PostgreSQL.
//!
//! The copy goes through the storage traits ([`Snapshot`]), so every backend pair works the
//! same way: estate, change log (with its numbers), catalogs, engagements, statuses and the
//! ledger entry for entry; the evidence index is rebuilt from the copied ledger. The keys,
//! blobs and checkpoint stay where they are, in the workspace directory, so the ledger is
//! verified against the same checkpoint before and after.

use crate::contract::{StoreMigration, StoreTotals};
use crate::workspace::{create_store, open_store, StoreUrl, Workspace};
use crate::{App, AppError, Result};
use fieldproof_evidence::{verify_workspace, Verification, VerifyOptions};
use fieldproof_store::{Snapshot, StoreError};

fn totals(snapshot: &Snapshot) -> StoreTotals {
    StoreTotals {
        components: snapshot.estate.components.len(),
        change_sets: snapshot.change_log.len(),
        catalogs: snapshot.catalogs.len(),
        engagements: snapshot.engagements.len(),
        control_statuses: snapshot
            .statuses
            .iter()
            .map(|(_, plan)| plan.statuses.len() + plan.pins.len())
            .sum(),
        ledger_entries: snapshot.ledger.len(),
    }
}

impl App {
    /// Copies everything in the open workspace `ws` into the store at `target`, which must be
    /// new or empty, and rebuilds its evidence index. Returns what was copied.
    pub(crate) async fn copy_store(
        &self,
        ws: &Workspace,
        target: &StoreUrl,
    ) -> Result<StoreTotals> {
        let snapshot = Snapshot::of(ws.store.as_ref()).await?;
        let store = match open_store(target).await {
            Ok(store) => store,
            Err(AppError::Store(StoreError::NotInitialised { .. })) => {
                create_store(target, &snapshot.created_at, &snapshot.created_by).await?
            }
            Err(e) => return Err(e),
        };
        let copy = Workspace::parts(ws.dir.clone(), store, target.clone(), None);
        let result = async {
            copy.store.restore(&snapshot).await?;
            copy.ledger().catch_up_index().await?;
            Ok(totals(&snapshot))
        }
        .await;
        copy.close().await;
        result
    }

    /// `store migrate`: verifies the ledger in `from`, copies the whole workspace into `to`
    /// (new or empty; anything else is refused before a row is written), and verifies the
    /// ledger there against the same keys, blobs and checkpoint.
    pub async fn migrate_store(&self, from: &str, to: &str) -> Result<StoreMigration> {
        let started = std::time::Instant::now();
        let result = self.migrate_store_timed(from, to).await;
        if let Ok(m) = &result {
            tracing::info!(
                from = %m.from,
                to = %m.to,
                ledger_entries = m.copied.ledger_entries,
                ms = started.elapsed().as_millis() as u64,
                "store migrated"
            );
        }
        result
    }

    async fn migrate_store_timed(&self, from: &str, to: &str) -> Result<StoreMigration> {
        let dir = self.workspace_dir()?;
        let from_url = StoreUrl::parse(from, &self.config.cwd)?;
        let to_url = StoreUrl::parse(to, &self.config.cwd)?;
        if from_url == to_url {
            return Err(crate::FieldError::value(
                crate::Field::To,
                to_url.display(),
                "the source and the target both name this store; give the store to copy into",
            )
            .into());
        }
        // A target with data is refused before the source is read (restore checks it again,
        // inside its transaction).
        match open_store(&to_url).await {
            Ok(existing) => {
                // Everything a store holds came with a change set or a ledger entry: two small
                // reads tell, without reading a large target whole.
                let head = existing.head().await;
                let log = existing.change_log(1).await;
                existing.close().await;
                if head?.is_some() || !log?.is_empty() {
                    return Err(StoreError::AlreadyInitialised {
                        location: format!(
                            "{} (it holds data already; copy into a new or empty workspace)",
                            to_url.display()
                        ),
                    }
                    .into());
                }
            }
            Err(AppError::Store(StoreError::NotInitialised { .. })) => {}
            Err(e) => return Err(e),
        }
        let source = self.open_url(dir.clone(), from_url.clone()).await?;
        let result = async {
            let before = self.verify_open(&source).await?;
            if !before.ok {
                return Err(AppError::Input(format!(
                    "the ledger in {} does not verify, so it is not copied: {}",
                    from_url.display(),
                    before.problems.join("; ")
                )));
            }
            let copied = self.copy_store(&source, &to_url).await?;
            let target = self.open_url(dir.clone(), to_url.clone()).await?;
            let after = self.verify_open(&target).await;
            let target_head = target.store.head().await;
            target.close().await;
            let (after, target_head) = (after?, target_head?);
            if !after.ok || target_head != before.head {
                return Err(AppError::Input(format!(
                    "the copy in {} does not verify ({}); the source is unchanged, drop the copy before trying again",
                    to_url.display(),
                    after.problems.join("; ")
                )));
            }
            Ok(StoreMigration {
                from: from_url.display(),
                to: to_url.display(),
                copied,
                head: before.head.clone(),
                verified_before: before.entries,
                verified_after: after.entries,
                use_with: format!("--store '{}' (or FIELDPROOF_STORE)", to_url.display()),
            })
        }
        .await;
        source.close().await;
        result
    }

    async fn verify_open(&self, ws: &Workspace) -> Result<Verification> {
        Ok(verify_workspace(
            ws.store.as_ref(),
            &ws.blobs,
            &ws.keys,
            &ws.checkpoint,
            format!("workspace {} ({})", ws.dir.display(), ws.url.display()),
            &VerifyOptions::default(),
        )
        .await?)
    }
}
