//! Where the data dir is: `--data-dir`, else `$LSBRIDGE_DATA_DIR`, else the platform data dir
//! (`~/.local/share/lsbridge` on Linux, honouring `$XDG_DATA_HOME`).

use std::ffi::OsString;
use std::path::PathBuf;

use super::error::StoreError;

/// Environment variable overriding the platform data dir (ignored when empty).
pub const DATA_DIR_ENV: &str = "LSBRIDGE_DATA_DIR";

/// Resolve the data dir from the CLI flag, the environment and the platform default.
pub fn resolve_data_dir(cli: Option<PathBuf>) -> Result<PathBuf, StoreError> {
    resolve_data_dir_with(cli, std::env::var_os(DATA_DIR_ENV), platform_data_dir())
}

/// Pure precedence rule: `cli` (non-empty) > `env` (non-empty) > `platform` > [`StoreError::NoDataDir`].
/// Relative paths are returned as given (relative to the working directory).
pub fn resolve_data_dir_with(
    cli: Option<PathBuf>,
    env: Option<OsString>,
    platform: Option<PathBuf>,
) -> Result<PathBuf, StoreError> {
    if let Some(p) = cli.filter(|p| !p.as_os_str().is_empty()) {
        return Ok(p);
    }
    if let Some(e) = env.filter(|e| !e.is_empty()) {
        return Ok(PathBuf::from(e));
    }
    platform.ok_or(StoreError::NoDataDir)
}

/// The platform data dir for lsbridge, if a home directory can be determined.
pub fn platform_data_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("app", "lsbridge", "lsbridge")
        .map(|d| d.data_dir().to_path_buf())
}
