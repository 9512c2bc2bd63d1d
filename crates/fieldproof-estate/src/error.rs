//! Load errors that point at a file, line, column and field, and say what to do.

use std::fmt;
use std::path::PathBuf;

/// Where a problem is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file.
    pub file: PathBuf,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// 1-based column, when known.
    pub column: Option<usize>,
    /// The field path (`components[2].kind`, CSV column name), when known.
    pub field: Option<String>,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        if let Some(field) = &self.field {
            write!(f, ": field `{field}`")?;
        }
        Ok(())
    }
}

/// One problem with an estate file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Where.
    pub location: Location,
    /// What is wrong and what to do.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.message)
    }
}

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
