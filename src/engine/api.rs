//! Everything a front end may ask of the engine, as data. The TUI uses nothing else, so the
//! same screens work in-process and attached to a daemon (which holds the store's lock, so
//! an attached TUI cannot read the store itself): the daemon serves these requests over its
//! socket and the in-process backend calls [`Engine::handle`] directly.

use serde::{Deserialize, Serialize};

use super::events::RunningJob;
use super::scheduler::NextRun;
use super::{Engine, EngineError, JobRequest};
use crate::connections::{Connection, ConnectionChange, Connections, NewConnection};
use crate::frs::intake::import_file;
use crate::frs::{Fr, FrEvent, FrStatus, Frs};
use crate::jobs::runs::{LogLine, RunRecord, Runs};
use crate::mapping::{Integration, MappingSet, Template};
use crate::pool::{Pool, PoolItem, PoolQuery, PoolSort};
use crate::source::{IntegrationStatus, Source, Sources};
use crate::templates::Templates;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "request")]
pub enum Request {
    ListSources,
    /// The status page rows of a source's three integrations.
    SourceStatus {
        source: String,
    },
    AddSource {
        source: Source,
    },
    SaveSource {
        source: Source,
    },
    RemoveSource {
        name: String,
    },
    ListConnections,
    AddConnection {
        connection: NewConnection,
    },
    RemoveConnection {
        name: String,
    },
    TestConnection {
        name: String,
    },
    /// Change a connection's name, domain prefix or token. Tested before it is saved: a
    /// failed test saves nothing ([`Response::ConnectionTestFailed`]) unless `force`.
    SetConnection {
        name: String,
        change: ConnectionChange,
        #[serde(default)]
        force: bool,
    },
    /// Test Connection with the whole report (the CLI's `connection test`), giving up after
    /// `timeout_secs`.
    CheckConnection {
        name: String,
        timeout_secs: u64,
    },
    ListTemplates,
    SaveTemplate {
        template: Template,
    },
    ListMappingSets,
    SaveMappingSet {
        set: MappingSet,
    },
    /// A record to preview a template on: from the source's pool (or store) or its first
    /// FR, else a built-in example (see [`SampleRecord`]).
    SampleRecord {
        source: String,
        integration: Integration,
    },
    /// How many rows `PoolPage` has for this filter (all rows when both are unset).
    PoolCount {
        source: String,
        #[serde(default)]
        filter: Option<String>,
        #[serde(default)]
        archived: Option<bool>,
    },
    /// Rows `offset..offset+limit` of a source's pool in the sort's order, after the filter.
    PoolPage {
        source: String,
        offset: usize,
        limit: usize,
        /// Case-insensitive substring of SKU or Title.
        filter: Option<String>,
        archived: Option<bool>,
        #[serde(default)]
        sort: PoolSort,
        #[serde(default)]
        descending: bool,
    },
    /// The outlets of a source's store, by name, read live (the Pool detail's stock per
    /// outlet).
    Outlets {
        source: String,
    },
    Runs {
        source: Option<String>,
        limit: usize,
    },
    RunLog {
        run: u64,
    },
    Frs {
        source: Option<String>,
        status: Option<FrStatus>,
    },
    FrTimeline {
        source: String,
        number: String,
    },
    FrAction {
        source: String,
        number: String,
        action: FrAction,
        /// Why, for a cancel (kept in the FR's reason and timeline).
        #[serde(default)]
        reason: Option<String>,
    },
    ImportFrs {
        source: String,
        path: String,
    },
    StartJob {
        source: String,
        kind: Integration,
        dry_run: bool,
        confirm_archive: bool,
    },
    CancelJob {
        source: String,
        kind: Integration,
    },
    Running,
    /// The next run of every scheduled integration (UTC times), soonest first.
    Schedules,
    /// The setup as TOML (`lsbridge config export`), tokens left out.
    ExportConfig,
    /// A setup written by `ExportConfig`: validated whole before anything is saved.
    ImportConfig {
        text: String,
        allow_unknown: bool,
    },
    /// Every connection's rate-limit budget and request history (the Overview).
    RateLimits,
    /// What Send FRs ids and the quantity outlet can be set to, read live from the store
    /// through a connection (the names to pick from; `lsbridge source options`).
    StoreOptions {
        connection: String,
    },
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
    /// When the last Test Connection ran (RFC 3339, UTC).
    #[serde(default)]
    pub last_test_at: Option<String>,
    /// What the last passed test found: store, outlets, registers, headroom, scopes.
    #[serde(default)]
    pub last_report: Option<crate::lightspeed::probe::ConnectionReport>,
    #[serde(default)]
    pub api_version: String,
}

