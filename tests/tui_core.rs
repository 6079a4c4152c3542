//! The TUI's frame and its own panes, by key events alone against an in-process engine and
//! the demo simulator: snapshots of every state, and the keyboard reference in the README.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use crossterm::event::KeyCode;
use lsbridge::engine::{EngineEvent, JobKind};
use lsbridge::jobs::JobEvent;
use lsbridge::tui::action::Action;
use lsbridge::tui::keymap::Keymap;

use support::tui;

const W: u16 = 110;
const H: u16 = 30;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_run_screens_say_what_to_do() {
    let mut t = tui::empty().await;
    snap!("empty_sources", t.screen(W, H));
    for (keys, name) in [
        ("2", "empty_connections"),
        ("3", "empty_integrations"),
        ("5", "empty_jobs"),
        ("6", "empty_log"),
        ("9", "empty_history"),
    ] {
        t.press(keys).await;
        snap!(name, t.screen(W, H));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_tour_test_connection_run_primary_and_read_the_log() {
    let mut t = tui::demo().await;
    snap!("demo_sources", t.screen(W, H));
    // Not tested yet: the status page names the missing step.
    t.press("3").await;
    let before = t.screen(W, H);
    assert!(
        before.contains("has not passed Test Connection yet"),
        "{before}"
    );
    snap!("demo_integrations_untested", before);
    t.press("t").await;
    let after = t.screen(W, H);
    assert!(!after.contains("✘"), "{after}");
    snap!("demo_integrations_connected", after);
    t.press("2").await;
    snap!("demo_connections_tested", t.screen(W, H));

    // Run Primary from the Jobs pane and see its counts.
    t.press("5r").await;
    let jobs = t.screen(W, H);
    assert!(jobs.contains("Ok"), "{jobs}");
    assert!(jobs.contains("new 323"), "{jobs}");
    snap!("demo_jobs_after_primary", jobs);
    t.press("6").await;
    let log = t.screen(W, H);
    assert!(log.contains("finished: Ok"), "{log}");
    snap!("demo_log_after_primary", log);
    // History and one run's stored log.
    t.press("9").await;
    snap!("demo_history", t.screen(W, H));
    t.key(KeyCode::Enter);
    t.settle().await;
    let run_log = t.screen(W, H);
    assert!(
        run_log.contains("Get Inventory (Primary) for harbor"),
        "{run_log}"
    );
    snap!("demo_history_run_log", run_log);
    t.key(KeyCode::Esc);
    t.settle().await;
    assert!(t.screen(W, H).contains("History"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn popups_help_palette_confirm_and_quit() {
    let mut t = tui::demo().await;
    t.press("?").await;
    let help = t.screen(W, H);
    assert!(help.contains("Keys (Esc closes)"), "{help}");
    snap!("popup_help", help);
    t.key(KeyCode::Esc);
    // The palette filters commands as you type and runs the chosen one.
    t.press(":").await;
    t.press("jobs").await;
    snap!("popup_palette_filtered", t.screen(W, H));
    t.key(KeyCode::Esc);
    t.settle().await;
    // Delete asks first, and Esc keeps the source.
    t.press("1d").await;
    let confirm = t.screen(W, H);
    assert!(confirm.contains("Remove source harbor?"), "{confirm}");
    snap!("popup_confirm_remove_source", confirm);
    t.key(KeyCode::Esc);
    t.settle().await;
    assert!(t.screen(W, H).contains("harbor"));
    assert!(t.driver.app.popup().is_none());

    // A running job makes q ask.
    t.driver.dispatch(Action::Engine(EngineEvent::Job {
        source: t.driver.app.shared.sources[0].id,
        kind: JobKind::Secondary,
        event: JobEvent::Started {
            run: 7,
            kind: "secondary".into(),
            source: "harbor".into(),
            dry_run: false,
        },
    }));
    t.keys("q");
    snap!("popup_quit_while_running", t.screen(W, H));
    assert!(!t.driver.app.should_quit());
    t.keys("n");
    assert!(!t.driver.app.should_quit());
    t.keys("qy");
    assert!(t.driver.app.should_quit());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limit_wait_refusals_and_tiny_terminals_are_shown() {
    let mut t = tui::demo().await;
    let id = t.driver.app.shared.sources[0].id;
    t.press("5").await;
    t.driver.dispatch(Action::Engine(EngineEvent::Job {
        source: id,
        kind: JobKind::Primary,
        event: JobEvent::Started {
            run: 9,
            kind: "primary".into(),
            source: "harbor".into(),
            dry_run: false,
        },
    }));
    t.driver.dispatch(Action::Engine(EngineEvent::Job {
        source: id,
        kind: JobKind::Primary,
        event: JobEvent::WaitingForRateLimit {
            run: 9,
            until: std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_795_723_390),
        },
    }));
    let screen = t.screen(W, H);
    assert!(
        screen.contains("waiting for rate limit until 20:03:10 UTC"),
        "{screen}"
    );
    snap!("jobs_waiting_for_rate_limit", screen);
    t.driver.dispatch(Action::Engine(EngineEvent::Refused {
        source: "harbor".into(),
        kind: JobKind::Primary,
        reason: "Get Inventory (Primary) for harbor is already running".into(),
    }));
    snap!("jobs_refused", t.screen(W, H));
    snap!("too_small", t.screen(40, 10));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unbound_keys_say_so_and_never_panic() {
    let mut t = tui::demo().await;
    for pane in ["1", "2", "3", "4", "5", "6", "7", "8", "9"] {
        t.press(pane).await;
        for k in ["Z", "~", "%", "j", "k", "g", "G", "/", "x"] {
            t.keys(k);
            t.key(KeyCode::Esc);
        }
        t.key(KeyCode::Enter);
        t.key(KeyCode::Esc);
        t.key(KeyCode::Esc);
        t.settle().await;
        let _ = t.screen(W, H);
    }
    t.press("5").await;
    t.keys("Z");
    assert!(t.screen(W, H).contains("Z does nothing here"));
}

/// The README's keyboard reference is the registry's own table.
#[test]
fn readme_keyboard_reference_matches_the_registry() {
    let readme = std::fs::read_to_string("README.md").expect("README");
    let table = Keymap::default().markdown();
    let start = "<!-- keys:start -->\n";
    let end = "<!-- keys:end -->";
    let a = readme
        .find(start)
        .expect("README has the keys:start marker")
        + start.len();
    let b = readme.find(end).expect("README has the keys:end marker");
    assert_eq!(
        &readme[a..b],
        table,
        "README keyboard reference is stale; replace it with Keymap::default().markdown()"
    );
}

/// The TUI saves sources through the engine, which checks Send FRs ids against the live
/// store as the CLI does: a wrong id is refused, naming which, and nothing is saved.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_ids_saved_from_the_tui_are_checked_against_the_store() {
    use lsbridge::engine::{Request, Response};
    let t = tui::demo().await;
    let mut source = t.driver.app.shared.sources[0].clone();
    let good = source.send_frs.register_id.clone();
    source.send_frs.register_id = Some("00000000-0000-4000-8000-000000000000".into());
    match t
        .engine
        .handle(Request::SaveSource {
            source: source.clone(),
        })
        .await
    {
        Response::Error(e) => assert!(e.contains("Register ID"), "{e}"),
        other => panic!("a wrong register id was accepted: {other:?}"),
    }
    let stored = match t.engine.handle(Request::ListSources).await {
        Response::Sources(s) => s,
        other => panic!("{other:?}"),
    };
    assert_eq!(stored[0].send_frs.register_id, good, "nothing was saved");
    // Other changes with unchanged, valid ids save as before.
    source.send_frs.register_id = good;
    source.send_frs.hold_hours = 3;
    assert_eq!(
        t.engine.handle(Request::SaveSource { source }).await,
        Response::Done
    );
}

/// The wizard's save goes through the same validation: a quantity outlet the store does not
/// have is refused, naming the setting, and nothing is saved.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bogus_quantity_outlet_saved_from_the_tui_is_refused() {
    use lsbridge::engine::{Request, Response};
    use lsbridge::sources::QuantityFrom;
    let t = tui::demo().await;
    let mut source = t.driver.app.shared.sources[0].clone();
    let before = source.primary.quantity_from.clone();
    source.primary.quantity_from = QuantityFrom::Outlet("not-an-outlet".into());
    match t.engine.handle(Request::SaveSource { source }).await {
        Response::Error(e) => assert!(
            e.contains("Quantity From \"not-an-outlet\" is not an outlet in this store"),
            "{e}"
        ),
        other => panic!("a bogus outlet was accepted: {other:?}"),
    }
    let stored = match t.engine.handle(Request::ListSources).await {
        Response::Sources(s) => s,
        other => panic!("{other:?}"),
    };
    assert_eq!(stored[0].primary.quantity_from, before, "nothing was saved");
}

/// Quitting with an open, changed editor asks first; `n` goes back with the edit intact.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quitting_with_unsaved_changes_asks_first() {
    let mut t = tui::demo().await;
    t.press("1a").await;
    t.keys("new-source");
    t.ctrl('c');
    let screen = t.screen(W, H);
    assert!(
        screen.contains("Unsaved changes in the source wizard"),
        "{screen}"
    );
    snap!("popup_quit_unsaved", screen);
    t.keys("n");
    assert!(!t.driver.app.should_quit());
    assert!(t.screen(W, H).contains("new-source"));
    t.ctrl('c');
    t.keys("y");
    assert!(t.driver.app.should_quit());
}
