//! Synthetic event evidence with known exceptions, for trying the tests, for the test suite
//! and for the benchmark.
//!
//! Every dataset is written for an estate's components over a period: telemetry from a device
//! fleet (`devices` × `rate` messages a day), its identity lifecycle, firmware releases and
//! rollouts, privileged sessions, quarterly access reviews, change tickets and the changes the
//! assets logged, backups, restore tests,
//! incidents, an alarm journal, production batches and their ERP postings. The data is clean —
//! every bundled test passes on it — except for a handful of injected exceptions per test,
//! listed in `truth.json` with the exception key the test reports; some exceptions are placed
//! on out-of-scope components, where the tests must not see them. The same seed gives the same
//! bytes.

use crate::{io, AnalyticsError, Result};
use fieldproof_core::engagement::{Date, Period};
use fieldproof_core::input::{Field, FieldError};
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

const HOUR: i64 = 3_600_000_000;
const DAY: i64 = 24 * HOUR;
const MINUTE: i64 = 60_000_000;

/// A component the generator writes rows for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Component id.
    pub id: String,
    /// Kind (`plc`, `scada`, ...).
    pub kind: String,
    /// In scope or shared (rows of others must not reach the tests).
    pub in_scope: bool,
    /// Enforces access control (gets quarterly access reviews).
    pub enforces_access_control: bool,
}

impl Target {
    /// A component and its scope decision as the generator needs them.
    pub fn of(c: &fieldproof_core::Component, d: &fieldproof_core::ScopeDecision) -> Self {
        Target {
            id: c.id.clone(),
            kind: c.kind.as_str().to_string(),
            in_scope: d.scope != fieldproof_core::Scope::Out,
            enforces_access_control: c.has(fieldproof_core::Fact::EnforcesAccessControl),
        }
    }
}

/// What to generate.
#[derive(Debug, Clone)]
pub struct Options {
    /// Components of the estate.
    pub targets: Vec<Target>,
    /// Devices in the fleet.
    pub devices: u64,
    /// Days in the period.
    pub days: u32,
    /// First day of the period.
    pub start: Date,
    /// Messages per device per day.
    pub rate: u32,
    /// Multiplies the rows of the datasets that do not come from devices (privileged sessions,
    /// changes and the changes the assets logged, production batches and their postings, the
    /// alarm journal), so a benchmark's whole library grows with its fleet; 1 is the estate's
    /// own pace.
    pub scale: u32,
    /// Seed.
    pub seed: u64,
    /// Write clean data: no injected exception.
    pub clean: bool,
}

/// What was written.
#[derive(Debug, Clone, Serialize)]
pub struct Truth {
    /// The seed.
    pub seed: u64,
    /// The period the data covers (the engagement period to test).
    pub period: String,
    /// Devices and messages per device per day.
    pub devices: u64,
    /// Messages per device per day.
    pub rate: u32,
    /// The multiplier of the datasets that do not come from devices (absent when 1).
    #[serde(skip_serializing_if = "is_one")]
    pub scale: u32,
    /// Whether the data is clean.
    pub clean: bool,
    /// Dataset → file written.
    pub files: BTreeMap<String, String>,
    /// Dataset → rows written.
    pub rows: BTreeMap<String, u64>,
    /// Test id → the keys of the exceptions it must report (key columns in the test's order,
    /// as canonical text), sorted.
    pub exceptions: BTreeMap<String, Vec<Vec<String>>>,
}

fn is_one(n: &u32) -> bool {
    *n == 1
}

/// A small, fast, deterministic generator (SplitMix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next() % n
        }
    }
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            lo
        } else {
            lo + self.below((hi - lo) as u64) as i64
        }
    }
}

