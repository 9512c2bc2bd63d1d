//! Estate load errors: a read failure, an unknown format, or located problems.

pub use fieldproof_core::location::{Location, Problem};
use std::path::PathBuf;

/// Why an estate could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file could not be read.
    #[error("{}: cannot read the estate file: {source}", file.display())]
    Read {
        /// The file.
        file: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file's extension is not one we read.
    #[error("{}: unknown estate format; use a .yaml/.yml estate file or a .csv inventory", file.display())]
    UnknownFormat {
        /// The file.
        file: PathBuf,
    },
    /// The content is invalid; every problem found is listed.
    #[error("{}", render(problems))]
    Invalid {
        /// The problems, in file order.
        problems: Vec<Problem>,
    },
}

impl LoadError {
    /// A single-problem error.
    pub fn at(location: Location, message: impl Into<String>) -> Self {
        LoadError::Invalid {
            problems: vec![Problem {
                location,
                message: message.into(),
            }],
        }
    }

    /// The problems (empty for read and format errors).
    pub fn problems(&self) -> &[Problem] {
        match self {
            LoadError::Invalid { problems } => problems,
            _ => &[],
        }
    }
}

/// At most this many problems are printed; the rest are counted.
const SHOWN: usize = 20;

fn render(problems: &[Problem]) -> String {
    let mut lines: Vec<String> = problems
        .iter()
        .take(SHOWN)
        .map(ToString::to_string)
        .collect();
    if problems.len() > SHOWN {
        lines.push(format!("... and {} more problems", problems.len() - SHOWN));
    }
    lines.join("\n")
}
