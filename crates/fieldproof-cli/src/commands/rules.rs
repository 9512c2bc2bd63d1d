//! `rules`: prints the rule tables the scope engine runs on, so an auditor can read exactly
//! what fieldproof decides and why.

use crate::cli::{RulesArgs, SummaryFormat};
use crate::Outcome;
use anyhow::Result;
use fieldproof_core::findings::FINDING_RULES;
use fieldproof_core::scope::rules::SCOPE_RULES;
use fieldproof_core::scope::triggers::TRIGGERS;

pub fn run(args: &RulesArgs) -> Result<Outcome> {
    match args.format {
        SummaryFormat::Json => {
            let value = serde_json::json!({
                "scope_rules": SCOPE_RULES.iter().enumerate().map(|(i, r)| serde_json::json!({
                    "order": i + 1, "id": r.id, "outcome": r.outcome.as_str(), "meaning": r.meaning,
                    "when": format!("{:?}", r.when),
                })).collect::<Vec<_>>(),
                "triggers": TRIGGERS.iter().map(|t| serde_json::json!({
                    "id": t.trigger.as_str(), "title": t.title,
                    "facts": t.facts.iter().map(|f| f.as_str()).collect::<Vec<_>>(),
                    "brings_into_scope": t.brings_into_scope,
                })).collect::<Vec<_>>(),
                "finding_rules": FINDING_RULES.iter().map(|r| serde_json::json!({"id": r.id, "title": r.title})).collect::<Vec<_>>(),
            });
            println!("{}", serde_json::to_string_pretty(&value)?);
        }
        SummaryFormat::Text => {
            println!("Scope rules (first match decides):");
            for (i, r) in SCOPE_RULES.iter().enumerate() {
                println!(
                    "  {:>2}. {:<28} -> {:<6} {}",
                    i + 1,
                    r.id,
                    r.outcome.as_str(),
                    r.meaning
                );
            }
            println!("\nTriggers (seed 004):");
            for t in TRIGGERS {
                let facts: Vec<&str> = t.facts.iter().map(|f| f.as_str()).collect();
                println!(
                    "  {:<26} when {}: {}",
                    t.trigger.as_str(),
                    facts.join(" or "),
                    t.title
                );
            }
            println!("\nFinding rules:");
            for r in FINDING_RULES {
                println!("  {:<38} {}", r.id, r.title);
            }
        }
    }
    Ok(Outcome::Ok)
}
