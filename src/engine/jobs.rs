//! Starting a job: claim the integration's slot, build a client that shares the connection's
//! governor, run the job on its own task, and forward its events and the client's notices.

use std::panic::AssertUnwindSafe;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use futures_util::FutureExt;

use super::events::{DiffView, EngineEvent, JobReport, PreviewView};
use super::{lock, Engine, JobRequest, Slot};
use crate::connections::Connections;
use crate::jobs::primary::{self, PrimaryOptions};
use crate::jobs::secondary::{self, SecondaryOptions};
use crate::jobs::send_frs::{self, SendOptions};
use crate::jobs::{Events, JobCtx, JobEvent, Outcome, Runs};
use crate::lightspeed::error::ClientNotice;
use crate::mapping::Integration;
use crate::source::{Source, Sources};
use crate::templates::Templates;

/// Why a job was not started.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Refusal(pub String);

/// Releases the integration's slot when the job task ends, however it ends.
struct SlotGuard {
    engine: Engine,
    key: (u64, Integration),
}

impl Drop for SlotGuard {
    fn drop(&mut self) {
        lock(&self.engine.inner.running).remove(&self.key);
        self.engine
            .inner
            .busy
            .send_modify(|n| *n = n.saturating_sub(1));
        self.engine.emit(EngineEvent::Idle {
            source: self.key.0,
            kind: self.key.1,
        });
    }
}

impl Engine {
    /// Starts a job on its own task. Refused when the same integration of the source is
    /// already running, or the source cannot run it (no connection, bad template).
    pub fn start_job(&self, req: JobRequest) -> Result<(), Refusal> {
        let refuse = |reason: String| {
            self.emit(EngineEvent::Refused {
                source: req.source.clone(),
                kind: req.kind,
                reason: reason.clone(),
            });
            Refusal(reason)
        };
        let store = self.store().clone();
        let source = Sources::open(&store)
            .map_err(|e| e.to_string())
            .and_then(|s| s.by_name(&req.source).map_err(|e| e.to_string()))
            .map_err(refuse)?;
        let conn_name = source.connection.clone().ok_or_else(|| {
            refuse(format!(
                "source {} has no connection: pick one in its settings",
                source.name
            ))
        })?;
        let conn = Connections::open(&store)
            .map_err(|e| e.to_string())
            .and_then(|c| c.get(&conn_name).map_err(|e| e.to_string()))
            .map_err(refuse)?;
        let cancel = Arc::new(AtomicBool::new(false));
        let key = (source.id, req.kind);
        {
            let mut running = lock(&self.inner.running);
            if running.contains_key(&key) {
                return Err(refuse(format!(
                    "{} for {} is already running",
                    req.kind.label(),
                    source.name
                )));
            }
            running.insert(
                key,
                Slot {
                    run: None,
                    started: self.clock().now(),
                    dry_run: req.dry_run,
                    cancel: cancel.clone(),
                },
            );
            self.inner.busy.send_modify(|n| *n += 1);
        }
        let guard = SlotGuard {
            engine: self.clone(),
            key,
        };
        let (notice_tx, mut notice_rx) = tokio::sync::mpsc::unbounded_channel();
        let mut opts = self.client_options(&conn_name);
        opts.notices = Some(notice_tx);
        let client = match conn.client(opts) {
            Ok(c) => c,
            Err(e) => {
                drop(guard);
                return Err(refuse(e.to_string()));
            }
        };
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<JobEvent>();
        let mut ctx = JobCtx::new(store, client, Events::new(tx));
        ctx.cancel = cancel;
        let engine = self.clone();
        tokio::spawn(async move {
            let _guard = guard;
            let forward = {
                let engine = engine.clone();
                let source_id = source.id;
                let kind = req.kind;
                tokio::spawn(async move {
                    let mut run = None;
                    let mut last_wait: Option<std::time::SystemTime> = None;
                    loop {
                        tokio::select! {
                            e = rx.recv() => {
                                let Some(e) = e else { break };
                                if let JobEvent::Started { run: r, .. } = &e {
                                    run = Some(*r);
                                    if let Some(s) = lock(&engine.inner.running).get_mut(&(source_id, kind)) {
                                        s.run = Some(*r);
                                    }
                                }
                                engine.emit(EngineEvent::Job { source: source_id, kind, event: e });
                            }
                            n = notice_rx.recv() => {
                                // Waits, 429s and retries in the live log (one line per wait,
                                // not per request that waits).
                                if let (Some(n), Some(r)) = (&n, run) {
                                    if let Some((level, line)) = notice_line(n, &mut last_wait) {
                                        engine.emit(EngineEvent::Job {
                                            source: source_id,
                                            kind,
                                            event: JobEvent::Log { run: r, level, line },
                                        });
                                    }
                                }
                                let event = match (n, run) {
                                    (Some(ClientNotice::WaitingForRateLimit { until }), Some(r)) => {
                                        JobEvent::WaitingForRateLimit { run: r, until }
                                    }
                                    // A store that is down must not look like a job that hangs.
                                    (Some(ClientNotice::Retrying { attempt, cause, delay, unreachable, .. }), Some(r)) => {
                                        JobEvent::Retrying {
                                            run: r,
                                            retry: attempt,
                                            delay_ms: u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                                            unreachable,
                                            cause,
                                        }
                                    }
                                    _ => continue,
                                };
                                engine.emit(EngineEvent::Job { source: source_id, kind, event });
                            }
                        }
                    }
                    run
                })
            };
            // Jobs record their own panics as Failed runs; one outside a run's body (before
            // its record exists) must still not pass silently.
            let store = ctx.store.clone();
            let mut panicked = false;
            let result = AssertUnwindSafe(run_job(&ctx, &source, &req))
                .catch_unwind()
                .await
                .unwrap_or_else(|p| {
                    panicked = true;
                    Err(format!(
                        "stopped on an internal error ({}); run again, and report it if it repeats",
                        crate::jobs::context::panic_message(&*p)
                    ))
                });
            drop(ctx);
            // The forwarder ends once the job's senders are gone; its events come first.
            let run = forward.await.ok().flatten();
            if let (true, Some(run), Err(reason)) = (panicked, run, &result) {
                fail_run(&store, run, reason, engine.clock().now());
            }
            match result {
                Ok(report) => engine.emit(EngineEvent::Report {
                    source: source.id,
                    kind: req.kind,
                    report,
                }),
                Err(reason) => engine.emit(EngineEvent::Refused {
                    source: source.name.clone(),
                    kind: req.kind,
                    reason,
                }),
            }
        });
        Ok(())
    }
}

