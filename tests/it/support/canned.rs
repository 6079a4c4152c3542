//! A tiny HTTP server for answer shapes the spec allows and the simulator does not make
//! (one-element arrays, negative versions, odd error bodies): each request is answered by a
//! closure, and every request is kept for inspection.

#![allow(dead_code)]

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{header, Method, StatusCode, Uri};
use axum::Router;
use lsbridge::clock;
use lsbridge::lightspeed::{ApiRoot, Client, ClientOptions};
use lsbridge::secret::Token;

/// One request, relative to the versioned root (`/products`).
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub body: serde_json::Value,
}

impl Request {
    pub fn q(&self, k: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    }
}

/// `(status, content type, body)`.
pub type Answer = (u16, &'static str, String);

pub struct Canned {
    pub origin: String,
    pub requests: Arc<Mutex<Vec<Request>>>,
}

impl Canned {
    pub async fn start(answer: impl Fn(&Request) -> Answer + Send + Sync + 'static) -> Canned {
        let answer = Arc::new(answer);
        let requests: Arc<Mutex<Vec<Request>>> = Arc::default();
        let seen = requests.clone();
        let app = Router::new().fallback(move |method: Method, uri: Uri, body: Bytes| {
            let answer = answer.clone();
            let seen = seen.clone();
            async move {
                let path = uri
                    .path()
                    .strip_prefix("/api/2026-07")
                    .unwrap_or(uri.path())
                    .to_string();
                let query = url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect();
                let req = Request {
                    method: method.to_string(),
                    path,
                    query,
                    body: serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null),
                };
                let (status, ctype, text) = answer(&req);
                seen.lock().unwrap().push(req);
                (
                    StatusCode::from_u16(status).unwrap(),
                    [(header::CONTENT_TYPE, ctype)],
                    text,
                )
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let origin = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Canned { origin, requests }
    }

    pub fn client_options() -> ClientOptions {
        ClientOptions {
            retry: super::simkit::fast_retry(),
            clock: clock::system(),
            ..ClientOptions::default()
        }
    }

    pub fn client(&self) -> Client {
        self.client_with(Self::client_options())
    }

    pub fn client_with(&self, opts: ClientOptions) -> Client {
        let root = ApiRoot::with_origin(&self.origin, "2026-07").expect("origin");
        Client::new(root, Token::parse("canned-token").expect("token"), opts).expect("client")
    }

    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }
}

pub fn json(status: u16, body: serde_json::Value) -> Answer {
    (status, "application/json", body.to_string())
}
