//! The TUI's frame and its own panes, by key events alone against an in-process engine and
//! the demo simulator: snapshots of every state, and the keyboard reference in the README.

use crate::snap;
use crossterm::event::KeyCode;
use lsbridge::engine::{EngineEvent, Integration};
use lsbridge::jobs::JobEvent;
use lsbridge::tui::action::Action;
use lsbridge::tui::keymap::Keymap;

use crate::support::tui;

const W: u16 = 110;
const H: u16 = 30;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_run_screens_say_what_to_do() {
    let mut t = tui::empty().await;
    // The app opens on Overview, which says where to start.
    assert!(t.screen(W, H).contains("Start here"));
    t.press("1").await;
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
    t.press("1").await;
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
        kind: Integration::Secondary,
        event: JobEvent::Started {
            run: 7,
            kind: Integration::Secondary,
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
        kind: Integration::Primary,
        event: JobEvent::Started {
            run: 9,
            kind: Integration::Primary,
            source: "harbor".into(),
            dry_run: false,
        },
    }));
    t.driver.dispatch(Action::Engine(EngineEvent::Job {
        source: id,
        kind: Integration::Primary,
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
        kind: Integration::Primary,
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
        Response::Error(e) => assert!(e.to_string().contains("Register ID"), "{e}"),
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
    use lsbridge::source::QuantityFrom;
    let t = tui::demo().await;
    let mut source = t.driver.app.shared.sources[0].clone();
    let before = source.primary.quantity_from.clone();
    source.primary.quantity_from = QuantityFrom::Outlet("not-an-outlet".into());
    match t.engine.handle(Request::SaveSource { source }).await {
        Response::Error(e) => assert!(
            e.to_string()
                .contains("Quantity From \"not-an-outlet\" is not an outlet in this store"),
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

fn ctrl_key(c: char) -> Action {
    Action::Key(crossterm::event::KeyEvent::new(
        KeyCode::Char(c),
        crossterm::event::KeyModifiers::CONTROL,
    ))
}

/// A keys.toml rebinding shows wherever the key is named: the hint bar, the help, the
/// pick list's key line and the question's answers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rebinding_a_key_changes_the_hints_and_the_help() {
    let mut t = tui::demo().await;
    let (keymap, problems) = Keymap::with_overrides(
        "[frs]\nrun_now = [\"f5\"]\n[pick]\nfilter = [\"ctrl-f\"]\n[confirm]\nyes = [\"Y\"]\n",
    );
    assert!(problems.is_empty(), "{problems:?}");
    t.driver.app.keymap = keymap;
    t.press("8").await;
    let frs = t.screen(W, H);
    let hints = frs.lines().last().unwrap_or("");
    assert!(hints.contains("F5 run"), "{hints}");
    assert!(!hints.contains("r run"), "{hints}");
    t.press("?").await;
    let help = t.screen(W, H);
    assert!(help.contains("F5"), "{help}");
    t.key(KeyCode::Esc);
    // The mapping grid's pick list names the rebound filter key.
    t.press("4").await;
    t.key(KeyCode::Enter);
    t.settle().await;
    t.press("l").await;
    t.key(KeyCode::Enter);
    t.settle().await;
    let pick = t.screen(W, H);
    assert!(pick.contains("Ctrl-f or any letter filters"), "{pick}");
    t.key(KeyCode::Esc);
    t.key(KeyCode::Esc);
    t.settle().await;
    // The question's answer line says the key that now means yes.
    t.press("1d").await;
    let q = t.screen(W, H);
    assert!(q.contains("Y yes"), "{q}");
    t.keys("y");
    assert!(t.driver.app.popup().is_some(), "y is no longer yes");
    t.keys("Y");
    assert!(t.driver.app.popup().is_none());
}

/// Enter on a delete question deletes nothing (the question says No is the default);
/// only `y` deletes: a source, a connection, a template row.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enter_on_a_delete_confirmation_deletes_nothing() {
    use lsbridge::engine::{Request, Response};
    let mut t = tui::demo().await;
    let sources = |r: Response| match r {
        Response::Sources(l) => l.len(),
        other => panic!("{other:?}"),
    };
    let connections = |r: Response| match r {
        Response::Connections(l) => l.len(),
        other => panic!("{other:?}"),
    };
    // A template row first, while the source exists.
    t.press("4").await;
    t.key(KeyCode::Enter);
    t.settle().await;
    let before = t.screen(W, H);
    assert!(before.contains("Description"), "{before}");
    t.press("gjj").await;
    t.press("d").await;
    let q = t.screen(W, H);
    assert!(q.contains("Delete the row for Description?"), "{q}");
    assert!(q.contains("no (the default)"), "{q}");
    t.key(KeyCode::Enter);
    t.settle().await;
    let kept = t.screen(W, H);
    assert!(t.driver.app.popup().is_none());
    assert!(kept.contains("Description"), "{kept}");
    assert!(!kept.contains("unsaved changes"), "{kept}");
    t.press("d").await;
    t.press("y").await;
    let gone = t.screen(W, H);
    assert!(gone.contains("row Description deleted"), "{gone}");
    assert!(gone.contains("unsaved changes"), "{gone}");
    t.key(KeyCode::Esc);
    t.settle().await;
    t.keys("y");
    t.settle().await;

    // The source.
    t.press("1d").await;
    assert!(t.screen(W, H).contains("Remove source harbor?"));
    t.key(KeyCode::Enter);
    t.settle().await;
    assert_eq!(sources(t.engine.handle(Request::ListSources).await), 1);
    t.press("d").await;
    t.press("y").await;
    assert_eq!(sources(t.engine.handle(Request::ListSources).await), 0);

    // The connection (no source uses it any more).
    t.press("2d").await;
    assert!(t.driver.app.popup().is_some());
    t.key(KeyCode::Enter);
    t.settle().await;
    assert_eq!(
        connections(t.engine.handle(Request::ListConnections).await),
        1
    );
    t.press("d").await;
    t.press("y").await;
    assert_eq!(
        connections(t.engine.handle(Request::ListConnections).await),
        0
    );
}

/// `x` cancels a running job in Jobs, asking first; Enter and n leave it running.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn x_in_jobs_asks_before_cancelling_the_running_job() {
    use lsbridge::engine::Request;
    use lsbridge::tui::action::Effect;
    let mut t = tui::demo().await;
    t.press("5").await;
    // Not running: nothing to ask.
    t.keys("x");
    assert!(t.driver.app.popup().is_none());
    let said = t.driver.app.shared.flash.clone().map(|(_, m)| m);
    assert!(
        said.as_deref()
            .is_some_and(|m| m.contains("nothing to cancel")),
        "{said:?}"
    );
    let source = t.driver.app.shared.sources[0].id;
    t.driver.dispatch(Action::Engine(EngineEvent::Job {
        source,
        kind: Integration::Primary,
        event: JobEvent::Started {
            run: 7,
            kind: Integration::Primary,
            source: "harbor".into(),
            dry_run: false,
        },
    }));
    let cancels = |effects: &[Effect]| {
        effects
            .iter()
            .filter(|e| {
                matches!(e, Effect::Call { request: Request::CancelJob { source, kind }, .. }
                    if source == "harbor" && *kind == Integration::Primary)
            })
            .count()
    };
    let key = |c: KeyCode| Action::Key(crossterm::event::KeyEvent::from(c));
    assert_eq!(cancels(&t.driver.app.update(key(KeyCode::Char('x')))), 0);
    let q = t.screen(W, H);
    assert!(q.contains("Cancel Get Inventory"), "{q}");
    assert_eq!(cancels(&t.driver.app.update(key(KeyCode::Enter))), 0);
    assert!(t.driver.app.popup().is_none());
    t.driver.app.update(key(KeyCode::Char('x')));
    assert_eq!(cancels(&t.driver.app.update(key(KeyCode::Char('n')))), 0);
    t.driver.app.update(key(KeyCode::Char('x')));
    assert_eq!(cancels(&t.driver.app.update(key(KeyCode::Char('y')))), 1);
}

/// The palette lists human names with their keys, and only what applies in the pane.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn palette_shows_human_names_keys_and_only_what_applies() {
    let mut t = tui::demo().await;
    t.press("8:").await;
    let all = t.screen(W, H);
    assert!(!all.contains("pane5"), "{all}");
    assert!(!all.contains("run_now"), "{all}");
    assert!(!all.contains("Test Connection"), "{all}");
    t.keys("run");
    let frs = t.screen(W, H);
    assert!(frs.contains("run now"), "{frs}");
    let row = frs
        .lines()
        .find(|l| l.contains("run now"))
        .unwrap_or_default()
        .to_string();
    assert!(
        row.contains(&format!("{:<44}r", "run now (Send FRs in FRs)")),
        "{row}"
    );
    t.key(KeyCode::Esc);
    // Jobs has no filter, so the palette does not offer one there.
    t.press("5:").await;
    t.keys("filter");
    assert!(!t.screen(W, H).contains("filter / search"));
    t.key(KeyCode::Esc);
    t.press("7:").await;
    t.keys("filter");
    let pool = t.screen(W, H);
    assert!(pool.contains("filter / search"), "{pool}");
    snap!("popup_palette_pool_filter", pool);
    t.key(KeyCode::Esc);
    t.press("2:").await;
    assert!(t.screen(W, H).contains("Test Connection"));
}

/// `/` where there is no filter: no filter hint, and what is typed after it never runs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_slash_swallows_what_follows() {
    let mut t = tui::demo().await;
    t.press("5").await;
    let jobs = t.screen(W, H);
    assert!(
        !jobs.lines().last().unwrap_or("").contains("filter"),
        "{jobs}"
    );
    t.press("/outlet2").await;
    assert!(t.screen(W, H).contains("Jobs has no filter"));
    t.key(KeyCode::Esc);
    t.settle().await;
    assert_eq!(t.driver.app.current(), lsbridge::tui::panes::PaneId::Jobs);
    t.press("7").await;
    let pool = t.screen(W, H);
    assert!(
        pool.lines().last().unwrap_or("").contains("/ filter"),
        "{pool}"
    );
}

