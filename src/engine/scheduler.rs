//! Schedules: when each integration of each source runs on its own.
//!
//! A schedule is an interval (`every 15m`, `every 2h`) or a cron expression
//! (`0 */2 * * *`: minute hour day month weekday), evaluated in UTC as the seed says
//! ("jobs run in UTC"). Intervals count from midnight UTC (from the Unix epoch, for intervals
//! that do not divide a day), so `every 15m` runs at :00, :15, :30 and :45 whenever the
//! scheduler was started.
//!
//! [`Scheduler::start`] runs on its own task beside the engine:
//! - it sleeps on the engine's clock until the next integration is due (tests drive it with a
//!   manual clock), then asks the engine to start the job;
//! - one run per integration at a time: a firing that finds its integration still running is
//!   skipped and logged, never queued, so a slow run does not cause a burst afterwards;
//! - a run missed while nothing was running (the daemon was down) runs once at start-up,
//!   never once per missed firing: at start, an integration runs at once if a firing fell
//!   between its newest recorded run's start and now, or if it has a schedule and never ran;
//! - it reloads the schedules when the engine says data changed, and on its own every
//!   [`RELOAD_EVERY`] of clock time.
//!
//! Every integration of one connection shares the connection's rate-limit governor (see
//! [`crate::lightspeed::governor`]), so integrations started together share one budget.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, SystemTime};

