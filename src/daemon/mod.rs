//! `lsbridge daemon`: the engine (and the scheduler) without a terminal, for leaving running
//! under systemd or in the background over SSH.
//!
//! It holds the data dir (sled lets one process open it) and serves `<data dir>/lsbridge.sock`
//! (owner-only), through which the TUI attaches ([`client::RemoteClient`], protocol in
//! [`protocol`]). Every job log line, run start and end, refusal and client goes to stdout and
//! to `<data dir>/logs/daemon.log` (rotated by size). SIGTERM, SIGHUP or Ctrl-C stop it: running
//! jobs are asked to stop at their next page boundary (where they checkpoint), the store is
//! flushed, the socket removed, and it exits 0.
//!
//! Settings come from `<data dir>/config.toml` ([`config::DaemonConfig`]): `on_failure`
//! (a command given each failed or partial run's summary on stdin) and retention.

pub mod config;
mod logfile;
mod notify;
mod server;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use tokio::sync::{broadcast, watch};
use tokio::task::JoinSet;

use crate::backend::{answers, protocol, socket_path, starting_path};
pub use config::DaemonConfig;
pub use notify::RunSummary;
pub use server::{HELLO_TIMEOUT, MAX_WAITING_FOR_HELLO};

use crate::engine::scheduler::{self, Scheduler, SchedulerHandle};
use crate::engine::{Engine, EngineEvent, EngineOptions};
use crate::jobs::{JobEvent, Outcome};
use crate::store::{Store, StoreError};
use logfile::{DaemonLog, RotatingFile};

/// `<data dir>/logs/daemon.log`.
pub fn log_path(data_dir: &Path) -> PathBuf {
    data_dir.join("logs").join("daemon.log")
}

/// `<data dir>/daemon.pid`, written while the daemon runs.
pub fn pid_path(data_dir: &Path) -> PathBuf {
    data_dir.join("daemon.pid")
}

/// The pid of the daemon running on `data_dir`, when it answers and wrote its pid file.
pub fn running_pid(data_dir: &Path) -> Option<u32> {
    if !answers(data_dir) {
        return None;
    }
    std::fs::read_to_string(pid_path(data_dir))
        .ok()
        .and_then(|s| s.trim().parse().ok())
}

/// How the daemon stops; the command line fills it in.
#[derive(Debug, Clone)]
pub struct Settings {
    /// On SIGTERM/SIGHUP, how long to wait for running jobs to reach a page boundary before
    /// exiting anyway (they resume from their last checkpoint).
    pub stop_timeout: Duration,
}

/// Why the daemon could not start. The front end that started it words it and picks the exit code.
#[derive(Debug)]
pub enum DaemonError {
    /// `config.toml` is not valid.
    Config(String),
    /// The store could not be opened.
    Store(StoreError),
    /// Anything else (a socket, a signal handler, a log file, another daemon on the data dir).
    Failed(String),
}

impl std::fmt::Display for DaemonError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DaemonError::Config(m) | DaemonError::Failed(m) => f.write_str(m),
            DaemonError::Store(e) => write!(f, "{e}"),
        }
    }
}

/// Starts the scheduler and logs, once it has made its first pass (missed runs started), when
/// each scheduled integration runs next.
fn start_scheduler(engine: &Engine, log: &DaemonLog) -> SchedulerHandle {
    let handle = Scheduler::start(engine.clone());
    let mut state = handle.watch();
    let log = log.clone();
    tokio::spawn(async move {
        let Ok(first) = state.wait_for(|s| s.passes > 0 || s.stopped).await else {
            return;
        };
        let next = first.next.clone();
        drop(first);
        if next.is_empty() {
            log.line("scheduler started: no integration has a schedule");
            return;
        }
        log.line(format!(
            "scheduler started: {} scheduled integrations",
            next.len()
        ));
        for n in next {
            log.line(format!(
                "  {} for {}: {}, next {}",
                n.kind.label(),
                n.source,
                scheduler::text(&n.schedule),
                scheduler::show_time(n.at)
            ));
        }
    });
    handle
}

