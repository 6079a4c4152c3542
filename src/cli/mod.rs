//! Command-line interface. Every failure ends in one line on stderr that says what to do,
//! and a documented exit code.

use std::io::{BufRead, IsTerminal, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use clap::{Args, Parser, Subcommand};

use crate::clock::{self, ScaledClock, SharedClock};
use crate::connections::{Connection, ConnectionError, Connections, NewConnection};
use crate::lightspeed::probe::{self, ScopeState};
use crate::lightspeed::{ClientOptions, RetryPolicy};
use crate::sim::{
    self, BeforeBound, DuplicateSale, Faults, RateLimit, RateScope, SimConfig, StoreSpec, TokenSpec,
};
use crate::store::{self, Store};

/// Set once stdout is found closed (`lsbridge fr list | head -1`): later output is dropped.
static STDOUT_CLOSED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
/// A write to stdout that failed for another reason (a full disk): reported at exit.
static STDOUT_ERROR: std::sync::Mutex<Option<String>> = std::sync::Mutex::new(None);

/// What `outln!`/`out!` call. A reader that stops early is not an error: once stdout is
/// closed, the rest of the output is dropped quietly and the command finishes as it would
/// have (its writes to the store are not cut short). Other write errors end the command with
/// exit 1 at the end.
pub(crate) fn write_out(args: std::fmt::Arguments, newline: bool) {
    use std::sync::atomic::Ordering;
    if STDOUT_CLOSED.load(Ordering::Relaxed) {
        return;
    }
    let mut o = std::io::stdout().lock();
    let r = o
        .write_fmt(args)
        .and_then(|()| if newline { o.write_all(b"\n") } else { Ok(()) });
    if let Err(e) = r {
        STDOUT_CLOSED.store(true, Ordering::Relaxed);
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            if let Ok(mut slot) = STDOUT_ERROR.lock() {
                slot.get_or_insert_with(|| e.to_string());
            }
        }
    }
}

/// `eprintln!` that never panics (stderr may be closed too).
pub(crate) fn write_err(args: std::fmt::Arguments) {
    let mut e = std::io::stderr().lock();
    let _ = e.write_fmt(args).and_then(|()| e.write_all(b"\n"));
}

/// `println!` for command output: see [`write_out`].
macro_rules! outln {
    () => {
        $crate::cli::write_out(format_args!(""), true)
    };
    ($($t:tt)*) => {
        $crate::cli::write_out(format_args!($($t)*), true)
    };
}
/// `print!` for command output: see [`write_out`].
macro_rules! out {
    ($($t:tt)*) => {
        $crate::cli::write_out(format_args!($($t)*), false)
    };
}
/// `eprintln!` that never panics.
macro_rules! errln {
    ($($t:tt)*) => {
        $crate::cli::write_err(format_args!($($t)*))
    };
}

/// Exit codes (also in the README).
pub mod bench;
pub mod daemon;
pub mod demo;
pub mod frs;
pub mod run;
pub mod sources;
pub mod templates;
pub mod tui;

pub mod exit {
    pub const OK: u8 = 0;
    /// The operation failed (store unreachable, token rejected, …).
    pub const FAILURE: u8 = 1;
    /// Bad command-line input or bad input file.
    pub const USAGE: u8 = 2;
    /// Partly done: some records failed (runs).
    pub const PARTIAL: u8 = 3;
    /// A run stopped by Ctrl-C (128 + SIGINT, as shells report it); run again to resume.
    pub const INTERRUPTED: u8 = 130;
}

