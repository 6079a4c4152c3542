//! The client pages a 5,000-product synthetic store completely and exactly once per
//! product version, while the store changes between pages, under each injected fault, and
//! with a page-size cap smaller than it asks for. Every response the simulator sent and every
//! request body the client sent validate against the spec subset.

use std::collections::{BTreeMap, HashMap};

use crate::support::simkit;
use lsbridge::lightspeed::models::{InventoryRecord, Product};
use lsbridge::lightspeed::pager::{
    inventory_ranges, version_ranges, InventoryPager, RangedRead, VersionPager,
};
use lsbridge::lightspeed::ApiError;
use lsbridge::sim::{BeforeBound, Faults, SimHandle, StoreSpec};

const N: u64 = 5_000;

/// What the client saw of each product id: every version delivered, in order.
#[derive(Default)]
struct Seen(HashMap<String, Vec<i64>>);

impl Seen {
    fn add(&mut self, id: &str, v: i64) {
        self.0.entry(id.to_string()).or_default().push(v);
    }
}

/// Asserts the scan is exact: every row the store has (deleted ones included) was delivered,
/// its last delivery is the store's current version, and no version was delivered twice
/// (a row comes again only if it changed after it was delivered).
fn assert_exact(seen: &Seen, truth: &BTreeMap<String, i64>, what: &str) {
    let missing: Vec<&String> = truth.keys().filter(|k| !seen.0.contains_key(*k)).collect();
    assert!(
        missing.is_empty(),
        "{what}: {} rows never delivered, e.g. {:?}",
        missing.len(),
        &missing[..missing.len().min(3)]
    );
    let extra: Vec<&String> = seen.0.keys().filter(|k| !truth.contains_key(*k)).collect();
    assert!(
        extra.is_empty(),
        "{what}: unknown rows delivered: {extra:?}"
    );
    for (id, versions) in &seen.0 {
        assert!(
            versions.windows(2).all(|w| w[0] < w[1]),
            "{what}: {id} delivered out of order or twice at one version: {versions:?}"
        );
        assert_eq!(
            versions.last(),
            truth.get(id),
            "{what}: {id} last delivered at {versions:?}, store has {:?}",
            truth.get(id)
        );
    }
}

fn product_truth(sim: &SimHandle) -> BTreeMap<String, i64> {
    sim.with_store(|s, _| {
        s.products
            .iter()
            .map(|p| (p.id.clone(), p.version))
            .collect()
    })
}

fn inventory_truth(sim: &SimHandle) -> BTreeMap<String, i64> {
    sim.with_store(|s, _| {
        s.inventory
            .iter()
            .map(|r| (r.id.clone(), r.version))
            .collect()
    })
}

