//! The HTTP client: auth header, rate-limit governor, retries with backoff and jitter for
//! idempotent requests, and error classification. Non-idempotent requests (creating a sale
//! or a customer) are never resent here: an unclear outcome comes back as
//! [`ApiError::Ambiguous`] so the caller can reconcile first.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
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
    Collection, Customer, InventoryRecord, Outlet, Product, Retailer, Sale, SaleRequest, Single,
    Versioned,
};
use super::scopes;
use crate::clock::{self, SharedClock};
use crate::secret::Token;

pub type ClientEvent = ClientNotice;

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

/// The `error`/`message` of an error body, whatever its shape.
fn error_detail(body: &[u8]) -> String {
    // Error pages may be multi-line HTML; a message is one line.
    let text = || {
        let s = String::from_utf8_lossy(body);
        let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
        if s.is_empty() {
            "no details".to_string()
        } else {
            s.chars().take(200).collect()
        }
    };
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(body) else {
        return text();
    };
    let err = match v.get("error") {
        Some(serde_json::Value::String(s)) => Some(s.clone()),
        Some(serde_json::Value::Object(o)) => o
            .get("message")
            .and_then(|m| m.as_str())
            .map(str::to_string),
        _ => None,
    };
    let msg = v.get("message").and_then(|m| m.as_str());
    match (err, msg) {
        (Some(e), Some(m)) if e != m => format!("{e}: {m}"),
        (Some(e), _) => e,
        (None, Some(m)) => m.to_string(),
        (None, None) => text(),
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
                Ok((status, _, body)) => {
                    match status {
                        200..=299 => match serde_json::from_slice::<T>(&body) {
                            Ok(t) => return Ok((status, t)),
                            Err(e) => {
                                let detail = format!("{e}");
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
            self.notify(ClientNotice::Retrying {
                what: format!("{} {}", req.method, req.path),
                attempt,
                cause: cause.clone(),
            });
            tracing::debug!(path = %req.path, attempt, %cause, "retrying");
            self.inner.opts.clock.sleep(policy.delay(attempt)).await;
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
