//! `assess`: the main job. Assess an estate and write every scope output into a directory.

use super::threshold;
use crate::cli::{AssessArgs, SummaryFormat};
use crate::context;
use crate::output::write_file;
use crate::Outcome;
use anyhow::Result;
use fieldproof_core::{assess, responsibility};
use fieldproof_report::{boundary, matrix, scope as render};

pub fn run(args: &AssessArgs) -> Result<Outcome> {
    let loaded = context::load_file(&args.estate)?;
    let assessment = assess(&loaded.estate);
    let derived = responsibility::derive(&assessment);

    let mut scope_json = Vec::new();
    render::write_json(&assessment, &mut scope_json)?;
    let mut scope_md = Vec::new();
    render::write_markdown(&assessment, &mut scope_md)?;
    let outputs: [(&str, Vec<u8>); 7] = [
        (
            "boundary.md",
            boundary::markdown(&assessment, &derived).into_bytes(),
        ),
        (
            "boundary.html",
            boundary::html_document(&assessment, &derived).into_bytes(),
        ),
        (
            "responsibility.md",
            matrix::markdown(&assessment, &derived).into_bytes(),
        ),
        ("responsibility.csv", matrix::csv(&derived).into_bytes()),
        (
            "responsibility.html",
            matrix::html_document(&assessment, &derived).into_bytes(),
        ),
        ("scope.json", scope_json),
        ("scope.md", scope_md),
    ];
    let mut written = Vec::new();
    for (name, bytes) in &outputs {
        let path = args.out.join(name);
        write_file(&path, bytes)?;
        written.push(path.display().to_string());
    }

    let n = assessment.counts();
    match args.format {
        SummaryFormat::Json => println!(
            "{}",
            serde_json::json!({
                "estate": args.estate.display().to_string(),
                "components": loaded.estate.components.len(),
                "in": n.in_scope,
                "shared": n.shared,
                "out": n.out_of_scope,
                "tsc_categories": assessment.categories().iter().map(|c| c.as_str()).collect::<Vec<_>>(),
                "findings": assessment.findings,
                "written": written,
            })
        ),
        SummaryFormat::Text => {
            println!(
                "Assessed {}: {} components — {} in scope, {} shared, {} out of scope.",
                args.estate.display(),
                loaded.estate.components.len(),
                n.in_scope,
                n.shared,
                n.out_of_scope
            );
            let categories: Vec<&str> = assessment.categories().iter().map(|c| c.title()).collect();
            println!(
                "Trust Services Categories implicated: {}.",
                categories.join(", ")
            );
            if assessment.findings.is_empty() {
                println!("No scope findings.");
            } else {
                println!("{} scope findings:", assessment.findings.len());
                for f in &assessment.findings {
                    let subject = f
                        .component
                        .clone()
                        .or(f.subservice.clone())
                        .unwrap_or_default();
                    println!("  [{}] {} {}: {}", f.severity, f.rule, subject, f.message);
                }
            }
            println!("Wrote:");
            for path in &written {
                println!("  {path}");
            }
        }
    }
    Ok(threshold(&assessment, args.fail_on.fail_on))
}
