//! Event evidence datasets: the populations full-population tests run over (device identity
//! events, telemetry ingestion outcomes, firmware releases and rollouts, privileged sessions,
//! access reviews, change tickets, changes observed on OT assets, backups, restore tests, incidents, alarms, production counts and
//! ERP postings). Each dataset has a documented schema: the required columns, their types,
//! which may be null, the values an enumerated column accepts, the column that dates a row (the
//! engagement period filters on it) and the column naming the estate component a row concerns
//! (the scope filters on it). Columns a source has beyond these are kept, as one JSON object in
//! the `extra` column. The reference is `docs/datasets.md`; this table is its source of truth.

use schemars::JsonSchema;
use serde::Serialize;

/// The type of a dataset column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ColumnType {
    /// UTF-8 text.
    Text,
    /// An instant, RFC 3339 on input (`2026-03-01T09:00:00Z`, an offset or a fraction allowed),
    /// stored as UTC microseconds.
    Timestamp,
    /// `true` or `false`.
    Boolean,
    /// A whole number (64-bit).
    Integer,
    /// A decimal number (64-bit floating point).
    Float,
}

impl ColumnType {
    /// `text`, `timestamp`, `boolean`, `integer`, `float`.
    pub const fn as_str(self) -> &'static str {
        match self {
            ColumnType::Text => "text",
            ColumnType::Timestamp => "timestamp",
            ColumnType::Boolean => "boolean",
            ColumnType::Integer => "integer",
            ColumnType::Float => "float",
        }
    }
}

/// One column of a dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Column {
    /// Name.
    pub name: &'static str,
    /// Type.
    #[serde(rename = "type")]
    pub ty: ColumnType,
    /// Whether a row may leave it empty (a rejected message has no stored tenant).
    pub nullable: bool,
    /// The values an enumerated text column accepts (empty: any text).
    pub values: &'static [&'static str],
    /// What it holds.
    pub doc: &'static str,
}

/// A dataset: a kind of event evidence with its schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Dataset {
    /// Name (`device_identity_events`).
    pub name: &'static str,
    /// What it records.
    pub title: &'static str,
    /// The required columns, in storage order.
    pub columns: &'static [Column],
    /// The timestamp column that dates a row: the engagement period filters on it, and a
    /// part's time range is read from it.
    pub time: &'static str,
    /// The column holding the estate component a row concerns (`target`), when rows concern one:
    /// tests see only rows of components in scope or shared.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub component: Option<&'static str>,
    /// Columns that identify a row, for samples and exception keys.
    pub key: &'static [&'static str],
}

/// The column every stored dataset has after its schema columns: the source's other fields as
/// one JSON object (null when there are none).
pub const EXTRA: &str = "extra";

