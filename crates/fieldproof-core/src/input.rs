//! Bad input, typed by the input it concerns, so that each front end names that input in its
//! own words: the command line as a flag (`--due`), the web app as a form field or query
//! parameter ("Due date"). The problem itself is worded for any front end: it never spells a
//! flag or a command.

use std::fmt;

/// An input a use case takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// The engagement an action belongs to.
    Engagement,
    /// The identifier of what is created.
    Id,
    /// The kind of SOC report an engagement leads to.
    ReportKind,
    /// Type 1 (a date) or type 2 (a period).
    ReportType,
    /// The period of a type 2 engagement.
    Period,
    /// The date of a type 1 engagement.
    AsOf,
    /// The trust services categories reported on.
    Categories,
    /// A control of the library.
    Control,
    /// One evidence request of a control.
    Request,
    /// The period a piece of evidence covers (`FROM..TO`).
    Covers,
    /// Whether a piece of evidence is a population of its period.
    Population,
    /// What is added as evidence: files, a link or an attestation.
    Files,
    /// An Ed25519 public key.
    Key,
    /// The ledger head a verifier expects.
    ExpectHead,
    /// Why something is retired or rotated (recorded in the ledger).
    Reason,
    /// The evidence a new piece replaces.
    Supersedes,
    /// When a token expires.
    Expires,
    /// A kind of catalog entry.
    Kind,
    /// A control's design status.
    Status,
    /// A due date.
    Due,
    /// Who owns a control or an action.
    Owner,
    /// Why a control's design status is what it is.
    Rationale,
    /// A report, as `KIND.FORMAT`.
    Report,
    /// An output format.
    Format,
    /// The store URL.
    Store,
    /// The store a migration copies into.
    To,
    /// A mapping of a source's records to a dataset.
    Map,
    /// A lookup table a mapping names, as `NAME=FILE`.
    Lookup,
    /// Which tests to run.
    Only,
    /// The Ballista cluster a run uses, `df://HOST:PORT`.
    Cluster,
    /// Where a cluster's executors read the parts, `s3://BUCKET/PREFIX`.
    ClusterParts,
    /// The address a cluster role listens on.
    Bind,
    /// How long a cluster scheduler waits to hear from an executor before taking it as lost.
    ExecutorTimeout,
    /// The seed of a random sample.
    Seed,
    /// The first day of a sample's period.
    Start,
    /// A test parameter, as `NAME=VALUE`.
    Param,
    /// How often a sampled control operates.
    Frequency,
    /// The confidence level of an attribute sample, percent.
    Confidence,
    /// The tolerable deviation rate of an attribute sample, percent.
    Tolerable,
    /// The expected deviation rate of an attribute sample, percent.
    Expected,
    /// A condition on a dataset's rows (SQL).
    Where,
    /// Devices in a generated fleet.
    Devices,
    /// How many times the generator multiplies the datasets that do not come from devices.
    Scale,
    /// Days of generated data.
    Days,
    /// Messages per device per day in generated data.
    Rate,
    /// Another name a framework answers to.
    Alias,
    /// A fact of a component (`NAME=true|false`).
    Fact,
    /// A component's declared scope.
    DeclaredScope,
    /// The date of a SOC report's bridge letter.
    BridgeLetter,
    /// A supplier of the register (its id).
    Supplier,
    /// A name.
    Name,
    /// The services a supplier provides.
    Services,
    /// How much the reader depends on a supplier.
    Criticality,
    /// Estate components.
    Components,
    /// Months between a supplier's reviews.
    ReviewEvery,
    /// A reviewed report in a supplier's history (its number).
    ReviewNumber,
    /// A CUEC of a reviewed report (its number).
    Cuec,
    /// Evidence ids.
    Evidence,
    /// A CUEC answer's status.
    CuecStatus,
    /// The framework (a NIST baseline) a table lists.
    Baseline,
}

