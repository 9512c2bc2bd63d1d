//! A cluster's parts in S3-compatible object storage, for executors that share no file system
//! with the test runner (docs/scale-out.md, "How executors reach the data").
//!
//! Before a run on a cluster with a [`PartsStore`], the runner copies each part the run reads
//! to `PREFIX/sha256/<SHA-256 of the part>` in the bucket ([`publish`]) unless it is there
//! already, and the engine's tables name those objects instead of local paths. The key is the
//! content's hash, so a copy is written once, never rewritten, and any number of workspaces may
//! share a prefix. What is there is checked, not trusted:
//!
//! - an object the runner has not checked before is read back whole and hashed; one holding
//!   other bytes than its name says stops the run (nothing is overwritten, nothing recorded);
//! - what was checked is kept in a record file beside the workspace (the object's ETag and
//!   size); on the next run an object whose ETag and size are unchanged is not read again, and
//!   one whose ETag changed is hashed again;
//! - a part copied is hashed as it is read from the blob store, and a part that no longer has
//!   the hash the ledger gives it is not copied.
//!
//! Every role builds its S3 client from its own environment (`AWS_ACCESS_KEY_ID`,
//! `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`, `AWS_ENDPOINT`, `AWS_ALLOW_HTTP`, ...: the
//! `object_store` crate's `AmazonS3Builder::from_env`); no credential travels in a plan.

use fieldproof_core::cluster::PartsUrl;
use std::path::PathBuf;

/// Where a cluster's executors read the parts: a bucket and prefix, and the runner's record of
/// the objects it has checked there.
#[derive(Debug, Clone)]
pub struct PartsStore {
    /// The bucket and prefix.
    pub url: PartsUrl,
    /// The record of checked objects (JSON, rewritten after each run; a missing or unreadable
    /// record only means every object is hashed again).
    pub record: PathBuf,
}

impl PartsStore {
    /// The URL of the copy of the part whose SHA-256 is `sha256`.
    pub fn location(&self, sha256: &str) -> String {
        format!("s3://{}/{}", self.url.bucket, self.url.key(sha256))
    }
}

#[cfg(feature = "cluster")]
pub use s3::{publish, stores, Stores};

#[cfg(feature = "cluster")]
mod s3 {
    use super::PartsStore;
    use crate::engine::Part;
    use crate::{hex, AnalyticsError, Result};
    use datafusion::execution::object_store::{DefaultObjectStoreRegistry, ObjectStoreRegistry};
    use futures::{StreamExt, TryStreamExt};
    use object_store::aws::AmazonS3Builder;
    use object_store::path::Path as Key;
    use object_store::{ObjectStore, ObjectStoreExt, WriteMultipart};
    use serde::{Deserialize, Serialize};
    use sha2::{Digest, Sha256};
    use std::collections::{BTreeMap, HashMap};
    use std::io::Read;
    use std::path::Path;
    use std::sync::{Arc, Mutex, OnceLock};
    use url::Url;

    /// The object stores of a process: local files as DataFusion's default registry has them,
    /// and one S3 client per bucket, built from the process's environment the first time a
    /// bucket is named and shared by every query after.
    #[derive(Debug, Default)]
    pub struct Stores {
        local: DefaultObjectStoreRegistry,
        buckets: Mutex<HashMap<String, Arc<dyn ObjectStore>>>,
    }

    /// The process's object stores, shared by every runtime it builds (the runner's, the
    /// scheduler's sessions, the executor's tasks).
    pub fn stores() -> Arc<Stores> {
        static STORES: OnceLock<Arc<Stores>> = OnceLock::new();
        Arc::clone(STORES.get_or_init(|| Arc::new(Stores::default())))
    }

    impl Stores {
        /// The S3 client of `bucket`, built from the environment the first time.
        pub fn bucket(&self, bucket: &str) -> object_store::Result<Arc<dyn ObjectStore>> {
            let mut buckets = self
                .buckets
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if let Some(store) = buckets.get(bucket) {
                return Ok(Arc::clone(store));
            }
            let store: Arc<dyn ObjectStore> = Arc::new(
                AmazonS3Builder::from_env()
                    .with_bucket_name(bucket)
                    .build()?,
            );
            buckets.insert(bucket.to_string(), Arc::clone(&store));
            Ok(store)
        }
    }

    impl ObjectStoreRegistry for Stores {
        fn register_store(
            &self,
            url: &Url,
            store: Arc<dyn ObjectStore>,
        ) -> Option<Arc<dyn ObjectStore>> {
            self.local.register_store(url, store)
        }

        fn deregister_store(&self, url: &Url) -> datafusion::error::Result<Arc<dyn ObjectStore>> {
            self.local.deregister_store(url)
        }

        fn get_store(&self, url: &Url) -> datafusion::error::Result<Arc<dyn ObjectStore>> {
            if url.scheme() != "s3" {
                return self.local.get_store(url);
            }
            let bucket = url.host_str().ok_or_else(|| {
                datafusion::error::DataFusionError::Execution(format!(
                    "{url} names no bucket; write s3://BUCKET/KEY"
                ))
            })?;
            Ok(self.bucket(bucket)?)
        }
    }

