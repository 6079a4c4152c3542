//! The local database: the only module that touches sled.
//!
//! It owns tree names ([`trees`]), key encoding ([`keys`]), the value envelope ([`codec`]), schema migrations
//! ([`migrations`]), flush points, file permissions and errors ([`StoreError`]). Everyone else goes through
//! [`Store`] and typed [`Table`]s.
//!
//! sled 0.34 is single-process: a second opener of the same dir fails, reported as [`StoreError::Locked`].
//! The lock is held until the `Store` *and every `Table` obtained from it* are dropped.
//! A clean drop flushes; `std::process::exit` or SIGKILL skip that, so call [`Store::flush`] /
//! [`Store::flush_async`] at the points that matter (job end, after saving user edits, on quit/signal).

pub mod codec;
pub mod error;
pub mod keys;
mod lock;
mod meta;
pub mod migrations;
pub mod paths;
mod perms;
pub mod tables;
pub mod trees;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub use codec::{CodecError, Record};
pub use error::StoreError;
pub use meta::Meta;
pub use paths::{resolve_data_dir, resolve_data_dir_with, DATA_DIR_ENV};
pub use tables::{Iter, StoredKey, Table, TableBatch};
pub use trees::TreeName;

/// sled's page cache budget. sled's default is 1 GiB, and the budget counts *on-disk* bytes of cached pages
/// — real RSS is several times that (sled#986, #1410; zebra and matrix-sdk hit OOMs). The pool tree can hold
/// ~1M variants (hundreds of MB on disk) but is read and written in streaming passes, so it gains little
/// from a big cache: a 100k-product import measured the same at 8, 16, 32, 64 and 128 MiB, and at 8 MiB
/// its peak RSS was 130–136 MB where 16 MiB gave 155–191 MB (1M products: 246 MB against 276 MB, at the
/// same speed). It still holds the small, hot trees (connections, sources, templates, runs) and the pages
/// being written, and leaves a TUI + daemon comfortable on a small VPS.
pub const CACHE_CAPACITY_BYTES: u64 = 8 * 1024 * 1024;

/// Background flush interval (sled's default, made explicit): at most ~0.5 s of writes lost on a crash
/// between explicit flush points.
pub const FLUSH_EVERY_MS: u64 = 500;

/// How long `open` waits for sled's own lingering lock after this process dropped its last handle on the
/// same dir (see `lock.rs`). Never applies to a lock held by another process.
const OWN_LOCK_WAIT: Duration = Duration::from_secs(5);

