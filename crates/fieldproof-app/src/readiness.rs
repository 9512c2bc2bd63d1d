//! Readiness use cases: design status (set, pin, apply a file, list), the readiness of an
//! engagement, its reports and OSCAL exports, and year-over-year comparison.

use crate::contract::{StatusApplied, StatusList};
use crate::reports::ReportFormat;
use crate::workspace::Workspace;
use crate::{App, AppError, Field, FieldError, Result};
use fieldproof_catalog::Catalog;
use fieldproof_core::assessment::assess;
use fieldproof_core::engagement::{Date, Engagement};
use fieldproof_core::status::{ControlStatus, DesignStatus, RoadmapPin, StatusPlan};
use fieldproof_core::Estate;
use fieldproof_readiness::compare::{compare, Comparison};
use fieldproof_readiness::{Inputs, Readiness};
use std::path::Path;

/// `status set`: one control's design status. Owner and rationale may be left out when the
/// control already has a status (they are kept). Also the JSON body of the web API's
/// `POST /statuses`.
#[derive(Debug, Clone, Default, serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusSetRequest {
    /// The engagement (default: the only one).
    pub engagement: Option<String>,
    /// Control id.
    pub control: String,
    /// Design status name.
    pub status: String,
    /// Owner.
    pub owner: Option<String>,
    /// Rationale.
    pub rationale: Option<String>,
    /// Due date, `YYYY-MM-DD`.
    pub due: Option<String>,
}

/// The engagement and estate a readiness is computed for.
#[derive(Debug)]
pub struct ReadinessBasis {
    /// The readiness.
    pub readiness: Readiness,
    /// The estate it was computed from.
    pub estate: Estate,
    /// The catalog.
    pub catalog: std::sync::Arc<Catalog>,
}

/// Which roadmap items may be pinned: a control id, or a generated item id.
fn check_item(catalog: &Catalog, item: &str) -> Result<()> {
    let generated = ["scope:", "coverage:", "monitor:"]
        .iter()
        .any(|p| item.strip_prefix(p).is_some_and(|rest| !rest.is_empty()));
    if generated || catalog.controls.iter().any(|c| c.id == item) {
        Ok(())
    } else {
        Err(AppError::Input(format!(
            "'{item}' is not a roadmap item; give a control id (FP-AC-03), scope:RULE, coverage:CRITERION or monitor:TEST (`fieldproof readiness` lists the items)"
        )))
    }
}

fn check_control(catalog: &Catalog, control: &str) -> Result<()> {
    if catalog.controls.iter().any(|c| c.id == control) {
        return Ok(());
    }
    let upper = control.to_ascii_uppercase();
    let hint = catalog
        .controls
        .iter()
        .find(|c| c.id == upper)
        .map(|c| format!(" (did you mean {}?)", c.id))
        .unwrap_or_default();
    // A positional argument on the command line, a path segment on the web: no input to name.
    Err(AppError::Input(format!(
        "'{control}' is not a control of the library{hint}"
    )))
}

/// Saves an engagement's status plan and says what changed.
async fn save_plan(
    ws: &Workspace,
    engagement: Engagement,
    plan: &StatusPlan,
    partial: bool,
    meta: &fieldproof_store::ChangeMeta,
) -> Result<StatusApplied> {
    let outcome = ws
        .store
        .save_status_plan(&engagement.id, plan, partial, meta)
        .await?;
    Ok(StatusApplied {
        engagement: engagement.id,
        changes: outcome.changes,
        change_set: outcome.change_set,
    })
}

impl App {
    /// The design statuses and roadmap pins of an engagement.
    pub async fn status_list(&self, engagement: Option<&str>) -> Result<StatusList> {
        let ws = self.open().await?;
        let result = async {
            let engagement = self.engagement_in(&ws, engagement).await?;
            let plan = ws.store.status_plan(&engagement.id).await?;
            Ok(StatusList {
                engagement: engagement.id,
                statuses: plan.statuses,
                pins: plan.pins,
            })
        }
        .await;
        ws.close().await;
        result
    }

