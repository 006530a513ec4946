//! A read-only client of Bitmovin's REST API: GET with the API key (and the
//! organisation, when given), the `data.result` envelope unwrapped, lists
//! read page by page, and rate limiting and server errors retried a few
//! times. Each failure is an `ApiError` that says what to do about it; the
//! API key never appears in one.

use std::fmt;
use std::time::Duration;

use http_body_util::{BodyExt, Empty, Limited};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client as HttpClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde::de::DeserializeOwned;

use super::models::{Envelope, ErrorEnvelope, Page};
use crate::output::visible;

/// Bitmovin's API, as its SDKs address it.
pub const DEFAULT_URL: &str = "https://api.bitmovin.com/v1";

/// The largest page a list may ask for.
const PAGE: usize = 100;

/// A list longer than this many pages is a server that never says it is done.
const MAX_PAGES: usize = 1000;

/// An answer larger than this is not one of the models.
const MAX_BODY: usize = 32 << 20;

/// The API key; `Debug` does not show it.
#[derive(Clone)]
pub struct ApiKey(String);

impl ApiKey {
    /// A key as read from a file or the environment (surrounding white
    /// space dropped); `None` when nothing is left.
    pub fn new(text: &str) -> Option<ApiKey> {
        let key = text.trim();
        (!key.is_empty()).then(|| ApiKey(key.to_string()))
    }

    /// One word of visible ASCII, as an HTTP header value must be.
    pub fn is_header_safe(&self) -> bool {
        header_safe(&self.0)
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(…)")
    }
}

/// How hard to try.
#[derive(Debug, Clone, Copy)]
pub struct Retry {
    /// Attempts of one call, the first included.
    pub attempts: u32,
    /// The wait before the second attempt; it doubles after each, unless
    /// the answer says how long to wait (`Retry-After`, capped at `max_wait`).
    pub first_wait: Duration,
    pub max_wait: Duration,
    /// One attempt, answer included.
    pub timeout: Duration,
}

impl Default for Retry {
    fn default() -> Self {
        Retry {
            attempts: 4,
            first_wait: Duration::from_millis(500),
            max_wait: Duration::from_secs(20),
            timeout: Duration::from_secs(30),
        }
    }
}

/// Why a call failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// 401: the key is wrong or revoked.
    Unauthorized,
    /// 403: the key may not read this (often: another organisation's).
    Forbidden,
    /// 404.
    NotFound,
    /// 429 on every attempt.
    RateLimited { attempts: u32 },
    /// 5xx on every attempt.
    Server { status: u16, attempts: u32 },
    /// Another status.
    Status(u16),
    /// The answer is not the JSON the models describe.
    Malformed(String),
    /// No answer at all.
    Unreachable { reason: String, attempts: u32 },
}

