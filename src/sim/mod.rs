//! A local, spec-faithful stand-in for a Lightspeed X-Series store: the endpoints lsbridge
//! uses, version cursors, soft deletes, scopes, the documented rate limit, a controllable
//! clock, switchable faults and live mutations. Runs in-process (tests, `lsbridge demo`) or
//! as `lsbridge sim`.

pub mod addresses;
pub mod config;
pub mod fixtures;
pub mod money;
pub mod ratelimit;
pub mod reply;
pub mod routes;
pub mod sale_money;
pub mod sales;
pub mod server;
pub mod state;
pub mod synthetic;
pub mod table;

pub use config::{
    AdjustmentTax, BeforeBound, DuplicateSale, Fault, Faults, InclusivePricing, LineDiscount,
    PageSizeRefusal, RateLimit, RateScope, SimConfig, StockMoves, StoreSpec, TokenSpec,
};
pub use sale_money::{AdjustmentMoney, LineMoney, PaymentMoney, SaleMoney};
pub use server::{Exchange, SimHandle};
pub use state::{Mutation, SimStore};