    /// What one object in the record was found to be.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    struct Checked {
        sha256: String,
        e_tag: Option<String>,
        size: u64,
    }

    /// The record file: checked objects by URL.
    #[derive(Debug, Default, Serialize, Deserialize)]
    struct Record {
        version: u32,
        objects: BTreeMap<String, Checked>,
    }

    /// How many objects are checked or copied at once.
    const AT_ONCE: usize = 4;

    /// Makes every part of `parts` readable at its location in `store`, checking what is there
    /// (see the module), and rewrites the record.
    pub async fn publish(store: &PartsStore, parts: &[Part]) -> Result<()> {
        let client = stores().bucket(&store.url.bucket).map_err(|e| {
            AnalyticsError::Input(format!(
                "cluster parts {}: cannot build the S3 client: {e}; set AWS_REGION, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_ENDPOINT for S3-compatible storage)",
                store.url
            ))
        })?;
        let mut record = load(&store.record);
        let mut unique: BTreeMap<&str, &Part> = BTreeMap::new();
        for part in parts {
            unique.entry(part.sha256.as_str()).or_insert(part);
        }
        // Owned jobs: the futures borrow nothing of the caller's.
        let jobs: Vec<_> = unique
            .into_values()
            .map(|part| {
                let part = part.clone();
                let url = store.location(&part.sha256);
                let known = record.objects.get(&url).cloned();
                let client = Arc::clone(&client);
                let key = Key::from(store.url.key(&part.sha256));
                async move {
                    let checked = ensure(client.as_ref(), &key, &url, &part, known).await?;
                    Ok::<_, AnalyticsError>((url, checked))
                }
            })
            .collect();
        let results: Vec<(String, Checked)> = futures::stream::iter(jobs)
            .buffer_unordered(AT_ONCE)
            .try_collect()
            .await?;
        record.version = 1;
        record.objects.extend(results);
        save(&store.record, &record)
    }

    async fn ensure(
        client: &dyn ObjectStore,
        key: &Key,
        url: &str,
        part: &Part,
        known: Option<Checked>,
    ) -> Result<Checked> {
        let unreachable = |e: object_store::Error| {
            AnalyticsError::Input(format!(
                "cluster parts: cannot read {url}: {e}; check that the bucket exists and that this process's AWS_* settings may read and write it"
            ))
        };
        let meta = match client.head(key).await {
            Ok(meta) => Some(meta),
            Err(object_store::Error::NotFound { .. }) => None,
            Err(e) => return Err(unreachable(e)),
        };
        let Some(meta) = meta else {
            copy(client, key, url, part).await?;
            let meta = client.head(key).await.map_err(unreachable)?;
            let checked = Checked {
                sha256: part.sha256.clone(),
                e_tag: meta.e_tag,
                size: meta.size,
            };
            return Ok(checked);
        };
        let seen = Checked {
            sha256: part.sha256.clone(),
            e_tag: meta.e_tag.clone(),
            size: meta.size,
        };
        if meta.e_tag.is_some() && known.as_ref() == Some(&seen) {
            return Ok(seen);
        }
        let mut hasher = Sha256::new();
        let mut stream = client.get(key).await.map_err(unreachable)?.into_stream();
        while let Some(chunk) = stream.next().await {
            hasher.update(chunk.map_err(unreachable)?);
        }
        let found = hex(&hasher.finalize());
        if found != part.sha256 {
            return Err(AnalyticsError::Input(format!(
                "cluster parts: {url} holds other bytes than the part it is named for (its SHA-256 is {found}); something changed it after it was copied: find out what (the bucket's access log), delete the object and run again, and let only test runners write to the prefix"
            )));
        }
        Ok(seen)
    }

    /// Copies a part to `key`, hashing it as it is read: a part that no longer has its hash is
    /// not copied (the upload is aborted).
    async fn copy(client: &dyn ObjectStore, key: &Key, url: &str, part: &Part) -> Result<()> {
        let failed = |e: object_store::Error| {
            AnalyticsError::Input(format!(
                "cluster parts: cannot copy {} to {url}: {e}; check that the bucket exists and that this process's AWS_* settings may write it",
                part.path.display()
            ))
        };
        let mut file = std::fs::File::open(&part.path).map_err(crate::io(&part.path))?;
        let upload = client.put_multipart(key).await.map_err(failed)?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, 8 << 20);
        let mut hasher = Sha256::new();
        let mut buffer = vec![0u8; 1 << 20];
        loop {
            let n = match file.read(&mut buffer) {
                Ok(n) => n,
                Err(e) => {
                    let _ = writer.abort().await;
                    return Err(crate::io(&part.path)(e));
                }
            };
            if n == 0 {
                break;
            }
            hasher.update(&buffer[..n]);
            writer.wait_for_capacity(AT_ONCE).await.map_err(failed)?;
            writer.write(&buffer[..n]);
        }
        let found = hex(&hasher.finalize());
        if found != part.sha256 {
            let _ = writer.abort().await;
            return Err(AnalyticsError::Input(format!(
                "cluster parts: {} should have SHA-256 {} but has {found}; the workspace's evidence changed outside fieldproof: run `fieldproof verify` before testing",
                part.path.display(),
                part.sha256
            )));
        }
        writer.finish().await.map_err(failed)?;
        Ok(())
    }

    fn load(path: &Path) -> Record {
        std::fs::read(path)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<Record>(&bytes).ok())
            .filter(|r| r.version == 1)
            .unwrap_or_default()
    }

    fn save(path: &Path, record: &Record) -> Result<()> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(crate::io(dir))?;
        }
        let staged = path.with_extension("json.new");
        let json =
            serde_json::to_vec_pretty(record).map_err(|e| AnalyticsError::Engine(e.to_string()))?;
        std::fs::write(&staged, json).map_err(crate::io(&staged))?;
        std::fs::rename(&staged, path).map_err(crate::io(path))
    }
}
