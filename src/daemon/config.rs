//! The daemon's settings in `<data dir>/config.toml`. The file is shared with the TUI (e.g.
//! its `theme`), so keys this module does not know are left alone.

use std::path::Path;
use std::time::Duration;

use serde::Deserialize;

use crate::jobs::runs::Retention;

pub const FILE_NAME: &str = "config.toml";

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct DaemonConfig {
    /// Shell command run (`sh -c`) when a run ends Failed or Partial, with the run summary as
    /// JSON on stdin.
    pub on_failure: Option<String>,
    /// The command is killed after this long.
    pub on_failure_timeout_secs: u64,
    /// Runs that started more than this many days ago are deleted (0: no age limit).
    pub retention_days: u64,
    /// Only this many runs are kept (newest first).
    pub retention_max_runs: Option<u64>,
    /// `logs/daemon.log` is rotated when it would grow past this many bytes.
    pub log_max_bytes: u64,
    /// Rotated log files kept (`daemon.log.1` … `daemon.log.N`).
    pub log_keep: usize,
}

impl Default for DaemonConfig {
    fn default() -> Self {
        DaemonConfig {
            on_failure: None,
            on_failure_timeout_secs: 60,
            retention_days: 30,
            retention_max_runs: None,
            log_max_bytes: 10 * 1024 * 1024,
            log_keep: 5,
        }
    }
}

impl DaemonConfig {
    /// Reads `<dir>/config.toml`; a missing file means the defaults.
    pub fn load(dir: &Path) -> Result<DaemonConfig, String> {
        let path = dir.join(FILE_NAME);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Self::default()),
            Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
        };
        Self::parse(&text).map_err(|m| format!("{}: {m}", path.display()))
    }

    pub fn parse(text: &str) -> Result<DaemonConfig, String> {
        let c: DaemonConfig = toml::from_str(text).map_err(|e| {
            let m: String = e
                .message()
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect();
            match e.span() {
                Some(s) => format!(
                    "{m} (line {})",
                    text[..s.start.min(text.len())].lines().count().max(1)
                ),
                None => m,
            }
        })?;
        if c.on_failure.as_deref().is_some_and(|s| s.trim().is_empty()) {
            return Err("on_failure is empty: give a command, or remove the line".into());
        }
        if c.on_failure_timeout_secs == 0 {
            return Err("on_failure_timeout_secs must be at least 1".into());
        }
        if c.retention_max_runs == Some(0) {
            return Err("retention_max_runs must be at least 1 (leave it out for no limit)".into());
        }
        if c.log_max_bytes < 4096 {
            return Err("log_max_bytes must be at least 4096".into());
        }
        Ok(c)
    }

    pub fn retention(&self) -> Retention {
        Retention {
            max_age: (self.retention_days > 0)
                .then(|| Duration::from_secs(self.retention_days.saturating_mul(86_400))),
            max_runs: self
                .retention_max_runs
                .map(|n| usize::try_from(n).unwrap_or(usize::MAX)),
        }
    }

    pub fn on_failure_timeout(&self) -> Duration {
        Duration::from_secs(self.on_failure_timeout_secs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_other_keys_and_errors() {
        let c = DaemonConfig::parse("").unwrap();
        assert_eq!(c, DaemonConfig::default());
        assert_eq!(
            c.retention().max_age,
            Some(Duration::from_secs(30 * 86_400))
        );
        let c = DaemonConfig::parse(
            "theme = \"light\"\non_failure = \"mail -s failed ops\"\nretention_days = 0\nretention_max_runs = 500\n",
        )
        .unwrap();
        assert_eq!(c.on_failure.as_deref(), Some("mail -s failed ops"));
        assert_eq!(c.retention().max_age, None);
        assert_eq!(c.retention().max_runs, Some(500));
        let e = DaemonConfig::parse("retention_days = \"a month\"\n").unwrap_err();
        assert!(e.contains("line 1"), "{e}");
        assert!(!e.contains('\n'), "{e}");
        assert!(DaemonConfig::parse("on_failure = \" \"").is_err());
        assert!(DaemonConfig::parse("retention_max_runs = 0").is_err());
        assert!(DaemonConfig::parse("retention_days = -1").is_err());
    }
}
