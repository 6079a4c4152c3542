//! Driving the TUI without a terminal: the app, an in-process engine over a real store, and
//! (optionally) the demo simulator over loopback. Screens are rendered into ratatui's
//! `TestBackend` at a fixed size with colours off, so snapshots do not depend on the
//! environment.

#![allow(dead_code)]

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use lsbridge::backend::Backend;
use lsbridge::engine::{Engine, EngineOptions};
use lsbridge::sim::{SimHandle, StoreSpec};
use lsbridge::store::Store;
use lsbridge::tui::action::Action;
use lsbridge::tui::app::App;
use lsbridge::tui::keymap::Keymap;
use lsbridge::tui::theme::{ColorMode, Theme};
use lsbridge::tui::Driver;
use ratatui::backend::TestBackend;
use ratatui::Terminal;

use super::simkit;

pub struct Tui {
    pub driver: Driver,
    pub engine: Engine,
    pub store: Store,
    pub sim: Option<SimHandle>,
    pub theme: Theme,
}

fn engine(store: Store) -> Engine {
    Engine::new(
        store,
        EngineOptions {
            clock: lsbridge::clock::system(),
            retry: simkit::fast_retry(),
            timeout: std::time::Duration::from_secs(10),
        },
    )
}

fn build(store: Store, sim: Option<SimHandle>) -> Tui {
    let engine = engine(store.clone());
    let app = App::new(Keymap::default(), "in-process".into());
    let driver = Driver::new(
        app,
        Backend::Local(engine.clone()),
        lsbridge::clock::system(),
    );
    Tui {
        driver,
        engine,
        store,
        sim,
        theme: Theme::built_in("default", ColorMode::NoColor).expect("theme"),
    }
}

/// No sources, no connections: the first-run screens.
pub async fn empty() -> Tui {
    let mut t = build(Store::open_temporary().expect("store"), None);
    t.settle().await;
    t
}

/// What `lsbridge demo` sets up: the demo simulator, a connection to it, and a source with
/// Send FRs configured.
pub async fn demo() -> Tui {
    demo_with(simkit::config(StoreSpec::Demo)).await
}

/// As [`demo`], with the simulator configured as given (e.g. a second accepted token).
pub async fn demo_with(cfg: lsbridge::sim::SimConfig) -> Tui {
    let sim = SimHandle::start(cfg).await.expect("sim");
    let store = Store::open_temporary().expect("store");
    lsbridge::cli::tui::prepare_demo(&store, &sim)
        .await
        .expect("demo setup");
    let mut t = build(store, Some(sim));
    t.settle().await;
    t
}

impl Tui {
    pub async fn settle(&mut self) {
        self.driver.settle().await;
    }

    pub fn key(&mut self, code: KeyCode) {
        self.driver.key(code);
    }

    pub fn ctrl(&mut self, c: char) {
        self.driver.dispatch(Action::Key(KeyEvent::new(
            KeyCode::Char(c),
            KeyModifiers::CONTROL,
        )));
    }

    /// Each char is one key press (`"5r"` = go to Jobs, run).
    pub fn keys(&mut self, s: &str) {
        self.driver.type_text(s);
    }

    /// Keys, then wait until every request and job is done.
    pub async fn press(&mut self, s: &str) {
        self.keys(s);
        self.settle().await;
    }

    /// The screen as text, `w`×`h`.
    pub fn screen(&mut self, w: u16, h: u16) -> String {
        let mut term = Terminal::new(TestBackend::new(w, h)).expect("terminal");
        self.driver.app.mark_dirty();
        self.driver.render(&mut term, &self.theme).expect("draw");
        let buf = term.backend().buffer().clone();
        let mut out = String::new();
        for y in 0..h {
            let mut line = String::new();
            for x in 0..w {
                line.push_str(buf[(x, y)].symbol());
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}

/// Insta filters for what changes between runs: times, dates, run ids, ports, temp paths.
pub fn filters() -> Vec<(&'static str, &'static str)> {
    vec![
        (r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?", "[time]"),
        (r"\b\d{2}:\d{2}:\d{2}\b", "[hh:mm:ss]"),
        (r"\b\d{2}:\d{2}\b", "[hh:mm]"),
        (r"127\.0\.0\.1:\d+", "127.0.0.1:[port]"),
        (r"/tmp/[^\s│]+", "[tmp]"),
        (r"\b\d{9,}\b", "[id]"),
        (r"\b\d+(\.\d+)?s\b", "[dur]"),
    ]
}

/// `insta::assert_snapshot!` with the filters above.
#[macro_export]
macro_rules! snap {
    ($name:expr, $screen:expr) => {{
        let mut settings = insta::Settings::clone_current();
        for (re, with) in $crate::support::tui::filters() {
            settings.add_filter(re, with);
        }
        settings.set_prepend_module_to_snapshot(false);
        settings.bind(|| insta::assert_snapshot!($name, $screen));
    }};
}
