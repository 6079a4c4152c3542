//! Fixed 300 s windows, as the docs describe: a window opens with the first request,
//! allows `limit` requests, and anything beyond is answered 429 with `Retry-After` set to
//! the window's end (an HTTP date, rounded up to the second).

use std::collections::HashMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

#[derive(Debug, Clone, Copy)]
struct Window {
    start: SystemTime,
    count: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow { remaining: u64 },
    Deny { retry_after: SystemTime },
}

#[derive(Debug, Default)]
pub struct Limiter {
    windows: HashMap<String, Window>,
}

/// Round up to a whole second, since `Retry-After` has second precision and must not
/// invite the client back before the window has really ended.
pub fn ceil_second(t: SystemTime) -> SystemTime {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs() + u64::from(d.subsec_nanos() > 0);
    UNIX_EPOCH + Duration::from_secs(secs)
}

impl Limiter {
    pub fn check(&mut self, key: &str, limit: u64, window: Duration, now: SystemTime) -> Decision {
        let w = self.windows.entry(key.to_string()).or_insert(Window {
            start: now,
            count: 0,
        });
        if now >= w.start + window {
            *w = Window {
                start: now,
                count: 0,
            };
        }
        if w.count >= limit {
            return Decision::Deny {
                retry_after: ceil_second(w.start + window),
            };
        }
        w.count += 1;
        Decision::Allow {
            remaining: limit - w.count,
        }
    }

    /// What is left without spending a request (for responses that do not count).
    pub fn remaining(&self, key: &str, limit: u64, window: Duration, now: SystemTime) -> u64 {
        match self.windows.get(key) {
            Some(w) if now < w.start + window => limit.saturating_sub(w.count),
            _ => limit,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_allows_limit_then_denies_until_end() {
        let mut l = Limiter::default();
        let t0 = UNIX_EPOCH + Duration::from_millis(1_000_500);
        let w = Duration::from_secs(300);
        for i in 0..3 {
            assert_eq!(l.check("k", 3, w, t0), Decision::Allow { remaining: 2 - i });
        }
        let d = l.check("k", 3, w, t0 + Duration::from_secs(10));
        assert_eq!(
            d,
            Decision::Deny {
                retry_after: UNIX_EPOCH + Duration::from_secs(1_301)
            }
        );
        assert_eq!(l.check("k", 3, w, t0 + w), Decision::Allow { remaining: 2 });
    }
}
