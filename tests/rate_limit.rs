//! With the documented rate limit on and simulator time running fast, a long import meets at
//! most one 429 per window, waits until the `Retry-After` it was given, says it is waiting,
//! and finishes with every row.

mod support;

use std::time::{Duration, SystemTime};

use lsbridge::lightspeed::error::ClientNotice;
use lsbridge::lightspeed::models::{InventoryRecord, Product};
use lsbridge::lightspeed::pager::{InventoryPager, VersionPager};
use lsbridge::sim::{RateLimit, RateScope, SimHandle, StoreSpec};
use support::simkit;

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
async fn long_import_gets_at_most_one_429_per_window_and_finishes() {
    // 3000 products at 100 per page + inventory: ~35 requests against 12 per 300 s window,
    // with 300 s of simulator time lasting one real second.
    let sim = limited_sim(3000, Some(12), 300.0, RateScope::PerToken).await;
    sim.set_page_size_cap(100);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let mut opts = simkit::client_opts(sim.clock());
    opts.notices = Some(tx);
    let client = simkit::client(&sim, simkit::TOKEN, opts);

    let products: Vec<Product> = VersionPager::new(&client, "/products", 0)
        .page_size(1000)
        .collect_all()
        .await
        .expect("import finishes despite the rate limit");
    assert_eq!(products.len(), 3000);
    let mut inv = InventoryPager::new(&client, 0).size(1000);
    let mut records: Vec<InventoryRecord> = Vec::new();
    while let Some(p) = inv.next_page().await.expect("inventory finishes") {
        records.extend(p.items);
    }
    // Family parents carry no stock, so fewer than 3 × 3000 records.
    let expected = sim.with_store(|s, _| s.inventory.len());
    assert_eq!(records.len(), expected);

    let ex = sim.exchanges();
    let limited: Vec<usize> = (0..ex.len()).filter(|i| ex[*i].status == 429).collect();
    assert!(
        limited.len() >= 2,
        "the import should have outrun several windows, saw {} 429s in {} requests",
        limited.len(),
        ex.len()
    );
    for &i in &limited {
        let ra = parse_date(
            ex[i]
                .retry_after
                .as_deref()
                .expect("429 carries Retry-After"),
        );
        // The next request waited until the Retry-After it was given …
        if let Some(next) = ex.get(i + 1) {
            assert!(
                next.at >= ra,
                "request {} went out {:?} before Retry-After",
                i + 1,
                ra.duration_since(next.at).unwrap_or_default()
            );
            // … and was let through: one 429 per window, never two in a row.
            assert_ne!(next.status, 429, "two 429s in one window at {i}");
        }
    }
    // Every window that was exhausted produced exactly one 429: total requests beyond the
    // budget are the 429s themselves.
    let windows = (ex.len() as f64 / 13.0).ceil() as usize;
    assert!(
        limited.len() <= windows,
        "{} 429s for {windows} windows",
        limited.len()
    );

    // The client said it was waiting, with the resume time it was given.
    let mut waits = Vec::new();
    while let Ok(n) = rx.try_recv() {
        if let ClientNotice::WaitingForRateLimit { until } = n {
            waits.push(until);
        }
    }
    assert!(!waits.is_empty(), "no waiting notice was reported");
    let (holds, seen_429) = client.governor().stats();
    assert_eq!(seen_429 as usize, limited.len());
    assert_eq!(holds as usize, limited.len());
    simkit::assert_conformant(&ex);
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