#[derive(Debug, Parser)]
#[command(
    name = "lsbridge",
    version,
    about = "Lightspeed Retail (X-Series) as a source: catalog, quantities and fulfillment requests, from the terminal",
    propagate_version = true
)]
pub struct Cli {
    /// Data directory (default: $LSBRIDGE_DATA_DIR, else the platform's data dir).
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Log level for stderr: error, warn, info, debug, trace (or $LSBRIDGE_LOG).
    #[arg(long, global = true, value_name = "LEVEL")]
    pub log_level: Option<String>,
    /// TUI colour theme: default, high-contrast, light, harbor, or NAME.toml in <data dir>/themes.
    #[arg(long, global = true, value_name = "NAME")]
    pub theme: Option<String>,
    /// TUI: capture the mouse (scroll wheel); off by default so terminal text selection works.
    #[arg(long, global = true)]
    pub mouse: bool,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Open the TUI on a fresh demo data dir, connected to an embedded simulator of the demo
    /// store (--headless: run the main job and print each step instead).
    Demo(crate::cli::demo::DemoArgs),
    /// Print the TUI's keyboard reference (with the overrides in <data dir>/keys.toml).
    Keys,
    /// Run the Lightspeed X-Series simulator (for tests, demos and benchmarks).
    Sim(SimArgs),
    /// Run the engine and scheduler headless, serving the TUI on <data dir>/lsbridge.sock; stop with SIGTERM.
    Daemon(daemon::DaemonArgs),
    /// Manage store connections (domain prefix + personal token).
    #[command(subcommand)]
    Connection(ConnectionCmd),
    /// Manage sources (a store used as a supplier) and their three integrations.
    #[command(subcommand)]
    Source(Box<crate::cli::sources::SourceCmd>),
    /// Run an integration now.
    #[command(subcommand)]
    Run(crate::cli::run::RunCmd),
    /// Mapping templates: list, show, export and import (TOML).
    #[command(subcommand)]
    Template(crate::cli::templates::TemplateCmd),
    /// Mapping sets (From → To lookups): list, show, import from CSV.
    #[command(subcommand)]
    MappingSet(crate::cli::templates::MappingSetCmd),
    /// Past runs: `runs` lists the latest, `runs ID` shows one with its log.
    Runs {
        /// A run id to show with its log lines.
        id: Option<u64>,
        /// Only this source's runs.
        #[arg(long)]
        source: Option<String>,
        #[arg(long, default_value_t = 20, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=1_000_000))]
        limit: usize,
    },
    /// Export or import the setup (sources, connections without tokens, templates, mapping sets) as TOML.
    #[command(subcommand)]
    Config(ConfigCmd),
    /// Measure an integration against a simulator in another process; prints JSON figures.
    #[command(subcommand)]
    Bench(BenchCmd),
    /// Fulfillment requests: import, inbox, list, show, cancel, retry, release.
    #[command(subcommand)]
    Fr(crate::cli::frs::FrCmd),
    /// Write a source's pool (archived items included) as CSV or JSON lines, with each
    /// item's Quantity (from the store), Committed (open FRs) and Available (to sell).
    Export {
        #[arg(long)]
        source: String,
        #[arg(long, value_enum, default_value = "jsonl")]
        format: crate::cli::run::ExportFormat,
        /// File to write (default: stdout).
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ConfigCmd {
    /// Write the setup as TOML (stdout, or --out FILE). Tokens are never written.
    Export {
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Read a setup written by export: everything is validated before anything is saved.
    Import {
        file: PathBuf,
        /// Import a file with keys this version does not know (each is named) instead of
        /// refusing it.
        #[arg(long)]
        allow_unknown: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum BenchCmd {
    /// Get Inventory (Primary) of synthetic:N, simulator in a separate process, rate limit off.
    Primary(crate::cli::bench::BenchArgs),
}

#[derive(Debug, Subcommand)]
pub enum ConnectionCmd {
    /// Add a connection. The token may be given as env:VAR, or as - to read it from stdin.
    Add {
        #[arg(long)]
        name: String,
        /// The XXX of https://XXX.retail.lightspeed.app (a pasted URL is normalised).
        // A value starting with '-' is a bad prefix, not a flag: let validation explain it.
        #[arg(long, allow_hyphen_values = true)]
        domain_prefix: String,
        /// Personal token, env:VAR, or - to read one line from stdin.
        #[arg(long)]
        token: String,
        /// API version segment.
        #[arg(long, default_value = crate::lightspeed::DEFAULT_API_VERSION)]
        api_version: String,
        /// Send requests to this origin instead of the store (plain http only on loopback),
        /// e.g. the simulator: http://127.0.0.1:7878
        #[arg(long, value_name = "URL")]
        api_root: Option<String>,
    },
    /// List connections (tokens masked).
    List {
        #[arg(long)]
        json: bool,
    },
    /// Test a connection: store name, outlets, registers, rate-limit headroom, scopes.
    Test {
        name: String,
        #[arg(long)]
        json: bool,
        /// Give up after this many seconds.
        #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
        timeout: u64,
    },
    /// Remove a connection (refused while sources use it).
    Remove { name: String },
    /// Change a connection's name, domain prefix or token (token rotation). The changed
    /// connection is tested before it is saved; a failed test saves nothing unless --force.
    Set {
        name: String,
        /// The new name (sources using the connection follow it).
        #[arg(long = "name", value_name = "NEW_NAME")]
        new_name: Option<String>,
        #[arg(long, allow_hyphen_values = true)]
        domain_prefix: Option<String>,
        /// New personal token, env:VAR, or - to read one line from stdin.
        #[arg(long, conflicts_with = "token_stdin")]
        token: Option<String>,
        /// Read the new token from stdin (one line), keeping it out of the shell's history.
        #[arg(long)]
        token_stdin: bool,
        /// Save even when the changed connection's Test Connection fails.
        #[arg(long)]
        force: bool,
    },
}

#[derive(Debug, Args)]
pub struct SimArgs {
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: String,
    /// 0 picks a free port (printed on the first line).
    #[arg(long, default_value_t = 7878, allow_negative_numbers = true)]
    pub port: u16,
    /// demo, empty, synthetic:N[:SEED] or dir:PATH
    #[arg(long, default_value = "demo")]
    pub store: String,
    /// Accepted bearer token, optionally with scopes: TOKEN or TOKEN=scope1,scope2 (repeatable).
    #[arg(long = "token", value_name = "TOKEN[=SCOPES]")]
    pub tokens: Vec<String>,
    /// Turn rate limiting off.
    #[arg(long)]
    pub no_rate_limit: bool,
    /// Requests per window (default: 300 × registers + 50).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=1_000_000_000))]
    pub rate_limit: Option<u64>,
    /// per-token (current docs) or per-store (older docs).
    #[arg(long, default_value = "per-token")]
    pub rate_scope: String,
    /// Simulated seconds per real second (e.g. 100 makes a 300 s window last 3 s).
    #[arg(long, default_value_t = 1.0, allow_negative_numbers = true)]
    pub time_scale: f64,
    /// Largest page_size honoured by list endpoints.
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub page_cap: u64,
    /// Refuse page sizes above N (400, or N:422 for 422) instead of capping them.
    #[arg(long, value_name = "N[:STATUS]")]
    pub refuse_page_size_above: Option<String>,
    /// Faults, e.g. p_5xx=0.1,p_reset=0.05,latency_ms=20,storm=5
    #[arg(long, default_value = "")]
    pub faults: String,
    /// What re-POSTing an existing sale id does: update, conflict or existing.
    #[arg(long, default_value = "update")]
    pub duplicate_sale: String,
    /// Whether a list's `before` includes that version: inclusive or exclusive (the spec
    /// does not say).
    #[arg(long, default_value = "inclusive")]
    pub before_bound: String,
    /// When a sale takes stock out: on-close, or on-create (a pending sale too; the docs do
    /// not say).
    #[arg(long, default_value = "on-close")]
    pub stock_moves: String,
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
}

/// A user-facing failure: one line and an exit code.
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub message: String,
    /// Under `--json`: members the failure document carries besides `ok`, `error` and
    /// `exit_code` (e.g. the report of a connection test that found scopes missing), so a
    /// failed command still prints one document with everything it learned.
    pub json: Option<serde_json::Map<String, serde_json::Value>>,
}

impl Failure {
    pub fn usage(m: impl std::fmt::Display) -> Self {
        Failure {
            code: exit::USAGE,
            message: m.to_string(),
            json: None,
        }
    }
    pub fn failed(m: impl std::fmt::Display) -> Self {
        Failure {
            code: exit::FAILURE,
            message: m.to_string(),
            json: None,
        }
    }
    /// Adds members to the `--json` failure document.
    pub fn with_json(mut self, members: serde_json::Map<String, serde_json::Value>) -> Self {
        self.json = Some(members);
        self
    }
}

/// The one document a `--json` command prints on stdout when it fails:
/// `{"ok": false, "error": <the stderr line>, "exit_code": N, …}`.
fn failure_document(
    message: &str,
    code: u8,
    extra: Option<&serde_json::Map<String, serde_json::Value>>,
) -> serde_json::Value {
    let mut doc = serde_json::Map::new();
    doc.insert("ok".into(), false.into());
    doc.insert("error".into(), message.into());
    doc.insert("exit_code".into(), code.into());
    for (k, v) in extra.into_iter().flatten() {
        doc.entry(k.clone()).or_insert_with(|| v.clone());
    }
    serde_json::Value::Object(doc)
}

/// `--json` among the arguments (before a `--`): for failures clap reports before the
/// command is known.
fn args_ask_for_json(args: &[std::ffi::OsString]) -> bool {
    args.iter()
        .skip(1)
        .take_while(|a| a.as_os_str() != "--")
        .any(|a| a.as_os_str() == "--json")
}

impl Command {
    /// Whether the command was asked for machine output: then its failures are printed on
    /// stdout as a JSON document too (see [`failure_document`]).
    pub fn wants_json(&self) -> bool {
        match self {
            Command::Connection(
                ConnectionCmd::List { json } | ConnectionCmd::Test { json, .. },
            ) => *json,
            Command::Source(c) => c.wants_json(),
            Command::Fr(c) => c.wants_json(),
            _ => false,
        }
    }
}

impl From<ConnectionError> for Failure {
    fn from(e: ConnectionError) -> Self {
        let code = match &e {
            ConnectionError::Store(_) | ConnectionError::Api(_) => exit::FAILURE,
            _ => exit::USAGE,
        };
        Failure {
            code,
            message: e.to_string(),
            json: None,
        }
    }
}

impl From<store::StoreError> for Failure {
    fn from(e: store::StoreError) -> Self {
        Failure::failed(e)
    }
}

/// A log level as given (`--log-level` or $LSBRIDGE_LOG): a level, optionally followed by
/// `,target=level` directives. An empty one is refused rather than passed on: the filter
/// would read `lsbridge=` as "everything".
fn check_log_level(spec: &str, from: &str) -> Result<(), Failure> {
    const LEVELS: [&str; 6] = ["error", "warn", "info", "debug", "trace", "off"];
    let mut parts = spec.split(',').map(str::trim);
    let first = parts.next().unwrap_or_default();
    if first.is_empty() && spec.trim().is_empty() {
        return Err(Failure::usage(format!(
            "{from} is empty: give one of error, warn, info, debug, trace (or leave it out for warn)"
        )));
    }
    if !LEVELS.contains(&first.to_ascii_lowercase().as_str()) || parts.any(str::is_empty) {
        return Err(Failure::usage(format!(
            "log level {spec:?} is not one of error, warn, info, debug, trace"
        )));
    }
    Ok(())
}

fn init_logging(level: Option<&str>) -> Result<(), Failure> {
    let spec = match level {
        Some(l) => l.to_string(),
        None => match std::env::var("LSBRIDGE_LOG") {
            // Set but empty (`LSBRIDGE_LOG= lsbridge …`) reads as unset.
            Ok(v) if v.trim().is_empty() => "warn".to_string(),
            Ok(v) => {
                check_log_level(&v, "$LSBRIDGE_LOG")?;
                v
            }
            Err(_) => "warn".to_string(),
        },
    };
    let filter =
        tracing_subscriber::EnvFilter::try_new(format!("lsbridge={spec},warn")).map_err(|_| {
            Failure::usage(format!(
                "log level {spec:?} is not one of error, warn, info, debug, trace"
            ))
        })?;
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // No colour codes in a pipe or a log file.
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .try_init();
    Ok(())
}

/// Parses arguments and runs. Never panics on input; returns the process exit code.
pub fn main_with(args: Vec<std::ffi::OsString>) -> ExitCode {
    let json_asked = args_ask_for_json(&args);
    let cli = match Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(
                e.kind(),
                ErrorKind::DisplayHelp
                    | ErrorKind::DisplayVersion
                    | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
            ) {
                let _ = e.print();
                return ExitCode::from(
                    if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
                        exit::USAGE
                    } else {
                        exit::OK
                    },
                );
            }
            let line = format!("{} (see lsbridge --help)", error_line(&clap_one_line(&e)));
            if json_asked {
                outln!("{}", failure_document(&line, exit::USAGE, None));
            }
            errln!("error: {line}");
            return ExitCode::from(exit::USAGE);
        }
    };
    let json = cli.command.as_ref().is_some_and(Command::wants_json);
    let code = match run(cli) {
        Ok(code) => code,
        Err(f) => {
            let line = error_line(&f.message);
            if json {
                outln!("{}", failure_document(&line, f.code, f.json.as_ref()));
            }
            errln!("error: {line}");
            f.code
        }
    };
    let write_error = STDOUT_ERROR.lock().ok().and_then(|mut e| e.take());
    match write_error {
        Some(e) if code == exit::OK => {
            errln!("error: cannot write the output: {e}");
            ExitCode::from(exit::FAILURE)
        }
        _ => ExitCode::from(code),
    }
}

/// The error line: one line, and capped, since a message may quote input (each place that
/// quotes input cuts it to an excerpt; this is the net under all of them).
fn error_line(s: &str) -> String {
    crate::excerpt::cap_line(&one_line(s), 1000).into_owned()
}

/// One line whatever the message carries: a store's HTML error page has \r\n, and a bare
/// \r would overwrite the start of the line on a terminal.
fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// clap's error as one line. clap puts what matters on the lines after the first (the
/// missing arguments, a "tip:" naming a similar flag), so those are kept; the usage line
/// and the "For more information" hint are dropped.
fn clap_one_line(e: &clap::Error) -> String {
    let rendered = e.render().to_string();
    let mut head = String::new();
    let mut items = Vec::new();
    let mut tips = Vec::new();
    for line in rendered.lines().map(str::trim) {
        if line.starts_with("Usage:") || line.starts_with("For more information") {
            break;
        }
        if line.is_empty() {
            continue;
        }
        if head.is_empty() {
            head = line.trim_start_matches("error: ").to_string();
        } else if line.starts_with("tip:") {
            tips.push(line.to_string());
        } else {
            items.push(line.to_string());
        }
    }
    if head.is_empty() {
        head = "invalid arguments".to_string();
    }
    let mut out = head;
    if !items.is_empty() {
        out.push(' ');
        out.push_str(&items.join(", "));
    }
    for t in tips {
        out.push_str(&format!(" ({t})"));
    }
    out
}

pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::failed(format!("cannot start the async runtime: {e}")))
}

