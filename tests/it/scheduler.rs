//! The scheduler against the simulator over loopback, on a real (temporary) store, with a
//! manual clock: interval and cron schedules fire at their UTC times, a missed run runs once
//! at start-up, a firing that finds its integration still running is skipped, and two
//! integrations of one connection running together share one rate-limit budget without a
//! single 429. No test sleeps: each waits for the scheduler to have handled a clock time
//! (`armed_at`) and for the engine to go idle.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use lsbridge::clock::{self, ManualClock, ScaledClock, SharedClock};
use lsbridge::connections::{Connection, Connections, NewConnection};
use lsbridge::engine::scheduler::{NextRun, Scheduler};
use lsbridge::engine::{Engine, EngineEvent, EngineOptions, JobKind, Request, Response};
use lsbridge::frs::intake::import_bytes;
use lsbridge::frs::{FrStatus, Frs};
use lsbridge::jobs::checkpoint::{Checkpoints, SecondaryCheckpoint};
use lsbridge::jobs::runs::{Outcome, RunRecord, Runs};
use lsbridge::jobs::JobEvent;
use lsbridge::sim::{Faults, RateLimit, RateScope, SimConfig, SimHandle, StoreSpec};
use lsbridge::source::{Schedule, Source, Sources};
use lsbridge::store::Store;
use serde_json::json;

use crate::support::simkit;

const REGISTER: &str = "4372d80f-c820-5aaa-9268-14f03f6f643e";
const USER: &str = "4b8b8288-fe37-584b-b1c8-b60bf9d0b2c9";
const TAX: &str = "26bc762a-15e1-510d-8dce-cfb5f80720f6";

fn t(s: &str) -> SystemTime {
    chrono::DateTime::parse_from_rfc3339(s)
        .expect("test time")
        .into()
}

/// The simulator's demo store on `clock`, recording every exchange.
async fn sim_on(clock: SharedClock, rate_limit: Option<RateLimit>) -> SimHandle {
    let cfg = SimConfig {
        clock,
        rate_limit,
        ..simkit::config(StoreSpec::Demo)
    };
    SimHandle::start(cfg).await.expect("simulator starts")
}

/// A store with a connection to `sim` and one source "hp" set up by `configure`, and an
/// engine on `clock`.
fn engine_on(sim: &SimHandle, clock: SharedClock, configure: impl FnOnce(&mut Source)) -> Engine {
    let store = Store::open_temporary().expect("store");
    let (c, _) = Connection::build(NewConnection {
        name: "sim".into(),
        domain_prefix: "harborpine".into(),
        token: simkit::TOKEN.into(),
        api_version: None,
        api_root: Some(sim.origin()),
    })
    .expect("connection");
    Connections::open(&store).unwrap().add(&c).unwrap();
    let mut s = Source {
        name: "hp".into(),
        connection: Some("sim".into()),
        ..Source::default()
    };
    configure(&mut s);
    let s = Sources::open(&store).unwrap().add(s).unwrap();
    // Secondary is refused until a Primary has saved its position: these tests schedule
    // Secondary on its own, so they start as after a Primary of an empty stock feed.
    Checkpoints::open(&store)
        .unwrap()
        .save_secondary(s.id, &SecondaryCheckpoint { after: None })
        .unwrap();
    Engine::new(
        store,
        EngineOptions {
            clock,
            retry: simkit::fast_retry(),
            timeout: Duration::from_secs(10),
        },
    )
}

fn source(engine: &Engine) -> Source {
    Sources::open(engine.store())
        .unwrap()
        .by_name("hp")
        .unwrap()
}

/// Records a finished run of `kind` that started at `at`, as if an earlier process ran it.
fn seed_run(engine: &Engine, kind: JobKind, at: SystemTime) {
    let store = engine.store();
    let id = store.generate_id().unwrap() + 1;
    let mut r = RunRecord::new(
        id,
        kind.run_kind(),
        &source(engine),
        false,
        clock::rfc3339(at),
    );
    r.outcome = Outcome::Ok;
    r.ended_at = Some(clock::rfc3339(at + Duration::from_secs(30)));
    Runs::open(store).unwrap().save(&r).unwrap();
}

