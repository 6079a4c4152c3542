//! Get Inventory (Primary): the full catalog and quantities into the pool.
//!
//! Phases:
//! 1. stock levels (`POST /inventory`, ascending), read whole into a [`StockMap`] (sorted
//!    runs in a scratch file, so memory stays flat in the catalog's size): nothing is
//!    written for them until their product is, which halves the writes of a first import;
//! 2. products (`GET /products`), mapped through the template, diffed against the pool and
//!    written a page at a time, each item with its stock per outlet; a checkpoint follows
//!    every committed page;
//! 3. archiving, only after every page of a complete, successful run, and only within the
//!    safety valve's limit.
//!
//! A crash or kill anywhere resumes at the last committed page of the same run (reading the
//! stock feed again first); a partial run never archives anything.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;
use serde::Serialize;

use super::checkpoint::{Checkpoints, PrimaryCheckpoint, PrimaryPhase, SecondaryCheckpoint};
use super::context::{begin_run, finish_run, guarded, task_failure, JobCtx, PanicPoint, RunLog};
use super::counts::Counts;
use super::events::JobEvent;
use super::page_writer::{PageWriter, IN_FLIGHT};
use super::runs::{Outcome, RunRecord, Runs};
use super::sku_filter::SkuFilter;
use super::source_record::{product_record_taking, Lookups};
use super::JobError;
use crate::clock;
use crate::lightspeed::models::{Brand, ProductCategory};
use crate::lightspeed::pager::{
    first_page, inventory_plan, plan_ranges, CategoryPager, Cursor, InventoryPager, Page,
    RangeMerge, RangedRead, ReadRange, ReaderHook, StockRecord, StuckCount, VersionPager,
};
use crate::lightspeed::product_row::ProductRow;
use crate::lightspeed::ApiError;
use crate::lightspeed::Client;
use crate::mapping::{CompiledTemplate, FieldValue, MappedRecord, Outcome as FieldOutcome};
use crate::pool::{Pool, PoolItem, PoolWrite, StockLevels, StockMap};
use crate::source::{QuantityFrom, Source};

/// Version ranges of the stock feed read side by side (see [`inventory_plan`]).
const STOCK_RANGES: u64 = 4;

/// Version ranges of the products read side by side (see [`plan_ranges`]).
const PRODUCT_RANGES: u64 = 4;

/// Most per-record problems written to the run log one by one; the rest are counted.
const LOGGED_PROBLEMS: u64 = 200;

#[derive(Debug, Clone, Default)]
pub struct PrimaryOptions {
    pub dry_run: bool,
    /// Archive even past the safety valve's limit.
    pub confirm_archive: bool,
    /// Dry run: how many changed records to show field by field.
    pub diff_limit: usize,
}

/// One changed record as a dry run reports it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diff {
    pub sku: String,
    pub kind: &'static str,
    /// field → (old, new)
    pub fields: BTreeMap<String, (FieldValue, FieldValue)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RunSummary {
    pub run: u64,
    pub outcome: Outcome,
    pub counts: Counts,
    pub message: String,
    pub diffs: Vec<Diff>,
    pub resumed: bool,
}

/// The summary bucket a row was counted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bucket {
    New,
    Updated,
    Unchanged,
    /// Counted under errors (a mapping error), in no other bucket.
    Errors,
}

/// A SKU's key in [`Run::sku_versions`]: a hash, so the map costs 24 bytes a product
/// whatever the SKUs' lengths. It is only consulted once a SKU is known to be taken twice
/// in this run, to order the two rows.
fn sku_key(sku: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = rustc_hash::FxHasher::default();
    sku.hash(&mut h);
    h.finish()
}

/// Items of the pages not yet surely committed (the current one included), newest first:
/// the pool does not show them yet, and a SKU or parent seen again must find them.
#[derive(Default)]
struct Recent {
    pages: std::collections::VecDeque<RecentPage>,
}

#[derive(Default)]
struct RecentPage {
    items: FxHashMap<String, PoolItem>,
    /// product id → SKU
    ids: FxHashMap<String, String>,
}

impl Recent {
    fn start_page(&mut self) {
        // The current page plus the ones the writer may still hold.
        if self.pages.len() > IN_FLIGHT {
            self.pages.pop_back();
        }
        self.pages.push_front(RecentPage::default());
    }

    /// The newest in-run version of `sku`, removed (it comes back through `put`).
    fn take(&mut self, sku: &str) -> Option<PoolItem> {
        self.pages.iter_mut().find_map(|p| p.items.remove(sku))
    }

    fn put(&mut self, item: PoolItem) {
        if let Some(p) = self.pages.front_mut() {
            if !item.product_id.is_empty() {
                p.ids.insert(item.product_id.clone(), item.sku.clone());
            }
            p.items.insert(item.sku.clone(), item);
        }
    }