pub fn run(cli: Cli) -> Result<u8, Failure> {
    let default_level = match &cli.command {
        Some(Command::Sim(_)) => Some("info"),
        // The daemon logs every run's lines itself (stdout and its log file): not again on
        // stderr (under systemd both would land in the journal).
        Some(Command::Daemon(_)) => Some("warn,lsbridge::jobs::context=off"),
        _ => None,
    };
    if let Some(l) = &cli.log_level {
        check_log_level(l, "--log-level")?;
    }
    // The TUI owns the terminal: nothing may log to stderr under it.
    if !matches!(
        &cli.command,
        None | Some(Command::Demo(crate::cli::demo::DemoArgs {
            headless: false,
            ..
        }))
    ) {
        init_logging(cli.log_level.as_deref().or(default_level))?;
    }
    let tui_opts = crate::cli::tui::TuiArgs {
        theme: cli.theme.clone(),
        mouse: cli.mouse,
    };
    match cli.command {
        None => crate::cli::tui::run_tui(cli.data_dir, tui_opts),
        Some(Command::Demo(a)) => crate::cli::demo::run(cli.data_dir, a, tui_opts),
        Some(Command::Keys) => crate::cli::tui::print_keys(cli.data_dir),
        Some(Command::Sim(a)) => run_sim(a),
        Some(Command::Daemon(a)) => {
            let dir = store::resolve_data_dir(cli.data_dir)?;
            check_data_dir(&dir)?;
            daemon::run(a, &dir)
        }
        Some(Command::Connection(c)) => {
            let dir = store::resolve_data_dir(cli.data_dir)?;
            check_data_dir(&dir)?;
            run_connection(c, &dir)
        }
        Some(Command::Source(c)) => crate::cli::sources::run(*c, &data_store(cli.data_dir)?),
        Some(Command::Run(c)) => {
            let store = data_store(cli.data_dir)?;
            let rt = runtime()?;
            crate::cli::run::run(c, &store, &rt)
        }
        Some(Command::Export {
            source,
            format,
            out,
        }) => crate::cli::run::export(&data_store(cli.data_dir)?, &source, format, out),
        Some(Command::Bench(BenchCmd::Primary(a))) => {
            crate::cli::bench::run(a, cli.data_dir, &runtime()?)
        }
        Some(Command::Config(c)) => run_config(c, &data_store(cli.data_dir)?),
        Some(Command::Template(c)) => {
            crate::cli::templates::run_template(c, &data_store(cli.data_dir)?)
        }
        Some(Command::MappingSet(c)) => {
            crate::cli::templates::run_mapping_set(c, &data_store(cli.data_dir)?)
        }
        Some(Command::Fr(c)) => crate::cli::frs::run(c, &data_store(cli.data_dir)?),
        Some(Command::Runs { id, source, limit }) => {
            run_runs(&data_store(cli.data_dir)?, id, source.as_deref(), limit)
        }
    }
}

