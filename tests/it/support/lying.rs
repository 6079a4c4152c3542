//! A *lying store*: a real HTTP server on loopback that stands in front of the simulator,
//! forwards every request to it, and rewrites the answers a test chooses (another id, an
//! empty object, products of other SKUs, HTML instead of JSON, another customer…). The
//! simulator still records what was really sent, so a test can compare what the client
//! believed with what the store holds.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, Request, Response, StatusCode};
use axum::Router;
use serde_json::Value;

/// One request as the client sent it.
#[derive(Debug, Clone)]
pub struct Asked {
    pub method: String,
    /// Full path, e.g. `/api/2026-07/sales/…`.
    pub path: String,
    pub query: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Asked {
    /// The path below the versioned root: `/sales/…`.
    pub fn endpoint(&self) -> &str {
        let rest = self.path.strip_prefix("/api/").unwrap_or(&self.path);
        match rest.find('/') {
            Some(i) if self.path.starts_with("/api/") => &rest[i..],
            _ => &self.path,
        }
    }
    /// `method` and an endpoint starting with `prefix` (`"GET", "/sales/"`).
    pub fn is(&self, method: &str, prefix: &str) -> bool {
        self.method.eq_ignore_ascii_case(method) && self.endpoint().starts_with(prefix)
    }
    /// The last path segment (the id of a by-id request).
    pub fn last_segment(&self) -> &str {
        self.endpoint().rsplit('/').next().unwrap_or("")
    }
    pub fn param(&self, k: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    }
}

/// What the simulator answered.
#[derive(Debug, Clone)]
pub struct Upstream {
    pub status: u16,
    pub body: Vec<u8>,
}

impl Upstream {
    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

/// The answer the client gets instead.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub content_type: String,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn json(status: u16, v: &Value) -> Answer {
        Answer {
            status,
            content_type: "application/json".into(),
            body: serde_json::to_vec(v).expect("json"),
        }
    }
    pub fn ok(v: &Value) -> Answer {
        Answer::json(200, v)
    }
    pub fn raw(status: u16, content_type: &str, body: &str) -> Answer {
        Answer {
            status,
            content_type: content_type.into(),
            body: body.as_bytes().to_vec(),
        }
    }
    /// A 200 login page, as a captive portal or a misrouted proxy would send.
    pub fn html() -> Answer {
        Answer::raw(
            200,
            "text/html; charset=utf-8",
            "<!DOCTYPE html>\n<html><head><title>Sign in</title></head>\n<body><h1>Please sign in</h1></body></html>\n",
        )
    }
}

type Before = Arc<dyn Fn(&Asked) -> Option<Answer> + Send + Sync>;
type After = Arc<dyn Fn(&Asked, &Upstream) -> Option<Answer> + Send + Sync>;

#[derive(Clone)]
enum When {
    /// Answered without asking the simulator (it never sees the request).
    Instead(Before),
    /// The simulator answers first (and acts on the request); the client gets the lie.
    After(After),
}

struct Lie {
    name: String,
    when: When,
    told: usize,
}

