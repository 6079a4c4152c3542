//! `lsbridge` (the TUI on the user's data dir) and `lsbridge demo` (the TUI on a fresh data
//! dir with an embedded simulator and a demo source ready to run).

use std::path::PathBuf;

use crate::backend::Backend;
use crate::cli::{exit, Failure};
use crate::connections::{Connection, Connections, NewConnection};
use crate::engine::{Engine, EngineOptions};
use crate::sim::{SimConfig, SimHandle, StoreSpec};
use crate::source::{Source, Sources};
use crate::store::Store;
use crate::tui::keymap::Keymap;
use crate::tui::theme::{ColorMode, Theme};
use crate::tui::TuiOptions;

pub struct TuiArgs {
    pub theme: Option<String>,
    pub mouse: bool,
}

/// The sample FRs shipped with the demo (also `fixtures/frs/sample.json`).
const SAMPLE_FRS: &str = include_str!("../../fixtures/frs/sample.json");

fn options(
    args: &TuiArgs,
    dir: Option<&std::path::Path>,
) -> Result<(TuiOptions, Vec<String>), Failure> {
    let theme_name = args.theme.clone().unwrap_or_else(|| "default".into());
    let theme = Theme::load(&theme_name, dir, ColorMode::detect()).map_err(Failure::usage)?;
    let (keymap, problems) = match dir.map(|d| d.join("keys.toml")) {
        Some(p) if p.exists() => match std::fs::read_to_string(&p) {
            Ok(text) => Keymap::with_overrides(&text),
            Err(e) => (
                Keymap::default(),
                vec![format!(
                    "cannot read {}: {e}; using the default keys",
                    p.display()
                )],
            ),
        },
        _ => (Keymap::default(), Vec::new()),
    };
    Ok((
        TuiOptions {
            theme,
            keymap,
            mouse: args.mouse,
        },
        problems,
    ))
}

fn interactive() -> Result<(), Failure> {
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        return Err(Failure::usage(
            "the TUI needs a terminal; for scripts use the commands in `lsbridge --help`",
        ));
    }
    Ok(())
}

pub fn run_tui(data_dir: Option<PathBuf>, args: TuiArgs) -> Result<u8, Failure> {
    interactive()?;
    let dir = crate::store::resolve_data_dir(data_dir)?;
    std::fs::create_dir_all(&dir)
        .map_err(|e| Failure::failed(format!("cannot create {}: {e}", dir.display())))?;
    let (opts, problems) = options(&args, Some(&dir))?;
    let rt = crate::cli::runtime()?;
    rt.block_on(async move {
        // A running daemon owns the store: attach to it. Otherwise run the engine (and its
        // scheduler) here; closing the TUI then stops them.
        let backend = crate::backend::connect_backend(&dir, EngineOptions::default())
            .await
            .map_err(|e| Failure::failed(e.to_string()))?;
        let scheduler = backend
            .local()
            .map(|e| crate::engine::scheduler::Scheduler::start(e.clone()));
        let clock = match &backend {
            Backend::Local(e) => e.clock().clone(),
            _ => crate::clock::system(),
        };
        let r = crate::tui::run_with_notes(backend, clock, opts, problems).await;
        if let Some(s) = scheduler {
            s.stop().await;
        }
        r.map_err(|e| Failure::failed(e.to_string()))
    })?;
    Ok(exit::OK)
}

