//! `lsbridge daemon` as a child process for end-to-end tests: its stdout (and stderr) read
//! line by line in the background, waits on lines and on exit with time limits, SIGTERM.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::sync::mpsc;

use super::procs;

pub struct DaemonProc {
    child: tokio::process::Child,
    pub pid: u32,
    pub socket: PathBuf,
    lines: mpsc::UnboundedReceiver<String>,
    /// Every line read so far (stderr lines start with "stderr: ").
    pub seen: Vec<String>,
}

fn drain(
    r: impl AsyncRead + Unpin + Send + 'static,
    prefix: &'static str,
    tx: mpsc::UnboundedSender<String>,
) {
    tokio::spawn(async move {
        let mut lines = BufReader::new(r).lines();
        while let Ok(Some(l)) = lines.next_line().await {
            if tx.send(format!("{prefix}{l}")).is_err() {
                // Nobody listens any more: keep reading so the daemon never blocks on a pipe.
                continue;
            }
        }
    });
}

impl DaemonProc {
    /// Starts `lsbridge daemon` on `dir` and waits until it listens.
    pub async fn start(dir: &Path) -> DaemonProc {
        Self::start_with(dir, &[]).await
    }

    pub async fn start_with(dir: &Path, args: &[&str]) -> DaemonProc {
        let mut child = tokio::process::Command::new(procs::bin())
            .arg("--data-dir")
            .arg(dir)
            .arg("daemon")
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("spawn lsbridge daemon");
        let pid = child.id().expect("pid");
        let (tx, lines) = mpsc::unbounded_channel();
        drain(child.stdout.take().expect("stdout"), "", tx.clone());
        drain(child.stderr.take().expect("stderr"), "stderr: ", tx);
        let mut d = DaemonProc {
            child,
            pid,
            socket: dir.join("lsbridge.sock"),
            lines,
            seen: Vec::new(),
        };
        let socket = d.socket.display().to_string();
        d.wait_line(|l| l.ends_with(&format!("listening on {socket}")), 60)
            .await;
        d
    }

    /// Waits (at most `secs`) for a line matching `pred`, among the lines seen so far and
    /// those still to come.
    pub async fn wait_line(&mut self, pred: impl Fn(&str) -> bool, secs: u64) -> String {
        if let Some(l) = self.seen.iter().find(|l| pred(l)) {
            return l.clone();
        }
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        loop {
            match tokio::time::timeout_at(deadline, self.lines.recv()).await {
                Ok(Some(l)) => {
                    self.seen.push(l.clone());
                    if pred(&l) {
                        return l;
                    }
                }
                Ok(None) => panic!(
                    "the daemon's output ended; it said:\n{}",
                    self.seen.join("\n")
                ),
                Err(_) => panic!(
                    "no such line from the daemon within {secs}s; it said:\n{}",
                    self.seen.join("\n")
                ),
            }
        }
    }

    /// Sends SIGTERM.
    pub fn term(&self) {
        let ok = std::process::Command::new("kill")
            .args(["-TERM", &self.pid.to_string()])
            .status()
            .expect("run kill")
            .success();
        assert!(ok, "kill -TERM {} failed", self.pid);
    }

    /// Waits (at most `secs`) for the daemon to exit, then reads the rest of its output.
    pub async fn wait_exit(&mut self, secs: u64) -> ExitStatus {
        let status = tokio::time::timeout(Duration::from_secs(secs), self.child.wait())
            .await
            .unwrap_or_else(|_| {
                panic!(
                    "the daemon did not exit within {secs}s; it said:\n{}",
                    self.seen.join("\n")
                )
            })
            .expect("wait for the daemon");
        // The pipes close with the process: read what is left.
        while let Ok(Some(l)) =
            tokio::time::timeout(Duration::from_secs(10), self.lines.recv()).await
        {
            self.seen.push(l);
        }
        status
    }

    /// SIGTERM, then the exit status (at most `secs`).
    pub async fn stop(&mut self, secs: u64) -> ExitStatus {
        self.term();
        self.wait_exit(secs).await
    }

    pub fn output(&self) -> String {
        self.seen.join("\n")
    }
}
