//! The inbox: a folder that other systems drop FR files into.
//!
//! Each pass imports every `*.json` / `*.csv` file directly in the folder (not in subfolders;
//! dotfiles and files still being written, `*.tmp` / `*.part`, are left alone — writers should
//! write under such a name and rename when done), then moves it to `processed/` or `rejected/`
//! with a `<file>.reason.txt` beside it when anything was rejected.
//!
//! Crash safety: the import is flushed to disk before the file is moved (see
//! [`intake::import_bytes`]), so a crash can only leave an imported file still in the inbox.
//! The next pass imports it again, and since FR numbers are never imported twice that pass
//! records only duplicates and moves the file on. No separate "seen files" ledger is needed;
//! the price is a "duplicate FR # seen" note on those FRs' timelines.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::intake::{self, Format, ImportReport};
use super::messages::{self as msg, InboxError};
use crate::clock::{rfc3339, SharedClock};
use crate::source::Source;
use crate::store::Store;

pub const PROCESSED_DIR: &str = "processed";
pub const REJECTED_DIR: &str = "rejected";
/// Suffix of the report written beside a moved file.
pub const REASON_SUFFIX: &str = ".reason.txt";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileOutcome {
    /// At least one FR imported, or every FR was already there: moved to `processed/`.
    Processed,
    /// Unreadable, not JSON/CSV, or every record rejected: moved to `rejected/`.
    Rejected,
}

#[derive(Debug, Clone)]
pub struct InboxFile {
    /// The file's name in the inbox.
    pub name: String,
    pub outcome: FileOutcome,
    /// Where it was moved.
    pub moved_to: PathBuf,
    /// The import's counts (`None` when the file as a whole could not be read).
    pub report: Option<ImportReport>,
    /// Why the file as a whole was rejected.
    pub error: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct InboxReport {
    /// In name order.
    pub files: Vec<InboxFile>,
}

impl InboxReport {
    pub fn imported(&self) -> usize {
        self.reports().map(|r| r.imported).sum()
    }
    pub fn duplicates(&self) -> usize {
        self.reports().map(|r| r.duplicates).sum()
    }
    /// Rejected records, over all files.
    pub fn rejected_records(&self) -> usize {
        self.reports().map(|r| r.rejected.len()).sum()
    }
    pub fn rejected_files(&self) -> usize {
        self.files
            .iter()
            .filter(|f| f.outcome == FileOutcome::Rejected)
            .count()
    }
    /// Anything rejected, a record or a whole file.
    pub fn has_rejections(&self) -> bool {
        self.rejected_files() > 0 || self.rejected_records() > 0
    }
    fn reports(&self) -> impl Iterator<Item = &ImportReport> {
        self.files.iter().filter_map(|f| f.report.as_ref())
    }
}

/// Whether the inbox should pick `name` up.
pub fn is_candidate(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    !name.starts_with('.')
        && !lower.ends_with(".tmp")
        && !lower.ends_with(".part")
        && Format::from_path(Path::new(name)).is_some()
}

/// One pass over `dir` for `source`.
pub fn process_inbox(
    store: &Store,
    source: &Source,
    dir: &Path,
    clock: &SharedClock,
) -> Result<InboxReport, InboxError> {
    let read_dir_err = |e| InboxError::ReadDir {
        dir: dir.to_path_buf(),
        source: e,
    };
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(read_dir_err)? {
        let entry = entry.map_err(read_dir_err)?;
        let Ok(name) = entry.file_name().into_string() else {
            continue; // not UTF-8: cannot be a name we write reasons for; leave it
        };
        // Follows symlinks; subfolders (processed/, rejected/) are skipped.
        let is_file = std::fs::metadata(entry.path()).is_ok_and(|m| m.is_file());
        if is_file && is_candidate(&name) {
            names.push(name);
        }
    }
    names.sort();

    let mut report = InboxReport::default();
    for name in names {
        let path = dir.join(&name);
        let now = clock.now();
        let (outcome, import, error) = match std::fs::read(&path) {
            // Gone since the listing (another pass or a person moved it): not ours any more.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => (
                FileOutcome::Rejected,
                None,
                Some(
                    msg::IntakeError::Read {
                        path: path.clone(),
                        source: e,
                    }
                    .to_string(),
                ),
            ),
            Ok(bytes) => match intake::import_bytes(
                store,
                source,
                &name,
                &bytes,
                Format::from_path(&path),
                now,
            ) {
                Ok(r) => {
                    let nothing_taken = r.imported == 0 && r.duplicates == 0;
                    let outcome = if nothing_taken {
                        FileOutcome::Rejected
                    } else {
                        FileOutcome::Processed
                    };
                    (outcome, Some(r), None)
                }
                // The store failing is not the file's fault: stop, leave the file for next time.
                Err(msg::IntakeError::Store(e)) => return Err(InboxError::Store(e)),
                Err(msg::IntakeError::Fr(super::FrError::Store(e))) => {
                    return Err(InboxError::Store(e))
                }
                Err(e) => (FileOutcome::Rejected, None, Some(e.to_string())),
            },
        };
        let sub = match outcome {
            FileOutcome::Processed => PROCESSED_DIR,
            FileOutcome::Rejected => REJECTED_DIR,
        };
        let target_dir = dir.join(sub);
        std::fs::create_dir_all(&target_dir).map_err(|e| InboxError::Write {
            path: target_dir.clone(),
            source: e,
        })?;
        let target = free_name(&target_dir, &name, now);
        let needs_reason =
            error.is_some() || import.as_ref().is_some_and(|r| !r.rejected.is_empty());
        if needs_reason {
            let text = reason_text(&name, source, now, import.as_ref(), error.as_deref());
            let mut reason_path = target.clone().into_os_string();
            reason_path.push(REASON_SUFFIX);
            let reason_path = PathBuf::from(reason_path);
            std::fs::write(&reason_path, text).map_err(|e| InboxError::Write {
                path: reason_path.clone(),
                source: e,
            })?;
        }
        std::fs::rename(&path, &target).map_err(|e| InboxError::Move {
            from: path.clone(),
            to: target.clone(),
            source: e,
        })?;
        report.files.push(InboxFile {
            name,
            outcome,
            moved_to: target,
            report: import,
            error,
        });
    }
    Ok(report)
}