async fn scan(sim: &SimHandle, faults: Faults, page_size: u64, mutate: usize, what: &str) {
    sim.clear_exchanges();
    sim.set_faults(faults);
    let client = simkit::client(sim, simkit::TOKEN, simkit::client_opts(sim.clock()));

    // Products as Primary reads them: four version ranges side by side, then from where the
    // open one ended. (The hint is the store's top version, as the stock feed's would be, and
    // the estimate its row count, as Primary's from the stock feed.)
    let (hint, rows) = sim.with_store(|s, _| {
        (
            i64::try_from(s.current_version()).ok(),
            s.products.len() as u64,
        )
    });
    let plan = version_ranges::<Product>(
        &client,
        "/products",
        4,
        hint,
        |_| Some(rows),
        page_size,
        true,
    )
    .await
    .unwrap_or_else(|e| panic!("{what}: first page: {e}"));
    assert_eq!(plan.ranges.len(), 4, "{what}: {:?}", plan.ranges);
    let ranges = plan.ranges.clone();
    let mut read = RangedRead::from_plan(&client, "/products", plan);
    let mut seen = Seen::default();
    let mut pages = 0;
    let mut ranks = std::collections::BTreeSet::new();
    while let Some(page) = read
        .next_page()
        .await
        .unwrap_or_else(|e| panic!("{what}: {e}"))
    {
        // The first page (read to find where the feed starts) lies below the first range.
        let range = ranges[page.rank];
        let from = if pages == 0 { None } else { range.after };
        for p in &page.items {
            assert!(
                Some(p.version) > from && range.upto.is_none_or(|u| p.version <= u),
                "{what}: range {} delivered version {} outside {range:?}",
                page.rank,
                p.version
            );
            seen.add(&p.id, p.version);
        }
        ranks.insert(page.rank);
        pages += 1;
        assert!(pages < 10_000, "{what}: pager does not end");
        // The store changes while the catalog is read. (A store that never stops changing
        // is a feed the scan follows for as long as it changes.)
        if pages <= 12 {
            sim.mutate_random(mutate);
        }
    }
    sim.set_faults(Faults::none());
    // Rows added and changed by earlier cases sit far above the rest, so on a changed store
    // the cuts (equal slices of the span) can leave a range empty.
    assert!(
        ranks.len() >= 2,
        "{what}: ranges read side by side: {ranks:?} of {ranges:?}"
    );
    eprintln!("  {what}: products scanned ({pages} pages)");
    assert_exact(&seen, &product_truth(sim), &format!("{what} products"));

    sim.set_faults(sim_faults_again(what));
    let mut seen = Seen::default();
    let mut inv = InventoryPager::new(&client, None)
        .include_deleted(true)
        .size(page_size * 2);
    let mut pages = 0;
    while let Some(page) = inv
        .next_page()
        .await
        .unwrap_or_else(|e| panic!("{what} inventory: {e}"))
    {
        for r in &page.items {
            seen.add(&r.id, r.version);
        }
        pages += 1;
        if pages <= 16 {
            sim.mutate_random(mutate);
        }
    }
    sim.set_faults(Faults::none());
    assert_exact(&seen, &inventory_truth(sim), &format!("{what} inventory"));

    let t = std::time::Instant::now();
    let ex = sim.exchanges();
    eprintln!(
        "  {what}: scan done; {} exchanges copied in {:?}",
        ex.len(),
        t.elapsed()
    );
    let checked = simkit::assert_conformant(&ex);
    eprintln!("  {what}: validated in {:?}", t.elapsed());
    assert!(checked > 0);
}

thread_local! {
    static FAULTS: std::cell::RefCell<HashMap<String, Faults>> = Default::default();
}
fn remember(what: &str, f: &Faults) -> Faults {
    FAULTS.with(|m| m.borrow_mut().insert(what.to_string(), f.clone()));
    f.clone()
}
fn sim_faults_again(what: &str) -> Faults {
    FAULTS.with(|m| m.borrow().get(what).cloned().unwrap_or_default())
}

/// Simulator time runs 50× faster, so injected `Retry-After`s cost milliseconds; clients
/// that must honour them are given the same clock.
async fn sim_n() -> SimHandle {
    sim_of(N).await
}

async fn sim_of(products: u64) -> SimHandle {
    let mut cfg = simkit::config(StoreSpec::Synthetic { products, seed: 42 });
    cfg.clock = simkit::scaled_clock(50.0);
    SimHandle::start(cfg).await.expect("simulator")
}

