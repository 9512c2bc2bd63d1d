//! The typed results of every use case: what `--format json` prints, what the REST API returns,
//! what the web pages and the plain-text renderings ([`crate::results`]) show. Each is
//! `Serialize` and `JsonSchema`; the application lists them by contract name
//! (`fieldproof_app::contract::schemas`), and the published schemas under `docs/schemas/` are
//! generated from that list (a test fails when they drift).

pub use crate::scope::{ComponentExplanation, ScopeDocument, ScopeSummary};
pub use fieldproof_catalog::model::{Crosswalk, CrosswalkHeader, CrosswalkPair};
pub use fieldproof_catalog::views::{
    CatalogList, CatalogShow, ControlRow, ControlsView, CoverageView, CrosswalkSummary,
    FrameworkSummary, LibrarySummary, MapView, MappingEdge, RequirementView,
};
use fieldproof_core::engagement::Engagement;
use fieldproof_core::scope::rules::Condition;
use fieldproof_core::scope::triggers::TriggerDefinition;
use fieldproof_core::{Finding, Scope};
pub use fieldproof_estate::{InventoryReport, UnmappedValue};
use fieldproof_evidence::blobs::Leftover;
pub use fieldproof_evidence::freshness::Report as FreshnessReport;
use fieldproof_evidence::pack::LedgerSummary;
pub use fieldproof_evidence::EvidenceDetail;
pub use fieldproof_evidence::Verification;
use fieldproof_evidence::{AddOutcome, KeyUse};
use fieldproof_store::{ChangeSet, LedgerHead};
use schemars::JsonSchema;
use serde::Serialize;

/// `init`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct InitResult {
    /// The `.fieldproof` directory.
    pub workspace: String,
    /// The store URL.
    pub store: String,
    /// The genesis entry.
    pub genesis_entry: i64,
    /// Fingerprint of the ledger key, to give auditors out of band.
    pub key_fingerprint: String,
    /// Whether the private key is encrypted under a passphrase.
    pub key_protected: bool,
    /// Where the private key is.
    pub secret_key: String,
}

/// The version of a workspace's state (`App::state_version` of the application).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, JsonSchema)]
pub struct StateVersion {
    /// The ledger head's sequence number (0: empty).
    pub ledger_head: i64,
    /// The newest change set (0: none).
    pub change_set: i64,
    /// Today, `YYYY-MM-DD` (freshness and due dates follow the calendar).
    pub day: String,
}

/// `backup`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct BackupResult {
    /// The file written.
    pub path: String,
    /// Its size.
    pub bytes: u64,
    /// The ledger head it holds.
    pub head: Option<LedgerHead>,
    /// How to verify it.
    pub verify_with: String,
}

/// What a store holds, counted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct StoreTotals {
    /// Components of the current estate.
    pub components: usize,
    /// Change sets of the change log.
    pub change_sets: usize,
    /// Imported catalogs.
    pub catalogs: usize,
    /// Engagements.
    pub engagements: usize,
    /// Control statuses and roadmap pins.
    pub control_statuses: usize,
    /// Ledger entries.
    pub ledger_entries: usize,
}

/// `store migrate`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct StoreMigration {
    /// The store copied from (no password).
    pub from: String,
    /// The store copied into (no password).
    pub to: String,
    /// What was copied.
    pub copied: StoreTotals,
    /// The ledger head, the same in both.
    pub head: Option<LedgerHead>,
    /// Ledger entries verified in the source before copying.
    pub verified_before: usize,
    /// Ledger entries verified in the copy.
    pub verified_after: usize,
    /// How to use the copy.
    pub use_with: String,
}

/// `assess`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct AssessResult {
    /// The estate file.
    pub estate: String,
    /// Counts, categories, SOC 1 relevance.
    pub summary: ScopeSummary,
    /// The scope findings, most severe first.
    pub findings: Vec<Finding>,
    /// The files written.
    pub written: Vec<String>,
    /// What reading each CSV inventory did.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub inventories: Vec<InventoryReport>,
    /// When a project (`fieldproof.yaml`) was assessed: the engagement's whole run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project: Option<ProjectRun>,
}

