//! The inventory commands end to end, as a user runs them: real `lsbridge` processes against
//! a real `lsbridge sim` process.

use crate::support::procs::{self, job_event, jsonl_events, SimProc};

/// A demo simulator process and a data dir with a connection "demo" to it.
fn demo_with_connection() -> (SimProc, tempfile::TempDir) {
    let sim = SimProc::start(&["--store", "demo", "--no-rate-limit"]);
    let d = tempfile::tempdir().unwrap();
    procs::ok(
        d.path(),
        &[
            "connection",
            "add",
            "--name",
            "demo",
            "--domain-prefix",
            "harborpine",
            "--token",
            "sim-demo-token",
            "--api-root",
            &sim.origin,
        ],
    );
    (sim, d)
}

#[test]
fn source_run_export_runs_and_config_from_the_command_line() {
    let (_sim, d) = demo_with_connection();
    let dir = d.path();
    procs::ok(
        dir,
        &[
            "source",
            "add",
            "--name",
            "harbor",
            "--connection",
            "demo",
            "--primary-archive",
            "yes",
            "--ship-from-city",
            "Portland",
        ],
    );

    // Not connected until Test Connection passes; then the status page says exactly that.
    let show: serde_json::Value =
        serde_json::from_str(&procs::ok(dir, &["source", "show", "harbor", "--json"])).unwrap();
    assert!(show["status"][0]["connected"]["Err"]
        .as_str()
        .unwrap()
        .contains("has not passed Test Connection"));
    procs::ok(dir, &["connection", "test", "demo"]);
    let show: serde_json::Value =
        serde_json::from_str(&procs::ok(dir, &["source", "show", "harbor", "--json"])).unwrap();
    let primary = &show["status"][0];
    assert!(primary["connected"].get("Ok").is_some(), "{primary}");
    assert!(primary["mapped"].get("Ok").is_some(), "{primary}");
    let send = &show["status"][2];
    assert!(send["configured"]["Err"]
        .as_str()
        .unwrap()
        .contains("Register ID, User ID, Tax ID"));
    assert_eq!(show["source"]["ship_from"]["city"], "Portland");

    let dry = procs::ok(
        dir,
        &[
            "run",
            "primary",
            "--source",
            "harbor",
            "--dry-run",
            "--diffs",
            "2",
        ],
    );
    assert!(
        dry.contains("(dry run)") && dry.contains("new 323"),
        "{dry}"
    );
    assert_eq!(
        procs::ok(dir, &["export", "--source", "harbor", "--format", "jsonl"])
            .lines()
            .count(),
        0
    );

    let out = procs::ok(dir, &["run", "primary", "--source", "harbor"]);
    assert!(out.contains("Ok: new 323"), "{out}");
    assert!(
        out.contains("skipped 9 (not stock items 9)") && out.contains("of 332 read"),
        "{out}"
    );
    let csv = procs::ok(dir, &["export", "--source", "harbor", "--format", "csv"]);
    assert_eq!(csv.lines().count(), 324, "header + 323 items");
    assert!(csv
        .lines()
        .next()
        .unwrap()
        .starts_with("sku,parent_sku,archived,committed,available,"));

    // Commit Stock: an imported FR's units are committed; export shows Quantity, Committed
    // and Available.
    procs::ok(
        dir,
        &[
            "source",
            "set",
            "harbor",
            "--commit-stock",
            "yes",
            "--commit-release",
            "sale-created",
        ],
    );
    let bad = procs::lsbridge(
        dir,
        &["source", "set", "harbor", "--commit-release", "never"],
    );
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr)
        .contains("invalid value 'never' for '--commit-release <POINT>' [possible values: sale-created, sale-closed]"));
    let show: serde_json::Value =
        serde_json::from_str(&procs::ok(dir, &["source", "show", "harbor", "--json"])).unwrap();
    assert_eq!(show["source"]["commit_release"], "sale_created");
    assert_eq!(show["source"]["primary"]["include_not_stock"], false);
    let frs = dir.join("frs.json");
    std::fs::write(
        &frs,
        r#"[{"number": "CS-1", "items": [{"sku": "HP-MUG", "quantity": 2, "unit_price": 16}]}]"#,
    )
    .unwrap();
    procs::ok(
        dir,
        &["fr", "import", frs.to_str().unwrap(), "--source", "harbor"],
    );
    let jsonl = procs::ok(dir, &["export", "--source", "harbor", "--format", "jsonl"]);
    let rows: Vec<serde_json::Value> = jsonl
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let mug = rows.iter().find(|r| r["sku"] == "HP-MUG").unwrap();
    let q = mug["quantity"].as_f64().unwrap();
    assert_eq!(mug["committed"], 2.0);
    assert_eq!(mug["available"].as_f64(), Some((q - 2.0).max(0.0)));
    let other = rows
        .iter()
        .find(|r| r["sku"] != "HP-MUG" && r["quantity"].is_number())
        .unwrap();
    assert_eq!(other["committed"], 0.0);
    assert_eq!(other["available"], other["quantity"]);
    let parent = rows.iter().find(|r| r["is_parent"] == true).unwrap();
    assert!(parent["available"].is_null());
    let out = procs::ok(dir, &["run", "secondary", "--source", "harbor"]);
    assert!(out.contains("secondary run") && out.contains("Ok"), "{out}");

    let runs = procs::ok(dir, &["runs"]);
    assert_eq!(runs.lines().count(), 3, "{runs}");
    let id = runs
        .lines()
        .last()
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    let shown = procs::ok(dir, &["runs", &id]);
    assert!(
        shown.contains("Get Inventory (Primary) for harbor (dry run"),
        "{shown}"
    );
    // Not-stock items included: the nine come in as new items.
    procs::ok(
        dir,
        &[
            "source",
            "set",
            "harbor",
            "--primary-include-not-stock",
            "yes",
        ],
    );
    let out = procs::ok(dir, &["run", "primary", "--source", "harbor"]);
    assert!(out.contains("new 9,"), "{out}");

    let cfg = procs::ok(dir, &["config", "export"]);
    assert!(!cfg.contains("sim-demo-token"));
    assert!(cfg.contains("name = \"harbor\""));

    // Wrong names: one line, exit 2.
    let o = procs::lsbridge(dir, &["run", "primary", "--source", "nope"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("no source named \"nope\""));
    let o = procs::lsbridge(dir, &["runs", "999"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn templates_and_mapping_sets_from_the_command_line_drive_the_import() {
    let (_sim, d) = demo_with_connection();
    let dir = d.path();

    // A bad CSV is refused with its line numbers and saves nothing.
    let bad = dir.join("bad.csv");
    std::fs::write(
        &bad,
        "from,to\nHarbor & Pine,HP\n,empty from\nHarbor & Pine,dup\n",
    )
    .unwrap();
    let o = procs::lsbridge(
        dir,
        &["mapping-set", "import", "brands", bad.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("line 3") && err.contains("line 4"), "{err}");
    assert!(procs::ok(dir, &["mapping-set", "list"]).trim().is_empty());

    let good = dir.join("brands.csv");
    std::fs::write(&good, "from,to\nHarbor & Pine,HP House Brand\n").unwrap();
    let out = procs::ok(
        dir,
        &["mapping-set", "import", "brands", good.to_str().unwrap()],
    );
    assert!(out.contains("1 rows imported"), "{out}");

    // Export the starter template, point Brand at the set, import it under a new name.
    let name = "Lightspeed Retail (X Series) – Get Inventory [Primary]";
    let toml = procs::ok(dir, &["template", "export", name]);
    let edited = toml
        .replacen(&format!("name = \"{name}\""), "name = \"house\"", 1)
        .replacen(
            "kind = \"match_it\"\nsource = \"Brand\"",
            "kind = \"transform_it\"\nsource = \"Brand\"\nmapping_set = \"brands\"",
            1,
        );
    assert_ne!(toml, edited, "the export's shape changed; update this test");
    let file = dir.join("house.toml");
    std::fs::write(&file, &edited).unwrap();
    procs::ok(dir, &["template", "import", file.to_str().unwrap()]);
    assert!(procs::ok(dir, &["template", "show", "house"]).contains("via set \"brands\""));

    // A template that cannot work is refused, naming the field.
    let broken = dir.join("broken.toml");
    std::fs::write(
        &broken,
        edited.replace("source = \"Name\"", "source = \"Nmae\""),
    )
    .unwrap();
    let o = procs::lsbridge(dir, &["template", "import", broken.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("Title") && err.contains("Nmae"), "{err}");

    procs::ok(
        dir,
        &[
            "source",
            "add",
            "--name",
            "harbor",
            "--connection",
            "demo",
            "--primary-template",
            "house",
        ],
    );
    procs::ok(dir, &["run", "primary", "--source", "harbor"]);
    let rows = procs::ok(dir, &["export", "--source", "harbor", "--format", "jsonl"]);
    assert!(
        rows.contains("\"HP House Brand\""),
        "the mapping set was not applied"
    );
}

const MAIN_STREET: &str = "8ed0bab8-e4b0-510f-8898-f79d5cf53fb9";

fn code_and_stderr(o: &std::process::Output) -> (Option<i32>, String) {
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn quantity_from(dir: &std::path::Path) -> serde_json::Value {
    let show: serde_json::Value =
        serde_json::from_str(&procs::ok(dir, &["source", "show", "harbor", "--json"])).unwrap();
    show["source"]["primary"]["quantity_from"].clone()
}

/// The quantity outlet is checked against the live store like the Send FRs ids: the CLI
/// (`source add`, `source set`) and `config import` refuse one the store does not have,
/// saving nothing; and `config import` refuses a hold of 4294967295 hours.
#[test]
fn a_bogus_quantity_outlet_is_refused_by_source_add_set_and_config_import() {
    let (_sim, d) = demo_with_connection();
    let dir = d.path();
    let add = |extra: &[&str]| {
        let mut a = vec!["source", "add", "--name", "harbor", "--connection", "demo"];
        a.extend_from_slice(extra);
        procs::lsbridge(dir, &a)
    };
    let (code, err) = code_and_stderr(&add(&["--primary-quantity-from", "not-an-outlet"]));
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("error: Get Inventory (Primary) Quantity From \"not-an-outlet\" is not an outlet in this store"),
        "{err}"
    );
    assert!(err.contains("nothing saved"), "{err}");
    assert_eq!(
        procs::lsbridge(dir, &["source", "show", "harbor"])
            .status
            .code(),
        Some(2),
        "not added"
    );

    procs::ok(
        dir,
        &["source", "add", "--name", "harbor", "--connection", "demo"],
    );
    let set = |value: &str| {
        procs::lsbridge(
            dir,
            &["source", "set", "harbor", "--primary-quantity-from", value],
        )
    };
    let (code, err) = code_and_stderr(&set("not-an-outlet"));
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("is not an outlet in this store"), "{err}");
    assert_eq!(quantity_from(dir), "all_outlets", "nothing saved");
    // Not shaped like an id: refused before the store is asked.
    let (code, err) = code_and_stderr(&set("../registers"));
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("is not an outlet id"), "{err}");
    // A real outlet is accepted, and named.
    let (code, err) = code_and_stderr(&set(MAIN_STREET));
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("\"Main Street Store\""), "{err}");
    assert_eq!(quantity_from(dir)["outlet"], MAIN_STREET);

    // config import: the same checks, before anything is written.
    let exported = procs::ok(dir, &["config", "export"]);
    assert!(exported.contains(MAIN_STREET), "{exported}");
    let file = dir.join("setup.toml");
    std::fs::write(&file, exported.replace(MAIN_STREET, "not-an-outlet")).unwrap();
    let (code, err) = code_and_stderr(&procs::lsbridge(
        dir,
        &["config", "import", file.to_str().unwrap()],
    ));
    assert_eq!(code, Some(2), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("source \"harbor\": Get Inventory (Primary) Quantity From \"not-an-outlet\" is not an outlet in this store")
            && err.contains("nothing imported"),
        "{err}"
    );
    assert_eq!(quantity_from(dir)["outlet"], MAIN_STREET, "nothing changed");

    assert!(exported.contains("hold_hours = 0"), "{exported}");
    std::fs::write(
        &file,
        exported.replace("hold_hours = 0", "hold_hours = 4294967295"),
    )
    .unwrap();
    let (code, err) = code_and_stderr(&procs::lsbridge(
        dir,
        &["config", "import", file.to_str().unwrap()],
    ));
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("hold hours 4294967295 is too long: use 0 to 8760"),
        "{err}"
    );
    let show: serde_json::Value =
        serde_json::from_str(&procs::ok(dir, &["source", "show", "harbor", "--json"])).unwrap();
    assert_eq!(show["source"]["send_frs"]["hold_hours"], 0);

    // The file as exported imports cleanly.
    std::fs::write(&file, &exported).unwrap();
    let out = procs::ok(dir, &["config", "import", file.to_str().unwrap()]);
    assert!(out.contains("source \"harbor\": updated"), "{out}");
}

/// A 3,000-product simulator with small pages and slow answers (the products phase takes many
/// pages), and a source "syn" on it in `dir`. Keep the returned simulator alive.
fn slow_synthetic_source(dir: &std::path::Path) -> SimProc {
    let sim = SimProc::start(&[
        "--store",
        "synthetic:3000",
        "--no-rate-limit",
        "--page-cap",
        "50",
        "--faults",
        "latency_ms=25",
    ]);
    procs::ok(
        dir,
        &[
            "connection",
            "add",
            "--name",
            "syn",
            "--domain-prefix",
            "synthetic",
            "--token",
            "sim-demo-token",
            "--api-root",
            &sim.origin,
        ],
    );
    procs::ok(
        dir,
        &["source", "add", "--name", "syn", "--connection", "syn"],
    );
    sim
}

/// Ctrl-C (SIGINT) during `lsbridge run primary` stops at the next page: the run is recorded
/// Cancelled, the command prints the resume hint and exits 130, and the next run resumes
/// from the checkpoint and completes.
#[test]
fn sigint_cancels_a_cli_run_at_the_next_page_and_the_next_run_resumes() {
    use std::io::{BufRead, BufReader};
    // Small pages and slow answers: the products phase takes many pages.
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let _sim = slow_synthetic_source(dir);
    let mut child = std::process::Command::new(procs::bin())
        .arg("--data-dir")
        .arg(dir)
        .args(["run", "primary", "--source", "syn"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut seen = Vec::new();
    // Wait for the first committed product page.
    loop {
        let line = stderr
            .next()
            .unwrap_or_else(|| panic!("the run ended before a product page: {seen:?}"))
            .unwrap();
        let first_page = line.starts_with("products: ");
        seen.push(line);
        if first_page {
            break;
        }
    }
    // SAFETY: kill(2) on the pid of our own child.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGINT) }, 0);
    seen.extend(stderr.map_while(Result::ok));
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(130), "{stdout}\n{seen:?}");
    assert!(
        stdout.contains(": Cancelled: ") && stdout.contains("run again to resume"),
        "{stdout}"
    );
    assert!(
        seen.iter().any(|l| l.contains("stopping at the next page")),
        "{seen:?}"
    );
    let runs = procs::ok(dir, &["runs"]);
    assert!(runs.contains("Cancelled"), "{runs}");

    let again = procs::ok(dir, &["run", "primary", "--source", "syn"]);
    assert!(
        again.contains("resumed from a checkpoint") && again.contains(": Ok: "),
        "{again}"
    );
}

/// A pipe whose reading end is already closed: every write to it fails with EPIPE.
fn closed_pipe() -> std::process::Stdio {
    use std::os::fd::FromRawFd;
    let mut fds = [0; 2];
    // SAFETY: pipe(2) fills both descriptors; each is owned exactly once below.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    // SAFETY: fds[0] is ours and closed once, here.
    unsafe { libc::close(fds[0]) };
    // SAFETY: fds[1] is a fresh descriptor handed to Stdio, which closes it.
    unsafe { std::process::Stdio::from_raw_fd(fds[1]) }
}

/// Every command exits quietly when its stdout is closed (`… | head -1`): exit 0 (or the
/// SIGPIPE status), no panic, nothing on stderr about the pipe, and the command's work done.
#[test]
fn commands_exit_quietly_when_stdout_is_closed() {
    use std::io::{BufRead, BufReader};
    use std::os::unix::process::ExitStatusExt;
    let (_sim, d) = demo_with_connection();
    let dir = d.path();
    procs::ok(
        dir,
        &["source", "add", "--name", "harbor", "--connection", "demo"],
    );
    procs::ok(dir, &["run", "primary", "--source", "harbor"]);
    // 3000 FRs: their listing is far larger than a pipe's buffer.
    let mut frs = String::from("[");
    for i in 0..3000 {
        if i > 0 {
            frs.push(',');
        }
        frs.push_str(&format!(
            r#"{{"number": "PIPE-{i:05}", "items": [{{"sku": "HP-MUG", "quantity": 1, "unit_price": 16}}]}}"#
        ));
    }
    frs.push(']');
    let file = dir.join("frs.json");
    std::fs::write(&file, frs).unwrap();
    let file = file.to_str().unwrap();

    let quiet = |what: &str, args: &[&str]| {
        let o = std::process::Command::new(procs::bin())
            .arg("--data-dir")
            .arg(dir)
            .args(args)
            .stdin(std::process::Stdio::null())
            .stdout(closed_pipe())
            .stderr(std::process::Stdio::piped())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            o.status.code() == Some(0) || o.status.signal() == Some(libc::SIGPIPE),
            "{what}: {:?} {err}",
            o.status
        );
        assert!(
            !err.contains("panicked") && !err.contains("Broken pipe"),
            "{what}: {err}"
        );
    };
    quiet("fr import", &["fr", "import", file, "--source", "harbor"]);
    // The import was done in full although nobody read its summary.
    let listed = procs::ok(dir, &["fr", "list", "--json"]);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&listed)
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        3000
    );
    // Again: 3000 "Duplicate FR #" lines.
    quiet(
        "fr import of duplicates",
        &["fr", "import", file, "--source", "harbor"],
    );
    quiet("fr list", &["fr", "list"]);
    quiet(
        "fr show",
        &["fr", "show", "PIPE-00001", "--source", "harbor"],
    );
    quiet("runs", &["runs"]);
    let runs = procs::ok(dir, &["runs"]);
    let id = runs.split_whitespace().next().unwrap().to_string();
    quiet("runs ID", &["runs", &id]);
    quiet("source list", &["source", "list"]);
    quiet("source show", &["source", "show", "harbor"]);
    quiet("connection list", &["connection", "list"]);
    quiet("config export", &["config", "export"]);
    quiet("template list", &["template", "list"]);
    quiet("keys", &["keys"]);

    // `fr list | head -1`: the reader takes one line and goes away mid-output.
    let mut child = std::process::Command::new(procs::bin())
        .arg("--data-dir")
        .arg(dir)
        .args(["fr", "list"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.starts_with("NUMBER"), "{first}");
    let o = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        o.status.code() == Some(0) || o.status.signal() == Some(libc::SIGPIPE),
        "{:?} {err}",
        o.status
    );
    assert!(!err.contains("panicked"), "{err}");
}