fn faults(f: impl FnOnce(&mut Faults)) -> Faults {
    let mut x = Faults::none();
    f(&mut x);
    x
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_exactly_once_without_faults_and_without_mutations() {
    let sim = sim_n().await;
    let client = simkit::default_client(&sim);
    let mut pager = VersionPager::<Product>::new(&client, "/products", None).include_deleted(true);
    let mut ids = HashMap::new();
    let mut requests = 0u64;
    while let Some(p) = pager.next_page().await.unwrap() {
        requests += 1;
        for x in p.items {
            *ids.entry(x.id).or_insert(0) += 1;
        }
    }
    assert_eq!(ids.len() as u64, N);
    assert!(
        ids.values().all(|n| *n == 1),
        "a product was delivered twice"
    );
    // ceil(N / 1000) pages plus the empty page that ends the scan.
    assert_eq!(requests, N.div_ceil(1000));
    assert_eq!(client.requests_sent(), N.div_ceil(1000) + 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_exactly_once_under_each_fault_with_live_mutations() {
    // 4,000 products in pages of 400: as many pages (and faults) per scan as 10,000 in
    // pages of 1,000, at less than half the cost of each of the nine scans.
    let sim = sim_of(4_000).await;
    let cases: Vec<(&str, Faults)> = vec![
        ("no faults", Faults::none()),
        ("latency", faults(|f| f.latency_ms = 3)),
        ("5xx", faults(|f| f.p_5xx = 0.2)),
        ("connection reset", faults(|f| f.p_reset = 0.2)),
        ("malformed json", faults(|f| f.p_malformed = 0.2)),
        ("truncated json", faults(|f| f.p_truncated = 0.2)),
        ("non-advancing cursor", faults(|f| f.p_stuck = 0.3)),
        (
            "429 storm",
            faults(|f| {
                f.storm = 6;
                f.storm_retry_after_secs = 1;
                f.p_429 = 0.1;
            }),
        ),
        (
            "everything at once",
            faults(|f| {
                f.p_5xx = 0.05;
                f.p_reset = 0.05;
                f.p_malformed = 0.05;
                f.p_truncated = 0.05;
                f.p_stuck = 0.05;
                f.p_429 = 0.05;
                f.storm_retry_after_secs = 1;
            }),
        ),
    ];
    for (what, f) in cases {
        let started = std::time::Instant::now();
        let f = remember(what, &f);
        scan(&sim, f, 400, 7, what).await;
        let c = sim.counters();
        if what != "no faults" && what != "latency" {
            assert!(c.faults > 0, "{what}: no fault was injected");
        }
        eprintln!("{what}: {:?}", started.elapsed());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn page_size_cap_smaller_than_requested() {
    let sim = sim_n().await;
    sim.set_page_size_cap(300);
    let client = simkit::default_client(&sim);
    let mut pager = VersionPager::<Product>::new(&client, "/products", None)
        .include_deleted(true)
        .page_size(1000);
    let mut seen = Seen::default();
    let mut pages = 0u64;
    while let Some(p) = pager.next_page().await.unwrap() {
        assert!(p.items.len() <= 300, "cap not honoured");
        for x in p.items {
            seen.add(&x.id, x.version);
        }
        pages += 1;
        if pages <= 34 {
            sim.mutate_random(3);
        }
    }
    assert!(pages >= N / 300, "only {pages} pages");
    assert_exact(&seen, &product_truth(&sim), "capped");
    // Every request asked for 1000: the client never shrinks its request to the cap.
    for x in sim
        .exchanges()
        .iter()
        .filter(|x| x.path.ends_with("/products"))
    {
        assert!(x.query.as_deref().unwrap_or("").contains("page_size=1000"));
    }
    simkit::assert_conformant(&sim.exchanges());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cursor_that_never_advances_is_an_error_not_a_loop() {
    let sim = sim_n().await;
    let client = simkit::default_client(&sim);
    let mut pager = VersionPager::<Product>::new(&client, "/products", None);
    // First page is fine; from then on the store keeps answering the same page.
    assert!(pager.next_page().await.unwrap().is_some());
    sim.set_faults(faults(|f| f.p_stuck = 1.0));
    let before = client.requests_sent();
    let err = pager.next_page().await.expect_err("must fail");
    assert!(matches!(err, ApiError::CursorStuck { .. }), "{err}");
    assert!(err.to_string().contains("stopping instead of looping"));
    assert!(client.requests_sent() - before <= 5, "gave up too late");

    let mut inv = InventoryPager::new(&client, None);
    sim.set_faults(Faults::none());
    assert!(inv.next_page().await.unwrap().is_some());
    sim.set_faults(faults(|f| f.p_stuck = 1.0));
    let err = inv.next_page().await.expect_err("must fail");
    assert!(matches!(err, ApiError::CursorStuck { .. }), "{err}");
}

/// A ranged read bears more stale answers in a row than a single cursor (three per open
/// range), but a store stuck for good still ends it with an error, after about as many
/// requests per range as a single cursor makes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ranged_read_whose_cursors_never_advance_is_an_error_not_a_loop() {
    let sim = sim_n().await;
    let client = simkit::default_client(&sim);
    let hint = sim.with_store(|s, _| i64::try_from(s.current_version()).ok());
    let plan = version_ranges::<Product>(&client, "/products", 4, hint, |_| Some(N), 1000, true)
        .await
        .unwrap();
    assert_eq!(plan.ranges.len(), 4, "{:?}", plan.ranges);
    let mut read = RangedRead::from_plan(&client, "/products", plan);
    // Every answer from now on is stale; the first page, read for the plan, is handed out.
    sim.set_faults(faults(|f| f.p_stuck = 1.0));
    let before = client.requests_sent();
    assert!(read.next_page().await.unwrap().is_some());
    let err = match read.next_page().await {
        Ok(Some(_)) => panic!("a stale page was delivered"),
        Ok(None) => panic!("the read ended without an error"),
        Err(e) => e,
    };
    assert!(matches!(err, ApiError::CursorStuck { .. }), "{err}");
    // 3 stale answers per open range in a row, the one over the budget, and at most one
    // more from each other range still asking.
    let sent = client.requests_sent() - before;
    assert!(sent <= 4 * 3 + 1 + 3, "gave up too late: {sent} requests");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn legacy_2_0_aliases_page_the_same_data() {
    let sim = sim_n().await;
    let client = simkit::default_client(&sim);
    let v26: Vec<Product> = VersionPager::new(&client, "/products", None)
        .collect_all()
        .await
        .unwrap();
    let v20: Vec<Product> = VersionPager::new(&client, "/api/2.0/products", None)
        .collect_all()
        .await
        .unwrap();
    assert_eq!(v26, v20);
    let inv: Vec<InventoryRecord> = VersionPager::new(&client, "/api/2.0/inventory", None)
        .page_size(5000)
        .collect_all()
        .await
        .unwrap();
    let live = sim.with_store(|s, _| {
        s.inventory
            .iter()
            .filter(|r| r.deleted_at.is_none())
            .count()
    });
    assert_eq!(inv.len(), live);
    simkit::assert_conformant(&sim.exchanges());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inventory_default_order_is_descending_as_the_spec_says() {
    let sim = sim_n().await;
    let client = simkit::default_client(&sim);
    let req = lsbridge::lightspeed::client::Req::get("/inventory")
        .json(reqwest::Method::POST, &serde_json::json!({"size": 50}))
        .unwrap();
    let rows: Vec<InventoryRecord> = client.call(req).await.unwrap();
    assert_eq!(rows.len(), 50);
    assert!(rows.windows(2).all(|w| w[0].version > w[1].version));
    simkit::assert_conformant(&sim.exchanges());
    // Deliberately outside the request schema: the store must refuse it.
    let too_big = lsbridge::lightspeed::client::Req::get("/inventory")
        .json(reqwest::Method::POST, &serde_json::json!({"size": 5001}))
        .unwrap();
    let err = client
        .call::<Vec<InventoryRecord>>(too_big)
        .await
        .unwrap_err();
    assert!(
        matches!(err, ApiError::Rejected { status: 400, .. }),
        "{err}"
    );
}

/// The stock feed read as four version ranges side by side (as Primary reads it), with the
/// store changing during the read, in the worst order: the open top range ends first, then
/// records in the lower ranges' spans change (they move past the top range's end), then the
/// lower ranges are read, changing more as they go. Merged by range rank, plus one more pass
/// from where the top range ended, every record ends at the store's version, whichever way
/// the server reads `before`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ranged_inventory_reads_are_exact_under_both_before_bounds() {
    for bound in [BeforeBound::Inclusive, BeforeBound::Exclusive] {
        let mut cfg = simkit::config(StoreSpec::Synthetic {
            products: N,
            seed: 42,
        });
        cfg.before_bound = bound;
        let sim = SimHandle::start(cfg).await.expect("simulator");
        let mut opts = simkit::client_opts(sim.clock());
        opts.inventory_page_size = 1_000;
        let client = simkit::client(&sim, simkit::TOKEN, opts);
        let ranges = inventory_ranges(&client, 4, true).await.expect("ranges");
        assert_eq!(ranges.len(), 4, "{bound:?}: {ranges:?}");
        assert_eq!(ranges[3].1, None, "the last range is open");
        // id → (rank, version) of the delivery that wins.
        let mut merged: HashMap<String, (usize, i64)> = HashMap::new();
        let take =
            |merged: &mut HashMap<String, (usize, i64)>, rank: usize, items: &[InventoryRecord]| {
                for r in items {
                    if let Some((lo, hi)) = ranges.get(rank).map(|(a, b)| (*a, *b)) {
                        assert!(
                            Some(r.version) > lo,
                            "{bound:?}: range {rank} sent {}",
                            r.version
                        );
                        assert!(
                            hi.is_none_or(|h| r.version <= h),
                            "{bound:?}: range {rank} sent {} past {hi:?}",
                            r.version
                        );
                    }
                    let e = merged.entry(r.id.clone()).or_insert((rank, r.version));
                    if (rank, r.version) > *e {
                        *e = (rank, r.version);
                    }
                }
            };
        let mut pagers: Vec<_> = ranges
            .iter()
            .map(|(a, b)| {
                InventoryPager::new(&client, *a)
                    .include_deleted(true)
                    .before(*b)
            })
            .collect();
        let mut top_after = ranges[3].0;
        while let Some(page) = pagers[3].next_page().await.expect("page") {
            top_after = page.next_after;
            take(&mut merged, 3, &page.items);
        }
        sim.mutate_random(40);
        let mut open = [true, true, true];
        let mut steps = 0;
        while open.iter().any(|o| *o) {
            for rank in 0..3 {
                if !open[rank] {
                    continue;
                }
                let Some(page) = pagers[rank].next_page().await.expect("page") else {
                    open[rank] = false;
                    continue;
                };
                take(&mut merged, rank, &page.items);
                steps += 1;
                if steps <= 6 {
                    sim.mutate_random(40);
                }
            }
        }
        let truth = inventory_truth(&sim);
        let missed = truth
            .iter()
            .filter(|(id, v)| merged.get(*id).map(|m| m.1) != Some(**v))
            .count();
        assert!(
            missed > 0,
            "{bound:?}: the scenario must move records past the top range"
        );
        let mut catch_up = InventoryPager::new(&client, top_after).include_deleted(true);
        while let Some(page) = catch_up.next_page().await.expect("page") {
            take(&mut merged, 3, &page.items);
        }
        assert_eq!(merged.len(), truth.len(), "{bound:?}: records read");
        for (id, v) in &truth {
            assert_eq!(
                merged.get(id).map(|m| m.1),
                Some(*v),
                "{bound:?}: {id} ends at the store's version"
            );
        }
    }
}

/// A store whose versions are negative and cross zero (the spec's int64 allows it): the
/// version pager, the inventory pager and the stock ranges deliver every record exactly
/// once, the first request sends no `after`, and later ones send negative cursors.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn negative_versions_page_exactly_once_with_signed_cursors() {
    use crate::support::canned::{json, Canned};
    use serde_json::{json, Value};
    // 301 products and their stock, versions from about -4.5e15 up through 0 to 149.
    let versions: Vec<i64> = (-150..=150)
        .map(|i: i64| if i < -140 { i * 30_000_000_000_000 } else { i })
        .collect();
    let vs = versions.clone();
    let server = Canned::start(move |r| {
        let rows = |after: Option<i64>, before: Option<i64>, size: usize, desc: bool| {
            let mut v: Vec<i64> = vs
                .iter()
                .copied()
                .filter(|v| after.is_none_or(|a| *v > a) && before.is_none_or(|b| *v <= b))
                .collect();
            if desc {
                v.reverse();
            }
            v.truncate(size);
            v
        };
        match (r.method.as_str(), r.path.as_str()) {
            ("GET", "/products") => {
                let after = r.q("after").map(|a| a.parse::<i64>().expect("int64 after"));
                let size = r.q("page_size").map_or(100, |s| s.parse().unwrap());
                let page = rows(after, None, size, false);
                let data: Vec<Value> = page
                    .iter()
                    .map(|v| json!({"id": format!("p{v}"), "sku": format!("S{v}"), "version": v}))
                    .collect();
                json(200, json!({"data": data, "version": {"min": page.first(), "max": page.last()}}))
            }
            ("POST", "/inventory") => {
                let b = &r.body;
                let page = rows(
                    b["after"].as_i64(),
                    b["before"].as_i64(),
                    b["size"].as_u64().unwrap_or(1000) as usize,
                    b["sort_direction"] != "asc",
                );
                let data: Vec<Value> = page
                    .iter()
                    .map(|v| json!({"id": format!("i{v}"), "product_id": format!("p{v}"), "outlet_id": "o", "current_inventory_level": 1, "version": v}))
                    .collect();
                json(200, json!(data))
            }
            _ => json(404, json!({"error": "not found"})),
        }
    })
    .await;
    let mut opts = crate::support::canned::Canned::client_options();
    opts.page_size = 40;
    opts.inventory_page_size = 25;
    let c = server.client_with(opts);

    let mut got = Vec::new();
    let mut pager = VersionPager::<Product>::new(&c, "/products", None);
    while let Some(page) = pager.next_page().await.expect("page") {
        assert_eq!(page.next_after, page.items.iter().map(|p| p.version).max());
        got.extend(page.items.iter().map(|p| p.version));
    }
    assert_eq!(got, versions, "every product once, in version order");
    let afters: Vec<Option<String>> = server
        .requests()
        .iter()
        .filter(|r| r.path == "/products")
        .map(|r| r.q("after").map(str::to_string))
        .collect();
    assert_eq!(
        afters[0], None,
        "the first page is asked for without a cursor"
    );
    assert_eq!(afters[1].as_deref(), Some("-111"));
    assert!(afters.iter().flatten().any(|a| a == "-31"));

    // Resuming from a saved negative cursor.
    let rest: Vec<Product> = VersionPager::new(&c, "/products", Some(-3))
        .collect_all()
        .await
        .unwrap();
    assert_eq!(rest.len(), 153);
    assert_eq!(rest[0].version, -2);

    // Stock: one cursor, then four ranges side by side.
    let mut inv = InventoryPager::new(&c, None);
    let mut got = Vec::new();
    while let Some(page) = inv.next_page().await.expect("page") {
        got.extend(page.items.iter().map(|r| r.version));
    }
    assert_eq!(got, versions);
    let ranges = inventory_ranges(&c, 4, false).await.expect("ranges");
    assert_eq!(ranges.len(), 4, "{ranges:?}");
    assert_eq!(ranges[0].0, None);
    assert!(ranges[0].1.is_some_and(|b| b < 0), "{ranges:?}");
    let mut merged = std::collections::BTreeSet::new();
    for (after, before) in ranges {
        let mut p = InventoryPager::new(&c, after).before(before);
        while let Some(page) = p.next_page().await.expect("page") {
            merged.extend(page.items.iter().map(|r| r.version));
        }
    }
    assert_eq!(merged.into_iter().collect::<Vec<_>>(), versions);
}

/// Cursors that stop moving say which cursor, which value, and how often, with plurals
/// right: an id cursor (`page_info.last_seen`) that comes back, a list whose items carry no
/// version, and a version cursor that does not move.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stuck_cursors_name_their_kind_and_value() {
    use crate::support::canned::{json, Canned};
    use lsbridge::lightspeed::error::Stuck;
    use lsbridge::lightspeed::models::{Brand, Outlet};
    use lsbridge::lightspeed::pager::CategoryPager;
    use serde_json::json;
    let server = Canned::start(|r| match r.path.as_str() {
        "/product_categories" => json(
            200,
            json!({"data": {"categories": [{"id": "c1", "name": "A"}, {"id": "c2", "name": "B"}]},
                   "page_info": {"has_next": true, "last_seen": "c2"}}),
        ),
        // Items without a version, and no envelope version.
        "/outlets" => json(200, json!({"data": [{"id": "o1", "name": "Main"}]})),
        // A version cursor that never moves past 5.
        "/brands" => json(
            200,
            json!({"data": [{"id": "b1", "name": "Acme", "version": 5}], "version": {"min": 5, "max": 5}}),
        ),
        _ => json(404, json!({"error": "not found"})),
    })
    .await;
    let c = server.client();

    let err = CategoryPager::new(&c).collect_all().await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "stopped: /product_categories returned the same page twice (cursor last_seen=c2); stopping instead of looping: try again later, and report it if it persists"
    );
    assert!(matches!(
        err,
        ApiError::CursorStuck {
            why: Stuck::SameId,
            ..
        }
    ));
    assert_eq!(
        server
            .requests()
            .iter()
            .filter(|r| r.path == "/product_categories")
            .count(),
        2
    );

    let err = VersionPager::<Outlet>::new(&c, "/outlets", None)
        .collect_all()
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            ApiError::CursorStuck {
                why: Stuck::NoVersions,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "stopped: /outlets returned items that carry no version, so its version cursor cannot move (cursor after=0, asked 4 times); stopping instead of looping: try again later, and report it if it persists"
    );

    let err = VersionPager::<Brand>::new(&c, "/brands", None)
        .collect_all()
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            ApiError::CursorStuck {
                why: Stuck::Version,
                ..
            }
        ),
        "{err}"
    );
    assert!(
        err.to_string().starts_with(
            "stopped: /brands returned a page that does not move past its version cursor 4 times in a row (cursor after=5)"
        ),
        "{err}"
    );
    assert_eq!(lsbridge::lightspeed::error::times(1), "once");
    assert_eq!(lsbridge::lightspeed::error::times(2), "twice");
}

/// A store that refuses page sizes above 200 (with 400, then with 422) instead of capping
/// them: every list the client reads halves its page size until one is accepted (125 for
/// lists asked 1000, 156 for the stock feed asked 5000), remembers it for that endpoint (so
/// only the first page of each is refused), and reads everything.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn page_sizes_refused_above_200_fall_back_for_every_list() {
    use lsbridge::lightspeed::models::Versioned;
    use lsbridge::lightspeed::pager::CategoryPager;
    use lsbridge::sim::table::Row as SimRow;
    use lsbridge::sim::PageSizeRefusal;

    #[derive(serde::Deserialize)]
    struct AnyRow {
        id: String,
        #[serde(default)]
        version: i64,
    }
    impl Versioned for AnyRow {
        fn version(&self) -> i64 {
            self.version
        }
        fn id(&self) -> &str {
            &self.id
        }
    }

    for status in [400u16, 422] {
        let mut cfg = simkit::config(StoreSpec::Synthetic {
            products: 700,
            seed: 3,
        });
        cfg.refuse_page_size = Some(PageSizeRefusal { above: 200, status });
        let sim = SimHandle::start(cfg).await.expect("simulator");
        let c = simkit::default_client(&sim);

        // A synthetic store has no customers until one is written.
        c.create_customer(&lsbridge::lightspeed::models::Customer {
            first_name: Some("Ada".into()),
            last_name: Some("Lovelace".into()),
            ..Default::default()
        })
        .await
        .expect("customer");
        let live = |f: &dyn Fn(&lsbridge::sim::SimStore) -> usize| sim.with_store(|s, _| f(s));
        let lists: Vec<(&str, bool, usize)> = vec![
            ("/products", true, live(&|s| s.products.len())),
            ("/outlets", true, live(&|s| s.outlets.len())),
            ("/registers", true, live(&|s| s.registers.len())),
            (
                "/users",
                false,
                live(&|s| s.users.iter().filter(|r| !r.is_deleted()).count()),
            ),
            (
                "/taxes",
                false,
                live(&|s| s.taxes.iter().filter(|r| !r.is_deleted()).count()),
            ),
            ("/payment_types", true, live(&|s| s.payment_types.len())),
            ("/brands", true, live(&|s| s.brands.len())),
            ("/customers", true, live(&|s| s.customers.len())),
            (
                "/sales",
                false,
                live(&|s| s.sales.iter().filter(|r| !r.is_deleted()).count()),
            ),
        ];
        for (path, deleted, want) in &lists {
            let rows: Vec<AnyRow> = VersionPager::new(&c, path, None)
                .include_deleted(*deleted)
                .collect_all()
                .await
                .unwrap_or_else(|e| panic!("{status} {path}: {e}"));
            assert_eq!(rows.len(), *want, "{status} {path}");
            assert_eq!(c.page_size_for(path), Some(125), "{status} {path}");
        }
        let cats = CategoryPager::new(&c)
            .collect_all()
            .await
            .expect("categories");
        assert_eq!(cats.len(), live(&|s| s.categories.len()), "{status}");
        assert_eq!(c.page_size_for("/product_categories"), Some(125));

        let mut inv = InventoryPager::new(&c, None).include_deleted(true);
        let mut n = 0;
        while let Some(p) = inv.next_page().await.expect("stock") {
            n += p.items.len();
        }
        assert_eq!(n, live(&|s| s.inventory.len()), "{status}");
        assert_eq!(c.page_size_for("/inventory"), Some(156));
        // The stock ranges (size 1 probes, then the remembered size) and the connection
        // test (page_size=1 peeks) read as well.
        let ranges = inventory_ranges(&c, 4, false).await.expect("ranges");
        for (after, before) in ranges {
            let mut p = InventoryPager::new(&c, after).before(before);
            while p.next_page().await.expect("range").is_some() {}
        }
        lsbridge::lightspeed::probe::test_connection(&c)
            .await
            .expect("connection test");

        // Each endpoint was refused only while its size was being found.
        let ex = sim.exchanges();
        for (path, refused) in lists
            .iter()
            .map(|l| (l.0, 3))
            .chain([("/product_categories", 3), ("/inventory", 5)])
        {
            let full = format!("/api/2026-07{path}");
            let mine: Vec<_> = ex.iter().filter(|x| x.path == full).collect();
            let bad: Vec<_> = mine.iter().filter(|x| x.status == status).collect();
            assert_eq!(
                bad.len(),
                refused,
                "{status} {path}: {:?}",
                bad.iter().map(|x| &x.query).collect::<Vec<_>>()
            );
            assert!(
                mine.iter()
                    .all(|x| (200..300).contains(&x.status) || x.status == status),
                "{path}"
            );
            assert!(
                mine.iter().filter(|x| x.status == 200).all(|x| {
                    let q = x.query.as_deref().unwrap_or("");
                    let size = x.request_body.as_ref().and_then(|b| b["size"].as_u64());
                    q.contains("page_size=125")
                        || q.contains("page_size=1&")
                        || q.ends_with("page_size=1")
                        || matches!(size, Some(156) | Some(1))
                }),
                "{status} {path}: a page asked past the remembered size"
            );
        }
        let ok: Vec<_> = ex.into_iter().filter(|x| x.status == 200).collect();
        assert!(simkit::assert_conformant(&ok) > 0);
    }

    // Refused even at 100: the error names the refusal, after halving down to 100.
    let mut cfg = simkit::config(StoreSpec::Demo);
    cfg.refuse_page_size = Some(PageSizeRefusal {
        above: 50,
        status: 422,
    });
    let sim = SimHandle::start(cfg).await.expect("simulator");
    let c = simkit::default_client(&sim);
    let err = VersionPager::<Product>::new(&c, "/products", None)
        .collect_all()
        .await
        .unwrap_err();
    assert!(
        matches!(err, ApiError::Rejected { status: 422, .. }),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains("page_size must be at most 50, got 100"),
        "{err}"
    );
    let sizes: Vec<String> = sim
        .exchanges()
        .iter()
        .filter_map(|x| x.query.clone())
        .collect();
    assert_eq!(sizes.len(), 5, "{sizes:?}");
    assert!(sizes[4].contains("page_size=100"), "{sizes:?}");
}

