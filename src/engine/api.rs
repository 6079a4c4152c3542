//! Everything a front end may ask of the engine, as data. The TUI uses nothing else, so the
//! same screens work in-process and attached to a daemon (which holds the store's lock, so
//! an attached TUI cannot read the store itself): the daemon serves these requests over its
//! socket and the in-process backend calls [`Engine::handle`] directly.

use serde::{Deserialize, Serialize};

use super::events::{JobKind, RunningJob};
use super::{Engine, JobRequest};
use crate::connections::{Connection, Connections, NewConnection};
use crate::frs::intake::import_file;
use crate::frs::{Fr, FrEvent, FrStatus, Frs};
use crate::jobs::runs::{LogLine, RunRecord, Runs};
use crate::mapping::{Integration, MappingSet, Template};
use crate::pool::{Pool, PoolItem};
use crate::sources::{IntegrationStatus, Source, Sources, StatusFacts};
use crate::templates::Templates;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "request")]
pub enum Request {
    ListSources,
    /// The status page rows of a source's three integrations.
    SourceStatus { source: String },
    AddSource { source: Source },
    SaveSource { source: Source },
    RemoveSource { name: String },
    ListConnections,
    AddConnection { connection: NewConnection },
    RemoveConnection { name: String },
    TestConnection { name: String },
    ListTemplates,
    SaveTemplate { template: Template },
    ListMappingSets,
    SaveMappingSet { set: MappingSet },
    PoolCount { source: String },
    /// Rows `offset..offset+limit` of a source's pool in SKU order, after the filter.
    PoolPage {
        source: String,
        offset: usize,
        limit: usize,
        /// Case-insensitive substring of SKU or Title.
        filter: Option<String>,
        archived: Option<bool>,
    },
    Runs { source: Option<String>, limit: usize },
    RunLog { run: u64 },
    Frs {
        source: Option<String>,
        status: Option<FrStatus>,
    },
    FrTimeline { source: String, number: String },
    FrAction {
        source: String,
        number: String,
        action: FrAction,
    },
    ImportFrs { source: String, path: String },
    StartJob {
        source: String,
        kind: JobKind,
        dry_run: bool,
        confirm_archive: bool,
    },
    CancelJob { source: String, kind: JobKind },
    Running,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FrAction {
    Retry,
    Cancel,
    Release,
}

/// A connection as front ends see it: the token only ever masked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConnectionView {
    pub name: String,
    pub domain_prefix: String,
    pub endpoint: String,
    pub token_masked: String,
    pub last_test: Option<(bool, String)>,
}

impl From<&Connection> for ConnectionView {
    fn from(c: &Connection) -> Self {
        ConnectionView {
            name: c.name.clone(),
            domain_prefix: c.domain_prefix.clone(),
            endpoint: c.endpoint(),
            token_masked: c.token.masked(),
            last_test: c.last_test.as_ref().map(|t| (t.ok, t.summary.clone())),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "response", content = "data")]
pub enum Response {
    Done,
    /// A one-line message for the status bar (e.g. an import summary).
    Message(String),
    Sources(Vec<Source>),
    Status(Vec<IntegrationStatus>),
    Connections(Vec<ConnectionView>),
    Templates(Vec<Template>),
    MappingSets(Vec<MappingSet>),
    Count(usize),
    Pool(Vec<PoolItem>),
    Runs(Vec<RunRecord>),
    Log(Vec<LogLine>),
    Frs(Vec<Fr>),
    Timeline(Vec<FrEvent>),
    Running(Vec<RunningJob>),
    /// The request could not be done; one line saying what to do.
    Error(String),
}

struct Facts<'a> {
    connections: &'a Connections,
    templates: &'a Templates,
}

impl StatusFacts for Facts<'_> {
    fn connection_exists(&self, name: &str) -> bool {
        self.connections.get(name).is_ok()
    }
    fn connection_tested_ok(&self, name: &str) -> Option<bool> {
        self.connections
            .get(name)
            .ok()
            .and_then(|c| c.last_test.map(|t| t.ok))
    }
    fn template_ok(&self, name: &str, i: Integration) -> Result<(), String> {
        self.templates.check(name, i)
    }
}

fn e<E: std::fmt::Display>(x: E) -> String {
    x.to_string()
}

impl Engine {
    /// Answers one request. Never panics; failures are [`Response::Error`].
    pub async fn handle(&self, req: Request) -> Response {
        let changed = matches!(
            req,
            Request::AddSource { .. }
                | Request::SaveSource { .. }
                | Request::RemoveSource { .. }
                | Request::AddConnection { .. }
                | Request::RemoveConnection { .. }
                | Request::SaveTemplate { .. }
                | Request::SaveMappingSet { .. }
                | Request::FrAction { .. }
                | Request::ImportFrs { .. }
        );
        let r = match self.answer(req).await {
            Ok(r) => r,
            Err(m) => Response::Error(m),
        };
        if changed && !matches!(r, Response::Error(_)) {
            self.emit(super::EngineEvent::DataChanged {
                what: "configuration".into(),
            });
        }
        r
    }

