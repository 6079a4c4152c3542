//! Deleting old run history without holding up jobs: small batches on the blocking pool,
//! with a pause between them.

use std::time::Duration;

use super::{Engine, EngineEvent};
use crate::jobs::runs::{Pruned, Retention, Runs};

/// Keys deleted per batch.
const PRUNE_BATCH: usize = 256;
/// Pause between batches, leaving the disk to running jobs.
const PRUNE_PAUSE: Duration = Duration::from_millis(20);

impl Engine {
    /// Deletes runs (and their log lines) past `policy`. Returns what was deleted; views are
    /// told through [`EngineEvent::DataChanged`] when anything was.
    pub async fn prune_runs(&self, policy: Retention) -> Result<Pruned, String> {
        let runs = Runs::open(self.store()).map_err(|e| e.to_string())?;
        let clock = self.clock().clone();
        let mut total = Pruned::default();
        loop {
            let r = runs.clone();
            let now = clock.now();
            let step = tokio::task::spawn_blocking(move || r.prune(&policy, now, PRUNE_BATCH))
                .await
                .map_err(|e| format!("retention stopped: {e}"))?
                .map_err(|e| e.to_string())?;
            if step.is_empty() {
                break;
            }
            total.runs += step.runs;
            total.lines += step.lines;
            tokio::time::sleep(PRUNE_PAUSE).await;
        }
        if !total.is_empty() {
            self.emit(EngineEvent::DataChanged {
                what: "runs".into(),
            });
        }
        Ok(total)
    }
}