/// Handle on the open database. Cheap to clone; all clones share one sled instance.
#[derive(Clone)]
pub struct Store {
    db: sled::Db,
    meta: Meta,
    dir: Arc<Path>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Open (creating if needed) the store in `dir`: make the dir owner-only, open sled, migrate the
    /// schema, then make every file under `dir` owner-only.
    ///
    /// Errors: [`StoreError::Locked`] if another process has it open, [`StoreError::Newer`] if a newer
    /// lsbridge wrote it, [`StoreError::Io`] / [`StoreError::Sled`] otherwise.
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
        Self::open_with(dir, false)
    }

    /// A store in a fresh private dir under the system temp dir, deleted when the last handle drops.
    pub fn open_temporary() -> Result<Store, StoreError> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("lsbridge-store-{}-{nanos}-{n}", std::process::id()));
        Self::open_with(&dir, true)
    }

    fn open_with(dir: &Path, temporary: bool) -> Result<Store, StoreError> {
        perms::create_private_dir(dir)?;

        let db = open_sled(dir, temporary)?;
        // Fields drop in order: every sled handle in Store/Table sits before the token.
        let meta = Meta::new(db.open_tree(trees::META)?, lock::register(dir));
        let found = migrations::run(&db, &meta)?;
        perms::tighten_tree(dir)?;

        tracing::debug!(
            dir = %dir.display(),
            schema_found = ?found,
            recovered = db.was_recovered(),
            "store opened"
        );
        Ok(Store {
            db,
            meta,
            dir: Arc::from(dir),
        })
    }

    /// The data dir this store lives in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// fsync all pending writes (blocking), then re-tighten file permissions (cheap: a stat per file, chmod
    /// only when a new file appeared).
    pub fn flush(&self) -> Result<(), StoreError> {
        self.db.flush()?;
        perms::tighten_tree(&self.dir)
    }

    /// Async flush for tokio code (job completion, quit). Same as [`Store::flush`] otherwise.
    pub async fn flush_async(&self) -> Result<(), StoreError> {
        self.db.flush_async().await?;
        perms::tighten_tree(&self.dir)
    }

    /// Bytes used on disk by the database files.
    pub fn size_on_disk(&self) -> Result<u64, StoreError> {
        Ok(self.db.size_on_disk()?)
    }

    /// A unique id (monotonic across restarts, not contiguous: sled skips ahead after a crash).
    pub fn generate_id(&self) -> Result<u64, StoreError> {
        Ok(self.db.generate_id()?)
    }

    /// The `meta` tree (schema version, counters).
    pub fn meta(&self) -> &Meta {
        &self.meta
    }

    /// Schema version of the open database (always [`migrations::CURRENT`] after a successful open).
    pub fn schema_version(&self) -> Result<u32, StoreError> {
        Ok(self.meta.schema_version()?.unwrap_or(0))
    }

    /// A typed table over tree `name`. Typed accessors per entity (e.g. `connections()`) are thin wrappers
    /// around this in their own modules.
    pub fn table<V: Record>(&self, name: TreeName) -> Result<Table<V>, StoreError> {
        let tree = self.db.open_tree(name.as_str())?;
        Ok(Table::new(name, tree, self.meta.clone()))
    }

    /// The raw database, for multi-tree transactions inside the crate.
    #[allow(dead_code)] // for later entity modules
    pub(crate) fn db(&self) -> &sled::Db {
        &self.db
    }
}

/// `sled::open`, waiting (bounded) if the only obstacle is this process's own just-dropped handle.
fn open_sled(dir: &Path, temporary: bool) -> Result<sled::Db, StoreError> {
    let deadline = Instant::now() + OWN_LOCK_WAIT;
    let mut pause = Duration::from_millis(1);
    loop {
        let res = sled::Config::new()
            .path(dir)
            .cache_capacity(CACHE_CAPACITY_BYTES)
            .flush_every_ms(Some(FLUSH_EVERY_MS))
            .temporary(temporary)
            .open();
        let err = match res {
            Ok(db) => return Ok(db),
            Err(e) => open_error(dir, e),
        };
        // Retry if the lock is ours (sled threads still closing) or already gone (they closed between our
        // attempt and this check); fail at once if another process holds it or we cannot tell.
        let own_lingering_lock = matches!(err, StoreError::Locked { .. })
            && !lock::is_live(dir)
            && matches!(
                lock::holder(&dir.join("db")),
                lock::Holder::ThisProcess | lock::Holder::Nobody
            );
        if !own_lingering_lock || Instant::now() >= deadline {
            return Err(err);
        }
        tracing::debug!(dir = %dir.display(), "waiting for this process's previous sled handle to release its lock");
        // No notification exists for "another thread closed its fd": poll with backoff.
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(50));
    }
}

/// Map a `sled::open` failure: the exclusive-lock failure becomes [`StoreError::Locked`].
fn open_error(dir: &Path, e: sled::Error) -> StoreError {
    match e {
        // sled 0.34.7 config.rs `try_lock`: Error::Io(ErrorKind::Other, "could not acquire lock on …").
        sled::Error::Io(io) if io.to_string().contains("could not acquire lock") => {
            StoreError::Locked {
                dir: PathBuf::from(dir),
            }
        }
        sled::Error::Io(io) => StoreError::io(dir, io),
        other => StoreError::Sled(other),
    }
}