/// A 64-hex-digit fingerprint derived from a label.
fn fingerprint(seed: u64, label: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(format!("{seed}:{label}").as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

mod access;
mod alarms;
mod backups;
mod changes;
mod firmware;
mod fleet;
mod incidents;
mod production;

/// What every family's generator reads: the options, the period in microseconds and the
/// components in and out of scope.
struct Ctx<'a> {
    options: &'a Options,
    /// The period as dates (for its quarters).
    period: Period,
    /// The period's first and one-past-last instant, in microseconds since the epoch.
    start: i64,
    end: i64,
    /// Components in scope, in the estate's order.
    inside: Vec<&'a Target>,
    /// A component out of scope, for the rows the tests must not see.
    outside: Option<&'a Target>,
    /// Whether to inject exceptions.
    inject: bool,
    seed: u64,
}

/// What every family's generator writes to: the datasets, the one random stream (the families
/// draw from it in a fixed order, so a seed gives the same bytes) and the exceptions injected
/// so far.
struct Run {
    w: Writers,
    rng: Rng,
    inject: bool,
    truth: BTreeMap<String, Vec<Vec<String>>>,
}

impl Run {
    /// Records an injected exception: `test` must report `key`. Nothing on clean data.
    fn expect(&mut self, test: &str, key: Vec<String>) {
        if self.inject {
            self.truth.entry(test.to_string()).or_default().push(key);
        }
    }
}

/// The files written so far and their row counts.
struct Writers {
    dir: PathBuf,
    files: BTreeMap<String, String>,
    rows: BTreeMap<String, u64>,
}

/// One dataset's output, JSON Lines or CSV with a header, counting its rows.
struct Out {
    sink: Sink,
    path: PathBuf,
    dataset: String,
    rows: u64,
}

enum Sink {
    Json(BufWriter<std::fs::File>),
    Csv(Box<csv::Writer<BufWriter<std::fs::File>>>),
}

impl Writers {
    fn open(&mut self, dataset: &str, csv_columns: Option<&[&str]>) -> Result<Out> {
        let name = format!(
            "{dataset}.{}",
            if csv_columns.is_some() {
                "csv"
            } else {
                "jsonl"
            }
        );
        let path = self.dir.join(&name);
        let file =
            BufWriter::with_capacity(1 << 20, std::fs::File::create(&path).map_err(io(&path))?);
        self.files.insert(dataset.to_string(), name);
        let sink = match csv_columns {
            Some(columns) => {
                let mut w = csv::Writer::from_writer(file);
                w.write_record(columns)
                    .map_err(|e| AnalyticsError::Input(e.to_string()))?;
                Sink::Csv(Box::new(w))
            }
            None => Sink::Json(file),
        };
        Ok(Out {
            sink,
            path,
            dataset: dataset.to_string(),
            rows: 0,
        })
    }

    /// Flushes a dataset and records its row count.
    fn close(&mut self, out: Out) -> Result<()> {
        match out.sink {
            Sink::Json(mut w) => w.flush().map_err(io(&out.path))?,
            Sink::Csv(mut w) => w.flush().map_err(io(&out.path))?,
        }
        self.rows.insert(out.dataset, out.rows);
        Ok(())
    }
}

impl Out {
    fn json(&mut self, value: &serde_json::Value) -> Result<()> {
        if let Sink::Json(w) = &mut self.sink {
            serde_json::to_writer(&mut *w, value)
                .map_err(|e| AnalyticsError::Input(e.to_string()))?;
            w.write_all(b"\n").map_err(io(&self.path))?;
            self.rows += 1;
        }
        Ok(())
    }
    fn csv(&mut self, row: &[String]) -> Result<()> {
        if let Sink::Csv(w) = &mut self.sink {
            w.write_record(row)
                .map_err(|e| AnalyticsError::Input(e.to_string()))?;
            self.rows += 1;
        }
        Ok(())
    }
}

fn opt(v: Option<&str>) -> serde_json::Value {
    v.map_or(serde_json::Value::Null, |s| {
        serde_json::Value::String(s.to_string())
    })
}

/// Writes every dataset and `truth.json` into `dir`; returns the truth.
pub fn generate(options: &Options, dir: &Path) -> Result<Truth> {
    for (field, value) in [
        (Field::Devices, options.devices),
        (Field::Days, u64::from(options.days)),
        (Field::Rate, u64::from(options.rate)),
        (Field::Scale, u64::from(options.scale)),
    ] {
        if value == 0 {
            return Err(FieldError::value(field, "0", "give at least 1").into());
        }
    }
    if options.rate > 1440 {
        return Err(FieldError::value(
            Field::Rate,
            options.rate.to_string(),
            "give from 1 to 1,440 messages a day (one a minute)",
        )
        .into());
    }
    let inside: Vec<&Target> = options.targets.iter().filter(|t| t.in_scope).collect();
    if inside.is_empty() {
        return Err(AnalyticsError::Input(
            "the estate has no component in scope to generate rows for".to_string(),
        ));
    }
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let start = options.start.days() * DAY;
    let ctx = Ctx {
        options,
        period: Period {
            from: options.start,
            to: Date::from_days(options.start.days() + i64::from(options.days) - 1),
        },
        start,
        end: start + i64::from(options.days) * DAY,
        inside,
        outside: options.targets.iter().find(|t| !t.in_scope),
        inject: !options.clean,
        seed: options.seed,
    };
    let mut run = Run {
        w: Writers {
            dir: dir.to_path_buf(),
            files: BTreeMap::new(),
            rows: BTreeMap::new(),
        },
        rng: Rng(options.seed ^ 0x5EED_F1E1_D9E0_0F00),
        inject: ctx.inject,
        truth: BTreeMap::new(),
    };
    // The order is part of the output: every family draws from the one random stream.
    fleet::write(&ctx, &mut run)?;
    firmware::write(&ctx, &mut run)?;
    access::write(&ctx, &mut run)?;
    changes::write(&ctx, &mut run)?;
    backups::write(&ctx, &mut run)?;
    incidents::write(&ctx, &mut run)?;
    alarms::write(&ctx, &mut run)?;
    production::write(&ctx, &mut run)?;

    let mut exceptions = run.truth;
    for keys in exceptions.values_mut() {
        keys.sort();
        keys.dedup();
    }
    let truth = Truth {
        seed: options.seed,
        period: ctx.period.to_string(),
        devices: options.devices,
        rate: options.rate,
        scale: options.scale,
        clean: options.clean,
        files: run.w.files,
        rows: run.w.rows,
        exceptions,
    };
    let path = dir.join("truth.json");
    let text =
        serde_json::to_string_pretty(&truth).map_err(|e| AnalyticsError::Input(e.to_string()))?;
    std::fs::write(&path, text + "\n").map_err(io(&path))?;
    Ok(truth)
}
