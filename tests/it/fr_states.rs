//! The FR lifecycle: every legal move, illegal ones refused with what to do, the timeline, the
//! hold (on a manual clock), and cancel / retry / release from the command line.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use crate::support::procs;
use lsbridge::clock::{Clock, ManualClock, SharedClock};
use lsbridge::frs::{self, kind, status, Fr, FrError, FrStatus, Frs, LineState};
use lsbridge::source::{AutoProcessing, Source, Sources};
use lsbridge::store::Store;

use FrStatus::*;

fn t0() -> SystemTime {
    let d = chrono::DateTime::parse_from_rfc3339("2026-03-10T12:00:00Z").unwrap();
    SystemTime::from(d.with_timezone(&chrono::Utc))
}

const ONE_FR: &str = r#"[{"number": "S-1", "items": [
    {"sku": "HP-MUG", "quantity": 1, "unit_price": 16},
    {"sku": "DW-HAM", "quantity": 1, "unit_price": 69}]}]"#;

struct Env {
    store: Store,
    source: Source,
    clock: ManualClock,
}

fn env(configure: impl FnOnce(&mut Source)) -> Env {
    let store = Store::open_temporary().unwrap();
    let mut s = Source {
        name: "harbor".into(),
        ..Source::default()
    };
    configure(&mut s);
    let source = Sources::open(&store).unwrap().add(s).unwrap();
    Env {
        store,
        source,
        clock: ManualClock::new(t0()),
    }
}

impl Env {
    fn shared(&self) -> SharedClock {
        Arc::new(self.clock.clone())
    }
    fn import(&self, text: &str) {
        let r = frs::import_bytes(
            &self.store,
            &self.source,
            "t.json",
            text.as_bytes(),
            None,
            self.clock.now(),
        )
        .unwrap();
        assert_eq!(r.imported, 1);
    }
    fn frs(&self) -> Frs {
        Frs::open(&self.store).unwrap()
    }
    fn get(&self) -> Fr {
        self.frs().get(self.source.id, "S-1").unwrap().unwrap()
    }
    fn set_status(&self, s: FrStatus) {
        let mut fr = self.get();
        fr.status = s;
        self.frs().put(&fr).unwrap();
    }
    fn go(&self, to: FrStatus, reason: &str) -> Result<Fr, FrError> {
        self.frs().transition_and_record(
            self.source.id,
            "S-1",
            to,
            reason,
            Some(7),
            self.clock.now(),
        )
    }
}

fn fr_in(s: FrStatus) -> Fr {
    Fr {
        number: "S-1".into(),
        status: s,
        ..Fr::default()
    }
}

#[test]
fn every_legal_transition_applies_and_is_recorded() {
    assert_eq!(status::TRANSITIONS.len(), 12);
    for &(from, to, _) in status::TRANSITIONS {
        // On a value…
        let mut fr = fr_in(from);
        status::transition(&mut fr, to, "why", t0()).unwrap();
        assert_eq!((fr.status, fr.reason.as_str()), (to, "why"));
        assert_eq!(fr.updated_at, "2026-03-10T12:00:00+00:00");
        // …and in the store, with its event.
        let e = env(|_| {});
        e.import(ONE_FR);
        e.set_status(from);
        e.clock.advance(Duration::from_secs(60));
        let stored = e.go(to, &format!("{from} to {to}")).unwrap();
        assert_eq!(stored.status, to);
        assert_eq!(e.get().status, to);
        assert_eq!(e.get().updated_at, "2026-03-10T12:01:00+00:00");
        let tl = e.frs().timeline(e.source.id, "S-1").unwrap();
        let last = tl.last().unwrap();
        assert_eq!(last.kind, "status");
        assert_eq!(last.status, to.label());
        assert_eq!(last.reason, format!("{from} to {to}"));
        assert_eq!(last.run, Some(7));
        assert_eq!(last.at, "2026-03-10T12:01:00+00:00");
    }
    // Named explicitly, so the table cannot lose one silently.
    for (from, to) in [
        (Unprocessed, Processing),
        (Unprocessed, Canceled),
        (Processing, Canceled),
        (AdditionalInfoRequired, Canceled),
        (Failed, Canceled),
        (Processing, Processed),
        (Processing, Failed),
        (Processing, AdditionalInfoRequired),
        (Processing, Processing),
        (Processed, Acknowledged),
        (Failed, Processing),
        (AdditionalInfoRequired, Processing),
    ] {
        assert!(status::is_allowed(from, to), "{from} → {to}");
    }
}

