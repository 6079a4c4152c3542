//! The engine: runs jobs for whoever drives it (the TUI in-process, the daemon, tests) and
//! broadcasts what happens. It owns the rules that hold across jobs:
//! - one run per integration of a source at a time;
//! - every job of one connection shares one rate-limit governor, so a Secondary and a Send
//!   FRs run never push each other into 429s;
//! - client notices (rate-limit waits, retries) become job events, attributed to their run.
//!
//! Data flows one way: a front end sends [`Engine`] a request, the engine runs the job, and
//! the job's events come back on the broadcast channel. Nothing here knows about terminals.

pub mod api;
mod connections;
mod error;
mod events;
mod jobs;
mod outlets;
mod retention;
pub mod scheduler;

use std::collections::HashMap;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use tokio::sync::{broadcast, watch};

pub use api::{ConnectionView, FrAction, RateLimitView, Request, Response};
pub use connections::SetOutcome;
pub use error::{ConnectionField, EngineError, FieldId, SettingIssue, Thing};
pub use events::{DiffView, EngineEvent, Integration, JobReport, PreviewView, RunningJob};
pub use jobs::Refusal;
pub use outlets::OutletView;

use crate::clock::SharedClock;
use crate::connections::Connections;
use crate::lightspeed::governor::Governor;
use crate::lightspeed::probe::ConnectionReport;
use crate::lightspeed::{ClientOptions, RetryPolicy};
use crate::store::Store;

/// How the engine builds clients. Tests shorten retries and scale time.
#[derive(Clone)]
pub struct EngineOptions {
    pub clock: SharedClock,
    pub retry: RetryPolicy,
    pub timeout: std::time::Duration,
}

impl Default for EngineOptions {
    fn default() -> Self {
        let d = ClientOptions::default();
        Self {
            clock: d.clock,
            retry: d.retry,
            timeout: d.timeout,
        }
    }
}

/// What to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobRequest {
    pub source: String,
    pub kind: Integration,
    pub dry_run: bool,
    /// Primary: archive past the safety valve.
    pub confirm_archive: bool,
}

impl JobRequest {
    pub fn new(source: impl Into<String>, kind: Integration) -> Self {
        Self {
            source: source.into(),
            kind,
            dry_run: false,
            confirm_archive: false,
        }
    }
}

struct Slot {
    run: Option<u64>,
    started: SystemTime,
    dry_run: bool,
    cancel: Arc<AtomicBool>,
}

struct Inner {
    store: Store,
    opts: EngineOptions,
    governors: Mutex<HashMap<String, Arc<Governor>>>,
    running: Mutex<HashMap<(u64, Integration), Slot>>,
    /// Each source's pool index, kept until the pool is written again.
    pool_indexes: Mutex<HashMap<u64, Arc<crate::pool::PoolIndex>>>,
    events: broadcast::Sender<EngineEvent>,
    /// Number of jobs in flight; `wait_idle` watches it.
    busy: watch::Sender<usize>,
    /// The running scheduler's next runs (`None`: no scheduler in this process).
    schedules: Mutex<Option<Vec<scheduler::NextRun>>>,
}

#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

