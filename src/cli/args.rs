//! The command line's shape: clap's structs for every command.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::cli::daemon;

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
        format: crate::cli::export::ExportFormat,
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
    /// Remove a connection.
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
    #[arg(long, value_enum, default_value_t = crate::sim::RateScope::PerToken)]
    pub rate_scope: crate::sim::RateScope,
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
    #[arg(long, value_enum, default_value_t = crate::sim::DuplicateSale::Update)]
    pub duplicate_sale: crate::sim::DuplicateSale,
    /// Whether a list's `before` includes that version: inclusive or exclusive (the spec
    /// does not say).
    #[arg(long, value_enum, default_value_t = crate::sim::BeforeBound::Inclusive)]
    pub before_bound: crate::sim::BeforeBound,
    /// When a sale takes stock out: on-close, or on-create (a pending sale too; the docs do
    /// not say).
    #[arg(long, value_enum, default_value_t = crate::sim::StockMoves::OnClose)]
    pub stock_moves: crate::sim::StockMoves,
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
}

impl Command {
    /// Whether the command was asked for machine output: then its failures are printed on
    /// stdout as a JSON document too (see [`crate::cli::output`]).
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