    /// Sets one control's design status.
    pub async fn status_set(&self, request: &StatusSetRequest) -> Result<StatusApplied> {
        let status = DesignStatus::parse(request.status.trim()).ok_or_else(|| {
            FieldError::value(
                Field::Status,
                &request.status,
                format!("expected one of: {}", DesignStatus::expected()),
            )
        })?;
        let due = request
            .due
            .as_deref()
            .map(|d| Date::parse(d.trim()).map_err(|e| FieldError::field(Field::Due, e)))
            .transpose()?;
        let ws = self.open().await?;
        let result = async {
            let catalog = self.catalog_in(&ws).await?;
            check_control(&catalog, &request.control)?;
            let engagement = self
                .engagement_in(&ws, request.engagement.as_deref())
                .await?;
            let current = ws.store.status_plan(&engagement.id).await?;
            let old = current.status_of(&request.control);
            let pick = |given: &Option<String>, kept: Option<&String>, field: Field| {
                given
                    .clone()
                    .filter(|v| !v.trim().is_empty())
                    .or_else(|| kept.cloned())
                    .ok_or_else(|| {
                        FieldError::missing(
                            field,
                            format!(
                                "{} has no status yet (say {})",
                                request.control,
                                if field == Field::Owner {
                                    "who owns it, a role or a person"
                                } else {
                                    "what exists, what is missing, or why it does not apply"
                                }
                            ),
                        )
                    })
            };
            let owner = pick(&request.owner, old.map(|o| &o.owner), Field::Owner)?;
            let rationale = pick(
                &request.rationale,
                old.map(|o| &o.rationale),
                Field::Rationale,
            )?;
            let due = due.or_else(|| old.and_then(|o| o.due));
            if status.is_gap() && due.is_none() {
                return Err(FieldError::missing(
                    Field::Due,
                    format!(
                        "{} is {}: give the date its gap is due to close",
                        request.control,
                        fieldproof_readiness::design_label(Some(status))
                    ),
                )
                .into());
            }
            let plan = StatusPlan {
                statuses: vec![ControlStatus {
                    control: request.control.clone(),
                    status,
                    owner,
                    rationale,
                    due,
                }],
                pins: current.pins.clone(),
            };
            let meta = self.change_meta("status set", None, None);
            save_plan(&ws, engagement, &plan, true, &meta).await
        }
        .await;
        ws.close().await;
        result
    }

    /// Pins a roadmap item to a phase (`None`: unpins it).
    pub async fn status_pin(
        &self,
        engagement: Option<&str>,
        item: &str,
        phase: Option<u8>,
    ) -> Result<StatusApplied> {
        if let Some(p) = phase.filter(|p| !(1..=3).contains(p)) {
            return Err(AppError::Input(format!(
                "phase {p} does not exist; use 1, 2 or 3"
            )));
        }
        let ws = self.open().await?;
        let result = async {
            let catalog = self.catalog_in(&ws).await?;
            check_item(&catalog, item)?;
            let engagement = self.engagement_in(&ws, engagement).await?;
            let mut plan = ws.store.status_plan(&engagement.id).await?;
            plan.pins.retain(|p| p.item != item);
            if let Some(phase) = phase {
                plan.pins.push(RoadmapPin {
                    item: item.to_string(),
                    phase,
                });
            }
            plan.normalise();
            let meta = self.change_meta("status pin", None, None);
            save_plan(&ws, engagement, &plan, false, &meta).await
        }
        .await;
        ws.close().await;
        result
    }

    /// Applies a status file like the estate: the engagement's statuses and pins become the
    /// file's; what it no longer lists is removed. Nothing is stored when the file is invalid.
    pub async fn status_apply(
        &self,
        file: &Path,
        engagement: Option<&str>,
    ) -> Result<StatusApplied> {
        let path = self.path(file);
        fieldproof_estate::check_regular(&path)?;
        let bytes = std::fs::read(&path).map_err(|source| AppError::Io {
            path: path.clone(),
            source,
        })?;
        let text = String::from_utf8(bytes.clone()).map_err(|_| {
            AppError::Input(format!(
                "{}: not UTF-8 text; save the status file as UTF-8",
                file.display()
            ))
        })?;
        let parsed = fieldproof_estate::status_file::parse(file, &text)?;
        let ws = self.open().await?;
        let result = async {
            let catalog = self.catalog_in(&ws).await?;
            let mut problems = Vec::new();
            for status in &parsed.plan.statuses {
                if let Err(e) = check_control(&catalog, &status.control) {
                    let line = parsed.lines.get(&status.control).copied().unwrap_or(0);
                    problems.push(format!("{}:{line}: {e}", file.display()));
                }
            }
            for pin in &parsed.plan.pins {
                if let Err(e) = check_item(&catalog, &pin.item) {
                    let line = parsed
                        .lines
                        .get(&format!("pin:{}", pin.item))
                        .copied()
                        .unwrap_or(0);
                    problems.push(format!("{}:{line}: {e}", file.display()));
                }
            }
            if !problems.is_empty() {
                return Err(AppError::Input(problems.join("\n")));
            }
            let id = match (engagement, parsed.engagement.as_deref()) {
                (Some(given), Some(named)) if given != named => {
                    return Err(FieldError::value(
                        Field::Engagement,
                        given,
                        format!(
                            "{} is for engagement '{named}'; drop one or make them agree",
                            file.display()
                        ),
                    )
                    .into())
                }
                (Some(given), _) => Some(given),
                (None, named) => named,
            };
            let engagement = self.engagement_in(&ws, id).await?;
            let sha256 = fieldproof_evidence::hash::Sha256Hex::of(&bytes).to_string();
            let meta = self.change_meta(
                "status apply",
                Some(file.display().to_string()),
                Some(sha256),
            );
            save_plan(&ws, engagement, &parsed.plan, false, &meta).await
        }
        .await;
        ws.close().await;
        result
    }

