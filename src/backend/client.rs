//! Attaching to a running daemon: [`RemoteClient`] speaks the socket protocol and offers the
//! same `call` / `subscribe` as the in-process engine, so the TUI works the same in both
//! modes.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt;
use tokio::net::unix::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::UnixStream;
use tokio::sync::{broadcast, mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio_util::codec::{FramedRead, LengthDelimitedCodec};

use super::protocol::{self, ClientMsg, DaemonMsg, FrameWriter, PROTOCOL};
use crate::engine::{EngineEvent, Request, Response};
use crate::store::StoreError;

/// How long connecting and the hello may take.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(5);
/// Events kept for a slow local subscriber (as the engine's own channel).
const EVENT_BACKLOG: usize = 4096;

/// Why attaching (or opening the store in-process) did not work. One line each.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// Nothing listens on the socket (no daemon, or a stale socket file).
    #[error("no lsbridge daemon is running for this data dir (nothing answers on {})", .socket.display())]
    NoDaemon { socket: PathBuf },
    /// The daemon answered with an error (e.g. another protocol version).
    #[error("the lsbridge daemon refused this client: {message}")]
    Refused { message: String },
    #[error("the lsbridge daemon speaks protocol version {theirs} and this lsbridge speaks {ours}: run the same lsbridge version for both (restart the daemon after an upgrade)")]
    Version { theirs: u32, ours: u32 },
    #[error("cannot talk to the lsbridge daemon on {}: {why}", .socket.display())]
    Protocol { socket: PathBuf, why: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What the reader and the callers share: calls waiting for their reply, or why the
/// connection is gone.
#[derive(Default)]
struct Calls {
    waiting: HashMap<u64, oneshot::Sender<Response>>,
    closed: Option<String>,
}

struct Inner {
    out: mpsc::UnboundedSender<ClientMsg>,
    calls: Arc<Mutex<Calls>>,
    next_id: AtomicU64,
    /// Weak, so receivers see `Closed` once the reader (the only strong sender) ends.
    events: broadcast::WeakSender<EngineEvent>,
    subscribed: AtomicBool,
    daemon: String,
    reader: JoinHandle<()>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        // The writer ends by itself when `out` drops (closing our half of the socket); the
        // reader is stopped here so a quiet daemon does not keep it alive.
        self.reader.abort();
    }
}

/// A connection to the daemon. Cheap to clone; the connection closes when the last clone
/// drops. Must be created and used inside a tokio runtime.
#[derive(Clone)]
pub struct RemoteClient {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for RemoteClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteClient")
            .field("daemon", &self.inner.daemon)
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl RemoteClient {
    /// Connects to the daemon of `data_dir` (its socket `lsbridge.sock`) and exchanges hellos.
    /// [`ConnectError::NoDaemon`] when nothing answers there.
    pub async fn connect(data_dir: &Path) -> Result<RemoteClient, ConnectError> {
        let socket = super::socket_path(data_dir);
        let proto = |why: String| ConnectError::Protocol {
            socket: socket.clone(),
            why,
        };
        let stream =
            match tokio::time::timeout(HANDSHAKE_TIMEOUT, UnixStream::connect(&socket)).await {
                Ok(Ok(s)) => s,
                Ok(Err(e))
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::NotFound | std::io::ErrorKind::ConnectionRefused
                    ) =>
                {
                    return Err(ConnectError::NoDaemon { socket });
                }
                Ok(Err(e)) => return Err(proto(e.to_string())),
                Err(_) => return Err(proto("no answer within 5 s".into())),
            };
        let (r, w) = stream.into_split();
        let mut frames = FramedRead::new(r, protocol::codec());
        let mut writer = FrameWriter::new(w);
        let hello = protocol::encode(&ClientMsg::Hello {
            protocol: PROTOCOL,
            client: protocol::software(),
        })
        .map_err(proto)?;
        let answer = tokio::time::timeout(HANDSHAKE_TIMEOUT, async {
            writer.send_bytes(hello).await?;
            frames.next().await.transpose()
        })
        .await
        .map_err(|_| proto("the daemon did not answer the hello within 5 s".into()))?
        .map_err(|e| proto(protocol::describe_read_error(&e)))?
        .ok_or_else(|| proto("the daemon closed the connection during the hello".into()))?;
        let daemon = match protocol::decode::<DaemonMsg>(&answer).map_err(proto)? {
            DaemonMsg::Hello { protocol, daemon } if protocol == PROTOCOL => daemon,
            DaemonMsg::Hello { protocol, .. } => {
                return Err(ConnectError::Version {
                    theirs: protocol,
                    ours: PROTOCOL,
                })
            }
            DaemonMsg::Error { message } => return Err(ConnectError::Refused { message }),
            other => {
                return Err(proto(format!(
                    "expected the daemon's hello, got {}",
                    kind_of(&other)
                )))
            }
        };

        let (out, out_rx) = mpsc::unbounded_channel();
        let calls = Arc::new(Mutex::new(Calls::default()));
        let (events, _) = broadcast::channel(EVENT_BACKLOG);
        let weak = events.downgrade();
        tokio::spawn(write_loop(writer, out_rx, calls.clone()));
        let reader = tokio::spawn(read_loop(frames, calls.clone(), events));
        Ok(RemoteClient {
            inner: Arc::new(Inner {
                out,
                calls,
                next_id: AtomicU64::new(1),
                events: weak,
                subscribed: AtomicBool::new(false),
                daemon,
                reader,
            }),
        })
    }

    /// Sends one request and waits for its answer. A lost connection is a
    /// [`Response::Error`] saying so.
    pub async fn call(&self, request: Request) -> Response {
        let request = absolute_paths(request);
        let id = self.inner.next_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        {
            let mut calls = lock(&self.inner.calls);
            if let Some(why) = &calls.closed {
                return Response::Error(why.clone());
            }
            calls.waiting.insert(id, tx);
        }
        if self
            .inner
            .out
            .send(ClientMsg::Call {
                id,
                request: Box::new(request),
            })
            .is_err()
        {
            lock(&self.inner.calls).waiting.remove(&id);
            return Response::Error(self.closed_reason().unwrap_or_else(lost));
        }
        match rx.await {
            Ok(r) => r,
            Err(_) => Response::Error(self.closed_reason().unwrap_or_else(lost)),
        }
    }

    /// Every engine event of the daemon from about now on. (The daemon starts streaming when
    /// it reads the subscription: events of a call made after this one on the same client
    /// are never missed.) The receiver reports `Closed` when the connection is lost; a
    /// daemon-side overflow arrives as [`EngineEvent::DataChanged`] saying how many events
    /// were missed.
    pub fn subscribe(&self) -> broadcast::Receiver<EngineEvent> {
        let Some(events) = self.inner.events.upgrade() else {
            // The connection is gone: a receiver that reports Closed at once.
            return broadcast::channel(1).1;
        };
        let rx = events.subscribe();
        if !self.inner.subscribed.swap(true, Ordering::Relaxed) {
            let _ = self.inner.out.send(ClientMsg::Subscribe);
        }
        rx
    }

    /// `lsbridge x.y.z` of the daemon.
    pub fn daemon_version(&self) -> &str {
        &self.inner.daemon
    }

    /// Why the connection is gone, once it is.
    pub fn closed_reason(&self) -> Option<String> {
        lock(&self.inner.calls).closed.clone()
    }

    pub fn is_connected(&self) -> bool {
        self.closed_reason().is_none()
    }
}

/// Paths in requests are read by the daemon, whose working directory is not ours: a
/// relative path is made absolute here.
fn absolute_paths(request: Request) -> Request {
    match request {
        Request::ImportFrs { source, path } if Path::new(&path).is_relative() => {
            let path = std::env::current_dir()
                .map(|d| d.join(&path).display().to_string())
                .unwrap_or(path);
            Request::ImportFrs { source, path }
        }
        other => other,
    }
}

fn lost() -> String {
    "lost the connection to the lsbridge daemon: reopen lsbridge".to_string()
}

fn kind_of(m: &DaemonMsg) -> &'static str {
    match m {
        DaemonMsg::Hello { .. } => "a hello",
        DaemonMsg::Reply { .. } => "a reply",
        DaemonMsg::Event(_) => "an event",
        DaemonMsg::Missed { .. } => "a missed-events notice",
        DaemonMsg::Error { .. } => "an error",
    }
}