use chrono::{DateTime, SubsecRound, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::{broadcast, watch};
use tokio::task::JoinHandle;

use super::{lock, Engine, EngineEvent, JobKind, JobRequest};
use crate::jobs::runs::RunRecord;
use crate::source::{Integration, Schedule, Source, Sources};
use crate::store::{trees, Store};

/// What a schedule looks like, for error messages and help.
pub const EXAMPLE: &str =
    "every 15m, every 2h, or a cron expression in UTC (minute hour day month weekday) such as \"0 */2 * * *\"";

use crate::source::MAX_EVERY_MINUTES;

/// The scheduler rereads the schedules at least this often (clock time), even when the
/// engine did not say anything changed.
pub const RELOAD_EVERY: Duration = Duration::from_secs(120);

/// Parses a schedule as typed on the command line: `every 15m`, `every 2h`, `every 1d`
/// (also `min`/`minutes`, `h`/`hours`, `d`/`days`), a five-field cron expression, or `none`
/// (`Ok(None)`: no schedule). Errors are one line with an example.
pub fn parse(text: &str) -> Result<Option<Schedule>, String> {
    let t = text.trim();
    if t.eq_ignore_ascii_case("none") {
        return Ok(None);
    }
    let bad = |why: &str| format!("{t:?} is not a schedule ({why}): use {EXAMPLE}, or none");
    let lower = t.to_ascii_lowercase();
    if let Some(rest) = lower.strip_prefix("every") {
        let rest = rest.trim();
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        let (number, unit) = rest.split_at(digits);
        let n: u32 = number
            .parse()
            .map_err(|_| bad("expected a whole number after \"every\", e.g. every 15m"))?;
        let per: u32 = match unit.trim() {
            "m" | "min" | "mins" | "minute" | "minutes" => 1,
            "h" | "hr" | "hrs" | "hour" | "hours" => 60,
            "d" | "day" | "days" => 24 * 60,
            "" => return Err(bad("the interval needs a unit: m, h or d")),
            _ => return Err(bad("the interval's unit is m, h or d")),
        };
        let minutes = n
            .checked_mul(per)
            .filter(|m| (1..=MAX_EVERY_MINUTES).contains(m))
            .ok_or_else(|| bad("the interval is between 1 minute and a year"))?;
        return Ok(Some(Schedule::EveryMinutes(minutes)));
    }
    let expr = t.split_whitespace().collect::<Vec<_>>().join(" ");
    let s = Schedule::Cron(expr);
    validate(&s).map_err(|e| format!("{t:?} is not a schedule ({e}): use {EXAMPLE}, or none"))?;
    Ok(Some(s))
}

/// Why a stored schedule cannot run (a config file may hold anything), as a short reason.
pub fn validate(s: &Schedule) -> Result<(), String> {
    s.validate()
}

fn cron(expr: &str) -> Result<croner::Cron, String> {
    crate::source::parse_cron(expr)
}

/// The first firing strictly after `after`, in UTC. `None` for a schedule that cannot run.
pub fn next_after(s: &Schedule, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
    match s {
        Schedule::EveryMinutes(n) => {
            if !(1..=MAX_EVERY_MINUTES).contains(n) {
                return None;
            }
            let step = i64::from(*n) * 60;
            let next = after
                .timestamp()
                .div_euclid(step)
                .checked_add(1)?
                .checked_mul(step)?;
            Utc.timestamp_opt(next, 0).single()
        }
        Schedule::Cron(expr) => {
            let cron = cron(expr).ok()?;
            let mut t = cron
                .find_next_occurrence(&after.trunc_subsecs(0), false)
                .ok()?;
            if t <= after {
                t = cron.find_next_occurrence(&t, false).ok()?;
            }
            Some(t)
        }
    }
}

/// [`next_after`] on [`SystemTime`]s.
pub fn next_after_time(s: &Schedule, after: SystemTime) -> Option<SystemTime> {
    next_after(s, after.into()).map(SystemTime::from)
}

/// The schedule as typed: `every 15m`, `every 2h`, `every 1d`, or the cron expression.
pub fn text(s: &Schedule) -> String {
    match s {
        Schedule::EveryMinutes(n) if *n > 0 && n % (24 * 60) == 0 => {
            format!("every {}d", n / (24 * 60))
        }
        Schedule::EveryMinutes(n) if *n > 0 && n % 60 == 0 => format!("every {}h", n / 60),
        Schedule::EveryMinutes(n) => format!("every {n}m"),
        Schedule::Cron(expr) => expr.clone(),
    }
}

/// A run time in UTC and in local time: `2026-03-10 14:00 UTC (2026-03-10 10:00 local, -04:00)`.
pub fn show_time(at: SystemTime) -> String {
    let utc: DateTime<Utc> = at.into();
    let local = utc.with_timezone(&chrono::Local);
    format!(
        "{} UTC ({} local, {})",
        utc.format("%Y-%m-%d %H:%M"),
        local.format("%Y-%m-%d %H:%M"),
        local.format("%:z")
    )
}

/// One line for a status page: `every 15m, next 2026-03-10 14:00 UTC (…)`, or why it
/// cannot run.
pub fn describe(s: &Schedule, now: SystemTime) -> String {
    match (validate(s), next_after_time(s, now)) {
        (Ok(()), Some(at)) => format!("{} (UTC), next {}", text(s), show_time(at)),
        (Err(e), _) => format!("{} cannot run: {e}", text(s)),
        (Ok(()), None) => format!("{} never fires again", text(s)),
    }
}

/// The schedule of one integration of a source.
pub fn schedule_of(source: &Source, kind: JobKind) -> Option<&Schedule> {
    match kind {
        JobKind::Primary => source.primary.schedule.as_ref(),
        JobKind::Secondary => source.secondary.schedule.as_ref(),
        JobKind::SendFrs => source.send_frs.schedule.as_ref(),
    }
}

/// The job kind of an integration.
pub fn kind_of(i: Integration) -> JobKind {
    match i {
        Integration::Primary => JobKind::Primary,
        Integration::Secondary => JobKind::Secondary,
        Integration::SendFrs => JobKind::SendFrs,
    }
}

/// When a scheduled integration runs next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NextRun {
    pub source: String,
    pub kind: JobKind,
    pub schedule: Schedule,
    pub at: SystemTime,
}

/// What the scheduler is doing, published after every pass.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SchedulerState {
    /// Passes done: schedules evaluated, due jobs started, this state published.
    pub passes: u64,
    /// Clock time of the last pass.
    pub as_of: Option<SystemTime>,
    /// The next run of every scheduled integration, soonest first.
    pub next: Vec<NextRun>,
    /// Jobs started on schedule.
    pub started: u64,
    /// Firings skipped because the integration was still running.
    pub skipped: u64,
    /// Firings the engine refused (e.g. the source has no connection).
    pub refused: u64,
    pub stopped: bool,
}

impl SchedulerState {
    /// Whether everything due at or before `t` has been handled: a pass ran at `t` or later,
    /// or the last pass found nothing due until after `t`.
    pub fn covers(&self, t: SystemTime) -> bool {
        self.passes > 0
            && (self.as_of.is_some_and(|a| a >= t) || self.next.iter().all(|n| n.at > t))
    }
}