    /// The readiness of an engagement.
    pub async fn readiness(&self, engagement: Option<&str>) -> Result<ReadinessBasis> {
        let ws = self.open().await?;
        let result = async {
            let engagement = self.engagement_in(&ws, engagement).await?;
            let estate = ws.store.load_estate().await?;
            self.readiness_in(&ws, &engagement, estate).await
        }
        .await;
        ws.close().await;
        result
    }

    /// The readiness of `engagement` over `estate` in an open workspace.
    pub async fn readiness_in(
        &self,
        ws: &Workspace,
        engagement: &Engagement,
        estate: Estate,
    ) -> Result<ReadinessBasis> {
        if estate.components.is_empty() {
            return Err(AppError::NoEstate {
                needed_for: "there is nothing to assess",
            });
        }
        let catalog = self.catalog_in(ws).await?;
        let plan = ws.store.status_plan(&engagement.id).await?;
        let assessment = assess(&estate);
        let expectations = crate::evidence::expectations(&catalog, &assessment, engagement);
        let items = ws.ledger().current_for(&engagement.id).await?;
        let freshness =
            fieldproof_evidence::freshness::report(engagement.clone(), &expectations, &items);
        let register_read = crate::suppliers::Register::read(ws).await?;
        let register = register_read.findings(self.today());
        let cuec_answers = register_read.current_answers();
        let readiness = fieldproof_readiness::assess(&Inputs {
            engagement,
            assessment: &assessment,
            catalog: &catalog,
            plan: &plan,
            freshness: &freshness,
            items: &items,
            register: &register,
            cuec_answers: &cuec_answers,
        });
        Ok(ReadinessBasis {
            readiness,
            estate,
            catalog,
        })
    }

    /// The estate as recorded at the end of `day`: the current estate with every later change
    /// of the change log undone.
    async fn estate_as_of(&self, ws: &Workspace, day: Date) -> Result<Estate> {
        let mut estate = ws.store.load_estate().await?;
        let cutoff = format!("{day}T23:59:59Z");
        for set in ws.store.change_log(u32::MAX).await? {
            if set.meta.at.as_str() <= cutoff.as_str() {
                break;
            }
            for change in set.changes.iter().rev() {
                fieldproof_core::diff::undo(
                    &mut estate,
                    &change.entity,
                    &change.key,
                    &change.before,
                )
                .map_err(|e| {
                    AppError::Input(format!("change set {} ({}): {e}", set.id, set.meta.at))
                })?;
            }
        }
        Ok(estate)
    }

    /// The readiness of engagement `id` over the estate as recorded at the end of its period
    /// (the current estate when nothing was recorded by then).
    async fn readiness_at_period_end(&self, ws: &Workspace, id: &str) -> Result<Readiness> {
        let engagement = self.engagement_in(ws, Some(id)).await?;
        let estate = self.estate_as_of(ws, engagement.period.to).await?;
        let estate = if estate.components.is_empty() {
            // Applied after the period ended: the current estate is the best record.
            ws.store.load_estate().await?
        } else {
            estate
        };
        Ok(self.readiness_in(ws, &engagement, estate).await?.readiness)
    }

