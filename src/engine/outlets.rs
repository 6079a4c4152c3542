//! A source's outlets by name, read live from its store: the Pool detail shows stock per
//! outlet, and a pool item keeps only the outlet ids (names change in the store).

use serde::{Deserialize, Serialize};

use super::{Engine, EngineError};
use crate::lightspeed::models::Outlet;
use crate::lightspeed::pager::VersionPager;

/// How long a front end waits for the list before showing ids alone.
const OUTLETS_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// One outlet of a store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutletView {
    pub id: String,
    pub name: String,
    /// Deleted in the store (stock read earlier may still name it).
    pub deleted: bool,
}

impl Engine {
    /// Every outlet of `source`'s store, deleted ones included (marked).
    pub(super) async fn outlets(&self, source: &str) -> Result<Vec<OutletView>, EngineError> {
        let store = self.store();
        let s = crate::source::Sources::open(store)?.by_name(source)?;
        let Some(conn) = s.connection.clone() else {
            return Err(EngineError::from(format!(
                "source {source} has no connection, so its outlets cannot be read; pick one in Sources (1)"
            )));
        };
        let c = crate::connections::Connections::open(store)
            .map_err(|e| EngineError::from(e.to_string()))?
            .get(&conn)
            .map_err(|e| EngineError::from(e.to_string()))?;
        let client = c
            .client(self.client_options(&conn))
            .map_err(|e| EngineError::from(e.to_string()))?;
        let read = VersionPager::<Outlet>::new(&client, "/outlets", None)
            .include_deleted(true)
            .collect_all();
        let outlets = match tokio::time::timeout(OUTLETS_TIMEOUT, read).await {
            Ok(r) => r?,
            Err(_) => {
                return Err(EngineError::from(format!(
                    "the store did not list its outlets within {} s",
                    OUTLETS_TIMEOUT.as_secs()
                )))
            }
        };
        Ok(outlets
            .into_iter()
            .map(|o| OutletView {
                deleted: o.deleted_at.is_some(),
                id: o.id,
                name: o.name,
            })
            .collect())
    }
}
