//! Tree names and key layouts. This is the only place tree names are spelled; a [`TreeName`] can only be
//! one of the constants below, so no caller can open a stray tree (each sled tree has its own space
//! overhead — keep the set small).
//!
//! Values in every tree except `meta` use the [`codec`](super::codec) envelope. "BE" = `u64` big-endian
//! ([`keys::u64_be`](super::keys::u64_be)).

/// Name of an envelope-valued tree. Construct only via the constants in this module.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TreeName(&'static str);

impl TreeName {
    pub const fn as_str(self) -> &'static str {
        self.0
    }
}

impl std::fmt::Display for TreeName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

/// Store bookkeeping; raw values, no envelope. Keys:
/// - `schema_version` → `u32` BE (see `migrations`);
/// - `count:<tree name>` → `u64` BE, row-count estimate maintained by `Table` (see `Table::len_estimate`).
pub(crate) const META: &str = "meta";

/// Connections (Lightspeed credentials/endpoints). Key: connection name, UTF-8 ([`keys::str_key`](super::keys::str_key)).
pub const CONNECTIONS: TreeName = TreeName("connections");

/// Sources (a store + its settings). Key: source id BE.
pub const SOURCES: TreeName = TreeName("sources");

/// Mapping templates. Key: template id BE.
pub const TEMPLATES: TreeName = TreeName("templates");

/// Mapping sets (templates bound to a source). Key: mapping set id BE.
pub const MAPPING_SETS: TreeName = TreeName("mapping_sets");

/// Inventory pool, up to ~1M variants. Key: source id BE + SKU UTF-8 ([`keys::u64_str`](super::keys::u64_str));
/// `scan_prefix(u64_prefix(source))` lists one source's variants ordered by SKU.
pub const POOL: TreeName = TreeName("pool");

/// Pool index by Lightspeed product id, so inventory records (which carry only the product id) find their
/// variant. Key: [`keys::product_key`](super::keys::product_key) (source id + product id, 22 bytes
/// for a UUID); value: the SKU.
pub const POOL_IDS: TreeName = TreeName("pool_ids");

/// Retired in schema 3 (stock per outlet now lives in each pool item); named only by the
/// migrations that clear and drop it.
pub const LEVELS: TreeName = TreeName("levels");

/// Job runs. Key: run id BE (ids from `Store::generate_id`, monotonic → chronological order).
pub const RUNS: TreeName = TreeName("runs");

/// Job log lines. Key: run id BE + seq BE ([`keys::u64_u64`](super::keys::u64_u64)); one run's lines are
/// contiguous and in order, pruning a run is a prefix/range delete.
pub const RUN_LOGS: TreeName = TreeName("run_logs");

/// Sync checkpoints (cursors/versions per job). Key: source id BE + job kind UTF-8 ([`keys::u64_str`](super::keys::u64_str)).
pub const CHECKPOINTS: TreeName = TreeName("checkpoints");

/// Fulfillment requests. Key: source id BE + FR number UTF-8 ([`keys::u64_str`](super::keys::u64_str)).
pub const FRS: TreeName = TreeName("frs");

/// FR timeline events. Key: source id BE + FR number UTF-8 + `0xFF` + seq BE
/// ([`keys::u64_str_u64`](super::keys::u64_str_u64)); `scan_prefix(u64_str_prefix(source, fr))` gives one
/// FR's timeline in order. The `0xFF` terminator keeps FR "A" from matching FR "A-1".
pub const FR_EVENTS: TreeName = TreeName("fr_events");

/// Every envelope-valued tree of the current layout (opened by migrations so they exist on a fresh DB).
pub const ALL: &[TreeName] = &[
    CONNECTIONS,
    SOURCES,
    TEMPLATES,
    MAPPING_SETS,
    POOL,
    POOL_IDS,
    RUNS,
    RUN_LOGS,
    CHECKPOINTS,
    FRS,
    FR_EVENTS,
];