/// Events kept for a slow subscriber before it starts missing some (it is told how many).
const EVENT_BACKLOG: usize = 4096;

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Engine {
    /// The source's pool index, built again when the pool was written since.
    pub(crate) fn pool_index(
        &self,
        source: u64,
    ) -> Result<Arc<crate::pool::PoolIndex>, crate::store::StoreError> {
        let current = crate::pool::index::generation();
        if let Some(ix) = lock(&self.inner.pool_indexes).get(&source) {
            if ix.generation == current {
                return Ok(ix.clone());
            }
        }
        let pool = crate::pool::Pool::open(&self.inner.store)?;
        let ix = Arc::new(crate::pool::PoolIndex::build(&pool, source)?);
        lock(&self.inner.pool_indexes).insert(source, ix.clone());
        Ok(ix)
    }

    pub fn new(store: Store, opts: EngineOptions) -> Engine {
        let (events, _) = broadcast::channel(EVENT_BACKLOG);
        let (busy, _) = watch::channel(0);
        Engine {
            inner: Arc::new(Inner {
                store,
                opts,
                governors: Mutex::default(),
                running: Mutex::default(),
                pool_indexes: Mutex::default(),
                events,
                busy,
                schedules: Mutex::default(),
            }),
        }
    }

    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    pub fn clock(&self) -> &SharedClock {
        &self.inner.opts.clock
    }

    pub fn subscribe(&self) -> broadcast::Receiver<EngineEvent> {
        self.inner.events.subscribe()
    }

    pub(crate) fn emit(&self, e: EngineEvent) {
        let _ = self.inner.events.send(e);
    }

    /// The governor every client of `connection` shares.
    fn governor(&self, connection: &str) -> Arc<Governor> {
        lock(&self.inner.governors)
            .entry(connection.to_string())
            .or_insert_with(|| Arc::new(Governor::new(self.inner.opts.clock.clone())))
            .clone()
    }

    fn client_options(&self, connection: &str) -> ClientOptions {
        ClientOptions {
            retry: self.inner.opts.retry.clone(),
            timeout: self.inner.opts.timeout,
            clock: self.inner.opts.clock.clone(),
            governor: Some(self.governor(connection)),
            ..ClientOptions::default()
        }
    }

    /// Every connection's budget as its governor knows it (connections no job has used in
    /// this process yet show `used: false`).
    pub fn rate_limits(&self) -> Result<Vec<api::RateLimitView>, String> {
        let names: Vec<String> = Connections::open(&self.inner.store)
            .map_err(|e| e.to_string())?
            .list()
            .map_err(|e| e.to_string())?
            .into_iter()
            .map(|c| c.name)
            .collect();
        let governors = lock(&self.inner.governors);
        Ok(names
            .into_iter()
            .map(|name| match governors.get(&name) {
                None => api::RateLimitView {
                    connection: name,
                    ..api::RateLimitView::default()
                },
                Some(g) => {
                    let v = g.view();
                    api::RateLimitView {
                        connection: name,
                        used: true,
                        limit: v.budget.limit,
                        remaining: v.budget.remaining,
                        resets_at: v.resets_at,
                        blocked_until: v.blocked_until,
                        requests: v.requests,
                        waits_today: v.waits_today,
                        rate_limited_today: v.rate_limited_today,
                    }
                }
            })
            .collect())
    }

    /// Jobs in flight.
    pub fn running(&self) -> Vec<RunningJob> {
        lock(&self.inner.running)
            .iter()
            .map(|((source, kind), s)| RunningJob {
                source: *source,
                kind: *kind,
                run: s.run,
                started: s.started,
                dry_run: s.dry_run,
            })
            .collect()
    }

    pub fn is_running(&self, source: u64, kind: Integration) -> bool {
        lock(&self.inner.running).contains_key(&(source, kind))
    }

    /// Asks a running job to stop at its next page boundary. Returns whether one was running.
    pub fn cancel(&self, source: u64, kind: Integration) -> bool {
        match lock(&self.inner.running).get(&(source, kind)) {
            Some(s) => {
                s.cancel.store(true, std::sync::atomic::Ordering::Relaxed);
                true
            }
            None => false,
        }
    }

    /// Asks every running job to stop (quit, SIGTERM).
    pub fn cancel_all(&self) {
        for s in lock(&self.inner.running).values() {
            s.cancel.store(true, std::sync::atomic::Ordering::Relaxed);
        }
    }

    /// Resolves when no job is running.
    pub async fn wait_idle(&self) {
        let mut rx = self.inner.busy.subscribe();
        let _ = rx.wait_for(|n| *n == 0).await;
    }

    /// Test Connection through the engine (so the front end never calls the API), as the
    /// TUI asks for it: the report, or the failure as one line.
    pub async fn test_connection(&self, name: &str) -> Result<ConnectionReport, String> {
        let t = self.check_connection(name, TEST_TIMEOUT).await;
        match (t.report, t.failure) {
            (Some(r), None) => Ok(r),
            (_, Some(f)) => Err(f.describe()),
            (None, None) => Err("the test gave no answer".into()),
        }
    }

    /// Test Connection, the one implementation every front end uses: asks the store (a
    /// couple of quick retries, at most `timeout` in all), records the outcome on the
    /// connection (the status page's "Connected" reads it) and tells the front ends.
    pub async fn check_connection(&self, name: &str, timeout: Duration) -> ConnectionTest {
        let mut test = ConnectionTest {
            name: name.to_string(),
            endpoint: String::new(),
            domain_prefix: String::new(),
            report: None,
            failure: None,
        };
        let unusable = |e: crate::connections::ConnectionError| TestFailure::Unusable {
            store_error: matches!(
                e,
                crate::connections::ConnectionError::Store(_)
                    | crate::connections::ConnectionError::Api(_)
            ),
            message: e.to_string(),
        };
        let conns = match Connections::open(&self.inner.store) {
            Ok(c) => c,
            Err(e) => {
                test.failure = Some(TestFailure::Unusable {
                    message: e.to_string(),
                    store_error: true,
                });
                return test;
            }
        };
        let mut c = match conns.get(name) {
            Ok(c) => c,
            Err(e) => {
                test.failure = Some(unusable(e));
                return test;
            }
        };
        test.endpoint = c.endpoint();
        test.domain_prefix = c.domain_prefix.clone();
        let (notices, mut heard) = tokio::sync::mpsc::unbounded_channel();
        let mut opts = self.client_options(name);
        // A test should answer quickly: a couple of retries, not a job's patience.
        let quick = RetryPolicy {
            max_attempts: 2,
            base: Duration::from_millis(200),
            max_delay: Duration::from_secs(2),
        };
        opts.retry = RetryPolicy {
            max_attempts: quick.max_attempts.min(opts.retry.max_attempts),
            base: quick.base.min(opts.retry.base),
            max_delay: quick.max_delay.min(opts.retry.max_delay),
        };
        opts.timeout = opts.timeout.min(timeout);
        opts.notices = Some(notices);
        let outcome = match c.client(opts) {
            Err(e) => Err(unusable(e)),
            Ok(client) => {
                match tokio::time::timeout(
                    timeout,
                    crate::lightspeed::probe::test_connection(&client),
                )
                .await
                {
                    Ok(Ok(r)) => Ok(r),
                    Ok(Err(e)) => Err(TestFailure::Store(e.to_string())),
                    Err(_) => {
                        let mut last = None;
                        while let Ok(n) = heard.try_recv() {
                            last = Some(n);
                        }
                        let rate_limited_until = match last {
                            Some(
                                crate::lightspeed::error::ClientNotice::WaitingForRateLimit {
                                    until,
                                }
                                | crate::lightspeed::error::ClientNotice::RateLimited {
                                    until, ..
                                },
                            ) => Some(until),
                            _ => None,
                        };
                        Err(TestFailure::TimedOut {
                            secs: timeout.as_secs(),
                            rate_limited_until,
                        })
                    }
                }
            }
        };
        let (report, failure) = match outcome {
            Ok(r) => {
                let missing: Vec<String> =
                    r.missing_scopes().into_iter().map(str::to_string).collect();
                let failure = (!missing.is_empty()).then_some(TestFailure::MissingScopes(missing));
                (Some(r), failure)
            }
            Err(f) => (None, Some(f)),
        };
        let ok = failure.is_none();
        if !matches!(
            failure,
            Some(TestFailure::Unusable {
                store_error: false,
                ..
            })
        ) {
            c.last_test = Some(crate::connections::LastTest {
                at: crate::clock::rfc3339(self.inner.opts.clock.now()),
                ok,
                // The store's name, so the list can say where a connection leads after a
                // restart.
                summary: match (&report, &failure) {
                    (_, Some(f)) => f.describe(),
                    (Some(r), None) => r.store_name.clone(),
                    (None, None) => String::new(),
                },
                report: report.clone(),
            });
            if let Err(e) = conns.save(&c) {
                tracing::warn!("cannot record the test of connection {name}: {e}");
            }
        }
        self.emit(EngineEvent::ConnectionTested {
            name: name.to_string(),
            result: match (&report, &failure) {
                (_, Some(f)) => Err(f.describe()),
                (Some(r), None) => Ok(r.store_name.clone()),
                (None, None) => Err(String::new()),
            },
        });
        test.report = report;
        test.failure = failure;
        test
    }
}

