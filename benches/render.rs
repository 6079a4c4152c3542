//! Render benchmark: a 200×50 frame of the whole app (tabs, pane, status and hint bars) with
//! 1,000,000 lines in the live log and 100,000 pool rows in the Pool pane's cache. Times
//! `FRAMES` frames (default 2000) of the Log pane and of the Pool pane, moving between frames
//! so every frame draws something new, and prints one JSON line: frames, p50, p99 and max
//! frame time in µs per pane (`log`, `pool`: wall clock; `log_cpu`, `pool_cpu`: the thread's
//! CPU time, which leaves out time the scheduler gave other processes), and peak RSS.
//!
//! `cargo bench --bench render` (release profile). `FRAMES=5000 cargo bench --bench render`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::time::Instant;

use lsbridge::engine::Integration;
use lsbridge::jobs::events::Level;
use lsbridge::mapping::FieldValue;
use lsbridge::pool::PoolItem;
use lsbridge::tui::action::Action;
use lsbridge::tui::app::App;
use lsbridge::tui::command::Command;
use lsbridge::tui::keymap::Keymap;
use lsbridge::tui::log_buffer::{LogBuffer, LogEntry};
use lsbridge::tui::panes::pool::PoolPane;
use lsbridge::tui::theme::{ColorMode, Theme};
use lsbridge::tui::view;
use ratatui::backend::TestBackend;
use ratatui::Terminal;

const LOG_LINES: usize = 1_000_000;
const POOL_ROWS: usize = 100_000;
const W: u16 = 200;
const H: u16 = 50;

fn log_line(i: usize) -> LogEntry {
    LogEntry {
        seq: 0,
        at: format!("2026-11-26T12:{:02}:{:02}Z", (i / 60) % 60, i % 60),
        run: 1 + (i / 100_000) as u64,
        source: if i % 3 == 0 {
            "harbor"
        } else {
            "warehouse-east"
        }
        .to_string(),
        kind: Some(Integration::ALL[i % 3]),
        level: match i % 97 {
            0 => Level::Error,
            1..=3 => Level::Warn,
            _ => Level::Info,
        },
        line: format!(
            "page {}: {} products mapped, {} updated, {} unchanged (cursor version {})",
            i / 1000,
            1000,
            i % 17,
            1000 - i % 17,
            4_000_000 + i
        ),
    }
}

fn pool_item(i: usize) -> PoolItem {
    let mut fields = BTreeMap::new();
    fields.insert(
        "Title".into(),
        FieldValue::Text(format!(
            "Synthetic product {i} – trail edition, size {}",
            i % 13
        )),
    );
    fields.insert("Quantity".into(), FieldValue::Number((i % 250) as f64));
    fields.insert(
        "Cost".into(),
        FieldValue::Number(4.5 + (i % 900) as f64 / 7.0),
    );
    fields.insert(
        "MSRP".into(),
        FieldValue::Number(9.99 + (i % 900) as f64 / 3.0),
    );
    fields.insert(
        "Brand".into(),
        FieldValue::Text(format!("Brand {}", i % 40)),
    );
    fields.insert(
        "Description".into(),
        FieldValue::Text("A long description that the table never shows.".repeat(4)),
    );
    PoolItem {
        sku: format!("SYN-{i:07}"),
        product_id: format!("00000000-0000-4000-8000-{i:012}"),
        parent_sku: None,
        is_parent: false,
        fields,
        archived: i % 50 == 0,
        last_seen_run: 3,
        history: Default::default(),
        stock: Default::default(),
        committed: (i % 7) as f64,
    }
}

struct Stats {
    frames: usize,
    p50: f64,
    p99: f64,
    max: f64,
}

fn stats(mut us: Vec<f64>) -> Stats {
    us.sort_by(|a, b| a.total_cmp(b));
    let at = |q: f64| us[((us.len() as f64 * q).ceil() as usize).clamp(1, us.len()) - 1];
    Stats {
        frames: us.len(),
        p50: at(0.50),
        p99: at(0.99),
        max: us.last().copied().unwrap_or(0.0),
    }
}