/// The whole job of a project: workspace, engagement, inputs recorded, tests and readiness.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ProjectRun {
    /// The project file.
    pub project: String,
    /// The workspace the project was recorded in (open it with `--workspace`).
    pub workspace: String,
    /// Whether the workspace was created by this run.
    pub created: bool,
    /// The engagement.
    pub engagement: String,
    /// The estate change set recorded, or null when the workspace already matched.
    pub estate_change_set: Option<i64>,
    /// Design status and pin changes applied from the status file.
    pub status_changes: usize,
    /// Evidence recorded by this run.
    pub evidence_added: usize,
    /// Evidence of the project already current in the workspace (not recorded again).
    pub evidence_unchanged: usize,
    /// Event evidence, per dataset.
    pub datasets: Vec<ProjectDataset>,
    /// Whether the full-population tests ran (the build has the test engine).
    pub tests_ran: bool,
    /// The readiness counts.
    pub readiness: fieldproof_readiness::Summary,
    /// The readiness findings, most severe first.
    pub findings: Vec<fieldproof_readiness::ReadinessFinding>,
    /// The roadmap phases: number, title, end, items and effort.
    pub roadmap: Vec<ProjectPhase>,
    /// What a person must complete in the OSCAL documents before they are shared: values
    /// OSCAL requires that the estate leaves empty, written as visible placeholders.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub oscal_to_complete: Vec<String>,
}

impl ProjectRun {
    /// Whether a readiness finding is at least as severe as `threshold` (`--fail-on`).
    pub fn fails_at(&self, threshold: Option<fieldproof_core::Severity>) -> bool {
        fieldproof_readiness::reaches(&self.findings, threshold)
    }
}

/// Event evidence of one dataset in a project run.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ProjectDataset {
    /// The dataset.
    pub dataset: String,
    /// Rows stored by this run (0 when every file was ingested before).
    pub rows: u64,
    /// Rows rejected by this run.
    pub rejected: u64,
    /// Files already ingested before.
    pub unchanged_files: usize,
}

/// A roadmap phase in brief.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ProjectPhase {
    /// 1, 2 or 3.
    pub phase: u8,
    /// Title.
    pub title: String,
    /// When it ends.
    pub ends: String,
    /// Items.
    pub items: usize,
    /// Effort, person-days.
    pub effort_days: u32,
}

/// One problem of an invalid estate file.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ProblemJson {
    /// The file.
    pub file: String,
    /// 1-based line.
    pub line: Option<usize>,
    /// 1-based column.
    pub column: Option<usize>,
    /// The field path or CSV column.
    pub field: Option<String>,
    /// What is wrong and what to do.
    pub message: String,
}

/// `validate`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ValidationResult {
    /// The file checked.
    pub file: String,
    /// Whether it is a valid estate.
    pub valid: bool,
    /// Components (0 when invalid).
    pub components: usize,
    /// Assets rolled up into components.
    pub assets: usize,
    /// In scope.
    #[serde(rename = "in")]
    pub in_scope: usize,
    /// Shared.
    pub shared: usize,
    /// Out of scope.
    #[serde(rename = "out")]
    pub out_of_scope: usize,
    /// Subservice organisations.
    pub subservice_organisations: usize,
    /// Responsibility statements.
    pub responsibilities: usize,
    /// Scope findings.
    pub findings: usize,
    /// The problems (empty when valid).
    pub problems: Vec<ProblemJson>,
    /// What reading each CSV inventory did: rows, assets, components, values left unmapped.
    pub inventories: Vec<InventoryReport>,
}

/// One change of an `apply`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ChangeLine {
    /// `component`, `subservice_organisation`, `responsibility`, `setting`; `asset` and
    /// `scope_decision` explain component changes.
    pub entity: &'static str,
    /// Key.
    pub key: String,
    /// `added`, `changed`, `removed`.
    pub action: &'static str,
    /// The fields that changed.
    pub fields: Vec<String>,
    /// For `changed`: each changed field with its value before and after, as text (`none` for
    /// a field that is absent on one side; a list joined with commas).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<FieldChange>,
}

