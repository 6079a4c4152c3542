//! Every string the Overview shows.

pub const TITLE: &str = " Overview ";
pub const START_HERE: &str =
    "Start here: add a connection in Connections (2, a), test it (t), then a source in Sources (1, a).";
pub const ADD_SOURCE: &str =
    "Next: add a source in Sources (1, a) that uses your connection, then run its jobs in Jobs (5).";
pub const HEADER: [&str; 6] = ["source", "job", "state", "progress", "last run", "next run"];
pub const IDLE: &str = "idle";
pub const RUNNING: &str = "running";
pub const WAITING: &str = "rate limit";
pub const RETRYING: &str = "retrying";
pub const FAILED: &str = "failed";
pub const NEVER: &str = "never run";
pub const MANUAL: &str = "manual";
pub const NO_PROGRESS: &str = "–";
pub const RATE_TITLE: &str = "Rate limit";
pub const RATE_HEADER: [&str; 5] = ["connection", "budget", "resets", "requests", "today"];
pub const RATE_UNUSED: &str = "not used since start";
pub const RATE_NO_LIMIT: &str = "no limit reported";
pub const FR_TITLE: &str = "FR queue";
pub const FR_NONE: &str = "no FRs";
pub const FAIL_TITLE: &str = "Last failures (Enter opens the run's log)";
pub const FAIL_NONE: &str = "no failed runs";
pub const LOG_EMPTY: &str = "This run has no stored log lines.";

pub fn budget(remaining: u64, limit: u64) -> String {
    format!("{remaining} of {limit} left")
}

pub fn today(limited: u64, waits: u64) -> String {
    format!("429: {limited} · waits: {waits}")
}

pub fn oldest_waiting(age: &str) -> String {
    format!("oldest waiting {age}")
}

pub fn log_title(run: u64, kind: &str, source: &str) -> String {
    format!(" Run {run}: {kind} for {source} (Esc closes) ")
}