/// Runs of `kind`, oldest first.
fn runs(engine: &Engine, kind: JobKind) -> Vec<RunRecord> {
    let mut v: Vec<RunRecord> = Runs::open(engine.store())
        .unwrap()
        .recent(usize::MAX)
        .unwrap()
        .into_iter()
        .filter(|r| r.kind == kind.run_kind())
        .collect();
    v.reverse();
    v
}

fn starts(engine: &Engine, kind: JobKind) -> Vec<String> {
    runs(engine, kind)
        .into_iter()
        .map(|r| r.started_at)
        .collect()
}

fn finished_ok(engine: &Engine, kind: JobKind) {
    for r in runs(engine, kind) {
        assert!(
            matches!(r.outcome, Outcome::Ok | Outcome::Partial),
            "{} run {} ended {:?}: {}",
            r.kind,
            r.id,
            r.outcome,
            r.message
        );
    }
}

/// Moves the manual clock to `at` and waits until the scheduler has handled everything due
/// by then and every job it started has finished.
async fn advance_to(
    clock: &ManualClock,
    sched: &lsbridge::engine::scheduler::SchedulerHandle,
    engine: &Engine,
    at: &str,
) {
    let at = t(at);
    clock.set(at);
    sched.armed_at(at).await;
    engine.wait_idle().await;
}

fn next_of(next: &[NextRun], kind: JobKind) -> Option<SystemTime> {
    next.iter().find(|n| n.kind == kind).map(|n| n.at)
}

#[tokio::test]
async fn interval_schedule_fires_at_its_utc_times() {
    let clock = ManualClock::new(t("2026-03-10T12:07:00Z"));
    let shared: SharedClock = Arc::new(clock.clone());
    let sim = sim_on(shared.clone(), None).await;
    let engine = engine_on(&sim, shared, |s| {
        s.secondary.schedule = Some(Schedule::EveryMinutes(15));
    });
    // It ran after the 12:00 firing, so nothing was missed.
    seed_run(&engine, JobKind::Secondary, t("2026-03-10T12:05:00Z"));

    let sched = Scheduler::start(engine.clone());
    sched.armed().await;
    engine.wait_idle().await;
    assert_eq!(sched.state().started, 0, "nothing was missed");
    assert_eq!(
        sched.next_runs(),
        vec![NextRun {
            source: "hp".into(),
            kind: JobKind::Secondary,
            schedule: Schedule::EveryMinutes(15),
            at: t("2026-03-10T12:15:00Z"),
        }]
    );
    // Front ends see the same plan through the engine's API.
    match engine.handle(Request::Schedules).await {
        Response::Schedules(v) => assert_eq!(v, sched.next_runs()),
        other => panic!("unexpected {other:?}"),
    }

    advance_to(&clock, &sched, &engine, "2026-03-10T12:14:59Z").await;
    assert_eq!(runs(&engine, JobKind::Secondary).len(), 1, "not due yet");

    advance_to(&clock, &sched, &engine, "2026-03-10T12:15:00Z").await;
    advance_to(&clock, &sched, &engine, "2026-03-10T12:29:00Z").await;
    advance_to(&clock, &sched, &engine, "2026-03-10T12:30:00Z").await;
    // An hour passes at once (three firings): one run, then back on the 15-minute grid.
    advance_to(&clock, &sched, &engine, "2026-03-10T13:31:10Z").await;
    assert_eq!(
        starts(&engine, JobKind::Secondary),
        [
            "2026-03-10T12:05:00+00:00",
            "2026-03-10T12:15:00+00:00",
            "2026-03-10T12:30:00+00:00",
            "2026-03-10T13:31:10+00:00",
        ]
    );
    finished_ok(&engine, JobKind::Secondary);
    assert_eq!(
        next_of(&sched.next_runs(), JobKind::Secondary),
        Some(t("2026-03-10T13:45:00Z"))
    );
    let st = sched.state();
    assert_eq!((st.started, st.skipped, st.refused), (3, 0, 0));
    assert!(runs(&engine, JobKind::Primary).is_empty());
    assert!(runs(&engine, JobKind::SendFrs).is_empty());
    sched.stop().await;
}