/// Records a run whose job panicked outside the part that records its own end as Failed, so
/// it is not left Running.
fn fail_run(store: &crate::store::Store, run: u64, reason: &str, now: std::time::SystemTime) {
    let recorded = Runs::open(store).and_then(|runs| match runs.get(run)? {
        Some(mut r) if r.outcome == Outcome::Running => {
            r.outcome = Outcome::Failed;
            r.message = reason.to_string();
            r.ended_at = Some(crate::clock::rfc3339(now));
            r.end_attempt();
            runs.save(&r)
        }
        _ => Ok(()),
    });
    if let Err(e) = recorded {
        tracing::error!("cannot record run {run} as failed: {e}");
    }
}

fn diff_views(diffs: Vec<crate::jobs::primary::Diff>) -> Vec<DiffView> {
    diffs
        .into_iter()
        .map(|d| DiffView {
            sku: d.sku,
            kind: d.kind.to_string(),
            fields: d
                .fields
                .into_iter()
                .map(|(f, (old, new))| (f, old.as_text().into_owned(), new.as_text().into_owned()))
                .collect(),
        })
        .collect()
}

fn inventory_report(s: crate::jobs::primary::RunSummary, dry_run: bool) -> JobReport {
    JobReport {
        run: s.run,
        outcome: s.outcome,
        message: s.message,
        requests: s.counts.requests,
        resumed: s.resumed,
        dry_run,
        diffs: diff_views(s.diffs),
        previews: Vec::new(),
    }
}

