//! The HTTP client: auth header, rate-limit governor, retries with backoff and jitter for
//! idempotent requests, and error classification. Non-idempotent requests (creating a sale
//! or a customer) are never resent here: an unclear outcome comes back as
//! [`ApiError::Ambiguous`] so the caller can reconcile first.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand::Rng;
use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::sync::mpsc::UnboundedSender;

use super::api_root::ApiRoot;
use super::error::{ApiError, ClientNotice};
use super::governor::{resume_time, Governor};
use super::models::{
    Collection, Customer, CustomerAddress, InventoryRecord, Outlet, Product, Retailer, Sale,
    SaleRequest, Single, Versioned,
};
use super::scopes;
use crate::clock::{self, SharedClock};
use crate::secret::Token;

pub type ClientEvent = ClientNotice;

/// The smallest page size a list falls back to when a store refuses a larger one.
pub const MIN_PAGE_SIZE: u64 = 100;

#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Attempts per request for transport errors, 5xx and bad bodies (429 waits do not count).
    pub max_attempts: u32,
    pub base: Duration,
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 8,
            base: Duration::from_millis(250),
            max_delay: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// Full-jitter exponential backoff: uniform in [d/2, d], d = min(max, base·2^(n-1)).
    pub fn delay(&self, attempt: u32) -> Duration {
        let exp = self
            .base
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(20));
        let d = exp.min(self.max_delay);
        let lo = d / 2;
        let span = (d - lo).as_micros() as u64;
        let jitter = if span == 0 {
            0
        } else {
            rand::thread_rng().gen_range(0..=span)
        };
        lo + Duration::from_micros(jitter)
    }
}

#[derive(Clone)]
pub struct ClientOptions {
    pub retry: RetryPolicy,
    /// Per-request timeout (wall time).
    pub timeout: Duration,
    pub clock: SharedClock,
    /// Requested `page_size` for version-cursor lists; the store may cap it lower.
    pub page_size: u64,
    /// Requested `size` for `POST /inventory` (the spec allows up to 5000).
    pub inventory_page_size: u64,
    pub notices: Option<UnboundedSender<ClientNotice>>,
    /// Share a governor with other clients of the same connection.
    pub governor: Option<Arc<Governor>>,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            retry: RetryPolicy::default(),
            timeout: Duration::from_secs(60),
            clock: clock::system(),
            page_size: 1000,
            inventory_page_size: 5000,
            notices: None,
            governor: None,
        }
    }
}

impl std::fmt::Debug for ClientOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientOptions")
            .field("retry", &self.retry)
            .field("timeout", &self.timeout)
            .field("page_size", &self.page_size)
            .finish_non_exhaustive()
    }
}

/// One API request.
#[derive(Debug, Clone)]
pub struct Req {
    pub method: Method,
    /// Relative to the versioned root (`/products`) or absolute (`/api/2.0/inventory`).
    pub path: String,
    pub query: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
    /// Safe to send again after an unclear outcome.
    pub idempotent: bool,
}

impl Req {
    pub fn get(path: impl Into<String>) -> Self {
        Self {
            method: Method::GET,
            path: path.into(),
            query: Vec::new(),
            body: None,
            idempotent: true,
        }
    }
    pub fn query(mut self, k: &str, v: impl ToString) -> Self {
        self.query.push((k.to_string(), v.to_string()));
        self
    }
    pub fn json<B: Serialize>(mut self, method: Method, body: &B) -> Result<Self, ApiError> {
        self.method = method;
        self.body = Some(
            serde_json::to_vec(body)
                .map_err(|e| ApiError::Config(format!("cannot encode request: {e}")))?,
        );
        Ok(self)
    }
    pub fn idempotent(mut self, yes: bool) -> Self {
        self.idempotent = yes;
        self
    }
}

struct Inner {
    http: reqwest::Client,
    root: ApiRoot,
    token: Token,
    governor: Arc<Governor>,
    opts: ClientOptions,
    requests: AtomicU64,
    /// Page sizes the store accepted after refusing a larger one, by endpoint. Kept per
    /// client (a connection's jobs each build one), so a run learns it once and logs it once.
    page_sizes: Mutex<HashMap<String, u64>>,
    /// Pages that came after stale (non-advancing) answers: evidence that the store is
    /// slow to catch up rather than stuck (see `pager::advanced`). Kept per client, as
    /// `page_sizes`.
    stale_recoveries: std::sync::atomic::AtomicU32,
}

/// A store's API. Cheap to clone; clones share the governor and counters.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("root", &self.inner.root)
            .field("token", &self.inner.token)
            .finish()
    }
}

/// How an exchange failed before a status arrived.
enum Transport {
    /// The request never left (connect refused, name lookup failed): safe to resend.
    NotSent(ApiError),
    /// Sent, then lost (timeout, reset, dropped body): the store may have acted on it.
    Lost(ApiError),
}

