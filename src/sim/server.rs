//! The simulator's transport: accept loop, per-request pipeline (auth, scopes, rate limit,
//! faults, routing, headers, recording) and the `/__sim/` admin endpoints that let tests
//! drive a simulator running in another process.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, Method, Response, StatusCode};
use axum::routing::any;
use axum::{Extension, Router};
use hyper_util::rt::TokioIo;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Notify};
use tower::ServiceExt;

use super::config::{Fault, Faults, RateLimit, RateScope, SimConfig, StoreSpec, TokenSpec};
use super::fixtures;
use super::ratelimit::{ceil_second, Decision, Limiter};
use super::reply::{Params, Reply};
use super::routes::{self, Call, Ctx, Settings};
use super::state::{Mutation, SimStore};
use super::synthetic;
use crate::clock::SharedClock;
use crate::lightspeed::scopes;

/// One request and what the simulator answered, kept when recording is on.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Exchange {
    pub method: String,
    /// Full path, e.g. `/api/2026-07/products`.
    pub path: String,
    pub query: Option<String>,
    pub request_body: Option<Value>,
    pub status: u16,
    pub response_body: Option<Value>,
    /// The fault injected into this exchange, if any (its body is broken on purpose).
    pub fault: Option<Fault>,
    /// Simulator time when the request arrived.
    pub at: std::time::SystemTime,
    /// The `Retry-After` header sent, if any.
    pub retry_after: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Counters {
    pub requests: u64,
    pub by_status: BTreeMap<u16, u64>,
    pub by_endpoint: BTreeMap<String, u64>,
    pub faults: u64,
}

struct Data {
    store: SimStore,
    rng: ChaCha8Rng,
}

pub(crate) struct Inner {
    data: Mutex<Data>,
    faults: Mutex<Faults>,
    fault_rng: Mutex<ChaCha8Rng>,
    settings: Mutex<Settings>,
    tokens: Vec<TokenSpec>,
    rate: Option<RateLimit>,
    limiter: Mutex<Limiter>,
    clock: SharedClock,
    record: AtomicBool,
    tap: Mutex<Vec<Exchange>>,
    counters: Mutex<Counters>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Lets a request's handler drop or reset its own TCP connection.
#[derive(Default)]
struct ConnCtl {
    notify: Notify,
    reset: AtomicBool,
}

impl ConnCtl {
    fn kill(&self, reset: bool) {
        self.reset.store(reset, Ordering::SeqCst);
        self.notify.notify_one();
    }
}

/// A running simulator.
pub struct SimHandle {
    addr: SocketAddr,
    inner: Arc<Inner>,
    shutdown: watch::Sender<bool>,
    task: Option<tokio::task::JoinHandle<()>>,
}

fn load_store(
    spec: &StoreSpec,
    registers: usize,
    gap: u64,
    rng: &mut ChaCha8Rng,
) -> Result<SimStore, String> {
    let seed = match spec {
        StoreSpec::Demo => fixtures::demo()?,
        StoreSpec::DemoInclusive => fixtures::demo_inclusive()?,
        StoreSpec::Dir(d) => fixtures::from_dir(d)?,
        StoreSpec::Synthetic { products, seed } => {
            return Ok(SimStore::synthetic(*products, *seed, registers, gap, rng))
        }
        StoreSpec::Empty => synthetic::reference_data(registers),
    };
    Ok(SimStore::from_seed(seed, gap, rng))
}

impl SimHandle {
    /// Starts on an ephemeral loopback port.
    pub async fn start(cfg: SimConfig) -> Result<SimHandle, String> {
        Self::start_on(cfg, SocketAddr::from(([127, 0, 0, 1], 0))).await
    }

