//! `lsbridge daemon` end to end, with real processes and sockets: clients attach, detach and
//! re-attach while a Primary run goes on; SIGTERM mid-run checkpoints and the restarted
//! daemon resumes the run; CLI commands attach to the daemon; `on_failure` gets the
//! run summary without the token.

use std::path::Path;
use std::time::Duration;

use crate::support::daemon::DaemonProc;
use crate::support::procs::{self, SimProc};
use lsbridge::backend::RemoteClient;
use lsbridge::engine::{EngineEvent, Integration, Request, Response};
use lsbridge::jobs::{JobEvent, Outcome, Phase};
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
        kind: Integration::Primary,
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
            if phase == Phase::Products && done > 0 {
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

/// `lsbridge …` as a child whose output the test reads while it runs.
fn spawn_cli(dir: &Path, args: &[&str]) -> std::process::Child {
    std::process::Command::new(procs::bin())
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
}

/// Done when: with a daemon running, the CLI attaches to it instead of failing on the
/// store's lock: `lsbridge run primary` starts the daemon's run, prints its progress and
/// exits with the run's outcome; `source set`, `fr import`, `connection test`, `export` and
/// `runs` work; Ctrl-C on an attached run cancels the daemon's run at its next page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_commands_attach_to_the_running_daemon() {
    let sim = slow_sim();
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path(), &sim.origin, "sim-demo-token");
    let mut daemon = DaemonProc::start(dir.path()).await;
    daemon
        .wait_line(
            |l| l.contains("scheduler started: no integration has a schedule"),
            30,
        )
        .await;
    let d = dir.path().to_path_buf();
    let cli = move |args: &'static [&'static str]| {
        let d = d.clone();
        tokio::task::spawn_blocking(move || procs::lsbridge(&d, args))
    };

    // The run: the daemon's (its log says so), with its progress and its outcome.
    let o = cli(&["run", "primary", "--source", "big"]).await.unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(
        stderr.lines().any(|l| l.starts_with("products: ")),
        "{stderr}"
    );
    let run: u64 = stdout
        .lines()
        .find_map(|l| l.strip_prefix("primary run "))
        .and_then(|l| l.split(':').next())
        .unwrap_or_else(|| panic!("no summary line: {stdout}"))
        .parse()
        .unwrap();
    assert!(
        stdout.contains(&format!("primary run {run}: Ok: new 20000")),
        "{stdout}"
    );
    daemon
        .wait_line(|l| l.contains(&format!("run {run}: finished: Ok")), 30)
        .await;

    let o = cli(&["source", "set", "big", "--commit-stock", "yes"])
        .await
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    assert!(String::from_utf8_lossy(&o.stdout).contains("updated source \"big\""));
    let o = cli(&["source", "list", "--json"]).await.unwrap();
    let list: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(list[0]["commit_stock"], true, "{list}");

    let file = dir.path().join("frs.json");
    let sku = {
        let c = RemoteClient::connect(dir.path()).await.unwrap();
        match c
            .call(Request::PoolPage {
                source: "big".into(),
                offset: 0,
                limit: 50,
                filter: None,
                archived: Some(false),
                sort: Default::default(),
                descending: false,
            })
            .await
        {
            Response::Pool(items) => {
                items
                    .into_iter()
                    .find(|i| i.quantity().is_some_and(|q| q >= 2.0))
                    .expect("an item with stock")
                    .sku
            }
            other => panic!("PoolPage: {other:?}"),
        }
    };
    std::fs::write(
        &file,
        format!(r#"[{{"number": "AT-1", "items": [{{"sku": "{sku}", "quantity": 2, "unit_price": 16}}]}}]"#),
    )
    .unwrap();
    let path: &'static str = Box::leak(file.display().to_string().into_boxed_str());
    let args: &'static [&'static str] =
        Box::leak(Box::new(["fr", "import", path, "--source", "big"]));
    let o = cli(args).await.unwrap();
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    assert!(String::from_utf8_lossy(&o.stdout).contains("imported 1, duplicates 0, rejected 0"));

    let o = cli(&["connection", "test", "sim"]).await.unwrap();
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    assert!(String::from_utf8_lossy(&o.stdout).starts_with("connected to "));
    // The status page reads the test the daemon recorded.
    let o = cli(&["source", "show", "big", "--json"]).await.unwrap();
    let show: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(show["source"]["commit_stock"], true, "{show}");
    assert!(show["status"][0]["connected"].get("Ok").is_some(), "{show}");
    let o = cli(&["source", "list"]).await.unwrap();
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("primary: ready"),
        "{o:?}"
    );

    let o = cli(&["export", "--source", "big", "--format", "jsonl"])
        .await
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let rows: Vec<serde_json::Value> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 20_000);
    // Committed as the daemon sees it: the FR's two units.
    let row = rows.iter().find(|r| r["sku"] == sku.as_str()).unwrap();
    assert_eq!(row["committed"], 2.0, "{row}");

    let o = cli(&["runs"]).await.unwrap();
    assert!(String::from_utf8_lossy(&o.stdout)
        .lines()
        .any(|l| l.split_whitespace().next() == Some(&run.to_string())));

    // Ctrl-C on an attached run cancels the daemon's run.
    let d = dir.path().to_path_buf();
    let (out, cancelled) = tokio::task::spawn_blocking(move || {
        use std::io::{BufRead, BufReader};
        let mut child = spawn_cli(
            &d,
            &["run", "primary", "--source", "big", "--progress", "jsonl"],
        );
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let run = loop {
            let l = lines
                .next()
                .expect("a progress line before the end")
                .unwrap();
            let v: serde_json::Value = serde_json::from_str(&l).unwrap();
            let e = &v["event"]["event"];
            if e["event"] == "progress" && e["phase"] == "products" && e["done"].as_u64() > Some(0)
            {
                break e["run"].as_u64().unwrap();
            }
        };
        // SAFETY: kill(2) on the pid of our own child.
        assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGINT) }, 0);
        for _ in lines.by_ref() {}
        (child.wait_with_output().unwrap(), run)
    })
    .await
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("run again to resume"), "{stderr}");
    daemon
        .wait_line(
            |l| l.contains(&format!("run {cancelled}: finished: Cancelled")),
            60,
        )
        .await;

    // Commands that still need the store to themselves say who holds it.
    let o = cli(&["config", "export"]).await.unwrap();
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    assert!(String::from_utf8_lossy(&o.stdout).contains("name = \"big\""));
    let o = cli(&["template", "list"]).await.unwrap();
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    // The store's options are read through the daemon's engine too.
    let o = cli(&["source", "options", "big", "--json"]).await.unwrap();
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let options: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(
        options["registers"]
            .as_array()
            .is_some_and(|r| !r.is_empty()),
        "{options}"
    );
    // The FR commands go through the daemon's engine, worded as in-process.
    let o = cli(&["fr", "list", "--search", "AT-1"]).await.unwrap();
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    assert!(String::from_utf8_lossy(&o.stdout).contains("AT-1"), "{o:?}");
    let o = cli(&["fr", "show", "AT-1", "--source", "big"])
        .await
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    assert!(String::from_utf8_lossy(&o.stdout).contains("AT-1"), "{o:?}");
    let o = cli(&[
        "fr",
        "cancel",
        "AT-1",
        "--source",
        "big",
        "--reason",
        "customer called",
    ])
    .await
    .unwrap();
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let said = String::from_utf8_lossy(&o.stdout);
    assert!(
        said.contains("FR AT-1: ") && said.contains("Canceled") && said.contains("customer called"),
        "{said}"
    );
    let o = cli(&["fr", "show", "AT-9", "--source", "big"])
        .await
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    // The inbox moves the files it reads, so it still needs the store to itself.
    let inbox: &'static str = Box::leak(
        dir.path()
            .join("inbox")
            .display()
            .to_string()
            .into_boxed_str(),
    );
    std::fs::create_dir_all(inbox).unwrap();
    let args: &'static [&'static str] =
        Box::leak(Box::new(["fr", "inbox", inbox, "--source", "big"]));
    let o = cli(args).await.unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("is in use by the lsbridge daemon"), "{err}");
    assert!(err.contains(&format!("kill -TERM {}", daemon.pid)), "{err}");
    let o = cli(&["daemon"]).await.unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("a daemon is already running"));

    assert_eq!(daemon.stop(60).await.code(), Some(0));
    assert!(!dir.path().join("daemon.pid").exists());
    // Stopped: the store is free again, and the cancelled run resumes in-process.
    let again = procs::ok(dir.path(), &["run", "primary", "--source", "big"]);
    assert!(
        again.contains(&format!("primary run {cancelled}: Ok"))
            && again.contains("resumed from a checkpoint"),
        "{again}"
    );
}