/// A scope finding, as a preview lists the ones that appear or disappear.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct FindingLine {
    /// How much it matters.
    pub severity: fieldproof_core::findings::Severity,
    /// The rule that raises it.
    pub rule: String,
    /// The component or subservice organisation it is about.
    pub subject: String,
    /// What is wrong and what to do.
    pub message: String,
}

/// One field of a changed entry, before and after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct FieldChange {
    /// The field.
    pub field: String,
    /// Its value before.
    pub before: String,
    /// Its value after.
    pub after: String,
}

/// `apply --dry-run`: what applying a file would change; nothing is stored.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ApplyPreview {
    /// The files read.
    pub source: String,
    /// Their SHA-256.
    pub source_sha256: String,
    /// Every change, as `apply` would record it.
    pub changes: Vec<ChangeLine>,
    /// Components whose scope decision would change (added and removed ones included).
    pub scope_changes: Vec<ScopeChange>,
    /// Scope findings now.
    pub findings_before: usize,
    /// Scope findings after applying.
    pub findings_after: usize,
    /// Scope findings applying would raise (not raised now).
    pub findings_new: Vec<FindingLine>,
    /// Scope findings applying would settle (raised now, not after).
    pub findings_gone: Vec<FindingLine>,
    /// What reading each CSV inventory did.
    pub inventories: Vec<InventoryReport>,
}

/// A component whose scope decision would change.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ScopeChange {
    /// Component id.
    pub component: String,
    /// Its decision now (none: not in the estate yet).
    pub before: Option<Scope>,
    /// Its decision after (none: removed).
    pub after: Option<Scope>,
}

/// `apply`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ApplyResult {
    /// The files read.
    pub source: String,
    /// Their SHA-256.
    pub source_sha256: String,
    /// The change set recorded, or null when nothing changed.
    pub change_set: Option<i64>,
    /// Entries added.
    pub added: usize,
    /// Entries changed.
    pub changed: usize,
    /// Entries removed.
    pub removed: usize,
    /// Assets added to components that were there before.
    pub assets_added: usize,
    /// Assets removed from components that stay.
    pub assets_removed: usize,
    /// Assets moved to another component or renamed.
    pub assets_changed: usize,
    /// Components whose scope decision changed.
    pub scope_changes: Vec<ScopeChange>,
    /// Every change.
    pub changes: Vec<ChangeLine>,
    /// What reading each CSV inventory did.
    pub inventories: Vec<InventoryReport>,
    /// Who applied it.
    pub actor: String,
    /// When.
    pub at: String,
}

/// `log`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ChangeLogResult {
    /// Change sets, newest first.
    pub change_sets: Vec<ChangeSet>,
}

/// One scope rule.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ScopeRuleRow {
    /// Precedence (1 first).
    pub order: usize,
    /// Rule id.
    pub id: &'static str,
    /// The scope it gives.
    pub outcome: Scope,
    /// Why.
    pub meaning: &'static str,
    /// What it tests; absent fields are not tested.
    pub when: Condition,
}

/// One finding rule.
#[derive(Debug, Serialize, JsonSchema)]
pub struct FindingRuleRow {
    /// Rule id.
    pub id: &'static str,
    /// What it looks for.
    pub title: &'static str,
}

/// `rules`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct RulesDocument {
    /// Scope rules in precedence order (the first match decides).
    pub scope_rules: Vec<ScopeRuleRow>,
    /// The device triggers.
    pub triggers: Vec<&'static TriggerDefinition>,
    /// The finding rules.
    pub finding_rules: Vec<FindingRuleRow>,
}

/// `catalog import-oscal`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ImportResult {
    /// Framework id.
    pub id: String,
    /// Title.
    pub name: String,
    /// Requirements read.
    pub requirements: usize,
    /// Withdrawn among them.
    pub withdrawn: usize,
    /// SHA-256 of the document.
    pub sha256: String,
    /// The change set, or null when the same document was already imported.
    pub change_set: Option<i64>,
    /// The framework whose requirements it selects under the same ids, and links to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub based_on: Option<String>,
    /// When the file was an OSCAL profile: how it was resolved.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolution: Option<ProfileResolution>,
}

