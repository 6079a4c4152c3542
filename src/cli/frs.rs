//! `lsbridge fr …`: fulfillment requests from the command line — import a file, drain an inbox
//! folder (once or watching it), list, show, and the manual moves of the lifecycle (cancel,
//! retry, release). Exit codes as elsewhere: 0 ok, 1 failed, 2 bad input, 3 partly done (some
//! records or files rejected).

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use clap::Subcommand;

use crate::cli::{exit, Failure};
use crate::clock::{self, SharedClock};
use crate::frs::{self, Fr, FrError, FrStatus, Frs, InboxError, InboxReport, IntakeError};
use crate::source::{Source, Sources};
use crate::store::Store;

#[derive(Debug, Subcommand)]
pub enum FrCmd {
    /// Import FRs from a JSON or CSV file (see README "Fulfillment requests" for the formats).
    Import {
        file: PathBuf,
        #[arg(long)]
        source: String,
    },
    /// Import every .json/.csv file in DIR, moving each to DIR/processed or DIR/rejected.
    Inbox {
        dir: PathBuf,
        #[arg(long)]
        source: String,
        /// Keep watching the folder until Ctrl-C.
        #[arg(long)]
        watch: bool,
        /// Seconds between passes with --watch.
        #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=86_400))]
        interval: u64,
    },
    /// List FRs: number, source, status, items, earliest send (UTC), sale.
    List {
        #[arg(long)]
        source: Option<String>,
        /// e.g. processing, failed, additional-info-required, "Duplicate FR #"
        #[arg(long)]
        status: Option<String>,
        /// Only FRs with every word of TEXT in their number, customer or a line's SKU (as
        /// the TUI's `/` in FRs).
        #[arg(long, value_name = "TEXT")]
        search: Option<String>,
        /// Order by this instead of source, then import time.
        #[arg(long, value_enum)]
        sort: Option<SortBy>,
        /// Reverse the order.
        #[arg(long)]
        descending: bool,
        #[arg(long)]
        json: bool,
    },
    /// Show one FR with every field and its timeline.
    Show {
        number: String,
        #[arg(long)]
        source: String,
        #[arg(long)]
        json: bool,
    },
    /// Cancel an FR that has not been sent.
    Cancel {
        number: String,
        #[arg(long)]
        source: String,
        #[arg(long)]
        reason: Option<String>,
    },
    /// Send a Failed or Additional Info Required FR again on the next run (attempts are kept).
    Retry {
        number: String,
        #[arg(long)]
        source: String,
    },
    /// Lift the hold (send on the next run) and launch an Unprocessed FR.
    Release {
        number: String,
        #[arg(long)]
        source: String,
    },
}

/// `fr list --sort`: the orders of [`frs::query::FrSort`].
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum SortBy {
    Number,
    Created,
    Updated,
    Status,
    Customer,
}

impl From<SortBy> for frs::query::FrSort {
    fn from(s: SortBy) -> Self {
        use frs::query::FrSort as S;
        match s {
            SortBy::Number => S::Number,
            SortBy::Created => S::Created,
            SortBy::Updated => S::Updated,
            SortBy::Status => S::Status,
            SortBy::Customer => S::Customer,
        }
    }
}

impl FrCmd {
    /// `--json` was given (see `Command::wants_json`).
    pub fn wants_json(&self) -> bool {
        match self {
            FrCmd::List { json, .. } | FrCmd::Show { json, .. } => *json,
            _ => false,
        }
    }
}

/// This command's own wording (the domain's is in `frs::messages`).
mod say {
    pub fn not_found(number: &str, source: &str) -> String {
        format!("no FR {number:?} for source {source:?}: see lsbridge fr list --source {source}")
    }
    pub fn bad_status(e: &str) -> String {
        format!("--status {e}")
    }
    pub fn nothing_yet() -> &'static str {
        "no FRs yet: import some with lsbridge fr import FILE --source NAME"
    }
    pub fn none_match() -> &'static str {
        "no FRs match: see lsbridge fr list without filters"
    }
    pub fn cannot_start_watch(e: &std::io::Error) -> String {
        format!("cannot start watching: {e}")
    }
    pub fn reason_too_long(chars: usize) -> String {
        format!(
            "--reason is {chars} characters long: the maximum is {}; shorten it",
            crate::frs::model::MAX_TEXT_LEN
        )
    }
    /// Every record of the file rejected: all their reasons, on one line.
    pub fn nothing_imported(file: &std::path::Path, rejected: &[crate::frs::Rejection]) -> String {
        let reasons: Vec<String> = rejected
            .iter()
            .map(|r| format!("line {}: {}", r.line, r.reason))
            .collect();
        let what = if rejected.len() == 1 {
            "its record was rejected".to_string()
        } else {
            format!("all {} records were rejected", rejected.len())
        };
        format!(
            "nothing imported from {}, {what}: {}; fix the file and import it again",
            file.display(),
            reasons.join("; ")
        )
    }
    pub fn inbox_not_dir(dir: &std::path::Path) -> String {
        format!(
            "the inbox {} is not a directory: pass the folder FR files are dropped into",
            dir.display()
        )
    }
}

