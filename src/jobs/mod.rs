//! Jobs: Get Inventory (Primary) and (Secondary), and Send FRs. Jobs fetch through the client, map
//! through a compiled template, persist to the store page by page with a checkpoint after
//! each committed page, and report through events.

pub mod checkpoint;
pub mod commit;
pub mod context;
pub mod counts;
pub mod events;
mod page_writer;
pub mod primary;
pub mod runs;
pub mod sale_money;
pub mod secondary;
pub mod send_frs;
mod sku_filter;
pub mod source_record;

pub use context::{JobCtx, PanicPoint};
pub use counts::Counts;
pub use events::{Events, JobEvent};
pub use runs::{Outcome, RunRecord, Runs};

/// Why a job could not run or stopped.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error(transparent)]
    Api(#[from] crate::lightspeed::ApiError),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error("{0}")]
    Setup(String),
    /// A task of the job panicked: the run failed, and nothing after the panic (archiving
    /// above all) happened.
    #[error("the run stopped on an internal error ({0}); nothing was archived; run again to resume, and report it if it repeats")]
    Panicked(String),
}