impl From<&Connection> for ConnectionView {
    fn from(c: &Connection) -> Self {
        ConnectionView {
            name: c.name.clone(),
            domain_prefix: c.domain_prefix.clone(),
            endpoint: c.endpoint(),
            token_masked: c.token.masked(),
            last_test: c.last_test.as_ref().map(|t| (t.ok, t.summary.clone())),
            last_test_at: c.last_test.as_ref().map(|t| t.at.clone()),
            last_report: c.last_test.as_ref().and_then(|t| t.report.clone()),
            api_version: c.api_version.clone(),
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
    Record(SampleRecord),
    Count(usize),
    Pool(Vec<PoolItem>),
    Outlets(Vec<super::OutletView>),
    Runs(Vec<RunRecord>),
    Log(Vec<LogLine>),
    Frs(Vec<Fr>),
    Timeline(Vec<FrEvent>),
    /// An FR after an action on it.
    Fr(Box<Fr>),
    Running(Vec<RunningJob>),
    Schedules(Vec<NextRun>),
    ConnectionTest(super::ConnectionTest),
    StoreOptions(crate::source::send_settings::StoreOptions),
    /// A text document (the setup as TOML).
    Text(String),
    /// Lines to show one by one (what an import did).
    Lines(Vec<String>),
    /// `SetConnection`: the changed connection's Test Connection failed (why), so nothing
    /// was saved; send it again with `force` to save anyway.
    ConnectionTestFailed(String),
    /// `SetConnection`: saved, with what to tell the user (notices, the test's result).
    ConnectionSaved(Box<ConnectionView>, Vec<String>),
    RateLimits(Vec<RateLimitView>),
    /// The request could not be done: why, typed (its `Display` is one line saying what to
    /// do).
    Error(EngineError),
}

/// One connection's rate-limit budget as this process's jobs last saw it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateLimitView {
    pub connection: String,
    /// False until a job or test of this connection has sent a request in this process.
    pub used: bool,
    pub limit: Option<u64>,
    pub remaining: Option<u64>,
    pub resets_at: Option<std::time::SystemTime>,
    pub blocked_until: Option<std::time::SystemTime>,
    /// Requests per window-long span, oldest first, the current span last.
    pub requests: Vec<u64>,
    pub waits_today: u64,
    pub rate_limited_today: u64,
}

fn e<E: std::fmt::Display>(x: E) -> String {
    x.to_string()
}

/// Source settings refused by [`crate::source::validate`], each with its setting's id.
fn invalid_source(issues: Vec<crate::source::validate::Issue>) -> EngineError {
    EngineError::InvalidSource {
        issues: issues
            .into_iter()
            .map(|i| super::SettingIssue {
                setting: i.setting.to_string(),
                message: i.message,
            })
            .collect(),
    }
}

impl Engine {
    /// Every register, user, tax, payment type, shipping product and outlet of the store
    /// behind `connection`, with names: what the front ends offer to pick from (the CLI's
    /// `source options` prints the same lists).
    pub async fn store_options(
        &self,
        connection: &str,
    ) -> Result<crate::source::send_settings::StoreOptions, EngineError> {
        let conn = Connections::open(self.store())?.get(connection)?;
        let client = conn.client(self.client_options(connection))?;
        crate::source::send_settings::store_options(&client)
            .await
            .map_err(|err| EngineError::Api {
                cause: format!(
                    "cannot read the store's options through connection {connection:?}: {}",
                    crate::excerpt::excerpt_n(&err.to_string(), 300)
                ),
            })
    }