/// The daemon. Returns once stopped by a signal, flushed and cleaned up.
pub async fn run(
    data_dir: &Path,
    settings: &Settings,
    opts: EngineOptions,
) -> Result<(), DaemonError> {
    let config = DaemonConfig::load(data_dir).map_err(DaemonError::Config)?;
    let mut signals = Signals::new()?;

    // Until the socket serves, a front end that finds the store locked waits for it.
    let starting = StartingMarker::write(data_dir);
    let store = {
        let dir = data_dir.to_path_buf();
        tokio::task::spawn_blocking(move || Store::open(&dir))
            .await
            .map_err(|e| DaemonError::Failed(format!("cannot open the store: {e}")))?
    };
    let store = match store {
        Ok(s) => s,
        Err(StoreError::Locked { .. }) if answers(data_dir) => {
            return Err(DaemonError::Failed(format!(
                "a daemon is already running for {} (it answers on {}): stop it first, or attach to it with lsbridge",
                data_dir.display(),
                socket_path(data_dir).display()
            )))
        }
        Err(e) => return Err(DaemonError::Store(e)),
    };
    let file = RotatingFile::open(log_path(data_dir), config.log_max_bytes, config.log_keep)
        .map_err(|e| {
            DaemonError::Failed(format!("cannot open {}: {e}", log_path(data_dir).display()))
        })?;
    let log = DaemonLog::start(Some(file));
    log.line(format!(
        "{} daemon started: data dir {}, pid {}",
        protocol::software(),
        data_dir.display(),
        std::process::id()
    ));

    let engine = Engine::new(store.clone(), opts);
    let socket = socket_path(data_dir);
    let listener = bind(&socket, &log)?;
    write_pid_file(&pid_path(data_dir), &log);
    drop(starting);
    log.line(format!("listening on {}", socket.display()));

    let (stop_tx, stop_rx) = watch::channel(false);
    let (events_stop_tx, events_stop_rx) = watch::channel(false);
    let events = tokio::spawn(log_events(
        engine.subscribe(),
        log.clone(),
        store.clone(),
        config.clone(),
        events_stop_rx,
    ));
    let owner_uid = {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(&socket).map(|m| m.uid()).ok()
    };
    let server = tokio::spawn(server::serve(
        listener,
        owner_uid,
        engine.clone(),
        log.clone(),
        stop_rx.clone(),
    ));
    let retention = tokio::spawn(retention(
        engine.clone(),
        config.clone(),
        log.clone(),
        stop_rx.clone(),
    ));
    let scheduler = start_scheduler(&engine, &log);

    let sig = signals.next().await;
    log.line(format!(
        "{sig}: stopping; running jobs stop at their next page boundary"
    ));
    let _ = stop_tx.send(true);
    // First, so it starts nothing while jobs are being stopped.
    scheduler.stop().await;
    let deadline = Instant::now() + settings.stop_timeout;
    let waited = tokio::select! {
        r = async {
            loop {
                // Again on every turn: a call that was already being answered may have
                // started a job after the first cancel.
                engine.cancel_all();
                if tokio::time::timeout(Duration::from_millis(500), engine.wait_idle()).await.is_ok() {
                    return true;
                }
                if Instant::now() >= deadline {
                    return false;
                }
            }
        } => r,
        s = signals.next() => {
            log.line(format!("{s} again: not waiting for running jobs"));
            false
        }
    };
    if !waited {
        log.line("exiting with jobs still running: they resume from their last checkpoint");
    }
    let _ = events_stop_tx.send(true);
    let _ = tokio::time::timeout(Duration::from_secs(15), events).await;
    let _ = tokio::time::timeout(Duration::from_secs(5), server).await;
    retention.abort();
    let flushed = store.flush_async().await;
    if let Err(e) = std::fs::remove_file(&socket) {
        if e.kind() != std::io::ErrorKind::NotFound {
            log.line(format!("cannot remove {}: {e}", socket.display()));
        }
    }
    let _ = std::fs::remove_file(pid_path(data_dir));
    match flushed {
        Ok(()) => log.line("stopped"),
        Err(e) => log.line(format!("stopped, but the final flush failed: {e}")),
    }
    log.flush(Duration::from_secs(2));
    Ok(())
}

