//! `lsbridge run send-frs` killed with SIGKILL at random points (at least ten times) and run
//! again until nothing is due: the simulator holds exactly one sale per FR, and every FR is
//! Processed. The simulator runs as its own process and also drops the connection after
//! committing some sale POSTs, so kills land before, during and after sends.

use std::collections::HashMap;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::support::procs::{self, job_event, jsonl_events, SimProc};
use lsbridge::frs::{FrStatus, Frs};
use lsbridge::store::Store;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};

const FRS: usize = 30;

fn setup(dir: &Path, origin: &str) {
    procs::ok(
        dir,
        &[
            "connection",
            "add",
            "--name",
            "sim",
            "--domain-prefix",
            "harborpine",
            "--token",
            "sim-demo-token",
            "--api-root",
            origin,
        ],
    );
    procs::ok(
        dir,
        &["source", "add", "--name", "hp", "--connection", "sim"],
    );
    procs::ok(
        dir,
        &[
            "source",
            "set",
            "hp",
            "--register-id",
            "4372d80f-c820-5aaa-9268-14f03f6f643e",
            "--user-id",
            "4b8b8288-fe37-584b-b1c8-b60bf9d0b2c9",
            "--tax-id",
            "26bc762a-15e1-510d-8dce-cfb5f80720f6",
            "--allow-backorders",
            "yes",
        ],
    );
    let addr = json!({
        "first_name": "Grace", "last_name": "Hopper", "address_line_1": "1 Compiler Ct",
        "city": "Arlington", "state": "VA", "postal_code": "22201", "country_code": "US",
        "email": "grace@example.com"
    });
    let skus = ["HP-MUG", "SF-FLD", "DW-R2P", "LT-H400"];
    let frs: Vec<Value> = (0..FRS)
        .map(|i| {
            json!({
                "number": format!("K-{i:03}"),
                "billing": addr, "shipping": addr,
                "items": [{"sku": skus[i % skus.len()], "quantity": 1, "unit_price": 20}]
            })
        })
        .collect();
    let file = dir.join("frs.json");
    std::fs::write(&file, serde_json::to_vec(&frs).unwrap()).unwrap();
    let out = procs::ok(
        dir,
        &["fr", "import", file.to_str().unwrap(), "--source", "hp"],
    );
    assert!(out.contains(&format!("imported {FRS}")), "{out}");
}

fn sim_sales(origin: &str) -> Vec<Value> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let v: Value = reqwest::get(format!("{origin}/__sim/sales"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        v["data"].as_array().cloned().unwrap_or_default()
    })
}

#[test]
fn sigkill_at_random_points_never_duplicates_or_loses_a_sale() {
    let sim = SimProc::start(&[
        "--store",
        "demo",
        "--no-rate-limit",
        "--faults",
        "latency_ms=25,p_commit_drop=0.15,only_path=sales",
    ]);
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path(), &sim.origin);

    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(4242);
    let mut kills = 0;
    let mut trial = 0;
    // Kills that left the batch part-sent: the interesting ones.
    let mut midway = 0;
    while kills < 10 {
        trial += 1;
        assert!(trial <= 40, "could not kill 10 runs in 40 trials");
        let mut child = Command::new(procs::bin())
            .arg("--data-dir")
            .arg(dir.path())
            .args(["run", "send-frs", "--source", "hp", "--progress", "jsonl"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Kill after a random number of finished FRs, read from the run's machine-readable
        // stream: the next one is somewhere between its attempt record, its POST (slowed
        // down by the simulator) and its Processed record. 0: as soon as the FRs due are
        // known, before the first is sent.
        let target = rng.gen_range(0..=2);
        // The stream stays open until the kill: a closed stdout would let the run stop on
        // its own instead of being killed.
        let mut events = jsonl_events(&mut child);
        for v in events.by_ref() {
            let Some(p) = job_event(&v, "progress") else {
                continue;
            };
            if p["phase"] == "sending_frs" && p["done"].as_u64() >= Some(target) {
                break;
            }
        }
        let _ = child.kill();
        drop(events);
        let status = child.wait().unwrap();
        if !status.success() {
            kills += 1;
        }
        // Never more than one sale per FR, at any point.
        let mut per_fr: HashMap<String, usize> = HashMap::new();
        let now = sim_sales(&sim.origin);
        if !now.is_empty() && now.len() < FRS {
            midway += 1;
        }
        for s in now {
            *per_fr
                .entry(s["source"]["id"].as_str().unwrap_or("").to_string())
                .or_default() += 1;
        }
        assert!(
            per_fr.values().all(|n| *n == 1),
            "trial {trial}: duplicate sales {per_fr:?}"
        );
    }
    assert!(midway >= 5, "only {midway} kills landed while sending");
    // Run to the end (faults still on: each run makes progress).
    for _ in 0..10 {
        let o = procs::lsbridge(dir.path(), &["run", "send-frs", "--source", "hp"]);
        let out = String::from_utf8_lossy(&o.stdout).to_string();
        if out.contains("unresolved 0") && o.status.success() {
            break;
        }
    }
    let sales = sim_sales(&sim.origin);
    assert_eq!(sales.len(), FRS, "one sale per FR");
    let store = Store::open(dir.path()).unwrap();
    let frs = Frs::open(&store).unwrap();
    let all = frs.list(None, None).unwrap();
    assert_eq!(all.len(), FRS, "no FR lost");
    for f in &all {
        assert_eq!(f.status, FrStatus::Processed, "{}: {}", f.number, f.reason);
        let sale = sales
            .iter()
            .find(|s| s["id"].as_str() == f.sale_id.as_deref())
            .unwrap_or_else(|| panic!("{}: its sale is missing", f.number));
        assert_eq!(sale["source"]["id"], json!(f.number));
    }
}