    /// Year over year: each engagement's readiness over the estate as recorded at the end of
    /// its period (the change log undoes later changes), then what changed from `a` to `b`.
    pub async fn compare(&self, a: &str, b: &str) -> Result<Comparison> {
        let ws = self.open().await?;
        let result = async {
            let from = self.readiness_at_period_end(&ws, a).await?;
            let to = self.readiness_at_period_end(&ws, b).await?;
            Ok(compare(&from, &to))
        }
        .await;
        ws.close().await;
        result
    }
}

/// Which OSCAL document of an engagement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadinessOscal {
    /// System security plan.
    Ssp,
    /// Assessment results.
    AssessmentResults,
    /// Plan of action and milestones.
    Poam,
}

impl App {
    /// A report of an engagement, rendered. `previous` adds the year-over-year section.
    pub async fn report(
        &self,
        kind: fieldproof_report::readiness::ReportKind,
        engagement: Option<&str>,
        format: ReportFormat,
        previous: Option<&str>,
    ) -> Result<Vec<u8>> {
        if !format.fits(kind) {
            return Err(FieldError::value(
                Field::Format,
                "csv",
                format!(
                    "CSV is for the controls matrix; the {} report is md, html or pdf",
                    kind.as_str()
                ),
            )
            .into());
        }
        let ws = self.open().await?;
        let result = async {
            let engagement = self.engagement_in(&ws, engagement).await?;
            let estate = ws.store.load_estate().await?;
            let basis = self.readiness_in(&ws, &engagement, estate).await?;
            let comparison = match previous {
                Some(previous) => Some(compare(
                    &self.readiness_at_period_end(&ws, previous).await?,
                    &basis.readiness,
                )),
                None => None,
            };
            Ok::<_, AppError>((basis, comparison))
        }
        .await;
        ws.close().await;
        let (basis, comparison) = result?;
        Ok(self.render_report(&basis, comparison.as_ref(), kind, format))
    }

    /// A report of a readiness already computed, rendered (`format` CSV is the controls
    /// matrix whatever `kind`).
    pub fn render_report(
        &self,
        basis: &ReadinessBasis,
        comparison: Option<&Comparison>,
        kind: fieldproof_report::readiness::ReportKind,
        format: ReportFormat,
    ) -> Vec<u8> {
        use fieldproof_report::readiness::{build, controls_csv, ReportInputs};
        if format == ReportFormat::Csv {
            return controls_csv(&basis.readiness, &basis.catalog).into_bytes();
        }
        let assessment = assess(&basis.estate);
        let matrix = fieldproof_core::responsibility::derive(&assessment);
        let mut doc = build(
            kind,
            &ReportInputs {
                readiness: &basis.readiness,
                assessment: &assessment,
                matrix: &matrix,
                catalog: &basis.catalog,
                comparison,
            },
        );
        doc.generated_at = Some(self.now());
        match format {
            ReportFormat::Markdown => fieldproof_report::doc::markdown(&doc).into_bytes(),
            ReportFormat::Html => fieldproof_report::doc::html(&doc).into_bytes(),
            ReportFormat::Pdf => fieldproof_report::pdf::render(&doc),
            ReportFormat::Csv => Vec::new(),
        }
    }

    /// An OSCAL document of an engagement's readiness, and what a person must complete in it
    /// before it is shared (values the estate leaves empty, written as visible placeholders).
    pub async fn export_readiness_oscal(
        &self,
        which: ReadinessOscal,
        engagement: Option<&str>,
    ) -> Result<(serde_json::Value, Vec<String>)> {
        let basis = self.readiness(engagement).await?;
        Ok((
            self.render_readiness_oscal(&basis, which),
            fieldproof_report::oscal::to_complete(&basis.readiness),
        ))
    }

    /// An OSCAL document of a readiness already computed.
    pub fn render_readiness_oscal(
        &self,
        basis: &ReadinessBasis,
        which: ReadinessOscal,
    ) -> serde_json::Value {
        let at = self.now();
        match which {
            ReadinessOscal::Ssp => {
                let assessment = assess(&basis.estate);
                let matrix = fieldproof_core::responsibility::derive(&assessment);
                fieldproof_report::oscal::ssp(&basis.readiness, &assessment, &matrix, &at)
            }
            ReadinessOscal::AssessmentResults => {
                fieldproof_report::oscal::assessment_results(&basis.readiness, &at)
            }
            ReadinessOscal::Poam => fieldproof_report::oscal::poam(&basis.readiness, &at),
        }
    }
}
