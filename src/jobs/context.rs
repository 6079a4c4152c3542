//! What every job needs: the store, the source's API client, where to send events, and the
//! run's log (kept in the store and streamed).

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use futures_util::FutureExt;

use super::counts::Counts;
use super::events::{Events, JobEvent, Level};
use super::runs::{LogLine, Outcome, RunRecord, Runs};
use super::JobError;
use crate::clock::{self, SharedClock};
use crate::lightspeed::Client;
use crate::store::{Store, StoreError};

#[derive(Clone)]
pub struct JobCtx {
    pub store: Store,
    pub client: Client,
    pub events: Events,
    pub clock: SharedClock,
    /// Set to stop at the next page boundary (after committing it).
    pub cancel: Arc<std::sync::atomic::AtomicBool>,
    /// Test hook: the job panics when it reaches this point, so tests can show that a panic
    /// in any of a job's tasks fails the run. Always `None` outside tests.
    pub panic_at: Option<PanicPoint>,
}

/// Places in a job's tasks where a test can inject a panic ([`JobCtx::panic_at`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PanicPoint {
    /// Primary: a task reading a range of the stock feed.
    PrimaryStockReader,
    /// Primary: the task reading the products feed ahead of the mapping.
    PrimaryProductReader,
    /// Primary: the thread committing pages to the pool.
    PrimaryWriter,
    /// Primary: the job's own task, mapping a page.
    PrimaryMapping,
    /// Secondary: the job's own task, applying a page of stock changes.
    SecondaryPage,
    /// Send FRs: the job's own task, before sending an FR.
    SendFr,
}

impl PanicPoint {
    /// Panics when `at` is this point (the test hook's trigger).
    pub fn check(self, at: Option<PanicPoint>) {
        if at == Some(self) {
            // The hook exists to panic: tests prove a panic fails the run.
            #[allow(clippy::panic)]
            {
                panic!("panic injected by a test at {self:?}");
            }
        }
    }
}

/// The first line of a panic's message, shortened, for a run's one-line reason.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    let text = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".to_string());
    let line = text.lines().next().unwrap_or("").trim();
    let mut short: String = line.chars().take(200).collect();
    if short.len() < line.len() {
        short.push('…');
    }
    short
}

/// Runs a job's body, turning a panic in it into [`JobError::Panicked`], so the run is
/// recorded Failed with a reason instead of being left Running or reported Ok.
pub(crate) async fn guarded<T>(
    body: impl Future<Output = Result<T, JobError>>,
) -> Result<T, JobError> {
    match AssertUnwindSafe(body).catch_unwind().await {
        Ok(r) => r,
        Err(p) => Err(JobError::Panicked(panic_message(&*p))),
    }
}

/// Why a spawned task of a job ended early: its panic, else `what` stopped before its end.
pub(crate) async fn task_failure(task: tokio::task::JoinHandle<()>, what: &str) -> JobError {
    match task.await {
        Err(e) if e.is_panic() => JobError::Panicked(panic_message(&*e.into_panic())),
        _ => JobError::Setup(format!(
            "{what} stopped before its end; run again to resume"
        )),
    }
}

impl JobCtx {
    pub fn new(store: Store, client: Client, events: Events) -> Self {
        let clock = client.options().clock.clone();
        Self {
            store,
            client,
            events,
            clock,
            cancel: Arc::default(),
            panic_at: None,
        }
    }
    pub fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }
}

/// Log lines of one run, numbered, stored and streamed.
pub struct RunLog {
    runs: Runs,
    run: u64,
    seq: AtomicU64,
    events: Events,
    clock: SharedClock,
    /// The phase and time of the last progress line (they are throttled per phase).
    last_progress: std::sync::Mutex<Option<(super::Phase, std::time::Instant)>>,
}

/// At most one progress line this often: a line per committed page, unless pages come
/// faster (then the next page after the gap says where the run is).
pub const PROGRESS_LINE_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

