//! Estate load errors: a read failure, an unknown format, or located problems.

pub use fieldproof_core::location::{Location, Problem};
use std::path::PathBuf;

/// Why an estate could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file could not be read.
    #[error("{}: cannot read the estate file: {reason}", file.display())]
    Read {
        /// The file.
        file: PathBuf,
        /// The operating system's words.
        reason: String,
    },
    /// The path is not a regular file (a FIFO would block forever, a device never ends).
    #[error("{}: it is {what}, not a regular file; give an estate file (.yaml) or a CSV inventory", file.display())]
    NotAFile {
        /// The path.
        file: PathBuf,
        /// What it is.
        what: &'static str,
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

/// Refuses anything but a regular file, before it is opened.
pub fn check_regular(path: &std::path::Path) -> Result<u64, LoadError> {
    let meta = std::fs::metadata(path).map_err(|e| LoadError::Read {
        file: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    match fieldproof_core::location::not_a_regular_file(&meta.file_type()) {
        None => Ok(meta.len()),
        Some(what) => Err(LoadError::NotAFile {
            file: path.to_path_buf(),
            what,
        }),
    }
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
