//! `lsbridge connection …`: through the engine, so they work attached to a daemon too, and
//! Test Connection is the engine's one implementation (the TUI's records the same).

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use crate::cli::args::ConnectionCmd;
use crate::cli::session::{unexpected, Session};
use crate::cli::{exit, read_token_stdin, shell_word, Failure};
use crate::connections::{Connection, ConnectionError, NewConnection};
use crate::engine::{ConnectionView, Request, Response, TestFailure};
use crate::lightspeed::probe::ScopeState;

fn list(session: &Session) -> Result<Vec<ConnectionView>, Failure> {
    match session.call(Request::ListConnections)? {
        Response::Connections(l) => Ok(l),
        other => Err(unexpected("ListConnections", &other)),
    }
}

pub fn run(cmd: ConnectionCmd, data_dir: Option<PathBuf>) -> Result<u8, Failure> {
    match cmd {
        ConnectionCmd::Add {
            name,
            domain_prefix,
            token,
            api_version,
            api_root,
        } => {
            let token = if token == "-" {
                read_token_stdin()?
            } else {
                token
            };
            let new = NewConnection {
                name,
                domain_prefix,
                token,
                api_version: Some(api_version),
                api_root,
            };
            // Checked here first, so bad input is exit 2 with the notices on stderr; the
            // engine builds it again when it saves it.
            let (c, notices) = Connection::build(new.clone())?;
            for n in notices {
                errln!("note: {n}");
            }
            let session = Session::open(data_dir, Default::default())?;
            if list(&session)?.iter().any(|v| v.name == c.name) {
                return Err(ConnectionError::Exists(c.name.clone()).into());
            }
            session.call(Request::AddConnection { connection: new })?;
            outln!(
                "added connection {:?} → {} (token {}); check it with: lsbridge connection test {}",
                c.name,
                c.endpoint(),
                c.token.masked(),
                shell_word(&c.name)
            );
            Ok(exit::OK)
        }
        ConnectionCmd::List { json } => {
            let session = Session::open(data_dir, Default::default())?;
            let list = list(&session)?;
            if json {
                let rows: Vec<serde_json::Value> = list
                    .iter()
                    .map(|c| {
                        serde_json::json!({
                            "name": c.name, "domain_prefix": c.domain_prefix,
                            "endpoint": c.endpoint, "token": c.token_masked,
                            "api_version": c.api_version,
                        })
                    })
                    .collect();
                outln!("{}", serde_json::Value::Array(rows));
            } else if list.is_empty() {
                outln!("no connections yet: add one with lsbridge connection add --name NAME --domain-prefix PREFIX --token env:VAR");
            } else {
                let w = list.iter().map(|c| c.name.len()).max().unwrap_or(4).max(4);
                outln!("{:w$}  {:20}  {:8}  ENDPOINT", "NAME", "PREFIX", "TOKEN");
                for c in &list {
                    outln!(
                        "{:w$}  {:20}  {:8}  {}",
                        c.name,
                        c.domain_prefix,
                        c.token_masked,
                        c.endpoint
                    );
                }
            }
            Ok(exit::OK)
        }
        ConnectionCmd::Remove { name } => {
            let session = Session::open(data_dir, Default::default())?;
            if !list(&session)?.iter().any(|v| v.name == name) {
                return Err(ConnectionError::Missing(name).into());
            }
            session.call(Request::RemoveConnection { name: name.clone() })?;
            outln!("removed connection {name:?}");
            Ok(exit::OK)
        }
        ConnectionCmd::Set {
            name,
            new_name,
            domain_prefix,
            token,
            token_stdin,
            force,
        } => {
            let token = match (token, token_stdin) {
                (_, true) => Some(read_token_stdin()?),
                (Some(t), false) if t == "-" => Some(read_token_stdin()?),
                (t, false) => t,
            };
            let change = crate::connections::ConnectionChange {
                name: new_name,
                domain_prefix,
                token,
            };
            if change == crate::connections::ConnectionChange::default() {
                return Err(Failure::usage(
                    "nothing to change: give --name, --domain-prefix, --token or --token-stdin",
                ));
            }
            let session = Session::open(data_dir, Default::default())?;
            match session.call(Request::SetConnection {
                name: name.clone(),
                change,
                force,
            })? {
                Response::ConnectionSaved(c, lines) => {
                    outln!(
                        "saved connection {:?} → {} (token {})",
                        c.name,
                        c.endpoint,
                        c.token_masked
                    );
                    for l in lines {
                        outln!("  {l}");
                    }
                    Ok(exit::OK)
                }
                Response::ConnectionTestFailed(why) => Err(Failure::failed(format!(
                    "connection {name:?} not changed: Test Connection of the change failed: {why}; fix it, or pass --force to save it anyway"
                ))),
                other => Err(unexpected("SetConnection", &other)),
            }
        }
        ConnectionCmd::Test {
            name,
            json,
            timeout,
        } => {
            let session = Session::open(data_dir, Default::default())?;
            let t = match session.call(Request::CheckConnection {
                name: name.clone(),
                timeout_secs: timeout.max(1),
            })? {
                Response::ConnectionTest(t) => t,
                other => return Err(unexpected("CheckConnection", &other)),
            };
            let failure = t.failure.as_ref().map(|f| match f {
                TestFailure::Unusable {
                    message,
                    store_error,
                } => {
                    if *store_error {
                        Failure::failed(message)
                    } else {
                        Failure::usage(message)
                    }
                }
                TestFailure::Store(e) => Failure::failed(format!("connection {name:?}: {e}")),
                TestFailure::MissingScopes(missing) => Failure::failed(format!(
                    "connection {name:?}: the token lacks {}: create a personal token for a user with those permissions and re-add the connection",
                    missing.join(", ")
                )),
                TestFailure::TimedOut {
                    secs,
                    rate_limited_until,
                } => Failure::failed(format!(
                    "connection {name:?}: {}",
                    say_out_of_time(*rate_limited_until, &t.endpoint, *secs, SystemTime::now())
                )),
            });
            let Some(report) = &t.report else {
                return Err(failure.unwrap_or_else(|| Failure::failed("the test gave no answer")));
            };
            if json {
                let mut doc = match serde_json::to_value(report) {
                    Ok(serde_json::Value::Object(m)) => m,
                    _ => serde_json::Map::new(),
                };
                if let Some(f) = failure {
                    // One document: the report inside the failure.
                    return Err(f.with_json(doc));
                }
                doc.insert("ok".into(), true.into());
                outln!("{}", serde_json::Value::Object(doc));
                return Ok(exit::OK);
            }
            outln!(
                "connected to {:?} ({}) at {}",
                report.store_name,
                report.domain_prefix.as_deref().unwrap_or(&t.domain_prefix),
                t.endpoint
            );
            let n = |x: Option<usize>| x.map_or("?".to_string(), |v| v.to_string());
            outln!(
                "  outlets: {}   registers: {}",
                n(report.outlets),
                n(report.registers)
            );
            match (report.rate_remaining, report.rate_limit) {
                (Some(r), Some(l)) => {
                    outln!("  rate limit: {r} of {l} requests left in this 300 s window")
                }
                _ => outln!("  rate limit: not reported by the store"),
            }
            for s in &report.scopes {
                let state = match s.state {
                    ScopeState::Ok => "ok",
                    ScopeState::Missing => "MISSING",
                    ScopeState::NotChecked => "not checked (confirmed on first use)",
                };
                outln!("  {:20} {:40} {}", s.scope, s.purpose, state);
            }
            match failure {
                Some(f) => Err(f),
                None => Ok(exit::OK),
            }
        }
    }
}

/// Why `connection test` ran out of time: still waiting out a store's 429 (or having just
/// done so) is "rate limited", anything else a timeout.
pub(crate) fn say_out_of_time(
    rate_limited_until: Option<SystemTime>,
    endpoint: &str,
    timeout: u64,
    now: SystemTime,
) -> String {
    // A wait that ended this recently means the request after it is the store's quick next
    // answer in flight, not a store that fell silent.
    const JUST_ENDED: Duration = Duration::from_secs(2);
    match rate_limited_until {
        Some(until) if until + JUST_ENDED > now => {
            let t = chrono::DateTime::<chrono::Utc>::from(until).format("%H:%M:%S UTC");
            format!(
                "rate limited until {t}: the store at {endpoint} answered, but its rate limit holds requests until then and {timeout}s were up; try again after that, or raise --timeout"
            )
        }
        _ => format!(
            "no answer from {endpoint} within {timeout}s (timed out): check the network or raise --timeout"
        ),
    }
}
