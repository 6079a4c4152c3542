//! The socket side of the daemon: accepts clients, checks their hello, answers their calls
//! through [`Engine::handle`] and streams engine events to subscribers. A bad client gets one
//! error frame and is disconnected; nothing it sends can stop the daemon or other clients.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{FutureExt, StreamExt};
use tokio::net::unix::OwnedWriteHalf;
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::{broadcast, mpsc, oneshot, watch, Semaphore};
use tokio::task::JoinSet;
use tokio_util::codec::FramedRead;

use super::logfile::DaemonLog;
use crate::backend::protocol::{self, ClientMsg, DaemonMsg, FrameWriter, HelloCheck, PROTOCOL};
use crate::engine::{Engine, Response};

/// A client must say hello within this long. Short, because a connection that has not said
/// hello yet holds a place that a real client (the TUI, the CLI) may be waiting for.
pub const HELLO_TIMEOUT: Duration = Duration::from_secs(2);
/// Connections waiting for their hello at once; when another arrives, the oldest waiting one
/// is dropped, so idle sockets can never keep a real client out.
pub const MAX_WAITING_FOR_HELLO: usize = 16;
/// Clients attached (hello done) at once; more are told so and disconnected.
const MAX_CLIENTS: usize = 64;
/// Calls of one client answered at once; more are refused with a [`Response::Error`].
const MAX_CALLS_IN_FLIGHT: usize = 32;
/// Messages queued for one client's socket. When a subscriber's queue is full its event
/// forwarder waits, and the engine's broadcast tells it how many events it missed.
const OUT_QUEUE: usize = 256;
/// How long a closing connection may take to deliver its last frame.
const LAST_WORDS: Duration = Duration::from_secs(2);

/// Serves `listener` until `stop` turns true; then every client is told the daemon is
/// stopping and disconnected before this returns.
pub(crate) async fn serve(
    listener: UnixListener,
    owner_uid: Option<u32>,
    engine: Engine,
    log: DaemonLog,
    mut stop: watch::Receiver<bool>,
) {
    let mut clients = JoinSet::new();
    let connected = Arc::new(AtomicUsize::new(0));
    let waiting = Arc::new(Waiting::default());
    let mut next_id = 0u64;
    let for_clients = stop.clone();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let stream = match accepted {
                    Ok((s, _)) => s,
                    Err(e) => {
                        // E.g. out of file descriptors: say so, keep serving.
                        log.line(format!("cannot accept a client: {e}"));
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    }
                };
                next_id += 1;
                let id = next_id;
                let evicted = waiting.join(id);
                let (engine, log, stop) = (engine.clone(), log.clone(), for_clients.clone());
                let (connected, waiting) = (connected.clone(), waiting.clone());
                clients.spawn(async move {
                    // The socket is owner-only already; this also holds if its mode is loosened.
                    let peer = stream.peer_cred().map(|c| c.uid()).ok();
                    if owner_uid.is_some_and(|o| peer != Some(o)) {
                        waiting.leave(id);
                        refuse(stream, "only the user running the daemon may attach".into(), &log, id).await;
                        return;
                    }
                    let gate = Gate { id, evicted, waiting, connected };
                    client(stream, gate, engine, log, stop).await;
                });
            }
            Some(_) = clients.join_next(), if !clients.is_empty() => {}
            _ = super::stopped(&mut stop) => break,
        }
    }
    drop(listener);
    // Each client sees `stop` and says goodbye; give them a moment, then cut them off.
    let _ = tokio::time::timeout(LAST_WORDS * 2, async {
        while clients.join_next().await.is_some() {}
    })
    .await;
    clients.abort_all();
}

/// Connections that have not said hello yet, oldest first, each with the switch that drops it.
#[derive(Default)]
struct Waiting(Mutex<VecDeque<(u64, oneshot::Sender<()>)>>);

impl Waiting {
    /// Registers a new connection, dropping the oldest waiting ones beyond the limit; the
    /// receiver fires (or closes) when this one is dropped in turn.
    fn join(&self, id: u64) -> oneshot::Receiver<()> {
        let (tx, rx) = oneshot::channel();
        let mut q = self.0.lock().unwrap_or_else(|p| p.into_inner());
        while q.len() >= MAX_WAITING_FOR_HELLO {
            if let Some((_, old)) = q.pop_front() {
                let _ = old.send(());
            }
        }
        q.push_back((id, tx));
        rx
    }

    fn leave(&self, id: u64) {
        let mut q = self.0.lock().unwrap_or_else(|p| p.into_inner());
        q.retain(|(i, _)| *i != id);
    }
}

/// What one connection needs to pass from waiting to attached.
struct Gate {
    id: u64,
    evicted: oneshot::Receiver<()>,
    waiting: Arc<Waiting>,
    connected: Arc<AtomicUsize>,
}

