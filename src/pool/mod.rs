//! The Global Inventory Pool: one item per (source, SKU), parents and variants alike, with
//! every mapped field, the archived flag, the run that last saw it, and a short history of
//! field changes. Also the indexes the sync jobs need (product id → SKU, stock per outlet).

mod item;
mod levels;
mod repo;

pub use item::{Change, PoolItem, HISTORY_LEN};
pub use levels::Levels;
pub use repo::{Pool, PoolWrite};
