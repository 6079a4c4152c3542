//! What can go wrong talking to a store, each with a one-line message that says what to do.

use std::time::SystemTime;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("the store rejected the personal token (401: {detail}): generate a new token in Lightspeed (Setup → Personal Tokens) and update the connection")]
    Unauthorized { detail: String },
    #[error("the token lacks the {scope} scope needed for {method} {path} (403): create a token whose user has that permission")]
    Forbidden {
        scope: String,
        method: String,
        path: String,
    },
    #[error("{method} {path}: not found (404: {detail}); check the id, or that it was not deleted in Lightspeed")]
    NotFound {
        method: String,
        path: String,
        detail: String,
    },
    #[error("no store answers at {host}: check the domain prefix (the XXX of XXX.retail.lightspeed.app)")]
    UnknownStore { host: String },
    #[error("cannot reach {host} ({cause}): check the network, or that the store / simulator is running")]
    Network { host: String, cause: String },
    #[error(
        "{method} {path} timed out after {secs}s: the store is slow or unreachable; try again"
    )]
    Timeout {
        method: String,
        path: String,
        secs: u64,
    },
    #[error("{method} {path} failed with {status}{}: {detail}; the store is having trouble, try again later", after_attempts(*attempts))]
    Server {
        method: String,
        path: String,
        status: u16,
        attempts: u32,
        detail: String,
    },
    #[error("{method} {path} was rejected ({status}): {detail}; correct the request (see the message) and retry")]
    Rejected {
        method: String,
        path: String,
        status: u16,
        detail: String,
    },
    #[error("{method} {path} answered with a body that is not the expected JSON{}: {detail}; try again later, and report it if it persists", after_attempts(*attempts))]
    BadResponse {
        method: String,
        path: String,
        attempts: u32,
        detail: String,
    },
    #[error("{}", stuck_text(path, cursor, *why, *times))]
    CursorStuck {
        path: String,
        /// The cursor as sent, e.g. `after=123` or `last_seen=0a1b…`.
        cursor: String,
        why: Stuck,
        /// Answers in a row that did not move the cursor.
        times: u32,
    },
    /// A non-idempotent request whose outcome is unknown: it may or may not have been applied.
    /// The caller must reconcile (e.g. `GET /sales/{id}`) before sending again.
    #[error("{method} {path}: outcome unknown ({cause}); it will be reconciled before any resend")]
    Ambiguous {
        method: String,
        path: String,
        cause: String,
    },
    /// A well-formed answer about something other than what was asked (another id, another
    /// SKU, no id at all). Never taken as a match: whoever asked treats it as "unclear".
    #[error("{method} {path}: the store's answer is not about what was asked ({detail}); it is not trusted: check the store, and report it if it persists")]
    Unclear {
        method: String,
        path: String,
        detail: String,
    },
    /// The API does not redirect: an answer sending us elsewhere is not followed (the token
    /// would go with it), and is reported with its target.
    #[error("{method} {path} answered {status}, a redirect to {location}; it was not followed (the API does not redirect): check the connection's domain or API root")]
    Redirected {
        method: String,
        path: String,
        status: u16,
        location: String,
    },
    #[error("the request was cancelled")]
    Cancelled,
    #[error("{0}")]
    Config(String),
}

/// Why a cursor stopped moving.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stuck {
    /// A version-cursor page whose highest version is not past the cursor.
    Version,
    /// A version-cursor page whose items carry no version (and whose envelope has none).
    NoVersions,
    /// An id-cursor page (`page_info.last_seen`) naming the id the request started after.
    SameId,
}

/// "", " after 2 attempts".
fn after_attempts(n: u32) -> String {
    if n <= 1 {
        String::new()
    } else {
        format!(" after {n} attempts")
    }
}

/// "once", "twice", "3 times".
pub fn times(n: u32) -> String {
    match n {
        1 => "once".to_string(),
        2 => "twice".to_string(),
        n => format!("{n} times"),
    }
}

fn stuck_text(path: &str, cursor: &str, why: Stuck, n: u32) -> String {
    let what = match why {
        Stuck::Version => format!(
            "returned a page that does not move past its version cursor {} in a row (cursor {cursor})",
            times(n)
        ),
        Stuck::NoVersions => format!(
            "returned items that carry no version, so its version cursor cannot move (cursor {cursor}, asked {})",
            times(n)
        ),
        Stuck::SameId => format!("returned the same page twice (cursor {cursor})"),
    };
    format!("stopped: {path} {what}; stopping instead of looping: try again later, and report it if it persists")
}

/// At most `max` characters of `s`, on one line, with "…" when cut.
pub fn excerpt(s: &str, max: usize) -> String {
    let one_line = s.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out: String = one_line.chars().take(max).collect();
    if out.len() < one_line.len() {
        out.push('…');
    }
    out
}

impl ApiError {
    /// True when the request certainly had no effect on the store.
    pub fn certainly_not_applied(&self) -> bool {
        matches!(
            self,
            ApiError::Unauthorized { .. }
                | ApiError::Forbidden { .. }
                | ApiError::NotFound { .. }
                | ApiError::Rejected { .. }
                | ApiError::UnknownStore { .. }
                | ApiError::Config(_)
        )
    }
}

/// Progress the client reports while it works (rate-limit waits, retries).
#[derive(Debug, Clone, PartialEq)]
pub enum ClientNotice {
    WaitingForRateLimit {
        until: SystemTime,
    },
    Retrying {
        what: String,
        attempt: u32,
        cause: String,
        /// How long until the retry.
        delay: std::time::Duration,
        /// No answer came at all (the store is unreachable), rather than an error answer.
        unreachable: bool,
    },
    /// The store answered 429 Too Many Requests; requests wait until `until`.
    RateLimited {
        what: String,
        until: SystemTime,
    },
}