fn header_u64(h: &HeaderMap, name: &str) -> Option<u64> {
    h.get(name)?.to_str().ok()?.trim().parse().ok()
}

fn header_str(h: &HeaderMap, name: &str) -> Option<String> {
    h.get(name)?.to_str().ok().map(str::to_string)
}

/// How much of an error body's JSON message and field details is kept. Enough for a
/// problem+json body with a handful of `validation` entries; bounded so a store that answers
/// with a whole document cannot flood a timeline or a log line.
pub const ERROR_DETAIL_MAX: usize = 1000;

/// What an error body says, on one line: its `error`/`title`, `message`/`detail`, and any
/// field-level details (`validation[].location/message`, `errors`, `fields`), up to
/// [`ERROR_DETAIL_MAX`] characters. A JSON body of another shape is kept as compact JSON; a
/// body that is not JSON (an HTML error page) is cut at 200 characters.
pub fn error_detail(body: &[u8]) -> String {
    use serde_json::Value;
    let Ok(v) = serde_json::from_slice::<Value>(body) else {
        let s = String::from_utf8_lossy(body);
        let s = super::error::excerpt(&s, 200);
        return if s.is_empty() {
            "no details".to_string()
        } else {
            s
        };
    };
    fn text(v: &Value) -> Option<String> {
        match v {
            Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }
    /// One field-level entry: `location: message`, or its text, or compact JSON.
    fn entry(v: &Value) -> String {
        match v {
            Value::Object(o) => {
                let at = ["location", "field", "path", "pointer", "name", "loc"]
                    .iter()
                    .find_map(|k| match o.get(*k) {
                        Some(Value::Array(parts)) => Some(
                            parts
                                .iter()
                                .map(|p| text(p).unwrap_or_else(|| p.to_string()))
                                .collect::<Vec<_>>()
                                .join("."),
                        ),
                        Some(x) => text(x),
                        None => None,
                    });
                let msg = ["message", "msg", "detail", "error", "reason", "description"]
                    .iter()
                    .find_map(|k| o.get(*k).and_then(text));
                match (at, msg) {
                    (Some(a), Some(m)) => format!("{a}: {m}"),
                    (None, Some(m)) => m,
                    (Some(a), None) => a,
                    (None, None) => v.to_string(),
                }
            }
            Value::Array(items) => items.iter().map(entry).collect::<Vec<_>>().join(", "),
            other => text(other).unwrap_or_else(|| other.to_string()),
        }
    }
    let Value::Object(o) = &v else {
        return super::error::excerpt(&v.to_string(), ERROR_DETAIL_MAX);
    };
    let mut parts: Vec<String> = Vec::new();
    let mut push = |s: String| {
        if !s.is_empty() && !parts.contains(&s) {
            parts.push(s);
        }
    };
    match o.get("error") {
        Some(Value::Object(e)) => {
            for k in ["title", "message", "detail"] {
                if let Some(t) = e.get(k).and_then(text) {
                    push(t);
                }
            }
        }
        Some(e) => {
            if let Some(t) = text(e) {
                push(t);
            }
        }
        None => {}
    }
    for k in ["title", "message", "detail", "details", "error_description"] {
        match o.get(k) {
            Some(Value::Array(_)) | Some(Value::Object(_)) => {
                if let Some(x) = o.get(k) {
                    push(entry(x));
                }
            }
            Some(x) => {
                if let Some(t) = text(x) {
                    push(t);
                }
            }
            None => {}
        }
    }
    for k in [
        "validation",
        "errors",
        "fields",
        "invalid_params",
        "violations",
    ] {
        match o.get(k) {
            Some(Value::Array(items)) if !items.is_empty() => {
                push(format!(
                    "{k}: {}",
                    items.iter().map(entry).collect::<Vec<_>>().join("; ")
                ));
            }
            // `{"errors": {"email": ["is invalid"]}}`
            Some(Value::Object(map)) if !map.is_empty() => {
                push(format!(
                    "{k}: {}",
                    map.iter()
                        .map(|(f, m)| format!("{f}: {}", entry(m)))
                        .collect::<Vec<_>>()
                        .join("; ")
                ));
            }
            _ => {}
        }
    }
    let out = if parts.is_empty() {
        if o.is_empty() {
            "no details".to_string()
        } else {
            v.to_string()
        }
    } else {
        parts.join(": ")
    };
    super::error::excerpt(&out, ERROR_DETAIL_MAX)
}

/// Decodes a 2xx body as `T`. On failure, says where (the JSON path) and what was there (a
/// short excerpt), in one line. `Err((detail, not_json))`: whether the body was not JSON at
/// all (cut short, an error page) rather than JSON of another shape.
pub fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<T, (String, bool)> {
    // Path tracking costs on every value of every page; it runs only once a body failed.
    let first = match serde_json::from_slice::<T>(body) {
        Ok(t) => return Ok(t),
        Err(e) => e,
    };
    // A body that is not JSON at all (cut short, an HTML page) may fail on its shape
    // before the parser reaches the broken part: judge the syntax on its own first.
    if let Err(syntax) = serde_json::from_slice::<serde::de::IgnoredAny>(body) {
        return Err((
            format!(
                "not JSON: {} (near: {})",
                syntax,
                excerpt_at(body, syntax.line(), syntax.column())
            ),
            true,
        ));
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    let (path, inner) = match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Err(e) => (e.path().to_string(), e.into_inner()),
        Ok(_) => (".".to_string(), first),
    };
    // serde_json adds " at line L column C"; the JSON path says it better.
    let msg = inner.to_string();
    let msg = match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg,
    };
    let value = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| value_at(&v, &path).map(|x| x.to_string()))
        .map(|x| super::error::excerpt(&x, 80))
        .unwrap_or_default();
    let field = if path == "." || path.is_empty() {
        "the body".to_string()
    } else {
        format!("field {path}")
    };
    let mut detail = format!("{field}: {msg}");
    if !value.is_empty() {
        detail.push_str(&format!(" (value: {value})"));
    }
    Err((detail, false))
}

