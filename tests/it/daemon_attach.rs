//! `lsbridge daemon` end to end, with real processes and sockets: clients attach, detach and
//! re-attach while a Primary run goes on; SIGTERM mid-run checkpoints and the restarted
//! daemon resumes the run; CLI commands say the daemon holds the store; `on_failure` gets the
//! run summary without the token.

use std::path::Path;
use std::time::Duration;

use crate::support::daemon::DaemonProc;
use crate::support::procs::{self, SimProc};
use lsbridge::backend::RemoteClient;
use lsbridge::engine::{EngineEvent, JobKind, Request, Response};
use lsbridge::jobs::{JobEvent, Outcome};
use tokio::sync::broadcast;

/// A simulator whose 20,000-product catalog takes a few seconds to import (about 32 requests
/// of 100 ms each), so there is time to act mid-run.
fn slow_sim() -> SimProc {
    SimProc::start(&[
        "--store",
        "synthetic:20000:5",
        "--no-rate-limit",
        "--faults",
        "latency_ms=100",
    ])
}

fn setup(dir: &Path, origin: &str, token: &str) {
    procs::ok(
        dir,
        &[
            "connection",
            "add",
            "--name",
            "sim",
            "--domain-prefix",
            "synthetic",
            "--token",
            token,
            "--api-root",
            origin,
        ],
    );
    procs::ok(
        dir,
        &["source", "add", "--name", "big", "--connection", "sim"],
    );
}

fn start_primary() -> Request {
    Request::StartJob {
        source: "big".into(),
        kind: JobKind::Primary,
        dry_run: false,
        confirm_archive: false,
    }
}

/// Subscribes, then makes a round trip: once it returns, the daemon streams this client
/// every event of anything started afterwards.
async fn subscribed(c: &RemoteClient) -> broadcast::Receiver<EngineEvent> {
    let rx = c.subscribe();
    assert!(matches!(
        c.call(Request::Running).await,
        Response::Running(_)
    ));
    rx
}

async fn next_event(rx: &mut broadcast::Receiver<EngineEvent>, secs: u64) -> EngineEvent {
    tokio::time::timeout(Duration::from_secs(secs), rx.recv())
        .await
        .unwrap_or_else(|_| panic!("no event within {secs}s"))
        .expect("event stream")
}

/// Reads events until a products progress event; returns them and the run id.
async fn until_products_progress(
    rx: &mut broadcast::Receiver<EngineEvent>,
) -> (Vec<EngineEvent>, u64) {
    let mut seen = Vec::new();
    loop {
        let e = next_event(rx, 60).await;
        seen.push(e.clone());
        if let EngineEvent::Job {
            event: JobEvent::Progress {
                run, phase, done, ..
            },
            ..
        } = e
        {
            if phase == "products" && done > 0 {
                return (seen, run);
            }
        }
    }
}

/// Reads events until `run` finishes; returns its outcome.
async fn until_finished(rx: &mut broadcast::Receiver<EngineEvent>, run: u64) -> Outcome {
    loop {
        if let EngineEvent::Job {
            event: JobEvent::Finished {
                run: r, outcome, ..
            },
            ..
        } = next_event(rx, 120).await
        {
            if r == run {
                return outcome;
            }
        }
    }
}

async fn run_log(c: &RemoteClient, run: u64) -> Vec<String> {
    match c.call(Request::RunLog { run }).await {
        Response::Log(lines) => lines.into_iter().map(|l| l.line).collect(),
        other => panic!("RunLog: {other:?}"),
    }
}

