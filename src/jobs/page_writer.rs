//! Commits Primary's pages on a thread of its own, so sled's work on page n overlaps the
//! fetching and mapping of page n+1. (Writing the id index and the items on two threads of
//! their own was measured too: no faster, since both cores are already busy.)
//!
//! Pages are committed in the order they are sent, each followed by its checkpoint, so what
//! a crash leaves behind is exactly what the synchronous loop left: every page up to the
//! last checkpoint. At most [`IN_FLIGHT`] pages are sent but not yet committed; the caller
//! keeps those pages' items at hand (see `Recent` in `primary.rs`), since the pool does not
//! show them yet.

use tokio::sync::{mpsc, oneshot};

use super::checkpoint::{Checkpoints, PrimaryCheckpoint};
use super::JobError;
use crate::pool::{Pool, PoolWrite};

/// Pages sent and not yet known to be committed: one being applied, one queued.
pub(super) const IN_FLIGHT: usize = 2;

struct PageJob {
    write: PoolWrite,
    checkpoint: PrimaryCheckpoint,
}

pub(super) struct PageWriter {
    tx: Option<mpsc::Sender<PageJob>>,
    done: Option<oneshot::Receiver<Result<(), JobError>>>,
}

impl PageWriter {
    /// `inject_panic` is the test hook ([`super::PanicPoint::PrimaryWriter`]).
    pub(super) fn spawn(
        pool: Pool,
        checkpoints: Checkpoints,
        source: u64,
        inject_panic: bool,
    ) -> PageWriter {
        let (tx, mut rx) = mpsc::channel::<PageJob>(IN_FLIGHT - 1);
        let (done_tx, done) = oneshot::channel();
        let spawned = std::thread::Builder::new()
            .name("pool-writer".into())
            .spawn(move || {
                // A panic is the writer's error like any other: the run fails with it.
                let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(
                    || -> Result<(), JobError> {
                        while let Some(job) = rx.blocking_recv() {
                            if inject_panic {
                                // The test hook's whole point (see PanicPoint).
                                #[allow(clippy::panic)]
                                {
                                    panic!("panic injected by a test at PrimaryWriter");
                                }
                            }
                            pool.commit(job.write)
                                .and_then(|()| checkpoints.save_primary(source, &job.checkpoint))?;
                        }
                        Ok(())
                    },
                ))
                .unwrap_or_else(|p| Err(JobError::Panicked(super::context::panic_message(&*p))));
                let _ = done_tx.send(result);
            });
        match spawned {
            Ok(_) => PageWriter {
                tx: Some(tx),
                done: Some(done),
            },
            Err(e) => {
                // No thread: report it at the first send.
                let (fail_tx, fail) = oneshot::channel();
                let _ = fail_tx.send(Err(JobError::Setup(format!(
                    "cannot start the pool writer thread: {e}"
                ))));
                PageWriter {
                    tx: None,
                    done: Some(fail),
                }
            }
        }
    }

    /// Queues a page and the checkpoint that follows it. Waits while [`IN_FLIGHT`] pages are
    /// uncommitted. If the writer has failed, returns its error.
    pub(super) async fn send(
        &mut self,
        write: PoolWrite,
        checkpoint: PrimaryCheckpoint,
    ) -> Result<(), JobError> {
        let sent = match &self.tx {
            Some(tx) => tx.send(PageJob { write, checkpoint }).await.is_ok(),
            None => false,
        };
        if sent {
            return Ok(());
        }
        self.finish().await?;
        Err(JobError::Setup("the pool writer thread stopped".into()))
    }

    /// Waits until every queued page is committed; the writer's error if it failed.
    pub(super) async fn finish(&mut self) -> Result<(), JobError> {
        self.tx = None;
        match self.done.take() {
            Some(done) => done
                .await
                .unwrap_or_else(|_| Err(JobError::Setup("the pool writer thread stopped".into()))),
            None => Ok(()),
        }
    }
}
