//! `lsbridge daemon`: its arguments, and the exit code its outcome becomes.

use std::path::Path;
use std::time::Duration;

use clap::Args;

use crate::cli::{exit, Failure};
use crate::daemon::{self, DaemonError, Settings};
use crate::engine::EngineOptions;

#[derive(Debug, Clone, Args)]
pub struct DaemonArgs {
    /// On SIGTERM/SIGHUP, wait this many seconds for running jobs to reach a page boundary
    /// before exiting anyway (they resume from their last checkpoint).
    #[arg(long, default_value_t = 60, value_name = "SECS", value_parser = clap::value_parser!(u64).range(0..=86_400))]
    pub stop_timeout: u64,
}

/// `lsbridge daemon`: runs until SIGTERM, SIGHUP or Ctrl-C.
pub fn run(args: DaemonArgs, data_dir: &Path) -> Result<u8, Failure> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::failed(format!("cannot start the async runtime: {e}")))?;
    let settings = Settings {
        stop_timeout: Duration::from_secs(args.stop_timeout),
    };
    let r = rt.block_on(daemon::run(data_dir, &settings, EngineOptions::default()));
    rt.shutdown_timeout(Duration::from_secs(5));
    match r {
        Ok(()) => Ok(exit::OK),
        Err(DaemonError::Config(m)) => Err(Failure::usage(m)),
        Err(DaemonError::Store(e)) => Err(Failure::from(e)),
        Err(DaemonError::Failed(m)) => Err(Failure::failed(m)),
    }
}
