//! Owner-only permissions for the data dir, std-only (no umask juggling).
//!
//! The guarantee comes from the directory: it is created 0700 (and tightened if it already existed) before
//! sled creates anything in it, so files sled creates later with the process umask (typically 0644) are
//! still unreachable by other users. [`tighten_tree`] then sets 0600/0700 on everything inside as defence in
//! depth (e.g. if the dir is later copied or its mode loosened); it runs on open and after each flush.

use std::path::Path;

use super::error::StoreError;

#[cfg(unix)]
const DIR_MODE: u32 = 0o700;
#[cfg(unix)]
const FILE_MODE: u32 = 0o600;

/// Create `dir` (and missing parents) with mode 0700 and tighten `dir` itself to 0700 if it existed.
pub(crate) fn create_private_dir(dir: &Path) -> Result<(), StoreError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(DIR_MODE)
            .create(dir)
            .map_err(|e| StoreError::io(dir, e))?;
        set_mode(dir, DIR_MODE)
    }
    #[cfg(not(unix))]
    {
        std::fs::create_dir_all(dir).map_err(|e| StoreError::io(dir, e))
    }
}

/// Make `dir` and everything below it owner-only: dirs 0700, files 0600. Symlinks are not followed.
/// Entries that vanish during the walk (sled renames snapshot files) are ignored.
pub(crate) fn tighten_tree(dir: &Path) -> Result<(), StoreError> {
    #[cfg(unix)]
    {
        set_mode(dir, DIR_MODE)?;
        walk(dir)
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

#[cfg(unix)]
fn walk(dir: &Path) -> Result<(), StoreError> {
    use std::io::ErrorKind::NotFound;

    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == NotFound => return Ok(()),
        Err(e) => return Err(StoreError::io(dir, e)),
    };
    for entry in entries {
        let entry = entry.map_err(|e| StoreError::io(dir, e))?;
        let path = entry.path();
        let ft = match entry.file_type() {
            Ok(ft) => ft,
            Err(e) if e.kind() == NotFound => continue,
            Err(e) => return Err(StoreError::io(&path, e)),
        };
        if ft.is_dir() {
            set_mode(&path, DIR_MODE)?;
            walk(&path)?;
        } else if ft.is_file() {
            set_mode(&path, FILE_MODE)?;
        }
    }
    Ok(())
}

/// chmod `path` to `mode` unless it already has it. Does not follow symlinks (callers pass dirs/files only).
#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> Result<(), StoreError> {
    use std::io::ErrorKind::NotFound;
    use std::os::unix::fs::PermissionsExt;

    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == NotFound => return Ok(()),
        Err(e) => return Err(StoreError::io(path, e)),
    };
    if meta.permissions().mode() & 0o7777 == mode {
        return Ok(());
    }
    match std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == NotFound => Ok(()),
        Err(e) => Err(StoreError::io(path, e)),
    }
}
