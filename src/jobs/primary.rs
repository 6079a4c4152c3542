//! Get Inventory (Primary): the full catalog and quantities into the pool.
//!
//! Phases, each resumable from the checkpoint saved after every committed page:
//! 1. stock levels (`POST /inventory`, ascending) into the levels index;
//! 2. products (`GET /products`), mapped through the template, diffed against the pool and
//!    written a page at a time;
//! 3. archiving, only after every page of a complete, successful run, and only within the
//!    safety valve's limit.
//!
//! A crash or kill anywhere resumes at the last committed page of the same run; a partial
//! run never archives anything.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use super::checkpoint::{Checkpoints, PrimaryCheckpoint, PrimaryPhase, SecondaryCheckpoint};
use super::context::{begin_run, finish_run, JobCtx, RunLog};
use super::counts::Counts;
use super::events::JobEvent;
use super::runs::{Outcome, RunRecord, Runs};
use super::source_record::{product_record, Lookups};
use super::JobError;
use crate::clock;
use crate::lightspeed::models::{Brand, Product};
use crate::lightspeed::pager::{CategoryPager, InventoryPager, VersionPager};
use crate::mapping::{CompiledTemplate, FieldValue, MappedRecord, Outcome as FieldOutcome};
use crate::pool::{Levels, Pool, PoolItem};
use crate::sources::{QuantityFrom, Source};

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

/// Quantity per product for the products phase, built by one sequential scan of the stored
/// levels (so a resumed run sees exactly what an uninterrupted one would). Product ids are
/// UUIDs in practice and are kept as 16 bytes: about 30 MB at a million products.
#[derive(Default)]
struct Quantities {
    by_uuid: HashMap<u128, f64>,
    other: HashMap<String, f64>,
}

impl Quantities {
    fn add(&mut self, product: &str, level: f64) {
        match uuid::Uuid::parse_str(product) {
            Ok(u) => *self.by_uuid.entry(u.as_u128()).or_default() += level,
            Err(_) => *self.other.entry(product.to_string()).or_default() += level,
        }
    }
    fn get(&self, product: &str) -> Option<f64> {
        match uuid::Uuid::parse_str(product) {
            Ok(u) => self.by_uuid.get(&u.as_u128()).copied(),
            Err(_) => self.other.get(product).copied(),
        }
    }
}

/// Fetches the next page while the current one is processed.
fn prefetch<T: Send + 'static, P: Send + 'static>(
    mut pager: P,
    next: impl for<'a> Fn(
            &'a mut P,
        ) -> std::pin::Pin<
            Box<
                dyn std::future::Future<
                        Output = Result<
                            Option<crate::lightspeed::pager::Page<T>>,
                            crate::lightspeed::ApiError,
                        >,
                    > + Send
                    + 'a,
            >,
        > + Send
        + 'static,
) -> tokio::sync::mpsc::Receiver<
    Result<Option<crate::lightspeed::pager::Page<T>>, crate::lightspeed::ApiError>,
> {
    let (tx, rx) = tokio::sync::mpsc::channel(2);
    tokio::spawn(async move {
        loop {
            let r = next(&mut pager).await;
            let more = matches!(r, Ok(Some(_)));
            if tx.send(r).await.is_err() || !more {
                break;
            }
        }
    });
    rx
}

struct Run<'a> {
    ctx: &'a JobCtx,
    source: &'a Source,
    template: &'a CompiledTemplate,
    opts: &'a PrimaryOptions,
    pool: Pool,
    levels: Levels,
    checkpoints: Checkpoints,
    log: RunLog,
    run: u64,
    counts: Counts,
    problems: u64,
    diffs: Vec<Diff>,
    /// Dry run only: quantities that a real run would have stored in the levels index.
    dry_levels: HashMap<String, HashMap<String, f64>>,
    quantities: Quantities,
    /// Variants whose parent row had not been seen when they were mapped.
    pending_parents: Vec<(String, String)>,
}

fn outlet_filter(s: &Source) -> Option<&str> {
    match &s.primary.quantity_from {
        QuantityFrom::AllOutlets => None,
        QuantityFrom::Outlet(o) => Some(o.as_str()),
    }
}

