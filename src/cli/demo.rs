//! `lsbridge demo`: the TUI on the embedded simulator (see `cli::tui`), or with `--headless`
//! the whole main job run through the engine, each step's result printed: Test Connection,
//! Primary, a change in the store, Secondary, FRs imported and sent with each sale's total.
//! The data dir is a fresh temporary one (removed on exit unless `--keep`), or `--data-dir`.

use std::path::{Path, PathBuf};

use clap::Args;

use crate::backend::Backend;
use crate::cli::{exit, Failure};
use crate::engine::{Engine, EngineEvent, EngineOptions, Integration, Request, Response};
use crate::jobs::{Counts, JobEvent, Outcome};
use crate::sim::{SimConfig, SimHandle, StoreSpec};
use crate::store::Store;

#[derive(Debug, Clone, Default, Args)]
pub struct DemoArgs {
    /// No TUI: run the main job against the embedded simulator and print each step's result
    /// (for CI and sessions without a terminal). Exits 0 when every step passed.
    #[arg(long)]
    pub headless: bool,
    /// Keep the temporary data dir on exit (its path is printed). A --data-dir is always kept.
    #[arg(long)]
    pub keep: bool,
}

/// The demo's data dir: `--data-dir` (kept), or a fresh one under the system temp dir,
/// removed when this is dropped unless `--keep` was given.
pub struct DemoDir {
    pub path: PathBuf,
    temporary: bool,
    keep: bool,
}

impl DemoDir {
    pub fn new(data_dir: Option<PathBuf>, keep: bool) -> Result<DemoDir, Failure> {
        let (path, temporary) = match data_dir {
            Some(d) => {
                crate::cli::check_data_dir(&d)?;
                (d, false)
            }
            None => {
                let stamp = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_millis())
                    .unwrap_or(0);
                let name = format!("lsbridge-demo-{}-{stamp}", std::process::id());
                (std::env::temp_dir().join(name), true)
            }
        };
        std::fs::create_dir_all(&path)
            .map_err(|e| Failure::failed(format!("cannot create {}: {e}", path.display())))?;
        Ok(DemoDir {
            path,
            temporary,
            keep,
        })
    }

    /// Where the data went, said once the demo ends.
    pub fn farewell(&self) -> String {
        if self.temporary && !self.keep {
            format!(
                "demo data removed ({}); --keep keeps it",
                self.path.display()
            )
        } else {
            format!("demo data kept in {}", self.path.display())
        }
    }
}

