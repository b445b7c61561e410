//! SQLite: an exclusive OS lock (`flock` on Unix) on `<database file>.lock`.
//!
//! SQLite's own locks last one transaction, and a run spans many. A separate file is locked
//! rather than the database file itself, so the lock cannot interfere with SQLite's locking
//! on any platform. The file stays in place: deleting a lock file races with its next user.

use super::LockError;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, Statement};
use std::fs::{File, OpenOptions, TryLockError};

/// Opens the lock file beside the main database file, or returns `None` for an in-memory one.
pub(super) async fn open_lock_file(
    db: &DatabaseConnection,
) -> Result<Option<(File, String)>, LockError> {
    let Some(db_file) = main_file(db).await.map_err(super::take_error)? else {
        return Ok(None);
    };
    let path = format!("{db_file}.lock");
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|source| LockError::File {
            path: path.clone(),
            source,
        })?;
    Ok(Some((file, path)))
}

async fn main_file(db: &DatabaseConnection) -> Result<Option<String>, DbErr> {
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "PRAGMA database_list",
        ))
        .await?;
    for row in rows {
        let name: String = row.try_get("", "name")?;
        if name == "main" {
            let file: String = row.try_get("", "file")?;
            return Ok((!file.is_empty()).then_some(file));
        }
    }
    Ok(None)
}

pub(super) fn try_lock(file: &File, path: &str) -> Result<bool, LockError> {
    match file.try_lock() {
        Ok(()) => Ok(true),
        Err(TryLockError::WouldBlock) => Ok(false),
        Err(TryLockError::Error(source)) => Err(LockError::File {
            path: path.to_string(),
            source,
        }),
    }
}

pub(super) fn release(file: File) {
    let _ = file.unlock();
}
