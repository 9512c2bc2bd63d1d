//! The pure core of fieldproof: the estate model, the scope engine ("scope follows
//! responsibility"), scope findings and the shared responsibility matrix.
//!
//! Nothing here reads files, the clock or the environment: the same estate always gives the
//! same assessment, whatever the order of its components. Loading lives in `fieldproof-estate`,
//! rendering in `fieldproof-report`, persistence in `fieldproof-store`.

pub mod access;
pub mod assessment;
pub mod cadence;
pub mod cluster;
pub mod component;
pub mod control_test;
pub mod dataset;
pub mod diff;
pub mod engagement;
pub mod estate;
pub mod findings;
pub mod input;
pub mod location;
pub mod responsibility;
pub mod rollup;
pub mod safe_text;
pub mod sampling;
pub mod scope;
pub mod status;
pub mod value_table;

pub use assessment::{assess, Assessment};
pub use component::{
    Asset, Component, Fact, Facts, Kind, Operator, Scope, Site, TelemetryExpectation, Zone,
};
pub use estate::{
    Domain, Estate, ResponsibilityStatement, SubserviceMethod, SubserviceOrganisation,
};
pub use findings::{Finding, Severity};
pub use scope::triggers::{Trigger, TscCategory};
pub use scope::ScopeDecision;