    fn sku_of(&self, product_id: &str) -> Option<&str> {
        self.pages
            .iter()
            .find_map(|p| p.ids.get(product_id).map(String::as_str))
    }
}

struct Run<'a> {
    ctx: &'a JobCtx,
    source: &'a Source,
    template: &'a CompiledTemplate,
    opts: &'a PrimaryOptions,
    pool: Pool,
    checkpoints: Checkpoints,
    log: RunLog,
    run: u64,
    counts: Counts,
    problems: u64,
    diffs: Vec<Diff>,
    /// The stock feed, read in full before the products (in memory: nothing of it is written
    /// until its product is).
    stock: StockMap,
    /// Records the stock feed held (for the products' range plan).
    stock_records: u64,
    /// When the run began on an empty pool (and was not resumed): the SKUs it has staged, so
    /// that a SKU it has not staged is known to be new without asking sled (whose reads,
    /// racing the writer thread, cost about as much as the writes).
    staged: Option<SkuFilter>,
    /// Variants whose parent row had not been seen when they were mapped.
    pending_parents: Vec<(String, String)>,
    /// SKU key → version of the row that took the SKU in this run, and its bucket.
    sku_versions: FxHashMap<u64, (i64, Bucket)>,
    /// The store's discount product (`GET /retailer`), left out with the other not-stock
    /// products unless the source includes them.
    discount_product: Option<String>,
    /// Why the products read cannot be trusted to be complete (null rows, `data: null`, an
    /// empty feed while the pool holds items): the run is Partial and archives nothing.
    incomplete: Option<String>,
}

/// The stock levels' scratch files (see [`StockMap`]) could not be written or read.
fn scratch_failed(e: std::io::Error) -> JobError {
    JobError::Setup(format!(
        "the stock levels' scratch file in the data dir failed: {e}; check the disk's free space and the data dir's permissions, then run again"
    ))
}

/// Where a page ends, for progress lines.
fn phase_after(after: Cursor) -> String {
    after.map_or("at the start".to_string(), |v| format!("up to version {v}"))
}

fn outlet_filter(s: &Source) -> Option<&str> {
    match &s.primary.quantity_from {
        QuantityFrom::AllOutlets => None,
        QuantityFrom::Outlet(o) => Some(o.as_str()),
    }
}

