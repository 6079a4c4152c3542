//! Fulfillment requests (FRs): orders to be sent to a Lightspeed store as register sales.
//!
//! - [`model`]: the FR, its addresses, lines and status, and its Send FRs source record;
//! - [`status`]: the state machine, one table of legal moves;
//! - [`repo`]: [`Frs`], the FRs and their timelines in the store;
//! - [`intake`]: JSON and CSV files into FRs, record by record, never importing an FR number twice;
//! - [`inbox`]: a watched folder of such files;
//! - [`query`]: searching (number, customer, SKU) and sorting FR lists;
//! - [`commit`]: Commit Stock, the units each FR holds back from sale;
//! - [`messages`]: every user-facing string of the above.

pub mod commit;
pub mod inbox;
pub mod intake;
pub mod messages;
pub mod model;
pub mod query;
pub mod repo;
pub mod status;

pub use inbox::{process_inbox, FileOutcome, InboxFile, InboxReport};
pub use intake::{
    auto_processes, import_bytes, import_file, Format, ImportReport, Rejection,
    GLOBAL_AUTO_PROCESSING,
};
pub use messages::{FrError, InboxError, IntakeError};
pub use model::{
    fr_source_record, parse_time, Fr, FrAddress, FrItem, FrStatus, LineState, MAX_FR_NUMBER_LEN,
};
pub use repo::{kind, FrEvent, Frs};
pub use status::{is_allowed, next_states, transition, TRANSITIONS};
