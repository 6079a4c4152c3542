//! Get Inventory (Primary) and (Secondary) against the simulator: the seed's default
//! templates import the demo store with zero errors; after live changes Secondary brings the
//! pool back in line with the store using requests that grow with the changes, not the
//! catalog; archive and un-archive follow the toggle; the safety valve holds; dry runs write
//! nothing; duplicate SKUs are reported, never kept silently.

use crate::support::engine::{self, assert_pool_matches, num};
use crate::support::simkit;
use lsbridge::jobs::primary::PrimaryOptions;
use lsbridge::jobs::Outcome;
use lsbridge::jobs::{Events, JobCtx};
use lsbridge::sim::{BeforeBound, SimHandle, StoreSpec};

async fn sim(store: StoreSpec) -> SimHandle {
    let mut cfg = simkit::config(store);
    cfg.record = false;
    SimHandle::start(cfg).await.expect("simulator")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn default_templates_import_the_demo_store_with_zero_errors() {
    let sim = sim(StoreSpec::Demo).await;
    let e = engine::engine(&sim, |_| {});
    let r = e.primary(PrimaryOptions::default()).await;
    assert_eq!(r.outcome, Outcome::Ok, "{}", r.message);
    assert_eq!(r.counts.errors, 0);
    assert_eq!(r.counts.duplicates, 0);
    assert_eq!(r.counts.skipped, 0);
    // 342 products (341 and the Shipping service), 10 of them soft-deleted (the feed leaves
    // those out): 332 rows read, 9 of them not stock items (the discount product, 3 gift
    // cards, 4 services and Shipping, all untracked), the rest new; every row read is
    // accounted for.
    assert_eq!(r.counts.read, 332);
    assert_eq!(r.counts.deleted, 0);
    assert_eq!(r.counts.not_stock, 9);
    assert_eq!(r.counts.new, 323, "{}", r.message);
    assert_eq!(r.counts.accounted(), r.counts.read, "{}", r.message);
    assert!(
        r.message.contains("skipped 9 (not stock items 9)"),
        "{}",
        r.message
    );
    assert!(r.message.contains("of 332 read"), "{}", r.message);
    let pool = e.pool();
    assert_eq!(pool.len(), 323);
    assert_pool_matches(&sim, &pool, true);
    // Variants carry their parent SKU and options; parents carry no quantity.
    let v = pool.values().find(|i| i.parent_sku.is_some()).unwrap();
    let parent = &pool[v.parent_sku.as_ref().unwrap()];
    assert!(parent.is_parent);
    assert_eq!(num(parent, "Quantity"), None);
    assert!(v.fields.contains_key("Option Name 1"));
    // A second run changes nothing.
    let r2 = e.primary(PrimaryOptions::default()).await;
    assert_eq!(
        (r2.counts.new, r2.counts.updated, r2.counts.unchanged),
        (0, 0, 323)
    );
    assert_eq!(r2.counts.accounted(), 332);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secondary_follows_changes_with_requests_that_grow_with_changes_not_catalog() {
    let mut requests = Vec::new();
    for n in [1_000u64, 4_000] {
        let sim = sim(StoreSpec::Synthetic {
            products: n,
            seed: 3,
        })
        .await;
        let e = engine::engine(&sim, |s| s.secondary.allow_create_variant = true);
        let r = e.primary(PrimaryOptions::default()).await;
        assert_eq!(r.outcome, Outcome::Ok, "{}", r.message);
        sim.mutate_random(60);
        let before = e.ctx.client.requests_sent();
        let r = e.secondary().await;
        assert_eq!(r.outcome, Outcome::Ok, "{}", r.message);
        requests.push(e.ctx.client.requests_sent() - before);
        assert!(r.counts.updated + r.counts.new > 0);
        // Quantities now equal the store's (catalog fields are Primary's job).
        assert_pool_matches(&sim, &e.pool(), false);
        // Nothing new: one request that answers an empty page.
        let before = e.ctx.client.requests_sent();
        let r = e.secondary().await;
        assert_eq!(r.counts.updated, 0);
        assert_eq!(e.ctx.client.requests_sent() - before, 1);
        // And a full Primary afterwards agrees field by field.
        e.primary(PrimaryOptions::default()).await;
        assert_pool_matches(&sim, &e.pool(), true);
    }
    // Same number of changes → same number of requests, at 4× the catalog size
    // (the few extra are single-product fetches for variants created by Allow Create Variant).
    assert!(requests[1] <= requests[0] + 8, "{requests:?}");
    assert!(requests[1] < 20, "{requests:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn archive_unarchive_and_the_safety_valve() {
    let sim = sim(StoreSpec::Demo).await;
    let e = engine::engine(&sim, |s| s.primary.archive_unarchive = true);
    e.primary(PrimaryOptions::default()).await;
    let victims: Vec<String> = sim.with_store(|s, _| {
        s.products
            .iter()
            .filter(|p| p.deleted_at.is_none() && !p.has_variants && p.has_inventory)
            .take(5)
            .map(|p| p.id.clone())
            .collect()
    });
    sim.with_store(|s, rng| {
        for id in &victims {
            assert!(s.delete(id, rng));
        }
    });
    let r = e.primary(PrimaryOptions::default()).await;
    assert_eq!(r.counts.archived, 5, "{}", r.message);
    let pool = e.pool();
    let archived: Vec<_> = pool.values().filter(|i| i.archived).collect();
    assert_eq!(archived.len(), 5);
    assert!(archived.iter().all(|i| num(i, "Quantity") == Some(0.0)));
    assert_eq!(pool.len(), 323, "archived items stay in the pool");
    // Back in the feed: un-archived.
    sim.with_store(|s, rng| {
        for id in &victims {
            assert!(s.restore(id, rng));
        }
    });
    let r = e.primary(PrimaryOptions::default()).await;
    assert_eq!(r.counts.unarchived, 5);
    assert!(e.pool().values().all(|i| !i.archived));
    assert_pool_matches(&sim, &e.pool(), true);

    // Safety valve: a feed missing 30% of the pool archives nothing without confirmation.
    let many: Vec<String> = sim.with_store(|s, _| {
        s.products
            .iter()
            .filter(|p| p.deleted_at.is_none() && p.has_inventory)
            .take(100)
            .map(|p| p.id.clone())
            .collect()
    });
    sim.with_store(|s, rng| {
        for id in &many {
            s.delete(id, rng);
        }
    });
    let r = e.primary(PrimaryOptions::default()).await;
    assert_eq!(r.outcome, Outcome::Partial);
    assert!(r.message.contains("safety valve"), "{}", r.message);
    assert!(r.message.contains("--confirm-archive"));
    assert_eq!(r.counts.archived, 0);
    assert!(e.pool().values().all(|i| !i.archived));
    let r = e
        .primary(PrimaryOptions {
            confirm_archive: true,
            ..PrimaryOptions::default()
        })
        .await;
    assert_eq!(r.counts.archived, 100);
    assert_eq!(e.pool().values().filter(|i| i.archived).count(), 100);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_reports_diffs_and_writes_nothing() {
    let sim = sim(StoreSpec::Demo).await;
    let e = engine::engine(&sim, |_| {});
    let r = e
        .primary(PrimaryOptions {
            dry_run: true,
            diff_limit: 5,
            ..PrimaryOptions::default()
        })
        .await;
    assert_eq!(r.counts.new, 323);
    assert_eq!(r.counts.accounted(), 332);
    assert_eq!(r.diffs.len(), 5);
    assert!(r.diffs[0].fields.contains_key("Title"));
    assert!(e.pool().is_empty(), "a dry run wrote to the pool");
    // The real run afterwards starts from scratch and agrees with the dry run's counts.
    let real = e.primary(PrimaryOptions::default()).await;
    assert_eq!(
        real.counts,
        lsbridge::jobs::Counts {
            requests: real.counts.requests,
            ..r.counts
        }
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicate_skus_are_reported_by_sku_never_kept_silently() {
    let sim = sim(StoreSpec::Demo).await;
    let (a, b) = sim.with_store(|s, rng| {
        let rows: Vec<(String, String)> = s
            .products
            .iter()
            .filter(|p| p.deleted_at.is_none() && !p.has_variants && p.variant_parent_id.is_none())
            .filter(|p| p.has_inventory)
            .take(2)
            .map(|p| (p.id.clone(), p.sku.clone()))
            .collect();
        s.set_sku(&rows[1].0, &rows[0].1, rng);
        (rows[0].clone(), rows[1].clone())
    });
    let e = engine::engine(&sim, |_| {});
    let r = e.primary(PrimaryOptions::default()).await;
    assert_eq!(r.counts.duplicates, 1);
    assert_eq!(r.counts.accounted(), r.counts.read, "{}", r.message);
    assert_eq!(r.outcome, Outcome::Partial);
    let log = lsbridge::jobs::Runs::open(&e.store)
        .unwrap()
        .lines(r.run)
        .unwrap();
    assert!(
        log.iter()
            .any(|l| l.line.contains(&format!("duplicate SKU {}", a.1)) && l.line.contains(&b.0)),
        "the duplicate is named in the run log"
    );
    // The first row keeps the SKU; the second is not written under it.
    assert_eq!(e.pool()[&a.1].product_id, a.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn not_stock_items_are_counted_or_included_and_every_row_read_is_accounted_for() {
    let sim = sim(StoreSpec::Demo).await;
    // One product loses its SKU (skipped: no SKU), another takes a third's (duplicate).
    let (blank, dup) = sim.with_store(|s, rng| {
        let rows: Vec<(String, String)> = s
            .products
            .iter()
            .filter(|p| p.deleted_at.is_none() && p.has_inventory && !p.has_variants)
            .filter(|p| p.variant_parent_id.is_none())
            .take(3)
            .map(|p| (p.id.clone(), p.sku.clone()))
            .collect();
        s.set_sku(&rows[0].0, "", rng);
        s.set_sku(&rows[2].0, &rows[1].1, rng);
        (rows[0].1.clone(), rows[1].1.clone())
    });
    let e = engine::engine(&sim, |_| {});
    let r = e.primary(PrimaryOptions::default()).await;
    assert_eq!(r.outcome, Outcome::Partial, "{}", r.message);
    let c = r.counts;
    assert_eq!(
        (
            c.read,
            c.deleted,
            c.not_stock,
            c.skipped,
            c.duplicates,
            c.errors
        ),
        (332, 0, 9, 1, 1, 0),
        "{}",
        r.message
    );
    assert_eq!(c.new, 321);
    assert_eq!(
        c.new
            + c.updated
            + c.unchanged
            + c.deleted
            + c.not_stock
            + c.skipped
            + c.duplicates
            + c.errors,
        c.read
    );
    assert!(
        r.message
            .contains("skipped 11 (not stock items 9, no SKU 1, duplicate SKUs 1)"),
        "{}",
        r.message
    );
    let pool = e.pool();
    assert_eq!(pool.len(), 321);
    assert!(!pool.contains_key(&blank) && pool.contains_key(&dup));
    for sku in ["vend-discount", "GC-25", "SVC-WRAP"] {
        assert!(!pool.contains_key(sku), "{sku} is not a stock item");
    }

    // A source that includes them imports all nine, without a quantity.
    let e = engine::engine(&sim, |s| s.primary.include_not_stock = true);
    let r = e.primary(PrimaryOptions::default()).await;
    assert_eq!(
        (r.counts.not_stock, r.counts.new),
        (0, 330),
        "{}",
        r.message
    );
    assert_eq!(r.counts.accounted(), 332);
    assert!(!r.message.contains("not stock"), "{}", r.message);
    let pool = e.pool();
    for sku in ["vend-discount", "GC-25", "GC-100", "SVC-WRAP", "SVC-SHARP"] {
        assert_eq!(num(&pool[sku], "Quantity"), None, "{sku}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn variants_get_their_parent_sku_when_the_parent_comes_later_in_the_feed() {
    let sim = sim(StoreSpec::Demo).await;
    // Editing a family parent moves it after its variants in version order.
    let parent = sim.with_store(|s, rng| {
        let p = s
            .products
            .iter()
            .find(|p| p.has_variants && p.deleted_at.is_none())
            .unwrap()
            .into_owned();
        s.set_price(&p.id, 99.0, rng);
        p
    });
    let mut e = engine::engine(&sim, |_| {});
    // Pages of 50, so the variants are written pages before their parent arrives.
    let mut opts = simkit::client_opts(sim.clock());
    opts.page_size = 50;
    let client = simkit::client(&sim, simkit::TOKEN, opts);
    e.ctx = lsbridge::jobs::JobCtx::new(e.store.clone(), client, lsbridge::jobs::Events::none());
    let r = e.primary(PrimaryOptions::default()).await;
    assert_eq!(r.outcome, Outcome::Ok, "{}", r.message);
    let pool = e.pool();
    let variants: Vec<_> = pool
        .values()
        .filter(|i| i.parent_sku.as_deref() == Some(parent.sku.as_str()))
        .collect();
    assert!(
        !variants.is_empty(),
        "variants of {} lost their parent",
        parent.sku
    );
    for v in variants {
        assert_eq!(
            crate::support::engine::text(v, "Parent SKU").as_deref(),
            Some(parent.sku.as_str())
        );
    }
}

/// A Primary cancelled part-way through its products and resumed after the stock changed
/// leaves every quantity right once Secondary has run: the resumed run reads the stock feed
/// again but keeps the version its first read reached, so Secondary re-reads what changed in
/// between, including for products committed before the interruption.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resumed_primary_then_secondary_leaves_every_quantity_right() {
    use lsbridge::jobs::{Events, JobCtx, JobEvent, Phase};
    use std::sync::atomic::Ordering;

    let sim = sim(StoreSpec::Synthetic {
        products: 3_000,
        seed: 9,
    })
    .await;
    let mut e = engine::engine(&sim, |_| {});
    let mut opts = simkit::client_opts(sim.clock());
    opts.page_size = 100;
    let client = simkit::client(&sim, simkit::TOKEN, opts);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    e.ctx = JobCtx::new(e.store.clone(), client, Events::new(tx));
    // Cancel as soon as the first product page is reported (30 pages in all).
    let cancel = e.ctx.cancel.clone();
    let watcher = tokio::spawn(async move {
        while let Some(ev) = rx.recv().await {
            if matches!(
                &ev,
                JobEvent::Progress {
                    phase: Phase::Products,
                    ..
                }
            ) {
                cancel.store(true, Ordering::SeqCst);
            }
        }
    });
    let r = e.primary(PrimaryOptions::default()).await;
    assert_eq!(r.outcome, Outcome::Cancelled, "{}", r.message);
    let committed = e.pool().len();
    assert!(committed > 0 && committed < 3_000, "{committed} items");

    let changes = sim.mutate_random(300);
    assert!(!changes.is_empty());
    e.ctx.cancel.store(false, Ordering::SeqCst);
    // Only the resumed run now: no more cancelling.
    watcher.abort();
    let r = e.primary(PrimaryOptions::default()).await;
    assert!(r.resumed);
    assert_eq!(r.outcome, Outcome::Ok, "{}", r.message);
    let r = e.secondary().await;
    assert_eq!(r.outcome, Outcome::Ok, "{}", r.message);
    assert_pool_matches(&sim, &e.pool(), false);
}

/// Primary reads the stock feed as version ranges side by side; the pool is right whichever
/// way the store reads `before` (the spec does not say).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn primary_reads_stock_in_ranges_whichever_way_before_is_read() {
    for bound in [BeforeBound::Inclusive, BeforeBound::Exclusive] {
        let mut cfg = simkit::config(StoreSpec::Synthetic {
            products: 3_000,
            seed: 11,
        });
        cfg.before_bound = bound;
        let sim = SimHandle::start(cfg).await.expect("simulator");
        let mut e = engine::engine(&sim, |_| {});
        let mut opts = simkit::client_opts(sim.clock());
        opts.inventory_page_size = 500;
        e.ctx = JobCtx::new(
            e.store.clone(),
            simkit::client(&sim, simkit::TOKEN, opts),
            Events::none(),
        );
        let r = e.primary(PrimaryOptions::default()).await;
        assert_eq!(r.outcome, Outcome::Ok, "{bound:?}: {}", r.message);
        assert_pool_matches(&sim, &e.pool(), true);
        let bounded = sim
            .exchanges()
            .iter()
            .filter(|x| x.path.ends_with("/inventory"))
            .filter(|x| {
                x.request_body
                    .as_ref()
                    .is_some_and(|b| b.get("before").is_some())
            })
            .count();
        assert!(bounded >= 3, "{bound:?}: {bounded} bounded requests");
    }
}

/// Primary writes a product's id index entry only when the index does not already name the
/// item's SKU; a product whose SKU goes A → B → A must still be found under A by Secondary
/// (item A kept its product id while the index moved to B).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sku_changed_and_changed_back_is_still_found_by_secondary() {
    let sim = sim(StoreSpec::Demo).await;
    let e = engine::engine(&sim, |_| {});
    e.primary(PrimaryOptions::default()).await;
    let (id, sku_a, outlet) = sim.with_store(|s, _| {
        let p = s
            .products
            .iter()
            .find(|p| p.deleted_at.is_none() && !p.has_variants && p.has_inventory)
            .map(std::borrow::Cow::into_owned)
            .expect("a simple product");
        let outlet = s.inventory_of(&p.id)[0].outlet_id.clone();
        (p.id, p.sku, outlet)
    });
    sim.with_store(|s, rng| assert!(s.set_sku(&id, "RELABELLED-1", rng)));
    e.primary(PrimaryOptions::default()).await;
    sim.with_store(|s, rng| assert!(s.set_sku(&id, &sku_a, rng)));
    let r = e.primary(PrimaryOptions::default()).await;
    assert_eq!(r.outcome, Outcome::Ok, "{}", r.message);
    let ids = lsbridge::pool::Pool::open(&e.store).unwrap();
    assert_eq!(
        ids.sku_of(e.source.id, &id).unwrap().as_deref(),
        Some(sku_a.as_str())
    );
    sim.with_store(|s, rng| assert!(s.set_stock(&id, &outlet, 777.0, rng)));
    let r = e.secondary().await;
    assert_eq!(r.outcome, Outcome::Ok, "{}", r.message);
    assert_pool_matches(&sim, &e.pool(), false);
    // Every item the store still has is found through the index under its own SKU.
    for item in e.pool().values().filter(|i| i.sku != "RELABELLED-1") {
        if !item.product_id.is_empty() {
            assert_eq!(
                ids.sku_of(e.source.id, &item.product_id)
                    .unwrap()
                    .as_deref(),
                Some(item.sku.as_str()),
                "index entry of {}",
                item.sku
            );
        }
    }
}

fn archived_count(e: &engine::Engine) -> usize {
    e.pool().values().filter(|i| i.archived).count()
}

/// A Primary on a 1,000-product store in pages of 100, with archiving on.
async fn paged_primary_engine(sim: &SimHandle) -> engine::Engine {
    let mut e = engine::engine(sim, |s| {
        s.primary.archive_unarchive = true;
        s.secondary.archive_unarchive = true;
    });
    let mut opts = simkit::client_opts(sim.clock());
    opts.page_size = 100;
    opts.inventory_page_size = 500;
    e.ctx = JobCtx::new(
        e.store.clone(),
        simkit::client(sim, simkit::TOKEN, opts),
        Events::none(),
    );
    e
}

/// A panic in any task of Primary (a stock range reader, the products reader, the thread
/// committing pages, the job's own mapping) fails the run with a one-line reason: never Ok,
/// and nothing is archived, even with --confirm-archive (a panicked products reader once
/// looked like the end of the feed, and archiving followed). The next run resumes to Ok.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panic_in_any_primary_task_fails_the_run_and_archives_nothing() {
    use lsbridge::jobs::{PanicPoint, Runs};
    let sim = sim(StoreSpec::Synthetic {
        products: 1_000,
        seed: 4,
    })
    .await;
    let mut e = paged_primary_engine(&sim).await;
    let r = e.primary(PrimaryOptions::default()).await;
    assert_eq!(r.outcome, Outcome::Ok, "{}", r.message);
    let total = e.pool().len();
    let confirm = PrimaryOptions {
        confirm_archive: true,
        ..PrimaryOptions::default()
    };
    for point in [
        PanicPoint::PrimaryStockReader,
        PanicPoint::PrimaryProductReader,
        PanicPoint::PrimaryWriter,
        PanicPoint::PrimaryMapping,
    ] {
        e.ctx.panic_at = Some(point);
        let r = e.primary(confirm.clone()).await;
        assert_eq!(r.outcome, Outcome::Failed, "{point:?}: {}", r.message);
        assert!(
            r.message.contains("internal error") && r.message.contains(&format!("{point:?}")),
            "{point:?}: {}",
            r.message
        );
        assert!(!r.message.contains('\n'), "{}", r.message);
        assert_eq!(r.counts.archived, 0, "{point:?}");
        let stored = Runs::open(&e.store).unwrap().get(r.run).unwrap().unwrap();
        assert_eq!(stored.outcome, Outcome::Failed, "{point:?}");
        assert_eq!(stored.message, r.message);
        assert_eq!(
            archived_count(&e),
            0,
            "{point:?}: a failed run archived items"
        );
        assert_eq!(e.pool().len(), total);

        e.ctx.panic_at = None;
        let r = e.primary(confirm.clone()).await;
        assert_eq!(r.outcome, Outcome::Ok, "{point:?} then: {}", r.message);
        assert_eq!(archived_count(&e), 0, "{point:?} then");
    }
    assert_pool_matches(&sim, &e.pool(), true);
}

/// A panic in Secondary fails the run with a one-line reason and archives nothing; the next
/// run applies what the failed one did not (its deletions archive then).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panic_in_secondary_fails_the_run_and_archives_nothing() {
    use lsbridge::jobs::PanicPoint;
    let sim = sim(StoreSpec::Demo).await;
    let mut e = engine::engine(&sim, |s| s.secondary.archive_unarchive = true);
    let r = e.primary(PrimaryOptions::default()).await;
    assert_eq!(r.outcome, Outcome::Ok, "{}", r.message);
    let victims: Vec<String> = sim.with_store(|s, _| {
        s.products
            .iter()
            .filter(|p| p.deleted_at.is_none() && !p.has_variants && p.has_inventory)
            .take(3)
            .map(|p| p.id.clone())
            .collect()
    });
    sim.with_store(|s, rng| {
        for id in &victims {
            assert!(s.delete(id, rng));
        }
    });
    e.ctx.panic_at = Some(PanicPoint::SecondaryPage);
    let r = e.secondary().await;
    assert_eq!(r.outcome, Outcome::Failed, "{}", r.message);
    assert!(
        r.message.contains("internal error") && !r.message.contains('\n'),
        "{}",
        r.message
    );
    assert_eq!(archived_count(&e), 0);
    e.ctx.panic_at = None;
    let r = e.secondary().await;
    assert_eq!(r.outcome, Outcome::Ok, "{}", r.message);
    assert_eq!(r.counts.archived, 3, "{}", r.message);
    assert_eq!(archived_count(&e), 3);
}

/// Secondary continues from a Primary's position: before any Primary it is refused with one
/// line saying what to do, and records no run (it used to read every stock level and end
/// "Ok, skipped 301" with hundreds of warnings).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secondary_before_any_primary_is_refused_with_one_line() {
    use lsbridge::jobs::secondary::{self, SecondaryOptions};
    use lsbridge::jobs::Runs;
    use lsbridge::mapping::Integration;
    use lsbridge::templates::Templates;
    let sim = sim(StoreSpec::Demo).await;
    let e = engine::engine(&sim, |_| {});
    let t = Templates::open(&e.store)
        .unwrap()
        .compiled(None, Integration::Secondary)
        .unwrap();
    let err = secondary::run(&e.ctx, &e.source, &t, None, &SecondaryOptions::default())
        .await
        .expect_err("refused");
    let line = err.to_string();
    assert!(
        line.contains("needs a complete Get Inventory (Primary) first")
            && line.contains("lsbridge run primary --source hp")
            && !line.contains('\n'),
        "{line}"
    );
    assert!(Runs::open(&e.store).unwrap().recent(10).unwrap().is_empty());
    assert!(e.pool().is_empty());
    // After a Primary it runs.
    e.primary(PrimaryOptions::default()).await;
    let r = e.secondary().await;
    assert_eq!(r.outcome, Outcome::Ok, "{}", r.message);
}

/// A product the pool never held that is deleted in the store reaches Secondary's change
/// feed as deleted stock records: nothing to do, and not reported as "not in the pool".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_product_in_the_change_feed_is_not_reported_missing() {
    use lsbridge::jobs::Runs;
    let sim = sim(StoreSpec::Demo).await;
    let e = engine::engine(&sim, |_| {});
    e.primary(PrimaryOptions::default()).await;
    // Created and deleted between two runs: the pool never saw it.
    let template = sim.with_store(|s, _| {
        s.products
            .iter()
            .find(|p| p.deleted_at.is_none() && !p.has_variants && p.has_inventory)
            .map(std::borrow::Cow::into_owned)
            .unwrap()
    });
    let id = sim.with_store(|s, rng| {
        let mut p = template.clone();
        p.id = "0a0a0a0a-0000-4000-8000-00000000dead".into();
        p.sku = "GONE-BEFORE-SEEN".into();
        p.variant_parent_id = None;
        let id = s.add_product(p, 5.0, rng);
        assert!(s.delete(&id, rng));
        id
    });
    let r = e.secondary().await;
    assert_eq!(r.outcome, Outcome::Ok, "{}", r.message);
    assert_eq!(r.counts.skipped, 0, "{}", r.message);
    let lines = Runs::open(&e.store).unwrap().lines(r.run).unwrap();
    assert!(
        lines
            .iter()
            .all(|l| !l.line.contains("not in the pool") && !l.line.contains(&id)),
        "{:?}",
        lines.iter().map(|l| &l.line).collect::<Vec<_>>()
    );
    assert!(!e.pool().contains_key("GONE-BEFORE-SEEN"));
}

/// A products feed that answers `{"data": null}`, sends null rows, or is empty while the pool
/// holds items is Partial with one clear line, and nothing is archived (even with
/// --confirm-archive).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn null_or_empty_products_feeds_are_partial_and_archive_nothing() {
    use lsbridge::sim::{Fault, Faults};
    let sim = sim(StoreSpec::Synthetic {
        products: 1_000,
        seed: 6,
    })
    .await;
    let e = paged_primary_engine(&sim).await;
    let r = e.primary(PrimaryOptions::default()).await;
    assert_eq!(r.outcome, Outcome::Ok, "{}", r.message);
    let confirm = PrimaryOptions {
        confirm_archive: true,
        ..PrimaryOptions::default()
    };
    // The first products page answered wrongly, and what the run's line says.
    let cases = [
        (Fault::NullData, "(\"data\": null)"),
        (Fault::NullRows, "1 empty (null) product rows"),
        (
            Fault::EmptyList,
            "feed was empty while the pool holds 1000 items",
        ),
    ];
    for (fault, says) in cases {
        sim.set_faults(Faults {
            only_path: Some("/products".into()),
            script: [fault].into_iter().collect(),
            ..Faults::default()
        });
        let last = fault;
        let r = e.primary(confirm.clone()).await;
        sim.set_faults(Faults::default());
        assert_eq!(r.outcome, Outcome::Partial, "{last:?}: {}", r.message);
        assert!(
            r.message.contains(says) && !r.message.contains('\n'),
            "{last:?}: {}",
            r.message
        );
        assert!(r.message.contains("nothing was archived"), "{}", r.message);
        assert_eq!(r.counts.archived, 0, "{last:?}");
        assert_eq!(archived_count(&e), 0, "{last:?}");
        // A sound read afterwards is Ok and archives nothing either.
        let r = e.primary(PrimaryOptions::default()).await;
        assert_eq!(r.outcome, Outcome::Ok, "after {last:?}: {}", r.message);
        assert_eq!(archived_count(&e), 0);
    }
}