impl Run<'_> {
    /// Not a stock item: no inventory tracking (gift cards and services come so), or the
    /// store's discount product. A family parent carries no stock of its own either way and
    /// stays, so its variants keep their parent.
    fn is_not_stock(&self, p: &ProductRow) -> bool {
        self.discount_product.as_deref() == Some(p.id.as_str())
            || (!p.has_inventory && !p.is_family_parent())
    }

    fn problem(&mut self, line: String) {
        self.problems += 1;
        if self.problems <= LOGGED_PROBLEMS {
            self.log.warn(line);
        } else if self.problems == LOGGED_PROBLEMS + 1 {
            self.log
                .warn("more problems follow; only the first 200 are listed, all are counted");
        }
    }

    fn progress(&self, phase: super::Phase, done: u64) {
        self.ctx.events.send(JobEvent::Progress {
            run: self.run,
            phase,
            done,
            total: None,
            counts: self.counts,
        });
    }

    fn checkpoint_record(
        &self,
        phase: PrimaryPhase,
        inventory_version: Cursor,
    ) -> PrimaryCheckpoint {
        let mut counts = self.counts;
        counts.requests = self.ctx.client.requests_sent();
        PrimaryCheckpoint {
            run: self.run,
            phase,
            inventory_version,
            counts,
            pending_parents: self.pending_parents.clone(),
        }
    }

    fn checkpoint(&self, phase: PrimaryPhase, inventory_version: Cursor) -> Result<(), JobError> {
        if self.opts.dry_run {
            return Ok(());
        }
        let record = self.checkpoint_record(phase, inventory_version);
        self.checkpoints.save_primary(self.source.id, &record)?;
        Ok(())
    }

    /// Reads the whole stock feed into memory, as [`STOCK_RANGES`] version ranges side by
    /// side. Returns the highest inventory version seen.
    async fn stock(&mut self) -> Result<Cursor, JobError> {
        let plan = inventory_plan::<StockRecord>(&self.ctx.client, STOCK_RANGES, false).await?;
        let mut done = 0u64;
        let mut version: Cursor = None;
        let Some(first) = plan.first else {
            // An empty feed: its first page was its end.
            return Ok(None);
        };
        self.apply_stock(0, &first.items, &mut done, &mut version)?;
        let ranges = &plan.ranges;
        let stuck = StuckCount::default();
        let top = ranges.len().saturating_sub(1) as u8;
        let (tx, mut rx) = tokio::sync::mpsc::channel(2 * ranges.len().max(1));
        let hook = (PanicPoint::PrimaryStockReader, self.ctx.panic_at);
        let mut readers = Vec::with_capacity(ranges.len());
        // Most records a page has had: a full page.
        let full = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        for (rank, (after, before)) in ranges.iter().enumerate() {
            // Asked up to the next range's end (the feed's top for the range below the last),
            // so a lower range's last page runs past its own end and ends it.
            let ask = match ranges.get(rank + 1) {
                Some((_, Some(next))) => Some(*next),
                Some((_, None)) => plan.top.map(|t| t.saturating_add(1)),
                None => None,
            };
            let mut pager = InventoryPager::new(&self.ctx.client, *after)
                .before(*before)
                .ask_before(ask)
                .stuck_count(stuck.clone())
                .records::<StockRecord>();
            let rank = rank as u8;
            let (tx, full) = (tx.clone(), full.clone());
            let open = stuck.open();
            readers.push(tokio::spawn(async move {
                let _open = open;
                loop {
                    hook.0.check(hook.1);
                    let r = pager.next_page().await;
                    let (more, short) = match &r {
                        Ok(Some(p)) => {
                            let most = full.fetch_max(p.rows, std::sync::atomic::Ordering::Relaxed);
                            (true, p.rows < most)
                        }
                        _ => (false, false),
                    };
                    if tx.send((rank, r)).await.is_err() || !more {
                        break;
                    }
                    // The top range stops at a short page (most likely the feed's end): the
                    // pass below asks for what follows, once the other ranges are done.
                    if rank == top && short {
                        let _ = tx.send((rank, Ok(None))).await;
                        break;
                    }
                }
            }));
        }
        drop(tx);
        let mut open = ranges.len();
        // Where the open-ended top range got to (the first page's end when it was all).
        let mut top_after = ranges.last().map_or(first.next_after, |r| r.0);
        while open > 0 {
            let Some((rank, page)) = rx.recv().await else {
                // Every reader has ended, one without reaching its end: say why.
                let mut why = None;
                for r in readers {
                    let e = task_failure(r, "the stock read").await;
                    if why.is_none() || matches!(e, JobError::Panicked(_)) {
                        why = Some(e);
                    }
                }
                return Err(why.unwrap_or_else(|| {
                    JobError::Setup("the stock read stopped before its end".into())
                }));
            };
            let Some(page) = page? else {
                open -= 1;
                continue;
            };
            if rank == top {
                top_after = top_after.max(page.next_after);
            }
            self.apply_stock(rank, &page.items, &mut done, &mut version)?;
        }
        // The top range can end while a lower one still reads. A record changed after that
        // left the lower range's span and landed past the top range's end: one more pass
        // over the top range (one empty page when nothing changed: the feed's end, which the
        // top range did not ask for after a short page) reads it, as a single cursor would
        // have.
        let mut catch_up =
            InventoryPager::new(&self.ctx.client, top_after).records::<StockRecord>();
        while let Some(page) = catch_up.next_page().await? {
            self.apply_stock(top, &page.items, &mut done, &mut version)?;
        }
        self.stock_records = done;
        self.stock.seal().map_err(scratch_failed)?;
        Ok(version)
    }

    fn apply_stock(
        &mut self,
        rank: u8,
        items: &[StockRecord],
        done: &mut u64,
        version: &mut Cursor,
    ) -> Result<(), JobError> {
        for r in items {
            let level = (!r.is_deleted()).then_some(r.current_inventory_level);
            self.stock
                .set_ranked(rank, &r.product_id, &r.outlet_id, level)
                .map_err(scratch_failed)?;
            *version = (*version).max(Some(r.version));
        }
        *done += items.len() as u64;
        self.progress(super::Phase::StockLevels, *done);
        let read = *done;
        self.log.progress(super::Phase::StockLevels, || {
            format!("stock levels: {read} records read")
        });
        if self.ctx.cancelled() {
            return Err(JobError::Setup("cancelled".into()));
        }
        Ok(())
    }

    /// The SKU the id index gives `product_id`, counting the pages still in flight (written
    /// after the committed ones, so theirs is the newer entry).
    fn sku_of(&self, recent: &Recent, product_id: &str) -> Result<Option<String>, JobError> {
        Ok(match recent.sku_of(product_id) {
            Some(s) => Some(s.to_string()),
            None => self.pool.sku_of(self.source.id, product_id)?,
        })
    }

    /// A product's stock, and its quantity as the source's setting reads it.
    fn quantity(&self, p: &ProductRow) -> Result<(StockLevels, Option<f64>), JobError> {
        if p.is_family_parent() || !p.has_inventory {
            return Ok((StockLevels::default(), None));
        }
        let levels = self.stock.get(&p.id).map_err(scratch_failed)?;
        let qty = levels.quantity(outlet_filter(self.source));
        Ok((levels, qty))
    }

    /// Applies one mapped record to the pool item it belongs to.
    fn merge(
        &mut self,
        p: &ProductRow,
        mapped: &mut MappedRecord,
        parent_sku: Option<String>,
        existing: Option<PoolItem>,
        sku: &str,
        stock: StockLevels,
    ) -> (PoolItem, &'static str) {
        let run = self.run;
        let is_new = existing.is_none();
        let mut item = existing.unwrap_or_else(|| PoolItem {
            sku: sku.to_string(),
            ..PoolItem::default()
        });
        let mut diff = BTreeMap::new();
        let want_diff = self.opts.dry_run && self.diffs.len() < self.opts.diff_limit;
        let mut changed = if is_new && !want_diff {
            item.fill_new(mapped);
            true
        } else {
            let changed = item.apply_mapped(run, mapped, want_diff.then_some(&mut diff));
            if is_new {
                // First values are not changes (see `PoolItem::fill_new`); only the dry run's
                // diff wanted them recorded.
                item.history.clear();
            }
            changed
        };
        item.product_id = p.id.clone();
        item.is_parent = p.is_family_parent();
        // Stock per outlet is kept for Secondary; a change that leaves the mapped quantity as
        // it was is written but is not an update.
        item.stock = stock;
        if item.parent_sku != parent_sku {
            item.parent_sku = parent_sku;
            changed = true;
        }
        let mut kind = if is_new {
            "new"
        } else if changed {
            "updated"
        } else {
            "unchanged"
        };
        if item.archived {
            item.archived = false;
            self.counts.unarchived += 1;
            if kind == "unchanged" {
                kind = "un-archived";
            }
        }
        item.last_seen_run = run;
        if self.opts.dry_run && kind != "unchanged" && self.diffs.len() < self.opts.diff_limit {
            self.diffs.push(Diff {
                sku: item.sku.clone(),
                kind,
                fields: diff,
            });
        }
        (item, kind)
    }

    /// Reads the products as version ranges side by side (each range's next page is fetched
    /// while a page is processed), from `merge`'s cursors; a checkpoint of every range's
    /// cursor goes with each page's write.
    async fn products(
        &mut self,
        pages: RangedRead<ProductRow>,
        extras: Extras,
        inventory_version: Cursor,
    ) -> Result<(), JobError> {
        let floor = pages.floor();
        let panic_at = self.ctx.panic_at;
        let hook: ReaderHook =
            std::sync::Arc::new(move || PanicPoint::PrimaryProductReader.check(panic_at));
        let mut pages = pages.hook(Some(hook));
        pages.start();
        let mut done = 0u64;
        let lookups = Lookups::new(&extras.brands, &extras.cats);
        self.discount_product = extras.discount_product;
        let mut mapped = MappedRecord::new();
        let mut writer = (!self.opts.dry_run).then(|| {
            PageWriter::spawn(
                self.pool.clone(),
                self.checkpoints.clone(),
                self.source.id,
                self.ctx.panic_at == Some(PanicPoint::PrimaryWriter),
            )
        });
        let mut recent = Recent::default();
        let result = async {
            while let Some(page) = match pages.next_page().await {
                Ok(p) => p,
                Err(e) => {
                    return Err(match pages.take_failed() {
                        Some(task) => task_failure(task, "the products read").await,
                        None => e.into(),
                    })
                }
            } {
                let mut page = page;
                if page.null_data {
                    self.incomplete = Some(format!(
                        "the store answered a page of products with no list (\"data\": null) {}; the read stopped there and nothing was archived; run again later",
                        page.next_after.map_or("at the start".to_string(), |v| format!("after version {v}"))
                    ));
                } else if page.null_rows > 0 {
                    // A null row is a row read that could not be used: it counts as read and
                    // as an error, so the summary's equation still holds.
                    self.counts.read += page.null_rows;
                    self.counts.errors += page.null_rows;
                    self.incomplete = Some(format!(
                        "the store sent {} empty (null) product rows; they were skipped and nothing was archived; run again later",
                        page.null_rows
                    ));
                    self.log.warn(format!(
                        "a page of products ({}) had {} null rows",
                        page.next_after.map_or("at the start".to_string(), |v| format!("up to version {v}")),
                        page.null_rows
                    ));
                }
                let write = self.page(&mut page.items, &lookups, &mut mapped, &mut recent)?;
                done += page.items.len() as u64;
                let phase = PrimaryPhase::ProductRanges {
                    ranges: pages.ranges().to_vec(),
                    floor,
                };
                if let Some(w) = writer.as_mut() {
                    w.send(write, self.checkpoint_record(phase, inventory_version))
                        .await?;
                }
                self.progress(super::Phase::Products, done);
                let c = self.counts;
                let dry = self.opts.dry_run;
                self.log.progress(super::Phase::Products, || {
                    format!(
                        "products: {done} read, page {}{}: {} new, {} updated, {} unchanged, {} skipped",
                        phase_after(page.next_after),
                        if dry { " (dry run)" } else { "" },
                        c.new,
                        c.updated,
                        c.unchanged,
                        c.skipped
                    )
                });
                if self.ctx.cancelled() {
                    return Err(JobError::Setup("cancelled".into()));
                }
            }
            Ok(())
        }
        .await;
        // Every page sent is committed (or the writer's error known) before returning, so a
        // cancelled run's checkpoint matches the pool.
        let flushed = match writer.as_mut() {
            Some(w) => w.finish().await,
            None => Ok(()),
        };
        result.and(flushed)
    }

    /// Maps one page into a write (empty in a dry run). Items stay in `recent` until their page
    /// is surely committed, for lookups the pool cannot answer yet.
    fn page(
        &mut self,
        items: &mut [ProductRow],
        lookups: &Lookups,
        mapped: &mut MappedRecord,
        recent: &mut Recent,
    ) -> Result<PoolWrite, JobError> {
        let mut write = self.pool.write();
        let page_parents: FxHashMap<String, String> = items
            .iter()
            .filter(|p| p.is_family_parent())
            .map(|p| (p.id.clone(), p.sku.clone()))
            .collect();
        recent.start_page();
        PanicPoint::PrimaryMapping.check(self.ctx.panic_at);
        for p in items {
            // Every row lands in exactly one bucket of the summary (see `Counts::accounted`).
            self.counts.read += 1;
            if p.is_deleted() {
                self.counts.deleted += 1;
                continue;
            }
            if !self.source.primary.include_not_stock && self.is_not_stock(p) {
                self.counts.not_stock += 1;
                continue;
            }
            let parent_sku = match &p.variant_parent_id {
                None => None,
                Some(pid) => match page_parents.get(pid.as_str()) {
                    Some(s) => Some(s.to_string()),
                    None => self.sku_of(recent, pid)?,
                },
            };
            let (stock, qty) = self.quantity(p)?;
            let record = product_record_taking(p, qty, parent_sku.as_deref(), lookups);
            self.template.apply_into(&record, mapped);
            let had_errors = !mapped.is_ok();
            if had_errors {
                self.counts.errors += 1;
                let errs: Vec<String> = mapped.errors().iter().map(|e| e.to_string()).collect();
                self.problem(format!("SKU {}: {}", p.sku, errs.join("; ")));
            }
            let sku = match mapped.get("SKU") {
                Some(FieldOutcome::Set(v)) if !v.is_blank() => v.as_text().trim().to_string(),
                _ => {
                    if !had_errors {
                        self.counts.skipped += 1;
                    }
                    // Named by the store's SKU and title; the id only to find it.
                    self.problem(format!(
                        "product {:?} (store SKU {:?}, id {}) has no SKU after mapping; skipped",
                        p.name, p.sku, p.id
                    ));
                    continue;
                }
            };
            let mut existing = match recent.take(&sku) {
                Some(i) => Some(i),
                None if self.staged.as_ref().is_some_and(|s| !s.maybe(&sku)) => None,
                None => self.pool.get(self.source.id, &sku)?,
            };
            if let Some(s) = self.staged.as_mut() {
                s.insert(&sku);
            }
            let run = self.run;
            let key = sku_key(&sku);
            // Ranges are read side by side, so of two rows with one SKU the one the feed lists
            // first (the lower version) can come second: it takes the SKU over, and the other
            // becomes the duplicate, counted as such instead of in its first bucket.
            let taken_by_later = existing.as_ref().is_some_and(|e| {
                e.last_seen_run == run && e.product_id != p.id && !e.product_id.is_empty()
            }) && self
                .sku_versions
                .get(&key)
                .is_some_and(|(v, _)| p.version < *v);
            if taken_by_later {
                if let (Some(e), Some((_, bucket))) = (&existing, self.sku_versions.get(&key)) {
                    match bucket {
                        Bucket::New => self.counts.new -= 1,
                        Bucket::Updated => self.counts.updated -= 1,
                        Bucket::Unchanged => self.counts.unchanged -= 1,
                        Bucket::Errors => {}
                    }
                    if *bucket != Bucket::Errors {
                        self.counts.duplicates += 1;
                    }
                    self.problem(format!(
                        "duplicate SKU {sku}: products {} and {}; kept the first",
                        p.id, e.product_id
                    ));
                }
                if let Some(e) = existing.as_mut() {
                    // Merged as if the item were this run's first sight of the SKU.
                    e.last_seen_run = 0;
                }
            }
            if let Some(first) = existing.take_if(|e| {
                e.last_seen_run == run && e.product_id != p.id && !e.product_id.is_empty()
            }) {
                if !had_errors {
                    self.counts.duplicates += 1;
                }
                self.problem(format!(
                    "duplicate SKU {sku}: products {} and {}; kept the first",
                    first.product_id, p.id
                ));
                // The first stays as it was mapped.
                recent.put(first);
                continue;
            }
            if p.variant_parent_id.is_some() && parent_sku.is_none() {
                if let Some(pid) = &p.variant_parent_id {
                    self.pending_parents.push((sku.clone(), pid.clone()));
                }
            }
            // The id index needs writing unless it already names this SKU for this product:
            // a read is cheaper than a write, and a catalog imported again every run is
            // otherwise rewritten key for key. (The check reads the index, not the item: a
            // product whose SKU went A → B → A left item A with the right id while the index
            // moved on to B.)
            let indexed = match &existing {
                Some(e) if e.product_id == p.id && !p.id.is_empty() => {
                    self.sku_of(recent, &p.id)?.as_deref() == Some(sku.as_str())
                }
                _ => false,
            };
            let (item, kind) = self.merge(p, mapped, parent_sku, existing, &sku, stock);
            let bucket = match kind {
                _ if had_errors => Bucket::Errors,
                "new" => Bucket::New,
                "updated" => Bucket::Updated,
                _ => Bucket::Unchanged,
            };
            match bucket {
                Bucket::Errors => {}
                Bucket::New => self.counts.new += 1,
                Bucket::Updated => self.counts.updated += 1,
                Bucket::Unchanged => self.counts.unchanged += 1,
            }
            self.sku_versions.insert(key, (p.version, bucket));
            if !self.opts.dry_run {
                self.pool
                    .stage_with(&mut write, self.source.id, &item, !indexed)?;
            }
            recent.put(item);
        }
        Ok(write)
    }

    /// Variants whose parent came later in the feed get their parent SKU now.
    fn resolve_parents(&mut self) -> Result<(), JobError> {
        if self.opts.dry_run || self.pending_parents.is_empty() {
            return Ok(());
        }
        let mut write = self.pool.write();
        for (sku, pid) in std::mem::take(&mut self.pending_parents) {
            let (Some(parent), Some(mut item)) = (
                self.pool.sku_of(self.source.id, &pid)?,
                self.pool.get(self.source.id, &sku)?,
            ) else {
                continue;
            };
            item.parent_sku = Some(parent.clone());
            if self.template.targets().iter().any(|t| t == "Parent SKU") {
                item.set(self.run, "Parent SKU", FieldValue::Text(parent));
            }
            self.pool.stage(&mut write, self.source.id, &item)?;
        }
        self.pool.commit(write)?;
        Ok(())
    }

    /// A products feed that delivered nothing while the pool holds live items is not taken
    /// for a store that emptied: it is what a store answering wrongly looks like.
    fn check_empty_feed(&mut self) -> Result<(), JobError> {
        if self.counts.read > 0 || self.incomplete.is_some() {
            return Ok(());
        }
        let mut held = 0u64;
        for item in self.pool.iter(self.source.id) {
            if !item?.archived {
                held += 1;
            }
        }
        if held > 0 {
            self.incomplete = Some(format!(
                "the store's products feed was empty while the pool holds {held} items; nothing was archived; check the store, then run again"
            ));
        }
        Ok(())
    }

    /// After a complete run: archive what the feed no longer has, within the safety valve.
    fn archive(&mut self) -> Result<Option<String>, JobError> {
        let mut total = 0u64;
        let mut gone: Vec<PoolItem> = Vec::new();
        for item in self.pool.iter(self.source.id) {
            let item = item?;
            total += 1;
            if item.last_seen_run != self.run && !item.archived {
                gone.push(item);
            }
        }
        if gone.is_empty() {
            return Ok(None);
        }
        let limit = u64::from(self.source.primary.archive_limit_pct);
        let share = gone.len() as u64 * 100 / total.max(1);
        if share > limit && !self.opts.confirm_archive {
            let msg = format!(
                "safety valve: this run would archive {} of {} items ({}%), more than the {}% limit; nothing was archived. If the feed really shrank, run again with --confirm-archive",
                gone.len(),
                total,
                share,
                limit
            );
            self.log.error(msg.clone());
            return Ok(Some(msg));
        }
        let mut write = self.pool.write();
        for mut item in gone {
            item.archived = true;
            if !item.is_parent {
                item.set(self.run, "Quantity", FieldValue::Number(0.0));
            }
            self.counts.archived += 1;
            if self.opts.dry_run {
                if self.diffs.len() < self.opts.diff_limit {
                    self.diffs.push(Diff {
                        sku: item.sku.clone(),
                        kind: "archived",
                        fields: BTreeMap::new(),
                    });
                }
            } else {
                self.pool.stage(&mut write, self.source.id, &item)?;
            }
        }
        if !self.opts.dry_run {
            self.pool.commit(write)?;
        }
        Ok(None)
    }
}

