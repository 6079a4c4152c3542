//! `/` in Sources and Connections by keys alone: the list narrows with every key typed, the
//! keys typed into the filter never run as commands (a, e, d, t, g, q are all commands of
//! these panes), Enter keeps the filter, Esc clears it, and the hint bar offers `/ filter`
//! only in panes that have one.

use crate::snap;
use crate::support::tui::{self, Tui};
use crossterm::event::KeyCode;
use lsbridge::connections::NewConnection;
use lsbridge::engine::{Request, Response};
use lsbridge::source::Source;

const W: u16 = 120;
const H: u16 = 30;

/// The names in the list's rows (the first column of rows under the header).
fn rows(screen: &str, names: &[&str]) -> Vec<String> {
    screen
        .lines()
        .filter_map(|l| l.strip_prefix('│'))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|w| names.contains(w))
        .map(str::to_string)
        .collect()
}

/// The hint bar (the last line drawn).
fn hints(screen: &str) -> String {
    screen
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .to_string()
}

async fn add_source(t: &mut Tui, name: &str) {
    let source = Source {
        name: name.into(),
        ..Source::default()
    };
    assert_eq!(
        t.engine.handle(Request::AddSource { source }).await,
        Response::Done
    );
}

async fn add_connection(t: &mut Tui, name: &str, prefix: &str) {
    let connection = NewConnection {
        name: name.into(),
        domain_prefix: prefix.into(),
        token: "lsxs_pt_FilterT3stAa1Bb2Cc3Dd4Ee5Ff6Gg7Hh8".into(),
        api_version: None,
        api_root: None,
    };
    let r = t.engine.handle(Request::AddConnection { connection }).await;
    assert!(matches!(r, Response::Done | Response::Message(_)), "{r:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slash_filters_sources_as_you_type_and_typed_keys_run_nothing() {
    const NAMES: [&str; 3] = ["harbor", "westfield", "eastgate"];
    let mut t = tui::demo().await;
    add_source(&mut t, "westfield").await;
    add_source(&mut t, "eastgate").await;
    t.press("1").await;
    let all = t.screen(W, H);
    assert_eq!(rows(&all, &NAMES).len(), 3, "{all}");
    assert!(hints(&all).contains("/ filter"), "{all}");

    // Each key narrows the list at once; no Enter needed.
    t.keys("/westf");
    let w = t.screen(W, H);
    assert_eq!(rows(&w, &NAMES), ["westfield"], "{w}");
    // The selection follows onto a shown source: the other panes show it.
    assert_eq!(t.driver.app.shared.source.as_deref(), Some("westfield"));

    // Ctrl-u clears the line: everything again, still typing.
    t.ctrl('u');
    assert_eq!(rows(&t.screen(W, H), &NAMES).len(), 3);

    // "eastgate" types a (add), e (edit), g (first row), t: none of them runs.
    t.keys("eastgate");
    t.settle().await;
    let e = t.screen(W, H);
    assert_eq!(rows(&e, &NAMES), ["eastgate"], "{e}");
    assert!(
        !e.contains("New source") && !e.contains("Edit source"),
        "{e}"
    );
    assert!(t.driver.app.popup().is_none(), "{e}");
    assert!(e.contains("▏"), "the filter line has the cursor\n{e}");
    snap!("sources_filter_typing", e);

    // d (delete) and q (quit) are typed too: nothing matches, nothing is asked or quit.
    t.keys("dq");
    t.settle().await;
    let none = t.screen(W, H);
    assert!(none.contains("No source matches \"eastgatedq\""), "{none}");
    assert!(t.driver.app.popup().is_none(), "{none}");
    assert!(!t.driver.app.should_quit(), "q in the filter quit the app");
    assert_eq!(
        match t.engine.handle(Request::ListSources).await {
            Response::Sources(l) => l.len(),
            other => panic!("{other:?}"),
        },
        3,
        "nothing deleted"
    );

    // Backspace widens: "eastgate" again.
    t.key(KeyCode::Backspace);
    t.key(KeyCode::Backspace);
    assert_eq!(rows(&t.screen(W, H), &NAMES), ["eastgate"]);

    // Enter keeps the filter and gives the keys back to the list.
    t.ctrl('u');
    t.keys("harb");
    t.key(KeyCode::Enter);
    let kept = t.screen(W, H);
    assert!(kept.contains("Sources · matching \"harb\""), "{kept}");
    assert!(!kept.contains("▏"), "{kept}");
    assert_eq!(rows(&kept, &NAMES), ["harbor"], "{kept}");
    // j moves within what is shown: there is only harbor.
    t.keys("j");
    assert_eq!(t.driver.app.shared.source.as_deref(), Some("harbor"));

    // Esc clears it: every source again.
    t.key(KeyCode::Esc);
    let back = t.screen(W, H);
    assert_eq!(rows(&back, &NAMES).len(), 3, "{back}");
    assert!(!back.contains("matching"), "{back}");

    // Esc while typing clears too.
    t.keys("/west");
    t.key(KeyCode::Esc);
    assert_eq!(rows(&t.screen(W, H), &NAMES).len(), 3);

    // Jobs has no filter: its hint bar does not offer one.
    t.press("5").await;
    let jobs = t.screen(W, H);
    assert!(!hints(&jobs).contains("/ filter"), "{jobs}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slash_filters_connections_as_you_type_and_typed_keys_run_nothing() {
    const NAMES: [&str; 3] = ["demo", "backup", "eastside"];
    let mut t = tui::demo().await;
    add_connection(&mut t, "backup", "backupstore").await;
    add_connection(&mut t, "eastside", "eastsidestore").await;
    t.press("2").await;
    let all = t.screen(W, H);
    assert_eq!(rows(&all, &NAMES).len(), 3, "{all}");
    assert!(hints(&all).contains("/ filter"), "{all}");

    // By domain prefix too.
    t.keys("/backupst");
    let b = t.screen(W, H);
    assert_eq!(rows(&b, &NAMES), ["backup"], "{b}");
    assert!(b.contains("Selected · backup"), "{b}");

    // "eastside" types e (edit), a (add), t (test), d (delete): none of them runs.
    t.ctrl('u');
    t.keys("eastside");
    t.settle().await;
    let e = t.screen(W, H);
    assert_eq!(rows(&e, &NAMES), ["eastside"], "{e}");
    assert!(!e.contains("testing"), "{e}");
    assert!(
        !e.contains("Edit connection") && !e.contains("New connection"),
        "{e}"
    );
    assert!(t.driver.app.popup().is_none(), "{e}");
    assert!(e.contains("Selected · eastside"), "{e}");

    // Enter keeps it and gives the keys back to the list.
    t.key(KeyCode::Enter);
    let kept = t.screen(W, H);
    assert!(
        kept.contains("Connections · matching \"eastside\""),
        "{kept}"
    );
    assert!(!kept.contains("▏"), "{kept}");
    assert_eq!(rows(&kept, &NAMES), ["eastside"], "{kept}");

    // Esc clears it.
    t.key(KeyCode::Esc);
    let back = t.screen(W, H);
    assert_eq!(rows(&back, &NAMES).len(), 3, "{back}");
    assert_eq!(
        match t.engine.handle(Request::ListConnections).await {
            Response::Connections(l) => l.len(),
            other => panic!("{other:?}"),
        },
        3,
        "nothing removed or added"
    );
}
