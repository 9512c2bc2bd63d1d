//! `scope`, `boundary`, `responsibility` and `validate`: assess an estate and render it.

use super::{ignore_broken_pipe, threshold};
use crate::cli::{
    BoundaryArgs, DocumentFormat, MatrixFormat, ResponsibilityArgs, ScopeArgs, ScopeFormat,
    SummaryFormat, ValidateArgs,
};
use crate::context::{self, Context};
use crate::output::emit;
use crate::Outcome;
use anyhow::{bail, Result};
use fieldproof_core::{assess, responsibility};
use fieldproof_estate::LoadError;
use fieldproof_report::{boundary, matrix, scope as render};
use std::io::{BufWriter, Write};

pub fn scope(context: &Context, args: &ScopeArgs) -> Result<Outcome> {
    let estate = context::estate(context, args.source.estate.as_deref())?;
    let assessment = assess(&estate);
    let stdout = std::io::stdout().lock();
    let mut out = BufWriter::with_capacity(1 << 16, stdout);
    if let Some(id) = &args.explain {
        let Some((c, d)) = assessment.get(id) else {
            bail!("no component with id '{id}' in the estate; `fieldproof scope` lists the ids");
        };
        let result = match args.format {
            ScopeFormat::Json => {
                let value = render::component_value(&assessment, c, d);
                serde_json::to_writer_pretty(&mut out, &value)
                    .map_err(std::io::Error::from)
                    .and_then(|_| writeln!(out))
            }
            ScopeFormat::Table | ScopeFormat::Md => {
                render::write_explanation(&assessment, c, d, &mut out)
            }
        };
        ignore_broken_pipe(result.and_then(|_| out.flush()))?;
        return Ok(Outcome::Ok);
    }
    let result = match args.format {
        ScopeFormat::Json => render::write_json(&assessment, &mut out),
        ScopeFormat::Table => render::write_table(&assessment, &mut out),
        ScopeFormat::Md => render::write_markdown(&assessment, &mut out),
    };
    ignore_broken_pipe(result.and_then(|_| out.flush()))?;
    Ok(threshold(&assessment, args.fail_on.fail_on))
}

pub fn boundary(context: &Context, args: &BoundaryArgs) -> Result<Outcome> {
    let estate = context::estate(context, args.source.estate.as_deref())?;
    let assessment = assess(&estate);
    let matrix = responsibility::derive(&assessment);
    let document = match args.format {
        DocumentFormat::Md => boundary::markdown(&assessment, &matrix),
        DocumentFormat::Html => boundary::html_document(&assessment, &matrix),
    };
    emit(args.output.as_deref(), document.as_bytes())?;
    Ok(Outcome::Ok)
}

pub fn responsibility(context: &Context, args: &ResponsibilityArgs) -> Result<Outcome> {
    let estate = context::estate(context, args.source.estate.as_deref())?;
    let assessment = assess(&estate);
    let derived = responsibility::derive(&assessment);
    let document = match args.format {
        MatrixFormat::Md => matrix::markdown(&assessment, &derived),
        MatrixFormat::Csv => matrix::csv(&derived),
        MatrixFormat::Html => matrix::html_document(&assessment, &derived),
    };
    emit(args.output.as_deref(), document.as_bytes())?;
    Ok(Outcome::Ok)
}

pub fn validate(args: &ValidateArgs) -> Result<Outcome> {
    let file = args.file.display().to_string();
    match (context::load_file(&args.file), args.format) {
        (Ok(loaded), format) => {
            let assessment = assess(&loaded.estate);
            let n = assessment.counts();
            match format {
                SummaryFormat::Text => println!(
                    "{file}: valid — {} components ({} in scope, {} shared, {} out of scope), {} subservice organisations, {} responsibility statements, {} scope findings",
                    loaded.estate.components.len(),
                    n.in_scope,
                    n.shared,
                    n.out_of_scope,
                    loaded.estate.subservice_organisations.len(),
                    loaded.estate.responsibilities.len(),
                    assessment.findings.len()
                ),
                SummaryFormat::Json => println!(
                    "{}",
                    serde_json::json!({
                        "file": file,
                        "valid": true,
                        "components": loaded.estate.components.len(),
                        "subservice_organisations": loaded.estate.subservice_organisations.len(),
                        "responsibilities": loaded.estate.responsibilities.len(),
                        "findings": assessment.findings.len(),
                        "problems": [],
                    })
                ),
            }
            Ok(Outcome::Ok)
        }
        (Err(error), SummaryFormat::Json) => {
            let problems: Vec<serde_json::Value> = match error.downcast_ref::<LoadError>() {
                Some(load) if !load.problems().is_empty() => load
                    .problems()
                    .iter()
                    .map(|p| {
                        serde_json::json!({
                            "file": p.location.file.display().to_string(),
                            "line": p.location.line,
                            "column": p.location.column,
                            "field": p.location.field,
                            "message": p.message,
                        })
                    })
                    .collect(),
                _ => vec![serde_json::json!({ "file": file, "message": error.to_string() })],
            };
            println!(
                "{}",
                serde_json::json!({ "file": file, "valid": false, "problems": problems })
            );
            Err(error.context(format!("{file} is not a valid estate")))
        }
        (Err(error), SummaryFormat::Text) => Err(error),
    }
}
