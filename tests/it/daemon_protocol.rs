//! The daemon's socket against clients that break the protocol, over real sockets: each gets
//! one error frame saying what is wrong and is disconnected, and the daemon keeps serving
//! well-behaved clients.

use std::time::Duration;

use crate::support::daemon::DaemonProc;
use lsbridge::backend::protocol::{ClientMsg, DaemonMsg, MAX_FRAME, PROTOCOL};
use lsbridge::backend::{ConnectError, RemoteClient};
use lsbridge::engine::{Request, Response};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::UnixStream;

fn frame(body: &[u8]) -> Vec<u8> {
    let mut f = (body.len() as u32).to_be_bytes().to_vec();
    f.extend_from_slice(body);
    f
}

fn hello(protocol: u32) -> Vec<u8> {
    frame(
        serde_json::to_string(&ClientMsg::Hello {
            protocol,
            client: "raw test".into(),
        })
        .unwrap()
        .as_bytes(),
    )
}

/// Reads one frame; None when the daemon has closed the connection.
async fn read_frame(s: &mut UnixStream) -> Option<DaemonMsg> {
    let mut len = [0u8; 4];
    match tokio::time::timeout(Duration::from_secs(30), s.read_exact(&mut len))
        .await
        .expect("the daemon answers or closes")
    {
        Ok(_) => {}
        Err(_) => return None,
    }
    let mut body = vec![0u8; u32::from_be_bytes(len) as usize];
    s.read_exact(&mut body).await.expect("a whole frame");
    Some(serde_json::from_slice(&body).expect("the daemon sends valid JSON"))
}

