//! The address of a test cluster's scheduler, as users write it: `df://HOST:PORT`.

/// A cluster scheduler's address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterUrl {
    /// Host name or IP address (IPv6 without brackets).
    pub host: String,
    /// gRPC port.
    pub port: u16,
}

impl ClusterUrl {
    /// Parses `df://HOST:PORT` (or `HOST:PORT`); the error says what is wrong and how to write it.
    pub fn parse(url: &str) -> Result<ClusterUrl, String> {
        let bad = |why: &str| {
            format!(
                "cluster URL {url:?}: {why}; write df://HOST:PORT, the address `fieldproof cluster scheduler --bind` listens on"
            )
        };
        let rest = url.trim().strip_prefix("df://").unwrap_or(url.trim());
        let rest = rest.trim_end_matches('/');
        let (host, port) = rest.rsplit_once(':').ok_or_else(|| bad("no port"))?;
        let host = host.trim_start_matches('[').trim_end_matches(']');
        if host.is_empty() || host.contains(['/', ' ', '@']) {
            return Err(bad("no host"));
        }
        let port: u16 = port
            .parse()
            .ok()
            .filter(|p| *p != 0)
            .ok_or_else(|| bad("the port is not a number from 1 to 65535"))?;
        Ok(ClusterUrl {
            host: host.to_string(),
            port,
        })
    }
}

impl std::fmt::Display for ClusterUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.host.contains(':') {
            write!(f, "df://[{}]:{}", self.host, self.port)
        } else {
            write!(f, "df://{}:{}", self.host, self.port)
        }
    }
}

/// Where a cluster's executors read a run's Parquet parts when they share no file system with
/// the test runner: an S3-compatible bucket and a key prefix, `s3://BUCKET[/PREFIX]`
/// (docs/scale-out.md, "How executors reach the data").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartsUrl {
    /// The bucket.
    pub bucket: String,
    /// The key prefix, without leading or trailing `/`; empty: the bucket's root.
    pub prefix: String,
}

impl PartsUrl {
    /// Parses `s3://BUCKET[/PREFIX]`; the error says what is wrong and how to write it.
    pub fn parse(url: &str) -> Result<PartsUrl, String> {
        let bad = |why: &str| {
            format!(
                "cluster parts URL {url:?}: {why}; write s3://BUCKET or s3://BUCKET/PREFIX, a bucket every executor can read"
            )
        };
        let rest = url
            .trim()
            .strip_prefix("s3://")
            .ok_or_else(|| bad("only s3:// (S3 and S3-compatible object storage) is supported"))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        let valid_bucket = (3..=63).contains(&bucket.len())
            && bucket
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
            && bucket.starts_with(|c: char| c.is_ascii_alphanumeric())
            && bucket.ends_with(|c: char| c.is_ascii_alphanumeric());
        if !valid_bucket {
            return Err(bad(
                "the bucket name must be 3 to 63 lowercase letters, digits, dots or hyphens",
            ));
        }
        let prefix = prefix.trim_matches('/');
        if prefix.split('/').any(|s| s == "." || s == "..")
            || prefix.contains("//")
            || prefix.chars().any(char::is_control)
        {
            return Err(bad(
                "the prefix has an empty, `.` or `..` segment or a control character",
            ));
        }
        Ok(PartsUrl {
            bucket: bucket.to_string(),
            prefix: prefix.to_string(),
        })
    }

    /// The key of the copy of the part whose SHA-256 is `sha256`: content-addressed, so a copy
    /// is written once and never rewritten.
    pub fn key(&self, sha256: &str) -> String {
        if self.prefix.is_empty() {
            format!("sha256/{sha256}")
        } else {
            format!("{}/sha256/{sha256}", self.prefix)
        }
    }
}

impl std::fmt::Display for PartsUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.prefix.is_empty() {
            write!(f, "s3://{}", self.bucket)
        } else {
            write!(f, "s3://{}/{}", self.bucket, self.prefix)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_host_and_port() {
        let url = |h: &str, p| ClusterUrl {
            host: h.to_string(),
            port: p,
        };
        assert_eq!(
            ClusterUrl::parse("df://10.0.0.5:50050"),
            Ok(url("10.0.0.5", 50050))
        );
        assert_eq!(
            ClusterUrl::parse("sched.internal:7000"),
            Ok(url("sched.internal", 7000))
        );
        assert_eq!(ClusterUrl::parse("df://[::1]:50050"), Ok(url("::1", 50050)));
        assert_eq!(url("::1", 50050).to_string(), "df://[::1]:50050");
        for bad in [
            "df://host",
            "df://:50050",
            "df://host:0",
            "df://host:port",
            "df://h:70000",
        ] {
            let e = ClusterUrl::parse(bad).expect_err(bad);
            assert!(e.contains(bad) && e.contains("df://HOST:PORT"), "{e}");
        }
    }

    #[test]
    fn parts_urls_name_a_bucket_and_a_prefix() {
        let url = PartsUrl::parse("s3://acme-evidence/fieldproof/parts/").expect("valid");
        assert_eq!(url.bucket, "acme-evidence");
        assert_eq!(url.prefix, "fieldproof/parts");
        assert_eq!(url.to_string(), "s3://acme-evidence/fieldproof/parts");
        assert_eq!(url.key("ab12"), "fieldproof/parts/sha256/ab12");
        let root = PartsUrl::parse("s3://acme-evidence").expect("valid");
        assert_eq!(root.key("ab12"), "sha256/ab12");
        assert_eq!(root.to_string(), "s3://acme-evidence");
        for bad in [
            "/mnt/parts",
            "gs://bucket/x",
            "s3://",
            "s3://Upper/x",
            "s3://ab",
            "s3://-bucket",
            "s3://bucket/../x",
            "s3://bucket/a//b",
        ] {
            let e = PartsUrl::parse(bad).expect_err(bad);
            assert!(e.contains(bad) && e.contains("s3://BUCKET"), "{e}");
        }
    }
}