/// Pick lists move with j / k; other letters filter; Ctrl-u clears the line.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pick_lists_move_with_j_k_and_ctrl_u_clears() {
    let mut t = tui::demo().await;
    t.press("4").await;
    t.key(KeyCode::Enter);
    t.settle().await;
    t.press("l").await;
    t.key(KeyCode::Enter);
    t.settle().await;
    // The pick list's marked row (the grid's own row marker is at the left edge).
    let selected = |s: &str| {
        s.lines()
            .filter_map(|l| {
                l.char_indices()
                    .skip(1)
                    .find(|(_, c)| *c == '│')
                    .map(|(i, _)| &l[i..])
            })
            .find(|l| l.starts_with("│› "))
            .unwrap_or_default()
            .to_string()
    };
    let first = selected(&t.screen(W, H));
    t.press("j").await;
    let screen = t.screen(W, H);
    let second = selected(&screen);
    assert_ne!(first, second, "{screen}");
    t.press("k").await;
    assert_eq!(selected(&t.screen(W, H)), first);
    // Another letter starts the filter; then j types.
    t.press("smaj").await;
    assert!(t.screen(W, H).contains("filter: smaj"));
    t.driver.dispatch(ctrl_key('u'));
    let cleared = t.screen(W, H);
    assert!(!cleared.contains("smaj"), "{cleared}");
    // The list has the keys again.
    t.press("j").await;
    assert!(!t.screen(W, H).contains("filter: j"));
    // Ctrl-u in a text field clears the whole line too.
    t.key(KeyCode::Esc);
    t.key(KeyCode::Esc);
    t.press("1a").await;
    t.keys("north-store");
    assert!(t.screen(W, H).contains("north-store"));
    t.driver.dispatch(ctrl_key('u'));
    assert!(!t.screen(W, H).contains("north-store"));
}

/// The same by keys against a real run: the simulator answers slowly, so the run is still
/// on its first pages when `x` and `y` arrive; the run is recorded Cancelled.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn x_in_jobs_cancels_a_real_run() {
    use lsbridge::engine::{Request, Response};
    use lsbridge::jobs::Outcome;
    let mut t = tui::demo().await;
    {
        let sim = t.sim.as_ref().expect("sim");
        let mut faults = sim.faults();
        faults.latency_ms = 400;
        sim.set_faults(faults);
    }
    t.keys("5r");
    while !t.driver.app.shared.jobs.values().any(|j| j.running()) {
        let a = t.driver.next().await;
        t.driver.dispatch(a);
    }
    t.keys("x");
    assert!(t.screen(W, H).contains("Cancel Get Inventory"));
    t.key(KeyCode::Enter);
    assert!(t.driver.app.popup().is_none());
    t.keys("xy");
    t.settle().await;
    let Response::Runs(runs) = t
        .engine
        .handle(Request::Runs {
            source: None,
            limit: 10,
        })
        .await
    else {
        panic!("runs");
    };
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert_eq!(runs[0].outcome, Outcome::Cancelled, "{runs:?}");
}
