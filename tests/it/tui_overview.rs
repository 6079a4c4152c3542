//! The Overview pane, the Jobs pane's progress and reasons, and every pane at every size:
//! by key events against an in-process engine and the demo simulator, on a fixed clock so
//! rates, ETAs and budget resets are the same on every run.

use std::time::{Duration, SystemTime};

use crossterm::event::KeyCode;
use lsbridge::clock::ManualClock;
use lsbridge::engine::{EngineEvent, Integration, Request, Response};
use lsbridge::jobs::events::Level;
use lsbridge::jobs::runs::{LogLine, RunRecord, Runs};
use lsbridge::jobs::{Counts, JobEvent, Outcome};
use lsbridge::source::Sources;
use lsbridge::tui::action::Action;

use crate::snap;
use crate::support::tui;

/// 2026-03-10 12:00:00 UTC: midday, so the local date is the UTC date in every zone the
/// snapshots may be taken in.
fn noon() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_773_144_000)
}

fn job(t: &mut tui::Tui, kind: Integration, event: JobEvent) {
    let source = t.driver.app.shared.sources[0].id;
    t.driver.dispatch(Action::Engine(EngineEvent::Job {
        source,
        kind,
        event,
    }));
}

fn started(run: u64) -> JobEvent {
    JobEvent::Started {
        run,
        kind: lsbridge::engine::Integration::Primary,
        source: "harbor".into(),
        dry_run: false,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fresh_data_dir_opens_on_overview_with_a_start_here_hint() {
    let clock = ManualClock::new(noon());
    let mut t = tui::empty_at(std::sync::Arc::new(clock)).await;
    let screen = t.screen(120, 40);
    assert!(screen.contains("0 Overview"), "{screen}");
    assert!(screen.contains("Start here: add a connection"), "{screen}");
    snap!("overview_fresh", screen);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overview_idle_running_waiting_and_failed() {
    // FRs imported two hours before noon wait in the queue.
    let clock = ManualClock::new(noon() - Duration::from_secs(7200));
    let mut t = tui::demo_at(std::sync::Arc::new(clock.clone())).await;
    let imported = t
        .engine
        .handle(Request::ImportFrs {
            source: "harbor".into(),
            path: "fixtures/frs/sample.json".into(),
        })
        .await;
    assert!(matches!(imported, Response::Message(_)), "{imported:?}");
    clock.set(noon());
    // Test Connection from the status page: the budget is known from then on.
    t.press("3t").await;
    t.press("0").await;
    let idle = t.screen(120, 40);
    assert!(idle.contains("harbor"), "{idle}");
    assert!(idle.contains("idle"), "{idle}");
    assert!(idle.contains("manual"), "{idle}");
    assert!(idle.contains(" left"), "budget shown: {idle}");
    assert!(idle.contains("12:05:00 UTC"), "window reset: {idle}");
    assert!(idle.contains("429: 0 · waits: 0"), "{idle}");
    assert!(idle.contains("oldest waiting 2h00m"), "{idle}");
    snap!("overview_idle", idle);
    snap!("overview_idle_200x50", t.screen(200, 50));
    snap!("overview_idle_80x24", t.screen(80, 24));

    // A run that knows its total: percentage, rate and ETA.
    job(&mut t, Integration::Primary, started(41));
    clock.advance(Duration::from_secs(10));
    job(
        &mut t,
        Integration::Primary,
        JobEvent::Progress {
            run: 41,
            phase: lsbridge::jobs::Phase::Products,
            done: 1200,
            total: Some(3000),
            counts: Counts::default(),
        },
    );
    t.settle().await;
    let running = t.screen(120, 40);
    assert!(running.contains("running"), "{running}");
    assert!(running.contains("40%"), "{running}");
    assert!(running.contains("ETA 15s"), "{running}");
    assert!(running.contains("1200/3000"), "{running}");
    assert!(running.contains("120/s"), "{running}");
    snap!("overview_running", running);
    let narrow = t.screen(80, 24);
    assert!(narrow.contains("40%"), "{narrow}");
    snap!("overview_running_80x24", narrow);

    // Held by the rate limit.
    job(
        &mut t,
        Integration::Primary,
        JobEvent::WaitingForRateLimit {
            run: 41,
            until: noon() + Duration::from_secs(95),
        },
    );
    let waiting = t.screen(120, 40);
    assert!(waiting.contains("rate limit"), "{waiting}");
    assert!(waiting.contains("until 12:01:35 UTC"), "{waiting}");
    snap!("overview_waiting_for_rate_limit", waiting);

    // The store goes away: retries are shown, not silence.
    job(
        &mut t,
        Integration::Primary,
        JobEvent::Retrying {
            run: 41,
            retry: 3,
            delay_ms: 8000,
            unreachable: true,
            cause: "connection refused".into(),
        },
    );
    let retrying = t.screen(120, 40);
    assert!(
        retrying.contains("store unreachable, retry 3 in 8 s"),
        "{retrying}"
    );

    // It fails: the row, the last-run column and the failures list carry the reason.
    let reason = "the store did not answer (connection refused); check the network and run again";
    let source = Sources::open(&t.store).unwrap().by_name("harbor").unwrap();
    let mut r = RunRecord::new(
        41,
        lsbridge::engine::Integration::Primary,
        &source,
        false,
        "2026-03-10T12:00:00+00:00".into(),
    );
    r.outcome = Outcome::Failed;
    r.message = reason.into();
    r.ended_at = Some("2026-03-10T12:00:20+00:00".into());
    let runs = Runs::open(&t.store).unwrap();
    runs.save(&r).unwrap();
    for (i, (level, line)) in [
        (Level::Info, "reading products"),
        (Level::Warn, "store unreachable, retry 3 in 8 s"),
        (Level::Error, reason),
    ]
    .into_iter()
    .enumerate()
    {
        runs.log(
            41,
            i as u64,
            &LogLine {
                at: "2026-03-10T12:00:2".to_string() + &i.to_string() + "+00:00",
                level,
                line: line.into(),
            },
        )
        .unwrap();
    }
    clock.advance(Duration::from_secs(10));
    job(
        &mut t,
        Integration::Primary,
        JobEvent::Finished {
            run: 41,
            outcome: Outcome::Failed,
            counts: Counts::default(),
            summary: reason.into(),
        },
    );
    t.driver.dispatch(Action::Engine(EngineEvent::Idle {
        source: source.id,
        kind: Integration::Primary,
    }));
    t.settle().await;
    let failed = t.screen(120, 40);
    assert!(failed.contains("failed"), "{failed}");
    assert!(
        failed.contains("Failed 12:00: the store did not answer"),
        "{failed}"
    );
    assert!(failed.contains("Last failures"), "{failed}");
    snap!("overview_failed", failed);
    // Enter opens that run's log.
    t.key(KeyCode::Enter);
    t.settle().await;
    let log = t.screen(120, 40);
    assert!(log.contains("Run 41"), "{log}");
    assert!(
        log.contains("WARN  store unreachable, retry 3 in 8 s"),
        "{log}"
    );
    snap!("overview_failed_run_log", log);
    t.key(KeyCode::Esc);
    t.settle().await;
    assert!(t.screen(120, 40).contains("Last failures"));
    // The Jobs pane says why too.
    t.press("5").await;
    let jobs = t.screen(80, 24);
    assert!(jobs.contains("Failed"), "{jobs}");
    assert!(jobs.contains("the store did"), "{jobs}");
    snap!("jobs_failed_reason_80x24", jobs);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_pane_shows_percentage_and_eta() {
    let clock = ManualClock::new(noon());
    let mut t = tui::demo_at(std::sync::Arc::new(clock.clone())).await;
    t.press("5").await;
    job(&mut t, Integration::SendFrs, started(5));
    clock.advance(Duration::from_secs(4));
    job(
        &mut t,
        Integration::SendFrs,
        JobEvent::Progress {
            run: 5,
            phase: lsbridge::jobs::Phase::SendingFrs,
            done: 2,
            total: Some(8),
            counts: Counts::default(),
        },
    );
    let screen = t.screen(120, 30);
    assert!(screen.contains("25%"), "{screen}");
    assert!(screen.contains("ETA 12s"), "{screen}");
    assert!(screen.contains("2/8"), "{screen}");
    snap!("jobs_progress_with_eta", screen);
}

/// Every pane at 80×24 (the common SSH size): every tab reachable, the active one shown,
/// nothing running into the next column. At 60×15 the active tab is still on screen.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_pane_at_80x24_and_the_active_tab_at_60x15() {
    let clock = ManualClock::new(noon());
    let mut t = tui::demo_at(std::sync::Arc::new(clock)).await;
    t.press("3t").await;
    t.press("5r").await;
    let titles = [
        "Overview",
        "Sources",
        "Connections",
        "Integrations",
        "Mapping",
        "Jobs",
        "Log",
        "Pool",
        "FRs",
        "History",
    ];
    for (i, title) in titles.iter().enumerate() {
        t.press(&i.to_string()).await;
        let screen = t.screen(80, 24);
        let tabs = screen.lines().next().unwrap().to_string();
        let words: Vec<&str> = tabs.split_whitespace().collect();
        for n in 0..10 {
            assert!(
                words.contains(&n.to_string().as_str()),
                "tab {n} missing: {tabs}"
            );
        }
        assert!(tabs.contains(&format!("{i} {title}")), "{tabs}");
        snap!(format!("size_80x24_{i}_{}", title.to_lowercase()), screen);
        let small = t.screen(60, 15);
        let tabs = small.lines().next().unwrap().to_string();
        assert!(tabs.contains(&format!("{i} {title}")), "{tabs}");
    }
}

/// A store that does not answer: the client's retries reach the front ends as events
/// ("store unreachable, retry 1 in …"), and the failed run keeps its reason.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retries_against_an_unreachable_store_are_reported() {
    let mut t = tui::demo().await;
    // Nothing listens on the simulator's port once it is gone.
    t.sim.take().expect("sim").stop().await;
    let mut events = t.engine.subscribe();
    t.press("5r").await;
    let mut retries = Vec::new();
    while let Ok(e) = events.try_recv() {
        if let EngineEvent::Job {
            event:
                JobEvent::Retrying {
                    retry,
                    delay_ms,
                    unreachable,
                    cause,
                    ..
                },
            ..
        } = e
        {
            retries.push(JobEvent::retry_line(retry, delay_ms, unreachable, &cause));
        }
    }
    assert!(!retries.is_empty(), "no retry events");
    assert!(
        retries[0].starts_with("store unreachable, retry 1 in "),
        "{retries:?}"
    );
    let jobs = t.screen(120, 30);
    assert!(jobs.contains("Failed"), "{jobs}");
}