impl From<FrError> for Failure {
    fn from(e: FrError) -> Self {
        match e {
            FrError::Store(_) => Failure::failed(e),
            _ => Failure::usage(e),
        }
    }
}

impl From<IntakeError> for Failure {
    fn from(e: IntakeError) -> Self {
        match e {
            IntakeError::Store(_) | IntakeError::Fr(FrError::Store(_)) => Failure::failed(e),
            _ => Failure::usage(e),
        }
    }
}

impl From<InboxError> for Failure {
    fn from(e: InboxError) -> Self {
        match e {
            InboxError::ReadDir { .. } => Failure::usage(e),
            _ => Failure::failed(e),
        }
    }
}

pub fn run(cmd: FrCmd, store: &Store) -> Result<u8, Failure> {
    let clock = clock::system();
    let sources = Sources::open(store)?;
    let frs = Frs::open(store)?;
    let code = match cmd {
        FrCmd::Import { file, source } => {
            let source = sources.by_name(&source)?;
            let report = frs::import_file(store, &source, &file, &clock)?;
            if report.imported == 0 && report.duplicates == 0 && !report.rejected.is_empty() {
                // Nothing was done: that is bad input, not a partial import.
                return Err(Failure::usage(say::nothing_imported(
                    &file,
                    &report.rejected,
                )));
            }
            outln!("{}", report.summary());
            for r in &report.rejected {
                outln!("line {}: {}", r.line, r.reason);
            }
            for d in &report.duplicate_numbers {
                outln!(
                    "line {}: FR {} is a Duplicate FR #: not imported",
                    d.line,
                    d.number
                );
            }
            if report.rejected.is_empty() {
                exit::OK
            } else {
                exit::PARTIAL
            }
        }
        FrCmd::Inbox {
            dir,
            source,
            watch,
            interval,
        } => {
            let source = sources.by_name(&source)?;
            if !dir.is_dir() {
                return Err(Failure::usage(say::inbox_not_dir(&dir)));
            }
            if watch {
                watch_inbox(store, &source, &dir, &clock, interval)?
            } else {
                let report = frs::process_inbox(store, &source, &dir, &clock)?;
                outln!("{}", inbox_line(&report, clock.now()));
                if report.has_rejections() {
                    exit::PARTIAL
                } else {
                    exit::OK
                }
            }
        }
        FrCmd::List {
            source,
            status,
            search,
            sort,
            descending,
            json,
        } => {
            let filter_source = match &source {
                Some(name) => Some(sources.by_name(name)?),
                None => None,
            };
            let status = parse_status(status)?;
            let all_sources = sources.list()?;
            let name_of = |id: u64| {
                all_sources
                    .iter()
                    .find(|s| s.id == id)
                    .map_or_else(|| format!("#{id}"), |s| s.name.clone())
            };
            let filtered = filter_source.is_some() || status.is_some();
            let mut list = frs.list(filter_source.as_ref().map(|s| s.id), status)?;
            print_list(
                &mut list, &name_of, search, sort, descending, json, filtered,
            );
            exit::OK
        }
        FrCmd::Show {
            number,
            source,
            json,
        } => {
            let src = sources.by_name(&source)?;
            let fr = frs
                .get(src.id, &number)?
                .ok_or_else(|| Failure::usage(say::not_found(&number, &source)))?;
            let timeline = frs.timeline(src.id, &number)?;
            if json {
                outln!(
                    "{}",
                    serde_json::json!({"source": source, "fr": fr, "timeline": timeline})
                );
            } else {
                print_fr(&fr, &source, &timeline, clock.now());
            }
            exit::OK
        }
        FrCmd::Cancel {
            number,
            source,
            reason,
        } => {
            check_reason(reason.as_deref())?;
            let src = sources.by_name(&source)?;
            let before = require(&frs, &src, &number)?;
            let fr = frs.cancel(src.id, &number, reason.as_deref(), clock.now())?;
            store.flush()?;
            outln!("{}", cancelled_line(&number, &before, &fr));
            exit::OK
        }
        FrCmd::Retry { number, source } => {
            let src = sources.by_name(&source)?;
            let before = require(&frs, &src, &number)?;
            let fr = frs.retry(src.id, &number, clock.now())?;
            store.flush()?;
            outln!("{}", retried_line(&number, &before, &fr));
            exit::OK
        }
        FrCmd::Release { number, source } => {
            let src = sources.by_name(&source)?;
            let before = require(&frs, &src, &number)?;
            let fr = frs.release(src.id, &number, clock.now())?;
            store.flush()?;
            outln!("{}", released_line(&number, &before, &fr));
            exit::OK
        }
    };
    Ok(code)
}

