//! `lsbridge bench primary`: imports `synthetic:N` from a simulator running as a separate
//! process (rate limit off) into a fresh data dir, and prints one JSON line of figures:
//! requests (all, and product pages), wall time, products per second, and this process's
//! peak RSS (the importing process; the simulator's memory is not counted), with the machine
//! it ran on (CPU, cores, load before and after: figures from a shared or different machine
//! are only comparable as ratios). `--vs PATH` runs this build and another in turn against
//! one simulator and reports each pair's ratio and the medians.

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
use crate::source::{Source, Sources};
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
    /// Latency the simulator adds to every response, in ms (its `latency_ms` fault).
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Another lsbridge build to compare with: both run in turn against one simulator,
    /// `--runs` times each, and each pair's wall-time ratio (this ÷ other) is reported.
    #[arg(long, value_name = "PATH")]
    pub vs: Option<std::path::PathBuf>,
    /// Runs of each build with `--vs`.
    #[arg(long, default_value_t = 5)]
    pub runs: u32,
    /// Rate limit of the bench's simulator, in requests per 300 s window (off by default).
    #[arg(long)]
    pub rate_limit: Option<u64>,
    /// Simulated seconds per real second, for the simulator and the client alike (e.g. 100
    /// makes a 300 s window last 3 s).
    #[arg(long, default_value_t = 1.0)]
    pub time_scale: f64,
}

/// The machine a figure was measured on.
fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into())
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// The 1, 5 and 15 minute load averages.
fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|| "unknown".into())
}

