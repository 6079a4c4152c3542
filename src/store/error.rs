//! The one error type of the store. Every `Display` is a single line a user can act on: messages end up in
//! a status bar or a one-line CLI error, so anything that might carry a newline (paths, io/sled/serde
//! messages) goes through `one_line`.

use std::fmt::Display;
use std::io;
use std::path::PathBuf;

use sled::transaction::TransactionError;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another process (or another `Store` in this process) holds sled's exclusive file lock.
    #[error(
        "the data dir {} is in use by another lsbridge process (a running daemon or TUI); stop it, or pass --data-dir to use another one",
        one_line(.dir.display())
    )]
    Locked { dir: PathBuf },

    /// A stored value (or key) could not be decoded. `key` is rendered with [`crate::store::keys::display_key`].
    #[error("corrupt record in tree {tree} at key {key}: {}", one_line(.why))]
    Corrupt {
        tree: String,
        key: String,
        why: String,
    },

    /// The database schema is newer than this build understands.
    #[error("this database was written by a newer lsbridge (schema {found}, this build supports up to {supported}); upgrade lsbridge")]
    Newer { found: u32, supported: u32 },

    /// No `--data-dir`, no `LSBRIDGE_DATA_DIR` and no platform data directory (no home directory).
    #[error("cannot determine a data directory (no --data-dir, LSBRIDGE_DATA_DIR is unset and no home directory was found); pass --data-dir DIR or set LSBRIDGE_DATA_DIR")]
    NoDataDir,

    /// A value could not be serialised (e.g. a map with non-string keys). A programming error, not disk data.
    #[error("cannot encode a record for tree {tree}: {}", one_line(.why))]
    Encode { tree: String, why: String },

    /// Filesystem error on a path the store manages (creating the dir, fixing permissions).
    #[error("I/O error on {}: {}", one_line(.path.display()), one_line(.source))]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },

    /// Any other error reported by sled (I/O inside sled, its own corruption detection, …).
    #[error("database error: {}", one_line(.0))]
    Sled(#[source] sled::Error),
}

impl StoreError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: io::Error) -> Self {
        StoreError::Io {
            path: path.into(),
            source,
        }
    }
}

impl From<sled::Error> for StoreError {
    fn from(e: sled::Error) -> Self {
        StoreError::Sled(e)
    }
}

/// Lets callers of multi-tree transactions write `(a, b).transaction(|…| …).map_err(StoreError::from)` and
/// abort with `ConflictableTransactionError::Abort(store_error)`.
impl From<TransactionError<StoreError>> for StoreError {
    fn from(e: TransactionError<StoreError>) -> Self {
        match e {
            TransactionError::Abort(e) => e,
            TransactionError::Storage(e) => StoreError::Sled(e),
        }
    }
}

/// Renders `d` with line breaks (and other control characters) replaced by spaces.
pub(crate) fn one_line(d: impl Display) -> String {
    d.to_string()
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}
