//! `lsbridge bench primary`: imports `synthetic:N` from a simulator running as a separate
//! process (rate limit off) into a fresh data dir, and prints one JSON line of figures:
//! requests (all, and product pages), wall time, products per second, and this process's
//! peak RSS (the importing process; the simulator's memory is not counted).

use crate::cli::outln;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Instant;

use clap::Args;

use crate::cli::{exit, Failure};
use crate::connections::{Connection, Connections, NewConnection};
use crate::jobs::primary::{self, PrimaryOptions};
use crate::jobs::{Events, JobCtx};
use crate::lightspeed::ClientOptions;
use crate::mapping::Integration;
use crate::sources::{Source, Sources};
use crate::store::Store;
use crate::templates::Templates;

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Products in the synthetic store.
    #[arg(long, default_value_t = 100_000, value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    pub products: u64,
    /// page_size requested for products.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    pub page_size: u64,
    /// Use a simulator that is already running (`lsbridge sim --no-rate-limit --store
    /// synthetic:N`) at this origin instead of starting one; handy for profiling the importer
    /// alone.
    #[arg(long)]
    pub origin: Option<String>,
    /// Fetch and map but write nothing (isolates the cost of persisting).
    #[arg(long)]
    pub dry_run: bool,
    /// Import a second time into the same data dir (every product then already in the pool,
    /// as on every scheduled run after the first) and report that run too.
    #[arg(long)]
    pub again: bool,
}

/// Peak resident set size of this process, from /proc (Linux).
pub fn peak_rss_bytes() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

struct SimChild(std::process::Child);

impl Drop for SimChild {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `lsbridge sim` for `synthetic:N` on a free port; returns its origin.
fn start_sim(products: u64) -> Result<(String, SimChild), Failure> {
    let exe = std::env::current_exe()
        .map_err(|e| Failure::failed(format!("cannot find the lsbridge binary: {e}")))?;
    let mut child = Command::new(exe)
        .args(["sim", "--port", "0", "--no-rate-limit", "--store"])
        .arg(format!("synthetic:{products}"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| Failure::failed(format!("cannot start the simulator: {e}")))?;
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| Failure::failed("simulator has no stdout"))?;
    let child = SimChild(child);
    let mut first = String::new();
    BufReader::new(stdout)
        .read_line(&mut first)
        .map_err(|e| Failure::failed(format!("simulator did not start: {e}")))?;
    let origin = first
        .trim()
        .strip_prefix("listening on ")
        .ok_or_else(|| Failure::failed(format!("unexpected simulator output {first:?}")))?
        .to_string();
    Ok((origin, child))
}

/// (products, inventory) requests the simulator has served so far.
fn endpoint_counts(rt: &tokio::runtime::Runtime, origin: &str) -> (u64, u64) {
    let summary: serde_json::Value = rt
        .block_on(async {
            reqwest::get(format!("{origin}/__sim/summary"))
                .await?
                .json()
                .await
        })
        .unwrap_or_default();
    let count = |k: &str| summary["counters"]["by_endpoint"][k].as_u64().unwrap_or(0);
    (count("products"), count("inventory"))
}

pub fn run(a: BenchArgs, rt: &tokio::runtime::Runtime) -> Result<u8, Failure> {
    let (origin, child) = match &a.origin {
        Some(o) => (o.trim_end_matches('/').to_string(), None),
        None => {
            let (o, c) = start_sim(a.products)?;
            (o, Some(c))
        }
    };
    let dir = std::env::temp_dir().join(format!("lsbridge-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let store = Store::open(&dir)?;
    let (conn, _) = Connection::build(NewConnection {
        name: "bench".into(),
        domain_prefix: "synthetic".into(),
        token: crate::sim::config::DEFAULT_TOKEN.into(),
        api_version: None,
        api_root: Some(origin.clone()),
    })?;
    Connections::open(&store)?.add(&conn)?;
    let source = Sources::open(&store)?
        .add(Source {
            name: "bench".into(),
            connection: Some("bench".into()),
            ..Source::default()
        })
        .map_err(Failure::from)?;
    let template = Templates::open(&store)?.compiled(None, Integration::Primary)?;
    let client = conn.client(ClientOptions {
        page_size: a.page_size,
        ..ClientOptions::default()
    })?;
    let ctx = JobCtx::new(store.clone(), client.clone(), Events::none());
    // Counted as differences, so a simulator given with --origin may have served before.
    let before = endpoint_counts(rt, &origin);
    let started = Instant::now();
    let opts = PrimaryOptions {
        dry_run: a.dry_run,
        ..PrimaryOptions::default()
    };
    let summary = rt
        .block_on(primary::run(&ctx, &source, &template, &opts))
        .map_err(|e| Failure::failed(e.to_string()))?;
    let wall = started.elapsed().as_secs_f64();
    let after = endpoint_counts(rt, &origin);
    let rerun = if a.again {
        let started = Instant::now();
        let s = rt
            .block_on(primary::run(&ctx, &source, &template, &opts))
            .map_err(|e| Failure::failed(e.to_string()))?;
        let wall = started.elapsed().as_secs_f64();
        Some(serde_json::json!({
            "wall_s": (wall * 1000.0).round() / 1000.0,
            "products_per_s": (a.products as f64 / wall).round(),
            "unchanged": s.counts.unchanged,
            "outcome": format!("{:?}", s.outcome),
        }))
    } else {
        None
    };
    let product_requests = after.0.saturating_sub(before.0);
    let inventory_requests = after.1.saturating_sub(before.1);
    drop(child);
    drop(ctx);
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
    let out = serde_json::json!({
        "bench": "primary",
        "products": a.products,
        "imported": summary.counts.new + summary.counts.updated + summary.counts.unchanged,
        "page_size": a.page_size,
        "requests": client.requests_sent(),
        "product_requests": product_requests,
        "product_requests_expected": a.products.div_ceil(a.page_size) + 1,
        "inventory_requests": inventory_requests,
        "wall_s": (wall * 1000.0).round() / 1000.0,
        "products_per_s": (a.products as f64 / wall).round(),
        "peak_rss_mb": peak_rss_bytes().map(|b| (b as f64 / 1048576.0).round()),
        "outcome": format!("{:?}", summary.outcome),
        "again": rerun,
    });
    outln!("{out}");
    Ok(exit::OK)
}