/// `bench primary` names the machine, honours `--data-dir` and `--latency-ms`, and `--vs`
/// runs two builds in turn and reports the ratio of each pair.
#[test]
fn bench_primary_names_the_machine_and_honours_data_dir_latency_and_vs() {
    let dir = tempfile::tempdir().unwrap();
    let out = procs::ok(
        dir.path(),
        &[
            "bench",
            "primary",
            "--products",
            "400",
            "--page-size",
            "100",
            "--latency-ms",
            "40",
        ],
    );
    let v: serde_json::Value = serde_json::from_str(out.lines().last().unwrap()).unwrap();
    assert_eq!(v["imported"], 400, "{v}");
    assert_eq!(v["latency_ms"], 40);
    let m = &v["machine"];
    assert!(!m["cpu"].as_str().unwrap().is_empty(), "{m}");
    assert!(m["cores"].as_u64().unwrap() >= 1);
    assert_eq!(m["load_before"].as_str().unwrap().split(' ').count(), 3);
    assert_eq!(m["load_after"].as_str().unwrap().split(' ').count(), 3);
    assert!(
        std::path::Path::new(v["data_dir"].as_str().unwrap()).starts_with(dir.path()),
        "{v}"
    );
    // The stock read, the probes and the brand/category lookups are each at least one
    // round trip after another before the first product page: 40 ms each.
    assert!(
        v["wall_s"].as_f64().unwrap() >= 0.2,
        "latency not applied: {v}"
    );

    let out = procs::ok(
        dir.path(),
        &[
            "bench",
            "primary",
            "--products",
            "300",
            "--vs",
            procs::bin(),
            "--runs",
            "2",
        ],
    );
    let v: serde_json::Value = serde_json::from_str(out.lines().last().unwrap()).unwrap();
    let pairs = v["pairs"].as_array().unwrap();
    assert_eq!(pairs.len(), 2, "{v}");
    for p in pairs {
        let ratio = p["wall_ratio"].as_f64().unwrap();
        let expect = p["this_wall_s"].as_f64().unwrap() / p["other_wall_s"].as_f64().unwrap();
        assert!((ratio - expect).abs() < 0.01, "{p}");
        assert_eq!(p["this_requests"], p["other_requests"], "same build: {p}");
    }
    assert!(v["median_wall_ratio"].as_f64().unwrap() > 0.0);
    assert!(v["machine"]["cores"].as_u64().unwrap() >= 1);
}