fn run_runs(
    store: &Store,
    id: Option<u64>,
    source: Option<&str>,
    limit: usize,
) -> Result<u8, Failure> {
    let runs = crate::jobs::Runs::open(store)?;
    let line = |r: &crate::jobs::RunRecord| {
        format!(
            "{:>10}  {:9}  {:12}  {}  {:?}{}  {}",
            r.id,
            r.kind,
            r.source,
            r.started_at,
            r.outcome,
            if r.dry_run { " (dry run)" } else { "" },
            r.message
        )
    };
    match id {
        Some(id) => {
            let r = runs
                .get(id)?
                .ok_or_else(|| Failure::usage(format!("no run {id}: see lsbridge runs")))?;
            outln!("{}", line(&r));
            for l in runs.lines(id)? {
                outln!("  {} {:?} {}", l.at, l.level, l.line);
            }
        }
        None => {
            let list: Vec<_> = runs
                .recent(usize::MAX)?
                .into_iter()
                .filter(|r| source.is_none_or(|s| r.source == s))
                .take(limit)
                .collect();
            if list.is_empty() {
                outln!("no runs yet: start one with lsbridge run primary --source NAME");
            }
            for r in &list {
                outln!("{}", line(r));
            }
        }
    }
    Ok(exit::OK)
}

