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
mod events;
mod jobs;
mod retention;
pub mod scheduler;

use std::collections::HashMap;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use tokio::sync::{broadcast, watch};

pub use api::{ConnectionView, FrAction, Request, Response};
pub use connections::SetOutcome;
pub use events::{EngineEvent, JobKind, RunningJob};
pub use jobs::Refusal;

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
    pub kind: JobKind,
    pub dry_run: bool,
    /// Primary: archive past the safety valve.
    pub confirm_archive: bool,
}

impl JobRequest {
    pub fn new(source: impl Into<String>, kind: JobKind) -> Self {
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
    running: Mutex<HashMap<(u64, JobKind), Slot>>,
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

    pub fn is_running(&self, source: u64, kind: JobKind) -> bool {
        lock(&self.inner.running).contains_key(&(source, kind))
    }

    /// Asks a running job to stop at its next page boundary. Returns whether one was running.
    pub fn cancel(&self, source: u64, kind: JobKind) -> bool {
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

    /// Test Connection through the engine (so the front end never calls the API).
    pub async fn test_connection(&self, name: &str) -> Result<ConnectionReport, String> {
        let conns = Connections::open(&self.inner.store).map_err(|e| e.to_string())?;
        let mut c = conns.get(name).map_err(|e| e.to_string())?;
        let outcome = self.probe(&c).await;
        c.last_test = Some(self.last_test(&outcome));
        conns.save(&c).map_err(|e| e.to_string())?;
        self.emit(EngineEvent::ConnectionTested {
            name: name.to_string(),
            result: outcome
                .as_ref()
                .map(|r| r.store_name.clone())
                .map_err(Clone::clone),
        });
        outcome
    }
}
