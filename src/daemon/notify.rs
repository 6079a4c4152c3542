//! `on_failure`: a command run when a run ends Failed or Partial, with the run's summary as
//! JSON on stdin. It runs on its own task with a time limit, so it never holds up a job.

use std::process::Stdio;
use std::time::Duration;

use serde::Serialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::logfile::DaemonLog;
use crate::connections::Connections;
use crate::jobs::runs::{LogLine, RunRecord, Runs};
use crate::jobs::Counts;
use crate::store::Store;

/// Log lines of the run included in the summary (the last ones).
const LOG_TAIL: usize = 20;
/// Bytes of the command's stderr quoted in the daemon log when it fails.
const STDERR_QUOTE: usize = 400;

/// What the command reads on stdin. Never holds a token: runs and their logs never do, and
/// every token the store knows is masked out of the text as well.
#[derive(Debug, Serialize)]
pub struct RunSummary {
    pub run: u64,
    /// `primary`, `secondary` or `send-frs`.
    pub kind: String,
    /// The seed's name of the integration.
    pub integration: String,
    pub source: String,
    pub outcome: crate::jobs::Outcome,
    pub dry_run: bool,
    pub started_at: String,
    pub ended_at: Option<String>,
    pub message: String,
    pub counts: Counts,
    pub log_tail: Vec<LogLine>,
    pub data_dir: String,
    pub host: Option<String>,
}

impl RunSummary {
    pub fn new(r: &RunRecord, log: Vec<LogLine>, store: &Store) -> RunSummary {
        let skip = log.len().saturating_sub(LOG_TAIL);
        RunSummary {
            run: r.id,
            kind: r.kind.key().to_string(),
            integration: r.kind.label().to_string(),
            source: r.source.clone(),
            outcome: r.outcome,
            dry_run: r.dry_run,
            started_at: r.started_at.clone(),
            ended_at: r.ended_at.clone(),
            message: r.message.clone(),
            counts: r.counts,
            log_tail: log.into_iter().skip(skip).collect(),
            data_dir: store.dir().display().to_string(),
            host: host_name(),
        }
    }
}

fn host_name() -> Option<String> {
    std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/proc/sys/kernel/hostname").ok())
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
}

/// The summary of `run` as JSON, with every known token masked, and the environment
/// variables that hold tokens (`env:VAR` connections), which the command must not inherit.
pub(crate) fn summary_json(store: &Store, run: u64) -> Result<(Vec<u8>, Vec<String>), String> {
    let runs = Runs::open(store).map_err(|e| e.to_string())?;
    let record = runs
        .get(run)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("run {run} is not recorded"))?;
    let lines = runs.lines(run).map_err(|e| e.to_string())?;
    let mut text = serde_json::to_string(&RunSummary::new(&record, lines, store))
        .map_err(|e| e.to_string())?;
    let mut env_vars = Vec::new();
    if let Ok(list) = Connections::open(store)
        .map_err(|e| e.to_string())
        .and_then(|c| c.list().map_err(|e| e.to_string()))
    {
        for c in list {
            if c.token.is_env_ref() {
                if let Some(var) = c.token.masked().strip_prefix("env:") {
                    env_vars.push(var.to_string());
                }
            }
            if let Ok(secret) = c.token.reveal() {
                if secret.len() >= 4 {
                    text = text.replace(&secret, &c.token.masked());
                }
            }
        }
    }
    text.push('\n');
    Ok((text.into_bytes(), env_vars))
}

/// Runs `command` with `sh -c`, `stdin` on its standard input, killed after `timeout`.
/// Returns one line for the daemon log.
pub(crate) async fn run_command(
    command: &str,
    stdin: Vec<u8>,
    hide_env: &[String],
    timeout: Duration,
) -> String {
    let mut cmd = tokio::process::Command::new("sh");
    cmd.arg("-c")
        .arg(command)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    for v in hide_env {
        cmd.env_remove(v);
    }
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => return format!("could not start it: {e}"),
    };
    let mut input = child.stdin.take();
    let mut err = child.stderr.take();
    let work = async {
        if let Some(mut i) = input.take() {
            // A command that ignores stdin closes it early: not an error.
            let _ = i.write_all(&stdin).await;
        }
        let mut quoted = Vec::new();
        if let Some(e) = err.as_mut() {
            let _ = e.take(STDERR_QUOTE as u64).read_to_end(&mut quoted).await;
            let _ = tokio::io::copy(e, &mut tokio::io::sink()).await;
        }
        (child.wait().await, quoted)
    };
    match tokio::time::timeout(timeout, work).await {
        Err(_) => {
            // kill_on_drop ends it.
            format!("killed after {timeout:?}")
        }
        Ok((Err(e), _)) => format!("could not wait for it: {e}"),
        Ok((Ok(status), quoted)) => {
            let quoted = String::from_utf8_lossy(&quoted);
            let quoted = quoted.trim();
            match status.code() {
                Some(0) => "exited 0".to_string(),
                Some(c) if quoted.is_empty() => format!("exited {c}"),
                Some(c) => format!("exited {c}: {quoted}"),
                None => "ended by a signal".to_string(),
            }
        }
    }
}

/// Spawns the notification for `run`; its result goes to the daemon log.
pub(crate) fn spawn(
    tasks: &mut tokio::task::JoinSet<()>,
    command: String,
    timeout: Duration,
    store: Store,
    log: DaemonLog,
    run: u64,
) {
    tasks.spawn(async move {
        let prepared = {
            let store = store.clone();
            tokio::task::spawn_blocking(move || summary_json(&store, run)).await
        };
        let (json, hide) = match prepared {
            Ok(Ok(x)) => x,
            Ok(Err(e)) => {
                log.line(format!("on_failure for run {run}: not run: {e}"));
                return;
            }
            Err(e) => {
                log.line(format!("on_failure for run {run}: not run: {e}"));
                return;
            }
        };
        let result = run_command(&command, json, &hide, timeout).await;
        log.line(format!("on_failure for run {run}: {result}"));
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_command_reads_stdin_and_is_killed_at_its_limit() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("got");
        let cmd = format!("cat > '{}'", out.display());
        let r = run_command(&cmd, b"{\"a\":1}\n".to_vec(), &[], Duration::from_secs(10)).await;
        assert_eq!(r, "exited 0");
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "{\"a\":1}\n");

        let r = run_command(
            "echo nope >&2; exit 3",
            vec![],
            &[],
            Duration::from_secs(10),
        )
        .await;
        assert_eq!(r, "exited 3: nope");

        let r = run_command("exec sleep 30", vec![], &[], Duration::from_millis(200)).await;
        assert_eq!(r, "killed after 200ms");
    }
}
