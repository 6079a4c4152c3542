//! Schema versioning. The version lives in `meta` under `schema_version` as `u32` BE.
//!
//! - missing key (fresh DB) → create the current layout, write [`CURRENT`];
//! - older → run each step of `STEPS` above the stored version in order, writing and flushing the version
//!   after each step, so an interrupted upgrade resumes at the failed step;
//! - newer → [`StoreError::Newer`], nothing touched.
//!
//! Steps must be idempotent (a crash after a step's writes but before its version write re-runs it).

use super::error::StoreError;
use super::keys;
use super::meta::Meta;
use super::trees;

/// Schema version written by this build.
pub const CURRENT: u32 = 3;

/// A step upgrading the database to the version it is paired with.
pub type Step = fn(&sled::Db) -> Result<(), StoreError>;

/// `(version reached, step)`, ascending, contiguous, ending at [`CURRENT`].
pub(crate) const STEPS: &[(u32, Step)] = &[
    (1, v1_initial_layout),
    (2, v2_levels_per_product),
    (3, v3_stock_in_pool_items),
];

/// 0 → 1: the initial layout — create every tree.
fn v1_initial_layout(db: &sled::Db) -> Result<(), StoreError> {
    create_current_layout(db)
}

/// 1 → 2: stock levels moved from one row per (product, outlet) to one row per product.
/// The old rows are dropped, and so are the inventory jobs' positions, so the next Primary
/// (or a Secondary reading from the start) rebuilds every level: a Secondary that resumed
/// without them would sum only the outlets that changed.
fn v2_levels_per_product(db: &sled::Db) -> Result<(), StoreError> {
    db.open_tree(trees::LEVELS.as_str())?.clear()?;
    forget_inventory_positions(db)
}

/// 2 → 3: stock per outlet moved into the pool items (a first import writes half as much).
/// The `levels` tree is dropped, and with it the inventory jobs' positions, as in step 2: the
/// next Primary, or a Secondary reading from the start, fills every item's stock again.
/// The product id index is re-keyed to [`keys::product_key`] (smaller keys, cheaper writes).
fn v3_stock_in_pool_items(db: &sled::Db) -> Result<(), StoreError> {
    db.drop_tree(trees::LEVELS.as_str())?;
    let ids = db.open_tree(trees::POOL_IDS.as_str())?;
    for row in ids.iter() {
        let (k, v) = row?;
        if matches!(
            k.first(),
            Some(&keys::PRODUCT_KEY_UUID) | Some(&keys::PRODUCT_KEY_TEXT)
        ) {
            continue;
        }
        if let Some((source, product)) = keys::split_u64_str(&k) {
            ids.insert(keys::product_key(source, product), v)?;
        }
        ids.remove(k)?;
    }
    forget_inventory_positions(db)
}

fn forget_inventory_positions(db: &sled::Db) -> Result<(), StoreError> {
    let checkpoints = db.open_tree(trees::CHECKPOINTS.as_str())?;
    for row in checkpoints.iter() {
        let (k, _) = row?;
        let kind = k.get(8..).unwrap_or(&[]);
        if kind == b"primary" || kind == b"secondary" {
            checkpoints.remove(k)?;
        }
    }
    Ok(())
}

fn create_current_layout(db: &sled::Db) -> Result<(), StoreError> {
    for name in trees::ALL {
        db.open_tree(name.as_str())?;
    }
    Ok(())
}

/// Bring the database to [`CURRENT`]; returns the version found before migrating (`None` if fresh).
pub(crate) fn run(db: &sled::Db, meta: &Meta) -> Result<Option<u32>, StoreError> {
    run_steps(db, meta, STEPS, CURRENT)
}

fn run_steps(
    db: &sled::Db,
    meta: &Meta,
    steps: &[(u32, Step)],
    current: u32,
) -> Result<Option<u32>, StoreError> {
    let found = meta.schema_version()?;
    match found {
        None => {
            create_current_layout(db)?;
            meta.set_schema_version(current)?;
            db.flush()?;
            tracing::info!(schema = current, "initialised new store");
        }
        Some(v) if v == current => {}
        Some(v) if v > current => {
            return Err(StoreError::Newer {
                found: v,
                supported: current,
            })
        }
        Some(v) => {
            for &(to, step) in steps.iter().filter(|(to, _)| *to > v && *to <= current) {
                tracing::info!(from = v, to, "migrating store");
                step(db)?;
                meta.set_schema_version(to)?;
                db.flush()?;
            }
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_contiguous_and_end_at_current() {
        let versions: Vec<u32> = STEPS.iter().map(|(v, _)| *v).collect();
        let expected: Vec<u32> = (1..=CURRENT).collect();
        assert_eq!(versions, expected);
    }
}