/// How a profile was resolved into the catalog that was imported.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ProfileResolution {
    /// SHA-256 of the profile file (`sha256` is that of the resolved catalog stored).
    pub profile_sha256: String,
    /// The documents it imported, in order.
    pub imports: Vec<String>,
    /// Parameter values the profile set.
    pub parameters_set: usize,
    /// What could not be applied (a parameter or control the result does not hold).
    pub warnings: Vec<String>,
    /// What to do about the warnings, when fieldproof knows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

/// `engagement create`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct EngagementSaved {
    /// The engagement as stored.
    pub engagement: Engagement,
    /// The change set, or null when it was already stored as given.
    pub change_set: Option<i64>,
}

/// `engagement list`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct EngagementList {
    /// Engagements, by id.
    pub engagements: Vec<Engagement>,
}

/// `evidence add`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct AddResult {
    /// One outcome per file (or the URL or attestation).
    pub added: Vec<AddOutcome>,
}

/// `evidence retire`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct RetireResult {
    /// The evidence retired.
    pub evidence: String,
    /// The retire entry.
    pub entry: i64,
}

/// `evidence log`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct LedgerLog {
    /// The engagement the view is limited to (an auditor's): entries of other engagements are
    /// shown without their body, exactly as that engagement's evidence pack shows them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engagement: Option<String>,
    /// Entries shown without their body.
    pub redacted: usize,
    /// Every entry, oldest first; `body` is absent from a redacted one.
    pub entries: Vec<fieldproof_evidence::ledger::PackEntry>,
}

pub use crate::requests::{RequestDetail, RequestList, RequestStatusChange, RequestView};

/// `token list`: the API tokens of an organisation of a server.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TokenList {
    /// The organisation.
    pub organisation: String,
    /// Every token, newest first.
    pub tokens: Vec<TokenInfo>,
}

/// One API token: never its secret, which is shown once when it is created.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TokenInfo {
    /// Its reference: the first 12 hex digits of the SHA-256 of the secret (what `token
    /// revoke` takes).
    pub token: String,
    /// The member it acts for.
    pub email: String,
    /// The name it was given.
    pub name: String,
    /// The role it was created with.
    pub role: String,
    /// The role it has now: the lesser of its own and its member's current role; absent when
    /// it does not work.
    pub effective_role: Option<String>,
    /// `active`, `revoked`, `expired`, `member removed`, or `role no longer fits` (an auditor's
    /// token of a member who is no longer an auditor, or the reverse).
    pub state: String,
    /// When it was created (RFC 3339).
    pub created_at: String,
    /// When it expires, if it does.
    pub expires_at: Option<String>,
    /// When it was last used (to the minute), if ever.
    pub last_used_at: Option<String>,
    /// When it was revoked, if it was.
    pub revoked_at: Option<String>,
    /// Who revoked it.
    pub revoked_by: Option<String>,
}

/// `export pack`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct PackResult {
    /// The zip written.
    pub path: String,
    /// The engagement.
    pub engagement: String,
    /// Evidence items in the pack.
    pub evidence: usize,
    /// The ledger it carries.
    pub ledger: LedgerSummary,
    /// Fingerprint of the key that signed it.
    pub key_fingerprint: String,
    /// The head to pass to `verify --expect-head` later: `SEQ:HASH`.
    pub expect_head: String,
    /// Reports added to the pack (paths inside it), covered by its signature.
    pub reports: Vec<String>,
    /// Temporary files of earlier interrupted exports, removed.
    pub cleaned: Vec<Leftover>,
}

