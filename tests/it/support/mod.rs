//! Shared test helpers, compiled once for the one integration-test binary (`tests/it/main.rs`).
pub mod canned;
pub mod daemon;
pub mod engine;
pub mod lying;
pub mod procs;
pub mod schema;
pub mod simkit;
pub mod tui;