/// `fr list`'s output, in-process or attached: the search and sort of the FRs pane, then a
/// table or one JSON array.
fn print_list(
    list: &mut Vec<Fr>,
    name_of: &dyn Fn(u64) -> String,
    search: Option<String>,
    sort: Option<SortBy>,
    descending: bool,
    json: bool,
    filtered: bool,
) {
    let search = frs::query::FrSearch::new(search.as_deref().unwrap_or(""));
    list.retain(|fr| search.matches(fr));
    match sort {
        Some(by) => frs::query::sort(list, by.into(), descending),
        None => {
            list.sort_by(|a, b| {
                name_of(a.source)
                    .cmp(&name_of(b.source))
                    .then_with(|| a.imported_at.cmp(&b.imported_at))
                    .then_with(|| a.number.cmp(&b.number))
            });
            if descending {
                list.reverse();
            }
        }
    }
    if json {
        let rows: Vec<serde_json::Value> = list
            .iter()
            .map(|fr| {
                serde_json::json!({
                    "number": fr.number, "source": name_of(fr.source),
                    "status": fr.status.label(), "items": fr.items.len(),
                    "earliest_send": fr.earliest_send, "sale_id": fr.sale_id,
                    "invoice_number": fr.invoice_number,
                    "customer": frs::query::customer(fr),
                })
            })
            .collect();
        outln!("{}", serde_json::Value::Array(rows));
    } else if list.is_empty() {
        let filtered = filtered || !search.is_empty();
        outln!(
            "{}",
            if filtered {
                say::none_match()
            } else {
                say::nothing_yet()
            }
        );
    } else {
        print_table(list, &name_of);
    }
}

/// `--status`, as typed, to a status (bad input names the statuses there are).
fn parse_status(status: Option<String>) -> Result<Option<FrStatus>, Failure> {
    status
        .map(|s| {
            s.parse::<FrStatus>()
                .map_err(|e| Failure::usage(say::bad_status(&e)))
        })
        .transpose()
}

fn check_reason(reason: Option<&str>) -> Result<(), Failure> {
    if let Some(r) = reason {
        let chars = r.chars().count();
        if chars > frs::model::MAX_TEXT_LEN {
            return Err(Failure::usage(say::reason_too_long(chars)));
        }
    }
    Ok(())
}

fn cancelled_line(number: &str, before: &Fr, fr: &Fr) -> String {
    format!(
        "FR {number}: {} → {} ({})",
        before.status, fr.status, fr.reason
    )
}

fn retried_line(number: &str, before: &Fr, fr: &Fr) -> String {
    format!(
        "FR {number}: {} → {} (attempts so far: {})",
        before.status, fr.status, fr.attempts
    )
}

fn released_line(number: &str, before: &Fr, fr: &Fr) -> String {
    format!(
        "FR {number}: {} → {}, earliest send {}",
        before.status,
        fr.status,
        utc(&fr.earliest_send)
    )
}

fn require(frs: &Frs, src: &Source, number: &str) -> Result<Fr, Failure> {
    frs.get(src.id, number)?
        .ok_or_else(|| Failure::usage(say::not_found(number, &src.name)))
}

/// One line per inbox pass.
fn inbox_line(r: &InboxReport, now: SystemTime) -> String {
    let mut line = format!(
        "{} inbox: {} file(s): imported {}, duplicates {}, rejected {} record(s) and {} file(s)",
        utc(&clock::rfc3339(now)),
        r.files.len(),
        r.imported(),
        r.duplicates(),
        r.rejected_records(),
        r.rejected_files()
    );
    if !r.files.is_empty() {
        let moved: Vec<String> = r
            .files
            .iter()
            .map(|f| {
                let to = f
                    .moved_to
                    .parent()
                    .and_then(Path::file_name)
                    .map(|d| d.to_string_lossy().into_owned())
                    .unwrap_or_default();
                format!("{} → {to}/", f.name)
            })
            .collect();
        line.push_str(&format!("; {}", moved.join(", ")));
    }
    line
}