/// `key show`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct KeyInfo {
    /// The current public key, hex.
    pub public_key: String,
    /// Its fingerprint.
    pub fingerprint: String,
    /// Whether the private key is encrypted under a passphrase.
    pub protected: bool,
    /// Every key of the ledger, genesis first.
    pub keys: Vec<KeyUse>,
    /// The file the public key was written to, if asked.
    pub written: Option<String>,
}

/// `key rotate`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct KeyRotated {
    /// The rotation entry.
    pub entry: i64,
    /// The previous key's fingerprint.
    pub previous_fingerprint: String,
    /// The new key's fingerprint.
    pub fingerprint: String,
}

/// `key protect` and `key unprotect`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct KeyProtection {
    /// The key's fingerprint.
    pub fingerprint: String,
    /// Whether it is now encrypted under a passphrase.
    pub protected: bool,
}

/// One file of an `ingest`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct IngestedFile {
    /// The file read.
    pub file: String,
    /// SHA-256 of the file as stored (compressed, if it is).
    pub source_sha256: String,
    /// The evidence that records the part (the existing one when `duplicate`).
    pub evidence: String,
    /// The same data was already ingested: nothing new was stored.
    pub duplicate: bool,
    /// SHA-256 of the Parquet part.
    pub sha256: String,
    /// Rows stored.
    pub rows: u64,
    /// Rows rejected (see `rejects`).
    pub rejected: u64,
    /// Rows the mapping's filter left out.
    pub skipped: u64,
    /// Rows left out because an earlier part already holds them (same key, same values): the
    /// file overlaps an export ingested before.
    pub already_stored: u64,
    /// Earliest and latest value of the dataset's time column.
    pub first_ts: String,
    /// Latest value of the time column.
    pub last_ts: String,
    /// The rejects file (JSON Lines: file, line, reason, record), when rows were rejected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rejects: Option<String>,
    /// The first rejections.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub first_rejections: Vec<String>,
}

/// `ingest`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct IngestResult {
    /// The dataset.
    pub dataset: String,
    /// The mapping applied (name and SHA-256 of its file).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mapping: Option<String>,
    /// One entry per file.
    pub files: Vec<IngestedFile>,
}

/// A registered part of a dataset.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct DatasetPart {
    /// Evidence id.
    pub evidence: String,
    /// Rows.
    pub rows: u64,
    /// Earliest time value.
    pub first_ts: String,
    /// Latest time value.
    pub last_ts: String,
    /// The source files.
    pub sources: Vec<String>,
    /// The mapping applied.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mapping: Option<String>,
    /// When it was ingested.
    pub ingested_at: String,
    /// SHA-256 of the Parquet part.
    pub sha256: String,
}

/// A dataset with its parts.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct DatasetSummary {
    /// Name.
    pub dataset: String,
    /// What it records.
    pub title: String,
    /// Its documented schema: columns, time column, component column, key.
    pub schema: fieldproof_core::dataset::Dataset,
    /// Rows over all parts.
    pub rows: u64,
    /// The parts, oldest first.
    pub parts: Vec<DatasetPart>,
}

/// `datasets`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct DatasetList {
    /// Every dataset, ingested or not.
    pub datasets: Vec<DatasetSummary>,
}

/// A test of the library.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TestInfo {
    /// The definition.
    pub definition: fieldproof_core::control_test::TestDefinition,
    /// `bundled:FILE` for a bundled test, or the path of a workspace test.
    pub origin: String,
    /// SHA-256 of the file.
    pub sha256: String,
}

/// `test --list`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TestLibrary {
    /// The tests, by id.
    pub tests: Vec<TestInfo>,
}

/// One row of a sample.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct SampleRow {
    /// SHA-256(seed ":" key): the sample is the rows with the smallest ranks.
    pub rank: String,
    /// The row's key: its key columns joined by `|`.
    pub key: String,
    /// The row, column by column, as text.
    pub values: Vec<String>,
}

