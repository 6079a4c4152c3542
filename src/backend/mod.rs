//! What a front end talks to: the engine in this process, or a daemon's engine over its
//! socket. Both answer the same [`Request`]s and stream the same [`EngineEvent`]s, so every
//! screen works the same way in both modes.

pub mod client;
pub mod protocol;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use tokio::sync::broadcast;

pub use client::{ConnectError, RemoteClient};

use crate::engine::{Engine, EngineEvent, EngineOptions, Request, Response};
use crate::store::{Store, StoreError};

/// The socket's file name in the data dir.
pub const SOCKET_NAME: &str = "lsbridge.sock";

/// `<data dir>/lsbridge.sock`, where a daemon serves the protocol.
pub fn socket_path(data_dir: &Path) -> PathBuf {
    data_dir.join(SOCKET_NAME)
}

/// `<data dir>/daemon.starting`: the pid of a daemon between opening the store and serving its
/// socket. Only then is a locked store worth waiting for; a TUI or a stuck process holding it
/// is reported at once.
pub fn starting_path(data_dir: &Path) -> PathBuf {
    data_dir.join("daemon.starting")
}

/// Whether a daemon is starting on this data dir: its marker names a live process. (A daemon
/// killed while starting leaves a marker whose process is gone.)
fn daemon_starting(data_dir: &Path) -> bool {
    let Ok(text) = std::fs::read_to_string(starting_path(data_dir)) else {
        return false;
    };
    let Ok(pid) = text.trim().parse::<i32>() else {
        return false;
    };
    // SAFETY: signal 0 sends nothing; it only asks whether the process exists.
    pid > 0 && unsafe { libc::kill(pid, 0) } == 0
}

/// Whether a daemon is listening on the data dir's socket (a plain connect; nothing is sent).
pub fn answers(data_dir: &Path) -> bool {
    std::os::unix::net::UnixStream::connect(socket_path(data_dir)).is_ok()
}

#[derive(Clone)]
pub enum Backend {
    /// The engine runs here; closing the front end stops its jobs.
    Local(Engine),
    /// A daemon runs the engine; closing the front end leaves its jobs running.
    Remote(RemoteClient),
}

/// Where a front end's engine runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// In this process: quitting stops its jobs.
    #[default]
    InProcess,
    /// In the daemon: jobs go on after the front end quits.
    Attached,
    /// The daemon went away.
    Disconnected,
}

impl Mode {
    pub fn label(self) -> &'static str {
        match self {
            Mode::InProcess => "in-process",
            Mode::Attached => "attached to daemon",
            Mode::Disconnected => "disconnected",
        }
    }
}

impl std::fmt::Display for Mode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

impl Backend {
    pub async fn call(&self, req: Request) -> Response {
        match self {
            Backend::Local(e) => e.handle(req).await,
            Backend::Remote(c) => c.call(req).await,
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<EngineEvent> {
        match self {
            Backend::Local(e) => e.subscribe(),
            Backend::Remote(c) => c.subscribe(),
        }
    }

    /// Where the engine runs (the status bar shows it; quitting asks first only when jobs
    /// run in this process).
    pub fn mode(&self) -> Mode {
        match self {
            Backend::Local(_) => Mode::InProcess,
            Backend::Remote(_) => Mode::Attached,
        }
    }

    /// The in-process engine, when there is one (tests wait on it going idle).
    pub fn local(&self) -> Option<&Engine> {
        match self {
            Backend::Local(e) => Some(e),
            Backend::Remote(_) => None,
        }
    }
}

/// How long [`connect_backend`] waits for the socket of a daemon that holds the store but is
/// still starting.
const DAEMON_START_WAIT: Duration = Duration::from_secs(3);

/// The backend for a front end on `data_dir`: the daemon when one answers on its socket
/// (attached mode), else the engine in this process on the store opened here. A daemon that
/// is just starting (it holds the store, its socket is not up yet) is waited for briefly.
pub async fn connect_backend(
    data_dir: &Path,
    opts: EngineOptions,
) -> Result<Backend, ConnectError> {
    match RemoteClient::connect(data_dir).await {
        Ok(c) => return Ok(Backend::Remote(c)),
        Err(ConnectError::NoDaemon { .. }) => {}
        Err(e) => return Err(e),
    }
    let dir = data_dir.to_path_buf();
    let opened = tokio::task::spawn_blocking(move || Store::open(&dir))
        .await
        .map_err(|e| ConnectError::Protocol {
            socket: socket_path(data_dir),
            why: format!("opening the store stopped: {e}"),
        })?;
    match opened {
        Ok(store) => Ok(Backend::Local(Engine::new(store, opts))),
        Err(StoreError::Locked { dir }) if !daemon_starting(data_dir) => {
            Err(ConnectError::Store(StoreError::Locked { dir }))
        }
        Err(StoreError::Locked { dir }) => {
            let deadline = Instant::now() + DAEMON_START_WAIT;
            let mut pause = Duration::from_millis(20);
            loop {
                match RemoteClient::connect(data_dir).await {
                    Ok(c) => return Ok(Backend::Remote(c)),
                    Err(ConnectError::NoDaemon { .. }) if Instant::now() < deadline => {
                        tokio::time::sleep(pause).await;
                        pause = (pause * 2).min(Duration::from_millis(250));
                    }
                    Err(ConnectError::NoDaemon { .. }) => {
                        return Err(ConnectError::Store(StoreError::Locked { dir }))
                    }
                    Err(e) => return Err(e),
                }
            }
        }
        Err(e) => Err(ConnectError::Store(e)),
    }
}