impl Field {
    /// The input's name: the command line's flag without its dashes, and the web's field name.
    pub fn name(self) -> &'static str {
        match self {
            Field::Engagement => "engagement",
            Field::Id => "id",
            Field::ReportKind => "report",
            Field::ReportType => "type",
            Field::Period => "period",
            Field::AsOf => "as-of",
            Field::Categories => "categories",
            Field::Control => "control",
            Field::Request => "request",
            Field::Covers => "covers",
            Field::Population => "population",
            Field::Files => "files",
            Field::Key => "key",
            Field::ExpectHead => "expect-head",
            Field::Reason => "reason",
            Field::Supersedes => "supersedes",
            Field::Expires => "expires",
            Field::Kind => "kind",
            Field::Status => "status",
            Field::Due => "due",
            Field::Owner => "owner",
            Field::Rationale => "rationale",
            Field::Report => "report",
            Field::Format => "format",
            Field::Store => "store",
            Field::To => "to",
            Field::Map => "map",
            Field::Lookup => "lookup",
            Field::Only => "only",
            Field::Cluster => "cluster",
            Field::ClusterParts => "cluster-parts",
            Field::Bind => "bind",
            Field::ExecutorTimeout => "executor-timeout",
            Field::Seed => "seed",
            Field::Start => "start",
            Field::Param => "param",
            Field::Frequency => "frequency",
            Field::Confidence => "confidence",
            Field::Tolerable => "tolerable",
            Field::Expected => "expected",
            Field::Where => "where",
            Field::Devices => "devices",
            Field::Scale => "scale",
            Field::Days => "days",
            Field::Rate => "rate",
            Field::Alias => "alias",
            Field::Fact => "fact",
            Field::DeclaredScope => "declared-scope",
            Field::BridgeLetter => "bridge-letter",
            Field::Supplier => "supplier",
            Field::Name => "name",
            Field::Services => "services",
            Field::Criticality => "criticality",
            Field::Components => "components",
            Field::ReviewEvery => "review-every",
            Field::ReviewNumber => "review",
            Field::Cuec => "cuec",
            Field::Evidence => "evidence",
            Field::CuecStatus => "status",
            Field::Baseline => "baseline",
        }
    }

    /// The input in a person's words, as a form labels it.
    pub fn label(self) -> &'static str {
        match self {
            Field::Engagement => "Engagement",
            Field::Id => "Identifier",
            Field::ReportKind => "Report",
            Field::ReportType => "Report type",
            Field::Period => "Period",
            Field::AsOf => "As of",
            Field::Categories => "Categories",
            Field::Control => "Control",
            Field::Request => "Evidence request",
            Field::Covers => "Period covered",
            Field::Population => "Population",
            Field::Files => "Files",
            Field::Key => "Public key",
            Field::ExpectHead => "Expected ledger head",
            Field::Reason => "Reason",
            Field::Supersedes => "Supersedes",
            Field::Expires => "Expires",
            Field::Kind => "Kind",
            Field::Status => "Design status",
            Field::Due => "Due date",
            Field::Owner => "Owner",
            Field::Rationale => "Rationale",
            Field::Report => "Report",
            Field::Format => "Format",
            Field::Store => "Store",
            Field::To => "Target store",
            Field::Map => "Mapping",
            Field::Lookup => "Lookup table",
            Field::Only => "Tests",
            Field::Cluster => "Cluster",
            Field::ClusterParts => "Cluster parts",
            Field::Bind => "Listen on",
            Field::ExecutorTimeout => "Executor timeout",
            Field::Seed => "Seed",
            Field::Start => "Start date",
            Field::Param => "Parameter",
            Field::Frequency => "Frequency",
            Field::Confidence => "Confidence",
            Field::Tolerable => "Tolerable deviation rate",
            Field::Expected => "Expected deviation rate",
            Field::Where => "Condition",
            Field::Devices => "Devices",
            Field::Scale => "Scale",
            Field::Days => "Days",
            Field::Rate => "Messages a day",
            Field::Alias => "Alias",
            Field::Fact => "Facts",
            Field::DeclaredScope => "Declared scope",
            Field::BridgeLetter => "Bridge letter",
            Field::Supplier => "Supplier",
            Field::Name => "Name",
            Field::Services => "Services",
            Field::Criticality => "Criticality",
            Field::Components => "Components",
            Field::ReviewEvery => "Months between reviews",
            Field::ReviewNumber => "Reviewed report",
            Field::Cuec => "CUEC",
            Field::Evidence => "Evidence",
            Field::CuecStatus => "Status",
            Field::Baseline => "Baseline",
        }
    }
}

/// One input is wrong or missing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The input.
    pub field: Field,
    /// The value given, when the problem is with a value.
    pub value: Option<String>,
    /// Whether the input is missing (and needed).
    pub missing: bool,
    /// What is wrong and what to do, in words that name no flag and no page.
    pub problem: String,
}

impl FieldError {
    /// The value given is wrong.
    pub fn value(field: Field, value: impl Into<String>, problem: impl Into<String>) -> Self {
        FieldError {
            field,
            value: Some(value.into()),
            missing: false,
            problem: problem.into(),
        }
    }

    /// The input is wrong as a whole.
    pub fn field(field: Field, problem: impl Into<String>) -> Self {
        FieldError {
            field,
            value: None,
            missing: false,
            problem: problem.into(),
        }
    }

    /// The input is needed and was not given; `why` says what it is for.
    pub fn missing(field: Field, why: impl Into<String>) -> Self {
        FieldError {
            field,
            value: None,
            missing: true,
            problem: why.into(),
        }
    }

    /// The message with the input named by `name` (a form's label), the value quoted.
    pub fn render(&self, name: &str) -> String {
        match &self.value {
            Some(value) => format!("{name} '{value}': {}", self.problem),
            None => self.render_flag(name),
        }
    }

    /// The message with the input named as a command line names it: `flag` followed by the
    /// value as it was typed after it (`--control FP-XX-99: ...`).
    pub fn render_flag(&self, flag: &str) -> String {
        match &self.value {
            Some(value) => format!("{flag} {value}: {}", self.problem),
            None if self.missing => format!("{flag} is needed: {}", self.problem),
            None => format!("{flag}: {}", self.problem),
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render_flag(self.field.name()))
    }
}

impl std::error::Error for FieldError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_front_end_names_the_input_its_own_way() {
        let e = FieldError::value(Field::Due, "31/03/2027", "not a date (YYYY-MM-DD)");
        assert_eq!(
            e.render_flag("--due"),
            "--due 31/03/2027: not a date (YYYY-MM-DD)"
        );
        assert_eq!(
            e.render(e.field.label()),
            "Due date '31/03/2027': not a date (YYYY-MM-DD)"
        );
        let missing = FieldError::missing(Field::Reason, "it is recorded in the ledger");
        assert_eq!(
            missing.render_flag("--reason"),
            "--reason is needed: it is recorded in the ledger"
        );
        assert_eq!(
            missing.render(missing.field.label()),
            "Reason is needed: it is recorded in the ledger"
        );
        let whole = FieldError::field(Field::Covers, "the period ends before it starts");
        assert_eq!(
            whole.to_string(),
            "covers: the period ends before it starts"
        );
    }
}
