//! What every request and response passes through: the security headers (with
//! `Cache-Control: no-store`), the body-idle and whole-request timeouts, and the error bodies.
//!
//! Error bodies are the product's own: under `/api/v1` every error, a 404 for an unknown route
//! and a 405 included, is the documented JSON `{"error", "status", "message"}`; a page's is an
//! HTML page. A rejection by the framework (a malformed form, multipart body or JSON, a body over
//! the limit) is worded by its status, never with the framework's text, and no message that
//! reaches a client carries a server path or an operating system's error text: such a message
//! is logged with a reference, and the client gets the reference.

use crate::{html, ErrorInfo, Server, WebError};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// The limits a server enforces on requests: sizes, timeouts and concurrency.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Reading a request's headers (from the connection's first byte, or the end of the
    /// previous request on a kept-alive connection).
    pub header_timeout: Duration,
    /// The longest pause while a request body arrives.
    pub body_idle_timeout: Duration,
    /// The longest a request may take, from its headers to the start of the answer.
    pub request_timeout: Duration,
    /// The largest body of the sign-in and sign-out forms.
    pub login_body_bytes: usize,
    /// The largest body of any other form that is not an upload.
    pub form_body_bytes: usize,
    /// The most parts (files and fields) of a multipart upload.
    pub max_parts: usize,
    /// The largest text field of a multipart upload.
    pub max_field_bytes: usize,
    /// How long an estate upload previewed but never applied is kept.
    pub staged_upload_ttl: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            header_timeout: Duration::from_secs(10),
            body_idle_timeout: Duration::from_secs(30),
            request_timeout: Duration::from_secs(300),
            login_body_bytes: 8 * 1024,
            form_body_bytes: 1024 * 1024,
            max_parts: 100,
            max_field_bytes: 64 * 1024,
            staged_upload_ttl: Duration::from_secs(3600),
        }
    }
}

/// One log line per request, at `info`: method, path (without the query, which may carry
/// search text), status and milliseconds taken. Internal errors are logged where they happen,
/// at `error`, with the reference the client was shown.
pub(crate) async fn access_log(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let started = std::time::Instant::now();
    let response = next.run(request).await;
    tracing::info!(
        method = %method,
        path = %path,
        status = response.status().as_u16(),
        ms = started.elapsed().as_millis() as u64,
        "request"
    );
    response
}

/// Headers every response carries. Nothing is cached: every response but the stylesheet is
/// a signed-in member's view (or a sign-in form).
pub(crate) async fn security_headers(request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    // Reports are self-contained documents with inline styles and SVG; nothing runs anywhere.
    // A reviewed report's own PDF is shown in the browser's PDF viewer (which runs apart from
    // the app's origin, and which a `default-src 'none'` policy would stop); the handler serves
    // only bytes that are a PDF and match the recorded hash.
    let csp = if path.ends_with("/report.pdf") {
        "frame-ancestors 'none'; form-action 'none'; base-uri 'none'"
    } else if path.contains("/reports/") {
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; form-action 'none'"
    } else {
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    };
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(csp),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    let cache = if path.starts_with("/static/") {
        "public, max-age=3600"
    } else {
        "no-store"
    };
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    response
}

/// The body-idle and whole-request timeouts. A body that pauses longer than the idle limit
/// ends the request with 408 and the connection is closed; a request that takes longer than
/// the whole-request limit is answered 503.
pub(crate) async fn timeouts(
    State(server): State<Arc<Server>>,
    request: Request,
    next: Next,
) -> Response {
    let limits = &server.config.limits;
    let stalled = Arc::new(AtomicBool::new(false));
    let request = if axum::body::HttpBody::is_end_stream(request.body()) {
        request
    } else {
        let (parts, body) = request.into_parts();
        let idle = limits.body_idle_timeout;
        let flag = Arc::clone(&stalled);
        let stream = futures::stream::unfold(Some(body.into_data_stream()), move |state| {
            let flag = Arc::clone(&flag);
            async move {
                use futures::StreamExt;
                let mut stream = state?;
                match tokio::time::timeout(idle, stream.next()).await {
                    Ok(Some(item)) => Some((item, Some(stream))),
                    Ok(None) => None,
                    Err(_) => {
                        flag.store(true, Ordering::SeqCst);
                        Some((
                            Err(axum::Error::new(std::io::Error::new(
                                std::io::ErrorKind::TimedOut,
                                "the request body stopped arriving",
                            ))),
                            None,
                        ))
                    }
                }
            }
        });
        Request::from_parts(parts, Body::from_stream(stream))
    };
    let answered = tokio::time::timeout(limits.request_timeout, next.run(request)).await;
    if stalled.load(Ordering::SeqCst) {
        let mut response = WebError::new(
            StatusCode::REQUEST_TIMEOUT,
            format!(
                "The request body stopped arriving for more than {} seconds; send it again.",
                limits.body_idle_timeout.as_secs()
            ),
        )
        .into_response();
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
        return response;
    }
    match answered {
        Ok(response) => response,
        Err(_) => {
            let mut response = WebError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                format!(
                    "The request took longer than the server's limit of {} seconds; try again, or ask the server's operator to raise --request-timeout.",
                    limits.request_timeout.as_secs()
                ),
            )
            .into_response();
            response
                .headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
            response
        }
    }
}