/// Runs (or resumes) Get Inventory (Primary) for `source`.
pub async fn run(
    ctx: &JobCtx,
    source: &Source,
    template: &CompiledTemplate,
    opts: &PrimaryOptions,
) -> Result<RunSummary, JobError> {
    let runs = Runs::open(&ctx.store)?;
    let checkpoints = Checkpoints::open(&ctx.store)?;
    let resume = if opts.dry_run {
        None
    } else {
        checkpoints.primary(source.id)?
    };
    let resumed = resume.is_some();
    let run = match &resume {
        Some(c) => c.run,
        None => ctx.store.generate_id()? + 1,
    };
    let mut record = match runs.get(run)? {
        Some(r) => r,
        None => RunRecord::new(
            run,
            crate::integration::Integration::Primary,
            source,
            opts.dry_run,
            clock::rfc3339(ctx.clock.now()),
        ),
    };
    let log = begin_run(ctx, &runs, &mut record)?;
    let mut job = Run {
        ctx,
        source,
        template,
        opts,
        pool: Pool::open(&ctx.store)?,
        checkpoints: checkpoints.clone(),
        log,
        run,
        counts: resume.as_ref().map(|c| c.counts).unwrap_or_default(),
        problems: 0,
        diffs: Vec::new(),
        stock: StockMap::spilling_to(ctx.store.dir()),
        stock_records: 0,
        staged: None,
        pending_parents: resume
            .as_ref()
            .map(|c| c.pending_parents.clone())
            .unwrap_or_default(),
        sku_versions: FxHashMap::default(),
        discount_product: None,
        incomplete: None,
    };
    if resumed {
        job.log.info(format!(
            "resuming run {run} from its last committed page{}",
            resume.as_ref().map(resume_detail).unwrap_or_default()
        ));
    } else {
        job.log.info(format!(
            "Get Inventory (Primary) for {}{}",
            source.name,
            if opts.dry_run {
                " (dry run: nothing is written)"
            } else {
                ""
            }
        ));
    }
    let outcome = guarded(drive(&mut job, resume)).await;
    let (outcome, message) = match outcome {
        Ok(None) if job.incomplete.is_some() => {
            (Outcome::Partial, job.incomplete.clone().unwrap_or_default())
        }
        Ok(None) => {
            let o = if job.counts.errors > 0 || job.counts.duplicates > 0 || job.counts.skipped > 0
            {
                Outcome::Partial
            } else {
                Outcome::Ok
            };
            (o, job.counts.primary_line())
        }
        Ok(Some(valve)) => (Outcome::Partial, valve),
        Err(JobError::Setup(m)) if m == "cancelled" => (
            Outcome::Cancelled,
            "cancelled; the next run resumes from the last committed page".to_string(),
        ),
        Err(e) => {
            job.log.error(e.to_string());
            (Outcome::Failed, e.to_string())
        }
    };
    let counts = finish_run(
        ctx,
        &runs,
        &job.log,
        &mut record,
        outcome,
        job.counts,
        &message,
    )
    .await?;
    Ok(RunSummary {
        run,
        outcome,
        counts,
        message,
        diffs: job.diffs,
        resumed,
    })
}