/// Runs one job to its end. Errors here are ones the job could not record as a run.
async fn run_job(ctx: &JobCtx, source: &Source, req: &JobRequest) -> Result<JobReport, String> {
    let templates = Templates::open(&ctx.store).map_err(|e| e.to_string())?;
    let compiled =
        |name: Option<&str>, i: Integration| templates.compiled(name, i).map_err(|e| e.to_string());
    match req.kind {
        Integration::Primary => {
            let t = compiled(source.primary.template.as_deref(), Integration::Primary)?;
            let opts = PrimaryOptions {
                dry_run: req.dry_run,
                confirm_archive: req.confirm_archive,
                diff_limit: if req.dry_run { 20 } else { 0 },
            };
            primary::run(ctx, source, &t, &opts)
                .await
                .map(|s| inventory_report(s, req.dry_run))
                .map_err(|e| e.to_string())
        }
        Integration::Secondary => {
            let t = compiled(source.secondary.template.as_deref(), Integration::Secondary)?;
            let create = if source.secondary.allow_create_variant {
                Some(compiled(
                    source.primary.template.as_deref(),
                    Integration::Primary,
                )?)
            } else {
                None
            };
            let opts = SecondaryOptions {
                dry_run: req.dry_run,
                diff_limit: if req.dry_run { 20 } else { 0 },
            };
            secondary::run(ctx, source, &t, create.as_ref(), &opts)
                .await
                .map(|s| inventory_report(s, req.dry_run))
                .map_err(|e| e.to_string())
        }
        Integration::SendFrs => {
            let t = compiled(source.send_frs.template.as_deref(), Integration::SendFrs)?;
            let opts = SendOptions {
                dry_run: req.dry_run,
                preview_limit: if req.dry_run { 5 } else { 0 },
            };
            send_frs::run(ctx, source, &t, &opts)
                .await
                .map(|s| JobReport {
                    run: s.run,
                    outcome: s.outcome,
                    message: s.message,
                    requests: s.counts.requests,
                    resumed: false,
                    dry_run: req.dry_run,
                    diffs: Vec::new(),
                    previews: s
                        .previews
                        .into_iter()
                        .map(|p| PreviewView {
                            fr: p.fr,
                            note: p.note,
                            sale: p.sale.and_then(|b| serde_json::to_value(b).ok()),
                        })
                        .collect(),
                })
                .map_err(|e| e.to_string())
        }
    }
}

/// The live-log line of a client notice: a rate-limit wait (once per wait: requests that
/// queue behind the same wait say nothing new), a 429, a retry.
fn notice_line(
    n: &ClientNotice,
    last_wait: &mut Option<std::time::SystemTime>,
) -> Option<(crate::jobs::events::Level, String)> {
    use crate::jobs::events::Level;
    let hms = |t: std::time::SystemTime| {
        let s = crate::clock::rfc3339(t);
        format!("{} UTC", s.get(11..19).unwrap_or(&s))
    };
    match n {
        ClientNotice::WaitingForRateLimit { until } => {
            let same = last_wait.is_some_and(|w| {
                w.duration_since(*until)
                    .or_else(|_| until.duration_since(w))
                    .is_ok_and(|d| d < std::time::Duration::from_secs(1))
            });
            if same {
                return None;
            }
            *last_wait = Some(*until);
            Some((
                Level::Info,
                format!("rate limit: waiting until {} before the next request", hms(*until)),
            ))
        }
        ClientNotice::RateLimited { what, until } => Some((
            Level::Warn,
            format!(
                "429 Too Many Requests on {what}: waiting until {} (the store's Retry-After), then again",
                hms(*until)
            ),
        )),
        ClientNotice::Retrying {
            what,
            attempt,
            cause,
            delay,
            unreachable,
        } => {
            let line = JobEvent::retry_line(
                *attempt,
                u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                *unreachable,
                cause,
            );
            // An answer's cause is in the line already; no answer says why here.
            Some((
                Level::Warn,
                if *unreachable {
                    format!(
                        "{what}: {line} ({})",
                        crate::excerpt::excerpt_n(cause, 200)
                    )
                } else {
                    format!("{what}: {line}")
                },
            ))
        }
    }
}
