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
    #[error("{method} {path} failed with {status} after {attempts} attempts: {detail}; the store is having trouble, try again later")]
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
    #[error("{method} {path} answered with a body that is not the expected JSON after {attempts} attempts: {detail}; try again later, and report it if it persists")]
    BadResponse {
        method: String,
        path: String,
        attempts: u32,
        detail: String,
    },
    #[error("{path}: the store returned the same page again (cursor stuck at version {after}) {times} times; stopping instead of looping: try again later")]
    CursorStuck {
        path: String,
        after: u64,
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
    #[error("the request was cancelled")]
    Cancelled,
    #[error("{0}")]
    Config(String),
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
    },
}