    /// The one validation of [`crate::source::validate`], as the CLI runs it: settings that
    /// cannot work are refused, naming each. Ids given or changed (Send FRs ids, quantity
    /// outlets) are checked against the live store; ids not set yet are the status page's
    /// business, not an error here. When the store cannot be asked, the source is saved with
    /// a warning (the jobs check again).
    async fn check_source(
        &self,
        source: &Source,
        previous: Option<&Source>,
    ) -> Result<Option<String>, EngineError> {
        use crate::source::validate::{self as v, StoreCheckError, StoreChecks};
        let mut issues = v::check_local(source);
        let sets = Templates::open(self.store())?.sets()?;
        let names: Vec<&str> = sets.iter().map(|m| m.name.as_str()).collect();
        issues.extend(v::check_references(source, &names));
        if !issues.is_empty() {
            return Err(invalid_source(issues));
        }
        let checks = StoreChecks::needed(source, previous);
        if !checks.any() {
            return Ok(None);
        }
        let Some(conn_name) = &source.connection else {
            return Ok(None);
        };
        let conn = Connections::open(self.store())?.get(conn_name)?;
        let client = conn.client(self.client_options(conn_name))?;
        match v::check_store(&client, source, checks).await {
            Ok(_) => Ok(None),
            Err(StoreCheckError::Invalid(issues)) => {
                let wrong: Vec<_> = issues.into_iter().filter(|i| !i.missing).collect();
                if wrong.is_empty() {
                    Ok(None)
                } else {
                    Err(invalid_source(wrong))
                }
            }
            Err(other) => Ok(Some(format!(
                "saved, but the settings could not be checked against the store ({})",
                crate::excerpt::excerpt_n(&other.to_string(), 300)
            ))),
        }
    }

