//! lsbridge: Lightspeed Retail (X-Series) as a source, from the terminal.
//!
//! Data flows one way: [`lightspeed`] fetches, `mapping` transforms, [`store`] persists, and
//! jobs emit events that the TUI renders. [`sim`] is a local, spec-faithful stand-in for a
//! store, used by tests, benchmarks and the demo.

pub mod backend;
pub mod cli;
pub mod clock;
pub mod config_file;
pub mod connections;
pub mod daemon;
pub mod engine;
pub mod excerpt;
pub mod frs;
pub mod jobs;
pub mod lightspeed;
pub mod mapping;
pub mod pool;
pub mod secret;
pub mod sim;
pub mod source;
pub mod store;
pub mod templates;
pub mod tui;
