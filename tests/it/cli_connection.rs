//! `lsbridge connection …` as a user runs it: real `lsbridge` processes against a real
//! `lsbridge sim` process over loopback, each test with its own data dir.
//!
//! Every lsbridge run goes through [`lsb`], which also checks that no token used in this
//! file ever appears on stdout or stderr and that nothing panicked.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use lsbridge::lightspeed::scopes::NEEDED;
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_lsbridge");

/// Accepted by every simulator started here (all scopes).
const T1: &str = "lsxs_pt_Q7f3kZ9mW2xR8vN4bT6yH1cJ5dL0pS3a";
/// Accepted by no simulator.
const WRONG: &str = "lsxs_pt_Wr0ngT0kenXk2Lm9Pq4Rs7Tu1Vw3Yz6Bc";
/// Accepted by the simulator with only four read scopes.
const LIMITED: &str = "lsxs_pt_L1m1tedT0kenRr4Ss7Tt9Uu2Vv5Ww8Xx0";
/// Passed only through the LS_TEST_TOKEN environment variable.
const ENV_SECRET: &str = "lsxs_pt_EnvT0kenHh8Jj2Kk5Ll7Mm9Nn1Pp4Qq6Zz";
/// Passed only on stdin.
const STDIN_SECRET: &str = "lsxs_pt_Std1nT0kenAa3Bb6Cc8Dd0Ee2Ff5Gg7Hh";
const SECRETS: [&str; 5] = [T1, WRONG, LIMITED, ENV_SECRET, STDIN_SECRET];

/// Scopes `connection test` can check without writing (the `:read` ones).
fn read_scopes() -> Vec<&'static str> {
    NEEDED
        .iter()
        .map(|(s, _)| *s)
        .filter(|s| s.ends_with(":read"))
        .collect()
}

/// What the store reports as masked: the last four characters.
fn masked(token: &str) -> String {
    format!("••••{}", &token[token.len() - 4..])
}

// ---- the simulator process ---------------------------------------------------------

/// A running `lsbridge sim`. Dropping it kills the process and waits for it, so nothing
/// leaks when a test panics.
struct Sim {
    child: Option<Child>,
    /// Kept open: the simulator writes a second line after the first, and a closed pipe
    /// would make that write fail.
    _stdout: BufReader<ChildStdout>,
    origin: String,
    stderr_path: PathBuf,
    _dir: tempfile::TempDir,
}

impl Sim {
    /// `lsbridge sim --port 0 --store demo --token T1 <extra>`; returns once the first
    /// stdout line (`listening on http://127.0.0.1:PORT`) has been read.
    fn start(extra: &[&str]) -> Sim {
        let dir = tempfile::tempdir().expect("temp dir");
        let stderr_path = dir.path().join("sim.stderr");
        let stderr = std::fs::File::create(&stderr_path).expect("sim stderr file");
        let mut child = Command::new(BIN)
            .args(["sim", "--port", "0", "--store", "demo", "--token", T1])
            .args(extra)
            .env_remove("LSBRIDGE_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("spawn lsbridge sim");
        let stdout = child.stdout.take().expect("sim stdout");
        let mut sim = Sim {
            child: Some(child),
            _stdout: BufReader::new(stdout),
            origin: String::new(),
            stderr_path,
            _dir: dir,
        };
        let mut line = String::new();
        let n = sim._stdout.read_line(&mut line).expect("read sim stdout");
        let origin = line
            .trim()
            .strip_prefix("listening on ")
            .map(str::to_string);
        match origin {
            Some(o) if n > 0 && o.starts_with("http://127.0.0.1:") => sim.origin = o,
            _ => panic!(
                "simulator did not start: first line {line:?}, stderr: {}",
                sim.stderr()
            ),
        }
        sim
    }

    fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr_path).unwrap_or_default()
    }

    /// Kill the process and wait until it is gone (its port is closed afterwards).
    fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// `GET /__sim/summary` (the simulator's admin endpoint: never rate limited).
    fn summary(&self) -> Value {
        let url = format!("{}/__sim/summary", self.origin);
        block_on(async move {
            let resp = reqwest::get(&url).await.expect("GET /__sim/summary");
            assert_eq!(resp.status().as_u16(), 200);
            resp.json::<Value>().await.expect("summary JSON")
        })
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        self.stop();
    }
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
        .block_on(f)
}