fn machine(load_before: String) -> serde_json::Value {
    serde_json::json!({
        "cpu": cpu_model(),
        "cores": cores(),
        "load_before": load_before,
        "load_after": load(),
    })
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
fn start_sim(a: &BenchArgs) -> Result<(String, SimChild), Failure> {
    let (products, latency_ms) = (a.products, a.latency_ms);
    let exe = std::env::current_exe()
        .map_err(|e| Failure::failed(format!("cannot find the lsbridge binary: {e}")))?;
    let mut cmd = Command::new(exe);
    cmd.args(["sim", "--port", "0"]);
    match a.rate_limit {
        Some(n) => cmd.arg("--rate-limit").arg(n.to_string()),
        None => cmd.arg("--no-rate-limit"),
    };
    let mut child = cmd
        .arg("--time-scale")
        .arg(a.time_scale.to_string())
        .arg("--store")
        .arg(format!("synthetic:{products}"))
        .arg("--faults")
        .arg(format!("latency_ms={latency_ms}"))
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

pub fn run(
    a: BenchArgs,
    data_dir: Option<std::path::PathBuf>,
    rt: &tokio::runtime::Runtime,
) -> Result<u8, Failure> {
    if a.origin.is_some() && a.latency_ms > 0 {
        return Err(Failure::failed(
            "--latency-ms applies to the bench's own simulator; start yours with --faults latency_ms=N instead",
        ));
    }
    if !(a.time_scale.is_finite() && a.time_scale > 0.0) {
        return Err(Failure::failed(
            "--time-scale must be a positive number (simulated seconds per real second)",
        ));
    }
    if a.rate_limit == Some(0) {
        return Err(Failure::failed("--rate-limit must be at least 1"));
    }
    if a.origin.is_some() && (a.rate_limit.is_some() || a.time_scale != 1.0) {
        return Err(Failure::failed(
            "--rate-limit and --time-scale apply to the bench's own simulator; give your simulator its own and leave --origin out to measure them",
        ));
    }
    let load_before = load();
    let (origin, child) = match &a.origin {
        Some(o) => (o.trim_end_matches('/').to_string(), None),
        None => {
            let (o, c) = start_sim(&a)?;
            (o, Some(c))
        }
    };
    if let Some(other) = &a.vs {
        return compare(&a, other, data_dir, &origin, load_before);
    }
    // A directory of its own inside the data dir given (the disk measured is the one asked
    // for, and nothing already there is touched); the system's temp dir otherwise.
    let dir = data_dir
        .unwrap_or_else(std::env::temp_dir)
        .join(format!("lsbridge-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| {
        Failure::failed(format!(
            "cannot create the bench's data dir {}: {e}",
            dir.display()
        ))
    })?;
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
    // The client runs on the simulator's clock: its waits for a window's end, and the
    // Retry-Afters it honours, pass as fast as the simulator's windows do.
    let clock: crate::clock::SharedClock = if a.time_scale == 1.0 {
        crate::clock::system()
    } else {
        std::sync::Arc::new(crate::clock::ScaledClock::new(
            std::time::SystemTime::now(),
            a.time_scale,
        ))
    };
    let client = conn.client(ClientOptions {
        page_size: a.page_size,
        clock,
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
    let (_, rate_limited) = client.governor().stats();
    let rate = a.rate_limit.map(|n| {
        // The floor: every window the requests need but the last, waited out in full.
        let requests = client.requests_sent();
        let windows = requests.div_ceil(n).max(1);
        let window = crate::lightspeed::governor::WINDOW.as_secs_f64();
        let floor = (windows - 1) as f64 * window;
        let wall_sim = wall * a.time_scale;
        serde_json::json!({
            "limit_per_window": n,
            "time_scale": a.time_scale,
            "responses_429": rate_limited,
            "windows_needed": windows,
            "floor_sim_s": floor,
            "wall_sim_s": (wall_sim * 1000.0).round() / 1000.0,
            "wall_over_floor": (floor > 0.0).then(|| (wall_sim / floor * 1000.0).round() / 1000.0),
        })
    });
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
        "inventory_requests": inventory_requests,
        "latency_ms": a.latency_ms,
        "data_dir": dir.display().to_string(),
        "wall_s": (wall * 1000.0).round() / 1000.0,
        "products_per_s": (a.products as f64 / wall).round(),
        "peak_rss_mb": peak_rss_bytes().map(|b| (b as f64 / 1048576.0).round()),
        "outcome": format!("{:?}", summary.outcome),
        "again": rerun,
        "rate_limit": rate,
        "machine": machine(load_before),
    });
    println!("{out}");
    Ok(exit::OK)
}

/// One child bench run: its JSON line.
fn child_run(
    exe: &std::path::Path,
    a: &BenchArgs,
    data_dir: &Option<std::path::PathBuf>,
    origin: &str,
) -> Result<serde_json::Value, Failure> {
    let mut cmd = Command::new(exe);
    if let Some(d) = data_dir {
        cmd.arg("--data-dir").arg(d);
    }
    cmd.args(["bench", "primary", "--origin", origin])
        .arg("--products")
        .arg(a.products.to_string())
        .arg("--page-size")
        .arg(a.page_size.to_string());
    if a.dry_run {
        cmd.arg("--dry-run");
    }
    let out = cmd
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| Failure::failed(format!("cannot run {}: {e}", exe.display())))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().rev().find(|l| l.starts_with('{'));
    match line.and_then(|l| serde_json::from_str::<serde_json::Value>(l).ok()) {
        Some(v) if out.status.success() && v["wall_s"].is_number() => Ok(v),
        _ => Err(Failure::failed(format!(
            "{} bench primary failed ({}): {}",
            exe.display(),
            out.status,
            text.chars().take(200).collect::<String>()
        ))),
    }
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    match xs.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => xs[n / 2],
        n => (xs[n / 2 - 1] + xs[n / 2]) / 2.0,
    }
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// `--vs`: this build and `other` in turn (which goes first alternates), `runs` times each,
/// against one simulator; per pair the ratio of wall times (this ÷ other) and of peak RSS.
fn compare(
    a: &BenchArgs,
    other: &std::path::Path,
    data_dir: Option<std::path::PathBuf>,
    origin: &str,
    load_before: String,
) -> Result<u8, Failure> {
    let this = std::env::current_exe()
        .map_err(|e| Failure::failed(format!("cannot find the lsbridge binary: {e}")))?;
    let mut pairs = Vec::new();
    for i in 0..a.runs.max(1) {
        let (mine, theirs) = if i % 2 == 0 {
            let m = child_run(&this, a, &data_dir, origin)?;
            (m, child_run(other, a, &data_dir, origin)?)
        } else {
            let t = child_run(other, a, &data_dir, origin)?;
            (child_run(&this, a, &data_dir, origin)?, t)
        };
        let f = |v: &serde_json::Value, k: &str| v[k].as_f64().unwrap_or(f64::NAN);
        let pair = serde_json::json!({
            "this_wall_s": f(&mine, "wall_s"),
            "other_wall_s": f(&theirs, "wall_s"),
            "wall_ratio": round3(f(&mine, "wall_s") / f(&theirs, "wall_s")),
            "this_requests": f(&mine, "requests"),
            "other_requests": f(&theirs, "requests"),
            "this_peak_rss_mb": f(&mine, "peak_rss_mb"),
            "other_peak_rss_mb": f(&theirs, "peak_rss_mb"),
            "rss_ratio": round3(f(&mine, "peak_rss_mb") / f(&theirs, "peak_rss_mb")),
        });
        eprintln!("pair {}: {pair}", i + 1);
        pairs.push(pair);
    }
    let col = |k: &str| -> Vec<f64> {
        pairs
            .iter()
            .map(|p| p[k].as_f64().unwrap_or(f64::NAN))
            .collect()
    };
    let range = |k: &str| -> [f64; 2] {
        let xs = col(k);
        [
            xs.iter().copied().fold(f64::INFINITY, f64::min),
            xs.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        ]
    };
    let out = serde_json::json!({
        "bench": "primary",
        "vs": other.display().to_string(),
        "products": a.products,
        "page_size": a.page_size,
        "latency_ms": a.latency_ms,
        "runs": a.runs.max(1),
        "median_this_wall_s": round3(median(col("this_wall_s"))),
        "median_other_wall_s": round3(median(col("other_wall_s"))),
        "median_wall_ratio": round3(median(col("wall_ratio"))),
        "wall_ratio_range": range("wall_ratio"),
        "median_rss_ratio": round3(median(col("rss_ratio"))),
        "pairs": pairs,
        "machine": machine(load_before),
    });
    outln!("{out}");
    Ok(exit::OK)
}
