//! The daemon's log: every line goes to stdout and to `<data dir>/logs/daemon.log`, which is
//! rotated by size (`daemon.log.1` is the newest old file, `daemon.log.N` the oldest kept).
//! Rotation is hand-written (a rename chain), so no logging framework owns stdout.
//!
//! Writing never blocks the daemon on a slow reader: stdout is written by its own thread
//! from a bounded queue, and lines that do not fit are counted and reported once the queue
//! drains. The file is written in place (a local disk).

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use crate::backend::protocol::one_line;

/// A size-rotated, owner-only log file.
pub struct RotatingFile {
    path: PathBuf,
    file: Option<File>,
    size: u64,
    max_bytes: u64,
    keep: usize,
}

fn open_append(path: &Path) -> std::io::Result<File> {
    let mut o = OpenOptions::new();
    o.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o.open(path)
}

impl RotatingFile {
    /// Opens (appending) `path`, creating its directory owner-only.
    pub fn open(path: PathBuf, max_bytes: u64, keep: usize) -> std::io::Result<RotatingFile> {
        if let Some(dir) = path.parent() {
            let mut b = std::fs::DirBuilder::new();
            b.recursive(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::DirBuilderExt;
                b.mode(0o700);
            }
            b.create(dir)?;
        }
        let file = open_append(&path)?;
        let size = file.metadata().map(|m| m.len()).unwrap_or(0);
        Ok(RotatingFile {
            path,
            file: Some(file),
            size,
            max_bytes: max_bytes.max(1),
            keep,
        })
    }

    fn numbered(&self, n: usize) -> PathBuf {
        let mut p = self.path.clone().into_os_string();
        p.push(format!(".{n}"));
        PathBuf::from(p)
    }

    /// `daemon.log` → `daemon.log.1` → … → `daemon.log.keep` (the oldest is dropped).
    fn rotate(&mut self) -> std::io::Result<()> {
        self.file = None;
        if self.keep == 0 {
            std::fs::remove_file(&self.path).or_else(ignore_missing)?;
        } else {
            std::fs::remove_file(self.numbered(self.keep)).or_else(ignore_missing)?;
            for n in (1..self.keep).rev() {
                std::fs::rename(self.numbered(n), self.numbered(n + 1)).or_else(ignore_missing)?;
            }
            std::fs::rename(&self.path, self.numbered(1)).or_else(ignore_missing)?;
        }
        self.file = Some(open_append(&self.path)?);
        self.size = 0;
        Ok(())
    }

    /// Appends one line (a newline is added), rotating first if it would not fit.
    pub fn write_line(&mut self, line: &str) -> std::io::Result<()> {
        let len = line.len() as u64 + 1;
        if self.size > 0 && self.size + len > self.max_bytes {
            self.rotate()?;
        }
        if self.file.is_none() {
            self.file = Some(open_append(&self.path)?);
        }
        if let Some(f) = self.file.as_mut() {
            f.write_all(format!("{line}\n").as_bytes())?;
        }
        self.size += len;
        Ok(())
    }
}

fn ignore_missing(e: std::io::Error) -> std::io::Result<()> {
    if e.kind() == std::io::ErrorKind::NotFound {
        Ok(())
    } else {
        Err(e)
    }
}

enum Out {
    Line(String),
    Flush(SyncSender<()>),
}

struct Inner {
    file: Mutex<Option<RotatingFile>>,
    /// Set once a file error has been reported (reported once, then lines go to stdout only).
    file_failed: std::sync::atomic::AtomicBool,
    stdout: SyncSender<Out>,
    dropped: AtomicU64,
}

/// The daemon's log. Cheap to clone.
#[derive(Clone)]
pub struct DaemonLog {
    inner: Arc<Inner>,
}

/// Lines waiting for stdout before new ones are dropped.
const STDOUT_QUEUE: usize = 4096;

