//! Get Inventory (Secondary): incremental quantities. Reads the inventory change feed from the
//! saved version (`POST /inventory` ascending, deleted records included), updates the stock
//! per outlet and the mapped Quantity of each touched variant, and saves the cursor only after its
//! page is committed. Requests grow with the number of changes, not with the catalog.

use std::collections::{BTreeMap, HashMap};

use super::checkpoint::{Checkpoints, SecondaryCheckpoint};
use super::context::{begin_run, finish_run, guarded, JobCtx, PanicPoint};
use super::counts::Counts;
use super::events::JobEvent;
use super::primary::{Diff, RunSummary};
use super::runs::{Outcome, RunRecord, Runs};
use super::source_record::{inventory_record, product_record, stock_levels, Lookups};
use super::JobError;
use crate::clock;
use crate::lightspeed::pager::InventoryPager;
use crate::mapping::{CompiledTemplate, FieldValue, MappedRecord, Outcome as FieldOutcome};
use crate::pool::{Pool, PoolItem, StockLevels};
use crate::source::{QuantityFrom, Source};

/// Products not in the pool looked up by id per run to name them in the log.
const NAME_LOOKUPS: usize = 20;

/// One product a page touches: its id, its (outlet, level) changes in feed order (`None` =
/// deleted), and whether every record of it in the page is a deletion.
type Touched<'a> = (&'a str, Vec<(&'a str, Option<f64>)>, bool);

#[derive(Debug, Clone, Default)]
pub struct SecondaryOptions {
    pub dry_run: bool,
    pub diff_limit: usize,
}

/// Runs Get Inventory (Secondary). `create_with` is the Primary template, used to create a
/// variant the pool does not know yet when Allow Create Variant is on.
pub async fn run(
    ctx: &JobCtx,
    source: &Source,
    template: &CompiledTemplate,
    create_with: Option<&CompiledTemplate>,
    opts: &SecondaryOptions,
) -> Result<RunSummary, JobError> {
    let runs = Runs::open(&ctx.store)?;
    let checkpoints = Checkpoints::open(&ctx.store)?;
    let pool = Pool::open(&ctx.store)?;
    // Secondary continues from the position a complete Primary saved. Without one it would
    // read every stock level and skip every product as unknown: refused, with what to do.
    let Some(saved) = checkpoints.secondary(source.id)? else {
        return Err(JobError::Setup(format!(
            "Get Inventory (Secondary) for {} needs a complete Get Inventory (Primary) first: run `lsbridge run primary --source {}`",
            source.name, source.name
        )));
    };
    let run = ctx.store.generate_id()? + 1;
    let mut record = RunRecord::new(
        run,
        crate::integration::Integration::Secondary,
        source,
        opts.dry_run,
        clock::rfc3339(ctx.clock.now()),
    );
    let log = begin_run(ctx, &runs, &mut record)?;
    let start = saved.after;
    log.info(format!(
        "Get Inventory (Secondary) for {} from {}{}",
        source.name,
        match start {
            Some(v) => format!("version {v}"),
            None => "the first version".to_string(),
        },
        if opts.dry_run {
            " (dry run: nothing is written)"
        } else {
            ""
        }
    ));
    let outlet = match &source.secondary.quantity_from {
        QuantityFrom::AllOutlets => match &source.primary.quantity_from {
            QuantityFrom::AllOutlets => None,
            QuantityFrom::Outlet(o) => Some(o.clone()),
        },
        QuantityFrom::Outlet(o) => Some(o.clone()),
    };
    let mut counts = Counts::default();
    let mut diffs: Vec<Diff> = Vec::new();
    let mut mapped = MappedRecord::new();
    let mut pager = InventoryPager::new(&ctx.client, start).include_deleted(true);
    // Dry run: the stock a real run would have stored, for products touched again later.
    let mut overlay: HashMap<String, StockLevels> = HashMap::new();
    let mut named = 0usize;
    let result: Result<(), JobError> = guarded(async {
        while let Some(page) = pager.next_page().await? {
            PanicPoint::SecondaryPage.check(ctx.panic_at);
            // Each touched product with its changes in feed order, and whether every record
            // of it in this page is a deletion.
            let mut touched: Vec<Touched> = Vec::new();
            let mut at: HashMap<&str, usize> = HashMap::new();
            for r in &page.items {
                let level = if r.deleted_at.is_some() { None } else { Some(r.current_inventory_level) };
                let i = *at.entry(r.product_id.as_str()).or_insert_with(|| {
                    touched.push((r.product_id.as_str(), Vec::new(), true));
                    touched.len() - 1
                });
                touched[i].1.push((r.outlet_id.as_str(), level));
                touched[i].2 &= r.deleted_at.is_some();
            }
            let mut write = pool.write();
            for (pid, changes, gone) in touched {
                let existing = match pool.sku_of(source.id, pid)? {
                    Some(sku) => pool.get(source.id, &sku)?,
                    None => None,
                };
                let mut diff = BTreeMap::new();
                let (mut item, is_new) = match existing {
                    Some(i) => (i, false),
                    // A product deleted in the store that the pool does not hold: nothing
                    // to do, and nothing to report.
                    None if gone => continue,
                    None => {
                        if !source.secondary.allow_create_variant {
                            counts.skipped += 1;
                            // Named by SKU and title (one lookup each, for the first few; the
                            // rest are counted as skipped).
                            if named < NAME_LOOKUPS {
                                named += 1;
                                let what = match ctx.client.product(pid).await {
                                    Ok(Some(p)) => format!("product {} ({})", p.sku, p.name),
                                    _ => format!("product id {pid}"),
                                };
                                log.warn(format!("{what} is not in the pool; skipped (turn on Allow Create Variant to create it)"));
                                if named == NAME_LOOKUPS {
                                    log.warn("more products not in the pool are counted as skipped, not listed");
                                }
                            }
                            continue;
                        }
                        let Some(p) = ctx.client.product(pid).await? else {
                            counts.skipped += 1;
                            continue;
                        };
                        let (Some(t), false) = (create_with, p.is_deleted()) else {
                            counts.skipped += 1;
                            continue;
                        };
                        let parent = match &p.variant_parent_id {
                            Some(id) => pool.sku_of(source.id, id)?,
                            None => None,
                        };
                        // Every outlet's level, not only the ones this page changed.
                        let stock = stock_levels(&ctx.client.inventory_for_product(pid).await?);
                        let qty = stock.quantity(outlet.as_deref());
                        let rec = product_record(&p, qty, parent.as_deref(), &Lookups::default());
                        t.apply_into(&rec, &mut mapped);
                        let sku = match mapped.get("SKU") {
                            Some(FieldOutcome::Set(v)) if !v.is_blank() => v.as_text().trim().to_string(),
                            _ => {
                                counts.skipped += 1;
                                continue;
                            }
                        };
                        let mut item = PoolItem {
                            sku,
                            product_id: p.id.clone(),
                            parent_sku: parent,
                            is_parent: p.is_family_parent(),
                            last_seen_run: run,
                            stock,
                            ..PoolItem::default()
                        };
                        item.apply_mapped(run, &mapped, Some(&mut diff));
                        // First values are not changes (see Primary).
                        item.history.clear();
                        (item, true)
                    }
                };
                let mut stock = match overlay.get(pid) {
                    Some(s) => s.clone(),
                    None => item.stock.clone(),
                };
                if !is_new {
                    for (outlet, level) in &changes {
                        stock.set(outlet, *level);
                    }
                }
                let qty = stock.quantity(outlet.as_deref());
                let stock_changed = stock != item.stock;
                if opts.dry_run {
                    overlay.insert(pid.to_string(), stock.clone());
                }
                item.stock = stock;
                let rec = inventory_record(&item.sku, pid, qty);
                template.apply_into(&rec, &mut mapped);
                if !mapped.is_ok() {
                    counts.errors += 1;
                    let errs: Vec<String> = mapped.errors().iter().map(|e| e.to_string()).collect();
                    log.warn(format!("SKU {}: {}", item.sku, errs.join("; ")));
                }
                let mut changed = item.apply_mapped(run, &mapped, Some(&mut diff));
                let mut kind = if is_new { "new" } else if changed { "updated" } else { "unchanged" };
                if source.secondary.archive_unarchive {
                    if gone && !item.archived {
                        item.archived = true;
                        item.set(run, "Quantity", FieldValue::Number(0.0));
                        counts.archived += 1;
                        changed = true;
                        kind = "archived";
                    } else if !gone && item.archived {
                        item.archived = false;
                        counts.unarchived += 1;
                        changed = true;
                    }
                }
                match kind {
                    "new" => counts.new += 1,
                    "updated" => counts.updated += 1,
                    "archived" => {}
                    _ => counts.unchanged += 1,
                }
                if opts.dry_run {
                    if (changed || is_new) && diffs.len() < opts.diff_limit {
                        diffs.push(Diff { sku: item.sku.clone(), kind, fields: diff });
                    }
                } else if changed || is_new || stock_changed {
                    pool.stage(&mut write, source.id, &item)?;
                }
            }
            if !opts.dry_run {
                pool.commit(write)?;
                checkpoints.save_secondary(source.id, &SecondaryCheckpoint { after: page.next_after })?;
            }
            log.progress(super::Phase::StockChanges, || {
                format!(
                    "stock changes: page {} {}: {} new, {} updated, {} unchanged, {} skipped",
                    page.next_after.map_or("at the start".to_string(), |v| format!("up to version {v}")),
                    if opts.dry_run { "read" } else { "committed" },
                    counts.new,
                    counts.updated,
                    counts.unchanged,
                    counts.skipped
                )
            });
            ctx.events.send(JobEvent::Progress {
                run,
                phase: super::Phase::StockChanges,
                done: counts.new + counts.updated + counts.unchanged + counts.archived,
                total: None,
                counts,
            });
            if ctx.cancelled() {
                return Err(JobError::Setup("cancelled".into()));
            }
        }
        Ok(())
    })
    .await;
    let result = match result {
        // Commit Stock: a sale recorded before this run's id was taken is in the stock it
        // read (see `StockRead`).
        Ok(()) if !opts.dry_run => checkpoints
            .save_stock_read(source.id, run)
            .map_err(JobError::from),
        other => other,
    };
    let (outcome, message) = match result {
        // Unknown products skipped with Allow Create Variant off are the setting working as
        // documented, not a failure; mapping errors are.
        Ok(()) if counts.errors > 0 => (Outcome::Partial, counts.line()),
        Ok(()) => (Outcome::Ok, counts.line()),
        Err(JobError::Setup(m)) if m == "cancelled" => (
            Outcome::Cancelled,
            "cancelled; the next run continues from the last committed page".into(),
        ),
        Err(e) => {
            log.error(e.to_string());
            (Outcome::Failed, e.to_string())
        }
    };
    let counts = finish_run(ctx, &runs, &log, &mut record, outcome, counts, &message).await?;
    Ok(RunSummary {
        run,
        outcome,
        counts,
        message,
        diffs,
        resumed: false,
    })
}
