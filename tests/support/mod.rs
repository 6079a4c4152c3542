//! Shared test helpers. Each integration test includes this with `mod support;`.
pub mod canned;
pub mod daemon;
pub mod engine;
pub mod lying;
pub mod procs;
pub mod schema;
pub mod simkit;
pub mod tui;
