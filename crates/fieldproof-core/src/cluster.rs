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
}