async fn outcome_of(c: &RemoteClient, run: u64) -> Outcome {
    match c
        .call(Request::Runs {
            source: Some("big".into()),
            limit: 10,
        })
        .await
    {
        Response::Runs(runs) => runs
            .iter()
            .find(|r| r.id == run)
            .map(|r| r.outcome)
            .expect("the run is recorded"),
        other => panic!("Runs: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn detach_mid_run_reattach_and_a_second_client_see_the_run_finish_with_its_full_log() {
    let sim = slow_sim();
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path(), &sim.origin, "sim-demo-token");
    let mut daemon = DaemonProc::start(dir.path()).await;
    #[cfg(unix)]
    {
        use std::os::unix::fs::{FileTypeExt, PermissionsExt};
        let meta = std::fs::metadata(&daemon.socket).unwrap();
        assert!(meta.file_type().is_socket());
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    }

    let first = RemoteClient::connect(dir.path()).await.unwrap();
    let second = RemoteClient::connect(dir.path()).await.unwrap();
    let mut rx1 = subscribed(&first).await;
    let mut rx2 = subscribed(&second).await;
    // The second client reads every event to the end of the run, all along.
    let watcher = tokio::spawn(async move {
        let mut all = Vec::new();
        loop {
            let e = next_event(&mut rx2, 120).await;
            let done = matches!(
                e,
                EngineEvent::Job {
                    event: JobEvent::Finished { .. },
                    ..
                }
            );
            all.push(e);
            if done {
                return (all, second);
            }
        }
    });

    assert_eq!(first.call(start_primary()).await, Response::Done);
    let (before_detach, run) = until_products_progress(&mut rx1).await;
    // Detach mid-run: the client goes away, the run does not.
    drop(rx1);
    drop(first);

    let again = RemoteClient::connect(dir.path()).await.unwrap();
    let mut rx3 = subscribed(&again).await;
    match again.call(Request::Running).await {
        Response::Running(jobs) => assert!(
            jobs.iter().any(|j| j.run == Some(run)),
            "run {run} should still be running after the detach: {jobs:?}"
        ),
        other => panic!("Running: {other:?}"),
    }
    let outcome = match outcome_of(&again, run).await {
        Outcome::Running => until_finished(&mut rx3, run).await,
        o => o,
    };
    assert_eq!(outcome, Outcome::Ok);
    assert_eq!(outcome_of(&again, run).await, Outcome::Ok);

    // The full log: from the start line through "finished".
    let log = run_log(&again, run).await;
    assert!(
        log.first()
            .is_some_and(|l| l.starts_with("Get Inventory (Primary) for big")),
        "{log:?}"
    );
    assert!(
        log.last().is_some_and(|l| l.starts_with("finished: Ok")),
        "{log:?}"
    );

    // The second client saw the same events as the first while both were attached, then
    // the rest of the run: every log line as stored, and the finish.
    let (all, second) = tokio::time::timeout(Duration::from_secs(120), watcher)
        .await
        .expect("the second client sees the run finish")
        .unwrap();
    assert_eq!(&all[..before_detach.len()], &before_detach[..]);
    let streamed: Vec<String> = all
        .iter()
        .filter_map(|e| match e {
            EngineEvent::Job {
                event: JobEvent::Log { run: r, line, .. },
                ..
            } if *r == run => Some(line.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(streamed, log);
    assert!(all.iter().any(|e| matches!(
        e,
        EngineEvent::Job {
            event: JobEvent::Finished {
                outcome: Outcome::Ok,
                ..
            },
            ..
        }
    )));
    assert!(second.is_connected());

    // The daemon's log (stdout and the rotating file) has the run from start to finish.
    daemon
        .wait_line(|l| l.contains(&format!("run {run}: finished: Ok")), 30)
        .await;
    let file = std::fs::read_to_string(dir.path().join("logs/daemon.log")).unwrap();
    assert!(file.contains(&format!(
        "run {run} started (Get Inventory (Primary) for big)"
    )));
    assert!(file.contains(&format!("run {run}: Get Inventory (Primary) for big")));
    assert!(file.contains(&format!("run {run}: finished: Ok")));
    assert!(!file.contains("sim-demo-token"));

    drop(second);
    drop(again);
    assert!(daemon.stop(60).await.success(), "{}", daemon.output());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_mid_primary_checkpoints_and_the_restarted_daemon_resumes_the_run() {
    let sim = slow_sim();
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path(), &sim.origin, "sim-demo-token");
    let mut daemon = DaemonProc::start(dir.path()).await;
    let client = RemoteClient::connect(dir.path()).await.unwrap();
    let mut rx = subscribed(&client).await;
    assert_eq!(client.call(start_primary()).await, Response::Done);
    let (_, run) = until_products_progress(&mut rx).await;

    daemon.term();
    let status = daemon.wait_exit(60).await;
    assert_eq!(status.code(), Some(0), "{}", daemon.output());
    assert!(!daemon.socket.exists(), "the socket is removed");
    let out = daemon.output();
    assert!(out.contains("SIGTERM: stopping"), "{out}");
    assert!(
        out.contains(&format!("run {run}: finished: Cancelled")),
        "{out}"
    );
    let last = out.lines().rfind(|l| !l.starts_with("stderr: "));
    assert!(last.is_some_and(|l| l.ends_with("stopped")), "{out}");
    // The attached client was told, not left hanging.
    loop {
        match tokio::time::timeout(Duration::from_secs(30), rx.recv()).await {
            Ok(Err(broadcast::error::RecvError::Closed)) => break,
            Ok(_) => continue,
            Err(_) => panic!("the client was not disconnected"),
        }
    }
    let why = client.closed_reason().expect("closed");
    assert!(why.contains("the daemon is stopping"), "{why}");
    assert!(matches!(
        client.call(Request::Running).await,
        Response::Error(_)
    ));
    drop(client);

    let mut daemon = DaemonProc::start(dir.path()).await;
    let client = RemoteClient::connect(dir.path()).await.unwrap();
    let mut rx = subscribed(&client).await;
    assert_eq!(client.call(start_primary()).await, Response::Done);
    assert_eq!(until_finished(&mut rx, run).await, Outcome::Ok);
    let log = run_log(&client, run).await;
    assert!(
        log.iter()
            .any(|l| l.contains(&format!("resuming run {run}"))),
        "{log:?}"
    );
    assert!(log.last().is_some_and(|l| l.starts_with("finished: Ok")));
    drop(rx);
    drop(client);
    assert_eq!(daemon.stop(60).await.code(), Some(0));

    let pool = procs::ok(
        dir.path(),
        &["export", "--source", "big", "--format", "jsonl"],
    );
    assert_eq!(pool.lines().count(), 20_000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_commands_say_the_daemon_holds_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let mut daemon = DaemonProc::start(dir.path()).await;
    daemon
        .wait_line(
            |l| l.contains("scheduler started: no integration has a schedule"),
            30,
        )
        .await;
    for args in [
        &["source", "list"][..],
        &["runs"],
        &["export", "--source", "x"],
        &["daemon"],
    ] {
        let o = procs::lsbridge(dir.path(), args);
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        if args == ["daemon"] {
            assert!(err.contains("a daemon is already running"), "{err}");
        } else {
            assert!(err.contains("is in use by the lsbridge daemon"), "{err}");
            assert!(err.contains("stop the daemon"), "{err}");
            assert!(err.contains("use the TUI"), "{err}");
            assert!(err.contains(&format!("kill -TERM {}", daemon.pid)), "{err}");
        }
    }
    assert_eq!(daemon.stop(30).await.code(), Some(0));
    assert!(!dir.path().join("daemon.pid").exists());
    // Stopped: the store is free again.
    procs::ok(dir.path(), &["source", "list"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_failure_gets_the_run_summary_on_stdin_without_the_token() {
    let sim = SimProc::start(&["--store", "synthetic:50", "--no-rate-limit"]);
    let dir = tempfile::tempdir().unwrap();
    // The simulator accepts only its own token: this one is refused (401).
    let token = "lsb-secret-token-5f2a9c";
    setup(dir.path(), &sim.origin, token);
    let got = dir.path().join("notified.json");
    std::fs::write(
        dir.path().join("config.toml"),
        format!(
            "on_failure = \"cat > '{}'\"\nretention_days = 30\n",
            got.display()
        ),
    )
    .unwrap();
    let mut daemon = DaemonProc::start(dir.path()).await;
    let client = RemoteClient::connect(dir.path()).await.unwrap();
    let mut rx = subscribed(&client).await;
    assert_eq!(client.call(start_primary()).await, Response::Done);
    let run = loop {
        if let EngineEvent::Job {
            event: JobEvent::Started { run, .. },
            ..
        } = next_event(&mut rx, 60).await
        {
            break run;
        }
    };
    assert_eq!(until_finished(&mut rx, run).await, Outcome::Failed);
    daemon
        .wait_line(
            |l| l.contains(&format!("on_failure for run {run}: exited 0")),
            60,
        )
        .await;

    let text = std::fs::read_to_string(&got).unwrap();
    assert!(!text.contains(token), "{text}");
    let summary: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(summary["run"], run);
    assert_eq!(summary["outcome"], "failed");
    assert_eq!(summary["kind"], "primary");
    assert_eq!(summary["source"], "big");
    assert_eq!(summary["integration"], "Get Inventory (Primary)");
    assert!(summary["message"].as_str().is_some_and(|m| !m.is_empty()));
    assert!(summary["log_tail"]
        .as_array()
        .is_some_and(|l| !l.is_empty()));
    let file = std::fs::read_to_string(dir.path().join("logs/daemon.log")).unwrap();
    assert!(!file.contains(token));
    drop(rx);
    drop(client);
    assert_eq!(daemon.stop(30).await.code(), Some(0));
}