/// The value at a serde_path_to_error path such as `data[0].version`.
fn value_at<'a>(v: &'a serde_json::Value, path: &str) -> Option<&'a serde_json::Value> {
    let mut cur = v;
    if path == "." || path.is_empty() {
        return Some(cur);
    }
    for seg in path.split('.') {
        let (key, mut rest) = match seg.find('[') {
            Some(i) => (&seg[..i], &seg[i..]),
            None => (seg, ""),
        };
        if !key.is_empty() {
            cur = cur.get(key)?;
        }
        while let Some(r) = rest.strip_prefix('[') {
            let close = r.find(']')?;
            cur = cur.get(r[..close].parse::<usize>().ok()?)?;
            rest = &r[close + 1..];
        }
    }
    Some(cur)
}

/// Up to 60 characters of `body` from shortly before line `line`, column `col`.
fn excerpt_at(body: &[u8], line: usize, col: usize) -> String {
    let text = String::from_utf8_lossy(body);
    let offset: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum::<usize>()
        + col.saturating_sub(1);
    let mut start = offset.saturating_sub(30).min(text.len());
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let s = super::error::excerpt(&text[start..], 60);
    if s.is_empty() {
        "end of body".to_string()
    } else {
        s
    }
}

fn chain_text(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut cur = e.source();
    while let Some(s) = cur {
        out.push_str(": ");
        out.push_str(&s.to_string());
        cur = s.source();
    }
    out
}

