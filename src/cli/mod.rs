//! Command-line interface. Every failure ends in one line on stderr that says what to do,
//! and a documented exit code.

use std::io::{BufRead, IsTerminal, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::SystemTime;

use clap::Parser;

use crate::clock::{self, ScaledClock, SharedClock};
use crate::engine::api as engine_api;
use crate::sim::{self, Faults, RateLimit, SimConfig, StoreSpec, TokenSpec};
use crate::store;

#[macro_use]
pub mod output;

pub mod args;
pub mod bench;
pub mod connection;
pub mod daemon;
pub mod demo;
pub mod export;
pub mod frs;
pub mod missing;
pub mod run;
pub mod session;
pub mod sources;
pub mod templates;
pub mod tui;

/// Exit codes (also in the README).
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

pub use args::{BenchCmd, Cli, Command, ConfigCmd, ConnectionCmd, SimArgs};
pub use output::Failure;
use output::{args_ask_for_json, failure_document, STDOUT_ERROR};

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
        Some(Command::Connection(c)) => connection::run(c, cli.data_dir),
        Some(Command::Source(c)) => {
            let s = session(cli.data_dir)?;
            if s.attached() {
                crate::cli::sources::run_attached(*c, &s)
            } else {
                crate::cli::sources::run(*c, s.store()?)
            }
        }
        Some(Command::Run(c)) => crate::cli::run::run(c, cli.data_dir),
        Some(Command::Export {
            source,
            format,
            out,
        }) => crate::cli::export::export(&session(cli.data_dir)?, &source, format, out),
        Some(Command::Bench(BenchCmd::Primary(a))) => {
            crate::cli::bench::run(a, cli.data_dir, &runtime()?)
        }
        Some(Command::Config(c)) => run_config(c, &session(cli.data_dir)?),
        Some(Command::Template(c)) => {
            crate::cli::templates::run_template(c, &session(cli.data_dir)?)
        }
        Some(Command::MappingSet(c)) => {
            crate::cli::templates::run_mapping_set(c, &session(cli.data_dir)?)
        }
        Some(Command::Fr(c)) => {
            let s = session(cli.data_dir)?;
            if s.attached() {
                crate::cli::frs::run_attached(c, &s)
            } else {
                crate::cli::frs::run(c, s.store()?)
            }
        }
        Some(Command::Runs { id, source, limit }) => {
            run_runs(&session(cli.data_dir)?, id, source, limit)
        }
    }
}

fn run_runs(
    session: &session::Session,
    id: Option<u64>,
    source: Option<String>,
    limit: usize,
) -> Result<u8, Failure> {
    use engine_api::{Request, Response};
    let line = |r: &crate::jobs::RunRecord| {
        format!(
            "{:>10}  {:9}  {:12}  {}  {:?}{}  {}",
            r.id,
            r.kind.key(),
            r.source,
            r.started_at,
            r.outcome,
            if r.dry_run { " (dry run)" } else { "" },
            r.message
        )
    };
    let runs = |source: Option<String>, limit: usize| match session
        .call(Request::Runs { source, limit })?
    {
        Response::Runs(list) => Ok(list),
        other => Err(session::unexpected("Runs", &other)),
    };
    match id {
        Some(id) => {
            let r = runs(None, usize::MAX)?
                .into_iter()
                .find(|r| r.id == id)
                .ok_or_else(|| Failure::usage(format!("no run {id}: see lsbridge runs")))?;
            outln!("{}", line(&r));
            let lines = match session.call(Request::RunLog { run: id })? {
                Response::Log(l) => l,
                other => return Err(session::unexpected("RunLog", &other)),
            };
            for l in lines {
                outln!("  {} {:?} {}", l.at, l.level, l.line);
            }
        }
        None => {
            let list = runs(source, limit)?;
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

/// In-process straight on the store (its refusals are the user's to fix: exit 2); attached
/// through the daemon's engine.
fn run_config(c: ConfigCmd, session: &session::Session) -> Result<u8, Failure> {
    use crate::config_file::{self, ConfigError};
    use engine_api::{Request, Response};
    let fail = |e: ConfigError| match e {
        ConfigError::Store(_) => Failure::failed(e),
        _ => Failure::usage(e),
    };
    match c {
        ConfigCmd::Export { out } => {
            let text = if session.attached() {
                match session.call(Request::ExportConfig)? {
                    Response::Text(t) => t,
                    other => return Err(session::unexpected("ExportConfig", &other)),
                }
            } else {
                config_file::export(session.store()?).map_err(fail)?
            };
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
            let lines = if session.attached() {
                match session.call(Request::ImportConfig {
                    text,
                    allow_unknown,
                })? {
                    Response::Lines(l) => l,
                    other => return Err(session::unexpected("ImportConfig", &other)),
                }
            } else {
                config_file::import_with(session.store()?, &text, allow_unknown).map_err(fail)?
            };
            for line in lines {
                outln!("{line}");
            }
            Ok(exit::OK)
        }
    }
}

/// Attaches to the daemon of the data dir, or opens its store here.
pub(crate) fn session(cli: Option<PathBuf>) -> Result<session::Session, Failure> {
    session::Session::open(cli, crate::engine::EngineOptions::default())
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

/// A store that cannot be opened, as one line (a daemon's lock names the daemon).
pub(crate) fn store_failure(dir: &std::path::Path, e: store::StoreError) -> Failure {
    match e {
        store::StoreError::Locked { .. } if crate::backend::answers(dir) => Failure::failed(format!(
            "the data dir {} is in use by the lsbridge daemon: stop the daemon (systemctl --user stop lsbridge, or kill -TERM {}) to use this command, or use the TUI (lsbridge), which attaches to the daemon",
            dir.display(),
            crate::daemon::running_pid(dir).map_or("its pid".to_string(), |p| p.to_string())
        )),
        e => Failure::from(e),
    }
}

pub(crate) fn read_token_stdin() -> Result<String, Failure> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Failure::usage(format!("cannot read the token from stdin: {e}")))?;
    Ok(line.trim().to_string())
}

pub(crate) fn shell_word(s: &str) -> String {
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
    let duplicate_sale = a.duplicate_sale;
    let before_bound = a.before_bound;
    let stock_moves = a.stock_moves;
    let scope = a.rate_scope;
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