/// Resolves once `stop` turns true (or its sender is gone).
pub(crate) async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

/// [`starting_path`] while the daemon starts; removed when it serves or gives up.
struct StartingMarker(PathBuf);

impl StartingMarker {
    fn write(data_dir: &Path) -> Option<StartingMarker> {
        let path = starting_path(data_dir);
        std::fs::write(&path, format!("{}\n", std::process::id())).ok()?;
        Some(StartingMarker(path))
    }
}

impl Drop for StartingMarker {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Writes this process's pid, owner-only (for `kill -TERM` and the CLI's "in use" message).
fn write_pid_file(path: &Path, log: &DaemonLog) {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .and_then(|mut f| writeln!(f, "{}", std::process::id()));
    if let Err(e) = written {
        log.line(format!("cannot write {}: {e}", path.display()));
    }
}

/// Binds the socket, removing a stale one (a file nobody answers on), owner-only.
fn bind(socket: &Path, log: &DaemonLog) -> Result<tokio::net::UnixListener, DaemonError> {
    use std::os::unix::fs::{FileTypeExt, PermissionsExt};
    if let Ok(meta) = std::fs::symlink_metadata(socket) {
        if !meta.file_type().is_socket() {
            return Err(DaemonError::Failed(format!(
                "{} exists and is not a socket: move it away and start the daemon again",
                socket.display()
            )));
        }
        match std::os::unix::net::UnixStream::connect(socket) {
            Ok(_) => {
                return Err(DaemonError::Failed(format!(
                    "another lsbridge daemon answers on {}: stop it first",
                    socket.display()
                )))
            }
            Err(_) => {
                std::fs::remove_file(socket).map_err(|e| {
                    DaemonError::Failed(format!(
                        "cannot remove the stale socket {}: {e}",
                        socket.display()
                    ))
                })?;
                log.line(format!(
                    "removed a stale socket {} (a daemon that did not stop cleanly)",
                    socket.display()
                ));
            }
        }
    }
    let listener = tokio::net::UnixListener::bind(socket).map_err(|e| {
        let hint = if socket.as_os_str().len() > 100 {
            ": the path is too long for a Unix socket; use a shorter --data-dir"
        } else {
            ""
        };
        DaemonError::Failed(format!("cannot listen on {}: {e}{hint}", socket.display()))
    })?;
    std::fs::set_permissions(socket, std::fs::Permissions::from_mode(0o600)).map_err(|e| {
        DaemonError::Failed(format!("cannot make {} owner-only: {e}", socket.display()))
    })?;
    Ok(listener)
}

/// SIGTERM, SIGHUP and SIGINT, installed before anything else so none is missed.
struct Signals {
    term: tokio::signal::unix::Signal,
    hup: tokio::signal::unix::Signal,
    int: tokio::signal::unix::Signal,
}

impl Signals {
    fn new() -> Result<Signals, DaemonError> {
        use tokio::signal::unix::{signal, SignalKind};
        let install = |k: SignalKind| {
            signal(k).map_err(|e| DaemonError::Failed(format!("cannot handle signals: {e}")))
        };
        Ok(Signals {
            term: install(SignalKind::terminate())?,
            hup: install(SignalKind::hangup())?,
            int: install(SignalKind::interrupt())?,
        })
    }

    async fn next(&mut self) -> &'static str {
        tokio::select! {
            _ = self.term.recv() => "SIGTERM",
            _ = self.hup.recv() => "SIGHUP",
            _ = self.int.recv() => "SIGINT",
        }
    }
}

