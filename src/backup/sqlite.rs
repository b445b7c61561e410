//! SQLite: `VACUUM INTO` to write (SQLite's own online copy: a consistent snapshot taken
//! through the open connection, compacted, while other connections keep working), and a file
//! swap to restore.
//!
//! A restore copies the dump beside the database file, closes this process's connection,
//! removes any leftover journal or WAL files of the old content (replayed onto the new file,
//! they would corrupt it) and renames the copy over the database file: the replacement is
//! atomic and whole. Other processes must not have the database open meanwhile; stop the
//! application first.

use super::BackupError;
use super::files;
use crate::db::DatabaseUrl;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend};
use std::path::{Path, PathBuf};

pub async fn server_version(db: &DatabaseConnection) -> Result<String, BackupError> {
    let names = super::names(db, DbBackend::Sqlite, "SELECT sqlite_version() AS name", "reading the SQLite version").await?;
    Ok(names.into_iter().next().unwrap_or_default())
}

pub async fn table_count(db: &DatabaseConnection) -> Result<u64, BackupError> {
    let sql = "SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'";
    super::count(db, DbBackend::Sqlite, sql).await
}

/// Writes a copy of the database to `out`, which must not exist. The file is created empty and
/// private first (`VACUUM INTO` accepts an empty file), so the copy is never readable by others.
pub async fn dump(db: &DatabaseConnection, url: &DatabaseUrl, out: &Path) -> Result<(), BackupError> {
    if url.sqlite_file().is_none() {
        return Err(BackupError::InMemory);
    }
    drop(files::create_private(out)?);
    let target = out.to_string_lossy().replace('\'', "''");
    db.execute_unprepared(&format!("VACUUM INTO '{target}'"))
        .await
        .map_err(BackupError::db("copying the database with VACUUM INTO"))?;
    files::make_private(out)
}

/// Replaces the database file with `dump`; closes `db` on the way.
pub async fn restore(db: &DatabaseConnection, url: &DatabaseUrl, dump: &Path) -> Result<(), BackupError> {
    let live = PathBuf::from(url.sqlite_file().ok_or(BackupError::InMemory)?);
    let staged = sibling(&live, &format!(".restoring-{}", std::process::id()));
    let copied = stage(dump, &live, &staged);
    if let Err(e) = copied {
        let _ = std::fs::remove_file(&staged);
        return Err(e);
    }
    db.close_by_ref().await.map_err(BackupError::db("closing the database before the restore"))?;
    for suffix in ["-wal", "-shm", "-journal"] {
        let stale = sibling(&live, suffix);
        if stale.exists() {
            std::fs::remove_file(&stale).map_err(BackupError::io("cannot remove", stale))?;
        }
    }
    std::fs::rename(&staged, &live).map_err(BackupError::io("cannot move the restored file over", live.clone()))
}

/// Copies `dump` to `staged`, with the live file's permissions (the application may rely on
/// them), beside the live file so that the final rename stays on one file system.
fn stage(dump: &Path, live: &Path, staged: &Path) -> Result<(), BackupError> {
    let _ = std::fs::remove_file(staged);
    let mut out = files::create_private(staged)?;
    let mut input = std::fs::File::open(dump).map_err(BackupError::io("cannot read", dump))?;
    std::io::copy(&mut input, &mut out).map_err(BackupError::io("cannot write", staged))?;
    out.sync_all().map_err(BackupError::io("cannot write", staged))?;
    if let Ok(meta) = std::fs::metadata(live) {
        std::fs::set_permissions(staged, meta.permissions()).map_err(BackupError::io("cannot set the permissions of", staged))?;
    }
    Ok(())
}

fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(suffix);
    PathBuf::from(name)
}