/// Polls the folder every `interval` seconds until Ctrl-C. A pass that finds no files prints
/// nothing (after the first), so a terminal left watching for hours stays readable. Ctrl-C is
/// only acted on between passes; any other way of stopping is safe too, since each file's
/// import is flushed before the file is moved (see `frs::inbox`).
fn watch_inbox(
    store: &Store,
    source: &Source,
    dir: &Path,
    clock: &SharedClock,
    interval: u64,
) -> Result<u8, Failure> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::failed(say::cannot_start_watch(&e)))?;
    rt.block_on(async {
        let mut tick = tokio::time::interval(Duration::from_secs(interval));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut first = true;
        loop {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => break,
                _ = tick.tick() => {}
            }
            let report = frs::process_inbox(store, source, dir, clock)?;
            if first || !report.files.is_empty() {
                outln!("{}", inbox_line(&report, clock.now()));
                use std::io::Write;
                let _ = std::io::stdout().flush();
            }
            first = false;
        }
        store.flush()?;
        Ok(exit::OK)
    })
}

/// "2026-03-04 15:30:00" from a stored RFC 3339 time (as stored if unreadable).
fn utc(s: &str) -> String {
    match frs::parse_time(s) {
        Some(t) => chrono::DateTime::<chrono::Utc>::from(t)
            .format("%Y-%m-%d %H:%M:%S")
            .to_string(),
        None if s.is_empty() => "-".into(),
        None => s.to_string(),
    }
}

fn sale(fr: &Fr) -> String {
    match (&fr.invoice_number, &fr.sale_id) {
        (Some(inv), _) => inv.clone(),
        (None, Some(id)) => id.clone(),
        (None, None) => "-".into(),
    }
}

fn print_table(list: &[Fr], name_of: &dyn Fn(u64) -> String) {
    let wn = list
        .iter()
        .map(|f| f.number.len())
        .max()
        .unwrap_or(0)
        .max(6);
    let ws = list
        .iter()
        .map(|f| name_of(f.source).len())
        .max()
        .unwrap_or(0)
        .max(6);
    outln!(
        "{:wn$}  {:ws$}  {:24}  {:>5}  {:19}  SALE",
        "NUMBER",
        "SOURCE",
        "STATUS",
        "ITEMS",
        "EARLIEST SEND (UTC)"
    );
    for fr in list {
        outln!(
            "{:wn$}  {:ws$}  {:24}  {:>5}  {:19}  {}",
            fr.number,
            name_of(fr.source),
            fr.status.label(),
            fr.items.len(),
            utc(&fr.earliest_send),
            sale(fr)
        );
    }
}

/// Every non-empty field of an address, one per line.
fn print_address(title: &str, a: &frs::FrAddress) {
    let mut any = false;
    outln!("  {title}:");
    for (k, label) in frs::FrAddress::FIELDS {
        let v = a.field(k).unwrap_or_default();
        if !v.is_empty() {
            outln!("    {label:15} {v}");
            any = true;
        }
    }
    if !any {
        outln!("    -");
    }
}

fn print_fr(fr: &Fr, source: &str, timeline: &[frs::FrEvent], now: SystemTime) {
    outln!("FR {} (source {source})", fr.number);
    outln!("  status:          {} ({})", fr.status, fr.reason);
    let held = if fr.is_held(now) { " (held)" } else { "" };
    outln!("  earliest send:   {} UTC{held}", utc(&fr.earliest_send));
    outln!("  created:         {} UTC", utc(&fr.created_at));
    outln!("  imported:        {} UTC", utc(&fr.imported_at));
    outln!("  updated:         {} UTC", utc(&fr.updated_at));
    outln!("  payment method:  {}", or_dash(&fr.payment_method));
    outln!("  shipping method: {}", or_dash(&fr.shipping_method));
    outln!(
        "  amounts:         items {:.2}, discount {:.2}, shipping {:.2}, tax {:.2}",
        fr.items_total(),
        fr.discount,
        fr.shipping_cost,
        fr.tax
    );
    outln!(
        "  sale:            {} (invoice {})",
        fr.sale_id.as_deref().unwrap_or("-"),
        fr.invoice_number.as_deref().unwrap_or("-")
    );
    outln!("  attempts:        {}", fr.attempts);
    print_address("billing", &fr.billing);
    print_address("shipping", &fr.shipping);
    outln!("  items:");
    for (i, it) in fr.items.iter().enumerate() {
        outln!(
            "    {:>2}. {} × {} @ {:.2}  {}",
            i + 1,
            it.sku,
            crate::mapping::format_number(it.quantity),
            it.unit_price,
            it.line.label()
        );
    }
    outln!("  timeline:");
    for e in timeline {
        let run = e.run.map(|r| format!(" run {r}")).unwrap_or_default();
        outln!(
            "    {} UTC  {:9} {:24} {}{run}",
            utc(&e.at),
            e.kind,
            e.status,
            e.reason
        );
    }
}

