//! Renders fieldproof results for people and machines: scope JSON, tables and Markdown, the
//! `--explain` text, the system boundary statement (Markdown, HTML) and the shared
//! responsibility matrix (Markdown, CSV, HTML).
//!
//! Renderers are pure functions of an assessment: no clock, no environment, so the same estate
//! always gives byte-identical documents (the examples' outputs are golden-tested).

pub mod boundary;
pub mod catalog;
pub mod contract;
pub mod doc;
pub mod documents;
pub mod evidence;
pub mod matrix;
pub mod oscal;
pub mod pdf;
pub mod readiness;
pub mod requests;
pub mod results;
pub mod review;
pub mod scope;
pub mod test_results;
pub mod text;