/// `sample`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct SampleResult {
    /// The dataset.
    pub dataset: String,
    /// The engagement whose period and scope bound the population.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub engagement: Option<String>,
    /// The period.
    pub period: String,
    /// The condition narrowing the population.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
    /// Rows in the population.
    pub population: u64,
    /// SHA-256 over the population's keys, each followed by a newline, in key order.
    pub population_sha256: String,
    /// Sample size (never more than the population).
    pub size: u64,
    /// How the size was decided.
    pub basis: fieldproof_core::sampling::SizeBasis,
    /// The seed.
    pub seed: String,
    /// The columns of `rows`.
    pub columns: Vec<String>,
    /// The sample, in rank order.
    pub rows: Vec<SampleRow>,
}

/// `generate`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct GenerateResult {
    /// The directory written.
    pub directory: String,
    /// The period the data covers.
    pub period: String,
    /// Devices.
    pub devices: u64,
    /// Messages per device per day.
    pub rate: u32,
    /// Multiplier of the datasets that do not come from devices (sessions, changes, batches,
    /// alarms); 1 is the estate's own pace.
    pub scale: u32,
    /// Whether no exception was injected.
    pub clean: bool,
    /// Dataset → file.
    pub files: std::collections::BTreeMap<String, String>,
    /// Dataset → rows.
    pub rows: std::collections::BTreeMap<String, u64>,
    /// Test → exceptions injected.
    pub exceptions: std::collections::BTreeMap<String, usize>,
    /// The truth file.
    pub truth: String,
}

/// `test --emit-sql`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct SqlExport {
    /// The JSON file written.
    pub file: String,
    /// The engagement.
    pub engagement: String,
    /// The tests in it.
    pub tests: Vec<String>,
}

/// `status list`: an engagement's design statuses and roadmap pins.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct StatusList {
    /// The engagement.
    pub engagement: String,
    /// Control statuses, by control.
    pub statuses: Vec<fieldproof_core::status::ControlStatus>,
    /// Roadmap pins, by item.
    pub pins: Vec<fieldproof_core::status::RoadmapPin>,
}

/// `status set`, `status pin`, `status apply`: what changed.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct StatusApplied {
    /// The engagement.
    pub engagement: String,
    /// The changes (empty when nothing changed).
    pub changes: Vec<fieldproof_core::status::PlanChange>,
    /// The change set recorded, if anything changed.
    pub change_set: Option<i64>,
}

/// `review`: a report's facts, each with its page, and what a reader should act on.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ReviewResult {
    /// The file read.
    pub file: String,
    /// Its SHA-256.
    pub sha256: String,
    /// The day the findings are judged on (the review date or the reader's fiscal year-end).
    pub reviewed_on: fieldproof_core::engagement::Date,
    /// The bridge letter's date, if one was given.
    pub bridge_letter: Option<fieldproof_core::engagement::Date>,
    /// The facts.
    pub review: fieldproof_review::Review,
    /// The findings.
    pub findings: Vec<fieldproof_review::ReviewFinding>,
    /// Where the review was recorded, when it was reviewed for a supplier of the register.
    pub recorded: Option<RecordedReview>,
}

/// A review recorded in the supplier register.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct RecordedReview {
    /// The supplier.
    pub supplier: String,
    /// The review's number in the supplier's history.
    pub number: u32,
    /// The evidence added to the ledger: the report file, then the review's result.
    pub evidence: Vec<String>,
    /// The change set that records it.
    pub change_set: Option<i64>,
}

/// `supplier add` / `supplier set`: the supplier as saved.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct SupplierSaved {
    /// The supplier.
    pub supplier: fieldproof_review::register::Supplier,
    /// Whether it was added (not changed).
    pub added: bool,
    /// The change set that records it (none when nothing changed).
    pub change_set: Option<i64>,
}

/// A reviewed report, in short.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ReviewSummary {
    /// Its number in the supplier's history.
    pub number: u32,
    /// The file reviewed.
    pub file: String,
    /// Its SHA-256.
    pub sha256: String,
    /// The evidence id of the file.
    pub evidence: Option<String>,
    /// The day it was reviewed on.
    pub reviewed_on: fieldproof_core::engagement::Date,
    /// SOC 1, SOC 2...
    pub kind: Option<fieldproof_review::ReportKind>,
    /// Type 1 or 2.
    pub report_type: Option<fieldproof_review::ReportType>,
    /// The last day the report covers (with a bridge letter).
    pub covers_to: Option<fieldproof_core::engagement::Date>,
    /// The opinion.
    pub opinion: Option<fieldproof_review::Opinion>,
    /// Findings of the review.
    pub findings: usize,
    /// Who confirmed it.
    pub confirmed_by: String,
}