/// `bench primary --rate-limit N --time-scale X`: simulator and client on one scaled clock;
/// no 429, and the wall time is the floor (the windows the requests need, but the last, in
/// full) plus the work.
#[test]
fn bench_primary_rate_limited_on_a_scaled_clock() {
    let dir = tempfile::tempdir().unwrap();
    let out = procs::ok(
        dir.path(),
        &[
            "bench",
            "primary",
            "--products",
            "1000",
            "--page-size",
            "200",
            "--rate-limit",
            "12",
            "--time-scale",
            "300",
        ],
    );
    let v: serde_json::Value = serde_json::from_str(out.lines().last().unwrap()).unwrap();
    assert_eq!(v["imported"], 1000, "{v}");
    let r = &v["rate_limit"];
    assert_eq!(r["responses_429"], 0, "{v}");
    assert_eq!(r["limit_per_window"], 12);
    let windows = r["windows_needed"].as_u64().unwrap();
    assert_eq!(windows, v["requests"].as_u64().unwrap().div_ceil(12), "{v}");
    assert!(windows >= 2, "the import must need several windows: {v}");
    let ratio = r["wall_over_floor"].as_f64().unwrap();
    assert!(ratio >= 1.0, "faster than the floor cannot be: {v}");
    // How close to the floor it comes is a benchmark figure (README), not a test: CI machines
    // are loaded and noisy.
}

