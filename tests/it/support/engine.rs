//! Helpers for tests of the inventory engine: a store, a connection to an in-process
//! simulator, a source, and comparisons of the pool with what the simulator holds.

#![allow(dead_code)]

use std::collections::HashMap;

use lsbridge::connections::{Connection, Connections, NewConnection};
use lsbridge::jobs::primary::{self, PrimaryOptions, RunSummary};
use lsbridge::jobs::secondary::{self, SecondaryOptions};
use lsbridge::jobs::{Events, JobCtx};
use lsbridge::mapping::{FieldValue, Integration};
use lsbridge::pool::{Pool, PoolItem};
use lsbridge::sim::SimHandle;
use lsbridge::source::{Source, Sources};
use lsbridge::store::Store;
use lsbridge::templates::Templates;

use super::simkit;

pub struct Engine {
    pub store: Store,
    pub source: Source,
    pub ctx: JobCtx,
}

pub fn engine(sim: &SimHandle, configure: impl FnOnce(&mut Source)) -> Engine {
    engine_at(sim, &sim.origin(), configure)
}

/// As [`engine`], with the connection and client pointed at `origin` (a proxy in front of
/// `sim`, such as a lying store); the simulator's clock is still used.
pub fn engine_at(sim: &SimHandle, origin: &str, configure: impl FnOnce(&mut Source)) -> Engine {
    let store = Store::open_temporary().expect("store");
    let (c, _) = Connection::build(NewConnection {
        name: "sim".into(),
        domain_prefix: "harborpine".into(),
        token: simkit::TOKEN.into(),
        api_version: None,
        api_root: Some(origin.to_string()),
    })
    .expect("connection");
    Connections::open(&store).unwrap().add(&c).unwrap();
    let mut s = Source {
        name: "hp".into(),
        connection: Some("sim".into()),
        ..Source::default()
    };
    configure(&mut s);
    let source = Sources::open(&store).unwrap().add(s).unwrap();
    let root =
        lsbridge::lightspeed::ApiRoot::with_origin(origin, "2026-07").expect("loopback origin");
    let client = lsbridge::lightspeed::Client::new(
        root,
        lsbridge::secret::Token::parse(simkit::TOKEN).expect("token"),
        simkit::client_opts(sim.clock()),
    )
    .expect("client");
    let ctx = JobCtx::new(store.clone(), client, Events::none());
    Engine { store, source, ctx }
}

impl Engine {
    pub fn reload(&mut self) {
        self.source = Sources::open(&self.store).unwrap().by_name("hp").unwrap();
    }
    pub async fn primary(&self, opts: PrimaryOptions) -> RunSummary {
        let t = Templates::open(&self.store)
            .unwrap()
            .compiled(
                self.source.primary.template.as_deref(),
                Integration::Primary,
            )
            .unwrap();
        primary::run(&self.ctx, &self.source, &t, &opts)
            .await
            .expect("primary runs")
    }
    pub async fn secondary(&self) -> RunSummary {
        let templates = Templates::open(&self.store).unwrap();
        let t = templates
            .compiled(
                self.source.secondary.template.as_deref(),
                Integration::Secondary,
            )
            .unwrap();
        let create = templates
            .compiled(
                self.source.primary.template.as_deref(),
                Integration::Primary,
            )
            .unwrap();
        secondary::run(
            &self.ctx,
            &self.source,
            &t,
            Some(&create),
            &SecondaryOptions::default(),
        )
        .await
        .expect("secondary runs")
    }
    pub fn pool(&self) -> HashMap<String, PoolItem> {
        Pool::open(&self.store)
            .unwrap()
            .iter(self.source.id)
            .map(|i| i.unwrap())
            .map(|i| (i.sku.clone(), i))
            .collect()
    }
}

pub fn num(i: &PoolItem, f: &str) -> Option<f64> {
    match i.fields.get(f) {
        Some(FieldValue::Number(n)) => Some(*n),
        _ => None,
    }
}

pub fn text(i: &PoolItem, f: &str) -> Option<String> {
    i.fields.get(f).map(|v| v.as_text().into_owned())
}

/// The pool holds exactly the simulator's live stock products (by SKU), with their titles,
/// costs and quantities (sum over outlets); deleted products are archived with quantity 0 when
/// `archived_expected`, else absent or untouched. Products that are not stock items (no
/// inventory tracking, or the retailer's discount product) are not in the pool (the source
/// default).
pub fn assert_pool_matches(sim: &SimHandle, pool: &HashMap<String, PoolItem>, check_catalog: bool) {
    let (live, deleted): (Vec<_>, Vec<_>) = sim.with_store(|s, _| {
        let all: Vec<(lsbridge::lightspeed::models::Product, Option<f64>)> = s
            .products
            .iter()
            .map(|p| {
                let q = if p.has_inventory && !p.is_family_parent() {
                    Some(
                        s.inventory_of(&p.id)
                            .iter()
                            .filter(|r| r.deleted_at.is_none())
                            .map(|r| r.current_inventory_level)
                            .sum(),
                    )
                } else {
                    None
                };
                (p.into_owned(), q)
            })
            .collect();
        all.into_iter().partition(|(p, _)| p.deleted_at.is_none())
    });
    let discount = sim.with_store(|s, _| {
        s.retailer["discount_product_id"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    });
    for (p, qty) in &live {
        if p.id == discount || (!p.has_inventory && !p.is_family_parent()) {
            assert!(
                !pool.contains_key(&p.sku),
                "{} is not a stock item but is in the pool",
                p.sku
            );
            continue;
        }
        let item = pool
            .get(&p.sku)
            .unwrap_or_else(|| panic!("live product {} ({}) missing from the pool", p.sku, p.name));
        assert!(!item.archived, "{} is live but archived", p.sku);
        assert_eq!(item.product_id, p.id, "{}", p.sku);
        assert_eq!(num(item, "Quantity"), *qty, "quantity of {}", p.sku);
        if check_catalog {
            assert_eq!(
                text(item, "Title").as_deref(),
                Some(p.name.as_str()),
                "{}",
                p.sku
            );
            assert_eq!(num(item, "Cost"), p.supply_price, "cost of {}", p.sku);
            assert_eq!(
                num(item, "MSRP"),
                p.price_including_tax,
                "msrp of {}",
                p.sku
            );
        }
    }
    for (p, _) in &deleted {
        if let Some(item) = pool.get(&p.sku) {
            if item.archived {
                assert_eq!(num(item, "Quantity").unwrap_or(0.0), 0.0, "{}", p.sku);
            }
        }
    }
}
