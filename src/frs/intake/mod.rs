//! Intake: FRs from JSON or CSV files into the store.
//!
//! Each record is checked on its own: a bad one is rejected with its line and a reason that
//! says what to fix, and the good ones are imported anyway. An FR number already stored for the
//! source (or seen earlier in the same file) is never imported twice: the repeat is counted as a
//! Duplicate FR # and noted on the existing FR's timeline. That makes importing the same file
//! again harmless, which the inbox relies on.
//!
//! JSON: an array of FR objects, or `{"frs": [...]}`; fields as in [`Fr`] (`number`, billing /
//! shipping objects, `items: [{sku, quantity, unit_price}]`, …). Unknown top-level fields are
//! ignored (exports carry ids and notes); unknown address fields are rejected, since a field
//! dropped there (`zip` for `postal_code`) would only surface when the sale is refused.
//!
//! CSV: one row per item; rows with the same `fr_number` form one FR and must agree on its order
//! fields (blank cells take the value from the FR's other rows). A bad row keeps its whole FR
//! out: sending part of an order would be worse than sending none.

mod csv;
mod json;
mod values;

use csv::parse_csv;
use json::parse_json;

use std::path::Path;
use std::time::{Duration, SystemTime};

use super::messages::{self as msg, IntakeError};
use super::model::{Fr, FrStatus};
use super::repo::{kind, FrEvent, Frs};
use crate::clock::{rfc3339, SharedClock};
use crate::source::{AutoProcessing, Source};
use crate::store::Store;

/// What "Use Global" auto-processing means until global settings exist: Flxpoint's global
/// switch "Auto Process Fulfillment Requests", on.
pub const GLOBAL_AUTO_PROCESSING: AutoProcessing = AutoProcessing::AutoProcess;

/// Whether new FRs of a source start in Processing (sent on the next run) rather than
/// Unprocessed (waiting for `fr release`).
pub fn auto_processes(setting: AutoProcessing) -> bool {
    let resolved = match setting {
        AutoProcessing::UseGlobal => GLOBAL_AUTO_PROCESSING,
        other => other,
    };
    resolved == AutoProcessing::AutoProcess
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Csv,
}

impl Format {
    /// By extension (case-insensitive): `.json` or `.csv`.
    pub fn from_path(p: &Path) -> Option<Format> {
        let ext = p.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "json" => Some(Format::Json),
            "csv" => Some(Format::Csv),
            _ => None,
        }
    }

    /// For files without a telling extension: JSON starts with `[` or `{`.
    pub fn sniff(text: &str) -> Format {
        match text.trim_start().chars().next() {
            Some('[' | '{') => Format::Json,
            _ => Format::Csv,
        }
    }
}

/// A record that was not imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// 1-based line in the file where the record starts.
    pub line: usize,
    pub reason: String,
}

/// A repeat of an FR number that was not imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Duplicate {
    pub line: usize,
    pub number: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImportReport {
    pub imported: usize,
    pub duplicates: usize,
    /// Sorted by line.
    pub rejected: Vec<Rejection>,
    pub imported_numbers: Vec<String>,
    pub duplicate_numbers: Vec<Duplicate>,
}

impl ImportReport {
    /// `imported N, duplicates D, rejected R`
    pub fn summary(&self) -> String {
        msg::summary(self.imported, self.duplicates, self.rejected.len())
    }
}

