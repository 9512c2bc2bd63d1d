//! `init`, `apply` and `log`: the stored workspace and its change log.

use crate::cli::{ApplyArgs, InitArgs, LogArgs, SummaryFormat};
use crate::context::{self, Context, DATABASE_FILE, WORKSPACE_DIR};
use crate::Outcome;
use anyhow::{Context as _, Result};
use fieldproof_core::diff::Action;
use fieldproof_store::{ChangeMeta, Store};
use fieldproof_store_sqlite::SqliteStore;
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::Path;

pub fn init(context: &Context, args: &InitArgs) -> Result<Outcome> {
    let base = context
        .workspace
        .clone()
        .unwrap_or_else(|| args.dir.clone());
    let dir = base.join(WORKSPACE_DIR);
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let db = dir.join(DATABASE_FILE);
    let genesis = context::runtime()?.block_on(async {
        let store = SqliteStore::create(&db, &context.now, &context.actor).await?;
        let genesis = fieldproof_evidence::initialise(
            &store,
            &fieldproof_evidence::Paths::in_workspace(&dir),
            &context.now,
            &context.actor,
        )
        .await;
        store.close().await;
        anyhow::Ok(genesis?)
    })?;
    let key = fieldproof_evidence::keys::read_public(&dir.join("keys"))?;
    println!("Created a fieldproof workspace at {}", dir.display());
    println!(
        "Evidence ledger started (entry {}); signing key {} (owner-only), public key fingerprint {}",
        genesis.seq,
        dir.join("keys").join(fieldproof_evidence::keys::SECRET_FILE).display(),
        fieldproof_evidence::keys::fingerprint(&key)
    );
    println!(
        "Next: fieldproof apply ESTATE.yaml (run from {} or pass --workspace)",
        base.display()
    );
    Ok(Outcome::Ok)
}

fn sha256_file(path: &Path) -> Result<String> {
    let mut file =
        std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 16];
    loop {
        let n = file
            .read(&mut buffer)
            .with_context(|| format!("cannot read {}", path.display()))?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

pub fn apply(context: &Context, args: &ApplyArgs) -> Result<Outcome> {
    // Validate fully before touching the store: a bad file changes nothing.
    let loaded = context::load_file(&args.estate)?;
    let hashes = loaded
        .files
        .iter()
        .map(|f| sha256_file(f))
        .collect::<Result<Vec<_>>>()?;
    let meta = ChangeMeta {
        at: context.now.clone(),
        actor: context.actor.clone(),
        command: "apply".to_string(),
        source: Some(
            loaded
                .files
                .iter()
                .map(|f| f.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
        ),
        source_sha256: Some(hashes.join(", ")),
    };
    let outcome = context::runtime()?.block_on(async {
        let store = context.open_store().await?;
        let outcome = store.apply_estate(&loaded.estate, &meta).await?;
        store.close().await;
        anyhow::Ok(outcome)
    })?;
    let count = |action| {
        outcome
            .changes
            .iter()
            .filter(|c| c.action == action)
            .count()
    };
    match args.format {
        SummaryFormat::Json => println!(
            "{}",
            serde_json::json!({
                "source": meta.source,
                "source_sha256": meta.source_sha256,
                "change_set": outcome.change_set,
                "added": count(Action::Added),
                "changed": count(Action::Changed),
                "removed": count(Action::Removed),
                "changes": outcome.changes.iter().map(|c| serde_json::json!({
                    "entity": c.entity.as_str(),
                    "key": c.key,
                    "action": c.action.as_str(),
                    "fields": c.fields,
                })).collect::<Vec<_>>(),
            })
        ),
        SummaryFormat::Text => {
            if outcome.changes.is_empty() {
                println!(
                    "No changes: the workspace already matches {}.",
                    args.estate.display()
                );
            } else {
                for c in &outcome.changes {
                    let mark = match c.action {
                        Action::Added => '+',
                        Action::Changed => '~',
                        Action::Removed => '-',
                    };
                    let fields = if c.fields.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", c.fields.join(", "))
                    };
                    println!("{mark} {} {}{fields}", c.entity.as_str(), c.key);
                }
                println!(
                    "Applied {}: {} added, {} changed, {} removed (change set #{}, by {} at {}).",
                    args.estate.display(),
                    count(Action::Added),
                    count(Action::Changed),
                    count(Action::Removed),
                    outcome.change_set.unwrap_or_default(),
                    meta.actor,
                    meta.at
                );
            }
        }
    }
    Ok(Outcome::Ok)
}

pub fn log(context: &Context, args: &LogArgs) -> Result<Outcome> {
    let sets = context::runtime()?.block_on(async {
        let store = context.open_store().await?;
        let sets = store.change_log(args.limit).await?;
        store.close().await;
        anyhow::Ok(sets)
    })?;
    match args.format {
        SummaryFormat::Json => println!("{}", serde_json::to_string_pretty(&sets)?),
        SummaryFormat::Text => {
            if sets.is_empty() {
                println!("The change log is empty: nothing has been applied yet.");
            }
            for set in &sets {
                println!(
                    "#{} {} by {}: {} {}{}",
                    set.id,
                    set.meta.at,
                    set.meta.actor,
                    set.meta.command,
                    set.meta.source.as_deref().unwrap_or("-"),
                    set.meta
                        .source_sha256
                        .as_deref()
                        .map(|h| format!(" (sha256 {h})"))
                        .unwrap_or_default()
                );
                for c in &set.changes {
                    let fields = if c.fields.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", c.fields.join(", "))
                    };
                    println!("    {} {} {}{fields}", c.action, c.entity, c.key);
                }
            }
        }
    }
    Ok(Outcome::Ok)
}