/// The answers to a report's CUECs, counted.
#[derive(Debug, Clone, Default, Serialize, JsonSchema)]
pub struct CuecCounts {
    /// CUECs of the latest report.
    pub total: usize,
    /// Not answered.
    pub open: usize,
    /// Addressed.
    pub addressed: usize,
    /// Not applicable.
    pub not_applicable: usize,
    /// Gaps.
    pub gap: usize,
}

/// A supplier with its latest review and where it stands.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct SupplierSummary {
    /// The supplier.
    pub supplier: fieldproof_review::register::Supplier,
    /// Reports reviewed.
    pub reviews: usize,
    /// The latest review.
    pub latest: Option<ReviewSummary>,
    /// When the next review is due.
    pub next_review_due: fieldproof_core::engagement::Date,
    /// Whether it is due now.
    pub review_due: bool,
    /// The latest report's CUECs, by answer.
    pub cuecs: CuecCounts,
}

/// `supplier list`: the register and its findings.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct SupplierList {
    /// The day it was judged on.
    pub as_of: fieldproof_core::engagement::Date,
    /// Suppliers, by id.
    pub suppliers: Vec<SupplierSummary>,
    /// What the register asks for (these are also readiness findings).
    pub findings: Vec<fieldproof_review::register::RegisterFinding>,
}

/// One CUEC of a supplier's reviewed report, with the reader's answer and suggestions.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct CuecRow {
    /// The supplier.
    pub supplier: String,
    /// The review's number.
    pub review: u32,
    /// The CUEC's number in the report.
    pub number: u32,
    /// Its text.
    pub text: String,
    /// The criteria it cites.
    pub criteria: Vec<String>,
    /// The page of the report.
    pub page: usize,
    /// The reader's answer, if any.
    pub answer: Option<fieldproof_review::register::CuecAnswer>,
    /// The reader's controls suggested for it (a person confirms).
    pub suggestions: Vec<fieldproof_review::register::Suggestion>,
}

/// `supplier show`: a supplier, its reviews and its latest report's CUECs.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct SupplierDetail {
    /// Where it stands.
    pub summary: SupplierSummary,
    /// Every review, oldest first.
    pub reviews: Vec<ReviewSummary>,
    /// The latest review's findings.
    pub findings: Vec<fieldproof_review::ReviewFinding>,
    /// The latest report's CUECs.
    pub cuecs: Vec<CuecRow>,
}

/// `supplier controls`: which NIST SP 800-53 controls (or which controls of a NIST baseline)
/// the supplier implements according to its latest reviewed report.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct SupplierControls {
    /// The supplier's id.
    pub supplier: String,
    /// Its name.
    pub name: String,
    /// The review the table is drawn from (its number in the supplier's history).
    pub review: u32,
    /// The report file reviewed.
    pub file: String,
    /// SHA-256 of the report file.
    pub sha256: String,
    /// The service organisation the report names, when found.
    pub service_organisation: Option<String>,
    /// The last day the report covers (period end or as-of date, bridge letter included).
    pub covers_to: Option<fieldproof_core::engagement::Date>,
    /// The table.
    pub table: fieldproof_review::provider::ProviderTable,
}

/// `cuec list`: the CUECs of every supplier's latest report (or one supplier's).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct CuecList {
    /// The CUECs.
    pub cuecs: Vec<CuecRow>,
}

/// `cuec map` / `cuec status`: the answer as saved.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct CuecAnswered {
    /// The answer.
    pub answer: fieldproof_review::register::CuecAnswer,
    /// The change set that records it (none when nothing changed).
    pub change_set: Option<i64>,
}