/// `lsbridge demo --headless` with `TMPDIR` set to a fresh dir (so its temporary data dir
/// lands there) and `args` after it. Returns (exit code, stdout, stderr).
fn headless_demo(tmp: &std::path::Path, args: &[&str]) -> (Option<i32>, String, String) {
    let o = std::process::Command::new(procs::bin())
        .args(args)
        .args(["demo", "--headless"])
        .env("TMPDIR", tmp)
        .env_remove("LSBRIDGE_DATA_DIR")
        .env_remove("LSBRIDGE_LOG")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run lsbridge demo --headless");
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// The one line of `out` that starts with `prefix`.
fn line_of<'a>(out: &'a str, prefix: &str) -> &'a str {
    let found: Vec<&str> = out.lines().filter(|l| l.starts_with(prefix)).collect();
    assert_eq!(found.len(), 1, "one {prefix:?} line expected in:\n{out}");
    found[0]
}

/// What the customer pays for each sample FR, in cents, read from the fixture itself.
fn sample_fr_totals() -> std::collections::BTreeMap<String, i64> {
    let text = std::fs::read_to_string("fixtures/frs/sample.json").unwrap();
    let frs: serde_json::Value = serde_json::from_str(&text).unwrap();
    let f = |v: &serde_json::Value, k: &str| v.get(k).and_then(|x| x.as_f64()).unwrap_or(0.0);
    frs.as_array()
        .unwrap()
        .iter()
        .map(|fr| {
            let items: f64 = fr["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| f(i, "quantity") * f(i, "unit_price"))
                .sum();
            let total = items - f(fr, "discount") + f(fr, "shipping_cost") + f(fr, "tax");
            (
                fr["number"].as_str().unwrap().to_string(),
                (total * 100.0).round() as i64,
            )
        })
        .collect()
}

fn cents(s: &str) -> i64 {
    let (whole, frac) = s.split_once('.').unwrap();
    whole.parse::<i64>().unwrap() * 100 + frac.parse::<i64>().unwrap()
}

/// Issue 13 item 8: `lsbridge demo --headless` runs the whole main job on the embedded
/// simulator through the engine, prints each step's result with real data, exits 0, and
/// removes its temporary data dir.
#[test]
fn demo_headless_runs_the_main_job_and_leaves_no_temp_dir() {
    let tmp = tempfile::tempdir().unwrap();
    let (code, out, err) = headless_demo(tmp.path(), &[]);
    assert_eq!(code, Some(0), "stdout:\n{out}\nstderr:\n{err}");

    let test = line_of(&out, "Test Connection: ");
    assert!(
        test.starts_with("Test Connection: ok: connected to \"")
            && test.contains(" outlets, ")
            && test.contains(" registers, rate limit "),
        "{test}"
    );
    let primary = line_of(&out, "Primary: ");
    assert!(primary.starts_with("Primary: ok: "), "{primary}");
    let new: u64 = primary
        .split(": new ")
        .nth(1)
        .and_then(|r| r.split(',').next())
        .unwrap()
        .parse()
        .unwrap();
    assert!(new > 0, "Primary imported nothing: {primary}");

    // "Change in the store: SKU quantity +7 at OUTLET (a → b); in total B → A"
    let change = line_of(&out, "Change in the store: ");
    let sku = change
        .strip_prefix("Change in the store: ")
        .and_then(|r| r.split(' ').next())
        .unwrap();
    let (before, after) = change
        .rsplit_once("in total ")
        .unwrap()
        .1
        .split_once(" → ")
        .unwrap();
    let (before, after): (f64, f64) = (before.parse().unwrap(), after.parse().unwrap());
    assert_eq!(after, before + 7.0, "{change}");
    let secondary = line_of(&out, "Secondary: ");
    assert!(secondary.starts_with("Secondary: ok: "), "{secondary}");
    assert!(
        secondary.ends_with(&format!("{sku} quantity in the pool now {after}")),
        "Secondary did not pick up the change ({change}): {secondary}"
    );

    let expected = sample_fr_totals();
    let imported = line_of(&out, "FRs imported: ");
    assert!(
        imported.contains(&format!("imported {}", expected.len())),
        "{imported}"
    );
    let sent = line_of(&out, "FRs sent: ");
    assert!(
        sent.starts_with(&format!("FRs sent: ok: sent {} ", expected.len())),
        "{sent}"
    );
    // "  FR WEB-10001: Processed, sale 7 total 440.51 (FR total 440.51)"
    let mut seen = std::collections::BTreeMap::new();
    for l in out.lines().filter(|l| l.starts_with("  FR ")) {
        let number = l[5..].split(':').next().unwrap().to_string();
        let total = l
            .split(" total ")
            .nth(1)
            .unwrap()
            .split(' ')
            .next()
            .unwrap();
        seen.insert(number, cents(total));
    }
    assert_eq!(
        seen, expected,
        "each sale's total in the store equals its FR's total:\n{out}"
    );
    assert!(out.contains("demo: every step passed"), "{out}");

    // The temporary data dir was under TMPDIR, and is gone.
    let data = out
        .lines()
        .next()
        .and_then(|l| l.split(", data in ").nth(1))
        .unwrap();
    assert!(std::path::Path::new(data).starts_with(tmp.path()), "{data}");
    assert!(
        !std::path::Path::new(data).exists(),
        "{data} was left behind"
    );
    let left: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().collect();
    assert!(left.is_empty(), "left in the temp dir: {left:?}");
    assert!(out.trim_end().ends_with("--keep keeps it"), "{out}");
}

/// Issue 14 item 11: `--keep` keeps the temporary data dir and says where; `--data-dir` is
/// honoured (and never removed).
#[test]
fn demo_keep_keeps_the_data_dir_and_data_dir_is_honoured() {
    let tmp = tempfile::tempdir().unwrap();
    let (code, out, err) = {
        let o = std::process::Command::new(procs::bin())
            .args(["demo", "--headless", "--keep"])
            .env("TMPDIR", tmp.path())
            .env_remove("LSBRIDGE_DATA_DIR")
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    assert_eq!(code, Some(0), "stdout:\n{out}\nstderr:\n{err}");
    let kept = out
        .lines()
        .last()
        .and_then(|l| l.strip_prefix("demo data kept in "))
        .unwrap_or_else(|| panic!("no 'kept in' line:\n{out}"));
    let kept = std::path::Path::new(kept);
    assert!(kept.starts_with(tmp.path()), "{}", kept.display());
    // The store is there: its runs can be read back.
    let runs = procs::ok(kept, &["runs"]);
    assert_eq!(runs.lines().count(), 3, "{runs}");

    let d = tempfile::tempdir().unwrap();
    let data = d.path().join("mine");
    let (code, out, err) = headless_demo(tmp.path(), &["--data-dir", data.to_str().unwrap()]);
    assert_eq!(code, Some(0), "stdout:\n{out}\nstderr:\n{err}");
    assert!(
        out.lines()
            .next()
            .unwrap()
            .ends_with(&format!(", data in {}", data.display())),
        "{out}"
    );
    assert_eq!(
        out.lines().last().unwrap(),
        format!("demo data kept in {}", data.display())
    );
    let runs = procs::ok(&data, &["runs", "--source", "harbor"]);
    assert_eq!(runs.lines().count(), 3, "{runs}");
    // A second headless run there would compare old FRs with a fresh store: refused.
    let (code, out, err) = headless_demo(tmp.path(), &["--data-dir", data.to_str().unwrap()]);
    assert_eq!(code, Some(2), "stdout:\n{out}\nstderr:\n{err}");
    assert!(err.contains("already holds a demo run"), "{err}");
    assert_eq!(procs::ok(&data, &["runs"]).lines().count(), 3);
    // Nothing new under TMPDIR but the kept dir from the first run.
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 1);
}

/// Done when: SIGINT to `lsbridge run primary` mid-run (after a progress line of its
/// machine-readable stream) cancels the run at its next page through the engine: the run is
/// recorded Cancelled, the CLI says "run again to resume" and exits 130, and the next run
/// resumes from the checkpoint.
#[test]
fn sigint_after_a_jsonl_progress_line_cancels_the_run_and_the_next_run_resumes() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let _sim = slow_synthetic_source(dir);
    let mut child = std::process::Command::new(procs::bin())
        .arg("--data-dir")
        .arg(dir)
        .args(["run", "primary", "--source", "syn", "--progress", "jsonl"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut events = jsonl_events(&mut child);
    let mut seen = Vec::new();
    let run = loop {
        let v = events
            .next()
            .unwrap_or_else(|| panic!("the stream ended before a products page: {seen:?}"));
        seen.push(v.clone());
        if let Some(p) = job_event(&v, "progress") {
            if p["phase"] == "products" && p["done"].as_u64().unwrap() > 0 {
                assert!(v["at"].is_string(), "{v}");
                break p["run"].as_u64().unwrap();
            }
        }
    };
    // SAFETY: kill(2) on the pid of our own child.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGINT) }, 0);
    seen.extend(events);
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}\n{seen:?}");
    assert!(stderr.contains("stopping at the next page"), "{stderr}");
    assert!(stderr.contains("run again to resume"), "{stderr}");
    let finished = seen
        .iter()
        .find_map(|v| job_event(v, "finished"))
        .unwrap_or_else(|| panic!("no finished event: {seen:?}"));
    assert_eq!(finished["run"], run);
    assert_eq!(finished["outcome"], "cancelled", "{finished}");
    // The report, then idle: the stream ends with the engine's word that the job is over.
    let report = seen
        .iter()
        .find(|v| v["event"]["type"] == "report")
        .unwrap_or_else(|| panic!("no report: {seen:?}"));
    assert_eq!(report["event"]["report"]["outcome"], "cancelled");
    assert_eq!(seen.last().unwrap()["event"]["type"], "idle", "{seen:?}");
    let runs = procs::ok(dir, &["runs"]);
    let line = runs
        .lines()
        .find(|l| l.split_whitespace().next() == Some(&run.to_string()))
        .unwrap_or_else(|| panic!("run {run} not listed: {runs}"));
    assert!(line.contains("Cancelled"), "{line}");

    let again = procs::ok(dir, &["run", "primary", "--source", "syn"]);
    assert!(
        again.contains(&format!("primary run {run}: Ok: "))
            && again.contains("resumed from a checkpoint"),
        "{again}"
    );
    let pool = procs::ok(dir, &["export", "--source", "syn", "--format", "jsonl"]);
    let n = pool.lines().count();
    assert!(n > 0 && !pool.contains("sim-demo-token"), "{n}");
}

/// Done when: with the simulator's rate limit on (and both clocks running 300 times fast),
/// `lsbridge run` prints each rate-limit wait with its end time and a countdown when the
/// wait is announced, before it starts: the stream's wait events come at a time before their
/// end, and the human line reads "waiting for the rate limit until HH:MM:SS UTC (…)".
#[test]
fn rate_limit_waits_are_printed_with_their_end_time_before_they_start() {
    let sim = SimProc::start(&[
        "--store",
        "synthetic:1000",
        "--rate-limit",
        "12",
        "--time-scale",
        "300",
        "--page-cap",
        "100",
    ]);
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    procs::ok(
        dir,
        &[
            "connection",
            "add",
            "--name",
            "syn",
            "--domain-prefix",
            "synthetic",
            "--token",
            "sim-demo-token",
            "--api-root",
            &sim.origin,
        ],
    );
    procs::ok(
        dir,
        &["source", "add", "--name", "syn", "--connection", "syn"],
    );
    let jsonl = procs::ok(
        dir,
        &[
            "run",
            "primary",
            "--source",
            "syn",
            "--time-scale",
            "300",
            "--progress",
            "jsonl",
        ],
    );
    let events: Vec<serde_json::Value> = jsonl
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let time = |v: &serde_json::Value| {
        chrono::DateTime::parse_from_rfc3339(v.as_str().unwrap_or_else(|| panic!("{v}"))).unwrap()
    };
    let mut waits = 0;
    for (i, v) in events.iter().enumerate() {
        let Some(w) = job_event(v, "waiting_for_rate_limit") else {
            continue;
        };
        waits += 1;
        // `until` is a SystemTime: {secs_since_epoch, nanos_since_epoch}.
        let secs = w["until"]["secs_since_epoch"].as_i64().unwrap();
        let until = chrono::DateTime::from_timestamp(secs + 1, 0).unwrap();
        assert!(
            time(&v["at"]) < until,
            "wait {i} printed at {} after its end {until}",
            v["at"]
        );
    }
    assert!(waits >= 1, "no rate-limit wait in {} events", events.len());
    let finished = events
        .iter()
        .find_map(|v| job_event(v, "finished"))
        .unwrap();
    assert_eq!(finished["outcome"], "ok");

    let o = procs::lsbridge(
        dir,
        &["run", "primary", "--source", "syn", "--time-scale", "300"],
    );
    assert_eq!(o.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&o.stderr);
    let line = stderr
        .lines()
        .find(|l| l.starts_with("waiting for the rate limit until "))
        .unwrap_or_else(|| panic!("no wait line: {stderr}"));
    let rest = line.trim_start_matches("waiting for the rate limit until ");
    let (clock, countdown) = rest
        .split_once(" UTC (")
        .unwrap_or_else(|| panic!("{line}"));
    assert!(
        chrono::NaiveTime::parse_from_str(clock, "%H:%M:%S").is_ok(),
        "{line}"
    );
    assert!(
        countdown.ends_with("s)") && countdown.chars().next().unwrap().is_ascii_digit(),
        "{line}"
    );
}