impl Run<'_> {
    fn problem(&mut self, line: String) {
        self.problems += 1;
        if self.problems <= LOGGED_PROBLEMS {
            self.log.warn(line);
        } else if self.problems == LOGGED_PROBLEMS + 1 {
            self.log
                .warn("more problems follow; only the first 200 are listed, all are counted");
        }
    }

    fn progress(&self, phase: &str, done: u64) {
        self.ctx.events.send(JobEvent::Progress {
            run: self.run,
            phase: phase.to_string(),
            done,
            counts: self.counts,
        });
    }

    fn checkpoint(&self, phase: PrimaryPhase, inventory_version: u64) -> Result<(), JobError> {
        if self.opts.dry_run {
            return Ok(());
        }
        let mut counts = self.counts;
        counts.requests = self.ctx.client.requests_sent();
        self.checkpoints.save_primary(
            self.source.id,
            &PrimaryCheckpoint {
                run: self.run,
                phase,
                inventory_version,
                counts,
                pending_parents: self.pending_parents.clone(),
            },
        )?;
        Ok(())
    }

    async fn stock(&mut self, mut after: u64, mut inventory_version: u64) -> Result<u64, JobError> {
        let pager = InventoryPager::new(&self.ctx.client, after);
        let mut pages = prefetch(pager, |p: &mut InventoryPager| Box::pin(p.next_page()));
        let mut done = 0u64;
        while let Some(page) = pages.recv().await.transpose()?.flatten() {
            if self.opts.dry_run {
                for r in &page.items {
                    self.dry_levels
                        .entry(r.product_id.clone())
                        .or_default()
                        .insert(r.outlet_id.clone(), r.current_inventory_level);
                }
            } else {
                self.levels.apply_page(
                    self.source.id,
                    page.items.iter().map(|r| {
                        (
                            r.product_id.as_str(),
                            r.outlet_id.as_str(),
                            Some(r.current_inventory_level),
                        )
                    }),
                )?;
            }
            done += page.items.len() as u64;
            after = page.next_after;
            inventory_version = inventory_version.max(after);
            self.checkpoint(PrimaryPhase::Inventory { after }, inventory_version)?;
            self.progress("stock levels", done);
            if self.ctx.cancelled() {
                return Err(JobError::Setup("cancelled".into()));
            }
        }
        Ok(inventory_version)
    }

    fn quantity(&self, p: &Product) -> Result<Option<f64>, JobError> {
        if p.is_family_parent() || !p.has_inventory {
            return Ok(None);
        }
        let outlet = outlet_filter(self.source);
        if self.opts.dry_run {
            let Some(m) = self.dry_levels.get(&p.id) else {
                return Ok(None);
            };
            return Ok(match outlet {
                Some(o) => m.get(o).copied(),
                None => Some(m.values().sum()),
            });
        }
        Ok(self.quantities.get(&p.id))
    }

    fn load_quantities(&mut self) -> Result<(), JobError> {
        if self.opts.dry_run {
            return Ok(());
        }
        let outlet = outlet_filter(self.source).map(str::to_string);
        let mut q = Quantities::default();
        for row in self.levels.all(self.source.id) {
            let (product, levels) = row?;
            if let Some(level) = levels.quantity(outlet.as_deref()) {
                q.add(&product, level);
            }
        }
        self.quantities = q;
        Ok(())
    }

    /// Applies one mapped record to the pool item it belongs to.
    fn merge(
        &mut self,
        p: &Product,
        mapped: &MappedRecord,
        parent_sku: Option<String>,
        existing: Option<PoolItem>,
        sku: &str,
    ) -> (PoolItem, &'static str) {
        let run = self.run;
        let is_new = existing.is_none();
        let mut item = existing.unwrap_or_else(|| PoolItem {
            sku: sku.to_string(),
            ..PoolItem::default()
        });
        let mut diff = BTreeMap::new();
        let want_diff = self.opts.dry_run && self.diffs.len() < self.opts.diff_limit;
        let mut changed = item.apply_mapped(run, mapped, want_diff.then_some(&mut diff));
        if is_new {
            // History records changes; a variant's first values are not one, and twenty
            // "empty → x" entries would double the size of every new item.
            item.history.clear();
        }
        item.product_id = p.id.clone();
        item.is_parent = p.is_family_parent();
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

    async fn products(&mut self, after: u64, inventory_version: u64) -> Result<(), JobError> {
        self.load_quantities()?;
        let pager = VersionPager::<Product>::new(&self.ctx.client, "/products", after);
        let mut done = 0u64;
        // Product rows embed their brand and category; these fill in when a row has only ids.
        let brands: Vec<Brand> = VersionPager::new(&self.ctx.client, "/brands", 0)
            .collect_all()
            .await?;
        let cats = CategoryPager::new(&self.ctx.client).collect_all().await?;
        let lookups = Lookups::new(&brands, &cats);
        let mut pages = prefetch(pager, |p: &mut VersionPager<Product>| {
            Box::pin(p.next_page())
        });
        let mut mapped = MappedRecord::new();
        while let Some(page) = pages.recv().await.transpose()?.flatten() {
            let mut write = self.pool.write();
            // SKUs claimed in this page, by product id (not yet visible in the pool).
            let mut page_skus: HashMap<String, String> = HashMap::new();
            let mut page_parents: HashMap<String, String> = HashMap::new();
            for p in &page.items {
                if p.is_family_parent() {
                    page_parents.insert(p.id.clone(), p.sku.clone());
                }
            }
            for p in &page.items {
                if p.is_deleted() {
                    continue;
                }
                let parent_sku = match &p.variant_parent_id {
                    None => None,
                    Some(pid) => match page_parents.get(pid) {
                        Some(s) => Some(s.clone()),
                        None => self.pool.sku_of(self.source.id, pid)?,
                    },
                };
                let qty = self.quantity(p)?;
                let record = product_record(p, qty, parent_sku.as_deref(), &lookups);
                self.template.apply_into(&record, &mut mapped);
                if !mapped.is_ok() {
                    self.counts.errors += 1;
                    let errs: Vec<String> = mapped.errors().iter().map(|e| e.to_string()).collect();
                    self.problem(format!("SKU {}: {}", p.sku, errs.join("; ")));
                }
                let sku = match mapped.get("SKU") {
                    Some(FieldOutcome::Set(v)) if !v.is_blank() => v.as_text().trim().to_string(),
                    _ => {
                        self.counts.skipped += 1;
                        self.problem(format!(
                            "product {} ({:?}) has no SKU after mapping; skipped",
                            p.id, p.name
                        ));
                        continue;
                    }
                };
                if let Some(other) = page_skus.get(&sku) {
                    if other != &p.id {
                        self.counts.duplicates += 1;
                        self.problem(format!(
                            "duplicate SKU {sku}: products {other} and {}; kept the first",
                            p.id
                        ));
                        continue;
                    }
                }
                let existing = self.pool.get(self.source.id, &sku)?;
                if let Some(e) = &existing {
                    if e.last_seen_run == self.run
                        && e.product_id != p.id
                        && !e.product_id.is_empty()
                    {
                        self.counts.duplicates += 1;
                        self.problem(format!(
                            "duplicate SKU {sku}: products {} and {}; kept the first",
                            e.product_id, p.id
                        ));
                        continue;
                    }
                }
                if p.variant_parent_id.is_some() && parent_sku.is_none() {
                    if let Some(pid) = &p.variant_parent_id {
                        self.pending_parents.push((sku.clone(), pid.clone()));
                    }
                }
                page_skus.insert(sku.clone(), p.id.clone());
                let (item, kind) = self.merge(p, &mapped, parent_sku, existing, &sku);
                match kind {
                    "new" => self.counts.new += 1,
                    "updated" => self.counts.updated += 1,
                    _ => self.counts.unchanged += 1,
                }
                if !self.opts.dry_run {
                    self.pool.stage(&mut write, self.source.id, &item)?;
                }
            }
            if !self.opts.dry_run {
                self.pool.commit(write)?;
            }
            done += page.items.len() as u64;
            self.checkpoint(
                PrimaryPhase::Products {
                    after: page.next_after,
                },
                inventory_version,
            )?;
            self.progress("products", done);
            if self.ctx.cancelled() {
                return Err(JobError::Setup("cancelled".into()));
            }
        }
        Ok(())
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
            "primary",
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
        levels: Levels::open(&ctx.store)?,
        checkpoints: checkpoints.clone(),
        log,
        run,
        counts: resume.as_ref().map(|c| c.counts).unwrap_or_default(),
        problems: 0,
        diffs: Vec::new(),
        dry_levels: HashMap::new(),
        quantities: Quantities::default(),
        pending_parents: resume
            .as_ref()
            .map(|c| c.pending_parents.clone())
            .unwrap_or_default(),
    };
    if resumed {
        job.log
            .info(format!("resuming run {run} from its last committed page"));
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
    let outcome = drive(&mut job, resume).await;
    let (outcome, message) = match outcome {
        Ok(None) => {
            let o = if job.counts.errors > 0 || job.counts.duplicates > 0 || job.counts.skipped > 0
            {
                Outcome::Partial
            } else {
                Outcome::Ok
            };
            (o, job.counts.line())
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

async fn drive(
    job: &mut Run<'_>,
    resume: Option<PrimaryCheckpoint>,
) -> Result<Option<String>, JobError> {
    let (phase, mut inventory_version) = match resume {
        Some(c) => (c.phase, c.inventory_version),
        None => (PrimaryPhase::Inventory { after: 0 }, 0),
    };
    if let PrimaryPhase::Inventory { after } = phase {
        inventory_version = job.stock(after, inventory_version).await?;
        job.checkpoint(PrimaryPhase::Products { after: 0 }, inventory_version)?;
        job.products(0, inventory_version).await?;
    } else if let PrimaryPhase::Products { after } = phase {
        job.products(after, inventory_version).await?;
    }
    job.checkpoint(PrimaryPhase::Archive, inventory_version)?;
    job.resolve_parents()?;
    let valve = if job.source.primary.archive_unarchive {
        job.archive()?
    } else {
        None
    };
    if !job.opts.dry_run {
        // Secondary continues from the stock this run read.
        let sec = job
            .checkpoints
            .secondary(job.source.id)?
            .unwrap_or_default();
        if sec.after < inventory_version {
            job.checkpoints.save_secondary(
                job.source.id,
                &SecondaryCheckpoint {
                    after: inventory_version,
                },
            )?;
        }
        job.checkpoints.clear_primary(job.source.id)?;
    }
    Ok(valve)
}
