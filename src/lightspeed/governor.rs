//! Rate-limit governor, one per connection, shared by every job that uses it.
//!
//! The store allows `300 × registers + 50` requests per 300 s window, reports the limit and
//! what is left on every response, and on 429 says in `Retry-After` when to come back. There
//! is no reset header, so the governor cannot know when a window ends until it is told: it
//! lets requests flow while the budget is healthy, narrows to one request at a time when the
//! budget is nearly spent (so at most one request per window meets a 429), and when told to
//! wait, holds every request until the `Retry-After` time.

use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use tokio::sync::{Semaphore, SemaphorePermit};

use crate::clock::SharedClock;

/// Below this many remaining requests, requests go one at a time.
const LOW_WATER: u64 = 2;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Budget {
    pub limit: Option<u64>,
    pub remaining: Option<u64>,
}

#[derive(Debug, Default)]
struct State {
    budget: Budget,
    blocked_until: Option<SystemTime>,
    waits: u64,
    rate_limited: u64,
}

#[derive(Debug)]
pub struct Governor {
    clock: SharedClock,
    state: Mutex<State>,
    single: Semaphore,
}

/// Held while a request is in flight; narrows concurrency when the budget is low.
pub struct Slot<'a> {
    _permit: Option<SemaphorePermit<'a>>,
}

impl Governor {
    pub fn new(clock: SharedClock) -> Self {
        Self {
            clock,
            state: Mutex::new(State::default()),
            single: Semaphore::new(1),
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

    /// (times a wait was imposed, 429 responses seen)
    pub fn stats(&self) -> (u64, u64) {
        self.with(|s| (s.waits, s.rate_limited))
    }

    /// Wait until a request may be sent. `on_wait` is told the resume time once per wait.
    pub async fn acquire(&self, mut on_wait: impl FnMut(SystemTime)) -> Slot<'_> {
        loop {
            if let Some(until) = self.blocked_until() {
                on_wait(until);
                self.clock.sleep_until(until).await;
                continue;
            }
            let low = self.with(|s| matches!(s.budget.remaining, Some(r) if r <= LOW_WATER));
            if !low {
                return Slot { _permit: None };
            }
            // Nearly spent: one request at a time, re-checking the hold once we have the slot.
            let permit = self.single.acquire().await.ok();
            if self.blocked_until().is_some() {
                continue;
            }
            return Slot { _permit: permit };
        }
    }

    /// Record the budget headers of a response.
    pub fn observe(&self, limit: Option<u64>, remaining: Option<u64>) {
        self.with(|s| {
            if limit.is_some() {
                s.budget.limit = limit;
            }
            if remaining.is_some() {
                s.budget.remaining = remaining;
            }
        });
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
        });
    }

    pub fn now(&self) -> SystemTime {
        self.clock.now()
    }
}

/// Parse `Retry-After` as an HTTP date (what Lightspeed sends) or delta-seconds, and turn it
/// into a resume time on our clock. The server's `Date` header is the reference for an HTTP
/// date, so a skewed local clock neither shortens nor lengthens the wait.
pub fn resume_time(
    retry_after: Option<&str>,
    server_date: Option<&str>,
    now: SystemTime,
    fallback: Duration,
) -> SystemTime {
    let Some(v) = retry_after.map(str::trim).filter(|v| !v.is_empty()) else {
        return now + fallback;
    };
    if let Ok(secs) = v.parse::<u64>() {
        return now + Duration::from_secs(secs);
    }
    match httpdate::parse_http_date(v) {
        Ok(at) => {
            let reference = server_date
                .and_then(|d| httpdate::parse_http_date(d.trim()).ok())
                .unwrap_or(now);
            // Date is truncated to the second, so this wait is never shorter than needed.
            let wait = at.duration_since(reference).unwrap_or_default();
            now + wait
        }
        Err(_) => now + fallback,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
