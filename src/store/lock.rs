//! Telling a real "in use" apart from sled's own lingering lock.
//!
//! sled 0.34 takes an exclusive `flock` on `<dir>/db` and keeps the file open until the last internal
//! reference drops. After the last `Store`/`Table` is dropped, sled's I/O threads can still hold that reference
//! for a moment, so reopening the same dir *in the same process* right away can fail with "could not acquire
//! lock" (observed in ~15% of back-to-back reopens on a 2-core box). sled's own test suite works around this
//! by blocking on the lock (`cfg(feature = "testing")` in config.rs).
//!
//! We retry only when that is provably the situation: no live `Store` handle for the dir in this process
//! (tracked by [`LiveToken`]) *and* the kernel says the lock belongs to this process or is already gone
//! (Linux `/proc/locks`). A lock held by another process — or any lock we cannot attribute, e.g. off
//! Linux — fails at once with `StoreError::Locked`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, Weak};

/// Held (via `Arc`) by every `Store`, `Meta` and `Table` clone: while one exists, the dir is legitimately
/// open in this process.
#[derive(Debug)]
pub(crate) struct LiveToken {
    key: PathBuf,
}

fn registry() -> &'static Mutex<HashMap<PathBuf, Weak<LiveToken>>> {
    static REG: OnceLock<Mutex<HashMap<PathBuf, Weak<LiveToken>>>> = OnceLock::new();
    REG.get_or_init(|| Mutex::new(HashMap::new()))
}

fn key_for(dir: &Path) -> PathBuf {
    std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf())
}

/// Record that `dir` is open in this process until the returned token (and its clones) drop.
pub(crate) fn register(dir: &Path) -> Arc<LiveToken> {
    let token = Arc::new(LiveToken { key: key_for(dir) });
    let mut reg = registry()
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    reg.insert(token.key.clone(), Arc::downgrade(&token));
    token
}

/// Whether a `Store` (or a `Table`/`Meta` from it) for `dir` is alive in this process.
pub(crate) fn is_live(dir: &Path) -> bool {
    let key = key_for(dir);
    let reg = registry()
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    reg.get(&key).is_some_and(|w| w.strong_count() > 0)
}

impl Drop for LiveToken {
    fn drop(&mut self) {
        let mut reg = registry()
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if reg.get(&self.key).is_some_and(|w| w.strong_count() == 0) {
            reg.remove(&self.key);
        }
    }
}

/// Who holds the `flock` on a file, per the kernel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Holder {
    ThisProcess,
    OtherProcess,
    /// No flock on the file right now.
    Nobody,
    /// Cannot tell (non-Linux, file missing, `/proc/locks` unreadable).
    Unknown,
}

/// Who holds the `flock` on `file`, from `/proc/locks` on Linux.
pub(crate) fn holder(file: &Path) -> Holder {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::MetadataExt;
        let Ok(meta) = std::fs::metadata(file) else {
            return Holder::Unknown;
        };
        let Ok(locks) = std::fs::read_to_string("/proc/locks") else {
            return Holder::Unknown;
        };
        let (dev, ino) = (meta.dev(), meta.ino());
        // glibc gnu_dev_major/minor.
        let major = ((dev >> 8) & 0xfff) | ((dev >> 32) & !0xfff);
        let minor = (dev & 0xff) | ((dev >> 12) & !0xff);
        parse_holder(&locks, std::process::id(), major, minor, ino)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = file;
        Holder::Unknown
    }
}

/// Parse `/proc/locks` lines like `1: FLOCK  ADVISORY  WRITE 25572 fe:00:10018975 0 EOF`
/// (`MAJOR:MINOR` in hex). Waiter lines (`1: -> FLOCK …`) are skipped.
#[cfg(target_os = "linux")]
fn parse_holder(locks: &str, pid: u32, major: u64, minor: u64, ino: u64) -> Holder {
    for line in locks.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() < 6 || f[1] != "FLOCK" {
            continue;
        }
        let mut id = f[5].split(':');
        let (Some(ma), Some(mi), Some(i)) = (id.next(), id.next(), id.next()) else {
            continue;
        };
        let same_file = u64::from_str_radix(ma, 16).ok() == Some(major)
            && u64::from_str_radix(mi, 16).ok() == Some(minor)
            && i.parse::<u64>().ok() == Some(ino);
        if same_file {
            return if f[4].parse::<u32>().ok() == Some(pid) {
                Holder::ThisProcess
            } else {
                Holder::OtherProcess
            };
        }
    }
    Holder::Nobody
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn parses_proc_locks() {
        let locks = "1: FLOCK  ADVISORY  WRITE 25572 fe:00:10018975 0 EOF\n\
                     1: -> FLOCK  ADVISORY  WRITE 999 fe:00:10018975 0 EOF\n\
                     2: POSIX  ADVISORY  WRITE 25572 fe:00:42 0 EOF\n";
        assert_eq!(
            parse_holder(locks, 25572, 0xfe, 0, 10018975),
            Holder::ThisProcess
        );
        assert_eq!(
            parse_holder(locks, 999, 0xfe, 0, 10018975),
            Holder::OtherProcess
        );
        assert_eq!(parse_holder(locks, 25572, 0xfe, 0, 42), Holder::Nobody);
        assert_eq!(
            parse_holder(locks, 25572, 0xfe, 1, 10018975),
            Holder::Nobody
        );
        assert_eq!(parse_holder("", 1, 0, 0, 1), Holder::Nobody);
    }
}
