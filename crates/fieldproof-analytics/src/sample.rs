//! Type II samples drawn deterministically from a population.
//!
//! The population is a dataset's rows in the engagement period for the components in scope,
//! optionally narrowed by a SQL condition. Each row is identified by the dataset's key columns
//! (their canonical text joined by `|`); the sample is the `size` rows whose
//! `SHA-256(seed + ":" + key)` is smallest. Anyone holding the population and the seed draws
//! the same sample with nothing more than `sha256sum`; the population hash printed with the
//! sample (SHA-256 over every key followed by a newline, in key order) proves it is the same
//! population.

use crate::engine::{canonical_rows, Engine};
use crate::{hex, AnalyticsError, Result};
use fieldproof_core::dataset::Dataset;
use futures::StreamExt;
use sha2::{Digest, Sha256};
use std::collections::BinaryHeap;

/// A drawn sample.
#[derive(Debug, Clone)]
pub struct Drawn {
    /// Rows in the population.
    pub population: u64,
    /// SHA-256 over the population's keys, each followed by a newline, in key order.
    pub population_sha256: String,
    /// Columns of the rows.
    pub columns: Vec<String>,
    /// The sample: (rank hash, key, row), in rank order.
    pub rows: Vec<(String, String, Vec<String>)>,
}

/// The rank of a key under a seed.
pub fn rank(seed: &str, key: &str) -> String {
    let mut h = Sha256::new();
    h.update(seed.as_bytes());
    h.update(b":");
    h.update(key.as_bytes());
    hex(&h.finalize())
}

impl Engine {
    /// Draws `size` rows of `dataset` (in the period, in scope, meeting `condition`) for `seed`.
    pub async fn sample(
        &self,
        dataset: &Dataset,
        condition: Option<&str>,
        size: u64,
        seed: &str,
    ) -> Result<Drawn> {
        let filter = condition.map(|c| format!(" WHERE {c}")).unwrap_or_default();
        let order = dataset.key.join(", ");
        let sql = format!("SELECT * FROM {}{filter} ORDER BY {order}", dataset.name);
        let df = self.context().sql(&sql).await.map_err(|e| {
            AnalyticsError::Field(fieldproof_core::input::FieldError::value(
                fieldproof_core::input::Field::Where,
                condition.unwrap_or_default(),
                e.to_string(),
            ))
        })?;
        let columns: Vec<String> = df
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect();
        let key_index: Vec<usize> = dataset
            .key
            .iter()
            .filter_map(|k| columns.iter().position(|c| c == k))
            .collect();
        let mut stream = df.execute_stream().await?;
        let mut population = 0u64;
        let mut population_hash = Sha256::new();
        // A max-heap of the `size` smallest ranks seen.
        let mut heap: BinaryHeap<(String, String, Vec<String>)> = BinaryHeap::new();
        while let Some(batch) = stream.next().await {
            for row in canonical_rows(&batch?)? {
                let key = key_index
                    .iter()
                    .map(|i| row[*i].as_str())
                    .collect::<Vec<_>>()
                    .join("|");
                population += 1;
                population_hash.update(key.as_bytes());
                population_hash.update(b"\n");
                let r = rank(seed, &key);
                if (heap.len() as u64) < size {
                    heap.push((r, key, row));
                } else if heap.peek().is_some_and(|top| r < top.0) {
                    heap.pop();
                    heap.push((r, key, row));
                }
            }
        }
        let mut rows = heap.into_vec();
        rows.sort();
        Ok(Drawn {
            population,
            population_sha256: hex(&population_hash.finalize()),
            columns,
            rows,
        })
    }
}
