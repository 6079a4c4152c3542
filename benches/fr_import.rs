//! FR import benchmark: JSON files of N synthetic FRs (two items each, both addresses) are
//! imported into a fresh on-disk store with [`lsbridge::frs::import_file`], the path `lsbridge
//! fr import` takes. Sizes 10,000, 50,000 and 100,000 by default (`FRS=20000,200000` to
//! choose), so the per-record time shows whether the import is linear. Prints one JSON line
//! per size (records, wall seconds split into parse+import, records per second, µs per
//! record) and a last line naming the machine (CPU model, cores).
//!
//! `cargo bench --bench fr_import` (release profile).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Instant;

use lsbridge::source::{Source, Sources};
use lsbridge::store::Store;

fn fr_json(i: usize) -> String {
    format!(
        r#"  {{"number": "WEB-{i:07}", "created_at": "2026-03-04T15:30:00Z", "payment_method": "Credit Card",
    "shipping_method": "USPS Priority Mail", "discount": 2.5, "shipping_cost": 7.25, "tax": 3.1,
    "billing": {{"first_name": "Ada", "last_name": "Lovelace {i}", "address_line_1": "{i} Harbor View Road",
      "city": "Portland", "state": "ME", "postal_code": "04101", "country_code": "US", "email": "ada{i}@example.net"}},
    "shipping": {{"first_name": "Ada", "last_name": "Lovelace {i}", "address_line_1": "{i} Harbor View Road",
      "city": "Portland", "state": "ME", "postal_code": "04101", "country_code": "US"}},
    "items": [{{"sku": "HP-MUG-{a:03}", "quantity": 2, "unit_price": 16.0}},
              {{"sku": "HP-TEA-{b:03}", "quantity": 1, "unit_price": 9.5}}]}}"#,
        a = i % 500,
        b = (i * 7) % 500
    )
}

fn file_of(n: usize) -> String {
    let mut s = String::with_capacity(n * 700);
    s.push_str("[\n");
    for i in 0..n {
        if i > 0 {
            s.push_str(",\n");
        }
        s.push_str(&fr_json(i));
    }
    s.push_str("\n]\n");
    s
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, m)| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into())
}

fn main() {
    let sizes: Vec<usize> = std::env::var("FRS")
        .ok()
        .map(|v| v.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .filter(|v: &Vec<usize>| !v.is_empty())
        .unwrap_or_else(|| vec![10_000, 50_000, 100_000]);
    for n in sizes {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("frs.json");
        std::fs::write(&path, file_of(n)).expect("write the FR file");
        let bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        let store = Store::open(&dir.path().join("data")).expect("store");
        let source = Sources::open(&store)
            .expect("sources")
            .add(Source {
                name: "bench".into(),
                ..Source::default()
            })
            .expect("source");
        let clock = lsbridge::clock::system();
        let started = Instant::now();
        let report =
            lsbridge::frs::import_file(&store, &source, &path, &clock).expect("import succeeds");
        let wall = started.elapsed().as_secs_f64();
        assert_eq!(
            report.imported,
            n,
            "every FR imported: {}",
            report.summary()
        );
        println!(
            "{}",
            serde_json::json!({
                "bench": "fr_import_json",
                "records": n,
                "file_mb": (bytes as f64 / 1048576.0 * 10.0).round() / 10.0,
                "wall_s": (wall * 1000.0).round() / 1000.0,
                "records_per_s": (n as f64 / wall).round(),
                "us_per_record": (wall * 1e6 / n as f64 * 10.0).round() / 10.0,
            })
        );
    }
    println!(
        "{}",
        serde_json::json!({
            "machine": {
                "cpu": cpu_model(),
                "cores": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
                "os": std::env::consts::OS,
                "arch": std::env::consts::ARCH,
            }
        })
    );
}