    pub async fn start_on(cfg: SimConfig, addr: SocketAddr) -> Result<SimHandle, String> {
        let spec = cfg.store.clone();
        let gap = cfg.version_gap;
        let seed = cfg.seed;
        let store = tokio::task::spawn_blocking(move || {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let store = load_store(&spec, 2, gap, &mut rng)?;
            Ok::<_, String>(Data { store, rng })
        })
        .await
        .map_err(|e| format!("simulator start-up failed: {e}"))??;
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|e| {
                format!("cannot listen on {addr}: {e}: use a free port (or --port 0) on an address of this machine, e.g. 127.0.0.1")
            })?;
        let addr = listener
            .local_addr()
            .map_err(|e| format!("cannot read the listening address: {e}"))?;
        let inner = Arc::new(Inner {
            data: Mutex::new(store),
            faults: Mutex::new(cfg.faults.clone()),
            fault_rng: Mutex::new(ChaCha8Rng::seed_from_u64(cfg.seed ^ 0x5eed)),
            settings: Mutex::new(Settings {
                default_page_size: cfg.default_page_size,
                page_size_cap: cfg.page_size_cap.max(1),
                sales_page_size_cap: cfg.sales_page_size_cap.max(1),
                refuse_page_size: cfg.refuse_page_size,
                duplicate_sale: cfg.duplicate_sale,
                before_bound: cfg.before_bound,
                inclusive_pricing: cfg.inclusive_pricing,
                line_discount: cfg.line_discount,
                adjustment_tax: cfg.adjustment_tax,
                closed_sale_paid_in_full: cfg.closed_sale_paid_in_full,
                stock_moves: cfg.stock_moves,
            }),
            tokens: cfg.tokens.clone(),
            rate: cfg.rate_limit.clone(),
            limiter: Mutex::new(Limiter::default()),
            clock: cfg.clock.clone(),
            record: AtomicBool::new(cfg.record),
            tap: Mutex::new(Vec::new()),
            counters: Mutex::new(Counters::default()),
        });
        let app = Router::new()
            .route("/api/{version}/{*rest}", any(api))
            .route("/__sim/{*rest}", any(admin))
            .fallback(|| async { json_response(&Reply::not_found("endpoint"), &[]) })
            .with_state(inner.clone());
        let (tx, rx) = watch::channel(false);
        let task = tokio::spawn(accept_loop(listener, app, rx));
        Ok(SimHandle {
            addr,
            inner,
            shutdown: tx,
            task: Some(task),
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
    /// `http://127.0.0.1:PORT`, what a connection's API-root override takes.
    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }
    pub fn set_faults(&self, f: Faults) {
        *lock(&self.inner.faults) = f;
    }
    pub fn faults(&self) -> Faults {
        lock(&self.inner.faults).clone()
    }
    pub fn set_duplicate_sale(&self, d: super::config::DuplicateSale) {
        lock(&self.inner.settings).duplicate_sale = d;
    }
    /// See [`InclusivePricing`](super::config::InclusivePricing).
    pub fn set_inclusive_pricing(&self, p: super::config::InclusivePricing) {
        lock(&self.inner.settings).inclusive_pricing = p;
    }
    /// See [`LineDiscount`](super::config::LineDiscount).
    pub fn set_line_discount(&self, d: super::config::LineDiscount) {
        lock(&self.inner.settings).line_discount = d;
    }
    /// See [`AdjustmentTax`](super::config::AdjustmentTax).
    pub fn set_adjustment_tax(&self, t: super::config::AdjustmentTax) {
        lock(&self.inner.settings).adjustment_tax = t;
    }
    /// Refuse a sale saved `closed` that is not paid in full (default off).
    pub fn set_closed_sale_paid_in_full(&self, on: bool) {
        lock(&self.inner.settings).closed_sale_paid_in_full = on;
    }
    /// Switches the store between tax-exclusive and tax-inclusive (retailer and outlets).
    pub fn set_tax_exclusive(&self, on: bool) {
        self.with_store(|s, rng| s.set_tax_exclusive(on, rng));
    }
    /// The money of sale `id` as the simulator recorded it: lines, adjustments, payments,
    /// totals and balance, in cents. `None` if there is no such sale.
    pub fn sale_money(&self, id: &str) -> Option<super::sale_money::SaleMoney> {
        lock(&self.inner.data).store.sale_money.get(id).cloned()
    }
    pub fn set_stock_moves(&self, m: super::config::StockMoves) {
        lock(&self.inner.settings).stock_moves = m;
    }
    pub fn set_page_size_cap(&self, cap: u64) {
        lock(&self.inner.settings).page_size_cap = cap.max(1);
    }
    pub fn set_page_size_refusal(&self, r: Option<super::config::PageSizeRefusal>) {
        lock(&self.inner.settings).refuse_page_size = r;
    }
    /// Read or change the store directly (as the store's own staff would).
    pub fn with_store<R>(&self, f: impl FnOnce(&mut SimStore, &mut ChaCha8Rng) -> R) -> R {
        let mut d = lock(&self.inner.data);
        let Data { store, rng } = &mut *d;
        f(store, rng)
    }
    pub fn mutate_random(&self, n: usize) -> Vec<Mutation> {
        self.with_store(|s, rng| (0..n).filter_map(|_| s.mutate_random(rng)).collect())
    }
    pub fn set_recording(&self, on: bool) {
        self.inner.record.store(on, Ordering::SeqCst);
    }
    pub fn exchanges(&self) -> Vec<Exchange> {
        lock(&self.inner.tap).clone()
    }
    pub fn clear_exchanges(&self) {
        lock(&self.inner.tap).clear();
    }
    pub fn counters(&self) -> Counters {
        lock(&self.inner.counters).clone()
    }
    pub fn clock(&self) -> SharedClock {
        self.inner.clock.clone()
    }
    /// Stops accepting and closes every open connection.
    pub async fn stop(mut self) {
        let _ = self.shutdown.send(true);
        if let Some(t) = self.task.take() {
            let _ = t.await;
        }
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}

async fn accept_loop(listener: TcpListener, app: Router, mut stop: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            r = listener.accept() => {
                let Ok((stream, _)) = r else { continue };
                tokio::spawn(serve_conn(stream, app.clone(), stop.clone()));
            }
        }
    }
}

async fn serve_conn(stream: TcpStream, app: Router, mut stop: watch::Receiver<bool>) {
    // Keep a second handle on the socket so a fault can reset it while hyper owns the stream.
    let Ok(std) = stream.into_std() else { return };
    let Ok(ctl_sock) = std.try_clone() else {
        return;
    };
    let Ok(stream) = TcpStream::from_std(std) else {
        return;
    };
    let _ = stream.set_nodelay(true);
    let ctl = Arc::new(ConnCtl::default());
    let ctl2 = ctl.clone();
    let svc = hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
        req.extensions_mut().insert(ctl2.clone());
        app.clone().oneshot(req.map(Body::new))
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .keep_alive(true)
        .serve_connection(TokioIo::new(stream), svc);
    tokio::select! {
        _ = conn => {}
        _ = ctl.notify.notified() => {
            if ctl.reset.load(Ordering::SeqCst) {
                let _ = socket2::SockRef::from(&ctl_sock).set_linger(Some(Duration::ZERO));
            }
            let _ = ctl_sock.shutdown(std::net::Shutdown::Both);
        }
        _ = stop.changed() => {
            let _ = ctl_sock.shutdown(std::net::Shutdown::Both);
        }
    }
}

fn json_response(r: &Reply, extra: &[(&'static str, String)]) -> Response<Body> {
    let mut resp = Response::new(Body::from(r.body.clone()));
    *resp.status_mut() =
        StatusCode::from_u16(r.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let h = resp.headers_mut();
    // A 204 has no body, so no content type.
    if !r.body.is_empty() {
        h.insert("content-type", HeaderValue::from_static("application/json"));
    }
    for (k, v) in extra {
        if let Ok(v) = HeaderValue::from_str(v) {
            h.insert(*k, v);
        }
    }
    resp
}

fn valid_version(v: &str) -> bool {
    crate::lightspeed::api_root::validate_version(v).is_ok()
}

fn scope_needed(method: &str, rest: &str, q: &Params) -> Vec<String> {
    if rest.trim_matches('/').starts_with("search") {
        return match q.get("type") {
            Some("sales") => vec!["sales:read".into()],
            Some("products") => vec!["products:read".into()],
            Some("customers") => vec!["customers:read".into()],
            _ => vec![],
        };
    }
    match scopes::required(method, rest) {
        "unknown" => vec![],
        // GET /retailer needs both (spec: `retailer:read payment_types:read`).
        "retailer:read" => vec!["retailer:read".into(), "payment_types:read".into()],
        s => vec![s.to_string()],
    }
}

impl Inner {
    fn pick_fault(&self, method: &Method, rest: &str) -> Option<Fault> {
        let mut f = lock(&self.faults);
        if let Some(only) = &f.only_path {
            if !rest.contains(only.as_str()) {
                return None;
            }
        }
        if let Some(x) = f.script.pop_front() {
            return Some(x);
        }
        if f.storm > 0 {
            f.storm -= 1;
            return Some(Fault::TooMany);
        }
        let mut rng = lock(&self.fault_rng);
        let mut hit = |p: f64| p > 0.0 && rng.gen_bool(p.min(1.0));
        let is_sale_post = *method == Method::POST && rest.trim_matches('/') == "sales";
        let is_list = (*method == Method::GET && !rest.trim_matches('/').contains('/'))
            || (*method == Method::POST && rest.trim_matches('/') == "inventory");
        if hit(f.p_429) {
            return Some(Fault::TooMany);
        }
        if hit(f.p_reset) {
            return Some(Fault::Reset);
        }
        if hit(f.p_5xx) {
            return Some(Fault::Status(503));
        }
        if is_sale_post && hit(f.p_commit_drop) {
            return Some(Fault::CommitDrop);
        }
        if is_list && hit(f.p_stuck) {
            return Some(Fault::Stuck);
        }
        if hit(f.p_malformed) {
            return Some(Fault::Malformed);
        }
        if hit(f.p_truncated) {
            return Some(Fault::Truncated);
        }
        None
    }

    fn count(&self, rest: &str, status: u16, fault: Option<Fault>) {
        let mut c = lock(&self.counters);
        c.requests += 1;
        *c.by_status.entry(status).or_default() += 1;
        let key = rest
            .trim_matches('/')
            .split('/')
            .next()
            .unwrap_or("")
            .to_string();
        *c.by_endpoint.entry(key).or_default() += 1;
        if fault.is_some() {
            c.faults += 1;
        }
    }

    fn limit(&self) -> Option<(u64, Duration, RateScope)> {
        let r = self.rate.as_ref()?;
        let registers = lock(&self.data).store.register_count();
        Some((
            r.limit.unwrap_or(300 * registers.max(1) + 50),
            r.window,
            r.scope,
        ))
    }
}

#[allow(clippy::too_many_arguments)]
async fn api(
    State(sim): State<Arc<Inner>>,
    Extension(conn): Extension<Arc<ConnCtl>>,
    method: Method,
    Path((version, rest)): Path<(String, String)>,
    RawQuery(raw_query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response<Body> {
    let rest = format!("/{}", rest.trim_start_matches('/'));
    let full_path = format!("/api/{version}{rest}");
    let q = Params::parse(raw_query.as_deref());
    let latency = lock(&sim.faults).latency_ms;
    if latency > 0 {
        tokio::time::sleep(Duration::from_millis(latency)).await;
    }
    let now = sim.clock.now();
    let date = httpdate::fmt_http_date(now);
    let mut hdrs: Vec<(&'static str, String)> = vec![("date", date)];
    let finish = |reply: Reply, hdrs: &[(&'static str, String)], fault: Option<Fault>| {
        sim.count(&rest, reply.status, fault);
        if sim.record.load(Ordering::Relaxed) {
            let exchange = Exchange {
                method: method.to_string(),
                path: full_path.clone(),
                query: raw_query.clone(),
                request_body: serde_json::from_slice(&body).ok(),
                status: reply.status,
                response_body: serde_json::from_slice(&reply.body).ok(),
                fault,
                at: now,
                retry_after: hdrs
                    .iter()
                    .find(|(k, _)| *k == "retry-after")
                    .map(|(_, v)| v.clone()),
            };
            lock(&sim.tap).push(exchange);
        }
        json_response(&reply, hdrs)
    };

    if !valid_version(&version) {
        return finish(Reply::not_found("API version"), &hdrs, None);
    }
    // Auth: a missing or unknown bearer token is 401 before anything else.
    let presented = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim);
    let Some(token) = presented.and_then(|t| sim.tokens.iter().find(|s| s.token == t)) else {
        let msg = if presented.is_none() {
            "Authorization header with a Bearer token is required"
        } else {
            "Access token is not valid"
        };
        return finish(Reply::error(401, msg), &hdrs, None);
    };
    // Rate limit (authorized requests only), then the budget headers on every answer.
    if let Some((limit, window, scope)) = sim.limit() {
        let key = match scope {
            RateScope::PerToken => token.token.clone(),
            RateScope::PerStore => "store".to_string(),
        };
        let decision = lock(&sim.limiter).check(&key, limit, window, now);
        hdrs.push(("x-ratelimit-limit", limit.to_string()));
        match decision {
            Decision::Allow { remaining } => {
                hdrs.push(("x-ratelimit-remaining", remaining.to_string()));
            }
            Decision::Deny { retry_after } => {
                hdrs.push(("x-ratelimit-remaining", "0".into()));
                hdrs.push(("retry-after", httpdate::fmt_http_date(retry_after)));
                return finish(
                    Reply::error_with(429, "Too Many Requests", "Rate limiting enforced"),
                    &hdrs,
                    None,
                );
            }
        }
    }
    if let Some(allowed) = &token.scopes {
        let needed = scope_needed(method.as_str(), &rest, &q);
        if needed.iter().any(|n| !allowed.contains(n)) {
            return finish(
                Reply::error(403, "user missing required permissions"),
                &hdrs,
                None,
            );
        }
    }
    let fault = sim.pick_fault(&method, &rest);
    match fault {
        Some(Fault::TooMany) => {
            let (secs, raw) = {
                let f = lock(&sim.faults);
                (f.storm_retry_after_secs.max(1), f.retry_after_raw.clone())
            };
            hdrs.retain(|(k, _)| *k != "x-ratelimit-remaining");
            hdrs.push(("x-ratelimit-remaining", "0".into()));
            let retry_after = raw.unwrap_or_else(|| {
                let at = crate::clock::later(now, Duration::from_secs(secs));
                httpdate::fmt_http_date(ceil_second(at))
            });
            hdrs.push(("retry-after", retry_after));
            return finish(
                Reply::error_with(429, "Too Many Requests", "Rate limiting enforced"),
                &hdrs,
                fault,
            );
        }
        Some(Fault::Reset) => {
            sim.count(&rest, 0, fault);
            conn.kill(true);
            return std::future::pending().await;
        }
        Some(Fault::Status(s)) => {
            return finish(
                Reply::error(s, "Service temporarily unavailable"),
                &hdrs,
                fault,
            );
        }
        _ => {}
    }
    let settings = lock(&sim.settings).clone();
    let reply = {
        let mut d = lock(&sim.data);
        let Data { store, rng } = &mut *d;
        let mut ctx = Ctx {
            store,
            rng,
            settings: &settings,
            now,
            stuck: fault == Some(Fault::Stuck),
        };
        routes::route(
            &mut ctx,
            &Call {
                method: method.as_str(),
                version: &version,
                path: &rest,
                query: &q,
                body: &body,
            },
        )
    };
    match fault {
        Some(Fault::CommitDrop) if reply.committed => {
            sim.count(&rest, 0, fault);
            conn.kill(false);
            std::future::pending().await
        }
        Some(Fault::Malformed) => {
            let mut r = reply;
            r.body = b"{\"data\": [ {\"id\": <html>502 Bad Gateway</html>".to_vec();
            r.status = 200;
            finish(r, &hdrs, fault)
        }
        Some(Fault::NullData) => {
            let mut r = reply;
            r.body = br#"{"data": null}"#.to_vec();
            r.status = 200;
            finish(r, &hdrs, fault)
        }
        Some(Fault::EmptyList) => {
            let mut r = reply;
            r.body = br#"{"data": []}"#.to_vec();
            r.status = 200;
            finish(r, &hdrs, fault)
        }
        Some(Fault::NullRows) => {
            let mut r = reply;
            if let Ok(mut v) = serde_json::from_slice::<Value>(&r.body) {
                if let Some(rows) = v.get_mut("data").and_then(Value::as_array_mut) {
                    rows.insert(0, Value::Null);
                }
                r.body = serde_json::to_vec(&v).unwrap_or(r.body);
            }
            finish(r, &hdrs, fault)
        }
        Some(Fault::Truncated) => {
            let mut r = reply;
            let cut = (r.body.len() / 2).max(1).min(r.body.len());
            r.body.truncate(cut);
            finish(r, &hdrs, fault)
        }
        _ => finish(reply, &hdrs, fault),
    }
}

/// `/__sim/…`: control of a running simulator. Not part of the Lightspeed API, never
/// rate limited or faulted.
async fn admin(
    State(sim): State<Arc<Inner>>,
    method: Method,
    Path(rest): Path<String>,
    body: Bytes,
) -> Response<Body> {
    let reply = match (method.as_str(), rest.trim_matches('/')) {
        ("GET", "summary") => {
            let store = lock(&sim.data).store.summary();
            let counters = lock(&sim.counters).clone();
            Reply::ok(&json!({ "store": store, "counters": counters }))
        }
        ("GET", "faults") => Reply::ok(&*lock(&sim.faults)),
        ("POST", "faults") => match serde_json::from_slice::<Faults>(&body) {
            Ok(f) => {
                *lock(&sim.faults) = f;
                Reply::ok(&json!({"ok": true}))
            }
            Err(e) => Reply::bad_request(&format!("faults: {e}")),
        },
        ("POST", "mutate") => {
            let n = serde_json::from_slice::<Value>(&body)
                .ok()
                .and_then(|v| v.get("random").and_then(Value::as_u64))
                .unwrap_or(1)
                .min(100_000) as usize;
            let mut d = lock(&sim.data);
            let Data { store, rng } = &mut *d;
            let done: Vec<String> = (0..n)
                .filter_map(|_| store.mutate_random(rng))
                .map(|m| format!("{m:?}"))
                .collect();
            Reply::ok(&json!({ "mutations": done.len() }))
        }
        ("GET", "sales") => {
            let d = lock(&sim.data);
            let sales: Vec<&Value> = d.store.sales.iter().collect();
            Reply::ok(&json!({ "data": sales }))
        }
        // The simulator's own report of a sale's money (the spec's Sale has no balance).
        ("GET", path) if path.starts_with("sales/") && path.ends_with("/money") => {
            let id = path
                .trim_start_matches("sales/")
                .trim_end_matches("/money")
                .to_lowercase();
            match lock(&sim.data).store.sale_money.get(&id) {
                Some(m) => Reply::ok(&json!({ "data": m })),
                None => Reply::not_found("sale"),
            }
        }
        _ => Reply::not_found("admin endpoint"),
    };
    json_response(&reply, &[])
}