impl DaemonLog {
    /// Starts the stdout writer thread; `file` is where lines are kept (None: stdout only).
    pub fn start(file: Option<RotatingFile>) -> DaemonLog {
        let (tx, rx) = sync_channel(STDOUT_QUEUE);
        let _ = std::thread::Builder::new()
            .name("daemon-stdout".into())
            .spawn(move || stdout_thread(rx));
        DaemonLog {
            inner: Arc::new(Inner {
                file: Mutex::new(file),
                file_failed: Default::default(),
                stdout: tx,
                dropped: AtomicU64::new(0),
            }),
        }
    }

    /// Logs one line (control characters become spaces), stamped with the UTC time.
    pub fn line(&self, text: impl AsRef<str>) {
        let line = format!(
            "{}  {}",
            crate::clock::rfc3339(SystemTime::now()),
            one_line(text.as_ref())
        );
        {
            let mut f = self.inner.file.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(file) = f.as_mut() {
                if let Err(e) = file.write_line(&line) {
                    if !self.inner.file_failed.swap(true, Ordering::Relaxed) {
                        eprintln!(
                            "lsbridge daemon: cannot write {}: {e}; logging to stdout only",
                            file.path.display()
                        );
                    }
                    *f = None;
                }
            }
        }
        let dropped = self.inner.dropped.load(Ordering::Relaxed);
        if dropped > 0
            && self
                .inner
                .stdout
                .try_send(Out::Line(format!(
                    "(stdout was not being read: {dropped} lines are only in the log file)"
                )))
                .is_ok()
        {
            self.inner.dropped.fetch_sub(dropped, Ordering::Relaxed);
        }
        match self.inner.stdout.try_send(Out::Line(line)) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                self.inner.dropped.fetch_add(1, Ordering::Relaxed);
            }
            Err(TrySendError::Disconnected(_)) => {}
        }
    }

    /// Waits (at most `timeout`) until every line logged so far has been written to stdout.
    pub fn flush(&self, timeout: Duration) {
        let (tx, rx) = sync_channel(1);
        if self.inner.stdout.send(Out::Flush(tx)).is_ok() {
            let _ = rx.recv_timeout(timeout);
        }
    }
}

fn stdout_thread(rx: Receiver<Out>) {
    while let Ok(m) = rx.recv() {
        match m {
            Out::Line(l) => {
                let mut out = std::io::stdout().lock();
                // A closed stdout (EPIPE) must not stop the daemon: the file has the lines.
                let _ = writeln!(out, "{l}");
                let _ = out.flush();
            }
            Out::Flush(ack) => {
                let _ = ack.send(());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotates_by_size_and_keeps_n_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("logs").join("daemon.log");
        let mut f = RotatingFile::open(path.clone(), 100, 2).unwrap();
        for i in 0..12 {
            // 40 bytes with the newline: two lines per file.
            f.write_line(&format!("{i:02}{}", "x".repeat(37))).unwrap();
        }
        let read = |p: &Path| std::fs::read_to_string(p).unwrap();
        let first = |p: &Path| read(p)[..2].to_string();
        assert_eq!(first(&path), "10");
        assert_eq!(first(&f.numbered(1)), "08");
        assert_eq!(first(&f.numbered(2)), "06");
        assert!(!f.numbered(3).exists());
        assert_eq!(read(&path).lines().count(), 2);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&path), 0o600);
            assert_eq!(mode(&f.numbered(1)), 0o600);
            assert_eq!(mode(path.parent().unwrap()), 0o700);
        }
        // Reopening appends and counts what is there.
        drop(f);
        let mut f = RotatingFile::open(path.clone(), 100, 2).unwrap();
        f.write_line("a line of more than twenty bytes........")
            .unwrap();
        assert_eq!(first(&path), "a ");
        assert_eq!(first(&f.numbered(1)), "10");
    }

    #[test]
    fn a_line_longer_than_the_limit_still_lands() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.log");
        let mut f = RotatingFile::open(path.clone(), 10, 0).unwrap();
        f.write_line(&"y".repeat(50)).unwrap();
        f.write_line("z").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "z\n");
    }
}