#[tokio::test]
async fn cron_schedule_fires_on_the_half_hour_utc_only() {
    let clock = ManualClock::new(t("2026-03-10T12:07:00Z"));
    let shared: SharedClock = Arc::new(clock.clone());
    let sim = sim_on(shared.clone(), None).await;
    let engine = engine_on(&sim, shared, |s| {
        s.secondary.schedule = Some(Schedule::Cron("*/30 * * * *".into()));
    });
    seed_run(&engine, JobKind::Secondary, t("2026-03-10T12:05:00Z"));
    let sched = Scheduler::start(engine.clone());
    sched.armed().await;
    // Every ten minutes from 12:10 to 13:20, and the minute before and after each half hour.
    let mut at = t("2026-03-10T12:10:00Z");
    while at <= t("2026-03-10T13:20:00Z") {
        for step in [at, at + Duration::from_secs(60)] {
            clock.set(step);
            sched.armed_at(step).await;
            engine.wait_idle().await;
        }
        at += Duration::from_secs(600);
    }
    assert_eq!(
        starts(&engine, JobKind::Secondary),
        [
            "2026-03-10T12:05:00+00:00",
            "2026-03-10T12:30:00+00:00",
            "2026-03-10T13:00:00+00:00",
        ]
    );
    finished_ok(&engine, JobKind::Secondary);
    assert_eq!(
        next_of(&sched.next_runs(), JobKind::Secondary),
        Some(t("2026-03-10T13:30:00Z"))
    );
}

#[tokio::test]
async fn a_missed_run_runs_once_at_start_up_not_as_a_burst() {
    let clock = ManualClock::new(t("2026-03-10T12:07:00Z"));
    let shared: SharedClock = Arc::new(clock.clone());
    let sim = sim_on(shared.clone(), None).await;
    let engine = engine_on(&sim, shared, |s| {
        // Last ran three days ago: 288 firings missed.
        s.secondary.schedule = Some(Schedule::EveryMinutes(15));
        // Scheduled, never ran.
        s.primary.schedule = Some(Schedule::Cron("0 * * * *".into()));
        // Ran after its last firing (12:00): nothing missed.
        s.send_frs.schedule = Some(Schedule::EveryMinutes(60));
    });
    seed_run(&engine, JobKind::Secondary, t("2026-03-07T09:00:00Z"));
    seed_run(&engine, JobKind::SendFrs, t("2026-03-10T12:01:00Z"));
    // Schedules a config file could hold but that cannot run: left out, with a warning.
    let mut broken = Source {
        name: "broken".into(),
        connection: Some("sim".into()),
        ..Source::default()
    };
    broken.primary.schedule = Some(Schedule::EveryMinutes(0));
    broken.secondary.schedule = Some(Schedule::Cron("0 0 30 2 *".into()));
    Sources::open(engine.store()).unwrap().add(broken).unwrap();
    let mut events = engine.subscribe();

    let sched = Scheduler::start(engine.clone());
    sched.armed().await;
    assert_eq!(sched.state().started, 2, "{:?}", sched.state());
    engine.wait_idle().await;
    assert_eq!(
        starts(&engine, JobKind::Secondary),
        ["2026-03-07T09:00:00+00:00", "2026-03-10T12:07:00+00:00"],
        "one catch-up run, not one per missed firing"
    );
    assert_eq!(
        starts(&engine, JobKind::Primary),
        ["2026-03-10T12:07:00+00:00"]
    );
    assert_eq!(
        starts(&engine, JobKind::SendFrs),
        ["2026-03-10T12:01:00+00:00"]
    );
    finished_ok(&engine, JobKind::Secondary);
    finished_ok(&engine, JobKind::Primary);
    // Two jobs started, no more.
    let mut started = 0;
    while let Ok(e) = events.try_recv() {
        if let EngineEvent::Job {
            event: JobEvent::Started { .. },
            ..
        } = e
        {
            started += 1;
        }
    }
    assert_eq!(started, 2);
    let next = sched.next_runs();
    assert!(next.iter().all(|n| n.source == "hp"), "{next:?}");
    assert_eq!(
        next_of(&next, JobKind::Secondary),
        Some(t("2026-03-10T12:15:00Z"))
    );
    assert_eq!(
        next_of(&next, JobKind::Primary),
        Some(t("2026-03-10T13:00:00Z"))
    );
    assert_eq!(
        next_of(&next, JobKind::SendFrs),
        Some(t("2026-03-10T13:00:00Z"))
    );
    sched.stop().await;
    // With no scheduler running, front ends still see when each schedule fires next.
    match engine.handle(Request::Schedules).await {
        Response::Schedules(v) => assert_eq!(v, next),
        other => panic!("unexpected {other:?}"),
    }

    // Restarted a minute later: the catch-up runs count, so nothing is missed any more.
    clock.set(t("2026-03-10T12:08:00Z"));
    let again = Scheduler::start(engine.clone());
    again.armed().await;
    engine.wait_idle().await;
    assert_eq!(again.state().started, 0);
    assert_eq!(runs(&engine, JobKind::Secondary).len(), 2);
    assert_eq!(runs(&engine, JobKind::Primary).len(), 1);
}