struct Shared {
    upstream: String,
    http: reqwest::Client,
    lies: Mutex<Vec<Lie>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

pub struct LyingStore {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl LyingStore {
    /// Starts in front of `upstream` (the simulator's origin).
    pub async fn start(upstream: &str) -> LyingStore {
        let shared = Arc::new(Shared {
            upstream: upstream.trim_end_matches('/').to_string(),
            http: reqwest::Client::builder().build().expect("http client"),
            lies: Mutex::new(Vec::new()),
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let addr = listener.local_addr().expect("addr");
        let app = Router::new().fallback(handle).with_state(shared.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        LyingStore { addr, shared, task }
    }

    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Rewrites the simulator's answer when `f` returns `Some`.
    pub fn rewrite(
        &self,
        name: &str,
        f: impl Fn(&Asked, &Upstream) -> Option<Answer> + Send + Sync + 'static,
    ) {
        self.push(name, When::After(Arc::new(f)));
    }

    /// Answers instead of the simulator when `f` returns `Some`.
    pub fn intercept(
        &self,
        name: &str,
        f: impl Fn(&Asked) -> Option<Answer> + Send + Sync + 'static,
    ) {
        self.push(name, When::Instead(Arc::new(f)));
    }

    fn push(&self, name: &str, when: When) {
        lock(&self.shared.lies).push(Lie {
            name: name.to_string(),
            when,
            told: 0,
        });
    }

    /// How many answers the lie `name` replaced.
    pub fn told(&self, name: &str) -> usize {
        lock(&self.shared.lies)
            .iter()
            .filter(|l| l.name == name)
            .map(|l| l.told)
            .sum()
    }

    /// Stops lying: every answer is the simulator's again.
    pub fn honest(&self) {
        lock(&self.shared.lies).clear();
    }
}

impl Drop for LyingStore {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The first lie (of the kind `pick` runs) that has an answer; it is counted as told.
fn first_answer(shared: &Shared, pick: impl Fn(&When) -> Option<Answer>) -> Option<Answer> {
    let lies: Vec<(usize, When)> = lock(&shared.lies)
        .iter()
        .enumerate()
        .map(|(i, l)| (i, l.when.clone()))
        .collect();
    // The closures run without the lock: they may read the simulator.
    for (i, w) in lies {
        if let Some(a) = pick(&w) {
            if let Some(l) = lock(&shared.lies).get_mut(i) {
                l.told += 1;
            }
            return Some(a);
        }
    }
    None
}

fn respond(a: Answer) -> Response<Body> {
    let mut r = Response::new(Body::from(a.body));
    *r.status_mut() = StatusCode::from_u16(a.status).unwrap_or(StatusCode::OK);
    if let Ok(v) = HeaderValue::from_str(&a.content_type) {
        r.headers_mut().insert("content-type", v);
    }
    r
}

async fn handle(State(shared): State<Arc<Shared>>, req: Request<Body>) -> Response<Body> {
    let (parts, body) = req.into_parts();
    let body = axum::body::to_bytes(body, usize::MAX)
        .await
        .map(|b| b.to_vec())
        .unwrap_or_default();
    let raw_query = parts.uri.query().unwrap_or("").to_string();
    let asked = Asked {
        method: parts.method.to_string(),
        path: parts.uri.path().to_string(),
        query: url::form_urlencoded::parse(raw_query.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect(),
        body,
    };
    if let Some(a) = first_answer(&shared, |w| match w {
        When::Instead(f) => f(&asked),
        When::After(_) => None,
    }) {
        return respond(a);
    }
    let mut url = format!("{}{}", shared.upstream, asked.path);
    if !raw_query.is_empty() {
        url.push('?');
        url.push_str(&raw_query);
    }
    let method = reqwest::Method::from_bytes(asked.method.as_bytes()).expect("method");
    let mut rb = shared.http.request(method, url);
    for name in ["authorization", "content-type", "accept"] {
        if let Some(v) = parts.headers.get(name).and_then(|v| v.to_str().ok()) {
            rb = rb.header(name, v);
        }
    }
    if !asked.body.is_empty() {
        rb = rb.body(asked.body.clone());
    }
    let resp = match rb.send().await {
        Ok(r) => r,
        // The simulator dropped the connection: the client sees a gateway error.
        Err(e) => return respond(Answer::raw(502, "text/plain", &format!("upstream: {e}"))),
    };
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = resp.bytes().await.map(|b| b.to_vec()).unwrap_or_default();
    let upstream = Upstream { status, body };
    if let Some(a) = first_answer(&shared, |w| match w {
        When::After(f) => f(&asked, &upstream),
        When::Instead(_) => None,
    }) {
        return respond(a);
    }
    let mut r = Response::new(Body::from(upstream.body));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
    for (k, v) in headers.iter() {
        let k = k.as_str();
        if k == "content-type" || k == "retry-after" || k == "date" || k.starts_with("x-ratelimit")
        {
            if let (Ok(name), Ok(value)) = (
                axum::http::HeaderName::from_bytes(k.as_bytes()),
                HeaderValue::from_bytes(v.as_bytes()),
            ) {
                r.headers_mut().insert(name, value);
            }
        }
    }
    r
}
