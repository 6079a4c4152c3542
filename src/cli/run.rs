//! `lsbridge run primary|secondary|send-frs`: an integration from the command line, as a
//! client of the engine (in this process, or the daemon's when one runs). The job's events
//! go to stderr (a progress bar on a terminal, plain lines when piped) or, with
//! `--progress jsonl`, to stdout as one JSON object per line; the summary line goes to
//! stdout. Ctrl-C or SIGTERM cancel the run at its next page (engine `CancelJob`, as
//! quitting the TUI does). Exit codes: 0 ok, 1 failed, 3 partly done, 130 cancelled.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use clap::{Args, Subcommand, ValueEnum};
use tokio::sync::broadcast::error::RecvError;

use crate::backend::Backend;
use crate::cli::session::{unexpected, Session};
use crate::cli::{exit, Failure};
use crate::clock::SharedClock;
use crate::engine::{EngineEvent, EngineOptions, Integration, JobReport, Request, Response};
use crate::jobs::{JobEvent, Outcome};
use crate::templates::TemplateError;

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
        /// Dry run: how many changed records to show field by field (the engine keeps 20).
        #[arg(long, default_value_t = 20, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(0..=100_000))]
        diffs: usize,
        #[command(flatten)]
        show: RunOutput,
    },
    /// Send Fulfillment Requests: each due FR becomes one register sale, exactly once.
    SendFrs {
        #[arg(long)]
        source: String,
        /// Resolve, map and build the sales; send nothing, write nothing, print the bodies.
        #[arg(long)]
        dry_run: bool,
        /// Dry run: how many sale bodies to print (the engine keeps 5).
        #[arg(long, default_value_t = 5, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(0..=100_000))]
        previews: usize,
        #[command(flatten)]
        show: RunOutput,
    },
    /// Get Inventory (Secondary): quantities changed since the last run.
    Secondary {
        #[arg(long)]
        source: String,
        #[arg(long)]
        dry_run: bool,
        #[arg(long, default_value_t = 20, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(0..=100_000))]
        diffs: usize,
        #[command(flatten)]
        show: RunOutput,
    },
}

/// How `lsbridge run` shows the job's events.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum ProgressFormat {
    /// A progress bar on a terminal, plain lines when piped (stderr).
    #[default]
    Human,
    /// One JSON object per event on stdout: `{"at": <RFC 3339>, "event": <EngineEvent>}`.
    Jsonl,
}

#[derive(Debug, Clone, Args)]
pub struct RunOutput {
    /// human (stderr) or jsonl (stdout, one JSON object per event, for scripts).
    #[arg(long, value_enum, default_value_t = ProgressFormat::Human)]
    pub progress: ProgressFormat,
    /// Simulated seconds per real second for the engine's clock (tests against a simulator
    /// running fast). Only in-process.
    #[arg(long, hide = true, default_value_t = 1.0)]
    pub time_scale: f64,
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

/// "4m 10s", "12s", "1h 2m".
fn countdown(d: Duration) -> String {
    let s = d.as_secs() + u64::from(d.subsec_millis() > 0);
    match s {
        0..=59 => format!("{s}s"),
        60..=3599 => format!("{}m {}s", s / 60, s % 60),
        _ => format!("{}h {}m", s / 3600, s % 3600 / 60),
    }
}

/// "waiting for the rate limit until 12:03:10 UTC (4m 10s)"
pub fn wait_line(until: SystemTime, now: SystemTime) -> String {
    format!(
        "waiting for the rate limit until {} ({})",
        chrono::DateTime::<chrono::Utc>::from(until).format("%H:%M:%S UTC"),
        countdown(until.duration_since(now).unwrap_or_default())
    )
}

fn lower_first(s: String) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().collect::<String>() + c.as_str(),
        None => s,
    }
}

/// Shows the job's events.
struct Printer {
    format: ProgressFormat,
    bar: Option<indicatif::ProgressBar>,
    clock: SharedClock,
}

impl Printer {
    fn new(format: ProgressFormat, clock: SharedClock) -> Printer {
        use std::io::IsTerminal;
        let bar = (format == ProgressFormat::Human && std::io::stderr().is_terminal()).then(|| {
            let b = indicatif::ProgressBar::new_spinner();
            b.set_style(
                indicatif::ProgressStyle::with_template("{spinner} {elapsed_precise} {msg}")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
            );
            b.enable_steady_tick(Duration::from_millis(200));
            b
        });
        Printer { format, bar, clock }
    }