/// A loopback server that answers every request with `reply`, counting the requests.
fn tiny_server(reply: String) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::io::{Read, Write};
    use std::sync::atomic::{AtomicUsize, Ordering};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let hits = std::sync::Arc::new(AtomicUsize::new(0));
    let counted = hits.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { return };
            let mut buf = Vec::new();
            let mut chunk = [0u8; 1024];
            while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                match s.read(&mut chunk) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => buf.extend_from_slice(&chunk[..n]),
                }
            }
            counted.fetch_add(1, Ordering::SeqCst);
            let _ = s.write_all(reply.as_bytes());
        }
    });
    (origin, hits)
}

/// The API does not redirect, so the client follows no redirect (the token would go with
/// it): a 302 to another origin is an error naming its target, and the target never hears
/// from us.
#[tokio::test]
async fn a_redirect_is_not_followed_and_names_its_target() {
    use std::sync::atomic::Ordering;
    let (elsewhere, elsewhere_hits) = tiny_server(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\nConnection: close\r\n\r\n{\"data\":{}}"
            .to_string(),
    );
    let target = format!("{elsewhere}/api/2026-07/retailer");
    for status in [
        "302 Found",
        "301 Moved Permanently",
        "307 Temporary Redirect",
    ] {
        let (origin, hits) = tiny_server(format!(
            "HTTP/1.1 {status}\r\nLocation: {target}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        ));
        let root = lsbridge::lightspeed::ApiRoot::with_origin(&origin, "2026-07").unwrap();
        let client = lsbridge::lightspeed::Client::new(
            root,
            lsbridge::secret::Token::parse(simkit::TOKEN).unwrap(),
            simkit::client_opts(lsbridge::clock::system()),
        )
        .unwrap();
        let err = client.retailer().await.expect_err("a redirect is an error");
        assert!(
            matches!(err, ApiError::Redirected { .. }),
            "{status}: {err:?}"
        );
        let line = err.to_string();
        assert!(
            line.contains(&target) && line.contains("not followed") && !line.contains('\n'),
            "{status}: {line}"
        );
        assert_eq!(
            hits.load(Ordering::SeqCst),
            1,
            "{status}: asked once, not retried"
        );
    }
    assert_eq!(
        elsewhere_hits.load(Ordering::SeqCst),
        0,
        "the redirect's target was contacted"
    );
}