#[test]
fn every_other_move_is_refused_and_changes_nothing() {
    let mut refused = 0;
    for from in FrStatus::ALL {
        for to in FrStatus::ALL {
            if status::is_allowed(from, to) {
                continue;
            }
            let mut fr = fr_in(from);
            let before = fr.clone();
            let err = status::transition(&mut fr, to, "x", t0()).unwrap_err();
            assert!(matches!(err, FrError::IllegalTransition { .. }));
            let m = err.to_string();
            assert!(
                m.starts_with(&format!("FR S-1 cannot go from {from} to {to}: ")),
                "{m}"
            );
            assert_eq!(fr, before);
            refused += 1;
        }
    }
    assert_eq!(refused, 64 - 12);

    let msg = |from, to| {
        status::transition(&mut fr_in(from), to, "x", t0())
            .unwrap_err()
            .to_string()
    };
    assert_eq!(
        msg(Processed, Failed),
        "FR S-1 cannot go from Processed to Failed: it was already sent as a sale: void or refund the sale in Lightspeed if it must be undone"
    );
    assert_eq!(
        msg(Canceled, Processing),
        "FR S-1 cannot go from Canceled to Processing: a canceled FR is final: import the order again under a new FR number if it must be sent"
    );
    assert_eq!(
        msg(Unprocessed, Processed),
        "FR S-1 cannot go from Unprocessed to Processed: launch it first (lsbridge fr release)"
    );
    assert_eq!(
        msg(Acknowledged, Canceled),
        "FR S-1 cannot go from Acknowledged to Canceled: it was sent and acknowledged by the store; nothing more can change"
    );
    assert_eq!(
        msg(DuplicateFrNumber, Processing),
        "FR S-1 cannot go from Duplicate FR # to Processing: an FR flagged Duplicate FR # is never sent: import the order under a new FR number"
    );
    assert_eq!(
        msg(Failed, Processed),
        "FR S-1 cannot go from Failed to Processed: retry it first (lsbridge fr retry) or cancel it"
    );
    assert_eq!(
        msg(Processing, Unprocessed),
        "FR S-1 cannot go from Processing to Unprocessed: from Processing it can only go to Processing, Processed, Failed, Additional Info Required, Canceled"
    );

    // In the store a refused move writes neither the FR nor an event.
    let e = env(|_| {});
    e.import(ONE_FR);
    e.set_status(Processed);
    assert!(e.go(Failed, "late error").is_err());
    assert_eq!(e.get().status, Processed);
    assert_eq!(e.frs().timeline(e.source.id, "S-1").unwrap().len(), 1);
    let missing = e
        .frs()
        .transition_and_record(e.source.id, "nope", Processing, "x", None, t0())
        .unwrap_err();
    assert!(matches!(missing, FrError::NotFound { .. }));
}