fn or_dash(s: &str) -> &str {
    if s.is_empty() {
        "-"
    } else {
        s
    }
}

/// `fr …` attached to a daemon: through the engine's requests, worded as in-process. Only
/// `fr inbox` (it moves the files it reads) still needs the store to itself.
pub fn run_attached(cmd: FrCmd, session: &crate::cli::session::Session) -> Result<u8, Failure> {
    use crate::cli::session::unexpected;
    use crate::engine::{FrAction, Request, Response};
    let clock = clock::system();
    let frs_of = |source: Option<String>, status: Option<FrStatus>| match session
        .call(Request::Frs { source, status })?
    {
        Response::Frs(list) => Ok(list),
        other => Err(unexpected("Frs", &other)),
    };
    let find = |source: &str, number: &str| -> Result<Fr, Failure> {
        frs_of(Some(source.to_string()), None)?
            .into_iter()
            .find(|f| f.number == number)
            .ok_or_else(|| Failure::usage(say::not_found(number, source)))
    };
    let act = |source: String, number: String, action: FrAction, reason: Option<String>| {
        let before = find(&source, &number)?;
        match session.call(Request::FrAction {
            source,
            number,
            action,
            reason,
        })? {
            Response::Fr(after) => Ok((before, *after)),
            other => Err(unexpected("FrAction", &other)),
        }
    };
    match cmd {
        FrCmd::Import { file, source } => {
            // The daemon reads the file: give it a path that does not depend on our cwd.
            let path = std::path::absolute(&file).unwrap_or(file);
            match session.call(Request::ImportFrs {
                source,
                path: path.display().to_string(),
            })? {
                Response::Message(m) => outln!("{m}"),
                other => return Err(unexpected("ImportFrs", &other)),
            }
            Ok(exit::OK)
        }
        FrCmd::List {
            source,
            status,
            search,
            sort,
            descending,
            json,
        } => {
            let status = parse_status(status)?;
            let all_sources = match session.call(Request::ListSources)? {
                Response::Sources(s) => s,
                other => return Err(unexpected("ListSources", &other)),
            };
            let filtered = source.is_some() || status.is_some();
            let mut list = frs_of(source, status)?;
            let name_of = |id: u64| {
                all_sources
                    .iter()
                    .find(|s| s.id == id)
                    .map_or_else(|| format!("#{id}"), |s| s.name.clone())
            };
            print_list(
                &mut list, &name_of, search, sort, descending, json, filtered,
            );
            Ok(exit::OK)
        }
        FrCmd::Show {
            number,
            source,
            json,
        } => {
            let fr = find(&source, &number)?;
            let timeline = match session.call(Request::FrTimeline {
                source: source.clone(),
                number: number.clone(),
            })? {
                Response::Timeline(t) => t,
                other => return Err(unexpected("FrTimeline", &other)),
            };
            if json {
                outln!(
                    "{}",
                    serde_json::json!({"source": source, "fr": fr, "timeline": timeline})
                );
            } else {
                print_fr(&fr, &source, &timeline, clock.now());
            }
            Ok(exit::OK)
        }
        FrCmd::Cancel {
            number,
            source,
            reason,
        } => {
            check_reason(reason.as_deref())?;
            let (before, fr) = act(source, number.clone(), FrAction::Cancel, reason)?;
            outln!("{}", cancelled_line(&number, &before, &fr));
            Ok(exit::OK)
        }
        FrCmd::Retry { number, source } => {
            let (before, fr) = act(source, number.clone(), FrAction::Retry, None)?;
            outln!("{}", retried_line(&number, &before, &fr));
            Ok(exit::OK)
        }
        FrCmd::Release { number, source } => {
            let (before, fr) = act(source, number.clone(), FrAction::Release, None)?;
            outln!("{}", released_line(&number, &before, &fr));
            Ok(exit::OK)
        }
        FrCmd::Inbox { .. } => session.store().map(|_| exit::OK),
    }
}