#[tokio::test]
async fn a_firing_that_finds_its_run_still_going_is_skipped() {
    let clock = ManualClock::new(t("2026-03-10T12:07:00Z"));
    let shared: SharedClock = Arc::new(clock.clone());
    let sim = sim_on(shared.clone(), None).await;
    let engine = engine_on(&sim, shared, |s| {
        s.secondary.schedule = Some(Schedule::EveryMinutes(15));
    });
    seed_run(&engine, JobKind::Secondary, t("2026-03-10T12:05:00Z"));
    let src = source(&engine);
    let mut events = engine.subscribe();
    let sched = Scheduler::start(engine.clone());
    sched.armed().await;

    // Every request now takes 1.5 s of real time: the 12:15 run is still on its first
    // request when the 12:30 firing comes (the clock does not move on its own).
    sim.set_faults(Faults {
        latency_ms: 1500,
        ..Faults::none()
    });
    clock.set(t("2026-03-10T12:15:00Z"));
    sched.armed_at(t("2026-03-10T12:15:00Z")).await;
    assert!(engine.is_running(src.id, JobKind::Secondary));
    clock.set(t("2026-03-10T12:30:00Z"));
    sched.armed_at(t("2026-03-10T12:30:00Z")).await;
    let st = sched.state();
    assert_eq!((st.started, st.skipped), (1, 1), "{st:?}");
    assert!(engine.is_running(src.id, JobKind::Secondary));
    assert_eq!(
        engine
            .running()
            .iter()
            .filter(|j| j.kind == JobKind::Secondary)
            .count(),
        1,
        "never two runs of one integration"
    );

    sim.set_faults(Faults::none());
    engine.wait_idle().await;
    // The skip was said, to the log and to front ends.
    let mut skips = Vec::new();
    while let Ok(e) = events.try_recv() {
        if let EngineEvent::Refused { reason, kind, .. } = e {
            assert_eq!(kind, JobKind::Secondary);
            skips.push(reason);
        }
    }
    assert_eq!(skips.len(), 1, "{skips:?}");
    assert!(
        skips[0].contains("still running") && skips[0].contains("2026-03-10T12:30:00"),
        "{}",
        skips[0]
    );
    // The skipped firing was not queued: after the slow run, nothing ran until 12:45.
    assert_eq!(
        starts(&engine, JobKind::Secondary),
        ["2026-03-10T12:05:00+00:00", "2026-03-10T12:15:00+00:00"]
    );
    assert_eq!(
        next_of(&sched.next_runs(), JobKind::Secondary),
        Some(t("2026-03-10T12:45:00Z"))
    );
    advance_to(&clock, &sched, &engine, "2026-03-10T12:45:00Z").await;
    assert_eq!(runs(&engine, JobKind::Secondary).len(), 3);
    finished_ok(&engine, JobKind::Secondary);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_integrations_of_one_connection_share_the_budget_without_a_429() {
    // Six requests per 300 s window; 300 s of clock time pass in half a real second.
    let shared: SharedClock = Arc::new(ScaledClock::new(SystemTime::now(), 600.0));
    let sim = sim_on(
        shared.clone(),
        Some(RateLimit {
            limit: Some(6),
            window: Duration::from_secs(300),
            scope: RateScope::PerToken,
        }),
    )
    .await;
    let weekly = Schedule::EveryMinutes(7 * 24 * 60);
    let engine = engine_on(&sim, shared.clone(), |s| {
        s.secondary.schedule = Some(weekly.clone());
        s.send_frs.schedule = Some(weekly.clone());
        s.send_frs.register_id = Some(REGISTER.into());
        s.send_frs.user_id = Some(USER.into());
        s.send_frs.tax_id = Some(TAX.into());
        s.allow_backorders = true;
    });
    let frs: Vec<_> = (1..=3)
        .map(|i| {
            json!({
                "number": format!("SCHED-{i}"),
                "payment_method": "Credit Card",
                "shipping": {
                    "first_name": "Ada", "last_name": "Lovelace",
                    "address_line_1": "1 Analytical Way", "city": "Ithaca", "state": "NY",
                    "postal_code": "14850", "country": "United States", "country_code": "US",
                    "email": format!("ada{i}@example.com")
                },
                "items": [{"sku": "HP-MUG", "quantity": 1, "unit_price": 18.0}]
            })
        })
        .collect();
    let report = import_bytes(
        engine.store(),
        &source(&engine),
        "frs.json",
        &serde_json::to_vec(&frs).unwrap(),
        None,
        shared.now(),
    )
    .expect("import");
    assert_eq!(report.imported, 3, "{:?}", report.rejected);
    let mut events = engine.subscribe();

    // Both have a schedule and never ran: both start at once, together.
    let sched = Scheduler::start(engine.clone());
    sched.armed().await;
    assert_eq!(sched.state().started, 2);
    engine.wait_idle().await;

    let ex = sim.exchanges();
    let limited = ex.iter().filter(|x| x.status == 429).count();
    assert_eq!(limited, 0, "429s in {} requests", ex.len());
    assert!(
        ex.len() > 12,
        "{} requests: the two jobs should have needed more than two windows",
        ex.len()
    );
    let sec = runs(&engine, JobKind::Secondary);
    let send = runs(&engine, JobKind::SendFrs);
    assert_eq!((sec.len(), send.len()), (1, 1));
    assert_eq!(send[0].outcome, Outcome::Ok, "{}", send[0].message);
    finished_ok(&engine, JobKind::Secondary);
    // They ran at the same time.
    let (s0, s1) = (&sec[0], &send[0]);
    let ended = |r: &RunRecord| r.ended_at.clone().expect("ended");
    assert!(
        s0.started_at <= ended(s1) && s1.started_at <= ended(s0),
        "secondary {}..{}, send {}..{}",
        s0.started_at,
        ended(s0),
        s1.started_at,
        ended(s1)
    );
    // Every FR became exactly one sale.
    let store_frs = Frs::open(engine.store())
        .unwrap()
        .list(Some(source(&engine).id), None)
        .unwrap();
    assert!(store_frs.iter().all(|f| f.status == FrStatus::Processed));
    assert_eq!(sim.with_store(|s, _| s.sales.len()), 3);
    // The budget mattered: the jobs were told they were waiting for the window to end.
    let mut waits = 0;
    while let Ok(e) = events.try_recv() {
        if let EngineEvent::Job {
            event: JobEvent::WaitingForRateLimit { .. },
            ..
        } = e
        {
            waits += 1;
        }
    }
    assert!(waits >= 1, "no rate-limit waits");
    sched.stop().await;
}
