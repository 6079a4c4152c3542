//! The Global Inventory Pool: one item per (source, SKU), parents and variants alike, with
//! every mapped field, the archived flag, the run that last saw it, and a short history of
//! field changes and its stock per outlet. Also the index the sync jobs need (product id →
//! SKU).

pub mod index;
mod item;
mod levels;
pub mod options;
mod repo;
mod wire;

pub use index::{PoolIndex, PoolQuery, PoolSort};
pub use item::{Change, PoolItem, HISTORY_LEN};
pub use levels::{StockLevels, StockMap};
pub use repo::{Pool, PoolWrite};
