//! CSV import/export for mapping sets.
//!
//! Accepts `from,to` with or without a header (Flxpoint's "Convert From Value,To Value" header too).
//! An import is all-or-nothing: a file with any bad line changes nothing and reports every bad line with
//! its 1-based line number, so the user can fix the file in one pass.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::mapping_set::{MappingRow, MappingSet};
use super::text::{eq_ci, hash_ci};
use super::value::quoted;

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum ImportMode {
    /// The file becomes the whole set.
    #[default]
    Replace,
    /// The file's rows are added; a `from` already in the set is a bad line.
    Append,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct CsvLineError {
    pub line: u64,
    pub message: String,
}

impl fmt::Display for CsvLineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct CsvImportError {
    pub errors: Vec<CsvLineError>,
}

impl fmt::Display for CsvImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const SHOWN: usize = 5;
        let n = self.errors.len();
        write!(
            f,
            "the CSV was not imported ({n} bad line{}): ",
            if n == 1 { "" } else { "s" }
        )?;
        for (i, e) in self.errors.iter().take(SHOWN).enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{e}")?;
        }
        if n > SHOWN {
            write!(f, "; and {} more", n - SHOWN)?;
        }
        Ok(())
    }
}

impl std::error::Error for CsvImportError {}

const FROM_HEADERS: [&str; 3] = ["from", "from value", "convert from value"];
const TO_HEADERS: [&str; 2] = ["to", "to value"];

impl MappingSet {
    pub fn from_csv(name: impl Into<String>, text: &str) -> Result<Self, CsvImportError> {
        let mut set = MappingSet::new(name);
        set.import_csv(text, ImportMode::Replace)?;
        Ok(set)
    }

    /// Returns how many rows the file contributed.
    pub fn import_csv(&mut self, text: &str, mode: ImportMode) -> Result<usize, CsvImportError> {
        // Shape errors and duplicates are reported together, in line order, so one pass fixes the file.
        let (parsed, mut errors) = parse_rows(text);
        // from (hashed) → (line it first appeared on, or the existing row number)
        let mut seen: std::collections::HashMap<u64, Vec<(String, Origin)>> =
            std::collections::HashMap::new();
        if mode == ImportMode::Append {
            for (i, row) in self.rows.iter().enumerate() {
                remember(&mut seen, &row.from, Origin::Existing(i + 1));
            }
        }
        for (line, row) in &parsed {
            match find_seen(&seen, &row.from) {
                Some(Origin::Line(first)) => errors.push(CsvLineError {
                    line: *line,
                    message: format!("{} is a duplicate of line {first}", quoted(&row.from)),
                }),
                Some(Origin::Existing(r)) => errors.push(CsvLineError {
                    line: *line,
                    message: format!(
                        "{} is already in the set (row {r}); remove it from the file or import with Replace",
                        quoted(&row.from)
                    ),
                }),
                None => remember(&mut seen, &row.from, Origin::Line(*line)),
            }
        }
        if !errors.is_empty() {
            errors.sort_by_key(|e| e.line);
            return Err(CsvImportError { errors });
        }
        let added = parsed.len();
        let rows = parsed.into_iter().map(|(_, r)| r);
        match mode {
            ImportMode::Replace => self.rows = rows.collect(),
            ImportMode::Append => self.rows.extend(rows),
        }
        Ok(added)
    }

    /// `from,to` with a header; quotes only where needed, so the file re-imports unchanged.
    pub fn to_csv(&self) -> String {
        let mut out = String::from("from,to\n");
        for row in &self.rows {
            push_cell(&mut out, &row.from);
            out.push(',');
            push_cell(&mut out, &row.to);
            out.push('\n');
        }
        out
    }
}

#[derive(Clone, Copy)]
enum Origin {
    Line(u64),
    Existing(usize),
}

fn remember(
    seen: &mut std::collections::HashMap<u64, Vec<(String, Origin)>>,
    from: &str,
    origin: Origin,
) {
    seen.entry(hash_ci(from))
        .or_default()
        .push((from.to_string(), origin));
}

fn find_seen(
    seen: &std::collections::HashMap<u64, Vec<(String, Origin)>>,
    from: &str,
) -> Option<Origin> {
    seen.get(&hash_ci(from))?
        .iter()
        .find(|(f, _)| eq_ci(f, from))
        .map(|(_, o)| *o)
}

fn push_cell(out: &mut String, cell: &str) {
    if cell.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&cell.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(cell);
    }
}

/// Every well-formed data row with its line number, and every malformed line.
fn parse_rows(text: &str) -> (Vec<(u64, MappingRow)>, Vec<CsvLineError>) {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let mut first = true;
    for result in reader.records() {
        let record = match result {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                errors.push(CsvLineError {
                    line,
                    message: one_line(&e.to_string()),
                });
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        if record.iter().all(str::is_empty) {
            continue;
        }
        let is_first = std::mem::replace(&mut first, false);
        if is_first && is_header(&record) {
            continue;
        }
        match row_from(&record) {
            Ok(row) => rows.push((line, row)),
            Err(message) => errors.push(CsvLineError { line, message }),
        }
    }
    (rows, errors)
}

fn is_header(record: &csv::StringRecord) -> bool {
    let cell = |i| record.get(i).unwrap_or("");
    FROM_HEADERS.iter().any(|h| eq_ci(cell(0), h)) && TO_HEADERS.iter().any(|h| eq_ci(cell(1), h))
}

fn row_from(record: &csv::StringRecord) -> Result<MappingRow, String> {
    // Spreadsheet exports often end rows with empty cells; only real extra values are an error.
    let used = record
        .iter()
        .enumerate()
        .filter(|(_, c)| !c.is_empty())
        .last()
        .map_or(0, |(i, _)| i + 1);
    if used != 2 && !(used == 1 && record.len() >= 2) {
        return Err(format!(
            "expected 2 columns (from,to), found {used}; quote values that contain commas"
        ));
    }
    let from = record.get(0).unwrap_or("");
    let to = record.get(1).unwrap_or("");
    if from.is_empty() {
        return Err("the from value (first column) is blank".to_string());
    }
    if from.contains(['\n', '\r']) || to.contains(['\n', '\r']) {
        return Err(
            "a value spans several lines; check for a quote that is never closed".to_string(),
        );
    }
    Ok(MappingRow {
        from: from.to_string(),
        to: to.to_string(),
    })
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
