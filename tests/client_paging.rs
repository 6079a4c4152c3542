//! The client pages a 10,000-product synthetic store completely and exactly once per
//! product version, while the store changes between pages, under each injected fault, and
//! with a page-size cap smaller than it asks for. Every response the simulator sent and every
//! request body the client sent validate against the spec subset.

mod support;

use std::collections::{BTreeMap, HashMap};

use lsbridge::lightspeed::models::{InventoryRecord, Product};
use lsbridge::lightspeed::pager::{
    inventory_ranges, version_ranges, InventoryPager, RangeMerge, RangedRead, VersionPager,
};
use lsbridge::lightspeed::ApiError;
use lsbridge::sim::{BeforeBound, Faults, SimHandle, StoreSpec};
use support::simkit;

const N: u64 = 10_000;

/// What the client saw of each product id: every version delivered, in order.
#[derive(Default)]
struct Seen(HashMap<String, Vec<u64>>);

impl Seen {
    fn add(&mut self, id: &str, v: u64) {
        self.0.entry(id.to_string()).or_default().push(v);
    }
}

/// Asserts the scan is exact: every row the store has (deleted ones included) was delivered,
/// its last delivery is the store's current version, and no version was delivered twice
/// (a row comes again only if it changed after it was delivered).
fn assert_exact(seen: &Seen, truth: &BTreeMap<String, u64>, what: &str) {
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

fn product_truth(sim: &SimHandle) -> BTreeMap<String, u64> {
    sim.with_store(|s, _| {
        s.products
            .iter()
            .map(|p| (p.id.clone(), p.version))
            .collect()
    })
}

fn inventory_truth(sim: &SimHandle) -> BTreeMap<String, u64> {
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
    // open one ended. (The hint is the store's top version, as the stock feed's would be.)
    let hint = sim.with_store(|s, _| s.current_version());
    let plan = version_ranges::<Product>(&client, "/products", 4, hint)
        .await
        .unwrap_or_else(|e| panic!("{what}: probes: {e}"));
    assert_eq!(plan.ranges.len(), 4, "{what}: {plan:?}");
    let mut read = RangedRead::<Product>::new(
        &client,
        "/products",
        RangeMerge::new(plan.ranges.clone(), plan.floor),
    )
    .include_deleted(true)
    .page_size(page_size);
    let mut seen = Seen::default();
    let mut pages = 0;
    let mut ranks = std::collections::BTreeSet::new();
    while let Some(page) = read
        .next_page()
        .await
        .unwrap_or_else(|e| panic!("{what}: {e}"))
    {
        let range = plan.ranges[page.rank];
        for p in &page.items {
            assert!(
                p.version > range.after && range.upto.is_none_or(|u| p.version <= u),
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
        "{what}: ranges read side by side: {ranks:?} of {plan:?}"
    );
    eprintln!("  {what}: products scanned ({pages} pages)");
    assert_exact(&seen, &product_truth(sim), &format!("{what} products"));

    sim.set_faults(sim_faults_again(what));
    let mut seen = Seen::default();
    let mut inv = InventoryPager::new(&client, 0)
        .include_deleted(true)
        .size(2_000);
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
async fn sim_10k() -> SimHandle {
    let mut cfg = simkit::config(StoreSpec::Synthetic {
        products: N,
        seed: 42,
    });
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
    let sim = sim_10k().await;
    let client = simkit::default_client(&sim);
    let mut pager = VersionPager::<Product>::new(&client, "/products", 0).include_deleted(true);
    let mut ids = HashMap::new();
    let mut requests = 0;
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
    assert_eq!(requests, 10);
    assert_eq!(client.requests_sent(), 11);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_exactly_once_under_each_fault_with_live_mutations() {
    let sim = sim_10k().await;
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
        scan(&sim, f, 1000, 7, what).await;
        let c = sim.counters();
        if what != "no faults" && what != "latency" {
            assert!(c.faults > 0, "{what}: no fault was injected");
        }
        eprintln!("{what}: {:?}", started.elapsed());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn page_size_cap_smaller_than_requested() {
    let sim = sim_10k().await;
    sim.set_page_size_cap(300);
    let client = simkit::default_client(&sim);
    let mut pager = VersionPager::<Product>::new(&client, "/products", 0)
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
    let sim = sim_10k().await;
    let client = simkit::default_client(&sim);
    let mut pager = VersionPager::<Product>::new(&client, "/products", 0);
    // First page is fine; from then on the store keeps answering the same page.
    assert!(pager.next_page().await.unwrap().is_some());
    sim.set_faults(faults(|f| f.p_stuck = 1.0));
    let before = client.requests_sent();
    let err = pager.next_page().await.expect_err("must fail");
    assert!(matches!(err, ApiError::CursorStuck { .. }), "{err}");
    assert!(err.to_string().contains("stopping instead of looping"));
    assert!(client.requests_sent() - before <= 5, "gave up too late");

    let mut inv = InventoryPager::new(&client, 0);
    sim.set_faults(Faults::none());
    assert!(inv.next_page().await.unwrap().is_some());
    sim.set_faults(faults(|f| f.p_stuck = 1.0));
    let err = inv.next_page().await.expect_err("must fail");
    assert!(matches!(err, ApiError::CursorStuck { .. }), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn legacy_2_0_aliases_page_the_same_data() {
    let sim = sim_10k().await;
    let client = simkit::default_client(&sim);
    let v26: Vec<Product> = VersionPager::new(&client, "/products", 0)
        .collect_all()
        .await
        .unwrap();
    let v20: Vec<Product> = VersionPager::new(&client, "/api/2.0/products", 0)
        .collect_all()
        .await
        .unwrap();
    assert_eq!(v26, v20);
    let inv: Vec<InventoryRecord> = VersionPager::new(&client, "/api/2.0/inventory", 0)
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
    let sim = sim_10k().await;
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
        let mut merged: HashMap<String, (usize, u64)> = HashMap::new();
        let take =
            |merged: &mut HashMap<String, (usize, u64)>, rank: usize, items: &[InventoryRecord]| {
                for r in items {
                    if let Some((lo, hi)) = ranges.get(rank).map(|(a, b)| (*a, *b)) {
                        assert!(r.version > lo, "{bound:?}: range {rank} sent {}", r.version);
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
