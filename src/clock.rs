//! Time as the engine and the simulator see it.
//!
//! Rate-limit windows are 300 s and holds are hours, so tests cannot run on wall time.
//! Everything that waits or reads "now" goes through a [`Clock`], and a test hands the
//! same scaled or manual clock to the simulator and the client so both agree.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use tokio::sync::watch;

pub type SleepFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

pub trait Clock: Send + Sync + std::fmt::Debug {
    /// The current (possibly virtual) time.
    fn now(&self) -> SystemTime;
    /// Wait for `d` of this clock's time to pass.
    fn sleep(&self, d: Duration) -> SleepFuture;
    /// Wait until this clock reads `t` (returns at once if it already does).
    fn sleep_until(&self, t: SystemTime) -> SleepFuture {
        let d = t.duration_since(self.now()).unwrap_or_default();
        self.sleep(d)
    }
}

pub type SharedClock = Arc<dyn Clock>;

/// The latest time anything here waits for or writes: 9999-12-31 23:59:59 UTC, the last
/// second an HTTP date can express. Times from outside (a store's Retry-After, a huge hold)
/// saturate here instead of overflowing.
pub fn far_future() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(253_402_300_799)
}

/// `t + d`, saturating at [`far_future`]: no time arithmetic on values from outside may
/// overflow (a panic there would end a run silently).
pub fn later(t: SystemTime, d: Duration) -> SystemTime {
    let end = far_future();
    t.checked_add(d).map_or(end, |x| x.min(end))
}

/// Wall time.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
    fn sleep(&self, d: Duration) -> SleepFuture {
        Box::pin(tokio::time::sleep(d))
    }
}

pub fn system() -> SharedClock {
    Arc::new(SystemClock)
}

/// Virtual time that runs `scale` times faster than wall time, starting at `origin`.
/// With scale 100 a 300 s rate-limit window passes in 3 s of wall time.
#[derive(Debug, Clone)]
pub struct ScaledClock {
    origin_real: Instant,
    origin_virtual: SystemTime,
    scale: f64,
}

impl ScaledClock {
    pub fn new(origin: SystemTime, scale: f64) -> Self {
        let scale = if scale.is_finite() && scale > 0.0 {
            scale
        } else {
            1.0
        };
        Self {
            origin_real: Instant::now(),
            origin_virtual: origin,
            scale,
        }
    }
    pub fn scale(&self) -> f64 {
        self.scale
    }
}

impl Clock for ScaledClock {
    fn now(&self) -> SystemTime {
        let real = self.origin_real.elapsed();
        let virt =
            Duration::try_from_secs_f64(real.as_secs_f64() * self.scale).unwrap_or(Duration::MAX);
        later(self.origin_virtual, virt)
    }
    fn sleep(&self, d: Duration) -> SleepFuture {
        Box::pin(tokio::time::sleep(d.div_f64(self.scale)))
    }
}

/// Time that moves only when a test says so. Sleepers wake when `advance`/`set` passes
/// their deadline, so tests of holds, business hours and schedules never wait for real.
#[derive(Debug, Clone)]
pub struct ManualClock {
    inner: Arc<Mutex<SystemTime>>,
    tx: Arc<watch::Sender<SystemTime>>,
}

impl ManualClock {
    pub fn new(start: SystemTime) -> Self {
        let (tx, _rx) = watch::channel(start);
        Self {
            inner: Arc::new(Mutex::new(start)),
            tx: Arc::new(tx),
        }
    }
    pub fn set(&self, t: SystemTime) {
        if let Ok(mut g) = self.inner.lock() {
            *g = t;
        }
        self.tx.send_replace(t);
    }
    pub fn advance(&self, d: Duration) {
        let t = later(self.now(), d);
        self.set(t);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> SystemTime {
        self.inner
            .lock()
            .map(|g| *g)
            .unwrap_or(SystemTime::UNIX_EPOCH)
    }
    fn sleep(&self, d: Duration) -> SleepFuture {
        self.sleep_until(later(self.now(), d))
    }
    /// The deadline is `t` itself. (The trait's default turns `t` into a duration and back,
    /// reading the clock twice, so an `advance` between the two reads would push the
    /// deadline later by the advance and the sleeper would miss its wake-up.)
    fn sleep_until(&self, t: SystemTime) -> SleepFuture {
        let deadline = t;
        let mut rx = self.tx.subscribe();
        Box::pin(async move {
            loop {
                if *rx.borrow_and_update() >= deadline {
                    return;
                }
                if rx.changed().await.is_err() {
                    return;
                }
            }
        })
    }
}

/// Time that stands still until something sleeps, then jumps to that sleeper's deadline. A
/// test of the rate-limit governor on it makes every request at a frozen instant and spends
/// no real time waiting, so a loaded machine (slow requests) cannot change how many windows
/// the import needs, as it can on a scaled clock.
#[derive(Debug, Clone)]
pub struct JumpClock {
    inner: ManualClock,
}

impl JumpClock {
    pub fn new(start: SystemTime) -> Self {
        JumpClock {
            inner: ManualClock::new(start),
        }
    }
}

impl Clock for JumpClock {
    fn now(&self) -> SystemTime {
        self.inner.now()
    }
    fn sleep(&self, d: Duration) -> SleepFuture {
        self.sleep_until(later(self.now(), d))
    }
    fn sleep_until(&self, t: SystemTime) -> SleepFuture {
        if t > self.inner.now() {
            self.inner.set(t);
        }
        Box::pin(tokio::task::yield_now())
    }
}

/// RFC 3339 with a `+00:00` offset, the shape the API uses for timestamps.
pub fn rfc3339(t: SystemTime) -> String {
    // chrono cannot represent every SystemTime; nothing sensible lies past far_future().
    let dt: chrono::DateTime<chrono::Utc> = t.min(far_future()).into();
    dt.format("%Y-%m-%dT%H:%M:%S+00:00").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn manual_clock_wakes_sleepers_on_advance() {
        let c = ManualClock::new(SystemTime::UNIX_EPOCH);
        // The deadline is fixed when `sleep` is called, not when the task first runs.
        let h = tokio::spawn(c.sleep(Duration::from_secs(3600)));
        c.advance(Duration::from_secs(1800));
        tokio::task::yield_now().await;
        assert!(!h.is_finished());
        c.advance(Duration::from_secs(1800));
        h.await.unwrap();
    }

    #[test]
    fn time_arithmetic_saturates() {
        let now = SystemTime::now();
        assert_eq!(later(now, Duration::MAX), far_future());
        assert_eq!(later(now, Duration::from_secs(u64::MAX)), far_future());
        assert_eq!(later(far_future(), Duration::from_secs(1)), far_future());
        assert_eq!(
            later(now, Duration::from_secs(5)),
            now + Duration::from_secs(5)
        );
        // The far future is still an HTTP date.
        assert!(httpdate::fmt_http_date(far_future()).contains("9999"));
        let c = ManualClock::new(now);
        c.advance(Duration::MAX);
        assert_eq!(c.now(), far_future());
    }

    #[test]
    fn scaled_clock_runs_fast() {
        let c = ScaledClock::new(SystemTime::UNIX_EPOCH, 1000.0);
        let t0 = c.now();
        let start = Instant::now();
        while start.elapsed() < Duration::from_millis(5) {}
        assert!(c.now().duration_since(t0).unwrap() >= Duration::from_secs(5));
    }
}