#[test]
fn the_timeline_records_each_event_with_its_time_and_reason_in_order() {
    let e = env(|s| s.auto_processing = AutoProcessing::DoNotAutoProcess);
    e.import(ONE_FR);
    let step = Duration::from_secs(90);
    e.clock.advance(step);
    e.frs().release(e.source.id, "S-1", e.clock.now()).unwrap();
    e.clock.advance(step);
    e.frs()
        .record_event(
            e.source.id,
            "S-1",
            kind::ATTEMPT,
            "attempt 1: POST /sales timed out",
            Some(42),
            e.clock.now(),
        )
        .unwrap();
    e.clock.advance(step);
    e.frs()
        .update_with_event(
            e.source.id,
            "S-1",
            kind::STATUS,
            Some(42),
            e.clock.now(),
            |fr| {
                fr.attempts += 1;
                fr.items[1].line = LineState::NotSent {
                    reason: "SKU DW-HAM not in the store".into(),
                };
                status::transition(fr, Failed, "no answer after 3 attempts", t0())?;
                Ok("no answer after 3 attempts".into())
            },
        )
        .unwrap();
    e.clock.advance(step);
    let fr = e.frs().retry(e.source.id, "S-1", e.clock.now()).unwrap();
    assert_eq!(fr.status, Processing);
    assert_eq!(fr.attempts, 1, "attempts are kept across a retry");
    assert_eq!(
        fr.items[1].line,
        LineState::Pending,
        "lines not sent are tried again"
    );
    e.clock.advance(step);
    e.frs()
        .cancel(e.source.id, "S-1", Some("customer called"), e.clock.now())
        .unwrap();

    let tl = e.frs().timeline(e.source.id, "S-1").unwrap();
    let rows: Vec<(&str, &str, &str, &str, Option<u64>)> = tl
        .iter()
        .map(|t| {
            (
                t.at.as_str(),
                t.kind.as_str(),
                t.status.as_str(),
                t.reason.as_str(),
                t.run,
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("2026-03-10T12:00:00+00:00", "imported", "Unprocessed", "imported from t.json line 1; waiting to be launched (auto-processing is off): lsbridge fr release", None),
            ("2026-03-10T12:01:30+00:00", "status", "Processing", "released manually", None),
            ("2026-03-10T12:03:00+00:00", "attempt", "Processing", "attempt 1: POST /sales timed out", Some(42)),
            ("2026-03-10T12:04:30+00:00", "status", "Failed", "no answer after 3 attempts", Some(42)),
            ("2026-03-10T12:06:00+00:00", "retry", "Processing", "retry requested manually", None),
            ("2026-03-10T12:07:30+00:00", "status", "Canceled", "customer called", None),
        ]
    );
    let fr = e.get();
    assert_eq!(fr.reason, "customer called");
    assert_eq!(fr.updated_at, "2026-03-10T12:07:30+00:00");
    // The FR of another number with a common prefix has its own timeline.
    e.import(&ONE_FR.replace("S-1", "S-10"));
    assert_eq!(e.frs().timeline(e.source.id, "S-10").unwrap().len(), 1);
    assert_eq!(e.frs().timeline(e.source.id, "S-1").unwrap().len(), 6);
}

#[test]
fn auto_processing_decides_the_first_status() {
    assert_eq!(frs::GLOBAL_AUTO_PROCESSING, AutoProcessing::AutoProcess);
    for (setting, expected) in [
        (AutoProcessing::UseGlobal, Processing),
        (AutoProcessing::AutoProcess, Processing),
        (AutoProcessing::DoNotAutoProcess, Unprocessed),
    ] {
        let e = env(|s| s.auto_processing = setting);
        e.import(ONE_FR);
        assert_eq!(e.get().status, expected, "{setting:?}");
    }
}

#[test]
fn the_hold_keeps_an_fr_until_import_time_plus_hold_hours() {
    let e = env(|s| s.send_frs.hold_hours = 4);
    frs::import_file(
        &e.store,
        &e.source,
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/frs/sample.csv"),
        &e.shared(),
    )
    .unwrap();
    let frs = e.frs();
    let fr = frs.get(e.source.id, "MKT-2001").unwrap().unwrap();
    assert_eq!(fr.imported_at, "2026-03-10T12:00:00+00:00");
    assert_eq!(fr.earliest_send, "2026-03-10T16:00:00+00:00");
    assert_eq!(
        fr.earliest_send_time(),
        Some(t0() + Duration::from_secs(4 * 3600))
    );
    let tl = frs.timeline(e.source.id, "MKT-2001").unwrap();
    assert_eq!(
        tl[0].reason,
        "imported from sample.csv line 2; auto-processing is on; held until 2026-03-10T16:00:00+00:00"
    );
    assert!(frs.due(e.source.id, e.clock.now()).unwrap().is_empty());

    e.clock.advance(Duration::from_secs(4 * 3600 - 1));
    assert!(fr.is_held(e.clock.now()));
    assert!(frs.due(e.source.id, e.clock.now()).unwrap().is_empty());
    // Released early: only that one is due.
    frs.release(e.source.id, "MKT-2002", e.clock.now()).unwrap();
    let due: Vec<String> = frs
        .due(e.source.id, e.clock.now())
        .unwrap()
        .into_iter()
        .map(|f| f.number)
        .collect();
    assert_eq!(due, ["MKT-2002"]);
    let tl = frs.timeline(e.source.id, "MKT-2002").unwrap();
    assert_eq!(
        (tl[1].kind.as_str(), tl[1].reason.as_str()),
        ("release", "hold lifted manually")
    );
    assert_eq!(
        frs.get(e.source.id, "MKT-2002")
            .unwrap()
            .unwrap()
            .earliest_send,
        "2026-03-10T15:59:59+00:00"
    );

    e.clock.advance(Duration::from_secs(1));
    assert!(!fr.is_held(e.clock.now()));
    assert_eq!(frs.due(e.source.id, e.clock.now()).unwrap().len(), 3);
    // Not Processing → never due, hold or not.
    frs.cancel(e.source.id, "MKT-2003", None, e.clock.now())
        .unwrap();
    assert_eq!(frs.due(e.source.id, e.clock.now()).unwrap().len(), 2);
}

#[test]
fn release_and_retry_refuse_what_does_not_apply() {
    let e = env(|_| {});
    e.import(ONE_FR);
    let err = |r: Result<Fr, FrError>| r.unwrap_err().to_string();
    assert_eq!(
        err(e.frs().retry(e.source.id, "S-1", t0())),
        "FR S-1 is Processing: it is already queued: the next Send FRs run sends it (lsbridge fr release lifts a hold)"
    );
    e.set_status(Failed);
    assert_eq!(
        err(e.frs().release(e.source.id, "S-1", t0())),
        "FR S-1 is Failed: only Unprocessed or Processing FRs have a hold to release; a Failed or Additional Info Required FR is retried with lsbridge fr retry"
    );
    e.set_status(Processed);
    assert_eq!(
        err(e.frs().cancel(e.source.id, "S-1", None, t0())),
        "FR S-1 cannot go from Processed to Canceled: it was already sent as a sale: void or refund the sale in Lightspeed if it must be undone"
    );
    // A line already sent stays sent through a retry.
    e.set_status(Failed);
    let mut fr = e.get();
    fr.items[0].line = LineState::Sent;
    fr.items[1].line = LineState::NotSent {
        reason: "no stock".into(),
    };
    e.frs().put(&fr).unwrap();
    let fr = e.frs().retry(e.source.id, "S-1", t0()).unwrap();
    assert_eq!(fr.items[0].line, LineState::Sent);
    assert_eq!(fr.items[1].line, LineState::Pending);
    assert_eq!(fr.pending_items().count(), 1);
}

// ---------------------------------------------------------------------------------------------
// From the command line.

/// Runs lsbridge; while this process's just-dropped store still holds the data dir's lock (sled
/// releases it from a background thread), the command reports the dir in use: run it again until
/// it does not, within a deadline.
fn when_unlocked(dir: &Path, args: &[&str]) -> std::process::Output {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let o = procs::lsbridge(dir, args);
        let locked =
            String::from_utf8_lossy(&o.stderr).contains("is in use by another lsbridge process");
        if !locked || Instant::now() > deadline {
            return o;
        }
        std::thread::yield_now();
    }
}

