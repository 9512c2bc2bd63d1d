//! The listener: HTTP/1.1 connections with a header-read timeout (a client that sends half its
//! headers, or nothing, is disconnected), each request marked with its client's address, and
//! the housekeeping a long-running server needs: expired sessions and throttle windows removed,
//! and uploads left behind (estate previews never applied, files of interrupted requests)
//! cleaned at start-up and then every minute.

use crate::{router, ClientAddress, Server, WebError};
use axum::http::HeaderMap;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// The client's address: the TCP peer, or, when the server trusts the proxy in front, the
/// last address of `X-Forwarded-For` (the one that proxy added).
fn client_address(peer: IpAddr, headers: &HeaderMap, trust_forwarded_for: bool) -> IpAddr {
    if !trust_forwarded_for {
        return peer;
    }
    headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|a| a.trim().parse::<IpAddr>().ok())
        .next_back()
        .unwrap_or(peer)
}

/// Serves until the process is stopped.
pub async fn serve(server: Arc<Server>, bind: &str) -> Result<(), WebError> {
    let listener = tokio::net::TcpListener::bind(bind).await.map_err(|e| {
        WebError::bad_request(format!(
            "--bind {bind}: {}; choose a free address such as 127.0.0.1:8080",
            e.kind()
        ))
    })?;
    serve_on(server, listener).await;
    Ok(())
}

/// Serves the connections of `listener` until the process is stopped.
pub async fn serve_on(server: Arc<Server>, listener: tokio::net::TcpListener) {
    housekeeping(&server, true).await;
    {
        let server = Arc::clone(&server);
        tokio::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_secs(60));
            every.tick().await;
            loop {
                every.tick().await;
                housekeeping(&server, false).await;
            }
        });
    }
    let app = router(Arc::clone(&server));
    let header_timeout = server.config.limits.header_timeout;
    let trust = server.config.trust_forwarded_for;
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                // Out of file descriptors, most likely: wait a little rather than spin.
                tracing::warn!(error = %e, "accepting a connection failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let app = app.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(
                move |mut request: axum::http::Request<hyper::body::Incoming>| {
                    let address = client_address(peer.ip(), request.headers(), trust);
                    request.extensions_mut().insert(ClientAddress(address));
                    tower::ServiceExt::oneshot(app.clone(), request)
                },
            );
            let mut http = hyper::server::conn::http1::Builder::new();
            http.timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(header_timeout);
            if let Err(e) = http
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                .await
            {
                tracing::debug!(error = %e, %peer, "connection ended with an error");
            }
        });
    }
}

/// Removes what has expired. At start-up no request is in flight, so every upload directory
/// but the estate previews still within their time is left over from an interrupted request.
pub async fn housekeeping(server: &Server, starting: bool) {
    if let Err(e) = server.accounts.expire().await {
        tracing::warn!(error = %e, "expiring sessions and throttle windows failed");
    }
    let ttl = server.config.limits.staged_upload_ttl;
    // A request's own upload directory lives at most as long as the request.
    let in_flight = server.config.limits.request_timeout * 2;
    let Ok(orgs) = std::fs::read_dir(server.config.data.join("orgs")) else {
        return;
    };
    for org in orgs.flatten() {
        let Ok(uploads) = std::fs::read_dir(org.path().join("uploads")) else {
            continue;
        };
        for upload in uploads.flatten() {
            let name = upload.file_name().to_string_lossy().into_owned();
            let age = upload
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|at| SystemTime::now().duration_since(at).ok())
                .unwrap_or_default();
            let expired = if name.starts_with("estate-") {
                age > ttl
            } else {
                starting || age > in_flight
            };
            if expired {
                let removed = std::fs::remove_dir_all(upload.path())
                    .or_else(|_| std::fs::remove_file(upload.path()));
                if let Err(e) = removed {
                    tracing::warn!(error = %e, upload = %name, "removing a left-over upload failed");
                }
            }
        }
    }
}
