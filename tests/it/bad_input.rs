//! Bad input never panics, and every error is one line that says what to fix.
//!
//! Two halves: the `lsbridge` binary given malformed prefixes, tokens and arguments (a real
//! process each time), and the API client given malformed responses by a small axum
//! server in this process (real HTTP over loopback).

use std::path::Path;
use std::process::Stdio;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use axum::body::Body;
use axum::extract::State;
use axum::http::Response;
use axum::routing::any;
use axum::Router;
use lsbridge::clock::{ManualClock, ScaledClock, SharedClock};
use lsbridge::lightspeed::client::Req;
use lsbridge::lightspeed::error::ClientNotice;
use lsbridge::lightspeed::models::{Collection, Product};
use lsbridge::lightspeed::pager::VersionPager;
use lsbridge::lightspeed::{ApiError, ApiRoot, Client, ClientOptions, RetryPolicy};
use lsbridge::secret::Token;

const BIN: &str = env!("CARGO_BIN_EXE_lsbridge");
const TOKEN: &str = "lsxs_pt_B4dInputT0kenMm3Nn6Pp9Qq2Rr5Ss8Tt1";

// ============================== the CLI ==============================================

#[derive(Debug)]
struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs `lsbridge <args>` (killed after 30 s: a simulator that wrongly accepted its
/// arguments would otherwise run forever).
fn lsb(args: &[String], env: &[(&str, &str)], stdin: Option<&str>) -> Out {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(lsb_async(args, env, stdin))
}

async fn lsb_async(args: &[String], env: &[(&str, &str)], stdin: Option<&str>) -> Out {
    let mut cmd = tokio::process::Command::new(BIN);
    cmd.args(args)
        .env_remove("LSBRIDGE_LOG")
        .env_remove("LSBRIDGE_DATA_DIR")
        .envs(env.iter().copied())
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let output = {
        use tokio::io::AsyncWriteExt;
        let mut child = cmd.spawn().expect("spawn lsbridge");
        if let Some(input) = stdin {
            let mut w = child.stdin.take().expect("stdin");
            w.write_all(input.as_bytes()).await.expect("write stdin");
        }
        tokio::time::timeout(Duration::from_secs(30), child.wait_with_output())
            .await
            .unwrap_or_else(|_| panic!("lsbridge {args:?} still running after 30 s"))
            .expect("wait")
    };
    Out {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// One malformed command line: the exit code it must end with and the words of its one
/// stderr line that tell the user what to fix.
struct Case {
    what: &'static str,
    args: Vec<String>,
    code: i32,
    says: &'static [&'static str],
}

fn case(what: &'static str, args: Vec<String>, code: i32, says: &'static [&'static str]) -> Case {
    Case {
        what,
        args,
        code,
        says,
    }
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn assert_one_error_line(what: &str, out: &Out, code: i32, says: &[&str]) {
    assert_ne!(out.code, 101, "{what}: panicked: {out:?}");
    assert!(
        !out.stderr.contains("panicked"),
        "{what}: panicked: {out:?}"
    );
    assert_eq!(out.code, code, "{what}: exit code: {out:?}");
    assert!(out.stdout.is_empty(), "{what}: stdout: {out:?}");
    let lines: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(
        lines.len(),
        1,
        "{what}: not one stderr line: {:?}",
        out.stderr
    );
    assert!(
        lines[0].starts_with("error: "),
        "{what}: not an error line: {:?}",
        lines[0]
    );
    for s in says {
        assert!(
            lines[0].contains(s),
            "{what}: the line does not say {s:?}: {:?}",
            lines[0]
        );
    }
    assert!(!out.stderr.contains(TOKEN), "{what}: the token was printed");
}

fn add_args(data: &Path, prefix: &str, token: &str, extra: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = [
        "--data-dir",
        &data.to_string_lossy(),
        "connection",
        "add",
        "--name",
        "shop",
        "--domain-prefix",
        prefix,
        "--token",
        token,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    v.extend(extra.iter().map(|s| s.to_string()));
    v
}

fn sim_args(extra: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = vec!["sim".into()];
    // A free port unless the case is about the port, so a wrongly accepted simulator
    // would not collide with anything (it would hit the 30 s guard instead).
    if !extra.contains(&"--port") {
        v.extend(["--port".into(), "0".into()]);
    }
    v.extend(extra.iter().map(|s| s.to_string()));
    v
}

const PREFIX_FIX: &[&str] = &[
    "is not a domain prefix: expected the XXX of https://XXX.retail.lightspeed.app, e.g. mystore",
];
const TOKEN_EMPTY: &[&str] =
    &["the personal token is empty: paste the token from Lightspeed (Setup → Personal Tokens)"];
const TOKEN_CHARS: &[&str] =
    &["contains spaces or control characters: paste only the token itself"];
const ENV_NAME: &[&str] = &[
    "\"env:\" must be followed by an environment variable name of letters, digits and _ only",
    "e.g. env:LIGHTSPEED_TOKEN",
];
const TIME_SCALE: &[&str] = &["--time-scale must be a number above 0 and at most 100000"];

#[test]
fn malformed_command_lines_are_one_clear_line() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let data = tmp.path().join("data");
    let file = tmp.path().join("a-file");
    std::fs::write(&file, "not a dir").expect("write file");
    let long = "x".repeat(64);
    let ok = |p: &str| add_args(&data, p, TOKEN, &[]);

    let add = |token: &str, extra: &[&str]| add_args(&data, "harborpine", token, extra);
    let named = |name: &str| {
        let mut a = add("lsxs_pt_abcdefghijkl", &[]);
        a[5] = name.to_string();
        a
    };
    let in_dir = |dir: &Path, rest: &[&str]| {
        let mut a = strings(&["--data-dir", &dir.to_string_lossy()]);
        a.extend(strings(rest));
        a
    };
    let mut cases = vec![
        // Domain prefixes.
        case("empty prefix", ok(""), 2, PREFIX_FIX),
        case("blank prefix", ok("   "), 2, PREFIX_FIX),
        case("prefix with a space", ok("my store"), 2, PREFIX_FIX),
        case("unicode prefix", ok("ümlaut"), 2, PREFIX_FIX),
        case("64-char prefix", ok(&long), 2, PREFIX_FIX),
        case(
            "URL of another host",
            ok("https://evil.example.com/"),
            2,
            PREFIX_FIX,
        ),
        case("leading dash", ok("-abc"), 2, PREFIX_FIX),
        case("dotted prefix", ok("harbor.pine"), 2, PREFIX_FIX),
        // Tokens.
        case("empty token", add("", &[]), 2, TOKEN_EMPTY),
        case(
            "token with a space",
            add("lsxs_pt_abc def", &[]),
            2,
            TOKEN_CHARS,
        ),
        case(
            "token with a tab",
            add("lsxs_pt_abc\tdef", &[]),
            2,
            TOKEN_CHARS,
        ),
        case("env: without a name", add("env:", &[]), 2, ENV_NAME),
        case(
            "env: with a bad name",
            add("env:BAD-NAME", &[]),
            2,
            ENV_NAME,
        ),
        // Other connection arguments.
        case(
            "API version 2026-13",
            add(TOKEN, &["--api-version", "2026-13"]),
            2,
            &["\"2026-13\" is not an API version: expected a date version such as 2026-07"],
        ),
        case(
            "plain http to a non-loopback host",
            add(TOKEN, &["--api-root", "http://10.1.2.3"]),
            2,
            &[
                "plain http is only allowed to loopback",
                "use https for http://10.1.2.3",
            ],
        ),
        case(
            "ftp API root",
            add(TOKEN, &["--api-root", "ftp://x"]),
            2,
            &["\"ftp://x\" is not a URL: expected e.g. http://127.0.0.1:7878"],
        ),
        case(
            "empty name",
            named(""),
            2,
            &["a connection needs a name: pass --name"],
        ),
        case(
            "name with a control character",
            named("sh\u{7}op"),
            2,
            &["use up to 64 printable characters"],
        ),
        // Parsing.
        case(
            "unknown subcommand",
            strings(&["frobnicate"]),
            2,
            &[
                "unrecognized subcommand 'frobnicate'",
                "see lsbridge --help",
            ],
        ),
        case(
            "unknown flag",
            strings(&["connection", "list", "--jsn"]),
            2,
            &[
                "unexpected argument '--jsn' found",
                "a similar argument exists: '--json'",
            ],
        ),
        case(
            "missing required flag",
            strings(&["connection", "add", "--name", "x", "--token", "t"]),
            2,
            &["required arguments were not provided: --domain-prefix"],
        ),
        case(
            "non-numeric timeout",
            in_dir(&data, &["connection", "test", "shop", "--timeout", "soon"]),
            2,
            &["invalid value 'soon' for '--timeout <TIMEOUT>'"],
        ),
        case(
            "log level loud",
            in_dir(&data, &["--log-level", "loud", "connection", "list"]),
            2,
            &["log level \"loud\" is not one of error, warn, info, debug, trace"],
        ),
        case(
            "data dir is a regular file",
            in_dir(&file, &["connection", "list"]),
            2,
            &["is a file, not a directory: pass --data-dir with a directory"],
        ),
        case(
            "data dir under a regular file",
            in_dir(&file.join("sub"), &["connection", "list"]),
            2,
            &["which is a file: pass --data-dir with a directory"],
        ),
        case(
            "test of an unknown connection",
            in_dir(&data, &["connection", "test", "nosuch"]),
            2,
            &["no connection named \"nosuch\": see lsbridge connection list"],
        ),
        // The simulator's arguments.
        case(
            "synthetic:abc",
            sim_args(&["--store", "synthetic:abc"]),
            2,
            &["expected synthetic:N[:SEED] with N a whole number, e.g. synthetic:10000"],
        ),
        case(
            "store nonsense",
            sim_args(&["--store", "nonsense"]),
            2,
            &["use demo, empty, synthetic:N[:SEED] or dir:PATH"],
        ),
        case(
            "p_5xx=2",
            sim_args(&["--faults", "p_5xx=2"]),
            2,
            &["p_5xx=2: expected a probability between 0 and 1"],
        ),
        case(
            "bogus fault",
            sim_args(&["--faults", "bogus=1"]),
            2,
            &["unknown fault \"bogus\": use latency_ms, p_5xx"],
        ),
        case(
            "fault without a value",
            sim_args(&["--faults", "p_5xx"]),
            2,
            &["expected key=value, e.g. p_5xx=0.1"],
        ),
        case(
            "time scale 0",
            sim_args(&["--time-scale", "0"]),
            2,
            TIME_SCALE,
        ),
        case(
            "time scale nan",
            sim_args(&["--time-scale", "nan"]),
            2,
            TIME_SCALE,
        ),
        case(
            "time scale -1",
            sim_args(&["--time-scale", "-1"]),
            2,
            TIME_SCALE,
        ),
        case(
            "port 99999",
            sim_args(&["--port", "99999"]),
            2,
            &["invalid value '99999' for '--port <PORT>': 99999 is not in 0..=65535"],
        ),
        case(
            "bind not-an-ip",
            sim_args(&["--bind", "not-an-ip"]),
            2,
            &["--bind \"not-an-ip\" is not an IP address: use e.g. 127.0.0.1"],
        ),
        case(
            "duplicate-sale maybe",
            sim_args(&["--duplicate-sale", "maybe"]),
            2,
            &["invalid value 'maybe' for '--duplicate-sale <DUPLICATE_SALE>' [possible values: update, conflict, existing]"],
        ),
        case(
            "rate-scope x",
            sim_args(&["--rate-scope", "x"]),
            2,
            &["invalid value 'x' for '--rate-scope <RATE_SCOPE>' [possible values: per-token, per-store]"],
        ),
        case(
            "sim token without a value",
            sim_args(&["--token", "=products:read"]),
            2,
            &["--token needs a value: TOKEN or TOKEN=scope1,scope2"],
        ),
        // Numeric arguments have ranges: refused by the parser, before anything runs.
        case(
            "bench page size 0",
            strings(&["bench", "primary", "--page-size", "0"]),
            2,
            &["invalid value '0' for '--page-size <PAGE_SIZE>': 0 is not in 1..=10000"],
        ),
        case(
            "bench products 0",
            strings(&["bench", "primary", "--products", "0"]),
            2,
            &["0 is not in 1..=10000000"],
        ),
        case(
            "sim page cap 0",
            sim_args(&["--page-cap", "0"]),
            2,
            &["0 is not in 1..=1000000"],
        ),
        case(
            "sim rate limit 0",
            sim_args(&["--rate-limit", "0"]),
            2,
            &["0 is not in 1..=1000000000"],
        ),
        case(
            "runs limit 0",
            in_dir(&data, &["runs", "--limit", "0"]),
            2,
            &["0 is not in 1..=1000000"],
        ),
        case(
            "connection test timeout 0",
            in_dir(&data, &["connection", "test", "shop", "--timeout", "0"]),
            2,
            &["0 is not in 1..=3600"],
        ),
        case(
            "hold hours past a year",
            in_dir(&data, &["source", "set", "x", "--hold-hours", "4294967295"]),
            2,
            &["4294967295 is not in 0..=8760"],
        ),
        case(
            "daemon stop timeout past a day",
            in_dir(&data, &["daemon", "--stop-timeout", "18446744073709551615"]),
            2,
            &["is not in 0..=86400"],
        ),
        case(
            "dry-run diffs past the range",
            in_dir(
                &data,
                &["run", "primary", "--source", "x", "--diffs", "99999999999"],
            ),
            2,
            &["99999999999 is not in 0..=100000"],
        ),
    ];

    // `--token -` with nothing on stdin.
    let out = lsb(&add("-", &[]), &[], Some(""));
    assert_one_error_line("empty stdin token", &out, 2, TOKEN_EMPTY);

    // `env:VAR` naming an unset variable: accepted when added, one line when used.
    let out = lsb(&add("env:LSB_SURELY_UNSET_VAR", &[]), &[], None);
    assert_eq!(out.code, 0, "{out:?}");
    let out = lsb(&in_dir(&data, &["connection", "test", "shop"]), &[], None);
    assert_one_error_line(
        "unset env var at test time",
        &out,
        1,
        &[
            "env:LSB_SURELY_UNSET_VAR names no set environment variable",
            "export LSB_SURELY_UNSET_VAR=<token> first",
        ],
    );
    let out = lsb(&in_dir(&data, &["connection", "remove", "shop"]), &[], None);
    assert_eq!(out.code, 0, "{out:?}");

    let n = cases.len() + 2;
    for c in cases.drain(..) {
        let out = lsb(&c.args, &[], None);
        assert_one_error_line(c.what, &out, c.code, c.says);
    }
    assert!(n >= 25, "{n} malformed command lines");

    // Nothing malformed was saved.
    let out = lsb(&in_dir(&data, &["connection", "list", "--json"]), &[], None);
    assert_eq!((out.code, out.stdout.trim()), (0, "[]"), "{out:?}");
}

/// Issue 16 item 6: every input limit, through the commands a user types. Each case ends
/// with exit 2 and one line saying what to fix, and nothing is stored: the lists read the
/// same afterwards as before.
#[test]
fn input_limits_are_one_line_exit_2_and_nothing_stored() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let data = tmp.path().join("data");
    let d = data.to_string_lossy().into_owned();
    let at = |rest: &[&str]| {
        let mut a = strings(&["--data-dir", &d]);
        a.extend(strings(rest));
        a
    };
    let run = |args: &[String]| lsb(args, &[], None);
    let out = run(&at(&["source", "add", "--name", "harbor"]));
    assert_eq!(out.code, 0, "{out:?}");
    let file = |name: &str, text: &str| {
        let p = tmp.path().join(name);
        std::fs::write(&p, text).expect("write");
        p.to_string_lossy().into_owned()
    };
    let fr_json = |name: &str, number: &str, extra: &str, item: &str| {
        file(
            name,
            &format!(r#"[{{"number": {number}, {extra} "items": [{item}]}}]"#),
        )
    };
    let item = |sku: &str, q: &str, p: &str| {
        format!(r#"{{"sku": {sku}, "quantity": {q}, "unit_price": {p}}}"#)
    };
    let mug = item("\"HP-MUG\"", "1", "2");
    let mb = "x".repeat(1 << 20);
    let import = |path: String| at(&["fr", "import", &path, "--source", "harbor"]);

    // What the lists say before: nothing must change.
    let lists = [
        at(&["fr", "list", "--json"]),
        at(&["connection", "list", "--json"]),
        at(&["mapping-set", "list"]),
        at(&["template", "list"]),
        at(&["source", "show", "harbor", "--json"]),
    ];
    let snapshot = || -> Vec<String> {
        lists
            .iter()
            .map(|a| {
                let o = run(a);
                assert_eq!(o.code, 0, "{a:?}: {o:?}");
                o.stdout
            })
            .collect()
    };
    let before = snapshot();
    assert_eq!(before[0].trim(), "[]");
    assert_eq!(before[1].trim(), "[]");

    let template_name = before[3]
        .lines()
        .next()
        .and_then(|l| l.split("  [").next())
        .expect("a starter template")
        .to_string();
    let exported = run(&at(&["template", "export", &template_name]));
    assert_eq!(exported.code, 0, "{exported:?}");
    let config = run(&at(&["config", "export"]));
    assert_eq!(config.code, 0, "{config:?}");

    let cases = vec![
        // FR numbers.
        case(
            "FR number of 51 characters",
            import(fr_json("n51.json", &format!("\"{}\"", "N".repeat(51)), "", &mug)),
            2,
            &["FR number is 51 characters long: the maximum is 50"],
        ),
        case(
            "FR number with a right-to-left override",
            import(fr_json("rlo.json", "\"WEB-\u{202E}1001\"", "", &mug)),
            2,
            &["FR number has an invisible formatting character (U+202E"],
        ),
        case(
            "FR number with a left-to-right isolate",
            import(fr_json("lri.json", "\"WEB-\u{2066}1001\"", "", &mug)),
            2,
            &["(U+2066"],
        ),
        // SKUs.
        case(
            "SKU of 256 characters",
            import(fr_json(
                "sku256.json",
                "\"S-1\"",
                "",
                &item(&format!("\"{}\"", "S".repeat(256)), "1", "2"),
            )),
            2,
            &["item 1: SKU \"SSSS", "(256 chars) is longer than 255 characters"],
        ),
        case(
            "SKU of 1 MB",
            import(fr_json(
                "sku1mb.json",
                "\"S-2\"",
                "",
                &item(&format!("\"{mb}\""), "1", "2"),
            )),
            2,
            &["item 1: SKU \"xxxx", "(1048576 chars) is longer than 255 characters"],
        ),
        case(
            "SKU with a line break and commas",
            import(file(
                "sku-newline.csv",
                "fr_number,sku,quantity,unit_price\nS-3,\"A\nB,C\",1,2\n",
            )),
            2,
            &["FR S-3: SKU has control characters (tabs, line breaks): remove them"],
        ),
        // Free text.
        case(
            "address line of 1 MB",
            import(fr_json(
                "addr.json",
                "\"T-1\"",
                &format!(r#""billing": {{"address_line_1": "{mb}"}},"#),
                &mug,
            )),
            2,
            &["billing.address_line_1 is 1048576 characters long: the maximum is 1000"],
        ),
        case(
            "shipping name of 1001 characters in a CSV",
            import(file(
                "name.csv",
                &format!(
                    "fr_number,sku,quantity,unit_price,shipping_full_name\nT-2,HP-MUG,1,2,{}\n",
                    "n".repeat(1001)
                ),
            )),
            2,
            &["shipping_full_name is 1001 characters long: the maximum is 1000"],
        ),
        case(
            "payment method of 1001 characters",
            import(fr_json(
                "pay.json",
                "\"T-3\"",
                &format!(r#""payment_method": "{}","#, "p".repeat(1001)),
                &mug,
            )),
            2,
            &["payment_method is 1001 characters long"],
        ),
        case(
            "cancel reason of 1001 characters",
            at(&[
                "fr",
                "cancel",
                "T-4",
                "--source",
                "harbor",
                "--reason",
                &"r".repeat(1001),
            ]),
            2,
            &["--reason is 1001 characters long: the maximum is 1000"],
        ),
        // Quantities and money.
        case(
            "quantity 1e26",
            import(fr_json("q.json", "\"Q-1\"", "", &item("\"HP-MUG\"", "1e26", "2"))),
            2,
            &["quantity 1e+26 is out of range: use a number above 0 and at most 1000000000"],
        ),
        case(
            "quantity inf in a CSV",
            import(file(
                "q.csv",
                "fr_number,sku,quantity,unit_price\nQ-2,HP-MUG,inf,2\n",
            )),
            2,
            &["quantity \"inf\" is not a positive number"],
        ),
        case(
            "quantity that is 0 at 4 decimal places",
            import(fr_json("q0.json", "\"Q-3\"", "", &item("\"HP-MUG\"", "0.00004", "2"))),
            2,
            &["quantity 0.00004 is 0 at 4 decimal places"],
        ),
        case(
            "unit price above 1e9",
            import(fr_json("p.json", "\"Q-4\"", "", &item("\"HP-MUG\"", "1", "1e10"))),
            2,
            &["is out of range: use an amount from 0 to 1000000000"],
        ),
        case(
            "tax above 1e9",
            import(fr_json("tax.json", "\"Q-5\"", r#""tax": "1000000000.01","#, &mug)),
            2,
            &["tax \"1000000000.01\" is out of range"],
        ),
        // URLs.
        case(
            "API root with user and password",
            add_args(
                &data,
                "harborpine",
                TOKEN,
                &["--api-root", "http://user:secret@127.0.0.1:7878"],
            ),
            2,
            &["the API root http://127.0.0.1:7878 must not carry a user name or password"],
        ),
        case(
            "API root with a user name",
            add_args(
                &data,
                "harborpine",
                TOKEN,
                &["--api-root", "https://admin@proxy.example.com/"],
            ),
            2,
            &["the API root https://proxy.example.com must not carry a user name or password"],
        ),
        case(
            "API root with user-info in a config file",
            at(&[
                "config",
                "import",
                &file(
                    "conn.toml",
                    "[[connections]]\nname = \"c\"\ndomain_prefix = \"harborpine\"\napi_version = \"2026-07\"\napi_root = \"http://u:secret@127.0.0.1:9\"\ntoken = \"env:LS_TOKEN\"\n",
                ),
            ]),
            2,
            &["connection \"c\": the API root http://127.0.0.1:9 must not carry"],
        ),
        // Empty values.
        case(
            "empty log level",
            at(&["--log-level", "", "connection", "list"]),
            2,
            &["--log-level is empty: give one of error, warn, info, debug, trace"],
        ),
        case(
            "log level of a comma",
            at(&["--log-level", ",debug", "connection", "list"]),
            2,
            &["log level \",debug\" is not one of error, warn, info, debug, trace"],
        ),
        case(
            "empty mapping-set name",
            at(&["mapping-set", "import", "", &file("set.csv", "a,b\n")]),
            2,
            &["a mapping set needs a name: give one, e.g. brands"],
        ),
        case(
            "blank mapping-set name in a config file",
            at(&[
                "config",
                "import",
                &file(
                    "set.toml",
                    "[[mapping_sets]]\nname = \"\"\n\n[[mapping_sets.rows]]\nfrom = \"a\"\nto = \"b\"\n",
                ),
            ]),
            2,
            &["a mapping set needs a name"],
        ),
        // Unknown keys.
        case(
            "config file with a misspelt key",
            at(&[
                "config",
                "import",
                &file(
                    "typo.toml",
                    &config.stdout.replacen("fulfills_orders", "fulfils_orders", 1),
                ),
            ]),
            2,
            &[
                "the config has an unknown key sources[0].fulfils_orders (line ",
                "pass --allow-unknown to ignore it; nothing imported",
            ],
        ),
        case(
            "template file with an unknown key",
            at(&[
                "template",
                "import",
                &file("tpl.toml", &format!("colour = \"blue\"\n{}", exported.stdout)),
            ]),
            2,
            &["tpl.toml: the template has an unknown key colour (line 1)"],
        ),
    ];
    let n = cases.len();
    for c in cases {
        let out = run(&c.args);
        assert_one_error_line(c.what, &out, c.code, c.says);
        assert!(
            out.stderr.chars().count() < 1200,
            "{}: a {} character line",
            c.what,
            out.stderr.chars().count()
        );
        assert!(!out.stderr.contains("secret"), "{}: {out:?}", c.what);
    }
    assert!(n >= 20, "{n} cases");
    // Source settings are refused by the one source validation, which lists each wrong
    // setting on its own line before its "nothing saved" line.
    let out = run(&at(&[
        "source",
        "set",
        "harbor",
        "--ship-from-address",
        &"a".repeat(1001),
    ]));
    assert_eq!(out.code, 2, "{out:?}");
    assert_eq!(
        out.stderr.lines().next(),
        Some("error: Ship From Address is 1001 characters long: the maximum is 1000; shorten it (--ship-from-address)"),
        "{out:?}"
    );
    assert_eq!(snapshot(), before, "something was stored");

    // The same files pass with --allow-unknown (and the key is named), so the refusal was
    // about the key alone.
    let out = run(&at(&[
        "template",
        "import",
        &tmp.path().join("tpl.toml").to_string_lossy(),
        "--allow-unknown",
    ]));
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stderr
            .contains("note: ignored unknown key colour (line 1)"),
        "{out:?}"
    );
}

/// The `--json` failure document: one line on stdout that parses, `ok: false`, the same
/// error as the stderr line and the same exit code as without `--json`.
fn assert_json_failure(what: &str, plain: &Out, json: &Out) -> serde_json::Value {
    assert_ne!(plain.code, 0, "{what}: did not fail: {plain:?}");
    assert_eq!(
        json.code, plain.code,
        "{what}: exit code with --json: {json:?}"
    );
    let lines: Vec<&str> = json.stdout.lines().collect();
    assert_eq!(lines.len(), 1, "{what}: not one stdout line: {json:?}");
    let doc: serde_json::Value = serde_json::from_str(lines[0])
        .unwrap_or_else(|e| panic!("{what}: stdout is not JSON ({e}): {json:?}"));
    let err_line = json.stderr.trim_end();
    assert_eq!(err_line.lines().count(), 1, "{what}: {json:?}");
    assert_eq!(doc["ok"], false, "{what}: {doc}");
    assert_eq!(
        doc["error"]
            .as_str()
            .map(|e| format!("error: {e}"))
            .as_deref(),
        Some(err_line),
        "{what}: the document's error is the stderr line"
    );
    assert_eq!(doc["exit_code"], json.code, "{what}: {doc}");
    // Digits masked: a "rate limited until" time moves between the two runs.
    let masked = |s: &str| -> String {
        s.chars()
            .map(|c| if c.is_ascii_digit() { '#' } else { c })
            .collect()
    };
    assert_eq!(
        masked(&json.stderr),
        masked(&plain.stderr),
        "{what}: stderr differs with --json"
    );
    doc
}

/// Issue 16 item 4: every command that takes `--json` prints one JSON document on stdout when
/// it fails too, with the exit code it has without `--json`.
#[test]
fn json_commands_print_one_document_on_failure() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let data = tmp.path().join("data");
    let d = data.to_string_lossy().into_owned();
    let file = tmp.path().join("a-file");
    std::fs::write(&file, "not a dir").expect("write");
    let f = file.to_string_lossy().into_owned();
    let at = |dir: &str, rest: &[&str]| {
        let mut a = strings(&["--data-dir", dir]);
        a.extend(strings(rest));
        a
    };
    let ok = |args: Vec<String>| {
        let out = lsb(&args, &[], None);
        assert_eq!(out.code, 0, "{args:?}: {out:?}");
    };
    ok(at(&d, &["source", "add", "--name", "harbor"]));
    // A connection to a port nothing listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr");
    let mut add = add_args(&data, "harborpine", TOKEN, &[]);
    add.extend(strings(&["--api-root", &format!("http://{closed}")]));
    ok(add);
    ok(at(
        &d,
        &["source", "add", "--name", "linked", "--connection", "shop"],
    ));

    let cases: Vec<(&str, Vec<String>, i32)> = vec![
        (
            "connection list, data dir a file",
            at(&f, &["connection", "list"]),
            2,
        ),
        (
            "connection test of no connection",
            at(&d, &["connection", "test", "nosuch"]),
            2,
        ),
        (
            "connection test, store unreachable",
            at(&d, &["connection", "test", "shop", "--timeout", "10"]),
            1,
        ),
        (
            "source list, data dir a file",
            at(&f, &["source", "list"]),
            2,
        ),
        (
            "source show of no source",
            at(&d, &["source", "show", "nosuch"]),
            2,
        ),
        (
            "source options of no source",
            at(&d, &["source", "options", "nosuch"]),
            2,
        ),
        (
            "source options, store unreachable",
            at(&d, &["source", "options", "linked"]),
            1,
        ),
        (
            "fr list with a bad status",
            at(&d, &["fr", "list", "--status", "shipped"]),
            2,
        ),
        (
            "fr list of no source",
            at(&d, &["fr", "list", "--source", "nosuch"]),
            2,
        ),
        (
            "fr show of no FR",
            at(&d, &["fr", "show", "X-1", "--source", "harbor"]),
            2,
        ),
        ("an unknown flag", at(&d, &["fr", "list", "--bogus"]), 2),
        (
            "empty log level",
            at(&d, &["--log-level", "", "source", "list"]),
            2,
        ),
    ];
    for (what, args, code) in cases {
        let plain = lsb(&args, &[], None);
        assert_eq!(plain.code, code, "{what}: {plain:?}");
        let mut json_args = args.clone();
        json_args.push("--json".into());
        let json = lsb(&json_args, &[], None);
        assert_json_failure(what, &plain, &json);
        assert!(plain.stdout.is_empty(), "{what}: {plain:?}");
    }
}

/// A server that accepts connections and never answers.
async fn silent_server() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((sock, _)) = listener.accept().await {
            held.push(sock);
        }
    });
    format!("http://{addr}")
}

/// Issue 16 item 6, timeouts: a store that keeps answering 429 is "rate limited until …",
/// one that does not answer is a timeout, never one as the other; with `--json` too.
#[tokio::test]
async fn connection_test_tells_rate_limited_from_timed_out() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let data = tmp.path().join("data").to_string_lossy().into_owned();
    let too_many = |retry_after: &str| {
        let mut r = reply(429, r#"{"error":"Too Many Requests"}"#);
        r.headers.push(("retry-after", retry_after.to_string()));
        r
    };
    let (stream, stream_hits) = serve(vec![too_many("1")]).await;
    let (long, long_hits) = serve(vec![too_many("120")]).await;
    let silent = silent_server().await;
    for (name, origin) in [("stream", &stream), ("long", &long), ("silent", &silent)] {
        let args = strings(&[
            "--data-dir",
            &data,
            "connection",
            "add",
            "--name",
            name,
            "--domain-prefix",
            "harborpine",
            "--token",
            TOKEN,
            "--api-root",
            origin,
        ]);
        let out = lsb_async(&args, &[], None).await;
        assert_eq!(out.code, 0, "{out:?}");
    }
    let test = |name: &str, timeout: &str, json: bool| {
        let mut a = strings(&[
            "--data-dir",
            &data,
            "connection",
            "test",
            name,
            "--timeout",
            timeout,
        ]);
        if json {
            a.push("--json".into());
        }
        a
    };
    // A stream of 429s with Retry-After: 1, for longer than the timeout.
    let out = lsb_async(&test("stream", "3", false), &[], None).await;
    assert_one_error_line(
        "stream of 429s",
        &out,
        1,
        &[
            "connection \"stream\": rate limited until ",
            " UTC: the store at http://127.0.0.1:",
            "answered, but its rate limit holds requests until then and 3s were up",
        ],
    );
    assert!(
        !out.stderr.contains("no answer") && !out.stderr.contains("timed out"),
        "{out:?}"
    );
    assert!(
        stream_hits.load(Ordering::SeqCst) >= 2,
        "the store answered more than once"
    );
    let json = lsb_async(&test("stream", "3", true), &[], None).await;
    let doc = assert_json_failure("stream of 429s", &out, &json);
    assert!(
        doc["error"]
            .as_str()
            .is_some_and(|e| e.contains("rate limited until")),
        "{doc}"
    );

    // One 429 that asks for two minutes: rate limited until then, said at once when the time is up.
    let started = Instant::now();
    let out = lsb_async(&test("long", "1", false), &[], None).await;
    assert_one_error_line("long Retry-After", &out, 1, &["rate limited until "]);
    let until = chrono::Utc::now() + chrono::Duration::seconds(118);
    let shown = until.format("%H:%M").to_string();
    assert!(
        out.stderr.contains(&shown)
            || out.stderr.contains(
                &(until + chrono::Duration::seconds(60))
                    .format("%H:%M")
                    .to_string()
            ),
        "{shown}: {out:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(long_hits.load(Ordering::SeqCst), 1, "held, not retried");

    // A store that accepts and never answers: a timeout.
    let out = lsb_async(&test("silent", "1", false), &[], None).await;
    assert_one_error_line("silent store", &out, 1, &["timed out"]);
    assert!(!out.stderr.contains("rate limited"), "{out:?}");
    let json = lsb_async(&test("silent", "1", true), &[], None).await;
    assert_json_failure("silent store", &out, &json);
}

// ============================== API responses ========================================

/// One canned answer.
#[derive(Clone)]
struct Reply {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
}

fn reply(status: u16, body: &str) -> Reply {
    Reply {
        status,
        headers: vec![("content-type", "application/json".into())],
        body: body.as_bytes().to_vec(),
    }
}

#[derive(Clone)]
struct Canned {
    replies: Arc<Vec<Reply>>,
    hits: Arc<AtomicUsize>,
}

/// Answers the n-th request under `/api/2026-07/` with `replies[n]` (the last one again
/// once they run out).
async fn answer(State(c): State<Canned>) -> Response<Body> {
    let i = c.hits.fetch_add(1, Ordering::SeqCst);
    let r = &c.replies[i.min(c.replies.len() - 1)];
    let mut b = Response::builder().status(r.status);
    for (k, v) in &r.headers {
        b = b.header(*k, v.as_str());
    }
    b.body(Body::from(r.body.clone())).expect("response")
}

/// A server on 127.0.0.1:0 that answers with `replies`; returns its origin and hit count.
async fn serve(replies: Vec<Reply>) -> (String, Arc<AtomicUsize>) {
    let canned = Canned {
        replies: Arc::new(replies),
        hits: Arc::new(AtomicUsize::new(0)),
    };
    let hits = canned.hits.clone();
    let app = Router::new()
        .route("/api/2026-07/{*rest}", any(answer))
        .with_state(canned);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}"), hits)
}

fn client_with(
    origin: &str,
    clock: SharedClock,
    notices: Option<tokio::sync::mpsc::UnboundedSender<ClientNotice>>,
) -> Client {
    let opts = ClientOptions {
        retry: RetryPolicy {
            max_attempts: 3,
            base: Duration::from_millis(1),
            max_delay: Duration::from_millis(5),
        },
        timeout: Duration::from_secs(10),
        clock,
        notices,
        ..ClientOptions::default()
    };
    Client::new(
        ApiRoot::with_origin(origin, "2026-07").expect("loopback origin"),
        Token::parse(TOKEN).expect("token"),
        opts,
    )
    .expect("client")
}

fn fast_clock() -> SharedClock {
    Arc::new(ScaledClock::new(SystemTime::now(), 1000.0))
}

/// `GET /products` against a server answering `replies`, in its own task so a panic in
/// the client would surface as a panic here rather than abort the test binary.
async fn get_products(replies: Vec<Reply>) -> (Result<Collection<Product>, ApiError>, usize) {
    let (origin, hits) = serve(replies).await;
    let client = client_with(&origin, fast_clock(), None);
    let r = tokio::spawn(async move {
        client
            .call::<Collection<Product>>(Req::get("/products").query("page_size", 5))
            .await
    })
    .await;
    match r {
        Ok(r) => (r, hits.load(Ordering::SeqCst)),
        Err(e) => panic!("the client panicked: {e}"),
    }
}

/// The error's Display is one line, with every phrase in `says`.
fn assert_one_line(what: &str, e: &ApiError, says: &[&str]) {
    let msg = e.to_string();
    assert!(
        !msg.contains('\n') && !msg.contains('\r'),
        "{what}: the message is not one line: {msg:?}"
    );
    for s in says {
        assert!(
            msg.contains(s),
            "{what}: the message does not say {s:?}: {msg:?}"
        );
    }
}

const PRODUCT: &str =
    r#"{"id":"p1","name":"Tee","sku":"T-1","version":10,"price_excluding_tax":"22.50"}"#;

/// 2xx bodies that are not the expected JSON: retried (the request is idempotent), then
/// `BadResponse` naming the request, the attempts and what was wrong.
#[tokio::test]
async fn unreadable_bodies_are_bad_response_after_retries() {
    let html = "<html>\n<head><title>502 Bad Gateway</title></head>\n<body>\n<center><h1>502 Bad Gateway</h1></center>\n</body>\n</html>\n";
    let cases: Vec<(&str, Reply, &str)> = vec![
        (
            "malformed JSON",
            reply(200, r#"{"data": [ {"id": <html>502</html>"#),
            "expected value",
        ),
        (
            "truncated JSON",
            reply(200, r#"{"data":[{"id":"p1","name":"Te"#),
            "EOF while parsing",
        ),
        ("HTML page with 200", reply(200, html), "expected value"),
        ("empty 200 body", reply(200, ""), "EOF while parsing"),
        (
            "data is a string",
            reply(200, r#"{"data": "oops"}"#),
            "invalid type: string \"oops\"",
        ),
        (
            "price is not a number",
            reply(
                200,
                r#"{"data":[{"id":"p1","price_excluding_tax":"abc","version":1}]}"#,
            ),
            "expected a number, got \"abc\"",
        ),
        (
            "version of the wrong type",
            reply(200, r#"{"data":[{"id":"p1","version":{"n":1}}]}"#),
            "invalid type: map, expected a version number",
        ),
        (
            "version range not a number",
            reply(
                200,
                &format!(r#"{{"data":[{PRODUCT}], "version": {{"min": "x", "max": 10}}}}"#),
            ),
            "invalid type: string \"x\"",
        ),
    ];
    for (what, r, detail) in cases {
        let (res, hits) = get_products(vec![r]).await;
        match &res {
            Err(
                e @ ApiError::BadResponse {
                    method,
                    path,
                    attempts,
                    detail: d,
                },
            ) => {
                assert_eq!(
                    (method.as_str(), path.as_str(), *attempts),
                    ("GET", "/products", 3),
                    "{what}"
                );
                assert!(d.contains(detail), "{what}: detail {d:?} lacks {detail:?}");
                assert_one_line(
                    what,
                    e,
                    &["GET /products", "is not the expected JSON after 3 attempts"],
                );
            }
            other => panic!("{what}: expected BadResponse, got {other:?}"),
        }
        assert_eq!(hits, 3, "{what}: tried max_attempts times");
    }
}

/// Error statuses: 5xx retried then `Server`; 401 and 403 not retried, each with the fix.
#[tokio::test]
async fn error_statuses_say_what_to_do() {
    let html_502 = Reply {
        status: 502,
        headers: vec![("content-type", "text/html".into())],
        body: b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
            .to_vec(),
    };
    let (res, hits) = get_products(vec![html_502]).await;
    match &res {
        Err(
            e @ ApiError::Server {
                status: 502,
                attempts: 3,
                ..
            },
        ) => {
            assert_one_line(
                "HTML 502",
                e,
                &[
                    "GET /products failed with 502 after 3 attempts",
                    "502 Bad Gateway",
                ],
            );
        }
        other => panic!("HTML 502: expected Server, got {other:?}"),
    }
    assert_eq!(hits, 3);

    let text_500 = Reply {
        status: 500,
        headers: vec![("content-type", "text/plain".into())],
        body: b"Internal Server Error".to_vec(),
    };
    let (res, hits) = get_products(vec![text_500]).await;
    match &res {
        Err(
            e @ ApiError::Server {
                status: 500,
                attempts: 3,
                ..
            },
        ) => {
            assert_one_line(
                "text 500",
                e,
                &["failed with 500 after 3 attempts", "Internal Server Error"],
            );
        }
        other => panic!("text 500: expected Server, got {other:?}"),
    }
    assert_eq!(hits, 3);

    let (res, hits) =
        get_products(vec![reply(401, r#"{"error":"Access token is not valid"}"#)]).await;
    match &res {
        Err(e @ ApiError::Unauthorized { detail }) => {
            assert_eq!(detail, "Access token is not valid");
            assert_one_line("401", e, &[
                "the store rejected the personal token (401: Access token is not valid)",
                "generate a new token in Lightspeed (Setup → Personal Tokens) and update the connection",
            ]);
            assert!(!e.to_string().contains(TOKEN));
        }
        other => panic!("401: expected Unauthorized, got {other:?}"),
    }
    assert_eq!(hits, 1, "a 401 is not retried");

    let (res, hits) = get_products(vec![reply(
        403,
        r#"{"error":"user missing required permissions"}"#,
    )])
    .await;
    match &res {
        Err(e @ ApiError::Forbidden { scope, .. }) => {
            assert_eq!(scope, "products:read");
            assert_one_line(
                "403",
                e,
                &[
                    "the token lacks the products:read scope needed for GET /products (403)",
                    "create a token whose user has that permission",
                ],
            );
        }
        other => panic!("403: expected Forbidden, got {other:?}"),
    }
    assert_eq!(hits, 1, "a 403 is not retried");

    // A 5xx that recovers: the caller never sees the failures.
    let (res, hits) = get_products(vec![
        reply(503, "busy"),
        reply(200, &format!(r#"{{"data":[{PRODUCT}]}}"#)),
    ])
    .await;
    assert_eq!(res.expect("recovered").data.len(), 1);
    assert_eq!(hits, 2);
}

/// Error pages span lines (HTML with \r\n, a stack trace); the error built from them must
/// still be one line, for the CLI's one-line errors and the TUI's status bar.
#[tokio::test]
async fn multi_line_error_pages_give_one_line_messages() {
    let pages: [(u16, &str, &[u8]); 2] = [
        (
            502,
            "text/html",
            b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<h1>502 Bad Gateway</h1>\r\n</body>\r\n</html>\r\n",
        ),
        (
            500,
            "text/plain",
            b"Internal Server Error\nTraceback (most recent call last):\n  File \"app.py\"\n",
        ),
    ];
    for (status, ctype, body) in pages {
        let r = Reply {
            status,
            headers: vec![("content-type", ctype.into())],
            body: body.to_vec(),
        };
        let (res, hits) = get_products(vec![r]).await;
        assert_eq!(hits, 3, "{status}: retried");
        match &res {
            Err(e @ ApiError::Server { status: s, .. }) if *s == status => {
                let says = format!("failed with {status} after 3 attempts");
                assert_one_line(&format!("{status} page"), e, &[&says]);
            }
            other => panic!("{status}: expected Server, got {other:?}"),
        }
    }
}

/// `connection test` against a store that answers garbage: exit 1 and one line, even
/// when the store's answer has line breaks and carriage returns.
#[tokio::test]
async fn cli_reports_a_broken_store_in_one_line() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let data = tmp.path().join("data").to_string_lossy().into_owned();
    let html = Reply {
        status: 502,
        headers: vec![("content-type", "text/html".into())],
        body: b"<html>\r\n<body>\r\n<h1>502 Bad Gateway</h1>\r\n</body>\r\n</html>\r\n".to_vec(),
    };
    let cases: Vec<(&str, Reply, &[&str])> = vec![
        (
            "html502",
            html,
            &[
                "connection \"html502\": GET /retailer failed with 502 after 2 attempts",
                "502 Bad Gateway",
            ],
        ),
        (
            "badjson",
            reply(200, r#"{"data": {"name": "#),
            &["connection \"badjson\": GET /retailer answered with a body that is not the expected JSON after 2 attempts"],
        ),
        (
            "empty",
            reply(200, ""),
            &["connection \"empty\": GET /retailer answered with a body that is not the expected JSON"],
        ),
        ("forbidden", reply(403, "{}"), &[]),
    ];
    for (name, r, says) in cases {
        let (origin, hits) = serve(vec![r]).await;
        let args = strings(&[
            "--data-dir",
            &data,
            "connection",
            "add",
            "--name",
            name,
            "--domain-prefix",
            "harborpine",
            "--token",
            TOKEN,
            "--api-root",
            &origin,
        ]);
        let out = lsb_async(&args, &[], None).await;
        assert_eq!(out.code, 0, "{out:?}");
        let args = strings(&[
            "--data-dir",
            &data,
            "connection",
            "test",
            name,
            "--timeout",
            "10",
        ]);
        let out = lsb_async(&args, &[], None).await;
        assert!(
            !out.stderr.contains('\r'),
            "{name}: a carriage return reached the terminal: {out:?}"
        );
        if name == "forbidden" {
            // Every scope refused: the report on stdout, then one line naming them all.
            assert_eq!(out.code, 1, "{out:?}");
            assert!(out.stdout.contains("MISSING"), "{out:?}");
            let lines: Vec<&str> = out.stderr.lines().collect();
            assert_eq!(lines.len(), 1, "{out:?}");
            assert!(
                lines[0].starts_with("error: connection \"forbidden\": the token lacks retailer:read, outlets:read, registers:read"),
                "{out:?}"
            );
            assert!(lines[0].ends_with(
                "create a personal token for a user with those permissions and re-add the connection"
            ));
        } else {
            assert_one_error_line(name, &out, 1, says);
            assert_eq!(hits.load(Ordering::SeqCst), 2, "{name}: tried twice");
        }
    }
}

/// Runs `GET /products` against [429 with `retry_after`, 200] on a manual clock that
/// moves only when the client says it is waiting. Returns how far the client asked the
/// clock to move, and the requests served.
async fn wait_after_429(retry_after: &str) -> (Duration, usize) {
    let mut first = reply(429, r#"{"error":"Too Many Requests"}"#);
    first.headers.push(("retry-after", retry_after.to_string()));
    let (origin, hits) = serve(vec![
        first,
        reply(200, &format!(r#"{{"data":[{PRODUCT}]}}"#)),
    ])
    .await;
    let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
    let clock = ManualClock::new(t0);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let client = client_with(&origin, Arc::new(clock.clone()), Some(tx));
    let call = tokio::spawn(async move {
        client
            .call::<Collection<Product>>(Req::get("/products"))
            .await
    });
    // The one wait: move the clock to the time the client is waiting for. The 429 itself
    // is reported first (for the live log), with the same time.
    let mut said_429 = None;
    let until = loop {
        match rx.recv().await {
            Some(ClientNotice::RateLimited { until, .. }) if said_429.is_none() => {
                said_429 = Some(until)
            }
            Some(ClientNotice::WaitingForRateLimit { until }) => break until,
            other => panic!("expected a rate-limit wait, got {other:?}"),
        }
    };
    assert_eq!(said_429, Some(until), "the 429 is reported with its wait");
    clock.set(until);
    let res = call.await.expect("the client panicked");
    assert_eq!(
        res.expect("the request proceeds after the wait").data[0].id,
        "p1"
    );
    (
        until.duration_since(t0).expect("a wait forward"),
        hits.load(Ordering::SeqCst),
    )
}

/// 429 with `Retry-After: 2` waits exactly 2 s of clock time, then proceeds.
#[tokio::test]
async fn retry_after_seconds_is_honoured() {
    let (waited, hits) = wait_after_429("2").await;
    assert_eq!(waited, Duration::from_secs(2));
    assert_eq!(hits, 2);
}

/// 429 with a garbage `Retry-After` still waits (the 60 s fallback), then proceeds.
#[tokio::test]
async fn garbage_retry_after_falls_back_to_a_wait() {
    let (waited, hits) = wait_after_429("soon-ish, maybe").await;
    assert_eq!(waited, Duration::from_secs(60));
    assert_eq!(hits, 2);

    // The same on a fast scaled clock, untouched by the test: 60 s of clock time passes
    // in about 60 ms, and the 429 does not count as a failed attempt.
    let mut first = reply(429, "{}");
    first.headers.push(("retry-after", "garbage".into()));
    let (origin, hits) = serve(vec![
        first,
        reply(200, &format!(r#"{{"data":[{PRODUCT}]}}"#)),
    ])
    .await;
    let clock = fast_clock();
    let client = client_with(&origin, clock.clone(), None);
    let (t0, started) = (clock.now(), Instant::now());
    let res = client
        .call::<Collection<Product>>(Req::get("/products"))
        .await;
    assert_eq!(res.expect("proceeds").data.len(), 1);
    assert!(clock.now().duration_since(t0).unwrap() >= Duration::from_secs(60));
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(hits.load(Ordering::SeqCst), 2);
    assert_eq!(client.governor().stats(), (1, 1), "one wait, one 429");
}

/// What real stores send and the docs show is accepted: numbers as strings, nulls where
/// a list or value is expected.
#[tokio::test]
async fn numeric_strings_and_nulls_are_accepted() {
    let body = r#"{"data":[{
        "id":"p1","name":"Tee","sku":"T-1","version":"123",
        "price_excluding_tax":"22.50","price_including_tax":"25.88","supply_price":" 10 ",
        "weight":"","active":null,
        "categories":null,"images":null,"tag_ids":null,"variant_options":null,
        "product_codes":null,"attributes":null,"packaging":null,
        "an_unknown_field":{"x":[1,2,3]}
    }],"version":{"min":1,"max":123}}"#;
    let (res, hits) = get_products(vec![reply(200, body)]).await;
    let page = res.expect("accepted");
    assert_eq!(hits, 1);
    let p = &page.data[0];
    assert_eq!(p.version, 123);
    assert_eq!(p.price_excluding_tax, 22.5);
    assert_eq!(p.price_including_tax, Some(25.88));
    assert_eq!(p.supply_price, Some(10.0));
    assert_eq!(p.weight, None, "an empty string is no value");
    assert!(!p.active);
    assert!(p.categories.is_empty() && p.images.is_empty() && p.tag_ids.is_empty());
    assert!(p.variant_options.is_empty() && p.product_codes.is_empty());
    assert!(p.attributes.is_empty() && p.packaging.is_empty());

    // No data at all: an empty page, which ends a scan.
    assert_empty_page(r#"{}"#).await;
    assert_empty_page(r#"{"data": [], "version": null}"#).await;
}

/// A null list is no rows, like every other null list: `{"data": null}` is an empty
/// page, which ends a scan.
#[tokio::test]
async fn null_data_is_an_empty_page() {
    assert_empty_page(r#"{"data": null}"#).await;
    assert_empty_page(r#"{"data": null, "version": null}"#).await;
}

/// `body` as the one page of `GET /products` is accepted as no rows; a pager stops there.
async fn assert_empty_page(body: &str) {
    {
        let (res, _) = get_products(vec![reply(200, body)]).await;
        match res {
            Ok(c) => assert!(c.data.is_empty(), "{body}"),
            Err(e) => panic!("{body}: {e}"),
        }
        let (origin, hits) = serve(vec![reply(200, body)]).await;
        let client = client_with(&origin, fast_clock(), None);
        let all = VersionPager::<Product>::new(&client, "/products", None)
            .collect_all()
            .await
            .unwrap_or_else(|e| panic!("{body}: {e}"));
        assert!(all.is_empty());
        assert_eq!(
            hits.load(Ordering::SeqCst),
            1,
            "{body}: one page, then done"
        );
    }
}
