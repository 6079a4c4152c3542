//! Everything that talks to a Lightspeed X-Series store: the API root, typed models, the
//! HTTP client with its rate-limit governor and retries, and cursor pagination.

pub mod api_root;
pub mod client;
pub mod error;
pub mod governor;
mod lenient;
pub mod models;
pub mod pager;
pub mod probe;
pub mod product_row;
pub mod sale_state;
pub mod scopes;

pub use api_root::{ApiRoot, DEFAULT_API_VERSION};
pub use client::{Client, ClientEvent, ClientOptions, RetryPolicy};
pub use error::ApiError;