/// One line of the daemon log for an engine event, or None for events not logged
/// (progress, the finish event that repeats the run's last log line, idle, data changes).
fn describe(e: &EngineEvent) -> Option<String> {
    match e {
        EngineEvent::Job { kind, event, .. } => match event {
            JobEvent::Started {
                run,
                source,
                dry_run,
                ..
            } => Some(format!(
                "run {run} started ({} for {source}{})",
                kind.label(),
                if *dry_run { ", dry run" } else { "" }
            )),
            // The run's own log ends with its "finished: …" line.
            JobEvent::Log { run, level, line } => Some(format!(
                "run {run}: {}{line}",
                match level {
                    crate::jobs::events::Level::Info => "",
                    crate::jobs::events::Level::Warn => "warning: ",
                    crate::jobs::events::Level::Error => "error: ",
                }
            )),
            JobEvent::Finished { .. } | JobEvent::Progress { .. } => None,
            JobEvent::Retrying {
                run,
                retry,
                delay_ms,
                unreachable,
                cause,
            } => Some(format!(
                "run {run}: {}",
                JobEvent::retry_line(*retry, *delay_ms, *unreachable, cause)
            )),
            // Pacing waits are short and frequent; only real holds (a 429, a spent
            // window) are worth a line.
            JobEvent::WaitingForRateLimit { run, until } => until
                .duration_since(std::time::SystemTime::now())
                .is_ok_and(|d| d >= Duration::from_secs(2))
                .then(|| {
                    format!(
                        "run {run} waiting for the rate limit until {}",
                        crate::clock::rfc3339(*until)
                    )
                }),
        },
        EngineEvent::Refused {
            source,
            kind,
            reason,
        } => Some(format!("refused {} for {source}: {reason}", kind.label())),
        EngineEvent::ConnectionTested { name, result } => Some(match result {
            Ok(store) => format!("connection {name} tested: connected to {store}"),
            Err(e) => format!("connection {name} tested: {e}"),
        }),
        EngineEvent::Idle { .. } | EngineEvent::DataChanged { .. } | EngineEvent::Report { .. } => {
            None
        }
    }
}

/// Writes engine events to the daemon log and starts `on_failure` notifications. When `stop`
/// turns true it logs what is already queued, waits for notifications in flight, and ends.
async fn log_events(
    mut rx: broadcast::Receiver<EngineEvent>,
    log: DaemonLog,
    store: Store,
    config: DaemonConfig,
    mut stop: watch::Receiver<bool>,
) {
    let mut notifications = JoinSet::new();
    let handle = |e: EngineEvent, notifications: &mut JoinSet<()>| {
        if let Some(line) = describe(&e) {
            log.line(line);
        }
        if let EngineEvent::Job {
            event:
                JobEvent::Finished {
                    run,
                    outcome: Outcome::Failed | Outcome::Partial,
                    ..
                },
            ..
        } = e
        {
            if let Some(cmd) = &config.on_failure {
                notify::spawn(
                    notifications,
                    cmd.clone(),
                    config.on_failure_timeout(),
                    store.clone(),
                    log.clone(),
                    run,
                );
            }
        }
    };
    loop {
        tokio::select! {
            e = rx.recv() => match e {
                Ok(e) => handle(e, &mut notifications),
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    log.line(format!("(the daemon log missed {n} engine events)"));
                }
                Err(broadcast::error::RecvError::Closed) => break,
            },
            Some(_) = notifications.join_next(), if !notifications.is_empty() => {}
            _ = stopped(&mut stop) => {
                while let Ok(e) = rx.try_recv() {
                    handle(e, &mut notifications);
                }
                break;
            }
        }
    }
    let limit = config.on_failure_timeout() + Duration::from_secs(1);
    let _ = tokio::time::timeout(limit, async {
        while notifications.join_next().await.is_some() {}
    })
    .await;
}

/// Deletes old runs at start-up and every hour.
async fn retention(
    engine: Engine,
    config: DaemonConfig,
    log: DaemonLog,
    mut stop: watch::Receiver<bool>,
) {
    let policy = config.retention();
    if policy.max_age.is_none() && policy.max_runs.is_none() {
        return;
    }
    let mut tick = tokio::time::interval(Duration::from_secs(3600));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = stopped(&mut stop) => return,
        }
        let pruned = tokio::select! {
            p = engine.prune_runs(policy) => p,
            _ = stopped(&mut stop) => return,
        };
        match pruned {
            Ok(p) if !p.is_empty() => log.line(format!(
                "retention: deleted {} runs and {} log lines",
                p.runs, p.lines
            )),
            Ok(_) => {}
            Err(e) => log.line(format!("retention: {e}")),
        }
    }
}