/// Counts attached clients.
struct Connected {
    n: Arc<AtomicUsize>,
    count: usize,
}

impl Connected {
    fn new(n: Arc<AtomicUsize>) -> Self {
        let count = n.fetch_add(1, Ordering::Relaxed) + 1;
        Connected { n, count }
    }
}

impl Drop for Connected {
    fn drop(&mut self) {
        self.n.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Sends one error frame and closes.
async fn refuse(stream: UnixStream, message: String, log: &DaemonLog, id: u64) {
    log.line(format!("client {id} refused: {message}"));
    let (_, w) = stream.into_split();
    let mut w = FrameWriter::new(w);
    if let Ok(b) = protocol::encode(&DaemonMsg::Error { message }) {
        let _ = tokio::time::timeout(LAST_WORDS, w.send_bytes(b)).await;
    }
    w.shutdown().await;
}

/// Writes queued messages to the client. A reply too large for a frame becomes an error
/// reply; anything else that cannot be encoded is dropped (and logged).
async fn write_loop(
    mut w: FrameWriter<OwnedWriteHalf>,
    mut rx: mpsc::Receiver<DaemonMsg>,
    log: DaemonLog,
    id: u64,
) {
    while let Some(msg) = rx.recv().await {
        let bytes = match protocol::encode(&msg) {
            Ok(b) => b,
            Err(why) => {
                let DaemonMsg::Reply { id: call, .. } = msg else {
                    log.line(format!("client {id}: a message was not sent: {why}"));
                    continue;
                };
                let reply = DaemonMsg::Reply {
                    id: call,
                    response: Response::Error(format!(
                        "the answer is too large to send ({why}): ask for fewer rows"
                    )),
                };
                match protocol::encode(&reply) {
                    Ok(b) => b,
                    Err(_) => continue,
                }
            }
        };
        if w.send_bytes(bytes).await.is_err() {
            return;
        }
    }
    w.shutdown().await;
}

/// Streams engine events to one subscriber. A subscriber that falls behind by more than
/// the engine's backlog is told how many events it missed and keeps receiving.
async fn forward_events(
    mut events: broadcast::Receiver<crate::engine::EngineEvent>,
    out: mpsc::Sender<DaemonMsg>,
) {
    loop {
        let msg = match events.recv().await {
            Ok(e) => DaemonMsg::Event(e),
            Err(broadcast::error::RecvError::Lagged(n)) => DaemonMsg::Missed { count: n },
            Err(broadcast::error::RecvError::Closed) => return,
        };
        if out.send(msg).await.is_err() {
            return;
        }
    }
}

/// One client, from hello to goodbye.
async fn client(
    stream: UnixStream,
    gate: Gate,
    engine: Engine,
    log: DaemonLog,
    mut stop: watch::Receiver<bool>,
) {
    let Gate {
        id,
        mut evicted,
        waiting,
        connected,
    } = gate;
    let (r, w) = stream.into_split();
    let mut frames = FramedRead::new(r, protocol::codec());
    let (out, out_rx) = mpsc::channel(OUT_QUEUE);
    let writer = tokio::spawn(write_loop(FrameWriter::new(w), out_rx, log.clone(), id));

    // The hello.
    let first = tokio::select! {
        f = tokio::time::timeout(HELLO_TIMEOUT, frames.next()) => f.map(Some),
        _ = &mut evicted => Ok(None),
        _ = super::stopped(&mut stop) => Ok(Some(None)),
    };
    waiting.leave(id);
    let refusal = match first {
        Err(_) => Some(format!("no hello within {} s", HELLO_TIMEOUT.as_secs())),
        Ok(None) => Some(format!(
            "no hello yet while {MAX_WAITING_FOR_HELLO} newer connections were waiting for theirs: connect and say hello at once"
        )),
        Ok(Some(None)) => None,
        Ok(Some(Some(Err(e)))) => Some(protocol::describe_read_error(&e)),
        Ok(Some(Some(Ok(frame)))) => match protocol::check_hello(&frame) {
            HelloCheck::Ok { client } => {
                let attached = Connected::new(connected);
                if attached.count > MAX_CLIENTS {
                    let m = format!("too many clients ({MAX_CLIENTS}) are attached: close one");
                    log.line(format!("client {id} refused: {m}"));
                    goodbye(out, writer, Some(m)).await;
                    return;
                }
                let _ = out
                    .send(DaemonMsg::Hello {
                        protocol: PROTOCOL,
                        daemon: protocol::software(),
                    })
                    .await;
                log.line(format!("client {id} attached ({client})"));
                let why = session(&mut frames, &out, &engine, &mut stop).await;
                log.line(match &why {
                    Some(m) => format!("client {id} disconnected: {m}"),
                    None => format!("client {id} detached"),
                });
                goodbye(out, writer, why).await;
                return;
            }
            HelloCheck::Refused(m) => Some(m),
        },
    };
    if let Some(m) = &refusal {
        log.line(format!("client {id} refused: {m}"));
    }
    goodbye(out, writer, refusal).await;
}

/// Sends the last error (if any), lets the writer drain, and closes.
async fn goodbye(
    out: mpsc::Sender<DaemonMsg>,
    mut writer: tokio::task::JoinHandle<()>,
    why: Option<String>,
) {
    if let Some(message) = why {
        let _ = tokio::time::timeout(LAST_WORDS, out.send(DaemonMsg::Error { message })).await;
    }
    drop(out);
    if tokio::time::timeout(LAST_WORDS, &mut writer).await.is_err() {
        writer.abort();
    }
}

/// After the hello: calls and subscriptions until the client leaves, breaks the protocol
/// (the reason is returned) or the daemon stops.
async fn session(
    frames: &mut FramedRead<
        tokio::net::unix::OwnedReadHalf,
        tokio_util::codec::LengthDelimitedCodec,
    >,
    out: &mpsc::Sender<DaemonMsg>,
    engine: &Engine,
    stop: &mut watch::Receiver<bool>,
) -> Option<String> {
    let calls = Arc::new(Semaphore::new(MAX_CALLS_IN_FLIGHT));
    let mut forwarder: Option<tokio::task::JoinHandle<()>> = None;
    let why = loop {
        let frame = tokio::select! {
            f = frames.next() => f,
            _ = super::stopped(stop) => break Some("the daemon is stopping".to_string()),
        };
        let frame = match frame {
            None => break None,
            Some(Err(e)) => break Some(protocol::describe_read_error(&e)),
            Some(Ok(f)) => f,
        };
        match protocol::decode::<ClientMsg>(&frame) {
            Err(m) => break Some(m),
            Ok(ClientMsg::Hello { .. }) => break Some("hello sent twice".to_string()),
            Ok(ClientMsg::Subscribe) => {
                // Subscribed here, before the next frame is read, so the events of a call
                // sent after the subscription are never missed.
                if forwarder.is_none() {
                    forwarder = Some(tokio::spawn(forward_events(
                        engine.subscribe(),
                        out.clone(),
                    )));
                }
            }
            Ok(ClientMsg::Call { id, request }) => {
                let Ok(permit) = calls.clone().try_acquire_owned() else {
                    let busy = DaemonMsg::Reply {
                        id,
                        response: Response::Error(format!(
                            "too many requests in flight on this connection ({MAX_CALLS_IN_FLIGHT}): wait for answers"
                        )),
                    };
                    if out.send(busy).await.is_err() {
                        break None;
                    }
                    continue;
                };
                let (engine, out) = (engine.clone(), out.clone());
                tokio::spawn(async move {
                    // A bug in answering must not leave the caller waiting forever.
                    let response = std::panic::AssertUnwindSafe(engine.handle(*request))
                        .catch_unwind()
                        .await
                        .unwrap_or_else(|_| {
                            Response::Error(
                                "the daemon failed to answer this request (a bug): see its log"
                                    .to_string(),
                            )
                        });
                    drop(permit);
                    let _ = out.send(DaemonMsg::Reply { id, response }).await;
                });
            }
        }
    };
    if let Some(f) = forwarder {
        f.abort();
    }
    why
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::EngineEvent;

    fn changed(i: usize) -> EngineEvent {
        EngineEvent::DataChanged {
            what: i.to_string(),
        }
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_slow_subscriber_is_told_how_many_events_it_missed_and_keeps_receiving() {
        let (tx, rx) = broadcast::channel(4);
        let (out, mut out_rx) = mpsc::channel(1);
        // On this single-threaded runtime the forwarder first runs when we wait below: by
        // then 20 events were sent into a backlog of 4.
        let task = tokio::spawn(forward_events(rx, out));
        for i in 0..20 {
            tx.send(changed(i)).unwrap();
        }
        let mut got = Vec::new();
        for _ in 0..5 {
            got.push(out_rx.recv().await.unwrap());
        }
        let mut expected = vec![DaemonMsg::Missed { count: 16 }];
        expected.extend((16..20).map(|i| DaemonMsg::Event(changed(i))));
        assert_eq!(got, expected);
        tx.send(changed(20)).unwrap();
        assert_eq!(out_rx.recv().await, Some(DaemonMsg::Event(changed(20))));
        drop(tx);
        task.await.unwrap();
        assert_eq!(out_rx.recv().await, None);
    }
}