/// A short random reference that ties a message shown to a client to the server's log.
pub(crate) fn reference() -> String {
    crate::accounts::secret()[..10].to_string()
}

/// Whether a message would tell a client where the server keeps its files or what the
/// operating system said.
fn reveals_server(message: &str, server: &Server) -> bool {
    let data = server.config.data.display().to_string();
    message.contains(&data)
        || message.contains("(os error")
        || message.contains("/uploads/")
        || message.contains("/.fieldproof/")
}

/// The product's wording of an error the framework answered (or a route that does not exist).
fn framework_message(status: StatusCode, method: &str) -> String {
    match status {
        StatusCode::NOT_FOUND => "Not found.".to_string(),
        StatusCode::METHOD_NOT_ALLOWED => format!(
            "This address does not take a {method} request; the API's routes and methods are in /api/v1/openapi.json."
        ),
        StatusCode::PAYLOAD_TOO_LARGE => {
            "The request is larger than the server accepts here; send a smaller file or fewer files at a time.".to_string()
        }
        StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            "The request's content type is not one this address reads: forms are sent as application/x-www-form-urlencoded, uploads as multipart/form-data, API bodies as application/json.".to_string()
        }
        StatusCode::REQUEST_TIMEOUT => "The request took too long to arrive; send it again.".to_string(),
        s if s.is_server_error() => "The server could not complete the request.".to_string(),
        _ => "The request could not be read: a field is missing, repeated or malformed, or the body is cut short. Reload the form and send it again (API: see /api/v1/openapi.json for the body).".to_string(),
    }
}

/// Gives every error response the product's body: JSON under `/api/v1`, a page elsewhere.
pub(crate) async fn error_bodies(
    State(server): State<Arc<Server>>,
    request: Request,
    next: Next,
) -> Response {
    let api = request.uri().path().starts_with("/api/");
    let method = request.method().to_string();
    let path = request.uri().path().to_string();
    let headers = request.headers().clone();
    let response = next.run(request).await;
    let info = response.extensions().get::<ErrorInfo>().cloned();
    // A page's 401 is a redirect to the sign-in page; the error's own status counts.
    let status = info.as_ref().map_or(response.status(), |i| i.status);
    if !status.is_client_error() && !status.is_server_error() {
        return response;
    }
    let message = match info {
        Some(info) if reveals_server(&info.message, &server) => {
            let reference = reference();
            tracing::error!(%reference, status = status.as_u16(), message = %info.message, "an error message named a server path; the client got a reference");
            format!("The request could not be completed (reference {reference}); the server's log has the details.")
        }
        Some(info) => info.message,
        None => {
            let ours = response
                .headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.starts_with("text/html") || v.starts_with("application/json"));
            if ours {
                // A handler's own answer (the sign-in form with its message, a report).
                return response;
            }
            framework_message(status, &method)
        }
    };
    let error = WebError {
        status,
        message,
        json: api,
        field: None,
    };
    let mut rendered = if api || status == StatusCode::UNAUTHORIZED {
        error.render()
    } else {
        // A page's error keeps the navigation of the user who asked.
        let nav = server.error_nav(&headers, &path).await;
        (
            status,
            axum::response::Html(error_page_with(&nav, status, &error.message)),
        )
            .into_response()
    };
    let sent = response.headers();
    for name in [header::RETRY_AFTER, header::CONNECTION] {
        if let Some(value) = sent.get(&name) {
            rendered.headers_mut().insert(name, value.clone());
        }
    }
    rendered
}

/// The page of an error without navigation (the middleware gives it the user's).
pub(crate) fn error_page(title: &str, message: &str) -> String {
    html::render(&ErrorPage {
        title,
        nav: &html::Nav::default(),
        message: &crate::web_words(message),
    })
}

/// The page of an error, with the navigation `nav` and a title in words.
pub(crate) fn error_page_with(nav: &html::Nav, status: StatusCode, message: &str) -> String {
    let title = match status {
        StatusCode::NOT_FOUND => "Not found",
        StatusCode::FORBIDDEN => "Not allowed",
        StatusCode::BAD_REQUEST => "This could not be done",
        StatusCode::TOO_MANY_REQUESTS => "Too many attempts",
        s if s.is_server_error() => "Something went wrong on the server",
        s => s.canonical_reason().unwrap_or("Error"),
    };
    html::render(&ErrorPage {
        title,
        nav,
        message: &crate::web_words(message),
    })
}

/// An error, in words, with the way back.
#[derive(askama::Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    title: &'a str,
    nav: &'a html::Nav,
    message: &'a str,
}
