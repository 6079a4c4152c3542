//! What a route answers: a status and a JSON body already serialized (a page of products is
//! written straight to bytes, never through `serde_json::Value`).

use serde::Serialize;
use serde_json::json;

#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub body: Vec<u8>,
    /// Set by the sales route when a sale was committed, so a commit-then-drop fault knows
    /// there is something to drop.
    pub committed: bool,
}

impl Reply {
    pub fn json<T: Serialize + ?Sized>(status: u16, body: &T) -> Reply {
        match serde_json::to_vec(body) {
            Ok(b) => Reply {
                status,
                body: b,
                committed: false,
            },
            Err(e) => Reply::error(500, &format!("simulator could not encode a response: {e}")),
        }
    }
    pub fn ok<T: Serialize + ?Sized>(body: &T) -> Reply {
        Reply::json(200, body)
    }
    /// `{"error": "..."}`, the spec's error shape.
    pub fn error(status: u16, msg: &str) -> Reply {
        Reply {
            status,
            body: serde_json::to_vec(&json!({ "error": msg })).unwrap_or_default(),
            committed: false,
        }
    }
    /// `{"error": title, "message": detail}`, the docs' shape for 429 and similar.
    pub fn error_with(status: u16, title: &str, detail: &str) -> Reply {
        Reply {
            status,
            body: serde_json::to_vec(&json!({ "error": title, "message": detail }))
                .unwrap_or_default(),
            committed: false,
        }
    }
    pub fn bad_request(msg: &str) -> Reply {
        Reply::error(400, msg)
    }
    pub fn not_found(what: &str) -> Reply {
        Reply::error(404, &format!("{what} not found"))
    }
}

/// Query parameters as sent (repeatable keys kept in order).
#[derive(Debug, Clone, Default)]
pub struct Params(pub Vec<(String, String)>);

impl Params {
    pub fn parse(raw: Option<&str>) -> Params {
        Params(
            raw.map(|q| {
                url::form_urlencoded::parse(q.as_bytes())
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect()
            })
            .unwrap_or_default(),
        )
    }
    pub fn get(&self, k: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    }
    pub fn all(&self, k: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(key, _)| key == k || key == &format!("{k}[]"))
            .map(|(_, v)| v.as_str())
            .collect()
    }
    pub fn u64(&self, k: &str) -> Result<Option<u64>, Reply> {
        match self.get(k) {
            None | Some("") => Ok(None),
            Some(v) => v.parse().map(Some).map_err(|_| {
                Reply::bad_request(&format!("{k} must be a non-negative integer, got {v:?}"))
            }),
        }
    }
    pub fn bool(&self, k: &str) -> Result<bool, Reply> {
        match self.get(k) {
            None | Some("") => Ok(false),
            Some("true") | Some("1") => Ok(true),
            Some("false") | Some("0") => Ok(false),
            Some(v) => Err(Reply::bad_request(&format!(
                "{k} must be true or false, got {v:?}"
            ))),
        }
    }
}
