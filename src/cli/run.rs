//! `lsbridge run primary|secondary` and `lsbridge export`: the inventory jobs from the command
//! line. Progress goes to stderr as plain lines (one per committed page), the summary line to
//! stdout; exit codes: 0 ok, 1 failed, 3 partly done (some records failed, or the archive
//! safety valve stopped archiving).

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Subcommand, ValueEnum};

use crate::cli::{exit, Failure};
use crate::connections::Connections;
use crate::jobs::primary::{self, PrimaryOptions, RunSummary};
use crate::jobs::secondary::{self, SecondaryOptions};
use crate::jobs::send_frs::{self, SendOptions};
use crate::jobs::{Events, JobCtx, JobEvent, Outcome};
use crate::lightspeed::ClientOptions;
use crate::mapping::{FieldValue, Integration};
use crate::pool::Pool;
use crate::source::{Source, Sources};
use crate::store::Store;
use crate::templates::{TemplateError, Templates};

#[derive(Debug, Subcommand)]
pub enum RunCmd {
    /// Get Inventory (Primary): the full catalog and quantities into the pool.
    Primary {
        #[arg(long)]
        source: String,
        /// Compute and report, write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Archive even if more than the source's limit (default 20%) of the pool would go.
        #[arg(long)]
        confirm_archive: bool,
        /// Dry run: how many changed records to show field by field.
        #[arg(long, default_value_t = 20, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(0..=100_000))]
        diffs: usize,
    },
    /// Send Fulfillment Requests: each due FR becomes one register sale, exactly once.
    SendFrs {
        #[arg(long)]
        source: String,
        /// Resolve, map and build the sales; send nothing, write nothing, print the bodies.
        #[arg(long)]
        dry_run: bool,
        /// Dry run: how many sale bodies to print.
        #[arg(long, default_value_t = 5, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(0..=100_000))]
        previews: usize,
    },
    /// Get Inventory (Secondary): quantities changed since the last run.
    Secondary {
        #[arg(long)]
        source: String,
        #[arg(long)]
        dry_run: bool,
        #[arg(long, default_value_t = 20, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(0..=100_000))]
        diffs: usize,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ExportFormat {
    Csv,
    Jsonl,
}

impl From<TemplateError> for Failure {
    fn from(e: TemplateError) -> Self {
        match e {
            TemplateError::Store(_) => Failure::failed(e),
            _ => Failure::usage(e),
        }
    }
}

fn outcome_code(o: Outcome) -> u8 {
    match o {
        Outcome::Ok => exit::OK,
        Outcome::Partial => exit::PARTIAL,
        Outcome::Cancelled => exit::INTERRUPTED,
        _ => exit::FAILURE,
    }
}

/// What a run stopped by Ctrl-C prints after its summary.
const RESUME_HINT: &str = "interrupted: run again to resume";

/// Listens for Ctrl-C (SIGINT) while a run is under way. The first asks the job to stop at
/// its next page (the job commits what it has, records the run Cancelled and returns); a
/// second one quits at once, as Ctrl-C usually does. The handler is installed before the
/// run starts, so a Ctrl-C right at the start is not lost.
fn interrupt_watcher(
    cancel: std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> tokio::task::JoinHandle<()> {
    #[cfg(unix)]
    let mut sigint = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt()).ok();
    tokio::spawn(async move {
        let mut presses = 0;
        loop {
            #[cfg(unix)]
            let got = match sigint.as_mut() {
                Some(s) => s.recv().await.is_some(),
                None => tokio::signal::ctrl_c().await.is_ok(),
            };
            #[cfg(not(unix))]
            let got = tokio::signal::ctrl_c().await.is_ok();
            if !got {
                return;
            }
            presses += 1;
            if presses > 1 {
                let _ = writeln!(std::io::stderr(), "interrupted again: quitting now; run again to resume from the last committed page");
                std::process::exit(i32::from(exit::INTERRUPTED));
            }
            cancel.store(true, std::sync::atomic::Ordering::Relaxed);
            let _ = writeln!(
                std::io::stderr(),
                "interrupt: stopping at the next page (Ctrl-C again to quit at once)"
            );
        }
    })
}

/// The exit code of a finished run, after the resume hint for a cancelled one.
fn finish(o: Outcome) -> u8 {
    if o == Outcome::Cancelled {
        outln!("{RESUME_HINT}");
    }
    outcome_code(o)
}

fn print_summary(kind: &str, s: &RunSummary, dry_run: bool) {
    for d in &s.diffs {
        outln!("  {} {}", d.kind, d.sku);
        for (f, (old, new)) in &d.fields {
            outln!("      {f}: {} → {}", old.as_text(), new.as_text());
        }
    }
    outln!(
        "{kind} run {}{}: {:?}: {} ({} requests){}",
        s.run,
        if dry_run { " (dry run)" } else { "" },
        s.outcome,
        s.message,
        s.counts.requests,
        if s.resumed {
            "; resumed from a checkpoint"
        } else {
            ""
        }
    );
}

fn setup(store: &Store, name: &str) -> Result<(Source, crate::lightspeed::Client), Failure> {
    let source = Sources::open(store)?.by_name(name)?;
    let conn_name = source.connection.clone().ok_or_else(|| {
        Failure::usage(format!(
            "source {name:?} has no connection: lsbridge source set {name} --connection CONNECTION"
        ))
    })?;
    let conn = Connections::open(store)?.get(&conn_name)?;
    let client = conn.client(ClientOptions::default())?;
    Ok((source, client))
}

/// Shows job events on stderr: a progress bar on a terminal, plain lines when piped.
fn progress_printer(
    mut rx: tokio::sync::mpsc::UnboundedReceiver<JobEvent>,
) -> tokio::task::JoinHandle<()> {
    use std::io::IsTerminal;
    let bar = std::io::stderr().is_terminal().then(|| {
        let b = indicatif::ProgressBar::new_spinner();
        b.set_style(
            indicatif::ProgressStyle::with_template("{spinner} {elapsed_precise} {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
        );
        b.enable_steady_tick(Duration::from_millis(200));
        b
    });
    tokio::spawn(async move {
        while let Some(e) = rx.recv().await {
            let (line, is_progress) = match e {
                JobEvent::Progress {
                    phase,
                    done,
                    counts,
                    ..
                } if phase == "sending FRs" => (
                    format!("{phase}: {done} done; {}", counts.send_line()),
                    true,
                ),
                JobEvent::Progress {
                    phase,
                    done,
                    counts,
                    ..
                } => (format!("{phase}: {done} read; {}", counts.line()), true),
                JobEvent::WaitingForRateLimit { until, .. } => (
                    format!(
                        "waiting for rate limit until {} UTC",
                        chrono::DateTime::<chrono::Utc>::from(until).format("%H:%M:%S")
                    ),
                    true,
                ),
                JobEvent::Log { level, line, .. } => {
                    (format!("{level:?}: {line}").to_lowercase_first(), false)
                }
                _ => continue,
            };
            match &bar {
                Some(b) if is_progress => b.set_message(line),
                Some(b) => b.println(line),
                None => {
                    let _ = writeln!(std::io::stderr(), "{line}");
                }
            }
        }
        if let Some(b) = bar {
            b.finish_and_clear();
        }
    })
}

trait LowerFirst {
    fn to_lowercase_first(self) -> String;
}
impl LowerFirst for String {
    fn to_lowercase_first(self) -> String {
        let mut c = self.chars();
        match c.next() {
            Some(f) => f.to_lowercase().collect::<String>() + c.as_str(),
            None => self,
        }
    }
}

pub fn run(cmd: RunCmd, store: &Store, rt: &tokio::runtime::Runtime) -> Result<u8, Failure> {
    let templates = Templates::open(store)?;
    match cmd {
        RunCmd::Primary {
            source,
            dry_run,
            confirm_archive,
            diffs,
        } => {
            let (source, client) = setup(store, &source)?;
            let template =
                templates.compiled(source.primary.template.as_deref(), Integration::Primary)?;
            let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
            let ctx = JobCtx::new(store.clone(), client, Events::new(tx));
            let opts = PrimaryOptions {
                dry_run,
                confirm_archive,
                diff_limit: if dry_run { diffs } else { 0 },
            };
            let summary = rt.block_on(async {
                let printer = progress_printer(rx);
                let watcher = interrupt_watcher(ctx.cancel.clone());
                let r = primary::run(&ctx, &source, &template, &opts).await;
                watcher.abort();
                drop(ctx);
                let _ = tokio::time::timeout(Duration::from_secs(2), printer).await;
                r
            });
            let summary = summary.map_err(|e| Failure::failed(e.to_string()))?;
            print_summary("primary", &summary, dry_run);
            Ok(finish(summary.outcome))
        }
        RunCmd::SendFrs {
            source,
            dry_run,
            previews,
        } => {
            let (source, client) = setup(store, &source)?;
            let template =
                templates.compiled(source.send_frs.template.as_deref(), Integration::SendFrs)?;
            let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
            let ctx = JobCtx::new(store.clone(), client, Events::new(tx));
            let opts = SendOptions {
                dry_run,
                preview_limit: if dry_run { previews } else { 0 },
            };
            let summary = rt.block_on(async {
                let printer = progress_printer(rx);
                let watcher = interrupt_watcher(ctx.cancel.clone());
                let r = send_frs::run(&ctx, &source, &template, &opts).await;
                watcher.abort();
                drop(ctx);
                let _ = tokio::time::timeout(Duration::from_secs(2), printer).await;
                r
            });
            let s = summary.map_err(|e| match e {
                crate::jobs::JobError::Setup(m) => Failure::usage(m),
                e => Failure::failed(e.to_string()),
            })?;
            for p in &s.previews {
                outln!("  FR {}: {}", p.fr, p.note);
                if let Some(sale) = &p.sale {
                    outln!(
                        "      {}",
                        serde_json::to_string(sale).unwrap_or_else(|e| format!("({e})"))
                    );
                }
            }
            outln!(
                "send-frs run {}{}: {:?}: {} ({} requests)",
                s.run,
                if dry_run { " (dry run)" } else { "" },
                s.outcome,
                s.message,
                s.counts.requests
            );
            Ok(finish(s.outcome))
        }
        RunCmd::Secondary {
            source,
            dry_run,
            diffs,
        } => {
            let (source, client) = setup(store, &source)?;
            let template =
                templates.compiled(source.secondary.template.as_deref(), Integration::Secondary)?;
            let create = if source.secondary.allow_create_variant {
                Some(templates.compiled(source.primary.template.as_deref(), Integration::Primary)?)
            } else {
                None
            };
            let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
            let ctx = JobCtx::new(store.clone(), client, Events::new(tx));
            let opts = SecondaryOptions {
                dry_run,
                diff_limit: if dry_run { diffs } else { 0 },
            };
            let summary = rt.block_on(async {
                let printer = progress_printer(rx);
                let watcher = interrupt_watcher(ctx.cancel.clone());
                let r = secondary::run(&ctx, &source, &template, create.as_ref(), &opts).await;
                watcher.abort();
                drop(ctx);
                let _ = tokio::time::timeout(Duration::from_secs(2), printer).await;
                r
            });
            let summary = summary.map_err(|e| Failure::failed(e.to_string()))?;
            print_summary("secondary", &summary, dry_run);
            Ok(finish(summary.outcome))
        }
    }
}

fn csv_cell(v: Option<&FieldValue>) -> String {
    match v {
        Some(FieldValue::List(items)) => items.join("|"),
        Some(v) => v.as_text().into_owned(),
        None => String::new(),
    }
}

/// Writes the pool of a source, archived items included.
pub fn export(
    store: &Store,
    source: &str,
    format: ExportFormat,
    out: Option<PathBuf>,
) -> Result<u8, Failure> {
    let source = Sources::open(store)?.by_name(source)?;
    let pool = Pool::open(store)?;
    let mut w: Box<dyn Write> = match &out {
        Some(p) => Box::new(std::io::BufWriter::new(std::fs::File::create(p).map_err(
            |e| Failure::usage(format!("cannot write {}: {e}", p.display())),
        )?)),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let io = |e: std::io::Error| Failure::failed(format!("export failed while writing: {e}"));
    let commitments = crate::jobs::commit::Commitments::load(store, &source)?;
    // A reader that stops early (`| head`) is not an error.
    let result =
        write_export(&pool, &commitments, source.id, format, &mut w).and_then(|()| w.flush());
    match result {
        Ok(()) => Ok(exit::OK),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(exit::OK),
        Err(e) => Err(io(e)),
    }
}

/// Quantity (from the store), Committed (open FRs, with Commit Stock on) and Available (what
/// is left to sell) as export cells; empty for items without a quantity (family parents).
fn stock_cells(item: &crate::pool::PoolItem) -> [Option<f64>; 3] {
    match item.quantity() {
        Some(q) => [Some(q), Some(item.committed), item.available()],
        None => [None, None, None],
    }
}

fn write_export(
    pool: &Pool,
    commitments: &crate::jobs::commit::Commitments,
    source: u64,
    format: ExportFormat,
    w: &mut dyn Write,
) -> std::io::Result<()> {
    let other = |e: String| std::io::Error::other(e);
    match format {
        ExportFormat::Jsonl => {
            for item in pool.iter(source) {
                let mut item = item.map_err(|e| other(e.to_string()))?;
                commitments.apply(&mut item);
                let [quantity, committed, available] = stock_cells(&item);
                let line = serde_json::to_string(&serde_json::json!({
                    "sku": item.sku, "parent_sku": item.parent_sku, "product_id": item.product_id,
                    "is_parent": item.is_parent, "archived": item.archived,
                    "last_seen_run": item.last_seen_run,
                    "quantity": quantity, "committed": committed, "available": available,
                    "fields": item.fields,
                }))
                .map_err(|e| other(e.to_string()))?;
                writeln!(w, "{line}")?;
            }
        }
        ExportFormat::Csv => {
            // Columns: fixed ones, then every mapped field name seen, in a stable order.
            let mut names = std::collections::BTreeSet::new();
            for item in pool.iter(source) {
                names.extend(
                    item.map_err(|e| other(e.to_string()))?
                        .fields
                        .keys()
                        .cloned(),
                );
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
            cw.write_record(&header)?;
            let cell = |v: Option<f64>| v.map(|n| n.to_string()).unwrap_or_default();
            for item in pool.iter(source) {
                let mut item = item.map_err(|e| other(e.to_string()))?;
                commitments.apply(&mut item);
                let [_, committed, available] = stock_cells(&item);
                let mut row = vec![
                    item.sku.clone(),
                    item.parent_sku.clone().unwrap_or_default(),
                    item.archived.to_string(),
                    cell(committed),
                    cell(available),
                ];
                row.extend(names.iter().map(|n| csv_cell(item.fields.get(n))));
                cw.write_record(&row)?;
            }
            cw.flush()?;
        }
    }
    Ok(())
}