fn fails(dir: &Path, args: &[&str], code: i32) -> String {
    let o = procs::lsbridge(dir, args);
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(code), "{args:?}: {err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    err.trim_end().to_string()
}

#[test]
fn cancel_retry_and_release_from_the_command_line() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    procs::ok(
        dir,
        &[
            "source",
            "add",
            "--name",
            "harbor",
            "--auto-processing",
            "do-not-auto-process",
        ],
    );
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/frs/sample.json");
    procs::ok(
        dir,
        &[
            "fr",
            "import",
            sample.to_str().unwrap(),
            "--source",
            "harbor",
        ],
    );
    let list = procs::ok(dir, &["fr", "list", "--status", "unprocessed"]);
    assert_eq!(list.lines().count(), 6, "{list}");
    assert!(list.lines().next().unwrap().starts_with("NUMBER"), "{list}");

    let out = procs::ok(dir, &["fr", "release", "WEB-10001", "--source", "harbor"]);
    assert!(
        out.starts_with("FR WEB-10001: Unprocessed → Processing, earliest send "),
        "{out}"
    );
    let out = procs::ok(
        dir,
        &[
            "fr",
            "cancel",
            "WEB-10002",
            "--source",
            "harbor",
            "--reason",
            "customer called",
        ],
    );
    assert_eq!(
        out,
        "FR WEB-10002: Unprocessed → Canceled (customer called)\n"
    );
    let v: serde_json::Value = serde_json::from_str(&procs::ok(
        dir,
        &["fr", "list", "--status", "Processing", "--json"],
    ))
    .unwrap();
    assert_eq!(v[0]["number"], "WEB-10001");
    assert_eq!(v.as_array().unwrap().len(), 1);

    let show = procs::ok(dir, &["fr", "show", "WEB-10002", "--source", "harbor"]);
    assert!(
        show.contains("status:          Canceled (customer called)"),
        "{show}"
    );
    assert!(show.contains("status    Canceled"), "{show}");
    assert!(show.contains("1. HP-MUG × 4 @ 16.00  pending"), "{show}");

    // Refusals: one line, exit 2, naming what to do.
    let err = fails(dir, &["fr", "cancel", "WEB-10002", "--source", "harbor"], 2);
    assert_eq!(
        err,
        "error: FR WEB-10002 cannot go from Canceled to Canceled: a canceled FR is final: import the order again under a new FR number if it must be sent"
    );
    let err = fails(dir, &["fr", "retry", "WEB-10003", "--source", "harbor"], 2);
    assert_eq!(
        err,
        "error: FR WEB-10003 is Unprocessed: it has not been sent yet: launch it with lsbridge fr release"
    );
    let err = fails(dir, &["fr", "release", "NOPE", "--source", "harbor"], 2);
    assert_eq!(
        err,
        "error: no FR \"NOPE\" for source \"harbor\": see lsbridge fr list --source harbor"
    );
    fails(dir, &["fr", "show", "WEB-10001", "--source", "nope"], 2);

    // A send run fails WEB-10001 (the send job's write, done here through the library); then
    // `fr retry` puts it back, keeping its attempts.
    {
        let store = Store::open(dir).unwrap();
        let src = Sources::open(&store).unwrap().by_name("harbor").unwrap();
        Frs::open(&store)
            .unwrap()
            .update_with_event(
                src.id,
                "WEB-10001",
                kind::STATUS,
                Some(9),
                SystemTime::now(),
                |fr| {
                    fr.attempts = 3;
                    status::transition(
                        fr,
                        Failed,
                        "store answered 500 three times",
                        SystemTime::now(),
                    )?;
                    Ok("store answered 500 three times".into())
                },
            )
            .unwrap();
        store.flush().unwrap();
    }
    let o = when_unlocked(dir, &["fr", "retry", "WEB-10001", "--source", "harbor"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "FR WEB-10001: Failed → Processing (attempts so far: 3)\n"
    );
    let v: serde_json::Value = serde_json::from_str(&procs::ok(
        dir,
        &["fr", "show", "WEB-10001", "--source", "harbor", "--json"],
    ))
    .unwrap();
    assert_eq!(v["fr"]["status"], "processing");
    assert_eq!(v["fr"]["attempts"], 3);
    let kinds: Vec<&str> = v["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["imported", "status", "status", "retry"]);
    assert_eq!(v["timeline"][2]["run"], 9);
}

#[test]
fn release_via_cli_clears_a_hold_set_through_config() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let cfg = dir.join("setup.toml");
    std::fs::write(
        &cfg,
        "[[sources]]\nname = \"harbor\"\n\n[sources.send_frs]\nhold_hours = 48\n",
    )
    .unwrap();
    procs::ok(dir, &["config", "import", cfg.to_str().unwrap()]);
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/frs/sample.csv");
    procs::ok(
        dir,
        &[
            "fr",
            "import",
            sample.to_str().unwrap(),
            "--source",
            "harbor",
        ],
    );
    let show = |n: &str| -> serde_json::Value {
        serde_json::from_str(&procs::ok(
            dir,
            &["fr", "show", n, "--source", "harbor", "--json"],
        ))
        .unwrap()
    };
    let fr = show("MKT-2001");
    let imported = frs::parse_time(fr["fr"]["imported_at"].as_str().unwrap()).unwrap();
    let earliest = frs::parse_time(fr["fr"]["earliest_send"].as_str().unwrap()).unwrap();
    assert_eq!(
        earliest.duration_since(imported).unwrap(),
        Duration::from_secs(48 * 3600)
    );
    assert!(procs::ok(dir, &["fr", "show", "MKT-2001", "--source", "harbor"]).contains("(held)"));

    let out = procs::ok(dir, &["fr", "release", "MKT-2001", "--source", "harbor"]);
    assert!(
        out.starts_with("FR MKT-2001: Processing → Processing, earliest send "),
        "{out}"
    );
    let fr = show("MKT-2001");
    let earliest = frs::parse_time(fr["fr"]["earliest_send"].as_str().unwrap()).unwrap();
    assert!(earliest <= SystemTime::now());
    assert_eq!(fr["timeline"][1]["kind"], "release");
    assert_eq!(fr["timeline"][1]["reason"], "hold lifted manually");
    assert!(!procs::ok(dir, &["fr", "show", "MKT-2001", "--source", "harbor"]).contains("(held)"));
}