/// Marks the connection closed and fails every waiting call with `why`.
fn close(calls: &Mutex<Calls>, why: String) {
    let waiting = {
        let mut c = lock(calls);
        if c.closed.is_none() {
            c.closed = Some(why.clone());
        }
        std::mem::take(&mut c.waiting)
    };
    for (_, tx) in waiting {
        let _ = tx.send(Response::Error(why.clone()));
    }
}

async fn write_loop(
    mut w: FrameWriter<OwnedWriteHalf>,
    mut rx: mpsc::UnboundedReceiver<ClientMsg>,
    calls: Arc<Mutex<Calls>>,
) {
    while let Some(msg) = rx.recv().await {
        let bytes = match protocol::encode(&msg) {
            Ok(b) => b,
            Err(why) => {
                // Too large to send (e.g. a huge template): only that call fails.
                if let ClientMsg::Call { id, .. } = msg {
                    if let Some(tx) = lock(&calls).waiting.remove(&id) {
                        let _ = tx.send(Response::Error(why));
                    }
                }
                continue;
            }
        };
        if let Err(e) = w.send_bytes(bytes).await {
            close(
                &calls,
                format!("lost the connection to the lsbridge daemon: {e}"),
            );
            return;
        }
    }
    w.shutdown().await;
}

async fn read_loop(
    mut frames: FramedRead<OwnedReadHalf, LengthDelimitedCodec>,
    calls: Arc<Mutex<Calls>>,
    events: broadcast::Sender<EngineEvent>,
) {
    let why = loop {
        let frame = match frames.next().await {
            None => break "the lsbridge daemon closed the connection (stopped?)".to_string(),
            Some(Err(e)) => {
                break format!(
                    "lost the connection to the lsbridge daemon: {}",
                    protocol::describe_read_error(&e)
                )
            }
            Some(Ok(f)) => f,
        };
        match protocol::decode::<DaemonMsg>(&frame) {
            Ok(DaemonMsg::Reply { id, response }) => {
                if let Some(tx) = lock(&calls).waiting.remove(&id) {
                    let _ = tx.send(response);
                }
            }
            Ok(DaemonMsg::Event(e)) => {
                let _ = events.send(e);
            }
            Ok(DaemonMsg::Missed { count }) => {
                let _ = events.send(EngineEvent::DataChanged {
                    what: format!(
                        "missed {count} events from the daemon (this client read too slowly)"
                    ),
                });
            }
            Ok(DaemonMsg::Error { message }) => {
                break format!("the lsbridge daemon closed the connection: {message}")
            }
            Ok(DaemonMsg::Hello { .. }) => {}
            Err(m) => break format!("the lsbridge daemon sent something unreadable: {m}"),
        }
    };
    close(&calls, why);
}
