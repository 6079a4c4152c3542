//! The CLI as a client of [`Backend`], like the TUI: attached to the daemon when one answers
//! on the data dir, else the engine in this process on the store opened here.

use std::path::{Path, PathBuf};

use crate::backend::{Backend, ConnectError};
use crate::cli::Failure;
use crate::engine::{EngineOptions, Request, Response};
use crate::store::{Store, StoreError};

pub struct Session {
    pub rt: tokio::runtime::Runtime,
    pub backend: Backend,
    pub dir: PathBuf,
}

impl Session {
    /// Resolves and checks the data dir, then attaches or opens the store.
    pub fn open(data_dir: Option<PathBuf>, opts: EngineOptions) -> Result<Session, Failure> {
        let dir = crate::store::resolve_data_dir(data_dir)?;
        crate::cli::check_data_dir(&dir)?;
        let rt = crate::cli::runtime()?;
        let backend = rt
            .block_on(crate::backend::connect_backend(&dir, opts))
            .map_err(|e| match e {
                ConnectError::Store(e) => crate::cli::store_failure(&dir, e),
                e => Failure::failed(e),
            })?;
        Ok(Session { rt, backend, dir })
    }

    /// Asks the engine; its error becomes a failure: input the engine refused (a bad
    /// setting, template or field, a name that does not exist) exits 2 like any bad input,
    /// anything else 1.
    pub fn call(&self, req: Request) -> Result<Response, Failure> {
        use crate::engine::EngineError as E;
        match self.rt.block_on(self.backend.call(req)) {
            Response::Error(
                e @ (E::InvalidTemplate { .. }
                | E::InvalidSource { .. }
                | E::Rejected { .. }
                | E::NotFound { .. }),
            ) => Err(Failure::usage(e)),
            Response::Error(e) => Err(Failure::failed(e)),
            r => Ok(r),
        }
    }

    pub fn attached(&self) -> bool {
        matches!(self.backend, Backend::Remote(_))
    }

    /// The store, for commands that still read it directly: only in-process.
    pub fn store(&self) -> Result<&Store, Failure> {
        match &self.backend {
            Backend::Local(e) => Ok(e.store()),
            Backend::Remote(_) => Err(in_use(&self.dir)),
        }
    }
}

/// A command that cannot go through the daemon yet.
fn in_use(dir: &Path) -> Failure {
    crate::cli::store_failure(
        dir,
        StoreError::Locked {
            dir: dir.to_path_buf(),
        },
    )
}

/// An answer of another shape than the request's: a protocol mismatch.
pub fn unexpected(what: &str, r: &Response) -> Failure {
    Failure::failed(format!(
        "the engine answered {what} with {}: run the same lsbridge version for the daemon and the CLI",
        crate::excerpt::excerpt_n(&format!("{r:?}"), 120)
    ))
}