/// Done when: Test Connection from the CLI and from the TUI (the engine request its key
/// sends) leave the same record on the connection, passed or failed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_and_tui_test_connection_leave_identical_records() {
    use lsbridge::connections::Connections;
    use lsbridge::engine::{Engine, EngineOptions};
    let sim = SimProc::start(&["--store", "synthetic:20", "--no-rate-limit"]);
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path(), &sim.origin, "sim-demo-token");
    procs::ok(
        dir.path(),
        &[
            "connection",
            "add",
            "--name",
            "bad",
            "--domain-prefix",
            "synthetic",
            "--token",
            "lsb-wrong-token",
            "--api-root",
            &sim.origin,
        ],
    );
    let record = |name: &str| {
        let store = lsbridge::store::Store::open(dir.path()).unwrap();
        let t = Connections::open(&store)
            .unwrap()
            .get(name)
            .unwrap()
            .last_test
            .unwrap();
        (t.ok, t.summary)
    };
    assert_eq!(
        procs::lsbridge(dir.path(), &["connection", "test", "sim"])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        procs::lsbridge(dir.path(), &["connection", "test", "bad"])
            .status
            .code(),
        Some(1)
    );
    let cli = (record("sim"), record("bad"));
    assert!(cli.0 .0 && !cli.1 .0, "{cli:?}");

    let store = lsbridge::store::Store::open(dir.path()).unwrap();
    let engine = Engine::new(store, EngineOptions::default());
    for name in ["sim", "bad"] {
        let r = engine
            .handle(Request::TestConnection { name: name.into() })
            .await;
        assert_eq!(matches!(r, Response::Message(_)), name == "sim", "{r:?}");
    }
    drop(engine);
    let tui = (record("sim"), record("bad"));
    assert_eq!(cli, tui);
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
