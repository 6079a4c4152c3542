//! `lsbridge export`: a source's pool as CSV or JSON lines, read page by page through the
//! engine (so it works attached to a daemon too).

use std::io::Write;
use std::path::PathBuf;

use clap::ValueEnum;

use crate::cli::session::{unexpected, Session};
use crate::cli::{exit, Failure};
use crate::engine::{Request, Response};
use crate::mapping::FieldValue;
use crate::pool::PoolItem;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ExportFormat {
    Csv,
    Jsonl,
}

/// Items per request.
const PAGE: usize = 1000;

/// Every item of the source's pool (archived ones included), Committed and Available as now,
/// in SKU order, a page at a time.
fn pages<'a>(
    session: &'a Session,
    source: &'a str,
) -> impl Iterator<Item = Result<Vec<PoolItem>, Failure>> + 'a {
    let mut offset = 0;
    let mut done = false;
    std::iter::from_fn(move || {
        if done {
            return None;
        }
        let r = session.call(Request::PoolPage {
            source: source.to_string(),
            offset,
            limit: PAGE,
            filter: None,
            archived: None,
            sort: Default::default(),
            descending: false,
        });
        Some(match r {
            Ok(Response::Pool(items)) => {
                offset += items.len();
                done = items.len() < PAGE;
                Ok(items)
            }
            Ok(other) => {
                done = true;
                Err(unexpected("PoolPage", &other))
            }
            Err(f) => {
                done = true;
                Err(f)
            }
        })
    })
}

/// Writes the pool of a source, archived items included.
pub fn export(
    session: &Session,
    source: &str,
    format: ExportFormat,
    out: Option<PathBuf>,
) -> Result<u8, Failure> {
    // The source must exist: a wrong name is the user's to fix.
    match session.call(Request::ListSources)? {
        Response::Sources(list) if list.iter().any(|s| s.name == source) => {}
        Response::Sources(_) => {
            return Err(Failure::usage(crate::source::SourceError::Missing(
                source.to_string(),
            )))
        }
        other => return Err(unexpected("ListSources", &other)),
    }
    let mut w: Box<dyn Write> = match &out {
        Some(p) => Box::new(std::io::BufWriter::new(std::fs::File::create(p).map_err(
            |e| Failure::usage(format!("cannot write {}: {e}", p.display())),
        )?)),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let io = |e: std::io::Error| Failure::failed(format!("export failed while writing: {e}"));
    // A reader that stops early (`| head`) is not an error.
    let result = write_export(session, source, format, &mut w);
    let result = match result {
        Ok(r) => r.and_then(|()| w.flush()),
        Err(f) => return Err(f),
    };
    match result {
        Ok(()) => Ok(exit::OK),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(exit::OK),
        Err(e) => Err(io(e)),
    }
}

fn csv_cell(v: Option<&FieldValue>) -> String {
    match v {
        Some(FieldValue::List(items)) => items.join("|"),
        Some(v) => v.as_text().into_owned(),
        None => String::new(),
    }
}

/// Quantity (from the store), Committed (open FRs, with Commit Stock on) and Available (what
/// is left to sell) as export cells; empty for items without a quantity (family parents).
fn stock_cells(item: &PoolItem) -> [Option<f64>; 3] {
    match item.quantity() {
        Some(q) => [Some(q), Some(item.committed), item.available()],
        None => [None, None, None],
    }
}

/// Writes the pages; the outer error is the engine's, the inner one the writer's.
fn write_export(
    session: &Session,
    source: &str,
    format: ExportFormat,
    w: &mut dyn Write,
) -> Result<std::io::Result<()>, Failure> {
    macro_rules! io {
        ($e:expr) => {
            if let Err(e) = $e {
                return Ok(Err(e));
            }
        };
    }
    match format {
        ExportFormat::Jsonl => {
            for page in pages(session, source) {
                for item in page? {
                    let [quantity, committed, available] = stock_cells(&item);
                    let line = serde_json::json!({
                        "sku": item.sku, "parent_sku": item.parent_sku, "product_id": item.product_id,
                        "is_parent": item.is_parent, "archived": item.archived,
                        "last_seen_run": item.last_seen_run,
                        "quantity": quantity, "committed": committed, "available": available,
                        "fields": item.fields,
                    });
                    io!(writeln!(w, "{line}"));
                }
            }
        }
        ExportFormat::Csv => {
            // Columns: fixed ones, then every mapped field name seen, in a stable order.
            let mut names = std::collections::BTreeSet::new();
            for page in pages(session, source) {
                for item in page? {
                    names.extend(item.fields.into_keys());
                }
            }
            let mut cw = csv::Writer::from_writer(w);
            let mut header = vec![
                "sku".to_string(),
                "parent_sku".into(),
                "archived".into(),
                "committed".into(),
                "available".into(),
            ];
            header.extend(names.iter().map(|n| n.to_string()));
            io!(cw.write_record(&header).map_err(std::io::Error::from));
            let cell = |v: Option<f64>| v.map(|n| n.to_string()).unwrap_or_default();
            for page in pages(session, source) {
                for item in page? {
                    let [_, committed, available] = stock_cells(&item);
                    let mut row = vec![
                        item.sku.clone(),
                        item.parent_sku.clone().unwrap_or_default(),
                        item.archived.to_string(),
                        cell(committed),
                        cell(available),
                    ];
                    row.extend(names.iter().map(|n| csv_cell(item.fields.get(n))));
                    io!(cw.write_record(&row).map_err(std::io::Error::from));
                }
            }
            io!(cw.flush());
        }
    }
    Ok(Ok(()))
}
