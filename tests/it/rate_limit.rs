//! With the documented rate limit on and simulator time running fast, a long import spends
//! each window's budget and waits for the window to end without meeting a 429, two clients
//! sharing one governor stay within the budget together, and a 429 that could not be
//! foreseen still holds every request until the `Retry-After` it gave.

use std::time::{Duration, SystemTime};

use crate::support::simkit;
use lsbridge::lightspeed::error::ClientNotice;
use lsbridge::lightspeed::governor::Governor;
use lsbridge::lightspeed::models::{InventoryRecord, Product};
use lsbridge::lightspeed::pager::{InventoryPager, VersionPager};
use lsbridge::sim::{Faults, RateLimit, RateScope, SimHandle, StoreSpec};

async fn limited_sim(products: u64, limit: Option<u64>, scale: f64, scope: RateScope) -> SimHandle {
    let mut cfg = simkit::config(StoreSpec::Synthetic { products, seed: 9 });
    cfg.clock = simkit::scaled_clock(scale);
    cfg.rate_limit = Some(RateLimit {
        limit,
        window: Duration::from_secs(300),
        scope,
    });
    SimHandle::start(cfg).await.expect("simulator")
}

fn parse_date(s: &str) -> SystemTime {
    httpdate::parse_http_date(s).expect("Retry-After is an RFC 1123 date")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_import_waits_out_each_window_and_meets_no_429() {
    // 3000 products at 100 per page + inventory: ~40 requests against 12 per 300 s window.
    // Time jumps to each wait's end (see JumpClock): on a scaled clock a loaded machine made
    // requests so slow that windows ended by themselves and fewer waits were needed.
    let mut cfg = simkit::config(StoreSpec::Synthetic {
        products: 3000,
        seed: 9,
    });
    cfg.clock = std::sync::Arc::new(lsbridge::clock::JumpClock::new(std::time::SystemTime::now()));
    cfg.rate_limit = Some(RateLimit {
        limit: Some(12),
        window: Duration::from_secs(300),
        scope: RateScope::PerToken,
    });
    let sim = SimHandle::start(cfg).await.expect("simulator");
    sim.set_page_size_cap(100);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let mut opts = simkit::client_opts(sim.clock());
    opts.notices = Some(tx);
    let client = simkit::client(&sim, simkit::TOKEN, opts);

    let products: Vec<Product> = VersionPager::new(&client, "/products", None)
        .page_size(1000)
        .collect_all()
        .await
        .expect("import finishes despite the rate limit");
    assert_eq!(products.len(), 3000);
    let mut inv = InventoryPager::new(&client, None).size(1000);
    let mut records: Vec<InventoryRecord> = Vec::new();
    while let Some(p) = inv.next_page().await.expect("inventory finishes") {
        records.extend(p.items);
    }
    // Family parents carry no stock, so fewer than 3 × 3000 records.
    let expected = sim.with_store(|s, _| s.inventory.len());
    assert_eq!(records.len(), expected);

    let ex = sim.exchanges();
    assert!(
        ex.len() > 36,
        "the import should have needed more than three windows, made {} requests",
        ex.len()
    );
    // The governor spends each window's budget, then waits for the window to end instead
    // of sending a request to find out: not one 429.
    let limited = ex.iter().filter(|x| x.status == 429).count();
    assert_eq!(limited, 0, "429s in {} requests", ex.len());
    let (waits, seen_429) = client.governor().stats();
    assert_eq!(seen_429, 0);
    assert!(waits >= 3, "{waits} window waits for {} requests", ex.len());
    // The client said it was waiting, with the resume time.
    let mut notices = Vec::new();
    while let Ok(n) = rx.try_recv() {
        if let ClientNotice::WaitingForRateLimit { until } = n {
            notices.push(until);
        }
    }
    assert!(notices.len() >= 3, "{} waiting notices", notices.len());
    simkit::assert_conformant(&ex);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_it_could_not_foresee_still_holds_until_retry_after() {
    // Another application spent the budget: the store answers 429 although our count says
    // there is room. Every request waits until the Retry-After it was given.
    let sim = limited_sim(300, Some(1000), 300.0, RateScope::PerToken).await;
    sim.set_page_size_cap(100);
    sim.set_faults(Faults {
        storm: 1,
        storm_retry_after_secs: 30,
        ..Faults::none()
    });
    let client = simkit::client(&sim, simkit::TOKEN, simkit::client_opts(sim.clock()));
    let products: Vec<Product> = VersionPager::new(&client, "/products", None)
        .page_size(100)
        .collect_all()
        .await
        .expect("import finishes");
    assert_eq!(products.len(), 300);
    let ex = sim.exchanges();
    let limited: Vec<usize> = (0..ex.len()).filter(|i| ex[*i].status == 429).collect();
    assert_eq!(limited.len(), 1);
    let i = limited[0];
    let ra = parse_date(
        ex[i]
            .retry_after
            .as_deref()
            .expect("429 carries Retry-After"),
    );
    let next = ex.get(i + 1).expect("a request after the 429");
    assert!(
        next.at >= ra,
        "the request after the 429 went out {:?} before Retry-After",
        ra.duration_since(next.at).unwrap_or_default()
    );
    assert_eq!(client.governor().stats(), (1, 1), "one hold, one 429");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn clients_sharing_a_governor_never_push_each_other_into_429() {
    // Two clients of one connection (two jobs) page at the same time against 7 requests per
    // window: they share one governor, so together they stay within the budget.
    let sim = limited_sim(1500, Some(7), 600.0, RateScope::PerToken).await;
    sim.set_page_size_cap(100);
    let governor = std::sync::Arc::new(Governor::new(sim.clock()));
    let opts = || {
        let mut o = simkit::client_opts(sim.clock());
        o.governor = Some(governor.clone());
        o
    };
    let a = simkit::client(&sim, simkit::TOKEN, opts());
    let b = simkit::client(&sim, simkit::TOKEN, opts());
    let products = async {
        VersionPager::<Product>::new(&a, "/products", None)
            .page_size(100)
            .collect_all()
            .await
    };
    let inventory = async {
        let mut inv = InventoryPager::new(&b, None).size(250);
        let mut n = 0;
        while let Some(p) = inv.next_page().await? {
            n += p.items.len();
        }
        Ok::<usize, lsbridge::lightspeed::ApiError>(n)
    };
    let (p, i) = tokio::join!(products, inventory);
    assert_eq!(p.expect("products finish").len(), 1500);
    assert_eq!(
        i.expect("inventory finishes"),
        sim.with_store(|s, _| s.inventory.len())
    );
    let ex = sim.exchanges();
    assert!(
        ex.len() > 21,
        "only {} requests: the test needs several windows",
        ex.len()
    );
    let limited = ex.iter().filter(|x| x.status == 429).count();
    assert_eq!(limited, 0, "429s in {} requests", ex.len());
    assert_eq!(governor.stats().1, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn budget_headers_follow_the_documented_formula() {
    // Two registers: 300 × 2 + 50 = 650 per window.
    let sim = limited_sim(50, None, 1.0, RateScope::PerToken).await;
    let client = simkit::default_client(&sim);
    client.retailer().await.unwrap();
    let b = client.governor().budget();
    assert_eq!(b.limit, Some(650));
    assert_eq!(b.remaining, Some(649));
    client.retailer().await.unwrap();
    assert_eq!(client.governor().budget().remaining, Some(648));
    // Every JSON response carries the headers, errors included.
    let ex = sim.exchanges();
    assert_eq!(ex.len(), 2);
    simkit::assert_conformant(&ex);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_store_scope_shares_one_window_between_tokens() {
    let mut cfg = simkit::config(StoreSpec::Synthetic {
        products: 10,
        seed: 1,
    });
    cfg.tokens.push(lsbridge::sim::TokenSpec {
        token: "second-app-token".into(),
        scopes: None,
    });
    cfg.rate_limit = Some(RateLimit {
        limit: Some(5),
        window: Duration::from_secs(300),
        scope: RateScope::PerStore,
    });
    let sim = SimHandle::start(cfg).await.unwrap();
    let a = simkit::default_client(&sim);
    let b = simkit::client(&sim, "second-app-token", simkit::client_opts(sim.clock()));
    for _ in 0..3 {
        a.retailer().await.unwrap();
    }
    b.retailer().await.unwrap();
    assert_eq!(b.governor().budget().remaining, Some(1));
}

/// The gap, in simulator time, between the injected 429 on a path containing `path` and the
/// next request to that path.
fn wait_after_429(ex: &[lsbridge::sim::Exchange], path: &str) -> Duration {
    let at = ex
        .iter()
        .position(|x| x.status == 429 && x.path.contains(path))
        .unwrap_or_else(|| panic!("no 429 on {path}"));
    let next = ex[at + 1..]
        .iter()
        .find(|x| x.path == ex[at].path)
        .unwrap_or_else(|| panic!("no request to {path} after its 429"));
    next.at.duration_since(ex[at].at).unwrap_or_default()
}

/// A 429 whose Retry-After is absurd (u64::MAX seconds, a date in year 9999) is clamped to
/// the documented 300 s window: `connection test`, Primary and Secondary each wait one window
/// and finish, with no panic (the huge number once panicked inside Primary's products reader
/// and the run ended "Ok: new 0") and no endless wait.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn absurd_retry_after_values_are_clamped_to_the_window() {
    use crate::support::engine;
    use lsbridge::jobs::primary::PrimaryOptions;
    use lsbridge::jobs::{Events, JobCtx, Outcome};
    use lsbridge::lightspeed::probe::test_connection;

    for raw in ["18446744073709551615", "Fri, 31 Dec 9999 23:59:59 GMT"] {
        let mut cfg = simkit::config(StoreSpec::Demo);
        // Time jumps to the end of each wait (see JumpClock): the six 300 s windows cost no
        // real time, and the gaps below are exactly what the client chose to wait.
        cfg.clock =
            std::sync::Arc::new(lsbridge::clock::JumpClock::new(std::time::SystemTime::now()));
        let sim = SimHandle::start(cfg).await.expect("simulator");
        let mut e = engine::engine(&sim, |_| {});
        e.ctx = JobCtx::new(
            e.store.clone(),
            simkit::client(&sim, simkit::TOKEN, simkit::client_opts(sim.clock())),
            Events::none(),
        );
        let storm = |path: &str| Faults {
            storm: 1,
            retry_after_raw: Some(raw.to_string()),
            only_path: Some(path.to_string()),
            ..Faults::default()
        };
        let window = Duration::from_secs(300);
        let clamped = |path: &str| {
            let ex = sim.exchanges();
            let x = ex
                .iter()
                .find(|x| x.status == 429 && x.path.contains(path))
                .expect("the 429");
            assert_eq!(x.retry_after.as_deref(), Some(raw), "sent as is");
            let gap = wait_after_429(&ex, path);
            assert!(
                gap >= window - Duration::from_secs(1) && gap < 2 * window,
                "{raw} on {path}: waited {gap:?}"
            );
        };

        sim.set_faults(storm("/retailer"));
        let report = test_connection(&e.ctx.client)
            .await
            .expect("connection test passes after the wait");
        assert!(!report.store_name.is_empty());
        clamped("/retailer");

        sim.clear_exchanges();
        sim.set_faults(storm("/products"));
        let r = e.primary(PrimaryOptions::default()).await;
        assert_eq!(r.outcome, Outcome::Ok, "{raw}: {}", r.message);
        assert!(r.counts.new > 0, "{raw}: {}", r.message);
        assert_eq!(e.pool().len() as u64, r.counts.new);
        clamped("/products");

        sim.clear_exchanges();
        sim.mutate_random(10);
        sim.set_faults(storm("/inventory"));
        let r = e.secondary().await;
        assert_eq!(r.outcome, Outcome::Ok, "{raw}: {}", r.message);
        clamped("/inventory");
    }
}
