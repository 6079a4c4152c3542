//! What every job needs: the store, the source's API client, where to send events, and the
//! run's log (kept in the store and streamed).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use super::counts::Counts;
use super::events::{Events, JobEvent, Level};
use super::runs::{LogLine, Outcome, RunRecord, Runs};
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
}

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
        })
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
    record.outcome = Outcome::Running;
    runs.save(record)?;
    ctx.events.send(JobEvent::Started {
        run: record.id,
        kind: record.kind.clone(),
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