/// A valid FR read from a file, not stored yet.
#[derive(Debug, Clone, PartialEq)]
pub struct FrInput {
    pub line: usize,
    /// `source`, times and status are filled in at import.
    pub fr: Fr,
    /// Normalised RFC 3339, if the file gave one.
    pub created_at: Option<String>,
    /// What intake changed on the way in (amounts rounded), noted on the FR's timeline.
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Parsed {
    pub frs: Vec<FrInput>,
    pub rejected: Vec<Rejection>,
}

/// Reads and checks a file's records. `file` names it in errors. Errors only for the file as
/// a whole (not text, not JSON, bad CSV header, no records).
pub fn parse(file: &str, bytes: &[u8], format: Option<Format>) -> Result<Parsed, IntakeError> {
    let text = std::str::from_utf8(bytes).map_err(|_| IntakeError::NotText {
        file: file.to_string(),
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(IntakeError::Empty {
            file: file.to_string(),
        });
    }
    let mut parsed = match format.unwrap_or_else(|| Format::sniff(text)) {
        Format::Json => parse_json(file, text)?,
        Format::Csv => parse_csv(file, text)?,
    };
    if parsed.frs.is_empty() && parsed.rejected.is_empty() {
        return Err(IntakeError::Empty {
            file: file.to_string(),
        });
    }
    parsed.rejected.sort_by_key(|r| r.line);
    parsed.frs.sort_by_key(|f| f.line);
    Ok(parsed)
}

/// Stores the parsed FRs for `source` at `now`. Repeats of stored FR numbers are counted as
/// duplicates and noted on the stored FR's timeline; nothing is flushed.
pub fn import_parsed(
    frs: &Frs,
    source: &Source,
    file: &str,
    parsed: Parsed,
    now: SystemTime,
) -> Result<ImportReport, IntakeError> {
    let auto = auto_processes(source.auto_processing);
    // Capped: a hold stored before settings were validated (a config file could hold any
    // u32) would put the earliest send past the calendar's end.
    let hold_hours = source
        .send_frs
        .hold_hours
        .min(crate::source::validate::MAX_HOLD_HOURS);
    let hold = Duration::from_secs(u64::from(hold_hours) * 3600);
    let imported_at = rfc3339(now);
    let earliest = rfc3339(now.checked_add(hold).unwrap_or(now));
    let (status, status_reason) = if auto {
        (FrStatus::Processing, msg::REASON_AUTO_PROCESS)
    } else {
        (FrStatus::Unprocessed, msg::REASON_WAITING)
    };
    let mut report = ImportReport {
        rejected: parsed.rejected,
        ..ImportReport::default()
    };
    let mut rows = Vec::with_capacity(parsed.frs.len());
    let mut lines = Vec::with_capacity(parsed.frs.len());
    for input in parsed.frs {
        let mut fr = input.fr;
        fr.source = source.id;
        fr.created_at = input.created_at.unwrap_or_else(|| imported_at.clone());
        fr.imported_at = imported_at.clone();
        fr.earliest_send = earliest.clone();
        fr.updated_at = imported_at.clone();
        fr.status = status;
        fr.reason = status_reason.to_string();
        let event = FrEvent {
            at: imported_at.clone(),
            status: status.label().to_string(),
            kind: kind::IMPORTED.to_string(),
            reason: msg::imported(
                file,
                input.line,
                status_reason,
                (!hold.is_zero()).then_some(earliest.as_str()),
            ),
            run: None,
        };
        lines.push((input.line, input.notes));
        rows.push((fr, event));
    }
    let inserted = frs.insert_new_many(&rows)?;
    for (((fr, _), (line, notes)), inserted) in rows.into_iter().zip(lines).zip(inserted) {
        if inserted {
            // Notes (values rounded on intake) are rare: one event each, after the batch.
            for note in &notes {
                frs.record_event(source.id, &fr.number, kind::NOTE, note, None, now)?;
            }
            report.imported += 1;
            report.imported_numbers.push(fr.number);
        } else {
            frs.record_event(
                source.id,
                &fr.number,
                kind::DUPLICATE,
                &msg::duplicate_seen(file, line),
                None,
                now,
            )?;
            report.duplicates += 1;
            report.duplicate_numbers.push(Duplicate {
                line,
                number: fr.number,
            });
        }
    }
    Ok(report)
}

/// Parses and imports `bytes`, then flushes, so a caller that moves the file afterwards never
/// loses FRs to a crash.
pub fn import_bytes(
    store: &Store,
    source: &Source,
    file: &str,
    bytes: &[u8],
    format: Option<Format>,
    now: SystemTime,
) -> Result<ImportReport, IntakeError> {
    let parsed = parse(file, bytes, format)?;
    let frs = Frs::open(store)?;
    let report = import_parsed(&frs, source, file, parsed, now)?;
    store.flush()?;
    Ok(report)
}

/// Reads `path` and imports it (format from the extension, else sniffed). Errors name the file.
pub fn import_file(
    store: &Store,
    source: &Source,
    path: &Path,
    clock: &SharedClock,
) -> Result<ImportReport, IntakeError> {
    let bytes = std::fs::read(path).map_err(|e| IntakeError::Read {
        path: path.to_path_buf(),
        source: e,
    })?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    import_bytes(
        store,
        source,
        &name,
        &bytes,
        Format::from_path(path),
        clock.now(),
    )
}
