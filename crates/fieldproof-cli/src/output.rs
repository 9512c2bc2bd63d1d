//! Writing results: text or JSON to stdout (a closed pipe ends the command quietly), a document
//! to a file (atomically, through the application layer), and a progress bar for long reads.

use anyhow::Result;
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use std::io::Write;
use std::path::Path;

/// Writes `text` to stdout; a reader that went away (`| head`) is not an error.
pub fn print(text: &str) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|_| stdout.flush())
    {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

/// A JSON contract or document, pretty, with a final newline.
pub fn json_bytes<T: Serialize>(value: &T) -> Result<Vec<u8>> {
    let mut text = serde_json::to_string_pretty(value)?;
    text.push('\n');
    Ok(text.into_bytes())
}

/// Prints a JSON contract, pretty, with a final newline.
pub fn json<T: Serialize>(value: &T) -> Result<()> {
    print(&String::from_utf8_lossy(&json_bytes(value)?))
}

/// Writes `bytes` to `path` when given (atomically), else to stdout.
pub fn emit(path: Option<&Path>, bytes: &[u8]) -> Result<()> {
    match path {
        Some(path) => Ok(fieldproof_app::scope::write_file(path, bytes)?),
        None => print(&String::from_utf8_lossy(bytes)),
    }
}

/// A progress bar on stderr for reading `path`, shown only once there is something to measure
/// and only on a terminal; call the returned closure with (done, total), then `finish`.
pub struct Progress {
    bar: ProgressBar,
    started: bool,
    label: String,
}

impl Progress {
    /// A bar for reading `path`.
    pub fn reading(path: &Path) -> Self {
        Progress {
            bar: ProgressBar::hidden(),
            started: false,
            label: format!("reading {}", path.display()),
        }
    }

    /// A bar for work described by `label`.
    #[cfg_attr(not(feature = "analytics"), allow(dead_code))]
    pub fn labelled(label: String) -> Self {
        Progress {
            bar: ProgressBar::hidden(),
            started: false,
            label,
        }
    }

    /// A bar that never shows (input from the workspace).
    pub fn none() -> Self {
        Progress {
            bar: ProgressBar::hidden(),
            started: true,
            label: String::new(),
        }
    }

    /// Records progress.
    pub fn update(&mut self, done: u64, total: u64) {
        if !self.started && total > 0 {
            self.started = true;
            self.bar
                .set_draw_target(indicatif::ProgressDrawTarget::stderr());
            self.bar.set_length(total);
            self.bar.set_style(
                ProgressStyle::with_template("{msg} [{bar:30}] {bytes}/{total_bytes} ({eta})")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
            );
            self.bar.set_message(self.label.clone());
        }
        self.bar.set_position(done);
    }

    /// Removes the bar.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}
