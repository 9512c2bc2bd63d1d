//! Full-population control tests over event evidence.
//!
//! - [`ingest`] reads JSON Lines and CSV exports (gzip too), optionally through a [`mapping`]
//!   that renames and converts a real source's fields, validates every row against the
//!   dataset's schema (bad rows go to a rejects file with their line and reason), and writes one
//!   Parquet part per source file, streaming, with memory bounded whatever the file size.
//! - [`library`] holds the tests: data files with SQL and metadata, bundled and user-supplied.
//! - [`engine`] runs them on Apache DataFusion over the Parquet parts, restricted to an
//!   engagement's period and to the components in scope, and writes the exception rows as CSV
//!   and Parquet with a result hash that is the same for the same inputs.
//! - [`sample`] selects Type II samples deterministically from a seed.
//! - [`generate`] writes synthetic data with known exceptions and a truth file.
//!
//! This is the only crate that depends on Arrow and DataFusion; the result types live in
//! `fieldproof-core` (`control_test`), so reports and front ends do not.

#[cfg(feature = "cluster")]
pub mod cluster;
pub mod engine;
pub mod generate;
pub mod ingest;
pub mod keys;
pub mod library;
pub mod mapping;
pub mod parts_store;
pub mod sample;
pub mod schema;
pub mod timestamp;

/// Why an analytics operation failed.
#[derive(Debug, thiserror::Error)]
pub enum AnalyticsError {
    /// Bad input (a file, a mapping, a test definition, an argument): the message says what
    /// and what to do.
    #[error("{0}")]
    Input(String),
    /// One input of the use case is wrong (each front end names it its own way).
    #[error("{0}")]
    Field(#[from] fieldproof_core::input::FieldError),
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// The query engine failed.
    #[error("query engine: {0}")]
    Engine(String),
}

impl From<datafusion::error::DataFusionError> for AnalyticsError {
    fn from(e: datafusion::error::DataFusionError) -> Self {
        AnalyticsError::Engine(e.to_string())
    }
}

impl From<datafusion::arrow::error::ArrowError> for AnalyticsError {
    fn from(e: datafusion::arrow::error::ArrowError) -> Self {
        AnalyticsError::Engine(e.to_string())
    }
}

impl From<datafusion::parquet::errors::ParquetError> for AnalyticsError {
    fn from(e: datafusion::parquet::errors::ParquetError) -> Self {
        AnalyticsError::Engine(e.to_string())
    }
}

/// Result of analytics operations.
pub type Result<T, E = AnalyticsError> = std::result::Result<T, E>;

/// The engine name and version recorded with every test run.
pub fn engine_name() -> String {
    format!("datafusion {}", datafusion::DATAFUSION_VERSION)
}

/// Bytes as lowercase hexadecimal (how every SHA-256 is written).
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn io(path: &std::path::Path) -> impl FnOnce(std::io::Error) -> AnalyticsError + '_ {
    move |source| AnalyticsError::Io {
        path: path.to_path_buf(),
        source,
    }
}
