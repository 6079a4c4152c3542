//! Rate-limit governor, one per connection, shared by every job that uses it.
//!
//! The store allows `300 × registers + 50` requests per 300 s window, reports the limit and
//! what is left on every response, and on 429 says in `Retry-After` when to come back.
//!
//! How it keeps every client that shares it clear of 429s (a Secondary and a Send FRs run of
//! one connection run at the same time, and a 429 on `POST /sales` costs a reconciliation):
//!
//! - **Reservations.** A request may go only while the budget has room for it *and* for every
//!   request already in flight: `remaining − in_flight > 0`, where `remaining` is the lowest
//!   value reported in the current window (responses can arrive out of order) and
//!   `in_flight` counts requests sent and not yet answered. The response's headers are
//!   recorded before its reservation is released ([`Slot::observe`]), so no other client
//!   ever sees the request as neither in flight nor counted. A request that got no answer
//!   (timeout, reset) is assumed to have been counted.
//! - **Window ends.** There is no reset header, but windows are fixed (300 s) and open with
//!   the first request. The governor keeps an upper bound of the current window's start:
//!   the time it received the first answer it saw in that window (a window can only have
//!   started before one of its answers arrived). When the budget is spent and nothing is in
//!   flight, it waits until that bound plus the window length, when the window has surely
//!   ended, instead of sending a request to learn that it has not. The next request then
//!   goes alone; its answer (`remaining = limit − 1`) opens the new window's bound.
//! - **Unknown budget.** Until the first answer says whether there is a limit, and after a
//!   window end or a 429 hold (the budget is unknown again), requests go one at a time.
//!   An answer without rate-limit headers means no limit: requests then flow freely.
//! - **429 anyway** (another application on the same store, or a store that counts
//!   differently): every request is held until the `Retry-After` time, as before.

use std::pin::pin;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use tokio::sync::Notify;

use crate::clock::{later, SharedClock};

/// The documented window length.
pub const WINDOW: Duration = Duration::from_secs(300);

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Budget {
    pub limit: Option<u64>,
    pub remaining: Option<u64>,
}

#[derive(Debug, Default)]
struct State {
    budget: Budget,
    /// Some answer has arrived (so `budget.limit == None` means "no limit", not "not told").
    answered: bool,
    /// Upper bound of the current window's start (see the module docs).
    window_bound: Option<SystemTime>,
    in_flight: u64,
    /// The last window end waited for (counted once in `waits`, however many wait).
    window_wait: Option<SystemTime>,
    blocked_until: Option<SystemTime>,
    waits: u64,
    rate_limited: u64,
}

#[derive(Debug)]
pub struct Governor {
    clock: SharedClock,
    window: Duration,
    state: Mutex<State>,
    /// Woken whenever a reservation is released or the budget changes.
    changed: Notify,
}

/// A reservation for one request: held while it is in flight. Record the response's
/// headers with [`Slot::observe`] (and a 429 with [`Slot::hold_until`]) before dropping it.
pub struct Slot<'a> {
    gov: &'a Governor,
    observed: bool,
}

enum Next {
    Go,
    /// Wait for a reservation to be released or the budget to change.
    Change,
    /// A 429's hold: wait until this time (or a change).
    Hold(SystemTime),
    /// The window's budget is spent: wait until it has surely ended (or a change).
    WindowEnd(SystemTime),
}

impl Governor {
    pub fn new(clock: SharedClock) -> Self {
        Self::with_window(clock, WINDOW)
    }

    /// A governor for a store whose windows last `window` (tests; the docs say 300 s).
    pub fn with_window(clock: SharedClock, window: Duration) -> Self {
        Self {
            clock,
            window,
            state: Mutex::new(State::default()),
            changed: Notify::new(),
        }
    }

