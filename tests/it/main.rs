//! Every integration test, in one binary: `support/` is compiled once and the whole suite links
//! once (29 binaries took most of CI's time to build and link). Each module is one area.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

mod architecture;
mod bad_input;
mod cli_connection;
mod cli_inventory;
mod client_paging;
mod config_roundtrip;
mod crash_primary;
mod crash_send;
mod daemon_attach;
mod daemon_protocol;
mod fr_intake;
mod fr_states;
mod inventory_sync;
mod mapping_hostile;
mod mapping_methods;
mod mapping_sets;
mod mapping_validation;
mod mapping_values;
mod rate_limit;
mod scheduler;
mod schema_subset;
mod send_frs;
mod send_settings;
mod sim_endpoints;
mod store_foundation;
mod tui_core;
mod tui_idle;
mod tui_lists;
mod tui_log;
mod tui_mapping;
mod tui_overview;
mod tui_pool_frs;
mod tui_sources;
mod tui_sources_filter;