/// Sets up the demo store: a connection to the simulator, a source with every Send FRs
/// setting filled from the simulator's own registers, users and taxes, and the sample FRs
/// file in the data dir. Returns the source's name.
pub async fn prepare_demo(store: &Store, sim: &SimHandle) -> Result<String, Failure> {
    let (conn, _) = Connection::build(NewConnection {
        name: "demo".into(),
        domain_prefix: "harborpine".into(),
        token: crate::sim::config::DEFAULT_TOKEN.into(),
        api_version: None,
        api_root: Some(sim.origin()),
    })?;
    // A --data-dir used before keeps its setup; only the simulator's address is new.
    let conns = Connections::open(store)?;
    match conns.get(&conn.name) {
        Ok(mut old) => {
            old.api_root = conn.api_root.clone();
            conns.save(&old)?;
        }
        Err(_) => conns.add(&conn)?,
    }
    let _ = std::fs::write(store.dir().join("sample-frs.json"), SAMPLE_FRS);
    if Sources::open(store)?.by_name("harbor").is_ok() {
        return Ok("harbor".into());
    }
    let (register, user, tax, shipping, web_payment) = sim.with_store(|s, _| {
        let live = |v: &serde_json::Value| v.get("deleted_at").is_none_or(|d| d.is_null());
        let id_of =
            |v: &serde_json::Value| v.get("id").and_then(|i| i.as_str()).map(str::to_string);
        let first = |t: &crate::sim::table::Table<serde_json::Value>| {
            t.iter().find(|v| live(v)).and_then(id_of)
        };
        // The store's default tax, else the first that taxes at all: FR tax is sent under it.
        let rate = |v: &serde_json::Value| {
            v.get("rates").and_then(|r| r.as_array()).map_or(0.0, |r| {
                r.iter().filter_map(|x| x.get("rate")?.as_f64()).sum()
            })
        };
        let tax = s
            .taxes
            .iter()
            .find(|v| live(v) && v.get("is_default").and_then(|d| d.as_bool()) == Some(true))
            .or_else(|| s.taxes.iter().find(|v| live(v) && rate(v) > 0.0))
            .and_then(id_of)
            .or_else(|| first(&s.taxes));
        // The demo store's shipping product carries FR shipping costs.
        let shipping = s
            .products
            .iter()
            .find(|p| !p.is_deleted() && p.sku.eq_ignore_ascii_case("SHIPPING"))
            .map(|p| p.id.clone());
        // Payment methods the store has no payment type for (PayPal) are paid as Web Order.
        let web_payment = s
            .payment_types
            .iter()
            .find(|v| live(v) && v.get("name").and_then(|n| n.as_str()) == Some("Web Order"))
            .and_then(id_of);
        (
            first(&s.registers),
            first(&s.users),
            tax,
            shipping,
            web_payment,
        )
    });
    let mut s = Source {
        name: "harbor".into(),
        connection: Some("demo".into()),
        allow_backorders: true,
        ..Source::default()
    };
    s.primary.archive_unarchive = true;
    s.send_frs.register_id = register;
    s.send_frs.user_id = user;
    s.send_frs.tax_id = tax;
    s.send_frs.shipping_product_id = shipping;
    s.send_frs.payment_type_id = web_payment;
    Sources::open(store)?.add(s)?;
    Ok("harbor".into())
}

pub fn run_demo(data_dir: Option<PathBuf>, keep: bool, args: TuiArgs) -> Result<u8, Failure> {
    interactive()?;
    // Declared before the runtime, so the store is closed before the dir is removed.
    let demo = crate::cli::demo::DemoDir::new(data_dir, keep)?;
    let dir = demo.path.clone();
    let store = Store::open(&dir)?;
    let (opts, problems) = options(&args, Some(&dir))?;
    let rt = crate::cli::runtime()?;
    let r = rt.block_on(async move {
        let sim = SimHandle::start(SimConfig {
            store: StoreSpec::Demo,
            ..SimConfig::default()
        })
        .await
        .map_err(|e| Failure::failed(format!("cannot start the simulator: {e}")))?;
        prepare_demo(&store, &sim).await?;
        let engine = Engine::new(store, EngineOptions::default());
        // So the status page shows Connected from the start.
        let _ = engine.test_connection("demo").await;
        let scheduler = crate::engine::scheduler::Scheduler::start(engine.clone());
        let clock = engine.clock().clone();
        let mut notes = problems;
        notes.push(format!(
            "demo: data in {}, simulator at {}; sample FRs: {}",
            dir.display(),
            sim.origin(),
            dir.join("sample-frs.json").display()
        ));
        let r = crate::tui::run_with_notes(Backend::Local(engine), clock, opts, notes).await;
        scheduler.stop().await;
        r.map_err(|e| Failure::failed(e.to_string()))?;
        sim.stop().await;
        Ok::<_, Failure>(())
    });
    drop(rt);
    outln!("{}", demo.farewell());
    r?;
    Ok(exit::OK)
}

/// `lsbridge keys`: the keyboard reference as the TUI will use it (defaults plus the data
/// dir's keys.toml), as a Markdown table.
pub fn print_keys(data_dir: Option<PathBuf>) -> Result<u8, Failure> {
    let dir = crate::store::resolve_data_dir(data_dir)?;
    let path = dir.join("keys.toml");
    let (keymap, problems) = match std::fs::read_to_string(&path) {
        Ok(text) => Keymap::with_overrides(&text),
        Err(_) => (Keymap::default(), Vec::new()),
    };
    for p in &problems {
        errln!("warning: {p}");
    }
    out!("{}", keymap.markdown());
    Ok(exit::OK)
}