/// `dir/name`, or — when a file of that name was already moved there — `stem.<UTC time>.ext`
/// (then `-2`, `-3`, …), so an earlier file and its reason are never overwritten.
fn free_name(dir: &Path, name: &str, now: std::time::SystemTime) -> PathBuf {
    let first = dir.join(name);
    if !first.exists() {
        return first;
    }
    let p = Path::new(name);
    let stem = p
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let ext = p
        .extension()
        .map(|e| format!(".{}", e.to_string_lossy()))
        .unwrap_or_default();
    let stamp = chrono::DateTime::<chrono::Utc>::from(now)
        .format("%Y%m%dT%H%M%SZ")
        .to_string();
    let mut n = 1;
    loop {
        let suffix = if n == 1 {
            stamp.clone()
        } else {
            format!("{stamp}-{n}")
        };
        let candidate = dir.join(format!("{stem}.{suffix}{ext}"));
        if !candidate.exists() {
            return candidate;
        }
        n += 1;
    }
}

fn reason_text(
    name: &str,
    source: &Source,
    now: std::time::SystemTime,
    import: Option<&ImportReport>,
    error: Option<&str>,
) -> String {
    let mut t = msg::reason_file_head(name, &rfc3339(now), &source.name);
    if let Some(e) = error {
        let _ = writeln!(t, "rejected: {e}");
    }
    if let Some(r) = import {
        let _ = writeln!(t, "{}", r.summary());
        for rej in &r.rejected {
            let _ = writeln!(t, "line {}: {}", rej.line, rej.reason);
        }
    }
    t
}