impl Drop for DemoDir {
    fn drop(&mut self) {
        if self.temporary && !self.keep {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

/// `lsbridge demo [--headless] [--keep]`.
pub fn run(
    data_dir: Option<PathBuf>,
    args: DemoArgs,
    tui: crate::cli::tui::TuiArgs,
) -> Result<u8, Failure> {
    if !args.headless {
        return crate::cli::tui::run_demo(data_dir, args.keep, tui);
    }
    // Declared before the runtime, so the store it holds is closed before the dir goes.
    let dir = DemoDir::new(data_dir, args.keep)?;
    let rt = crate::cli::runtime()?;
    let r = rt.block_on(async {
        tokio::select! {
            r = headless(&dir.path) => r,
            _ = tokio::signal::ctrl_c() => Err(Failure {
                code: exit::INTERRUPTED,
                message: "demo interrupted".into(),
                json: None,
            }),
        }
    });
    drop(rt);
    outln!("{}", dir.farewell());
    r
}

fn money(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", cents.abs() / 100, cents.abs() % 100)
}

fn outcome_word(o: Outcome) -> &'static str {
    match o {
        Outcome::Ok => "ok",
        Outcome::Partial => "PARTIAL",
        Outcome::Failed => "FAILED",
        Outcome::Cancelled => "CANCELLED",
        Outcome::Interrupted => "INTERRUPTED",
        Outcome::Running => "running",
    }
}

/// Starts one integration through the engine and waits for its end.
async fn run_job(
    backend: &Backend,
    source: &str,
    source_id: u64,
    kind: Integration,
) -> Result<(Outcome, Counts, String), Failure> {
    let mut events = backend.subscribe();
    if let Response::Error(e) = backend
        .call(Request::StartJob {
            source: source.to_string(),
            kind,
            dry_run: false,
            confirm_archive: false,
        })
        .await
    {
        return Err(Failure::failed(format!("{}: {e}", kind.label())));
    }
    loop {
        match events.recv().await {
            Ok(EngineEvent::Job {
                source: s,
                kind: k,
                event:
                    JobEvent::Finished {
                        outcome,
                        counts,
                        summary,
                        ..
                    },
            }) if s == source_id && k == kind => return Ok((outcome, counts, summary)),
            Ok(EngineEvent::Refused {
                source: s,
                kind: k,
                reason,
            }) if s == source && k == kind => {
                return Err(Failure::failed(format!("{}: {reason}", kind.label())))
            }
            Ok(EngineEvent::Idle { source: s, kind: k }) if s == source_id && k == kind => {
                return Err(Failure::failed(format!(
                    "{} ended without a result",
                    kind.label()
                )))
            }
            Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
            Err(tokio::sync::broadcast::error::RecvError::Closed) => {
                return Err(Failure::failed("the engine stopped"))
            }
        }
    }
}

/// One pool item by SKU, through the engine.
async fn pool_item(
    backend: &Backend,
    source: &str,
    sku: &str,
) -> Result<Option<crate::pool::PoolItem>, Failure> {
    match backend
        .call(Request::PoolPage {
            source: source.to_string(),
            offset: 0,
            limit: 100,
            filter: Some(sku.to_string()),
            archived: None,
            sort: Default::default(),
            descending: false,
        })
        .await
    {
        Response::Pool(items) => Ok(items.into_iter().find(|i| i.sku == sku)),
        Response::Error(e) => Err(Failure::failed(e)),
        other => Err(Failure::failed(format!("unexpected answer {other:?}"))),
    }
}

fn qty(q: Option<f64>) -> String {
    q.map_or("?".to_string(), |q| format!("{q}"))
}

/// The main job, step by step. Returns OK when every step passed.
async fn headless(dir: &Path) -> Result<u8, Failure> {
    let store = Store::open(dir)?;
    // Each run starts a fresh simulator: a pool and FRs from an earlier run would be compared
    // with a store that never saw them.
    if crate::source::Sources::open(&store)?
        .by_name("harbor")
        .is_ok()
    {
        return Err(Failure::usage(format!(
            "{} already holds a demo run: give --data-dir an empty or new directory (or leave it out for a temporary one)",
            dir.display()
        )));
    }
    let sim = SimHandle::start(SimConfig {
        store: StoreSpec::Demo,
        ..SimConfig::default()
    })
    .await
    .map_err(|e| Failure::failed(format!("cannot start the simulator: {e}")))?;
    let source = crate::cli::tui::prepare_demo(&store, &sim).await?;
    let frs_file = store.dir().join("sample-frs.json");
    let backend = Backend::Local(Engine::new(store, EngineOptions::default()));
    outln!(
        "lsbridge demo --headless: simulator at {}, data in {}",
        sim.origin(),
        dir.display()
    );
    let mut ok = true;

    // 1. Test Connection.
    match backend
        .call(Request::TestConnection {
            name: "demo".into(),
        })
        .await
    {
        Response::Error(e) => {
            outln!("Test Connection: FAILED: {e}");
            return Ok(exit::FAILURE);
        }
        _ => {
            let report = match backend.call(Request::ListConnections).await {
                Response::Connections(l) => l
                    .into_iter()
                    .find(|c| c.name == "demo")
                    .and_then(|c| c.last_report),
                _ => None,
            };
            match report {
                Some(r) => {
                    let n = |x: Option<usize>| x.map_or("?".to_string(), |v| v.to_string());
                    outln!(
                        "Test Connection: ok: connected to {:?}, {} outlets, {} registers, rate limit {} of {} left, {} scopes ok",
                        r.store_name,
                        n(r.outlets),
                        n(r.registers),
                        r.rate_remaining.map_or("?".into(), |v| v.to_string()),
                        r.rate_limit.map_or("?".into(), |v| v.to_string()),
                        r.scopes.len()
                    );
                }
                None => {
                    outln!("Test Connection: FAILED: no report recorded");
                    ok = false;
                }
            }
        }
    }
    let source_id = match backend.call(Request::ListSources).await {
        Response::Sources(l) => l
            .into_iter()
            .find(|s| s.name == source)
            .map(|s| s.id)
            .ok_or_else(|| Failure::failed(format!("no source {source}")))?,
        other => return Err(Failure::failed(format!("listing sources: {other:?}"))),
    };

    // 2. Primary.
    let (outcome, counts, summary) =
        run_job(&backend, &source, source_id, Integration::Primary).await?;
    ok &= outcome == Outcome::Ok && counts.new > 0;
    outln!("Primary: {}: {summary}", outcome_word(outcome));

    // 3. A change in the store: more stock of one product at one outlet.
    let page = match backend
        .call(Request::PoolPage {
            source: source.clone(),
            offset: 0,
            limit: 200,
            filter: None,
            archived: Some(false),
            sort: Default::default(),
            descending: false,
        })
        .await
    {
        Response::Pool(items) => items,
        other => return Err(Failure::failed(format!("reading the pool: {other:?}"))),
    };
    let Some(item) = page
        .into_iter()
        .find(|i| !i.is_parent && i.stock.quantity(None).is_some() && i.sku != "SHIPPING")
    else {
        outln!("Change in the store: FAILED: Primary left no stocked item in the pool");
        return Ok(exit::FAILURE);
    };
    const DELTA: f64 = 7.0;
    let before = item.stock.quantity(None);
    let changed = sim.with_store(|s, rng| {
        let at = s
            .inventory_of(&item.product_id)
            .first()
            .map(|r| (r.outlet_id.clone(), r.current_inventory_level));
        let (outlet, level) = at?;
        let outlet_name = s
            .outlets
            .get(&outlet)
            .and_then(|o| o.get("name").and_then(|n| n.as_str()).map(str::to_string))
            .unwrap_or_else(|| outlet.clone());
        s.adjust_stock(&item.product_id, &outlet, DELTA, rng);
        Some((outlet_name, level))
    });
    let Some((outlet_name, level)) = changed else {
        outln!(
            "Change in the store: FAILED: {} has no inventory record",
            item.sku
        );
        return Ok(exit::FAILURE);
    };
    let expected = before.map(|b| b + DELTA);
    outln!(
        "Change in the store: {} quantity +{DELTA} at {outlet_name} ({} → {}); in total {} → {}",
        item.sku,
        level,
        level + DELTA,
        qty(before),
        qty(expected)
    );

    // 4. Secondary picks the change up.
    let (outcome, _, summary) =
        run_job(&backend, &source, source_id, Integration::Secondary).await?;
    let after = pool_item(&backend, &source, &item.sku)
        .await?
        .and_then(|i| i.stock.quantity(None));
    let picked_up = after.is_some() && after == expected;
    ok &= outcome == Outcome::Ok && picked_up;
    outln!(
        "Secondary: {}: {summary}; {} quantity in the pool now {}{}",
        outcome_word(outcome),
        item.sku,
        qty(after),
        if picked_up {
            ""
        } else {
            " (EXPECTED THE CHANGE)"
        }
    );

    // 5. FRs imported.
    match backend
        .call(Request::ImportFrs {
            source: source.clone(),
            path: frs_file.display().to_string(),
        })
        .await
    {
        Response::Message(m) => outln!("FRs imported: {m}"),
        Response::Error(e) => {
            outln!("FRs imported: FAILED: {e}");
            ok = false;
        }
        other => outln!("FRs imported: {other:?}"),
    }

    // 6. FRs sent: each sale's total as the store has it, next to the FR's.
    let (outcome, counts, summary) =
        run_job(&backend, &source, source_id, Integration::SendFrs).await?;
    ok &= outcome == Outcome::Ok && counts.sent > 0;
    outln!("FRs sent: {}: {summary}", outcome_word(outcome));
    let frs = match backend
        .call(Request::Frs {
            source: Some(source.clone()),
            status: None,
        })
        .await
    {
        Response::Frs(l) => l,
        other => return Err(Failure::failed(format!("listing FRs: {other:?}"))),
    };
    if frs.is_empty() {
        ok = false;
    }
    for fr in &frs {
        let fr_total = (fr.order_total() * 100.0).round() as i64;
        let sale = fr.sale_id.as_deref().and_then(|id| sim.sale_money(id));
        match sale {
            Some(m) => {
                let same = m.total_cents == fr_total;
                ok &= same;
                outln!(
                    "  FR {}: {:?}, sale {} total {} (FR total {}){}",
                    fr.number,
                    fr.status,
                    fr.invoice_number.as_deref().unwrap_or("-"),
                    money(m.total_cents),
                    money(fr_total),
                    if same { "" } else { " MISMATCH" }
                );
            }
            None => {
                ok = false;
                outln!(
                    "  FR {}: {:?}, no sale in the store (FR total {}): {}",
                    fr.number,
                    fr.status,
                    money(fr_total),
                    fr.reason
                );
            }
        }
    }
    if let Some(e) = backend.local() {
        e.wait_idle().await;
    }
    drop(backend);
    sim.stop().await;
    if ok {
        outln!("demo: every step passed");
        Ok(exit::OK)
    } else {
        outln!("demo: some steps FAILED (see above)");
        Ok(exit::FAILURE)
    }
}