fn json(s: &Stats) -> serde_json::Value {
    serde_json::json!({
        "frames": s.frames,
        "p50_us": (s.p50 * 10.0).round() / 10.0,
        "p99_us": (s.p99 * 10.0).round() / 10.0,
        "max_us": (s.max * 10.0).round() / 10.0,
    })
}

/// CPU time this thread has used, in µs: unlike the wall clock it does not count the time
/// the scheduler gave other processes, so it is the frame's own cost on a busy machine.
fn thread_cpu_us() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec through a valid pointer.
    unsafe {
        libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts);
    }
    ts.tv_sec as f64 * 1e6 + ts.tv_nsec as f64 / 1e3
}

/// Draws `frames` frames, calling `between` before each (not timed). Returns (wall, CPU)
/// µs per frame.
fn time_frames(
    app: &mut App,
    term: &mut Terminal<TestBackend>,
    theme: &Theme,
    frames: usize,
    mut between: impl FnMut(&mut App, usize),
) -> (Vec<f64>, Vec<f64>) {
    let mut wall = Vec::with_capacity(frames);
    let mut cpu = Vec::with_capacity(frames);
    for i in 0..frames {
        between(app, i);
        let c0 = thread_cpu_us();
        let t0 = Instant::now();
        term.draw(|f| view::draw(f, app, theme)).expect("draw");
        wall.push(t0.elapsed().as_secs_f64() * 1e6);
        cpu.push(thread_cpu_us() - c0);
    }
    (wall, cpu)
}

fn command(app: &mut App, c: Command) {
    // Effects (engine requests) are dropped: the bench has no engine.
    let _ = app.update(Action::Command(c));
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else is read from the command line.
    let frames: usize = std::env::var("FRAMES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000)
        .max(1000);
    let theme = Theme::built_in("default", ColorMode::Ansi256).expect("theme");
    let mut app = App::new(Keymap::default(), lsbridge::backend::Mode::InProcess);
    app.shared.now = "2026-11-26T12:00:00Z".into();
    app.shared.source = Some("harbor".into());

    let mut log = LogBuffer::with_capacity(LOG_LINES);
    for i in 0..LOG_LINES {
        log.push(log_line(i));
    }
    app.shared.log = log;
    let rows: Vec<PoolItem> = (0..POOL_ROWS).map(pool_item).collect();
    PoolPane::preloaded("harbor", POOL_ROWS, 0, rows).install(&mut app);

    let mut term = Terminal::new(TestBackend::new(W, H)).expect("terminal");

    // Log: half following a live stream (a new line per frame), half paused and scrolling
    // back through the million lines a page at a time.
    command(&mut app, Command::Pane6);
    let mut next = LOG_LINES;
    let log_us = time_frames(&mut app, &mut term, &theme, frames, |app, i| {
        if i < frames / 2 {
            app.shared.log.push(log_line(next));
            next += 1;
        } else if i % 2 == 0 {
            command(app, Command::PageUp);
        } else {
            command(app, Command::Up);
        }
    });

    // Pool: down a row per frame, a page every tenth frame, and the ends now and then.
    command(&mut app, Command::Pane7);
    let pool_us = time_frames(&mut app, &mut term, &theme, frames, |app, i| {
        let c = match i % 500 {
            0 if i % 1000 == 0 => Command::Top,
            0 => Command::Bottom,
            n if n % 10 == 0 => Command::PageDown,
            _ => Command::Down,
        };
        command(app, c);
    });

    let screen: String = {
        let buf = term.backend().buffer();
        (0..W).map(|x| buf[(x, 1)].symbol().to_string()).collect()
    };
    assert!(screen.contains("Pool · harbor · 100000 items"), "{screen}");

    let rss = lsbridge::cli::bench::peak_rss_bytes().unwrap_or(0);
    let line = serde_json::json!({
        "bench": "render",
        "size": format!("{W}x{H}"),
        "log_lines": LOG_LINES,
        "pool_rows": POOL_ROWS,
        "log": json(&stats(log_us.0)),
        "pool": json(&stats(pool_us.0)),
        "log_cpu": json(&stats(log_us.1)),
        "pool_cpu": json(&stats(pool_us.1)),
        "peak_rss_mb": rss / (1024 * 1024),
    });
    println!("{line}");
}