fn run_config(c: ConfigCmd, store: &Store) -> Result<u8, Failure> {
    use crate::config_file::{self, ConfigError};
    let fail = |e: ConfigError| match e {
        ConfigError::Store(_) => Failure::failed(e),
        _ => Failure::usage(e),
    };
    match c {
        ConfigCmd::Export { out } => {
            let text = config_file::export(store).map_err(fail)?;
            match out {
                Some(p) => std::fs::write(&p, text)
                    .map_err(|e| Failure::usage(format!("cannot write {}: {e}", p.display())))?,
                None => out!("{text}"),
            }
            Ok(exit::OK)
        }
        ConfigCmd::Import {
            file,
            allow_unknown,
        } => {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| Failure::usage(format!("cannot read {}: {e}", file.display())))?;
            for line in config_file::import_with(store, &text, allow_unknown).map_err(fail)? {
                outln!("{line}");
            }
            Ok(exit::OK)
        }
    }
}

/// Resolves, checks and opens the data dir.
pub(crate) fn data_store(cli: Option<PathBuf>) -> Result<Store, Failure> {
    let dir = store::resolve_data_dir(cli)?;
    check_data_dir(&dir)?;
    open_store(&dir)
}

/// A data dir that is (or lies under) a regular file cannot work: say which, instead of
/// the OS's "File exists" / "Not a directory".
pub(crate) fn check_data_dir(dir: &std::path::Path) -> Result<(), Failure> {
    for p in dir.ancestors().filter(|p| !p.as_os_str().is_empty()) {
        match std::fs::metadata(p) {
            Ok(m) if m.is_dir() => return Ok(()),
            Ok(_) => {
                let what = if p == dir {
                    "is a file, not a directory".to_string()
                } else {
                    format!("is under {}, which is a file", p.display())
                };
                return Err(Failure::usage(format!(
                    "the data dir {} {what}: pass --data-dir with a directory (it is created if missing)",
                    dir.display()
                )));
            }
            Err(_) => continue,
        }
    }
    Ok(())
}