    async fn answer(&self, req: Request) -> Result<Response, String> {
        let store = self.store();
        let sources = || Sources::open(store).map_err(e);
        let source_id = |name: &str| -> Result<u64, String> {
            Ok(sources()?.by_name(name).map_err(e)?.id)
        };
        Ok(match req {
            Request::ListSources => Response::Sources(sources()?.list().map_err(e)?),
            Request::SourceStatus { source } => {
                let s = sources()?.by_name(&source).map_err(e)?;
                let connections = Connections::open(store).map_err(e)?;
                let templates = Templates::open(store).map_err(e)?;
                let facts = Facts {
                    connections: &connections,
                    templates: &templates,
                };
                Response::Status(
                    Integration::ALL
                        .iter()
                        .map(|i| s.status(*i, &facts))
                        .collect(),
                )
            }
            Request::AddSource { source } => {
                sources()?.add(source).map_err(e)?;
                Response::Done
            }
            Request::SaveSource { source } => {
                sources()?.save(&source).map_err(e)?;
                Response::Done
            }
            Request::RemoveSource { name } => {
                sources()?.remove(&name).map_err(e)?;
                Response::Done
            }
            Request::ListConnections => Response::Connections(
                Connections::open(store)
                    .map_err(e)?
                    .list()
                    .map_err(e)?
                    .iter()
                    .map(ConnectionView::from)
                    .collect(),
            ),
            Request::AddConnection { connection } => {
                let (c, notices) = Connection::build(connection).map_err(e)?;
                Connections::open(store).map_err(e)?.add(&c).map_err(e)?;
                match notices.first() {
                    Some(n) => Response::Message(n.clone()),
                    None => Response::Done,
                }
            }
            Request::RemoveConnection { name } => {
                Connections::open(store)
                    .map_err(e)?
                    .remove(&name)
                    .map_err(e)?;
                Response::Done
            }
            Request::TestConnection { name } => {
                let r = self.test_connection(&name).await?;
                Response::Message(format!("connected to {}", r.store_name))
            }
            Request::ListTemplates => {
                Response::Templates(Templates::open(store).map_err(e)?.list().map_err(e)?)
            }
            Request::SaveTemplate { template } => {
                Templates::open(store)
                    .map_err(e)?
                    .save(&template)
                    .map_err(e)?;
                Response::Done
            }
            Request::ListMappingSets => {
                Response::MappingSets(Templates::open(store).map_err(e)?.sets().map_err(e)?)
            }
            Request::SaveMappingSet { set } => {
                Templates::open(store).map_err(e)?.save_set(&set).map_err(e)?;
                Response::Done
            }
            Request::PoolCount { source } => {
                let id = source_id(&source)?;
                Response::Count(Pool::open(store).map_err(e)?.count(id).map_err(e)? as usize)
            }
            Request::PoolPage {
                source,
                offset,
                limit,
                filter,
                archived,
            } => {
                let id = source_id(&source)?;
                let needle = filter.map(|f| f.to_lowercase()).filter(|f| !f.is_empty());
                let matches = |i: &PoolItem| {
                    archived.is_none_or(|a| i.archived == a)
                        && needle.as_deref().is_none_or(|n| {
                            i.sku.to_lowercase().contains(n)
                                || i.fields
                                    .get("Title")
                                    .is_some_and(|t| t.as_text().to_lowercase().contains(n))
                        })
                };
                let mut out = Vec::new();
                let mut skipped = 0;
                for item in Pool::open(store).map_err(e)?.iter(id) {
                    let item = item.map_err(e)?;
                    if !matches(&item) {
                        continue;
                    }
                    if skipped < offset {
                        skipped += 1;
                        continue;
                    }
                    out.push(item);
                    if out.len() >= limit {
                        break;
                    }
                }
                Response::Pool(out)
            }
            Request::Runs { source, limit } => {
                let all = Runs::open(store).map_err(e)?.recent(usize::MAX).map_err(e)?;
                Response::Runs(
                    all.into_iter()
                        .filter(|r| source.as_deref().is_none_or(|s| r.source == s))
                        .take(limit)
                        .collect(),
                )
            }
            Request::RunLog { run } => {
                Response::Log(Runs::open(store).map_err(e)?.lines(run).map_err(e)?)
            }
            Request::Frs { source, status } => {
                let id = match source {
                    Some(s) => Some(source_id(&s)?),
                    None => None,
                };
                Response::Frs(Frs::open(store).map_err(e)?.list(id, status).map_err(e)?)
            }
            Request::FrTimeline { source, number } => {
                let id = source_id(&source)?;
                Response::Timeline(
                    Frs::open(store)
                        .map_err(e)?
                        .timeline(id, &number)
                        .map_err(e)?,
                )
            }
            Request::FrAction {
                source,
                number,
                action,
            } => {
                let id = source_id(&source)?;
                let frs = Frs::open(store).map_err(e)?;
                let now = self.clock().now();
                match action {
                    FrAction::Retry => frs.retry(id, &number, now),
                    FrAction::Release => frs.release(id, &number, now),
                    FrAction::Cancel => frs.cancel(id, &number, Some("canceled in the TUI"), now),
                }
                .map_err(e)?;
                store.flush().map_err(e)?;
                Response::Done
            }
            Request::ImportFrs { source, path } => {
                let s = sources()?.by_name(&source).map_err(e)?;
                let r = import_file(store, &s, std::path::Path::new(&path), self.clock())
                    .map_err(e)?;
                Response::Message(r.summary())
            }
            Request::StartJob {
                source,
                kind,
                dry_run,
                confirm_archive,
            } => {
                self.start_job(JobRequest {
                    source,
                    kind,
                    dry_run,
                    confirm_archive,
                })
                .map_err(e)?;
                Response::Done
            }
            Request::CancelJob { source, kind } => {
                let id = source_id(&source)?;
                if self.cancel(id, kind) {
                    Response::Message(format!("cancelling {} for {source}", kind.label()))
                } else {
                    Response::Error(format!("{} for {source} is not running", kind.label()))
                }
            }
            Request::Running => Response::Running(self.running()),
        })
    }
}
