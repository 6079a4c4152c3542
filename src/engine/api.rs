//! Everything a front end may ask of the engine, as data. The TUI uses nothing else, so the
//! same screens work in-process and attached to a daemon (which holds the store's lock, so
//! an attached TUI cannot read the store itself): the daemon serves these requests over its
//! socket and the in-process backend calls [`Engine::handle`] directly.

use serde::{Deserialize, Serialize};

use super::events::{JobKind, RunningJob};
use super::scheduler::NextRun;
use super::{Engine, JobRequest};
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
    },
    ImportFrs {
        source: String,
        path: String,
    },
    StartJob {
        source: String,
        kind: JobKind,
        dry_run: bool,
        confirm_archive: bool,
    },
    CancelJob {
        source: String,
        kind: JobKind,
    },
    Running,
    /// The next run of every scheduled integration (UTC times), soonest first.
    Schedules,
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
    Runs(Vec<RunRecord>),
    Log(Vec<LogLine>),
    Frs(Vec<Fr>),
    Timeline(Vec<FrEvent>),
    Running(Vec<RunningJob>),
    Schedules(Vec<NextRun>),
    /// `SetConnection`: the changed connection's Test Connection failed (why), so nothing
    /// was saved; send it again with `force` to save anyway.
    ConnectionTestFailed(String),
    /// `SetConnection`: saved, with what to tell the user (notices, the test's result).
    ConnectionSaved(Box<ConnectionView>, Vec<String>),
    /// The request could not be done; one line saying what to do.
    Error(String),
}

fn e<E: std::fmt::Display>(x: E) -> String {
    x.to_string()
}

impl Engine {
    /// The one validation of [`crate::source::validate`], as the CLI runs it: settings that
    /// cannot work are refused, naming each. Ids given or changed (Send FRs ids, quantity
    /// outlets) are checked against the live store; ids not set yet are the status page's
    /// business, not an error here. When the store cannot be asked, the source is saved with
    /// a warning (the jobs check again).
    async fn check_source(
        &self,
        source: &Source,
        previous: Option<&Source>,
    ) -> Result<Option<String>, String> {
        use crate::source::validate::{self as v, StoreCheckError, StoreChecks};
        let mut issues = v::check_local(source);
        let sets = Templates::open(self.store())
            .map_err(e)?
            .sets()
            .map_err(e)?;
        let names: Vec<&str> = sets.iter().map(|m| m.name.as_str()).collect();
        issues.extend(v::check_references(source, &names));
        if !issues.is_empty() {
            return Err(format!("nothing saved: {}", v::join(&issues)));
        }
        let checks = StoreChecks::needed(source, previous);
        if !checks.any() {
            return Ok(None);
        }
        let Some(conn_name) = &source.connection else {
            return Ok(None);
        };
        let conn = Connections::open(self.store())
            .map_err(e)?
            .get(conn_name)
            .map_err(e)?;
        let client = conn.client(self.client_options(conn_name)).map_err(e)?;
        match v::check_store(&client, source, checks).await {
            Ok(_) => Ok(None),
            Err(StoreCheckError::Invalid(issues)) => {
                let wrong: Vec<_> = issues.into_iter().filter(|i| !i.missing).collect();
                if wrong.is_empty() {
                    Ok(None)
                } else {
                    Err(format!("nothing saved: {}", v::join(&wrong)))
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
        let source_id =
            |name: &str| -> Result<u64, String> { Ok(sources()?.by_name(name).map_err(e)?.id) };
        Ok(match req {
            Request::ListSources => Response::Sources(sources()?.list().map_err(e)?),
            Request::SourceStatus { source } => {
                let s = sources()?.by_name(&source).map_err(e)?;
                let connections = Connections::open(store).map_err(e)?;
                let templates = Templates::open(store).map_err(e)?;
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
                sources()?.add(source).map_err(e)?;
                warning.map_or(Response::Done, Response::Message)
            }
            Request::SaveSource { source } => {
                let before = sources()?.list().map_err(e)?;
                let previous = before.iter().find(|s| s.id == source.id);
                let warning = self.check_source(&source, previous).await?;
                sources()?.save(&source).map_err(e)?;
                warning.map_or(Response::Done, Response::Message)
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
                Templates::open(store)
                    .map_err(e)?
                    .save_set(&set)
                    .map_err(e)?;
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
                Response::Count(self.pool_index(id).map_err(e)?.count(&q))
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
                let src = sources()?.by_name(&source).map_err(e)?;
                // Committed units follow the FRs (Commit Stock); each window shows them as
                // they are now.
                let commitments = crate::jobs::commit::Commitments::load(store, &src).map_err(e)?;
                let q = PoolQuery {
                    needle: filter,
                    archived,
                    sort,
                    descending,
                };
                let ix = self.pool_index(src.id).map_err(e)?;
                let pool = Pool::open(store).map_err(e)?;
                let mut out = Vec::new();
                // Only the rows shown are read from the store.
                for sku in ix.page(&q, offset, limit) {
                    if let Some(mut item) = pool.get(src.id, sku).map_err(e)? {
                        commitments.apply(&mut item);
                        out.push(item);
                    }
                }
                Response::Pool(out)
            }
            Request::Runs { source, limit } => {
                let all = Runs::open(store)
                    .map_err(e)?
                    .recent(usize::MAX)
                    .map_err(e)?;
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
                let r =
                    import_file(store, &s, std::path::Path::new(&path), self.clock()).map_err(e)?;
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
            Request::Schedules => Response::Schedules(self.schedules()?),
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
    ) -> Result<SampleRecord, String> {
        use crate::jobs::source_record::{inventory_record, product_record, Lookups};
        let store = self.store();
        let s = Sources::open(store)
            .map_err(e)?
            .by_name(source)
            .map_err(e)?;
        if integration == Integration::SendFrs {
            let frs = Frs::open(store)
                .map_err(e)?
                .list(Some(s.id), None)
                .map_err(e)?;
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
        let item = Pool::open(store)
            .map_err(e)?
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