    /// A line of the CLI's own (interrupts, lost events): stderr, above the bar.
    fn note(&self, line: &str) {
        match &self.bar {
            Some(b) => b.println(line),
            None => errln!("{line}"),
        }
    }

    fn event(&self, e: &EngineEvent) {
        if self.format == ProgressFormat::Jsonl {
            let at = crate::clock::rfc3339(self.clock.now());
            outln!("{}", serde_json::json!({ "at": at, "event": e }));
            return;
        }
        let EngineEvent::Job { event, .. } = e else {
            return;
        };
        let (line, is_progress) = match event {
            JobEvent::Progress {
                phase,
                done,
                counts,
                ..
            } if *phase == crate::jobs::Phase::SendingFrs => (
                format!("{phase}: {done} done; {}", counts.send_line()),
                true,
            ),
            JobEvent::Progress {
                phase,
                done,
                counts,
                ..
            } => (format!("{phase}: {done} read; {}", counts.line()), true),
            // Printed as it arrives, which is before the client starts waiting.
            JobEvent::WaitingForRateLimit { until, .. } => {
                let line = wait_line(*until, self.clock.now());
                if let Some(b) = &self.bar {
                    b.set_message(line.clone());
                }
                (line, false)
            }
            JobEvent::Log { level, line, .. } => (lower_first(format!("{level:?}: {line}")), false),
            _ => return,
        };
        match &self.bar {
            Some(b) if is_progress => b.set_message(line),
            Some(b) => b.println(line),
            None => errln!("{line}"),
        }
    }

    fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

/// What to run, from the command line.
struct Plan {
    source: String,
    kind: Integration,
    dry_run: bool,
    confirm_archive: bool,
    /// Dry run: how many diffs or sale bodies to print.
    details: usize,
    show: RunOutput,
}

fn plan(cmd: RunCmd) -> Plan {
    match cmd {
        RunCmd::Primary {
            source,
            dry_run,
            confirm_archive,
            diffs,
            show,
        } => Plan {
            source,
            kind: Integration::Primary,
            dry_run,
            confirm_archive,
            details: diffs,
            show,
        },
        RunCmd::Secondary {
            source,
            dry_run,
            diffs,
            show,
        } => Plan {
            source,
            kind: Integration::Secondary,
            dry_run,
            confirm_archive: false,
            details: diffs,
            show,
        },
        RunCmd::SendFrs {
            source,
            dry_run,
            previews,
            show,
        } => Plan {
            source,
            kind: Integration::SendFrs,
            dry_run,
            confirm_archive: false,
            details: previews,
            show,
        },
    }
}

pub fn run(cmd: RunCmd, data_dir: Option<PathBuf>) -> Result<u8, Failure> {
    let plan = plan(cmd);
    let scale = plan.show.time_scale;
    if !(scale.is_finite() && scale > 0.0 && scale <= 100_000.0) {
        return Err(Failure::usage(
            "--time-scale must be a number above 0 and at most 100000",
        ));
    }
    let clock: SharedClock = if (scale - 1.0).abs() < f64::EPSILON {
        crate::clock::system()
    } else {
        Arc::new(crate::clock::ScaledClock::new(SystemTime::now(), scale))
    };
    let session = Session::open(
        data_dir,
        EngineOptions {
            clock: clock.clone(),
            ..EngineOptions::default()
        },
    )?;
    let source = match session.call(Request::ListSources)? {
        Response::Sources(list) => list
            .into_iter()
            .find(|s| s.name == plan.source)
            .ok_or_else(|| {
                Failure::usage(crate::source::SourceError::Missing(plan.source.clone()))
            })?,
        other => return Err(unexpected("ListSources", &other)),
    };
    if source.connection.is_none() {
        return Err(Failure::usage(format!(
            "source {:?} has no connection: lsbridge source set {} --connection CONNECTION",
            source.name, source.name
        )));
    }
    let printer = Printer::new(plan.show.progress, clock);
    let r = session
        .rt
        .block_on(follow(&session.backend, source.id, &plan, &printer));
    printer.finish();
    let report = r?;
    for d in report.diffs.iter().take(plan.details) {
        outln!("  {} {}", d.kind, d.sku);
        for (f, old, new) in &d.fields {
            outln!("      {f}: {old} → {new}");
        }
    }
    for p in report.previews.iter().take(plan.details) {
        outln!("  FR {}: {}", p.fr, p.note);
        if let Some(sale) = &p.sale {
            outln!("      {sale}");
        }
    }
    if plan.show.progress == ProgressFormat::Human {
        outln!(
            "{} run {}{}: {:?}: {} ({} requests){}",
            plan.kind.key(),
            report.run,
            if report.dry_run { " (dry run)" } else { "" },
            report.outcome,
            report.message,
            report.requests,
            if report.resumed {
                "; resumed from a checkpoint"
            } else {
                ""
            }
        );
    }
    if report.outcome == Outcome::Cancelled {
        match plan.show.progress {
            ProgressFormat::Human => outln!("{RESUME_HINT}"),
            ProgressFormat::Jsonl => errln!("{RESUME_HINT}"),
        }
    }
    Ok(outcome_code(report.outcome))
}

/// Starts the job and follows its events to its end. The first Ctrl-C (or SIGTERM) asks the
/// engine to cancel the run at its next page (attached, the daemon's run); a second Ctrl-C
/// quits at once (the run resumes from its last committed page next time).
async fn follow(
    backend: &Backend,
    source: u64,
    plan: &Plan,
    printer: &Printer,
) -> Result<JobReport, Failure> {
    use tokio::signal::unix::{signal, SignalKind};
    // Installed before the start, so a signal right at the start is not lost.
    let mut sigint = signal(SignalKind::interrupt())
        .map_err(|e| Failure::failed(format!("cannot listen for Ctrl-C: {e}")))?;
    let mut sigterm = signal(SignalKind::terminate())
        .map_err(|e| Failure::failed(format!("cannot listen for SIGTERM: {e}")))?;
    let mut events = backend.subscribe();
    match backend
        .call(Request::StartJob {
            source: plan.source.clone(),
            kind: plan.kind,
            dry_run: plan.dry_run,
            confirm_archive: plan.confirm_archive,
        })
        .await
    {
        Response::Error(e) => return Err(Failure::failed(e)),
        Response::Done => {}
        other => return Err(unexpected("StartJob", &other)),
    }
    let ours = |s: u64, k: Integration| s == source && k == plan.kind;
    let mut report = None;
    let mut refused = None;
    let mut signals = 0;
    loop {
        let signal = tokio::select! {
            e = events.recv() => match e {
                Ok(e) => {
                    let mine = match &e {
                        EngineEvent::Job { source: s, kind: k, .. }
                        | EngineEvent::Idle { source: s, kind: k }
                        | EngineEvent::Report { source: s, kind: k, .. } => ours(*s, *k),
                        EngineEvent::Refused { source: s, kind: k, .. } => {
                            *s == plan.source && *k == plan.kind
                        }
                        _ => false,
                    };
                    if !mine {
                        continue;
                    }
                    printer.event(&e);
                    match e {
                        EngineEvent::Report { report: r, .. } => report = Some(r),
                        EngineEvent::Refused { reason, .. } => refused = Some(reason),
                        EngineEvent::Idle { .. } => break,
                        _ => {}
                    }
                    continue;
                }
                Err(RecvError::Lagged(n)) => {
                    printer.note(&format!("({n} events were missed: the output could not keep up)"));
                    continue;
                }
                Err(RecvError::Closed) => {
                    return Err(Failure::failed(
                        "the engine went away during the run (the daemon stopped?): see lsbridge runs, and run again to resume",
                    ))
                }
            },
            _ = sigint.recv() => "interrupt",
            _ = sigterm.recv() => "SIGTERM",
        };
        signals += 1;
        if signals > 1 {
            printer.finish();
            errln!(
                "interrupted again: quitting now; run again to resume from the last committed page"
            );
            std::process::exit(i32::from(exit::INTERRUPTED));
        }
        printer.note(&format!(
            "{signal}: stopping at the next page (Ctrl-C again to quit at once)"
        ));
        if let Response::Error(e) = backend
            .call(Request::CancelJob {
                source: plan.source.clone(),
                kind: plan.kind,
            })
            .await
        {
            printer.note(&format!("cannot cancel the run: {e}"));
        }
    }
    match (report, refused) {
        (Some(r), _) => Ok(r),
        (None, Some(reason)) => Err(Failure::failed(reason)),
        (None, None) => Err(Failure::failed(
            "the run ended without a result: see lsbridge runs",
        )),
    }
}