// ---- running lsbridge ----------------------------------------------------------------

#[derive(Debug)]
struct Out {
    code: i32,
    stdout: String,
    stderr: String,
    elapsed: Duration,
}

impl Out {
    /// Asserts stderr is exactly one `error:` line and returns it.
    fn error_line(&self) -> &str {
        let lines: Vec<&str> = self.stderr.lines().collect();
        assert_eq!(
            lines.len(),
            1,
            "expected exactly one line on stderr, got: {:?}",
            self.stderr
        );
        assert!(
            lines[0].starts_with("error: "),
            "stderr line does not start with `error: `: {:?}",
            lines[0]
        );
        lines[0]
    }
}

#[derive(Default)]
struct Run<'a> {
    env: Vec<(&'a str, &'a str)>,
    stdin: Option<&'a str>,
}

/// `lsbridge --data-dir <data> <args>`.
fn lsb(data: &Path, args: &[&str]) -> Out {
    lsb_with(data, args, Run::default())
}

/// Runs lsbridge to completion (killed after 60 s so a hang fails instead of blocking),
/// then checks what every run must satisfy: no panic, no token on stdout or stderr.
fn lsb_with(data: &Path, args: &[&str], run: Run<'_>) -> Out {
    let started = Instant::now();
    let mut cmd = tokio::process::Command::new(BIN);
    cmd.arg("--data-dir")
        .arg(data)
        .args(args)
        .env_remove("LSBRIDGE_LOG")
        .env_remove("LSBRIDGE_DATA_DIR")
        .env_remove("LS_TEST_TOKEN")
        .envs(run.env.iter().copied())
        .stdin(if run.stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let output = block_on(async {
        use tokio::io::AsyncWriteExt;
        let mut child = cmd.spawn().expect("spawn lsbridge");
        if let Some(input) = run.stdin {
            let mut w = child.stdin.take().expect("stdin");
            w.write_all(input.as_bytes()).await.expect("write stdin");
            drop(w);
        }
        tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
            .await
            .unwrap_or_else(|_| panic!("lsbridge {args:?} did not finish within 60 s"))
            .expect("wait for lsbridge")
    });
    let out = Out {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        elapsed: started.elapsed(),
    };
    assert!(
        !out.stderr.contains("panicked") && out.code != 101,
        "lsbridge {args:?} panicked: {out:?}"
    );
    for secret in SECRETS {
        assert!(
            !out.stdout.contains(secret) && !out.stderr.contains(secret),
            "lsbridge {args:?} printed a token: {out:?}"
        );
    }
    out
}

/// Adds connection `name` → the simulator; asserts it succeeded.
fn add(data: &Path, sim: &Sim, name: &str, token: &str) -> Out {
    let out = lsb(
        data,
        &[
            "connection",
            "add",
            "--name",
            name,
            "--domain-prefix",
            "harborpine",
            "--token",
            token,
            "--api-root",
            &sim.origin,
        ],
    );
    assert_eq!(out.code, 0, "connection add failed: {out:?}");
    out
}

fn list_json(data: &Path) -> Vec<Value> {
    let out = lsb(data, &["connection", "list", "--json"]);
    assert_eq!(out.code, 0, "{out:?}");
    match serde_json::from_str::<Value>(out.stdout.trim()) {
        Ok(Value::Array(rows)) => rows,
        other => panic!("connection list --json is not a JSON array: {other:?} from {out:?}"),
    }
}

// ---- the data dir ------------------------------------------------------------------

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read data dir") {
            let p = e.expect("dir entry").path();
            if p.is_dir() {
                stack.push(p.clone());
            }
            out.push(p);
        }
    }
    out
}