/// Where a resumed run's product ranges stand, for its log line.
fn resume_detail(c: &PrimaryCheckpoint) -> String {
    let PrimaryPhase::ProductRanges { ranges, .. } = &c.phase else {
        return String::new();
    };
    // A range starts where the one below it ends.
    let mut start: Cursor = None;
    let (mut under_way, mut finished) = (0, 0);
    for r in ranges {
        if r.done {
            finished += 1;
        } else if r.after > start {
            under_way += 1;
        }
        start = r.upto.or(start);
    }
    format!(
        " (product ranges: {} in all, {under_way} under way, {finished} finished)",
        ranges.len()
    )
}

/// What product rows are mapped with besides themselves: brands and categories (rows embed
/// theirs, and these fill in when a row has only ids) and the store's discount product
/// (asked for only when not-stock products are left out). Read while the stock feed is.
struct Extras {
    brands: Vec<Brand>,
    cats: Vec<ProductCategory>,
    discount_product: Option<String>,
}

async fn read_extras(client: &Client, discount: bool) -> Result<Extras, ApiError> {
    let brands = VersionPager::<Brand>::new(client, "/brands", None).collect_all();
    let cats = CategoryPager::new(client).collect_all();
    let retailer = async {
        if !discount {
            return Ok(None);
        }
        Ok(client
            .retailer()
            .await?
            .discount_product_id
            .filter(|id| !id.is_empty()))
    };
    let (brands, cats, discount_product) = tokio::try_join!(brands, cats, retailer)?;
    Ok(Extras {
        brands,
        cats,
        discount_product,
    })
}

