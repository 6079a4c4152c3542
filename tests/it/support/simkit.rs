//! Shared helpers for tests that run the simulator in-process.

#![allow(dead_code)]

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use lsbridge::clock::{self, ScaledClock, SharedClock};
use lsbridge::lightspeed::{ApiRoot, Client, ClientOptions, RetryPolicy};
use lsbridge::secret::Token;
use lsbridge::sim::{Exchange, SimConfig, SimHandle, StoreSpec};

use super::schema::SchemaBook;

pub const TOKEN: &str = lsbridge::sim::config::DEFAULT_TOKEN;

/// A config for tests: recording on, no rate limit, no faults.
pub fn config(store: StoreSpec) -> SimConfig {
    SimConfig {
        store,
        rate_limit: None,
        record: true,
        ..SimConfig::default()
    }
}

pub fn scaled_clock(scale: f64) -> SharedClock {
    Arc::new(ScaledClock::new(SystemTime::now(), scale))
}

/// Fast retries so fault tests finish quickly; same rules otherwise.
pub fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 10,
        base: Duration::from_millis(2),
        max_delay: Duration::from_millis(50),
    }
}

pub fn client_opts(clock: SharedClock) -> ClientOptions {
    ClientOptions {
        retry: fast_retry(),
        timeout: Duration::from_secs(10),
        clock,
        ..ClientOptions::default()
    }
}

pub fn client(sim: &SimHandle, token: &str, opts: ClientOptions) -> Client {
    let root = ApiRoot::with_origin(&sim.origin(), "2026-07").expect("loopback origin");
    Client::new(root, Token::parse(token).expect("token"), opts).expect("client")
}

pub fn default_client(sim: &SimHandle) -> Client {
    client(sim, TOKEN, client_opts(clock::system()))
}

/// Every exchange that was not deliberately broken validates against the spec subset:
/// responses against the response schema for their status, request bodies against the
/// request schema. Returns how many were checked.
pub fn assert_conformant(exchanges: &[Exchange]) -> usize {
    let book = SchemaBook::shared();
    let mut checked = 0;
    let mut failures = Vec::new();
    for x in exchanges {
        if x.fault.is_some() || x.status == 0 {
            continue;
        }
        // The legacy 2.0 inventory list has no schema of its own in the 2026-07 spec: its
        // rows are the same Inventory records, checked one by one.
        if x.path.starts_with("/api/2.0/inventory") && x.status == 200 {
            if let Some(rows) = x
                .response_body
                .as_ref()
                .and_then(|b| b.get("data"))
                .and_then(|d| d.as_array())
            {
                for r in rows {
                    if let Err(e) = book.validate_definition("Inventory", r) {
                        failures.push(format!("{} {}: {e}", x.method, x.path));
                    }
                }
            }
            checked += 1;
            continue;
        }
        match &x.response_body {
            Some(body) => {
                if let Err(e) = book.validate_response(&x.method, &x.path, x.status, body) {
                    failures.push(e);
                }
            }
            None => failures.push(format!(
                "{} {} answered {} with a body that is not JSON",
                x.method, x.path, x.status
            )),
        }
        if let Some(req) = &x.request_body {
            if x.method == "POST" || x.method == "PUT" {
                if let Err(e) = book.validate_request(&x.method, &x.path, req) {
                    failures.push(format!("request: {e}"));
                }
            }
        }
        checked += 1;
    }
    assert!(
        failures.is_empty(),
        "{} of {} exchanges do not match the spec:\n{}",
        failures.len(),
        exchanges.len(),
        failures
            .iter()
            .take(10)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    checked
}