pub struct Scheduler;

/// The running scheduler. Dropping it (or [`SchedulerHandle::stop`]) stops it; jobs it
/// started keep running.
pub struct SchedulerHandle {
    state: watch::Receiver<SchedulerState>,
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl Scheduler {
    /// Starts the scheduler on its own task. Call from within a Tokio runtime (without one,
    /// nothing is scheduled and the error is logged).
    pub fn start(engine: Engine) -> SchedulerHandle {
        let (state_tx, state) = watch::channel(SchedulerState::default());
        let (stop, stop_rx) = watch::channel(false);
        // Subscribed before the task starts, so no change is missed.
        let events = engine.subscribe();
        let task = match tokio::runtime::Handle::try_current() {
            Ok(rt) => Some(rt.spawn(run(engine, events, stop_rx, state_tx))),
            Err(e) => {
                tracing::error!("the scheduler needs an async runtime: {e}");
                state_tx.send_modify(|s| s.stopped = true);
                None
            }
        };
        SchedulerHandle { state, stop, task }
    }
}

impl SchedulerHandle {
    /// The next run of every scheduled integration, soonest first.
    pub fn next_runs(&self) -> Vec<NextRun> {
        self.state.borrow().next.clone()
    }

    pub fn state(&self) -> SchedulerState {
        self.state.borrow().clone()
    }

    /// The state, updated after every pass.
    pub fn watch(&self) -> watch::Receiver<SchedulerState> {
        self.state.clone()
    }

    /// Resolves once the scheduler has made its first pass (missed runs started) and is
    /// waiting for the next due time.
    pub async fn armed(&self) {
        self.armed_at(SystemTime::UNIX_EPOCH).await
    }

    /// Resolves once everything due at or before clock time `t` has been started or
    /// skipped (see [`SchedulerState::covers`]), or the scheduler has stopped.
    pub async fn armed_at(&self, t: SystemTime) {
        let mut rx = self.state.clone();
        let _ = rx.wait_for(|s| s.stopped || s.covers(t)).await;
    }