/// How long the TUI's Test Connection may take.
pub const TEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Test Connection's answer: the store's report (also when scopes are missing), or why the
/// test failed.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ConnectionTest {
    pub name: String,
    pub endpoint: String,
    pub domain_prefix: String,
    pub report: Option<ConnectionReport>,
    pub failure: Option<TestFailure>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TestFailure {
    /// No such connection, or one that cannot make a client: nothing was asked of the
    /// store. `store_error`: the data dir failed, not the user's input.
    Unusable { message: String, store_error: bool },
    /// The store answered with an error, or could not be reached.
    Store(String),
    /// The token lacks these scopes (the report shows which are there).
    MissingScopes(Vec<String>),
    /// No answer within `secs`; `rate_limited_until` when the client was last waiting out
    /// the store's rate limit.
    TimedOut {
        secs: u64,
        rate_limited_until: Option<SystemTime>,
    },
}

impl TestFailure {
    /// One line, as the connection's record and the TUI show it.
    pub fn describe(&self) -> String {
        match self {
            TestFailure::Unusable { message, .. } | TestFailure::Store(message) => message.clone(),
            TestFailure::MissingScopes(m) => format!(
                "the token lacks {}: create a personal token for a user with those permissions",
                m.join(", ")
            ),
            TestFailure::TimedOut {
                secs,
                rate_limited_until: Some(until),
            } => format!(
                "rate limited until {} after {secs}s",
                chrono::DateTime::<chrono::Utc>::from(*until).format("%H:%M:%S UTC")
            ),
            TestFailure::TimedOut { secs, .. } => format!("no answer within {secs}s (timed out)"),
        }
    }
}