async fn drive(
    job: &mut Run<'_>,
    resume: Option<PrimaryCheckpoint>,
) -> Result<Option<String>, JobError> {
    let fresh = resume.is_none();
    let (phase, saved_version) = match resume {
        Some(c) => (c.phase, c.inventory_version),
        None => (PrimaryPhase::Inventory { after: None }, None),
    };
    let mut inventory_version = saved_version;
    // `Some(None)`: the product ranges are still to be planned.
    let products_from = match phase {
        PrimaryPhase::Inventory { .. } => Some(None),
        PrimaryPhase::Products { after } => {
            Some(Some(RangeMerge::new(vec![ReadRange::open(after)], after)))
        }
        PrimaryPhase::ProductRanges { ranges, floor } => Some(Some(RangeMerge::new(ranges, floor))),
        PrimaryPhase::Archive => None,
    };
    if fresh && job.pool.iter(job.source.id).next().is_none() {
        job.staged = Some(SkuFilter::default());
    }
    if fresh && !job.opts.dry_run {
        // Marks the run as begun (flushed at once), so a kill during the stock read resumes
        // this run instead of leaving it open.
        job.checkpoint(PrimaryPhase::Inventory { after: None }, None)?;
        job.ctx.store.flush_async().await?;
    }
    // Commit Stock: how recent the pool's stock is. The run id, taken from the store's
    // sequence before the stock read began, stands for the read's start (a sale recorded
    // later counts as not yet read). A resumed run wrote its first pages from an earlier
    // read, so only a fresh run says.
    let stock_seq = (fresh && !job.opts.dry_run).then_some(job.run);
    if let Some(from) = products_from {
        let products_fresh = from.is_none();
        // The stock feed is read whole on every start, resumed or not: it lives in memory.
        // A resumed run keeps the version its first read reached, so Secondary re-applies
        // (as absolute levels, harmlessly) whatever changed since then, including changes to
        // products committed before the interruption.
        // The lookups, and a fresh run's first product page, are read at the same time.
        let client = job.ctx.client.clone();
        let page_size = client.options().page_size;
        let discount = !job.source.primary.include_not_stock;
        let first = async {
            match from {
                None => first_page::<ProductRow>(&client, "/products", page_size, false)
                    .await
                    .map(Some),
                Some(_) => Ok(None),
            }
        };
        let (read, extras, first) =
            tokio::join!(job.stock(), read_extras(&client, discount), first);
        let read = read?;
        let (extras, first) = (extras?, first?);
        if saved_version.is_none() {
            inventory_version = read;
        }
        let pages = match (from, first) {
            (Some(m), _) => RangedRead::new(&job.ctx.client, "/products", m),
            (None, first) => {
                // Versions are global to the store, so the stock feed's top is a likely bound
                // for the products' top.
                // The catalog's size, from the stock feed: its records over those of the
                // first page's products, times that page's rows.
                let (stock, records) = (&job.stock, job.stock_records);
                let estimate = |page: &Page<ProductRow>| {
                    let sample: u64 = page
                        .items
                        .iter()
                        // Only an estimate: a scratch file that cannot be read fails
                        // the product's own lookup later, with its error.
                        .map(|p| stock.get(&p.id).map_or(0, |l| l.0.len() as u64))
                        .sum();
                    (sample > 0).then(|| {
                        let n = u128::from(records) * u128::from(page.rows) / u128::from(sample);
                        u64::try_from(n).unwrap_or(u64::MAX)
                    })
                };
                let plan = plan_ranges::<ProductRow>(
                    first.flatten(),
                    PRODUCT_RANGES,
                    read,
                    estimate,
                    page_size,
                    false,
                );
                RangedRead::from_plan(&job.ctx.client, "/products", plan)
            }
        };
        // Before the first page is committed, a resumed run reads it again: the first range
        // then starts at the start.
        let mut ranges = pages.ranges().to_vec();
        if let Some(r) = ranges.first_mut() {
            if products_fresh {
                r.after = None;
            }
        }
        job.checkpoint(
            PrimaryPhase::ProductRanges {
                ranges,
                floor: pages.floor(),
            },
            inventory_version,
        )?;
        job.products(pages, extras, inventory_version).await?;
    }
    job.checkpoint(PrimaryPhase::Archive, inventory_version)?;
    job.resolve_parents()?;
    job.check_empty_feed()?;
    let valve = if job.source.primary.archive_unarchive && job.incomplete.is_none() {
        job.archive()?
    } else {
        None
    };
    if !job.opts.dry_run {
        // Secondary continues from the stock this run read (and is refused until a Primary
        // has saved its position, even an empty feed's "from the start").
        let sec = job.checkpoints.secondary(job.source.id)?;
        if sec.is_none_or(|s| s.after < inventory_version) {
            job.checkpoints.save_secondary(
                job.source.id,
                &SecondaryCheckpoint {
                    after: inventory_version,
                },
            )?;
        }
        if let Some(seq) = stock_seq {
            job.checkpoints.save_stock_read(job.source.id, seq)?;
        }
        job.checkpoints.clear_primary(job.source.id)?;
    }
    Ok(valve)
}