/// Connects, writes `bytes` (then closes the write half when `close`), and returns the
/// error the daemon sends, checking the connection is closed after it.
async fn refused(socket: &std::path::Path, bytes: &[u8], close: bool) -> String {
    let mut s = UnixStream::connect(socket).await.unwrap();
    // The daemon may close before reading everything; a failed write is fine then.
    let _ = s.write_all(bytes).await;
    if close {
        let _ = s.shutdown().await;
    }
    let mut msgs = Vec::new();
    while let Some(m) = read_frame(&mut s).await {
        msgs.push(m);
    }
    let error = msgs
        .iter()
        .find_map(|m| match m {
            DaemonMsg::Error { message } => Some(message.clone()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no error frame for {bytes:?}: {msgs:?}"));
    assert!(
        matches!(msgs.last(), Some(DaemonMsg::Error { .. })),
        "the error is the last frame: {msgs:?}"
    );
    assert!(!error.contains('\n'), "{error}");
    error
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_oversized_unknown_version_and_garbage_get_an_error_and_the_daemon_keeps_serving()
{
    let dir = tempfile::tempdir().unwrap();
    let mut daemon = DaemonProc::start(dir.path()).await;
    let socket = daemon.socket.clone();
    // A well-behaved client attached all along.
    let steady = RemoteClient::connect(dir.path()).await.unwrap();
    let _events = steady.subscribe();

    let e = refused(&socket, &frame(b"{\"hello\": {\"protocol\": 1,"), false).await;
    assert!(e.contains("malformed message (not valid JSON"), "{e}");

    let e = refused(&socket, &[0x7f, 0xff, 0xff, 0xff], false).await;
    assert!(e.contains("frame too large"), "{e}");
    let e = refused(&socket, &((MAX_FRAME + 1) as u32).to_be_bytes(), false).await;
    assert!(e.contains("frame too large"), "{e}");

    let e = refused(&socket, &hello(99), false).await;
    assert!(e.contains("protocol version 99 is not supported"), "{e}");
    assert!(e.contains(&format!("speaks version {PROTOCOL}")), "{e}");

    // An HTTP request: its first four bytes read as a huge length.
    let e = refused(&socket, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", false).await;
    assert!(e.contains("frame too large"), "{e}");
    // Binary garbage in a frame of plausible size.
    let e = refused(&socket, &frame(&[0xff, 0x00, 0xfe, 0x13, 0x37]), false).await;
    assert!(e.contains("malformed message"), "{e}");
    // Half a frame, then the client goes away.
    let e = refused(&socket, &[0, 0, 0, 50, b'{', b'"'], true).await;
    assert!(e.contains("in the middle of a frame"), "{e}");
    // No hello first.
    let call = serde_json::to_vec(&ClientMsg::Call {
        id: 1,
        request: Box::new(Request::ListSources),
    })
    .unwrap();
    let e = refused(&socket, &frame(&call), false).await;
    assert!(e.contains("expected a hello first"), "{e}");
    // A good hello, then JSON that is not a message, then a malformed call.
    let mut bad = hello(PROTOCOL);
    bad.extend(frame(b"{\"call\":{\"id\":\"one\"}}"));
    let e = refused(&socket, &bad, false).await;
    assert!(e.contains("not a message of this protocol"), "{e}");
    let mut bad = hello(PROTOCOL);
    bad.extend(frame(b"\"subscribe"));
    let e = refused(&socket, &bad, false).await;
    assert!(e.contains("not valid JSON"), "{e}");

    // The steady client and a new one are still served, and the daemon is alive.
    assert_eq!(
        steady.call(Request::ListSources).await,
        Response::Sources(vec![])
    );
    let fresh = RemoteClient::connect(dir.path()).await.unwrap();
    assert_eq!(
        fresh.call(Request::ListSources).await,
        Response::Sources(vec![])
    );
    assert!(matches!(
        fresh
            .call(Request::RunLog { run: 42 })
            .await,
        Response::Log(l) if l.is_empty()
    ));
    // Each refusal is in the daemon's log.
    daemon
        .wait_line(|l| l.contains("refused: protocol version 99"), 10)
        .await;

    // A raw client of the right version gets the daemon's hello and answers.
    let mut s = UnixStream::connect(&socket).await.unwrap();
    let mut good = hello(PROTOCOL);
    good.extend(frame(&call));
    s.write_all(&good).await.unwrap();
    assert!(matches!(
        read_frame(&mut s).await,
        Some(DaemonMsg::Hello {
            protocol: PROTOCOL,
            ..
        })
    ));
    assert_eq!(
        read_frame(&mut s).await,
        Some(DaemonMsg::Reply {
            id: 1,
            response: Response::Sources(vec![])
        })
    );
    drop(s);

    drop(steady);
    drop(fresh);
    assert_eq!(daemon.stop(30).await.code(), Some(0));
    // No daemon: attaching says so.
    assert!(matches!(
        RemoteClient::connect(dir.path()).await,
        Err(ConnectError::NoDaemon { .. })
    ));
}

/// The socket saves sources through the same validation as the CLI: a quantity outlet the
/// store does not have and a hold beyond a year are refused with one line naming the
/// setting, and nothing is saved; a real outlet is accepted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_socket_refuses_a_bogus_quantity_outlet_and_an_out_of_range_hold() {
    use lsbridge::sim::{SimHandle, StoreSpec};
    use lsbridge::source::{QuantityFrom, Source};
    let sim = SimHandle::start(crate::support::simkit::config(StoreSpec::Demo))
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    crate::support::procs::ok(
        dir.path(),
        &[
            "connection",
            "add",
            "--name",
            "demo",
            "--domain-prefix",
            "harborpine",
            "--token",
            crate::support::simkit::TOKEN,
            "--api-root",
            &sim.origin(),
        ],
    );
    let mut daemon = DaemonProc::start(dir.path()).await;
    let client = RemoteClient::connect(dir.path()).await.unwrap();
    let mut source = Source {
        name: "harbor".into(),
        connection: Some("demo".into()),
        ..Source::default()
    };
    source.primary.quantity_from = QuantityFrom::Outlet("not-an-outlet".into());
    match client
        .call(Request::AddSource {
            source: source.clone(),
        })
        .await
    {
        Response::Error(e) => {
            assert!(
                e.contains("Get Inventory (Primary) Quantity From \"not-an-outlet\" is not an outlet in this store"),
                "{e}"
            );
            assert!(!e.contains('\n'), "{e}");
        }
        other => panic!("a bogus outlet was accepted: {other:?}"),
    }
    assert_eq!(
        client.call(Request::ListSources).await,
        Response::Sources(vec![]),
        "nothing saved"
    );
    let main_street = "8ed0bab8-e4b0-510f-8898-f79d5cf53fb9";
    source.primary.quantity_from = QuantityFrom::Outlet(main_street.into());
    assert_eq!(
        client
            .call(Request::AddSource {
                source: source.clone()
            })
            .await,
        Response::Done
    );
    let Response::Sources(saved) = client.call(Request::ListSources).await else {
        panic!("sources")
    };
    let mut bad = saved[0].clone();
    bad.send_frs.hold_hours = u32::MAX;
    match client.call(Request::SaveSource { source: bad }).await {
        Response::Error(e) => assert!(
            e.contains("hold hours 4294967295 is too long: use 0 to 8760"),
            "{e}"
        ),
        other => panic!("an out-of-range hold was accepted: {other:?}"),
    }
    // A payment mapping set that does not exist is refused here as on the command line.
    let mut bad = saved[0].clone();
    bad.send_frs.payment_mapping_set = Some("no-such-set".into());
    match client.call(Request::SaveSource { source: bad }).await {
        Response::Error(e) => assert!(
            e.contains("\"no-such-set\": no mapping set of that name"),
            "{e}"
        ),
        other => panic!("a missing payment mapping set was accepted: {other:?}"),
    }
    let Response::Sources(after) = client.call(Request::ListSources).await else {
        panic!("sources")
    };
    assert_eq!(after, saved, "nothing changed");
    drop(client);
    assert_eq!(daemon.stop(30).await.code(), Some(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_socket_is_replaced_and_connect_backend_picks_the_mode() {
    use lsbridge::backend::connect_backend;
    let dir = tempfile::tempdir().unwrap();
    // A socket file nobody answers on, as a killed daemon leaves behind.
    let stale = std::os::unix::net::UnixListener::bind(dir.path().join("lsbridge.sock")).unwrap();
    drop(stale);
    assert!(dir.path().join("lsbridge.sock").exists());
    let mut daemon = DaemonProc::start(dir.path()).await;
    daemon
        .wait_line(|l| l.contains("removed a stale socket"), 10)
        .await;

    // A daemon answers: attached.
    let b = connect_backend(dir.path(), Default::default())
        .await
        .unwrap();
    assert_eq!(b.mode(), "attached to daemon");
    assert!(b.local().is_none());
    assert_eq!(
        b.call(Request::ListSources).await,
        Response::Sources(vec![])
    );
    drop(b);
    assert_eq!(daemon.stop(30).await.code(), Some(0));

    // None: the engine runs in this process.
    let b = connect_backend(dir.path(), Default::default())
        .await
        .unwrap();
    assert_eq!(b.mode(), "in-process");
    assert!(b.local().is_some());
    assert_eq!(
        b.call(Request::ListSources).await,
        Response::Sources(vec![])
    );
}

/// 64 sockets that connect and never say hello: the oldest are dropped as soon as more than
/// 16 wait, so a real client is served at once, long before any idle socket's hello timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_sockets_never_keep_a_real_client_waiting() {
    use lsbridge::daemon::HELLO_TIMEOUT;
    let dir = tempfile::tempdir().unwrap();
    let mut daemon = DaemonProc::start(dir.path()).await;
    let socket = daemon.socket.clone();
    let opened = std::time::Instant::now();
    let mut idle = Vec::new();
    for _ in 0..64 {
        idle.push(UnixStream::connect(&socket).await.unwrap());
    }
    let client = RemoteClient::connect(dir.path()).await.unwrap();
    assert_eq!(
        client.call(Request::ListSources).await,
        Response::Sources(vec![])
    );
    let served = opened.elapsed();
    // The newest idle sockets are still open, waiting: nothing timed out to make room.
    let newest = idle.last_mut().unwrap();
    let mut byte = [0u8; 1];
    assert!(
        matches!(newest.try_read(&mut byte), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock),
        "the newest idle socket is still waiting for its hello"
    );
    assert!(
        served < HELLO_TIMEOUT,
        "served after {served:?}, the hello timeout is {HELLO_TIMEOUT:?}"
    );
    // The oldest were dropped with a reason, not left to time out.
    let e = read_frame(&mut idle[0]).await;
    assert!(
        matches!(&e, Some(DaemonMsg::Error { message }) if message.contains("newer connections were waiting")),
        "{e:?}"
    );
    // The last ones waiting time out in their turn, and the client is still served.
    let last = idle.len() - 1;
    let e = read_frame(&mut idle[last]).await;
    assert!(
        matches!(&e, Some(DaemonMsg::Error { message }) if message.contains("no hello within")),
        "{e:?}"
    );
    assert_eq!(
        client.call(Request::ListSources).await,
        Response::Sources(vec![])
    );
    drop(client);
    drop(idle);
    assert_eq!(daemon.stop(30).await.code(), Some(0));
}