    /// Stops scheduling and waits for the scheduler's task to end.
    pub async fn stop(mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for SchedulerHandle {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

impl Engine {
    /// The next run of every scheduled integration: the running scheduler's plan, or, when
    /// no scheduler runs in this process, what the schedules say from now on.
    pub fn schedules(&self) -> Result<Vec<NextRun>, String> {
        if let Some(plan) = lock(&self.inner.schedules).clone() {
            return Ok(plan);
        }
        let sources = Sources::open(self.store())
            .map_err(|e| e.to_string())?
            .list()
            .map_err(|e| e.to_string())?;
        let now = self.clock().now();
        let mut out = Vec::new();
        for s in &sources {
            for kind in JobKind::ALL {
                let Some(schedule) = schedule_of(s, kind) else {
                    continue;
                };
                if let Some(at) = next_after_time(schedule, now) {
                    out.push(NextRun {
                        source: s.name.clone(),
                        kind,
                        schedule: schedule.clone(),
                        at,
                    });
                }
            }
        }
        sort(&mut out);
        Ok(out)
    }

    fn publish_schedules(&self, plan: Option<Vec<NextRun>>) {
        *lock(&self.inner.schedules) = plan;
    }
}

fn sort(v: &mut [NextRun]) {
    v.sort_by(|a, b| (a.at, &a.source, a.kind).cmp(&(b.at, &b.source, b.kind)));
}

/// One scheduled integration.
struct Entry {
    source: String,
    schedule: Schedule,
    due: SystemTime,
}

#[derive(Default)]
struct Plan {
    entries: HashMap<(u64, JobKind), Entry>,
    /// Broken schedules already reported (so the periodic reload does not repeat them).
    warned: HashSet<(u64, JobKind, String)>,
}

impl Plan {
    /// Rereads the sources. Integrations whose schedule is unchanged keep their due time; new
    /// ones are due at their next firing, or, at start-up (`at_start`), at once when a
    /// firing was missed since their last run.
    fn reload(
        &mut self,
        store: &Store,
        now: SystemTime,
        at_start: bool,
    ) -> Result<(), crate::source::SourceError> {
        let sources = Sources::open(store)?.list()?;
        let mut wanted = Vec::new();
        for s in &sources {
            for kind in JobKind::ALL {
                if let Some(schedule) = schedule_of(s, kind) {
                    wanted.push((s, kind, schedule));
                }
            }
        }
        let last = if at_start {
            let keys: HashSet<(u64, JobKind)> = wanted.iter().map(|(s, k, _)| (s.id, *k)).collect();
            last_starts(store, &keys)
        } else {
            HashMap::new()
        };
        let mut entries = HashMap::new();
        for (s, kind, schedule) in wanted {
            let key = (s.id, kind);
            if let Some(mut e) = self.entries.remove(&key) {
                if e.schedule == *schedule {
                    e.source = s.name.clone();
                    entries.insert(key, e);
                    continue;
                }
            }
            if self.warned.contains(&(s.id, kind, text(schedule))) {
                continue;
            }
            let next = match validate(schedule).map(|()| next_after_time(schedule, now)) {
                Ok(Some(t)) => t,
                problem => {
                    self.warned.insert((s.id, kind, text(schedule)));
                    let why = match problem {
                        Err(e) => e,
                        _ => "it never fires again".into(),
                    };
                    tracing::warn!(
                        "source {}: the {} schedule {:?} cannot run ({why}): fix it with lsbridge source set",
                        s.name,
                        kind.label(),
                        text(schedule)
                    );
                    continue;
                }
            };
            let due = if at_start && missed(schedule, last.get(&key).copied(), now) {
                match last.get(&key) {
                    Some(l) => tracing::info!(
                        "source {}: {} missed a run since {} (last run): running it once now",
                        s.name,
                        kind.label(),
                        crate::clock::rfc3339(*l)
                    ),
                    None => tracing::info!(
                        "source {}: {} is scheduled and has never run: running it now",
                        s.name,
                        kind.label()
                    ),
                }
                now
            } else {
                next
            };
            entries.insert(
                key,
                Entry {
                    source: s.name.clone(),
                    schedule: schedule.clone(),
                    due,
                },
            );
        }
        self.entries = entries;
        Ok(())
    }

    /// Starts every integration that is due, or skips it if it is still running, and moves
    /// each to its next firing after `now` (never one per missed firing).
    fn fire(&mut self, engine: &Engine, now: SystemTime, state: &mut SchedulerState) {
        let mut due: Vec<(SystemTime, String, u64, JobKind)> = self
            .entries
            .iter()
            .filter(|(_, e)| e.due <= now)
            .map(|((id, kind), e)| (e.due, e.source.clone(), *id, *kind))
            .collect();
        due.sort();
        for (at, name, id, kind) in due {
            let when = crate::clock::rfc3339(at);
            if engine.is_running(id, kind) {
                state.skipped += 1;
                let reason = format!(
                    "{} for {name} is still running: the scheduled run due {when} is skipped, not queued",
                    kind.label()
                );
                tracing::warn!("{reason}");
                // Front ends and the daemon log show it like any job that could not start.
                engine.emit(EngineEvent::Refused {
                    source: name.clone(),
                    kind,
                    reason,
                });
            } else {
                match engine.start_job(JobRequest::new(name.clone(), kind)) {
                    Ok(()) => {
                        state.started += 1;
                        tracing::info!("started {} for {name} (due {when})", kind.label());
                    }
                    Err(r) => {
                        state.refused += 1;
                        tracing::warn!(
                            "scheduled {} for {name} (due {when}) did not start: {r}",
                            kind.label()
                        );
                    }
                }
            }
            let key = (id, kind);
            let next = self
                .entries
                .get(&key)
                .and_then(|e| next_after_time(&e.schedule, now));
            match (next, self.entries.get_mut(&key)) {
                (Some(t), Some(e)) => e.due = t,
                _ => {
                    self.entries.remove(&key);
                }
            }
        }
    }

    fn listing(&self) -> Vec<NextRun> {
        let mut v: Vec<NextRun> = self
            .entries
            .iter()
            .map(|((_, kind), e)| NextRun {
                source: e.source.clone(),
                kind: *kind,
                schedule: e.schedule.clone(),
                at: e.due,
            })
            .collect();
        sort(&mut v);
        v
    }
}

/// Whether a firing fell between the integration's last run start and `now` (or it never
/// ran).
fn missed(schedule: &Schedule, last: Option<SystemTime>, now: SystemTime) -> bool {
    match last {
        None => true,
        Some(l) => next_after_time(schedule, l).is_some_and(|f| f <= now),
    }
}

/// The start of the newest real (not dry) run of each wanted integration, reading the run
/// history newest first and stopping once all are found. A run whose start cannot be read
/// counts as long ago.
fn last_starts(
    store: &Store,
    wanted: &HashSet<(u64, JobKind)>,
) -> HashMap<(u64, JobKind), SystemTime> {
    let mut found = HashMap::new();
    if wanted.is_empty() {
        return found;
    }
    let table = match store.table::<RunRecord>(trees::RUNS) {
        Ok(t) => t,
        Err(e) => {
            tracing::warn!("cannot read the run history ({e}): scheduled integrations run now");
            return found;
        }
    };
    for row in table.iter().rev() {
        let Ok((_, run)) = row else { continue };
        if run.dry_run {
            continue;
        }
        let Some(kind) = JobKind::from_run_kind(&run.kind) else {
            continue;
        };
        let key = (run.source_id, kind);
        if !wanted.contains(&key) || found.contains_key(&key) {
            continue;
        }
        let started = DateTime::parse_from_rfc3339(&run.started_at)
            .map(SystemTime::from)
            .unwrap_or(SystemTime::UNIX_EPOCH);
        found.insert(key, started);
        if found.len() == wanted.len() {
            break;
        }
    }
    found
}

async fn run(
    engine: Engine,
    mut events: broadcast::Receiver<EngineEvent>,
    mut stop: watch::Receiver<bool>,
    state: watch::Sender<SchedulerState>,
) {
    let clock = engine.clock().clone();
    let mut plan = Plan::default();
    let mut at_start = true;
    let mut reload = true;
    let mut reloaded_at = SystemTime::UNIX_EPOCH;
    let mut st = SchedulerState::default();
    tracing::info!("scheduler started (schedules run in UTC)");
    'passes: loop {
        if *stop.borrow() {
            break;
        }
        let now = clock.now();
        if reload || now >= crate::clock::later(reloaded_at, RELOAD_EVERY) {
            match plan.reload(engine.store(), now, at_start) {
                Ok(()) => at_start = false,
                Err(e) => tracing::warn!("cannot read the schedules: {e}; trying again shortly"),
            }
            reloaded_at = now;
            reload = false;
        }
        plan.fire(&engine, now, &mut st);
        st.passes += 1;
        st.as_of = Some(now);
        st.next = plan.listing();
        engine.publish_schedules(Some(st.next.clone()));
        state.send_replace(st.clone());

        let wake = st
            .next
            .first()
            .map_or(crate::clock::later(reloaded_at, RELOAD_EVERY), |n| {
                n.at.min(crate::clock::later(reloaded_at, RELOAD_EVERY))
            });
        let mut sleep = clock.sleep_until(wake);
        loop {
            tokio::select! {
                // Stopped, or the handle is gone.
                _ = stop.changed() => break 'passes,
                _ = &mut sleep => break,
                e = events.recv() => match e {
                    Ok(EngineEvent::DataChanged { .. }) | Err(RecvError::Lagged(_)) => {
                        reload = true;
                        break;
                    }
                    Ok(_) => {}
                    Err(RecvError::Closed) => break 'passes,
                },
            }
        }
    }
    engine.publish_schedules(None);
    st.stopped = true;
    state.send_replace(st);
    tracing::info!("scheduler stopped");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn parses_intervals_cron_and_none() {
        assert_eq!(parse("every 15m"), Ok(Some(Schedule::EveryMinutes(15))));
        assert_eq!(parse(" Every 2h "), Ok(Some(Schedule::EveryMinutes(120))));
        assert_eq!(
            parse("every 90 minutes"),
            Ok(Some(Schedule::EveryMinutes(90)))
        );
        assert_eq!(parse("every 1d"), Ok(Some(Schedule::EveryMinutes(1440))));
        assert_eq!(
            parse("0  */2 * * *"),
            Ok(Some(Schedule::Cron("0 */2 * * *".into())))
        );
        assert_eq!(parse("@hourly"), Ok(Some(Schedule::Cron("@hourly".into()))));
        assert_eq!(parse("none"), Ok(None));
        for bad in [
            "every",
            "every 0m",
            "every 15",
            "every 15s",
            "every 99999999999m",
            "every 367d",
            "61 * * * *",
            "*/0 * * * *",
            "0 0 * *",
            "0 0 0 * * *",
            "0 0 30 2 *",
            "",
            "soon",
        ] {
            let e = parse(bad).expect_err(bad);
            assert!(!e.contains('\n'), "{e}");
            assert!(e.contains("0 */2 * * *"), "no example in {e:?}");
        }
        assert_eq!(text(&Schedule::EveryMinutes(15)), "every 15m");
        assert_eq!(text(&Schedule::EveryMinutes(120)), "every 2h");
        assert_eq!(text(&Schedule::EveryMinutes(2880)), "every 2d");
        for s in ["every 15m", "every 2h", "every 90m", "5 4 * * sun"] {
            let parsed = parse(s).unwrap().unwrap();
            assert_eq!(parse(&text(&parsed)).unwrap().unwrap(), parsed);
        }
    }

    #[test]
    fn intervals_count_from_midnight_utc() {
        let every = |m| Schedule::EveryMinutes(m);
        let t = utc("2026-03-10T12:07:30Z");
        assert_eq!(next_after(&every(15), t), Some(utc("2026-03-10T12:15:00Z")));
        assert_eq!(
            next_after(&every(120), t),
            Some(utc("2026-03-10T14:00:00Z"))
        );
        // Strictly after: a firing time itself moves on to the next one.
        let at = utc("2026-03-10T12:15:00Z");
        assert_eq!(
            next_after(&every(15), at),
            Some(utc("2026-03-10T12:30:00Z"))
        );
        assert_eq!(next_after(&every(0), t), None);
    }

    #[test]
    fn cron_is_evaluated_in_utc() {
        let half = Schedule::Cron("*/30 * * * *".into());
        let t = utc("2026-03-10T12:07:00Z");
        assert_eq!(next_after(&half, t), Some(utc("2026-03-10T12:30:00Z")));
        let at = utc("2026-03-10T12:30:00Z");
        assert_eq!(next_after(&half, at), Some(utc("2026-03-10T13:00:00Z")));
        let sub = utc("2026-03-10T12:29:59.500Z");
        assert_eq!(next_after(&half, sub), Some(utc("2026-03-10T12:30:00Z")));
        // 02:30 UTC every day, whatever the local zone's DST does.
        let daily = Schedule::Cron("30 2 * * *".into());
        assert_eq!(
            next_after(&daily, utc("2026-03-08T03:00:00-05:00")),
            Some(utc("2026-03-09T02:30:00Z"))
        );
        assert_eq!(
            next_after(&Schedule::Cron("0 0 30 2 *".into()), t),
            None,
            "never fires"
        );
        assert_eq!(next_after(&Schedule::Cron("nonsense".into()), t), None);
    }

    #[test]
    fn a_missed_firing_is_one_run() {
        let every = Schedule::EveryMinutes(15);
        let now = SystemTime::from(utc("2026-03-10T12:07:00Z"));
        let at = |s| Some(SystemTime::from(utc(s)));
        assert!(missed(&every, None, now));
        assert!(missed(&every, at("2026-03-08T00:00:00Z"), now));
        assert!(missed(&every, at("2026-03-10T11:59:00Z"), now));
        assert!(!missed(&every, at("2026-03-10T12:00:00Z"), now));
        assert!(!missed(&every, at("2026-03-10T12:05:00Z"), now));
    }

    #[test]
    fn covers_means_nothing_due_is_left() {
        let t = |s| SystemTime::from(utc(s));
        let run = NextRun {
            source: "a".into(),
            kind: JobKind::Secondary,
            schedule: Schedule::EveryMinutes(15),
            at: t("2026-03-10T12:15:00Z"),
        };
        let st = SchedulerState {
            passes: 1,
            as_of: Some(t("2026-03-10T12:07:00Z")),
            next: vec![run],
            ..SchedulerState::default()
        };
        assert!(st.covers(t("2026-03-10T12:14:59Z")));
        assert!(!st.covers(t("2026-03-10T12:15:00Z")));
        assert!(!SchedulerState::default().covers(SystemTime::UNIX_EPOCH));
    }
}
