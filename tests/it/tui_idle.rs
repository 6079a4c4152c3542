//! A long-lived monitor must not redraw while nothing happens: two seconds of idle with the
//! scheduler armed draw no frame, and a key press afterwards draws one.

use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use lsbridge::engine::scheduler::Scheduler;
use lsbridge::engine::{Request, Response};
use lsbridge::source::Schedule;
use lsbridge::tui::action::Action;
use lsbridge::tui::{event_loop, Input};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use tokio::sync::mpsc;

use crate::support::tui;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_idle_seconds_with_the_scheduler_armed_draw_nothing() {
    let mut t = tui::demo().await;
    // Hourly Secondary, so the scheduler has something armed during the idle window.
    let mut source = t.driver.app.shared.sources[0].clone();
    source.secondary.schedule = Some(Schedule::EveryMinutes(60));
    let r = t.engine.handle(Request::SaveSource { source }).await;
    assert_eq!(r, Response::Done);
    let scheduler = Scheduler::start(t.engine.clone());
    scheduler.armed().await;
    // A never-run scheduled integration runs once at start-up; let it finish.
    t.engine.wait_idle().await;
    t.settle().await;
    let state = scheduler.state();
    assert!(
        !state.next.is_empty(),
        "the scheduler has a next run: {state:?}"
    );
    assert!(state
        .next
        .iter()
        .all(|n| n.at > std::time::SystemTime::now() + Duration::from_secs(60)));

    let mut term = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
    let (tx, mut input) = mpsc::unbounded_channel::<Input>();
    // The first frame, then quiet.
    t.driver.app.mark_dirty();
    let theme = t.theme.clone();
    let idle = tokio::time::timeout(
        Duration::from_secs(2),
        event_loop(&mut t.driver, &mut term, &theme, &mut input),
    )
    .await;
    assert!(idle.is_err(), "the loop kept running for the whole window");
    assert_eq!(
        t.driver.draws, 1,
        "only the first frame was drawn in 2 s of idle"
    );

    // Something changes: a key draws a frame; q quits the loop.
    tx.send(Input::Action(Action::Key(KeyEvent::new(
        KeyCode::Char('5'),
        KeyModifiers::NONE,
    ))))
    .expect("send");
    tx.send(Input::Action(Action::Key(KeyEvent::new(
        KeyCode::Char('q'),
        KeyModifiers::NONE,
    ))))
    .expect("send");
    tokio::time::timeout(
        Duration::from_secs(30),
        event_loop(&mut t.driver, &mut term, &theme, &mut input),
    )
    .await
    .expect("q ends the loop")
    .expect("no terminal error");
    assert!(
        t.driver.draws >= 2,
        "a key press draws ({} frames)",
        t.driver.draws
    );
    scheduler.stop().await;
}