impl RunLog {
    pub fn new(
        runs: Runs,
        run: u64,
        events: Events,
        clock: SharedClock,
    ) -> Result<Self, StoreError> {
        let seq = runs.lines(run)?.len() as u64;
        Ok(Self {
            runs,
            run,
            seq: AtomicU64::new(seq),
            events,
            clock,
            last_progress: std::sync::Mutex::new(None),
        })
    }

    /// A progress line (a committed page, where the run is): the first of each phase, then
    /// one per [`PROGRESS_LINE_EVERY`]; `line` is only built when it is written. Wall time,
    /// not the job's clock: this is about what a person watching sees.
    pub fn progress(&self, phase: super::Phase, line: impl FnOnce() -> String) {
        let now = std::time::Instant::now();
        let due = match self.last_progress.lock() {
            Ok(mut last) => {
                let due = last.is_none_or(|(p, t)| {
                    p != phase || now.duration_since(t) >= PROGRESS_LINE_EVERY
                });
                if due {
                    *last = Some((phase, now));
                }
                due
            }
            Err(_) => true,
        };
        if due {
            self.info(line());
        }
    }

    pub fn write(&self, level: Level, line: impl Into<String>) {
        let line = line.into();
        match level {
            Level::Error => tracing::error!(run = self.run, "{line}"),
            Level::Warn => tracing::warn!(run = self.run, "{line}"),
            Level::Info => tracing::info!(run = self.run, "{line}"),
        }
        let seq = self.seq.fetch_add(1, Ordering::Relaxed);
        let rec = LogLine {
            at: clock::rfc3339(self.clock.now()),
            level,
            line: line.clone(),
        };
        if let Err(e) = self.runs.log(self.run, seq, &rec) {
            tracing::error!("cannot store a log line: {e}");
        }
        self.events.send(JobEvent::Log {
            run: self.run,
            level,
            line,
        });
    }
    pub fn info(&self, l: impl Into<String>) {
        self.write(Level::Info, l)
    }
    pub fn warn(&self, l: impl Into<String>) {
        self.write(Level::Warn, l)
    }
    pub fn error(&self, l: impl Into<String>) {
        self.write(Level::Error, l)
    }
}

/// Marks `record` running, announces it, and opens its log (continuing a resumed run's).
pub(crate) fn begin_run(
    ctx: &JobCtx,
    runs: &Runs,
    record: &mut RunRecord,
) -> Result<RunLog, StoreError> {
    let last_seen = runs.last_line(record.id)?.map(|l| l.at);
    record.begin_attempt(clock::rfc3339(ctx.clock.now()), last_seen);
    record.outcome = Outcome::Running;
    // A resumed run is this process's now (see `process_instance`).
    record.owner = super::runs::process_instance();
    runs.save(record)?;
    ctx.events.send(JobEvent::Started {
        run: record.id,
        kind: record.kind,
        source: record.source.clone(),
        dry_run: record.dry_run,
    });
    RunLog::new(
        runs.clone(),
        record.id,
        ctx.events.clone(),
        ctx.clock.clone(),
    )
}

/// Records how a run ended (record, log line, flush, event) and returns its final counts.
pub(crate) async fn finish_run(
    ctx: &JobCtx,
    runs: &Runs,
    log: &RunLog,
    record: &mut RunRecord,
    outcome: Outcome,
    mut counts: Counts,
    message: &str,
) -> Result<Counts, StoreError> {
    counts.requests = ctx.client.requests_sent();
    record.counts = counts;
    record.outcome = outcome;
    record.message = message.to_string();
    record.ended_at = Some(clock::rfc3339(ctx.clock.now()));
    record.end_attempt();
    runs.save(record)?;
    log.info(format!("finished: {outcome:?}: {message}"));
    ctx.store.flush_async().await?;
    ctx.events.send(JobEvent::Finished {
        run: record.id,
        outcome,
        counts,
        summary: message.to_string(),
    });
    Ok(counts)
}
