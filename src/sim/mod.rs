//! A local, spec-faithful stand-in for a Lightspeed X-Series store: the endpoints lsbridge
//! uses, version cursors, soft deletes, scopes, the documented rate limit, a controllable
//! clock, switchable faults and live mutations. Runs in-process (tests, `lsbridge demo`) or
//! as `lsbridge sim`.

pub mod config;
pub mod fixtures;
pub mod ratelimit;
pub mod reply;
pub mod routes;
pub mod sales;
pub mod server;
pub mod state;
pub mod synthetic;
pub mod table;

pub use config::{
    BeforeBound, DuplicateSale, Fault, Faults, PageSizeRefusal, RateLimit, RateScope, SimConfig,
    StoreSpec, TokenSpec,
};
pub use server::{Exchange, SimHandle};
pub use state::{Mutation, SimStore};