    fn with<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        match self.state.lock() {
            Ok(mut g) => f(&mut g),
            Err(p) => f(&mut p.into_inner()),
        }
    }

    pub fn budget(&self) -> Budget {
        self.with(|s| s.budget)
    }

    /// When requests may resume, if they are on hold.
    pub fn blocked_until(&self) -> Option<SystemTime> {
        let now = self.clock.now();
        self.with(|s| s.blocked_until.filter(|t| *t > now))
    }

    /// (times a wait was imposed: 429 holds and waits for a spent window to end, 429
    /// responses seen)
    pub fn stats(&self) -> (u64, u64) {
        self.with(|s| (s.waits, s.rate_limited))
    }

    /// Requests sent and not yet answered.
    pub fn in_flight(&self) -> u64 {
        self.with(|s| s.in_flight)
    }

    /// Decides whether one more request may go now, reserving it if so.
    fn next(&self, s: &mut State, now: SystemTime) -> Next {
        if let Some(until) = s.blocked_until {
            if until > now {
                return Next::Hold(until);
            }
            s.blocked_until = None;
        }
        if let Some(bound) = s.window_bound {
            if now >= later(bound, self.window) {
                // The window that bound belongs to is over: the budget is unknown again.
                s.window_bound = None;
                s.budget.remaining = None;
            }
        }
        let go = match (s.answered, s.budget.limit, s.budget.remaining) {
            // Told there is no limit.
            (true, None, _) => true,
            // Not told yet, or a new window: one request at a time until an answer says.
            (_, _, None) => s.in_flight == 0,
            (_, _, Some(r)) => r > s.in_flight,
        };
        if go {
            s.in_flight += 1;
            return Next::Go;
        }
        let end = match (s.in_flight, s.window_bound) {
            (0, Some(bound)) => later(bound, self.window),
            // Spent with no bound known (cannot happen: a remaining is only recorded with
            // one): wait a whole window, which is surely enough.
            (0, None) => later(now, self.window),
            _ => return Next::Change,
        };
        if s.window_wait != Some(end) {
            s.window_wait = Some(end);
            s.waits += 1;
        }
        Next::WindowEnd(end)
    }

    /// Wait until a request may be sent. `on_wait` is told the resume time once per wait.
    pub async fn acquire(&self, mut on_wait: impl FnMut(SystemTime)) -> Slot<'_> {
        let mut told: Option<SystemTime> = None;
        loop {
            // Registered before the state is read, so a release in between is not missed.
            let mut notified = pin!(self.changed.notified());
            notified.as_mut().enable();
            let now = self.clock.now();
            match self.with(|s| self.next(s, now)) {
                Next::Go => {
                    return Slot {
                        gov: self,
                        observed: false,
                    }
                }
                Next::Change => notified.await,
                Next::Hold(t) | Next::WindowEnd(t) => {
                    if told != Some(t) {
                        told = Some(t);
                        on_wait(t);
                    }
                    // Woken early by a change (a longer hold, a new answer): decide again.
                    // A clock that wakes a hair early is simply waited on again.
                    tokio::select! {
                        _ = self.clock.sleep_until(t) => {}
                        _ = notified => {}
                    }
                }
            }
        }
    }

    /// Record the budget headers of a response (prefer [`Slot::observe`], which does this
    /// before the request's reservation is released).
    pub fn observe(&self, limit: Option<u64>, remaining: Option<u64>) {
        let now = self.clock.now();
        self.with(|s| {
            s.answered = true;
            if limit.is_some() {
                s.budget.limit = limit;
            }
            if let Some(r) = remaining {
                let first_of_window = s.budget.limit.is_some_and(|l| r + 1 >= l);
                let stale = s.window_bound.is_none_or(|b| now >= later(b, self.window));
                match s.budget.remaining {
                    Some(known) if !first_of_window && !stale => {
                        s.budget.remaining = Some(known.min(r));
                    }
                    _ => {
                        // A new window (or the first answer we see in one): it started
                        // before this answer arrived.
                        s.budget.remaining = Some(r);
                        s.window_bound = Some(now);
                    }
                }
            }
        });
        self.changed.notify_waiters();
    }

    /// A 429 arrived: hold all requests until `until` (never earlier than already held).
    pub fn hold_until(&self, until: SystemTime) {
        self.with(|s| {
            s.rate_limited += 1;
            s.waits += 1;
            s.blocked_until = Some(match s.blocked_until {
                Some(t) if t > until => t,
                _ => until,
            });
            // The new window starts with an unknown budget; the next response will tell.
            s.budget.remaining = None;
            s.window_bound = None;
        });
        self.changed.notify_waiters();
    }

    pub fn now(&self) -> SystemTime {
        self.clock.now()
    }
}