/// sled's own files: where a literal token has to be, for the connection to be usable.
fn is_sled_file(data: &Path, p: &Path) -> bool {
    let rel = p.strip_prefix(data).expect("under data dir");
    let name = rel.to_string_lossy();
    name == "db" || name == "conf" || name.starts_with("snap.") || name.starts_with("blobs/")
}

/// Every dir under the data dir is 0700 and every file 0600; `literal`, if given, occurs
/// only in sled's database files (and does occur there, so the search is not vacuous);
/// `absent` occurs in no file at all.
fn assert_data_dir(data: &Path, literal: Option<&str>, absent: &[&str]) {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| std::fs::metadata(p).expect("stat").permissions().mode() & 0o777;
    assert_eq!(mode(data), 0o700, "data dir {data:?} is not owner-only");
    let mut literal_found = false;
    for p in files_under(data) {
        if p.is_dir() {
            assert_eq!(mode(&p), 0o700, "{p:?} is not 0700");
            continue;
        }
        assert_eq!(mode(&p), 0o600, "{p:?} is not 0600");
        let bytes = std::fs::read(&p).expect("read data file");
        for s in absent {
            assert!(
                !contains(&bytes, s.as_bytes()),
                "{p:?} contains a token that must never be stored"
            );
        }
        if let Some(t) = literal {
            if contains(&bytes, t.as_bytes()) {
                assert!(
                    is_sled_file(data, &p),
                    "the token appears in {p:?}, which is not a database file"
                );
                literal_found = true;
            }
        }
    }
    if literal.is_some() {
        assert!(
            literal_found,
            "the stored token is not in the database files"
        );
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

fn data_dir() -> (tempfile::TempDir, PathBuf) {
    let t = tempfile::tempdir().expect("temp dir");
    let d = t.path().join("data");
    (t, d)
}

// ---- tests ---------------------------------------------------------------------------

/// Done when: add, list (masked), test (store name, outlets 3, registers 2, rate-limit
/// budget, every read scope ok), and the same numbers in `--json`.
#[test]
fn add_list_and_test_a_connection() {
    // Rate limiting on (the documented 300 × 2 registers + 50 = 650), so the budget line
    // has numbers to check.
    let sim = Sim::start(&[]);
    let (_t, data) = data_dir();

    let out = add(&data, &sim, "shop", T1);
    assert!(out.stderr.is_empty(), "{out:?}");
    let endpoint = format!("{}/api/2026-07", sim.origin);
    assert!(
        out.stdout.contains("added connection \"shop\"")
            && out.stdout.contains(&endpoint)
            && out.stdout.contains(&masked(T1))
            && out.stdout.contains("lsbridge connection test shop"),
        "{out:?}"
    );

    let out = lsb(&data, &["connection", "list"]);
    assert_eq!(out.code, 0, "{out:?}");
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "header + one row: {out:?}");
    assert!(lines[0].starts_with("NAME") && lines[0].contains("TOKEN"));
    let cols: Vec<&str> = lines[1].split_whitespace().collect();
    assert_eq!(
        cols,
        vec!["shop", "harborpine", masked(T1).as_str(), endpoint.as_str()]
    );

    let rows = list_json(&data);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["name"], "shop");
    assert_eq!(rows[0]["domain_prefix"], "harborpine");
    assert_eq!(rows[0]["token"], masked(T1));
    assert_eq!(rows[0]["endpoint"], endpoint);
    assert_eq!(rows[0]["api_version"], "2026-07");

    let out = lsb(&data, &["connection", "test", "shop"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stderr.is_empty(), "{out:?}");
    let served = sim.summary()["counters"]["requests"]
        .as_u64()
        .expect("request count");
    assert!(served >= 10, "a test makes one request per check at least");
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(
        lines[0],
        format!("connected to \"Harbor & Pine Outfitters\" (harborpine) at {endpoint}")
    );
    assert_eq!(
        lines[1].split_whitespace().collect::<Vec<_>>(),
        ["outlets:", "3", "registers:", "2"]
    );
    // The budget after the last response: every request so far came with T1.
    assert_eq!(
        lines[2].trim(),
        format!(
            "rate limit: {} of 650 requests left in this 300 s window",
            650 - served
        )
    );
    let mut seen = BTreeSet::new();
    for l in &lines[3..] {
        let scope = l.split_whitespace().next().expect("scope");
        seen.insert(scope);
        if scope.ends_with(":read") {
            assert!(l.ends_with(" ok"), "{scope} not ok: {l:?}");
        } else {
            assert!(l.ends_with("not checked (confirmed on first use)"), "{l:?}");
        }
    }
    let all: BTreeSet<&str> = NEEDED.iter().map(|(s, _)| *s).collect();
    assert_eq!(seen, all, "one line per needed scope");

    let out = lsb(&data, &["connection", "test", "shop", "--json"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stderr.is_empty(), "{out:?}");
    let served = sim.summary()["counters"]["requests"].as_u64().unwrap();
    let r: Value = serde_json::from_str(out.stdout.trim()).expect("--json output is JSON");
    assert_eq!(r["ok"], true);
    assert_eq!(r["store_name"], "Harbor & Pine Outfitters");
    assert_eq!(r["domain_prefix"], "harborpine");
    assert_eq!(r["outlets"], 3);
    assert_eq!(r["registers"], 2);
    assert_eq!(r["rate_limit"], 650);
    assert_eq!(r["rate_remaining"], 650 - served);
    let scopes = r["scopes"].as_array().expect("scopes");
    assert_eq!(scopes.len(), NEEDED.len());
    for s in scopes {
        let name = s["scope"].as_str().unwrap();
        let want = if name.ends_with(":read") {
            "ok"
        } else {
            "not_checked"
        };
        assert_eq!(s["state"], want, "{s}");
    }
    assert_data_dir(&data, Some(T1), &[]);
}

/// Done when: a token the store rejects → exit 1 and one line saying so and what to do.
#[test]
fn rejected_token_is_one_line_with_the_fix() {
    let sim = Sim::start(&["--no-rate-limit"]);
    let (_t, data) = data_dir();
    add(&data, &sim, "shop", WRONG);
    let out = lsb(&data, &["connection", "test", "shop"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stdout.is_empty(), "{out:?}");
    let line = out.error_line();
    assert!(
        line.contains("connection \"shop\"")
            && line.contains("rejected the personal token")
            && line.contains("401")
            && line.contains("generate a new token")
            && line.contains("Setup → Personal Tokens"),
        "{line}"
    );
    assert_data_dir(&data, Some(WRONG), &[T1]);
}

/// Done when: a prefix that is not one → exit 2 with the expected form, nothing saved; a
/// pasted store URL is accepted and normalised with a notice.
#[test]
fn bad_prefixes_are_refused_and_a_pasted_url_is_normalised() {
    let (_t, data) = data_dir();
    for bad in [
        "https://evil.example.com/",
        "http://harborpine.retail.lightspeed.app.evil.com/",
        "https://harborpine.retail.lightspeed.app:8443/",
        "harbor pine",
        "harbor.pine",
        "-harborpine",
        "",
    ] {
        let out = lsb(
            &data,
            &[
                "connection",
                "add",
                "--name",
                "shop",
                "--domain-prefix",
                bad,
                "--token",
                T1,
            ],
        );
        assert_eq!(out.code, 2, "{bad:?}: {out:?}");
        assert!(out.stdout.is_empty(), "{bad:?}: {out:?}");
        let line = out.error_line();
        assert!(
            line.contains("is not a domain prefix")
                && line.contains("expected the XXX of https://XXX.retail.lightspeed.app"),
            "{bad:?}: {line}"
        );
    }
    assert!(list_json(&data).is_empty(), "a refused add saved something");

    let out = lsb(
        &data,
        &[
            "connection",
            "add",
            "--name",
            "shop",
            "--domain-prefix",
            "https://HarborPine.retail.lightspeed.app/",
            "--token",
            T1,
        ],
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(
        out.stderr.trim_end(),
        "note: domain prefix normalised from \"https://HarborPine.retail.lightspeed.app/\" to \"harborpine\" (only the XXX of XXX.retail.lightspeed.app is needed)"
    );
    let rows = list_json(&data);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["domain_prefix"], "harborpine");
    assert_eq!(
        rows[0]["endpoint"],
        "https://harborpine.retail.lightspeed.app/api/2026-07"
    );
}

/// Done when: a token without some read scopes → exit 1 and one line naming them; the
/// report still shows which are there.
#[test]
fn missing_scopes_are_named() {
    let limited = format!("{LIMITED}=retailer:read,payment_types:read,outlets:read,registers:read");
    let sim = Sim::start(&["--no-rate-limit", "--token", &limited]);
    let (_t, data) = data_dir();
    add(&data, &sim, "shop", LIMITED);
    let out = lsb(&data, &["connection", "test", "shop"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(
        out.error_line(),
        "error: connection \"shop\": the token lacks users:read, taxes:read, products:read, inventory:read, customers:read, sales:read: create a personal token for a user with those permissions and re-add the connection"
    );
    let granted = [
        "retailer:read",
        "payment_types:read",
        "outlets:read",
        "registers:read",
    ];
    for scope in read_scopes() {
        let line = out
            .stdout
            .lines()
            .find(|l| l.split_whitespace().next() == Some(scope))
            .unwrap_or_else(|| panic!("no line for {scope}: {out:?}"));
        let want = if granted.contains(&scope) {
            " ok"
        } else {
            " MISSING"
        };
        assert!(line.ends_with(want), "{scope}: {line:?}");
    }
    assert!(out.stdout.contains("outlets: 3   registers: 2"), "{out:?}");

    // With --json: one document, the report inside the failure, same exit code and line.
    let json = lsb(&data, &["connection", "test", "shop", "--json"]);
    assert_eq!(json.code, 1, "{json:?}");
    assert_eq!(json.error_line(), out.error_line());
    assert_eq!(json.stdout.lines().count(), 1, "{json:?}");
    let doc: Value = serde_json::from_str(json.stdout.trim()).expect("one JSON document");
    assert_eq!(doc["ok"], false);
    assert_eq!(doc["exit_code"], 1);
    assert_eq!(
        doc["error"]
            .as_str()
            .map(|e| format!("error: {e}"))
            .as_deref(),
        Some(out.error_line())
    );
    assert_eq!(doc["outlets"], 3, "{doc}");
    let scopes = doc["scopes"].as_array().expect("the report's scopes");
    let missing: Vec<&str> = scopes
        .iter()
        .filter(|s| s["state"] == "missing")
        .filter_map(|s| s["scope"].as_str())
        .collect();
    assert_eq!(
        missing,
        [
            "users:read",
            "taxes:read",
            "products:read",
            "inventory:read",
            "customers:read",
            "sales:read"
        ],
        "{doc}"
    );
}

/// Done when: the simulator is gone → exit 1 within seconds, one line naming the host.
#[test]
fn unreachable_host_is_one_line_and_fast() {
    let mut sim = Sim::start(&["--no-rate-limit"]);
    let (_t, data) = data_dir();
    add(&data, &sim, "shop", T1);
    let out = lsb(&data, &["connection", "test", "shop"]);
    assert_eq!(out.code, 0, "reachable before the stop: {out:?}");
    let host = sim.origin.trim_start_matches("http://").to_string();
    sim.stop();

    let out = lsb(&data, &["connection", "test", "shop", "--timeout", "10"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stdout.is_empty(), "{out:?}");
    let line = out.error_line();
    assert!(
        line.contains(&format!("cannot reach {host}"))
            && line.contains("connection refused")
            && line.contains("check the network, or that the store / simulator is running"),
        "{line}"
    );
    assert!(
        out.elapsed < Duration::from_secs(5),
        "took {:?}",
        out.elapsed
    );
}

/// Done when: the token is in no output even at trace level (the HTTP stack's included),
/// in no file but the database, and the data dir is owner-only.
#[test]
fn token_never_appears_in_output_or_logs() {
    // The simulator is an lsbridge command too: its log is checked at the end (today it
    // logs nothing per request, so this guards future logging).
    let sim = Sim::start(&["--log-level", "trace"]);
    let (_t, data) = data_dir();
    let add_args = [
        "--log-level",
        "trace",
        "connection",
        "add",
        "--name",
        "shop",
        "--domain-prefix",
        "harborpine",
        "--token",
        T1,
        "--api-root",
        &sim.origin,
    ];
    let out = lsb(&data, &add_args);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stderr.contains("store opened"),
        "trace logging is on: {out:?}"
    );
    for level in ["trace", "trace,reqwest=trace,hyper=trace,hyper_util=trace"] {
        for extra in [&[][..], &["--json"][..]] {
            let mut args = vec!["--log-level", level, "connection", "test", "shop"];
            args.extend_from_slice(extra);
            let out = lsb(&data, &args);
            assert_eq!(out.code, 0, "{out:?}");
            assert!(
                out.stderr.contains("store opened"),
                "logs were written: {out:?}"
            );
            if level.contains("hyper") {
                // The HTTP stack's own trace lines, where a header could show up.
                assert!(out.stderr.lines().count() > 20, "{out:?}");
            }
            assert!(
                !out.stderr.contains('\u{1b}'),
                "colour codes in a log written to a pipe: {out:?}"
            );
        }
    }
    // $LSBRIDGE_LOG is the other way to turn logs on.
    let out = lsb_with(
        &data,
        &["connection", "list"],
        Run {
            env: vec![("LSBRIDGE_LOG", "trace")],
            ..Run::default()
        },
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stderr.contains("store opened"), "{out:?}");
    assert!(out.stdout.contains(&masked(T1)));
    let sim_log = sim.stderr();
    for s in SECRETS {
        assert!(!sim_log.contains(s), "the simulator logged a token");
    }
    assert_data_dir(&data, Some(T1), &[]);
}

/// Done when: `--token env:VAR` stores only the reference; the variable is read when the
/// connection is used, and its value is in no file.
#[test]
fn env_token_is_resolved_at_use_and_never_stored() {
    let sim = Sim::start(&["--no-rate-limit", "--token", ENV_SECRET]);
    let (_t, data) = data_dir();
    let out = add(&data, &sim, "shop", "env:LS_TEST_TOKEN");
    assert!(out.stdout.contains("(token env:LS_TEST_TOKEN)"), "{out:?}");

    let out = lsb_with(
        &data,
        &["connection", "test", "shop", "--json"],
        Run {
            env: vec![("LS_TEST_TOKEN", ENV_SECRET)],
            ..Run::default()
        },
    );
    assert_eq!(out.code, 0, "{out:?}");
    let r: Value = serde_json::from_str(out.stdout.trim()).expect("JSON");
    assert_eq!(r["store_name"], "Harbor & Pine Outfitters");
    assert_eq!(r["outlets"], 3);

    // Unset at use time: one line saying which variable to export.
    let out = lsb(&data, &["connection", "test", "shop"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(
        out.error_line(),
        "error: connection \"shop\": env:LS_TEST_TOKEN names no set environment variable: export LS_TEST_TOKEN=<token> first, or paste the token"
    );

    let rows = list_json(&data);
    assert_eq!(rows[0]["token"], "env:LS_TEST_TOKEN");
    assert_data_dir(&data, Some("env:LS_TEST_TOKEN"), &[ENV_SECRET]);
}

/// Done when: `--token -` reads the token from stdin (and the store accepts it).
#[test]
fn token_from_stdin() {
    let sim = Sim::start(&["--no-rate-limit", "--token", STDIN_SECRET]);
    let (_t, data) = data_dir();
    let line = format!("  {STDIN_SECRET}\n");
    let out = lsb_with(
        &data,
        &[
            "connection",
            "add",
            "--name",
            "shop",
            "--domain-prefix",
            "harborpine",
            "--token",
            "-",
            "--api-root",
            &sim.origin,
        ],
        Run {
            stdin: Some(&line),
            ..Run::default()
        },
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains(&masked(STDIN_SECRET)), "{out:?}");
    let out = lsb(&data, &["connection", "test", "shop", "--json"]);
    assert_eq!(
        out.code, 0,
        "the store accepts the token read from stdin: {out:?}"
    );
    assert_data_dir(&data, Some(STDIN_SECRET), &[T1]);

    // Nothing on stdin: the token is empty.
    let out = lsb_with(
        &data,
        &[
            "connection",
            "add",
            "--name",
            "other",
            "--domain-prefix",
            "harborpine",
            "--token",
            "-",
        ],
        Run {
            stdin: Some(""),
            ..Run::default()
        },
    );
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.error_line().contains("the personal token is empty"));
}

/// Done when: a duplicate name and removing an unknown name are one-line usage errors;
/// remove works.
#[test]
fn duplicate_and_remove() {
    let (_t, data) = data_dir();
    let add_args = |token: &'static str| {
        vec![
            "connection",
            "add",
            "--name",
            "shop",
            "--domain-prefix",
            "harborpine",
            "--token",
            token,
        ]
    };
    assert_eq!(lsb(&data, &add_args(T1)).code, 0);
    let out = lsb(&data, &add_args(WRONG));
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stdout.is_empty());
    assert_eq!(
        out.error_line(),
        "error: a connection named \"shop\" already exists: remove it first (lsbridge connection remove shop) or pick another name"
    );
    // The first one is untouched.
    assert_eq!(list_json(&data)[0]["token"], masked(T1));

    let out = lsb(&data, &["connection", "remove", "nosuch"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert_eq!(
        out.error_line(),
        "error: no connection named \"nosuch\": see lsbridge connection list"
    );

    let out = lsb(&data, &["connection", "remove", "shop"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stdout.trim(), "removed connection \"shop\"");
    assert!(list_json(&data).is_empty());
    let out = lsb(&data, &["connection", "test", "shop"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.error_line().contains("no connection named \"shop\""));
    assert_data_dir(&data, None, &[]);
}

/// Two processes on one data dir: while another process (this test) holds the store,
/// every `connection` command fails with one line that says what to do, and changes
/// nothing.
#[test]
fn data_dir_in_use_by_another_process() {
    let (_t, data) = data_dir();
    assert_eq!(
        lsb(
            &data,
            &[
                "connection",
                "add",
                "--name",
                "shop",
                "--domain-prefix",
                "harborpine",
                "--token",
                T1
            ]
        )
        .code,
        0
    );
    let held = lsbridge::store::Store::open(&data).expect("open the store in this process");
    for args in [
        &["connection", "list"][..],
        &[
            "connection",
            "add",
            "--name",
            "other",
            "--domain-prefix",
            "harborpine",
            "--token",
            T1,
        ][..],
        &["connection", "remove", "shop"][..],
    ] {
        let out = lsb(&data, args);
        assert_eq!(out.code, 1, "{args:?}: {out:?}");
        let line = out.error_line();
        assert!(
            line.contains("is in use by another lsbridge process")
                && line.contains("pass --data-dir to use another one"),
            "{line}"
        );
    }
    // Read through the handle this process holds: reopening right after dropping it can
    // meet sled's lingering lock, which would make a follow-up run flaky.
    let rows = lsbridge::connections::Connections::open(&held)
        .expect("connections")
        .list()
        .expect("list");
    let names: Vec<&str> = rows.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["shop"], "nothing changed while the store was held");
}

/// Done when (issue 14, Connections): `connection set` rotates a token, testing the changed
/// connection before saving it (a failed test changes nothing unless --force); a rename
/// moves the sources that use it; a connection that sources use is not removed, and the
/// refusal names them.
#[test]
fn set_rotates_the_token_after_testing_it_and_a_used_connection_is_not_removed() {
    let sim = Sim::start(&["--no-rate-limit", "--token", STDIN_SECRET]);
    let (_t, data) = data_dir();
    add(&data, &sim, "shop", T1);
    let out = lsb(
        &data,
        &["source", "add", "--name", "store1", "--connection", "shop"],
    );
    assert_eq!(out.code, 0, "{out:?}");

    // A token the store refuses: tested, refused, nothing saved.
    let out = lsb(&data, &["connection", "set", "shop", "--token", WRONG]);
    assert_eq!(out.code, 1, "{out:?}");
    let line = out.error_line();
    assert!(
        line.contains("connection \"shop\" not changed: Test Connection of the change failed")
            && line.contains("--force"),
        "{line}"
    );
    assert_eq!(list_json(&data)[0]["token"], masked(T1));

    // The new token from stdin: tested against the store, then saved.
    let out = lsb_with(
        &data,
        &["connection", "set", "shop", "--token-stdin"],
        Run {
            stdin: Some(&format!("{STDIN_SECRET}\n")),
            ..Run::default()
        },
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout
            .contains(&format!("(token {})", masked(STDIN_SECRET)))
            && out.stdout.contains("tested: connected to "),
        "{out:?}"
    );
    let rows = list_json(&data);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["token"], masked(STDIN_SECRET));
    let out = lsb(&data, &["connection", "test", "shop", "--json"]);
    assert_eq!(out.code, 0, "the rotated token works: {out:?}");

    // --force saves even when the test fails, and says so.
    let out = lsb(
        &data,
        &["connection", "set", "shop", "--token", WRONG, "--force"],
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout.contains("saved without a passing test"),
        "{out:?}"
    );
    assert_eq!(list_json(&data)[0]["token"], masked(WRONG));
    let out = lsb(&data, &["connection", "set", "shop", "--token", T1]);
    assert_eq!(out.code, 0, "{out:?}");

    // Rename: the source follows.
    let out = lsb(&data, &["connection", "set", "shop", "--name", "main"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout.starts_with("saved connection \"main\""),
        "{out:?}"
    );
    let names: Vec<Value> = list_json(&data).iter().map(|r| r["name"].clone()).collect();
    assert_eq!(names, vec![Value::from("main")]);
    let out = lsb(&data, &["source", "show", "store1", "--json"]);
    assert_eq!(out.code, 0, "{out:?}");
    let doc: Value = serde_json::from_str(out.stdout.trim()).unwrap();
    assert_eq!(doc["source"]["connection"], "main");

    // In use: refused, naming the source; nothing removed.
    let out = lsb(&data, &["connection", "remove", "main"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(
        out.error_line(),
        "error: connection \"main\" is used by source \"store1\": give it another connection first (lsbridge source set NAME --connection OTHER), then remove it"
    );
    assert_eq!(list_json(&data).len(), 1);

    // Nothing to change, and an unknown name, are usage errors.
    let out = lsb(&data, &["connection", "set", "main"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.error_line().contains("nothing to change"));
    let out = lsb(&data, &["connection", "set", "nosuch", "--token", T1]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.error_line().contains("no connection named \"nosuch\""));
}