/// A failed call: what was asked, why it failed, and what Bitmovin said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// `GET /encoding/encodings/…` (the path, never the key).
    pub call: String,
    pub failure: Failure,
    /// Bitmovin's message, if the answer had one (made visible).
    pub message: Option<String>,
    pub request_id: Option<String>,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let said = match &self.message {
            Some(m) => format!(": \"{m}\""),
            None => String::new(),
        };
        write!(f, "Bitmovin API {}: ", self.call)?;
        match &self.failure {
            Failure::Unauthorized => write!(
                f,
                "the API key was refused (HTTP 401{said}); check --bitmovin-api-key-file or BITMOVIN_API_KEY"
            ),
            Failure::Forbidden => write!(
                f,
                "the API key may not read this (HTTP 403{said}); check --bitmovin-org-id: the key must belong to that organisation"
            ),
            Failure::NotFound => write!(f, "not found (HTTP 404{said})"),
            Failure::RateLimited { attempts } => write!(
                f,
                "still rate-limited (HTTP 429) after {attempts} attempts{said}; try again later"
            ),
            Failure::Server { status, attempts } => write!(
                f,
                "Bitmovin's API failed (HTTP {status}) {attempts} times{said}; try again later"
            ),
            Failure::Status(status) => write!(f, "unexpected answer (HTTP {status}{said})"),
            Failure::Malformed(why) => write!(
                f,
                "the answer is not the JSON Bitmovin's API models describe: {why}"
            ),
            Failure::Unreachable { reason, attempts } => write!(
                f,
                "no answer after {attempts} attempts: {reason}; check --bitmovin-api-url and the network"
            ),
        }?;
        if let Some(id) = &self.request_id {
            write!(f, " (request id {id})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

/// How a call is named in a message: its path, without the query.
fn call(path: &str) -> String {
    format!("GET {}", path.split('?').next().unwrap_or(path))
}

/// `localhost` or a loopback address.
fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.eq_ignore_ascii_case("localhost")
        || bare
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// An id as a path segment, when it looks like one of Bitmovin's ids
/// (letters, digits, `-` and `_`): ids come from users and from answers,
/// and `..` or an empty id would name another resource.
pub fn id_segment(id: &str) -> Result<&str, String> {
    let fits = (1..=128).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if fits {
        Ok(id)
    } else {
        Err(format!(
            "\"{}\" is not a Bitmovin id (letters, digits, - and _)",
            visible(&id.chars().take(60).collect::<String>())
        ))
    }
}

/// One word of visible ASCII: what an HTTP header value (the key, the
/// organisation) may hold.
pub fn header_safe(value: &str) -> bool {
    !value.is_empty() && value.bytes().all(|b| b.is_ascii_graphic())
}

pub struct Client {
    base: String,
    key: ApiKey,
    organisation: Option<String>,
    retry: Retry,
    http: HttpClient<hyper_rustls::HttpsConnector<HttpConnector>, Empty<Bytes>>,
    calls: std::sync::atomic::AtomicUsize,
}

impl Client {
    /// A client of the API at `base` (like `DEFAULT_URL`).
    pub fn new(
        base: &str,
        key: ApiKey,
        organisation: Option<String>,
        retry: Retry,
    ) -> Result<Client, String> {
        let tls = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_native_roots(rustls::crypto::aws_lc_rs::default_provider())
            .map_err(|e| format!("cannot load the system's certificate authorities: {e}"))?
            // Plain HTTP for a local stand-in (tests); Bitmovin's is HTTPS.
            .https_or_http()
            .enable_http1()
            .build();
        let base = base.trim_end_matches('/').to_string();
        let uri: http::Uri = base
            .parse()
            .map_err(|e| format!("--bitmovin-api-url {base:?} is not a URL: {e}"))?;
        let Some(host) = uri.host() else {
            return Err(format!("--bitmovin-api-url {base:?} has no host"));
        };
        match uri.scheme_str() {
            Some("https") => {}
            // The key would cross the network in clear text: plain HTTP
            // only to this machine (a local stand-in).
            Some("http") if is_loopback(host) => {}
            Some("http") => {
                return Err(format!(
                    "--bitmovin-api-url {base:?}: the API key is sent only over https (http only to this machine)"
                ));
            }
            _ => return Err(format!("--bitmovin-api-url {base:?} is not an https URL")),
        }
        Ok(Client {
            base,
            key,
            organisation,
            retry,
            http: HttpClient::builder(TokioExecutor::new()).build(tls),
            calls: std::sync::atomic::AtomicUsize::new(0),
        })
    }

    /// HTTP requests made so far, retries included.
    pub fn calls(&self) -> usize {
        self.calls.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// GET `path` (from the API's root, like `/encoding/encodings/ID`;
    /// segments checked with `id_segment` by the caller) and unwrap `data.result`.
    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ApiError> {
        let body = self.fetch(path).await?;
        match serde_json::from_slice::<Envelope<T>>(&body) {
            Ok(envelope) => Ok(envelope.data.result),
            Err(e) => Err(ApiError {
                call: call(path),
                failure: Failure::Malformed(e.to_string()),
                message: None,
                request_id: None,
            }),
        }
    }

    /// Every item of the list at `path`, page by page.
    pub async fn list<T: DeserializeOwned>(&self, path: &str) -> Result<Vec<T>, ApiError> {
        let mut items = Vec::new();
        for _ in 0..MAX_PAGES {
            let page: Page<T> = self
                .get(&format!("{path}?offset={}&limit={PAGE}", items.len()))
                .await?;
            let got = page.items.len();
            items.extend(page.items);
            match page.total_count {
                Some(total) if items.len() as u64 >= total => return Ok(items),
                // A page of nothing before the total: the rest is missing.
                Some(total) if got == 0 => {
                    return Err(ApiError {
                        call: call(path),
                        failure: Failure::Malformed(format!(
                            "an empty page after {} of {total} items",
                            items.len()
                        )),
                        message: None,
                        request_id: None,
                    });
                }
                Some(_) => {}
                // Without a total, only an empty page says the list ended.
                None if got == 0 => return Ok(items),
                None => {}
            }
        }
        Err(ApiError {
            call: call(path),
            failure: Failure::Malformed(format!("the list did not end after {MAX_PAGES} pages")),
            message: None,
            request_id: None,
        })
    }

    /// The body of a successful GET, retrying what may pass.
    async fn fetch(&self, path: &str) -> Result<Bytes, ApiError> {
        let call = call(path);
        let mut wait = self.retry.first_wait;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let last = attempt >= self.retry.attempts.max(1);
            let answer = self.attempt(path).await;
            let (failure, body, retry_after) = match answer {
                Ok((status, body, _)) if (200..300).contains(&status) => return Ok(body),
                Ok((status, body, retry_after)) => {
                    let failure = match status {
                        401 => Failure::Unauthorized,
                        403 => Failure::Forbidden,
                        404 => Failure::NotFound,
                        429 => Failure::RateLimited { attempts: attempt },
                        500..=599 => Failure::Server {
                            status,
                            attempts: attempt,
                        },
                        other => Failure::Status(other),
                    };
                    (failure, Some(body), retry_after)
                }
                Err(reason) => (
                    Failure::Unreachable {
                        reason,
                        attempts: attempt,
                    },
                    None,
                    None,
                ),
            };
            let retried = matches!(
                failure,
                Failure::RateLimited { .. } | Failure::Server { .. } | Failure::Unreachable { .. }
            );
            if !retried || last {
                let said = body
                    .as_deref()
                    .and_then(|b| serde_json::from_slice::<ErrorEnvelope>(b).ok());
                return Err(ApiError {
                    call,
                    failure,
                    message: said.as_ref().and_then(|e| {
                        e.data
                            .message
                            .as_deref()
                            .or(e.data.developer_message.as_deref())
                            .map(|m| visible(&m.chars().take(300).collect::<String>()).into_owned())
                    }),
                    request_id: said
                        .and_then(|e| e.request_id)
                        .map(|id| visible(&id.chars().take(80).collect::<String>()).into_owned()),
                });
            }
            let pause = retry_after.map_or(wait, |after| after.min(self.retry.max_wait));
            tokio::time::sleep(pause).await;
            wait = (wait * 2).min(self.retry.max_wait);
        }
    }

    /// One request: the status, the body and how long the answer asks to
    /// wait before the next; or why there was no answer.
    async fn attempt(&self, path: &str) -> Result<(u16, Bytes, Option<Duration>), String> {
        self.calls
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut request = http::Request::get(format!("{}{path}", self.base))
            .header("X-Api-Key", &self.key.0)
            .header("X-Api-Client", "ccaudit")
            .header("X-Api-Client-Version", env!("CARGO_PKG_VERSION"))
            .header("Accept", "application/json");
        if let Some(org) = &self.organisation {
            request = request.header("X-Tenant-Org-Id", org);
        }
        let request = request
            .body(Empty::new())
            .map_err(|e| format!("cannot build the request: {e}"))?;
        let exchange = async {
            let response = self.http.request(request).await.map_err(|e| {
                // The transport's own chain says why (refused, TLS, DNS).
                let mut reason = e.to_string();
                let mut source = std::error::Error::source(&e);
                while let Some(inner) = source {
                    reason = format!("{reason}: {inner}");
                    source = inner.source();
                }
                reason
            })?;
            let status = response.status().as_u16();
            let retry_after = response
                .headers()
                .get(http::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs);
            let body = Limited::new(response.into_body(), MAX_BODY)
                .collect()
                .await
                .map_err(|e| format!("the answer could not be read: {e}"))?
                .to_bytes();
            Ok((status, body, retry_after))
        };
        match tokio::time::timeout(self.retry.timeout, exchange).await {
            Ok(result) => result,
            Err(_) => Err(format!(
                "no answer within {} s",
                self.retry.timeout.as_secs()
            )),
        }
    }
}