impl Client {
    pub fn new(root: ApiRoot, token: Token, opts: ClientOptions) -> Result<Client, ApiError> {
        let http = reqwest::Client::builder()
            .user_agent(concat!(
                "lsbridge/",
                env!("CARGO_PKG_VERSION"),
                " (+https://github.com/lsbridge)"
            ))
            // The API does not redirect; following one would send the token to wherever it
            // points. A 3xx is reported as an error naming its target.
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(10))
            .pool_idle_timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| ApiError::Config(format!("cannot build HTTP client: {e}")))?;
        let governor = opts
            .governor
            .clone()
            .unwrap_or_else(|| Arc::new(Governor::new(opts.clock.clone())));
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                root,
                token,
                governor,
                opts,
                requests: AtomicU64::new(0),
                stale_recoveries: std::sync::atomic::AtomicU32::new(0),
                page_sizes: Mutex::new(HashMap::new()),
            }),
        })
    }

    pub fn root(&self) -> &ApiRoot {
        &self.inner.root
    }
    pub fn governor(&self) -> &Arc<Governor> {
        &self.inner.governor
    }
    pub fn options(&self) -> &ClientOptions {
        &self.inner.opts
    }
    /// HTTP exchanges attempted so far (including retries and 429s).
    /// Pages this client read after stale answers (see `pager::advanced`).
    pub(crate) fn stale_recoveries(&self) -> u32 {
        self.inner.stale_recoveries.load(Ordering::Relaxed)
    }
    pub(crate) fn stale_recovered(&self) {
        self.inner.stale_recoveries.fetch_add(1, Ordering::Relaxed);
    }

    pub fn requests_sent(&self) -> u64 {
        self.inner.requests.load(Ordering::Relaxed)
    }

    fn notify(&self, n: ClientNotice) {
        if let Some(tx) = &self.inner.opts.notices {
            let _ = tx.send(n);
        }
    }

    fn host(&self) -> String {
        self.inner.root.host()
    }

    async fn exchange(&self, req: &Req) -> Result<(u16, HeaderMap, bytes::Bytes), Transport> {
        let url = self
            .inner
            .root
            .url(&req.path)
            .map_err(|e| Transport::NotSent(ApiError::Config(e.to_string())))?;
        let token = self
            .inner
            .token
            .reveal()
            .map_err(|e| Transport::NotSent(ApiError::Config(e.to_string())))?;
        let mut auth = HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| {
            Transport::NotSent(ApiError::Config(
                "the personal token contains characters that cannot be sent in a header"
                    .to_string(),
            ))
        })?;
        // Keeps the token out of any Debug output of the request or its headers.
        auth.set_sensitive(true);
        let mut rb = self
            .inner
            .http
            .request(req.method.clone(), url)
            .header(AUTHORIZATION, auth)
            .header("Accept", "application/json")
            .timeout(self.inner.opts.timeout);
        if !req.query.is_empty() {
            rb = rb.query(&req.query);
        }
        if let Some(b) = &req.body {
            rb = rb
                .header("Content-Type", "application/json")
                .body(b.clone());
        }
        self.inner.requests.fetch_add(1, Ordering::Relaxed);
        let resp = match rb.send().await {
            Ok(r) => r,
            Err(e) => return Err(self.classify_send_error(req, &e)),
        };
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        match resp.bytes().await {
            Ok(b) => Ok((status, headers, b)),
            Err(e) => Err(Transport::Lost(ApiError::Network {
                host: self.host(),
                cause: format!(
                    "connection lost while reading the answer to {} {}: {}",
                    req.method,
                    req.path,
                    chain_text(&e)
                ),
            })),
        }
    }

    fn classify_send_error(&self, req: &Req, e: &reqwest::Error) -> Transport {
        let text = chain_text(e);
        if e.is_timeout() {
            return Transport::Lost(ApiError::Timeout {
                method: req.method.to_string(),
                path: req.path.clone(),
                secs: self.inner.opts.timeout.as_secs(),
            });
        }
        if e.is_connect() {
            let lower = text.to_ascii_lowercase();
            if lower.contains("dns") || lower.contains("lookup") || lower.contains("resolve") {
                return Transport::NotSent(ApiError::UnknownStore { host: self.host() });
            }
            let cause = if lower.contains("refused") {
                "connection refused".to_string()
            } else {
                text
            };
            return Transport::NotSent(ApiError::Network {
                host: self.host(),
                cause,
            });
        }
        Transport::Lost(ApiError::Network {
            host: self.host(),
            cause: text,
        })
    }

    /// Send `req` with the governor and retry rules; decode a 2xx body as `T`.
    pub async fn call<T: DeserializeOwned>(&self, req: Req) -> Result<T, ApiError> {
        self.call_with_status(req).await.map(|(_, t)| t)
    }

    pub async fn call_with_status<T: DeserializeOwned>(
        &self,
        req: Req,
    ) -> Result<(u16, T), ApiError> {
        let policy = self.inner.opts.retry.clone();
        let method = req.method.to_string();
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            let gov = &self.inner.governor;
            // The response's budget (and a 429's hold) is recorded while the request still
            // holds its reservation, so no other client sharing the governor sees it as
            // neither in flight nor counted.
            let (outcome, hold) = {
                let mut slot = gov
                    .acquire(|until| self.notify(ClientNotice::WaitingForRateLimit { until }))
                    .await;
                let outcome = self.exchange(&req).await;
                let mut hold = None;
                if let Ok((status, headers, _)) = &outcome {
                    slot.observe(
                        header_u64(headers, "x-ratelimit-limit"),
                        header_u64(headers, "x-ratelimit-remaining"),
                    );
                    if *status == 429 {
                        let until = resume_time(
                            header_str(headers, "retry-after").as_deref(),
                            header_str(headers, "date").as_deref(),
                            gov.now(),
                            Duration::from_secs(60),
                        );
                        slot.hold_until(until);
                        hold = Some(until);
                    }
                }
                (outcome, hold)
            };
            let retry_or = |err: ApiError, cause: String| -> Result<String, ApiError> {
                if attempt >= policy.max_attempts {
                    Err(err)
                } else {
                    Ok(cause)
                }
            };
            let unreachable = outcome.is_err();
            let cause = match outcome {
                Err(Transport::NotSent(e)) => {
                    if matches!(e, ApiError::Config(_)) {
                        return Err(e);
                    }
                    let c = e.to_string();
                    retry_or(e, c)?
                }
                Err(Transport::Lost(e)) => {
                    if !req.idempotent {
                        return Err(ApiError::Ambiguous {
                            method,
                            path: req.path.clone(),
                            cause: e.to_string(),
                        });
                    }
                    let c = e.to_string();
                    retry_or(e, c)?
                }
                Ok((status, headers, body)) => {
                    match status {
                        200..=299 => match decode::<T>(&body) {
                            Ok(t) => return Ok((status, t)),
                            Err((detail, _)) => {
                                if !req.idempotent {
                                    return Err(ApiError::Ambiguous {
                                        method,
                                        path: req.path.clone(),
                                        cause: format!(
                                            "{status} with an unreadable body: {detail}"
                                        ),
                                    });
                                }
                                let err = ApiError::BadResponse {
                                    method: method.clone(),
                                    path: req.path.clone(),
                                    attempts: attempt,
                                    detail: detail.clone(),
                                };
                                retry_or(err, format!("unreadable body: {detail}"))?
                            }
                        },
                        429 => {
                            let until = hold.unwrap_or_else(|| gov.now());
                            self.notify(ClientNotice::RateLimited {
                                what: format!("{} {}", req.method, req.path),
                                until,
                            });
                            tracing::info!(
                                path = %req.path,
                                until = %httpdate::fmt_http_date(until),
                                "rate limited; waiting until the store's Retry-After"
                            );
                            if !req.idempotent {
                                return Err(ApiError::Ambiguous {
                                    method,
                                    path: req.path.clone(),
                                    cause: "429 Too Many Requests".to_string(),
                                });
                            }
                            // Never give up on 429 and never count it as a failed attempt.
                            attempt -= 1;
                            continue;
                        }
                        300..=399 => {
                            let location = header_str(&headers, "location")
                                .map(|l| l.chars().take(200).collect::<String>())
                                .unwrap_or_else(|| "an unnamed location".to_string());
                            return Err(ApiError::Redirected {
                                method,
                                path: req.path.clone(),
                                status,
                                location: format!("{location:?}"),
                            });
                        }
                        401 => {
                            return Err(ApiError::Unauthorized {
                                detail: error_detail(&body),
                            })
                        }
                        403 => {
                            let path = req.path.split('?').next().unwrap_or("").to_string();
                            return Err(ApiError::Forbidden {
                                scope: scopes::required(&method, &path).to_string(),
                                method,
                                path,
                            });
                        }
                        404 => {
                            return Err(ApiError::NotFound {
                                method,
                                path: req.path.clone(),
                                detail: error_detail(&body),
                            })
                        }
                        500..=599 => {
                            let detail = error_detail(&body);
                            if !req.idempotent {
                                return Err(ApiError::Ambiguous {
                                    method,
                                    path: req.path.clone(),
                                    cause: format!("{status}: {detail}"),
                                });
                            }
                            let err = ApiError::Server {
                                method: method.clone(),
                                path: req.path.clone(),
                                status,
                                attempts: attempt,
                                detail: detail.clone(),
                            };
                            retry_or(err, format!("{status}: {detail}"))?
                        }
                        _ => {
                            return Err(ApiError::Rejected {
                                method,
                                path: req.path.clone(),
                                status,
                                detail: error_detail(&body),
                            })
                        }
                    }
                }
            };
            let delay = policy.delay(attempt);
            self.notify(ClientNotice::Retrying {
                what: format!("{} {}", req.method, req.path),
                attempt,
                cause: cause.clone(),
                delay,
                unreachable,
            });
            tracing::debug!(path = %req.path, attempt, %cause, "retrying");
            self.inner.opts.clock.sleep(delay).await;
        }
    }

    /// A list request for a page of `asked` items, built by `build` for a page size. The spec
    /// gives no maximum and a store may refuse a size rather than cap it: on a 400 or 422
    /// the size is halved, down to [`MIN_PAGE_SIZE`], and the size that worked is kept for
    /// `endpoint` (later pages start there) and logged once.
    pub async fn call_paged<T: DeserializeOwned>(
        &self,
        endpoint: &str,
        asked: u64,
        build: impl Fn(u64) -> Result<Req, ApiError>,
    ) -> Result<T, ApiError> {
        let known = self.page_size_for(endpoint);
        let mut size = known.map_or(asked, |k| k.min(asked)).max(1);
        loop {
            match self.call::<T>(build(size)?).await {
                Ok(t) => {
                    if size < asked && known != Some(size) {
                        self.remember_page_size(endpoint, asked, size);
                    }
                    return Ok(t);
                }
                Err(ApiError::Rejected { status, .. })
                    if (status == 400 || status == 422) && size > MIN_PAGE_SIZE =>
                {
                    size = (size / 2).max(MIN_PAGE_SIZE);
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// The page size `endpoint` accepted after refusing a larger one, if it did.
    pub fn page_size_for(&self, endpoint: &str) -> Option<u64> {
        self.inner
            .page_sizes
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(endpoint)
            .copied()
    }

    fn remember_page_size(&self, endpoint: &str, asked: u64, size: u64) {
        let first = self
            .inner
            .page_sizes
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(endpoint.to_string(), size)
            .is_none();
        if first {
            tracing::warn!(
                endpoint,
                asked,
                size,
                "the store refused a page size of {asked} for {endpoint}; using {size} from now on"
            );
        }
    }

    // ---- typed endpoints -------------------------------------------------------------

    pub async fn retailer(&self) -> Result<Retailer, ApiError> {
        Ok(self
            .call::<Single<Retailer>>(Req::get("/retailer"))
            .await?
            .data)
    }

    /// One page of a version-cursor list, for probes (`page_size=1`).
    pub async fn peek<T: DeserializeOwned>(
        &self,
        path: &str,
        page_size: u64,
    ) -> Result<Collection<T>, ApiError> {
        self.call(Req::get(path).query("page_size", page_size))
            .await
    }

    /// `GET /{collection}/{id}` of a record that carries its own id (products, registers,
    /// users, taxes, outlets, …). `None` when the store says there is no such record (404).
    /// An answer about another record, or with no id, is [`ApiError::Unclear`]: never a match.
    pub async fn record<T: DeserializeOwned + Versioned>(
        &self,
        collection: &str,
        id: &str,
    ) -> Result<Option<T>, ApiError> {
        let path = format!("/{collection}/{id}");
        match self.call::<Single<T>>(Req::get(path.clone())).await {
            Ok(s) => {
                same_id("GET", &path, id, s.data.id())?;
                Ok(Some(s.data))
            }
            Err(ApiError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    pub async fn product(&self, id: &str) -> Result<Option<Product>, ApiError> {
        self.record("products", id).await
    }

    pub async fn outlet(&self, id: &str) -> Result<Option<Outlet>, ApiError> {
        self.record("outlets", id).await
    }

    /// The products `sku` names: by SKU or by product code (trimmed, without case). Whatever
    /// else the store answers with is dropped, so a caller never takes another SKU's product.
    pub async fn products_by_sku(&self, sku: &str) -> Result<Vec<Product>, ApiError> {
        let all = self
            .call::<Collection<Product>>(Req::get("/products").query("sku", sku))
            .await?
            .data;
        let total = all.len();
        let found: Vec<Product> = all.into_iter().filter(|p| p.answers_to_sku(sku)).collect();
        if found.len() < total {
            tracing::warn!(
                sku,
                ignored = total - found.len(),
                "GET /products?sku= answered with products of other SKUs; ignored"
            );
        }
        Ok(found)
    }

    /// Inventory records of one product; records of other products in the answer are dropped.
    pub async fn inventory_for_product(
        &self,
        product_id: &str,
    ) -> Result<Vec<InventoryRecord>, ApiError> {
        let all: Vec<InventoryRecord> = self
            .call(Req::get(format!("/inventory/{product_id}")))
            .await?;
        Ok(all
            .into_iter()
            .filter(|r| r.product_id.trim().eq_ignore_ascii_case(product_id.trim()))
            .collect())
    }

    /// Customers whose email is exactly `email` (trimmed, without case). A search may answer
    /// with others (partial matches, or a store that ignores the filter): they are dropped.
    pub async fn find_customers_by_email(&self, email: &str) -> Result<Vec<Customer>, ApiError> {
        #[derive(serde::Deserialize)]
        struct R {
            #[serde(default, deserialize_with = "super::lenient::null_default")]
            data: Vec<Customer>,
        }
        let r: R = self
            .call(
                Req::get("/search")
                    .query("type", "customers")
                    .query("email", email.trim()),
            )
            .await?;
        Ok(r.data.into_iter().filter(|c| c.has_email(email)).collect())
    }

    /// Not idempotent: an unclear outcome is returned as `Ambiguous`, and so is an answer
    /// about a customer with another email than the one sent.
    pub async fn create_customer(&self, c: &Customer) -> Result<Customer, ApiError> {
        let req = Req::get("/customers")
            .json(Method::POST, c)?
            .idempotent(false);
        let created = self.call::<Single<Customer>>(req).await?.data;
        if let (Some(sent), Some(got)) = (c.email.as_deref(), created.email.as_deref()) {
            if !created.has_email(sent) {
                return Err(ApiError::Ambiguous {
                    method: "POST".into(),
                    path: "/customers".into(),
                    cause: format!(
                        "the store answered with a customer whose email is {:?}, not {:?}",
                        excerpt(got),
                        excerpt(sent)
                    ),
                });
            }
        }
        Ok(created)
    }

    /// `GET /customers/{id}/addresses`.
    pub async fn customer_addresses(
        &self,
        customer_id: &str,
    ) -> Result<Vec<CustomerAddress>, ApiError> {
        #[derive(serde::Deserialize)]
        struct R {
            #[serde(default)]
            data: Option<Vec<CustomerAddress>>,
        }
        let r: R = self
            .call(Req::get(format!("/customers/{customer_id}/addresses")))
            .await?;
        Ok(r.data.unwrap_or_default())
    }

    /// `POST /customers/{id}/addresses`. Not idempotent: an unclear outcome is `Ambiguous`.
    pub async fn create_customer_address(
        &self,
        customer_id: &str,
        a: &CustomerAddress,
    ) -> Result<CustomerAddress, ApiError> {
        let req = Req::get(format!("/customers/{customer_id}/addresses"))
            .json(Method::POST, a)?
            .idempotent(false);
        Ok(self.call::<Single<CustomerAddress>>(req).await?.data)
    }

    /// `POST /sales`. The caller chooses `sale.id`, so a resend after reconciliation can
    /// never create a second sale. Accepts `{data:Sale}` and the older `{data:"<id>"}`. An
    /// answer naming another sale (or none) leaves the outcome unknown: `Ambiguous`, so the
    /// caller reconciles with `GET /sales/{id}` instead of taking it as sent.
    pub async fn create_sale(&self, sale: &SaleRequest) -> Result<Sale, ApiError> {
        #[derive(serde::Deserialize)]
        #[serde(untagged)]
        enum Created {
            Sale(Box<Sale>),
            Id(String),
        }
        let req = Req::get("/sales")
            .json(Method::POST, sale)?
            .idempotent(false);
        let created = match self.call::<Single<Created>>(req).await?.data {
            Created::Sale(s) => *s,
            Created::Id(id) => Sale {
                id,
                ..Sale::default()
            },
        };
        if let Some(sent) = sale.id.as_deref() {
            if let Some(why) = id_mismatch(sent, &created.id) {
                return Err(ApiError::Ambiguous {
                    method: "POST".into(),
                    path: "/sales".into(),
                    cause: format!("the answer is not about the sale sent ({why})"),
                });
            }
        }
        Ok(created)
    }

    /// `GET /sales/{id}`: `None` on 404. An answer about another sale, or with no id, is
    /// [`ApiError::Unclear`]. Whether the sale is the one an FR made (its `source.id`) is for
    /// the caller to check.
    pub async fn sale(&self, id: &str) -> Result<Option<Sale>, ApiError> {
        let path = format!("/sales/{id}");
        match self.call::<Single<Sale>>(Req::get(path.clone())).await {
            Ok(s) => {
                same_id("GET", &path, id, &s.data.id)?;
                Ok(Some(s.data))
            }
            Err(ApiError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `PUT /sales/{id}` replaces the sale, so sending it twice is harmless.
    pub async fn update_sale(&self, id: &str, sale: &SaleRequest) -> Result<Sale, ApiError> {
        let mut body = sale.clone();
        body.id = None;
        let path = format!("/sales/{id}");
        let req = Req::get(path.clone()).json(Method::PUT, &body)?;
        let updated = self.call::<Single<Sale>>(req).await?.data;
        same_id("PUT", &path, id, &updated.id)?;
        Ok(updated)
    }
}

/// At most 80 characters of a value from the store, for messages.
fn excerpt(s: &str) -> String {
    let mut out: String = s.chars().take(80).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}

/// Why an answer's id is not the one asked for (ids compare trimmed, without case: UUIDs
/// are case-insensitive), or `None` when it is.
fn id_mismatch(asked: &str, got: &str) -> Option<String> {
    if got.trim().is_empty() {
        Some(format!(
            "asked for {}, the answer carries no id",
            excerpt(asked)
        ))
    } else if got.trim().eq_ignore_ascii_case(asked.trim()) {
        None
    } else {
        Some(format!(
            "asked for {}, the answer is about {}",
            excerpt(asked),
            excerpt(got)
        ))
    }
}

fn same_id(method: &str, path: &str, asked: &str, got: &str) -> Result<(), ApiError> {
    match id_mismatch(asked, got) {
        None => Ok(()),
        Some(detail) => Err(ApiError::Unclear {
            method: method.to_string(),
            path: path.to_string(),
            detail,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lightspeed::models::{Collection, Single, User};

    #[test]
    fn problem_json_keeps_its_validation_list_whole() {
        let long = "x".repeat(300);
        let body = format!(
            r#"{{"type":"https://example.com/problems/validation","title":"Validation failed","status":422,
               "detail":"{long}",
               "validation":[{{"location":"body.line_items[0].quantity","message":"must be greater than 0"}},
                             {{"location":"body.source.author_id","message":"is required"}}]}}"#
        );
        let d = error_detail(body.as_bytes());
        assert!(d.starts_with("Validation failed: xxx"), "{d}");
        assert!(
            d.contains("validation: body.line_items[0].quantity: must be greater than 0; body.source.author_id: is required"),
            "{d}"
        );
        assert!(!d.contains('\n'));
        // Bounded: a body of any size gives at most ERROR_DETAIL_MAX characters (plus "…").
        let huge = format!(
            r#"{{"error":"Bad Request","message":"{}"}}"#,
            "y".repeat(5000)
        );
        let d = error_detail(huge.as_bytes());
        assert_eq!(d.chars().count(), ERROR_DETAIL_MAX + 1, "{d}");
        assert!(d.ends_with('…'));
    }

    #[test]
    fn error_bodies_of_every_shape_say_what_they_say() {
        let cases: &[(&str, &str)] = &[
            (r#"{"error":"Not Found"}"#, "Not Found"),
            (
                r#"{"error":"Too Many Requests","message":"Rate limiting enforced"}"#,
                "Too Many Requests: Rate limiting enforced",
            ),
            (r#"{"error":{"message":"bad sku"}}"#, "bad sku"),
            (
                r#"{"errors":{"email":["is invalid","is taken"]}}"#,
                "errors: email: is invalid, is taken",
            ),
            (
                r#"{"errors":[{"field":"name","message":"blank"}]}"#,
                "errors: name: blank",
            ),
            (r#"{"unexpected":{"a":1}}"#, r#"{"unexpected":{"a":1}}"#),
            (r#"{}"#, "no details"),
            (
                "<html>\n<body>502 Bad Gateway</body>\n</html>",
                "<html> <body>502 Bad Gateway</body> </html>",
            ),
            ("", "no details"),
        ];
        for (body, want) in cases {
            assert_eq!(error_detail(body.as_bytes()), *want, "{body}");
        }
        // A page that is not JSON is still cut at about 200 characters.
        let html = format!("<html>{}</html>", "z".repeat(1000));
        assert_eq!(error_detail(html.as_bytes()).chars().count(), 201);
    }

    #[test]
    fn single_records_may_be_one_element_arrays() {
        let obj: Single<User> =
            decode(br#"{"data":{"id":"u1","username":"a","version":-5}}"#).unwrap();
        let arr: Single<User> =
            decode(br#"{"data":[{"id":"u1","username":"a","version":-5}]}"#).unwrap();
        assert_eq!(obj.data, arr.data);
        assert_eq!(arr.data.version, -5);
        for (body, want) in [
            (
                &br#"{"data":[]}"#[..],
                "field data: expected one record, got an empty array",
            ),
            (
                &br#"{"data":[{"id":"a"},{"id":"b"}]}"#[..],
                "field data: expected one record, got an array of 2",
            ),
            (
                &br#"{"data":7}"#[..],
                "field data: invalid type: integer `7`",
            ),
        ] {
            let (d, transient) = decode::<Single<User>>(body).unwrap_err();
            assert!(d.starts_with(want), "{d}");
            assert!(!transient);
        }
    }

    #[test]
    fn parse_failures_name_the_field_and_the_value_in_one_line() {
        let body = br#"{"data":[{"id":"p1","version":5},{"id":"p2","version":9223372036854775808}],"version":{"min":5,"max":6}}"#;
        let (d, transient) = decode::<Collection<User>>(body).unwrap_err();
        assert!(d.starts_with("field data[1].version: "), "{d}");
        assert!(d.contains("(value: 9223372036854775808)"), "{d}");
        assert!(!transient);
        let (d, _) = decode::<Collection<User>>(br#"{"data":[{"id":"p1","username":{"a":1}}]}"#)
            .unwrap_err();
        assert!(
            d.starts_with("field data[0].username: invalid type: map"),
            "{d}"
        );
        assert!(d.contains(r#"(value: {"a":1})"#), "{d}");
        assert!(!d.contains("line 1"), "{d}");
        // A body cut short may be a network hiccup: worth another try, and says where.
        let (d, transient) =
            decode::<Collection<User>>(br#"{"data":[{"id":"p1","userna"#).unwrap_err();
        assert!(transient, "{d}");
        assert!(d.starts_with("not JSON: EOF while parsing"), "{d}");
        // Garbage whose start has the wrong shape is still garbage, not a shape error.
        let (d, transient) =
            decode::<Vec<User>>(br#"{"data": [ {"id": <html>502 Bad Gateway</html>"#).unwrap_err();
        assert!(transient, "{d}");
        assert!(d.contains("(near: "), "{d}");
        // Negative versions are versions.
        let c: Collection<User> = decode(
            br#"{"data":[{"id":"u","version":-3561360546574695}],"version":{"min":-3561360546574695,"max":"-3561360546574695"}}"#,
        )
        .unwrap();
        assert_eq!(c.data[0].version, -3561360546574695);
        assert_eq!(c.version.unwrap().max, Some(-3561360546574695));
    }
}