    /// Answers one request. Never panics; failures are [`Response::Error`].
    pub async fn handle(&self, req: Request) -> Response {
        let changed = matches!(
            req,
            Request::AddSource { .. }
                | Request::SaveSource { .. }
                | Request::RemoveSource { .. }
                | Request::AddConnection { .. }
                | Request::RemoveConnection { .. }
                | Request::SetConnection { .. }
                | Request::SaveTemplate { .. }
                | Request::SaveMappingSet { .. }
                | Request::FrAction { .. }
                | Request::ImportFrs { .. }
                | Request::ImportConfig { .. }
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

    async fn answer(&self, req: Request) -> Result<Response, EngineError> {
        let store = self.store();
        let sources = || Sources::open(store);
        let source_id =
            |name: &str| -> Result<u64, EngineError> { Ok(sources()?.by_name(name)?.id) };
        Ok(match req {
            Request::ListSources => Response::Sources(sources()?.list()?),
            Request::SourceStatus { source } => {
                let s = sources()?.by_name(&source)?;
                let connections = Connections::open(store)?;
                let templates = Templates::open(store)?;
                let facts = crate::source::StoreFacts {
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
                let warning = self.check_source(&source, None).await?;
                sources()?.add(source)?;
                warning.map_or(Response::Done, Response::Message)
            }
            Request::SaveSource { source } => {
                let before = sources()?.list()?;
                let previous = before.iter().find(|s| s.id == source.id);
                let warning = self.check_source(&source, previous).await?;
                sources()?.save(&source)?;
                warning.map_or(Response::Done, Response::Message)
            }
            Request::RemoveSource { name } => {
                sources()?.remove(&name)?;
                Response::Done
            }
            Request::ListConnections => Response::Connections(
                Connections::open(store)?
                    .list()?
                    .iter()
                    .map(ConnectionView::from)
                    .collect(),
            ),
            Request::AddConnection { connection } => {
                let (c, notices) = Connection::build(connection)?;
                Connections::open(store)?.add(&c)?;
                match notices.first() {
                    Some(n) => Response::Message(n.clone()),
                    None => Response::Done,
                }
            }
            Request::RemoveConnection { name } => {
                self.remove_connection(&name)?;
                Response::Done
            }
            Request::SetConnection {
                name,
                change,
                force,
            } => match self.set_connection(&name, &change, force).await? {
                super::SetOutcome::TestFailed(why) => Response::ConnectionTestFailed(why),
                super::SetOutcome::Saved {
                    connection,
                    mut notices,
                    test,
                } => {
                    notices.push(match *test {
                        Ok(r) => format!("tested: connected to {}", r.store_name),
                        Err(why) => format!("saved without a passing test: {why}"),
                    });
                    Response::ConnectionSaved(Box::new(ConnectionView::from(&*connection)), notices)
                }
            },
            Request::TestConnection { name } => {
                let r = self.test_connection(&name).await?;
                Response::Message(format!("connected to {}", r.store_name))
            }
            Request::CheckConnection { name, timeout_secs } => Response::ConnectionTest(
                self.check_connection(&name, std::time::Duration::from_secs(timeout_secs.max(1)))
                    .await,
            ),
            Request::ListTemplates => Response::Templates(Templates::open(store)?.list()?),
            Request::SaveTemplate { template } => {
                Templates::open(store)?.save(&template)?;
                Response::Done
            }
            Request::ListMappingSets => Response::MappingSets(Templates::open(store)?.sets()?),
            Request::SaveMappingSet { set } => {
                Templates::open(store)?.save_set(&set)?;
                Response::Done
            }
            Request::SampleRecord {
                source,
                integration,
            } => Response::Record(self.sample_record(&source, integration).await?),
            Request::PoolCount {
                source,
                filter,
                archived,
            } => {
                let id = source_id(&source)?;
                let q = PoolQuery {
                    needle: filter,
                    archived,
                    ..PoolQuery::default()
                };
                Response::Count(self.pool_index(id)?.count(&q))
            }
            Request::PoolPage {
                source,
                offset,
                limit,
                filter,
                archived,
                sort,
                descending,
            } => {
                let src = sources()?.by_name(&source)?;
                // Committed units follow the FRs (Commit Stock); each window shows them as
                // they are now.
                let commitments = crate::jobs::commit::Commitments::load(store, &src)?;
                let q = PoolQuery {
                    needle: filter,
                    archived,
                    sort,
                    descending,
                };
                let ix = self.pool_index(src.id)?;
                let pool = Pool::open(store)?;
                let mut out = Vec::new();
                // Only the rows shown are read from the store.
                for sku in ix.page(&q, offset, limit) {
                    if let Some(mut item) = pool.get(src.id, sku)? {
                        commitments.apply(&mut item);
                        out.push(item);
                    }
                }
                Response::Pool(out)
            }
            Request::Outlets { source } => Response::Outlets(self.outlets(&source).await?),
            Request::Runs { source, limit } => {
                let all = Runs::open(store)?.recent(usize::MAX)?;
                Response::Runs(
                    all.into_iter()
                        .filter(|r| source.as_deref().is_none_or(|s| r.source == s))
                        .take(limit)
                        .collect(),
                )
            }
            Request::RunLog { run } => Response::Log(Runs::open(store)?.lines(run)?),
            Request::Frs { source, status } => {
                let id = match source {
                    Some(s) => Some(source_id(&s)?),
                    None => None,
                };
                Response::Frs(Frs::open(store)?.list(id, status)?)
            }
            Request::FrTimeline { source, number } => {
                let id = source_id(&source)?;
                Response::Timeline(Frs::open(store)?.timeline(id, &number)?)
            }
            Request::FrAction {
                source,
                number,
                action,
                reason,
            } => {
                let id = source_id(&source)?;
                let frs = Frs::open(store)?;
                let now = self.clock().now();
                let fr = match action {
                    FrAction::Retry => frs.retry(id, &number, now),
                    FrAction::Release => frs.release(id, &number, now),
                    FrAction::Cancel => frs.cancel(id, &number, reason.as_deref(), now),
                }?;
                store.flush()?;
                Response::Fr(Box::new(fr))
            }
            Request::ImportFrs { source, path } => {
                let s = sources()?.by_name(&source)?;
                let r = import_file(store, &s, std::path::Path::new(&path), self.clock())?;
                // The summary, then every line not imported with its reason (as the CLI
                // prints them), so a front end can show all of them.
                let mut text = r.summary();
                for x in &r.rejected {
                    text.push_str(&format!("\nline {}: {}", x.line, x.reason));
                }
                for d in &r.duplicate_numbers {
                    text.push_str(&format!(
                        "\nline {}: FR {} is a Duplicate FR #: not imported",
                        d.line, d.number
                    ));
                }
                Response::Message(text)
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
                })?;
                Response::Done
            }
            Request::CancelJob { source, kind } => {
                let id = source_id(&source)?;
                if self.cancel(id, kind) {
                    Response::Message(format!("cancelling {} for {source}", kind.label()))
                } else {
                    Response::Error(EngineError::NotRunning {
                        source,
                        integration: kind,
                    })
                }
            }
            Request::Running => Response::Running(self.running()),
            Request::Schedules => Response::Schedules(self.schedules()?),
            Request::ExportConfig => Response::Text(crate::config_file::export(store).map_err(e)?),
            Request::ImportConfig {
                text,
                allow_unknown,
            } => Response::Lines(
                crate::config_file::import_with(store, &text, allow_unknown).map_err(e)?,
            ),
            Request::RateLimits => Response::RateLimits(self.rate_limits()?),
            Request::StoreOptions { connection } => {
                Response::StoreOptions(self.store_options(&connection).await?)
            }
        })
    }
}

/// A record to preview a mapping template on, and where it came from ("product HP-MUG
/// from the store", "FR 1001, line 1", "built-in example").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SampleRecord {
    pub origin: String,
    pub record: crate::mapping::SourceRecord,
}

/// How long a preview waits for the store before falling back to the example.
const SAMPLE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

impl Engine {
    /// Primary: the product of the source's first pool item, fetched from the store (or the
    /// store's first product when the pool is empty). Secondary: the inventory record of the
    /// first pool item. Send FRs: the first FR's first line. A built-in example otherwise,
    /// with the reason in `origin`.
    async fn sample_record(
        &self,
        source: &str,
        integration: Integration,
    ) -> Result<SampleRecord, EngineError> {
        use crate::jobs::source_record::{inventory_record, product_record, Lookups};
        let store = self.store();
        let s = Sources::open(store)?.by_name(source)?;
        if integration == Integration::SendFrs {
            let frs = Frs::open(store)?.list(Some(s.id), None)?;
            return Ok(
                match frs.iter().find_map(|fr| fr.items.first().map(|i| (fr, i))) {
                    Some((fr, item)) => SampleRecord {
                        origin: format!("FR {}, line 1", fr.number),
                        record: crate::frs::model::fr_source_record(fr, item),
                    },
                    None => example_record(integration, "no FRs yet"),
                },
            );
        }
        let outlet = match &s.primary.quantity_from {
            crate::source::QuantityFrom::AllOutlets => None,
            crate::source::QuantityFrom::Outlet(o) => Some(o.clone()),
        };
        // A variant with stock reads better than a family parent.
        let item = Pool::open(store)?
            .iter(s.id)
            .take(1000)
            .filter_map(Result::ok)
            .find(|i| !i.is_parent);
        if integration == Integration::Secondary {
            return Ok(match item {
                Some(i) => SampleRecord {
                    origin: format!("inventory of {} from the pool", i.sku),
                    record: inventory_record(
                        &i.sku,
                        &i.product_id,
                        i.stock.quantity(outlet.as_deref()),
                    ),
                },
                None => example_record(integration, "the pool is empty"),
            });
        }
        let Some(conn) = s.connection.clone() else {
            return Ok(example_record(integration, "the source has no connection"));
        };
        let fetch = async {
            let c = crate::connections::Connections::open(store)
                .map_err(e)?
                .get(&conn)
                .map_err(e)?;
            let client = c.client(self.client_options(&conn)).map_err(e)?;
            let product = match &item {
                Some(i) => client.product(&i.product_id).await.map_err(e)?,
                // The first stocked variant reads better than the store's discount
                // product or a family parent.
                None => {
                    let page = client
                        .peek::<crate::lightspeed::models::Product>("/products", 50)
                        .await
                        .map_err(e)?
                        .data;
                    let stocked = page.iter().position(|p| {
                        p.active
                            && p.has_inventory
                            && p.deleted_at.is_none()
                            && !p.is_family_parent()
                    });
                    let mut page = page;
                    match stocked {
                        Some(i) => Some(page.swap_remove(i)),
                        None => page.into_iter().next(),
                    }
                }
            };
            let Some(p) = product else {
                return Ok(None);
            };
            let quantity = match &item {
                Some(i) => i.stock.quantity(outlet.as_deref()),
                None => {
                    let rows = client.inventory_for_product(&p.id).await.map_err(e)?;
                    crate::jobs::source_record::stock_levels(&rows).quantity(outlet.as_deref())
                }
            };
            let parent = item.as_ref().and_then(|i| i.parent_sku.clone());
            let origin = match &item {
                Some(_) => format!("product {} from the pool", p.sku),
                None => format!("product {} from the store", p.sku),
            };
            Ok::<_, String>(Some(SampleRecord {
                origin,
                record: product_record(&p, quantity, parent.as_deref(), &Lookups::default()),
            }))
        };
        Ok(match tokio::time::timeout(SAMPLE_TIMEOUT, fetch).await {
            Ok(Ok(Some(sample))) => sample,
            Ok(Ok(None)) => example_record(integration, "the store has no products"),
            Ok(Err(why)) => example_record(integration, &why),
            Err(_) => example_record(integration, "the store did not answer in time"),
        })
    }
}

/// The example a preview uses when there is nothing real to show (the seed's LS-12345).
fn example_record(integration: Integration, why: &str) -> SampleRecord {
    use crate::mapping::fields::source as f;
    use crate::mapping::FieldValue as V;
    let t = |s: &str| V::Text(s.to_string());
    let record = match integration {
        Integration::Primary => [
            (f::BRAND, t("Harbor & Pine")),
            (f::CATEGORY_1, t("Kitchen")),
            (f::CATEGORY_2, t("Mugs")),
            (f::DESCRIPTION, t("Stoneware mug, 12 oz")),
            (f::DIMENSION_UNIT, t("inch")),
            (f::HEIGHT, V::Number(4.0)),
            (f::ID, t("example")),
            (f::LENGTH, V::Number(3.5)),
            (f::NAME, t("Harbor Mug")),
            (f::PRICE_EXCLUDING_TAX, V::Number(16.0)),
            (f::PRICE_INCLUDING_TAX, V::Number(17.2)),
            (f::QUANTITY, V::Number(50.0)),
            (f::SKU, t("LS-12345")),
            (f::SUPPLY_PRICE, V::Number(6.5)),
            (f::WEIGHT, V::Number(0.9)),
            (f::WEIGHT_UNIT, t("pound")),
            (f::WIDTH, V::Number(3.5)),
        ]
        .into_iter()
        .collect(),
        Integration::Secondary => {
            crate::jobs::source_record::inventory_record("LS-12345", "example", Some(50.0))
        }
        Integration::SendFrs => {
            let address = crate::frs::model::FrAddress {
                address_line_1: "77 Harbor View Road".into(),
                city: "Portland".into(),
                country_code: "US".into(),
                email: "dreyes@example.net".into(),
                first_name: "Daniel".into(),
                last_name: "Reyes".into(),
                postal_code: "04101".into(),
                state: "ME".into(),
                ..Default::default()
            };
            let fr = Fr {
                number: "WEB-10002".into(),
                payment_method: "Credit Card".into(),
                billing: address.clone(),
                shipping: address,
                shipping_method: "USPS Priority Mail".into(),
                shipping_cost: 8.95,
                tax: 5.68,
                created_at: "2026-03-02T21:47:12Z".into(),
                ..Fr::default()
            };
            let item = crate::frs::model::FrItem {
                sku: "LS-12345".into(),
                quantity: 4.0,
                unit_price: 16.0,
                ..Default::default()
            };
            crate::frs::model::fr_source_record(&fr, &item)
        }
    };
    SampleRecord {
        origin: format!("built-in example ({why})"),
        record,
    }
}