impl Dataset {
    /// A column by name.
    pub fn column(&self, name: &str) -> Option<&'static Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}

const fn col(name: &'static str, ty: ColumnType, doc: &'static str) -> Column {
    Column {
        name,
        ty,
        nullable: false,
        values: &[],
        doc,
    }
}

const fn opt(name: &'static str, ty: ColumnType, doc: &'static str) -> Column {
    Column {
        name,
        ty,
        nullable: true,
        values: &[],
        doc,
    }
}

const fn choice(name: &'static str, values: &'static [&'static str], doc: &'static str) -> Column {
    Column {
        name,
        ty: ColumnType::Text,
        nullable: false,
        values,
        doc,
    }
}

use ColumnType::{Boolean, Float, Integer, Text, Timestamp};

/// Every dataset, in documentation order.
pub const DATASETS: &[Dataset] = &[
    Dataset {
        name: "device_identity_events",
        title: "Device identity lifecycle: provisioning, credential rotation, revocation, quarantine, reinstatement and decommissioning",
        columns: &[
            col("ts", Timestamp, "When the event happened"),
            col("tenant", Text, "Tenant (customer) the device is bound to"),
            col("device_id", Text, "Device identifier"),
            choice("event", &["provisioned", "rotated", "revoked", "quarantined", "reinstated", "decommissioned"], "What happened to the device's identity"),
            opt("credential_fingerprint", Text, "Fingerprint of the credential issued or in force (SHA-256 of the certificate or key)"),
            opt("actor", Text, "Person or service that performed the event"),
            opt("approval_ref", Text, "Approval (order, ticket) behind the event"),
            opt("device_class", Text, "Class of the device (model or product line), as a component's `telemetry.device_class` names it: how often it is expected to report"),
        ],
        time: "ts",
        component: None,
        key: &["device_id", "ts", "event"],
    },
    Dataset {
        name: "telemetry_ingest",
        title: "Telemetry ingestion outcomes: every message received, and what ingestion did with it",
        columns: &[
            col("ts", Timestamp, "When the message was received by ingestion (not the device's payload time, which store and forward would make hide a silence)"),
            col("tenant", Text, "Tenant the ingestion pipeline attributed the message to"),
            col("device_id", Text, "Sending device"),
            col("message_id", Text, "Message identifier from the device (sequence number or id)"),
            choice("outcome", &["accepted", "rejected", "dlq", "duplicate"], "What ingestion did"),
            opt("reason", Text, "Why a message was rejected, dead-lettered or dropped as duplicate"),
            opt("stored_tenant", Text, "Tenant the message was stored under (empty when not stored)"),
        ],
        time: "ts",
        component: None,
        key: &["device_id", "message_id", "ts"],
    },
    Dataset {
        name: "firmware_releases",
        title: "Firmware and fleet configuration releases with signing and approval",
        columns: &[
            col("release_id", Text, "Release identifier"),
            col("version", Text, "Version"),
            opt("artifact_sha256", Text, "SHA-256 of the released artifact"),
            opt("signed", Boolean, "Whether the artifact was signed"),
            opt("signature_verified", Boolean, "Whether the signature was verified before release"),
            opt("signing_key_id", Text, "Key that signed it"),
            col("author", Text, "Who built the release"),
            opt("approver", Text, "Who approved the release"),
            opt("approved_at", Timestamp, "When it was approved"),
            col("released_at", Timestamp, "When it was released to the fleet"),
        ],
        time: "released_at",
        component: None,
        key: &["release_id"],
    },
    Dataset {
        name: "firmware_rollouts",
        title: "Rollout stages of releases: canary, cohorts, full fleet, rollback",
        columns: &[
            col("release_id", Text, "Release rolled out"),
            choice("stage", &["canary", "cohort", "full", "rollback"], "Stage"),
            opt("cohort", Text, "Cohort name"),
            col("started_at", Timestamp, "When the stage started"),
            opt("ended_at", Timestamp, "When the stage ended"),
            col("devices_targeted", Integer, "Devices the stage targeted"),
            col("devices_failed", Integer, "Devices that failed to update"),
            col("halted", Boolean, "Whether the stage was halted"),
        ],
        time: "started_at",
        component: None,
        key: &["release_id", "stage", "started_at"],
    },
    Dataset {
        name: "access_sessions",
        title: "Access sessions, privileged and remote, with their approval",
        columns: &[
            col("session_id", Text, "Session identifier"),
            col("actor", Text, "Who connected"),
            opt("role", Text, "Role used"),
            col("target", Text, "Component reached (an estate component id)"),
            col("privileged", Boolean, "Whether the session had privileged rights"),
            col("started_at", Timestamp, "Start"),
            opt("ended_at", Timestamp, "End"),
            opt("approval_ref", Text, "Approval behind the session"),
            opt("approved_by", Text, "Who approved it"),
            opt("expires_at", Timestamp, "When the approval or session expires"),
            opt("mfa", Boolean, "Whether multi-factor authentication was used"),
        ],
        time: "started_at",
        component: Some("target"),
        key: &["session_id"],
    },
    Dataset {
        name: "access_reviews",
        title: "Access reviews of components",
        columns: &[
            col("review_id", Text, "Review identifier"),
            col("target", Text, "Component reviewed (an estate component id)"),
            col("performed_at", Timestamp, "When the review was performed"),
            col("reviewer", Text, "Who reviewed"),
            col("signed_off", Boolean, "Whether the review was signed off"),
        ],
        time: "performed_at",
        component: Some("target"),
        key: &["review_id"],
    },
    Dataset {
        name: "changes",
        title: "Changes to components: PLC programs, recipes, configurations, firmware, software",
        columns: &[
            col("change_id", Text, "Change ticket"),
            col("target", Text, "Component changed (an estate component id)"),
            choice("kind", &["plc_program", "recipe", "config", "firmware", "software"], "Kind of change"),
            col("requested_by", Text, "Who requested it"),
            opt("approved_by", Text, "Who approved it; several approvers separated by `,` or `;`"),
            opt("approved_at", Timestamp, "When it was approved (for an emergency change, may follow deployment within the test's window)"),
            opt("fat_passed", Boolean, "Factory acceptance test passed"),
            opt("sat_passed", Boolean, "Site acceptance test passed"),
            col("deployed_at", Timestamp, "When it was deployed"),
            opt("emergency", Boolean, "Whether it was an emergency change, approved after the fact under the change procedure"),
        ],
        time: "deployed_at",
        component: Some("target"),
        key: &["change_id"],
    },
    Dataset {
        name: "ot_change_events",
        title: "Changes observed on OT assets: controller program downloads, online edits, configuration and firmware changes, from controller, engineering-workstation or deployment logs",
        columns: &[
            col("ts", Timestamp, "When the change happened on the asset"),
            col("target", Text, "Asset changed (an estate component id)"),
            opt("actor", Text, "Account or workstation that made the change, as the log records it"),
            col("what", Text, "What changed (program download, online edit, setpoint, configuration, firmware), as the log words it"),
            opt("change_ref", Text, "Change ticket the log or the engineer recorded with the change"),
            opt("source", Text, "The log it was read from (controller audit log, asset-management tool, deployment pipeline)"),
        ],
        time: "ts",
        component: Some("target"),
        key: &["target", "ts", "what"],
    },
    Dataset {
        name: "backups",
        title: "Backup jobs of programs, configurations, recipes and data",
        columns: &[
            col("target", Text, "Component backed up (an estate component id)"),
            col("kind", Text, "What was backed up (plc_program, hmi_config, recipe, database, ...)"),
            col("ts", Timestamp, "When the job ran"),
            col("success", Boolean, "Whether it succeeded"),
        ],
        time: "ts",
        component: Some("target"),
        key: &["target", "kind", "ts"],
    },
    Dataset {
        name: "restore_tests",
        title: "Restore tests",
        columns: &[
            col("target", Text, "Component restored (an estate component id)"),
            col("kind", Text, "What was restored"),
            col("ts", Timestamp, "When the test ran"),
            col("success", Boolean, "Whether the restore worked"),
        ],
        time: "ts",
        component: Some("target"),
        key: &["target", "kind", "ts"],
    },
    Dataset {
        name: "incidents",
        title: "Incidents with detection, ticketing and resolution times",
        columns: &[
            col("incident_id", Text, "Incident identifier"),
            choice("severity", &["critical", "high", "medium", "low"], "Severity"),
            col("detected_at", Timestamp, "When it was detected"),
            opt("ticketed_at", Timestamp, "When a ticket was opened"),
            opt("resolved_at", Timestamp, "When it was resolved"),
            opt("runbook_ref", Text, "Runbook followed"),
        ],
        time: "detected_at",
        component: None,
        key: &["incident_id"],
    },
    Dataset {
        name: "alarms",
        title: "Alarm journal: every alarm state change, shelving and suppression included",
        columns: &[
            col("ts", Timestamp, "When the state changed"),
            col("target", Text, "Component that raised the alarm (an estate component id)"),
            col("alarm_id", Text, "Alarm tag or identifier"),
            col("priority", Text, "Alarm priority"),
            choice("state", &["raised", "acknowledged", "shelved", "suppressed", "cleared"], "New state"),
            opt("actor", Text, "Who changed the state (empty for the system)"),
            opt("approval_ref", Text, "Approval behind a shelve or suppress"),
            opt("shelved_until", Timestamp, "On a shelve or a suppression by a person: when the approved shelve ends"),
            opt("unshelved_at", Timestamp, "On a shelve or a suppression by a person: when it actually ended (empty while it lasts)"),
        ],
        time: "ts",
        component: Some("target"),
        key: &["target", "alarm_id", "ts", "state"],
    },
    Dataset {
        name: "production_counts",
        title: "Production counts per batch from the plant",
        columns: &[
            col("batch_id", Text, "Batch"),
            col("site", Text, "Site"),
            col("line", Text, "Line"),
            col("product", Text, "Product"),
            col("quantity", Float, "Good quantity produced"),
            col("ts", Timestamp, "When the batch completed"),
            opt("unit", Text, "Unit of measure of the quantity (kg, t, pcs, L)"),
        ],
        time: "ts",
        component: None,
        key: &["batch_id"],
    },
    Dataset {
        name: "erp_postings",
        title: "Production postings in the ERP",
        columns: &[
            col("batch_id", Text, "Batch posted"),
            col("product", Text, "Product"),
            col("quantity", Float, "Quantity posted"),
            col("posted_at", Timestamp, "When it was posted"),
            opt("unit", Text, "Unit of measure of the quantity posted"),
        ],
        time: "posted_at",
        component: None,
        key: &["batch_id", "posted_at"],
    },
];

/// A dataset by name.
pub fn dataset(name: &str) -> Option<&'static Dataset> {
    DATASETS.iter().find(|d| d.name == name)
}

/// The dataset names, for messages.
pub fn names() -> Vec<&'static str> {
    DATASETS.iter().map(|d| d.name).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_dataset_names_real_columns() {
        for d in DATASETS {
            let time = d.column(d.time).expect("time column exists");
            assert_eq!(time.ty, ColumnType::Timestamp, "{}", d.name);
            assert!(!time.nullable, "{}: rows are dated", d.name);
            if let Some(c) = d.component {
                assert_eq!(d.column(c).map(|c| c.ty), Some(ColumnType::Text));
            }
            for k in d.key {
                assert!(d.column(k).is_some(), "{}.{k}", d.name);
            }
            assert!(d.column(EXTRA).is_none(), "{}: `extra` is reserved", d.name);
        }
        assert_eq!(DATASETS.len(), 14);
    }
}