fn open_store(dir: &std::path::Path) -> Result<Store, Failure> {
    Store::open(dir).map_err(|e| match e {
        store::StoreError::Locked { .. } if crate::backend::answers(dir) => Failure::failed(format!(
            "the data dir {} is in use by the lsbridge daemon: stop the daemon (systemctl --user stop lsbridge, or kill -TERM {}) to use this command, or use the TUI (lsbridge), which attaches to the daemon",
            dir.display(),
            crate::daemon::running_pid(dir).map_or("its pid".to_string(), |p| p.to_string())
        )),
        e => Failure::from(e),
    })
}

fn read_token_stdin() -> Result<String, Failure> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Failure::usage(format!("cannot read the token from stdin: {e}")))?;
    Ok(line.trim().to_string())
}

fn run_connection(cmd: ConnectionCmd, dir: &std::path::Path) -> Result<u8, Failure> {
    match cmd {
        ConnectionCmd::Add {
            name,
            domain_prefix,
            token,
            api_version,
            api_root,
        } => {
            let token = if token == "-" {
                read_token_stdin()?
            } else {
                token
            };
            let (c, notices) = Connection::build(NewConnection {
                name,
                domain_prefix,
                token,
                api_version: Some(api_version),
                api_root,
            })?;
            for n in notices {
                errln!("note: {n}");
            }
            let store = open_store(dir)?;
            Connections::open(&store)?.add(&c)?;
            outln!(
                "added connection {:?} → {} (token {}); check it with: lsbridge connection test {}",
                c.name,
                c.endpoint(),
                c.token.masked(),
                shell_word(&c.name)
            );
            Ok(exit::OK)
        }
        ConnectionCmd::List { json } => {
            let store = open_store(dir)?;
            let list = Connections::open(&store)?.list()?;
            if json {
                let rows: Vec<serde_json::Value> = list
                    .iter()
                    .map(|c| {
                        serde_json::json!({
                            "name": c.name, "domain_prefix": c.domain_prefix,
                            "endpoint": c.endpoint(), "token": c.token.masked(),
                            "api_version": c.api_version,
                        })
                    })
                    .collect();
                outln!("{}", serde_json::Value::Array(rows));
            } else if list.is_empty() {
                outln!("no connections yet: add one with lsbridge connection add --name NAME --domain-prefix PREFIX --token env:VAR");
            } else {
                let w = list.iter().map(|c| c.name.len()).max().unwrap_or(4).max(4);
                outln!("{:w$}  {:20}  {:8}  ENDPOINT", "NAME", "PREFIX", "TOKEN");
                for c in &list {
                    outln!(
                        "{:w$}  {:20}  {:8}  {}",
                        c.name,
                        c.domain_prefix,
                        c.token.masked(),
                        c.endpoint()
                    );
                }
            }
            Ok(exit::OK)
        }
        ConnectionCmd::Remove { name } => {
            let store = open_store(dir)?;
            Connections::open(&store)?.get(&name)?;
            // The engine's rule (shared with the TUI): not while sources use it.
            crate::engine::Engine::new(store, crate::engine::EngineOptions::default())
                .remove_connection(&name)
                .map_err(Failure::failed)?;
            outln!("removed connection {name:?}");
            Ok(exit::OK)
        }
        ConnectionCmd::Set {
            name,
            new_name,
            domain_prefix,
            token,
            token_stdin,
            force,
        } => {
            let token = match (token, token_stdin) {
                (_, true) => Some(read_token_stdin()?),
                (Some(t), false) if t == "-" => Some(read_token_stdin()?),
                (t, false) => t,
            };
            let change = crate::connections::ConnectionChange {
                name: new_name,
                domain_prefix,
                token,
            };
            if change == crate::connections::ConnectionChange::default() {
                return Err(Failure::usage(
                    "nothing to change: give --name, --domain-prefix, --token or --token-stdin",
                ));
            }
            let store = open_store(dir)?;
            // Bad input is refused here with its own exit code, before any request.
            let (_, notices) = Connections::open(&store)?
                .get(&name)?
                .with_change(&change)?;
            for n in notices {
                errln!("note: {n}");
            }
            let engine = crate::engine::Engine::new(store, crate::engine::EngineOptions::default());
            let answer =
                runtime()?.block_on(engine.handle(crate::engine::Request::SetConnection {
                    name: name.clone(),
                    change,
                    force,
                }));
            match answer {
                crate::engine::Response::ConnectionSaved(c, lines) => {
                    outln!(
                        "saved connection {:?} → {} (token {})",
                        c.name,
                        c.endpoint,
                        c.token_masked
                    );
                    for l in lines {
                        outln!("  {l}");
                    }
                    Ok(exit::OK)
                }
                crate::engine::Response::ConnectionTestFailed(why) => Err(Failure::failed(format!(
                    "connection {name:?} not changed: Test Connection of the change failed: {why}; fix it, or pass --force to save it anyway"
                ))),
                crate::engine::Response::Error(e) => Err(Failure::failed(e)),
                other => Err(Failure::failed(format!("unexpected answer: {other:?}"))),
            }
        }
        ConnectionCmd::Test {
            name,
            json,
            timeout,
        } => {
            let store = open_store(dir)?;
            let c = Connections::open(&store)?.get(&name)?;
            drop(store);
            // What a passed test found, for the Connections pane.
            let mut found = None;
            let tested = (|| -> Result<u8, Failure> {
                let rt = runtime()?;
                // What the client is doing when the time is up: waiting out a 429 is not
                // the same as a store that does not answer.
                let (notices, mut heard) = tokio::sync::mpsc::unbounded_channel();
                let opts = ClientOptions {
                    retry: RetryPolicy {
                        max_attempts: 2,
                        base: Duration::from_millis(200),
                        max_delay: Duration::from_secs(2),
                    },
                    timeout: Duration::from_secs(timeout.max(1)),
                    notices: Some(notices),
                    ..ClientOptions::default()
                };
                let client = c.client(opts)?;
                let report = rt
                    .block_on(async {
                        tokio::time::timeout(
                            Duration::from_secs(timeout.max(1)),
                            probe::test_connection(&client),
                        )
                        .await
                    })
                    .map_err(|_| {
                        let mut last = None;
                        while let Ok(n) = heard.try_recv() {
                            last = Some(n);
                        }
                        Failure::failed(format!(
                            "connection {name:?}: {}",
                            say_out_of_time(last, &c.endpoint(), timeout, SystemTime::now())
                        ))
                    })?
                    .map_err(|e| Failure::failed(format!("connection {name:?}: {e}")))?;
                let missing = report.missing_scopes();
                if missing.is_empty() {
                    found = Some(report.clone());
                }
                let lacks = (!missing.is_empty()).then(|| {
                    format!(
                        "connection {name:?}: the token lacks {}: create a personal token for a user with those permissions and re-add the connection",
                        missing.join(", ")
                    )
                });
                if json {
                    let mut doc = match serde_json::to_value(&report) {
                        Ok(serde_json::Value::Object(m)) => m,
                        _ => serde_json::Map::new(),
                    };
                    if let Some(lacks) = lacks {
                        // One document: the report inside the failure.
                        return Err(Failure::failed(lacks).with_json(doc));
                    }
                    doc.insert("ok".into(), true.into());
                    outln!("{}", serde_json::Value::Object(doc));
                    return Ok(exit::OK);
                } else {
                    outln!(
                        "connected to {:?} ({}) at {}",
                        report.store_name,
                        report.domain_prefix.as_deref().unwrap_or(&c.domain_prefix),
                        c.endpoint()
                    );
                    let n = |x: Option<usize>| x.map_or("?".to_string(), |v| v.to_string());
                    outln!(
                        "  outlets: {}   registers: {}",
                        n(report.outlets),
                        n(report.registers)
                    );
                    match (report.rate_remaining, report.rate_limit) {
                        (Some(r), Some(l)) => {
                            outln!("  rate limit: {r} of {l} requests left in this 300 s window")
                        }
                        _ => outln!("  rate limit: not reported by the store"),
                    }
                    for s in &report.scopes {
                        let state = match s.state {
                            ScopeState::Ok => "ok",
                            ScopeState::Missing => "MISSING",
                            ScopeState::NotChecked => "not checked (confirmed on first use)",
                        };
                        outln!("  {:20} {:40} {}", s.scope, s.purpose, state);
                    }
                }
                match lacks {
                    Some(lacks) => Err(Failure::failed(lacks)),
                    None => Ok(exit::OK),
                }
            })();
            // The status page's "Connected" reads this.
            let mut c = c;
            c.last_test = Some(crate::connections::LastTest {
                at: crate::clock::rfc3339(SystemTime::now()),
                ok: tested.is_ok(),
                summary: match &tested {
                    Ok(_) => "passed".to_string(),
                    Err(f) => f.message.clone(),
                },
                report: found,
            });
            let store = open_store(dir)?;
            Connections::open(&store)?.save(&c)?;
            tested
        }
    }
}

