//! The inventory commands end to end, as a user runs them: real `lsbridge` processes against
//! a real `lsbridge sim` process.

mod support;

use support::procs::{self, SimProc};

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
    assert!(String::from_utf8_lossy(&bad.stderr).contains("sale-created or sale-closed"));
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
    // A second of slack per window on a loaded machine (a window lasts 1 s here).
    assert!(ratio < 1.0 + 1.0 / (windows - 1) as f64 * 0.9 + 0.3, "{v}");
}