impl Slot<'_> {
    /// Record the response's budget headers while the request still counts as in flight.
    pub fn observe(&mut self, limit: Option<u64>, remaining: Option<u64>) {
        self.observed = true;
        self.gov.observe(limit, remaining);
    }

    /// The response was a 429: hold every request until `until`.
    pub fn hold_until(&mut self, until: SystemTime) {
        self.observed = true;
        self.gov.hold_until(until);
    }
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        let observed = self.observed;
        self.gov.with(|s| {
            s.in_flight = s.in_flight.saturating_sub(1);
            if !observed {
                // No answer (timeout, reset): the store may still have counted it.
                if let Some(r) = s.budget.remaining.as_mut() {
                    *r = r.saturating_sub(1);
                }
            }
        });
        self.gov.changed.notify_waiters();
    }
}

/// Longest `Retry-After` taken as the store's word. The documented window is 300 s; a wait
/// beyond an hour is not a rate limit any store means (a huge number, a date in year 9999),
/// and waiting it would stall every job of the connection for ever.
pub const RETRY_AFTER_MAX: Duration = Duration::from_secs(3600);

/// Parse `Retry-After` as an HTTP date (what Lightspeed sends) or delta-seconds, and turn it
/// into a resume time on our clock. The server's `Date` header is the reference for an HTTP
/// date, so a skewed local clock neither shortens nor lengthens the wait. A wait beyond
/// [`RETRY_AFTER_MAX`] is clamped to the documented window ([`WINDOW`]), with a warning.
pub fn resume_time(
    retry_after: Option<&str>,
    server_date: Option<&str>,
    now: SystemTime,
    fallback: Duration,
) -> SystemTime {
    later(now, retry_wait(retry_after, server_date, now, fallback))
}