/// Why `connection test` ran out of time, from the client's last notice: still waiting out a
/// store's 429 (or having just done so) is "rate limited", anything else a timeout.
fn say_out_of_time(
    last: Option<crate::lightspeed::error::ClientNotice>,
    endpoint: &str,
    timeout: u64,
    now: SystemTime,
) -> String {
    use crate::lightspeed::error::ClientNotice;
    // A wait that ended this recently means the request after it is the store's quick next
    // answer in flight, not a store that fell silent.
    const JUST_ENDED: Duration = Duration::from_secs(2);
    match last {
        Some(ClientNotice::WaitingForRateLimit { until }) if until + JUST_ENDED > now => {
            let t = chrono::DateTime::<chrono::Utc>::from(until).format("%H:%M:%S UTC");
            format!(
                "rate limited until {t}: the store at {endpoint} answered, but its rate limit holds requests until then and {timeout}s were up; try again after that, or raise --timeout"
            )
        }
        _ => format!(
            "no answer from {endpoint} within {timeout}s (timed out): check the network or raise --timeout"
        ),
    }
}

fn shell_word(s: &str) -> String {
    if s.chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

fn parse_token_spec(s: &str) -> Result<TokenSpec, Failure> {
    let (token, scopes) = match s.split_once('=') {
        Some((t, sc)) => (
            t,
            Some(
                sc.split(',')
                    .map(str::trim)
                    .filter(|x| !x.is_empty())
                    .map(str::to_string)
                    .collect(),
            ),
        ),
        None => (s, None),
    };
    if token.trim().is_empty() {
        return Err(Failure::usage(
            "--token needs a value: TOKEN or TOKEN=scope1,scope2",
        ));
    }
    Ok(TokenSpec {
        token: token.trim().to_string(),
        scopes,
    })
}

pub fn sim_config(a: &SimArgs) -> Result<SimConfig, Failure> {
    let store: StoreSpec = a.store.parse().map_err(Failure::usage)?;
    let mut faults = Faults::default();
    faults.parse_kv(&a.faults).map_err(Failure::usage)?;
    let duplicate_sale: DuplicateSale = a.duplicate_sale.parse().map_err(Failure::usage)?;
    let before_bound: BeforeBound = a.before_bound.parse().map_err(Failure::usage)?;
    let stock_moves: sim::StockMoves = a.stock_moves.parse().map_err(Failure::usage)?;
    let scope = match a.rate_scope.as_str() {
        "per-token" => RateScope::PerToken,
        "per-store" => RateScope::PerStore,
        other => {
            return Err(Failure::usage(format!(
                "--rate-scope {other:?}: expected per-token or per-store"
            )))
        }
    };
    if !(a.time_scale.is_finite() && a.time_scale > 0.0 && a.time_scale <= 100_000.0) {
        return Err(Failure::usage(
            "--time-scale must be a number above 0 and at most 100000",
        ));
    }
    let clock: SharedClock = if (a.time_scale - 1.0).abs() < f64::EPSILON {
        clock::system()
    } else {
        Arc::new(ScaledClock::new(SystemTime::now(), a.time_scale))
    };
    let mut tokens = Vec::new();
    for t in &a.tokens {
        tokens.push(parse_token_spec(t)?);
    }
    if tokens.is_empty() {
        tokens.push(TokenSpec {
            token: sim::config::DEFAULT_TOKEN.into(),
            scopes: None,
        });
    }
    Ok(SimConfig {
        store,
        tokens,
        rate_limit: (!a.no_rate_limit).then(|| RateLimit {
            limit: a.rate_limit,
            scope,
            ..RateLimit::default()
        }),
        page_size_cap: a.page_cap.max(1),
        refuse_page_size: a
            .refuse_page_size_above
            .as_deref()
            .map(str::parse)
            .transpose()
            .map_err(Failure::usage)?,
        duplicate_sale,
        before_bound,
        stock_moves,
        faults,
        clock,
        seed: a.seed,
        ..SimConfig::default()
    })
}

fn run_sim(a: SimArgs) -> Result<u8, Failure> {
    let cfg = sim_config(&a)?;
    let ip: std::net::IpAddr = a.bind.parse().map_err(|_| {
        Failure::usage(format!(
            "--bind {:?} is not an IP address: use e.g. 127.0.0.1, 0.0.0.0 or ::1",
            a.bind
        ))
    })?;
    let addr = SocketAddr::new(ip, a.port);
    let rt = runtime()?;
    rt.block_on(async move {
        let store_desc = a.store.clone();
        let handle = sim::SimHandle::start_on(cfg, addr)
            .await
            .map_err(Failure::failed)?;
        let summary = handle.with_store(|s, _| s.summary());
        // First line is machine-readable: tests and scripts read the origin from it. A reader
        // that closes the pipe after that line must not take the simulator down.
        let mut out = std::io::stdout();
        let _ = writeln!(out, "listening on {}", handle.origin());
        let _ = writeln!(
            out,
            "lsbridge sim: store {store_desc} ({} products, {} registers); API at {}/api/2026-07; Ctrl-C to stop",
            summary["products"], summary["registers"], handle.origin()
        );
        let _ = std::io::stdout().flush();
        wait_for_shutdown().await;
        handle.stop().await;
        Ok(exit::OK)
    })
}

async fn wait_for_shutdown() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let term = signal(SignalKind::terminate());
        let hup = signal(SignalKind::hangup());
        if let (Ok(mut term), Ok(mut hup)) = (term, hup) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
                _ = hup.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

/// Whether stdout is a terminal (progress bars) or a pipe (plain lines).
pub fn stdout_is_tty() -> bool {
    std::io::stdout().is_terminal()
}