fn retry_wait(
    retry_after: Option<&str>,
    server_date: Option<&str>,
    now: SystemTime,
    fallback: Duration,
) -> Duration {
    let Some(v) = retry_after.map(str::trim).filter(|v| !v.is_empty()) else {
        return fallback;
    };
    let wait = if v.bytes().all(|b| b.is_ascii_digit()) {
        // More digits than a u64 holds is a wait beyond any clamp, not a malformed value.
        v.parse::<u64>().map_or(Duration::MAX, Duration::from_secs)
    } else {
        match httpdate::parse_http_date(v) {
            Ok(at) => {
                let reference = server_date
                    .and_then(|d| httpdate::parse_http_date(d.trim()).ok())
                    .unwrap_or(now);
                // Date is truncated to the second, so this wait is never shorter than needed.
                at.duration_since(reference).unwrap_or_default()
            }
            Err(_) => return fallback,
        }
    };
    if wait > RETRY_AFTER_MAX {
        let shown: String = v.chars().take(60).collect();
        tracing::warn!(
            retry_after = %shown,
            "the store asked to wait longer than an hour (Retry-After {shown:?}); waiting the documented {} s window instead",
            WINDOW.as_secs()
        );
        return WINDOW;
    }
    wait
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::{Clock, ManualClock};
    use futures_util::FutureExt;
    use std::sync::Arc;

    fn manual() -> (ManualClock, Governor) {
        let clock = ManualClock::new(SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000));
        let g = Governor::new(Arc::new(clock.clone()));
        (clock, g)
    }

    #[tokio::test]
    async fn requests_in_flight_never_exceed_the_budget() {
        let (_clock, g) = manual();
        // Nothing known yet: one request at a time.
        let mut first = g.acquire(|_| {}).await;
        assert!(g.acquire(|_| {}).now_or_never().is_none());
        first.observe(Some(3), Some(2));
        drop(first);
        // Room for two: two go, a third waits for an answer.
        let mut a = g.acquire(|_| {}).await;
        let mut b = g.acquire(|_| {}).await;
        assert_eq!(g.in_flight(), 2);
        assert!(g.acquire(|_| {}).now_or_never().is_none());
        // Answers out of order: the lowest remaining counts.
        b.observe(Some(3), Some(0));
        drop(b);
        a.observe(Some(3), Some(1));
        drop(a);
        assert_eq!(g.budget().remaining, Some(0));
        assert!(g.acquire(|_| {}).now_or_never().is_none(), "spent");
    }

    #[tokio::test]
    async fn a_spent_window_is_waited_out_from_its_first_answer() {
        let (clock, g) = manual();
        let t0 = clock.now();
        let mut s = g.acquire(|_| {}).await;
        s.observe(Some(2), Some(1));
        drop(s);
        clock.advance(Duration::from_secs(100));
        let mut s = g.acquire(|_| {}).await;
        s.observe(Some(2), Some(0));
        drop(s);
        let g = Arc::new(g);
        let told = Arc::new(Mutex::new(Vec::new()));
        let waiter = tokio::spawn({
            let (g, told) = (g.clone(), told.clone());
            async move {
                let mut s = g
                    .acquire(|t| told.lock().map(|mut v| v.push(t)).unwrap_or(()))
                    .await;
                s.observe(Some(2), Some(1));
            }
        });
        while g.stats().0 == 0 {
            tokio::task::yield_now().await;
        }
        // The window opened before the first answer (t0) and lasts 300 s.
        assert_eq!(*told.lock().unwrap(), vec![t0 + WINDOW]);
        clock.set(t0 + WINDOW - Duration::from_secs(1));
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
        assert!(!waiter.is_finished());
        clock.set(t0 + WINDOW);
        waiter.await.unwrap();
        assert_eq!(g.budget().remaining, Some(1));
        assert_eq!(g.stats(), (1, 0), "one wait, no 429");
    }

    #[tokio::test]
    async fn no_rate_limit_headers_means_no_pacing_and_lost_answers_count() {
        let (_clock, g) = manual();
        let mut s = g.acquire(|_| {}).await;
        s.observe(None, None);
        drop(s);
        let a = g.acquire(|_| {}).await;
        let b = g.acquire(|_| {}).await;
        assert_eq!(g.in_flight(), 2);
        drop((a, b));

        let (_clock, g) = manual();
        let mut s = g.acquire(|_| {}).await;
        s.observe(Some(10), Some(5));
        drop(s);
        // No answer (timeout, reset): the store may have counted it.
        drop(g.acquire(|_| {}).await);
        assert_eq!(g.budget().remaining, Some(4));
    }

    #[test]
    fn retry_after_forms() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let fb = Duration::from_secs(7);
        assert_eq!(
            resume_time(Some("30"), None, now, fb),
            now + Duration::from_secs(30)
        );
        let server = httpdate::fmt_http_date(SystemTime::UNIX_EPOCH + Duration::from_secs(5_000));
        let at = httpdate::fmt_http_date(SystemTime::UNIX_EPOCH + Duration::from_secs(5_042));
        // Relative to the server's Date, not our (skewed) clock.
        assert_eq!(
            resume_time(Some(&at), Some(&server), now, fb),
            now + Duration::from_secs(42)
        );
        assert_eq!(resume_time(Some("soon"), None, now, fb), now + fb);
        assert_eq!(resume_time(None, None, now, fb), now + fb);
        // A date in the past means "now".
        assert_eq!(resume_time(Some(&server), Some(&at), now, fb), now);
    }

    #[test]
    fn retry_after_beyond_an_hour_is_the_documented_window() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let fb = Duration::from_secs(7);
        let window = now + WINDOW;
        for huge in [
            "18446744073709551615",
            "99999999999999999999999999",
            "3601",
            "Fri, 31 Dec 9999 23:59:59 GMT",
        ] {
            assert_eq!(resume_time(Some(huge), None, now, fb), window, "{huge}");
        }
        // Up to an hour is the store's word.
        assert_eq!(
            resume_time(Some("3600"), None, now, fb),
            now + Duration::from_secs(3600)
        );
        // Far in the future relative to the server's own date, too.
        let server = httpdate::fmt_http_date(now);
        assert_eq!(
            resume_time(
                Some("Fri, 31 Dec 9999 23:59:59 GMT"),
                Some(&server),
                now,
                fb
            ),
            window
        );
        // A clock at the far end of time does not overflow either.
        let end = crate::clock::far_future();
        assert_eq!(resume_time(Some("30"), None, end, fb), end);
        assert_eq!(resume_time(None, None, end, fb), end);
    }
}
