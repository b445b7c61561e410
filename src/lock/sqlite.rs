//! SQLite: an exclusive OS lock (`flock` on Unix) on `<database file>.lock`.
//!
//! SQLite's own locks last one transaction, and a run spans many. A separate file is locked
//! rather than the database file itself, so the lock cannot interfere with SQLite's locking
//! on any platform. The file stays in place: deleting a lock file races with its next user.
//! While a run holds the lock, the file holds one line naming it, which a waiting run reads
//! and the run empties when it releases the lock; a line found in a file nobody holds was left
//! by a run that was killed.

use super::{Holder, LockError, Seen};
use std::io::{Read, Seek, SeekFrom, Write};
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
        .read(true)
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

/// Writes `me` into the lock file just taken; returns the run named there before, which never
/// released the lock.
pub(super) fn take_over(file: &File, path: &str, me: &str) -> Result<Option<Holder>, LockError> {
    let failed = |source| LockError::File { path: path.to_string(), source };
    let before = read_line(file);
    file.set_len(0).map_err(failed)?;
    (&*file).seek(SeekFrom::Start(0)).map_err(failed)?;
    (&*file).write_all(format!("{me}\n").as_bytes()).map_err(failed)?;
    Ok(before.map(Holder))
}

pub(super) fn release(file: File) {
    let _ = file.set_len(0);
    let _ = file.unlock();
}

fn read_line(file: &File) -> Option<String> {
    let mut text = String::new();
    (&*file).seek(SeekFrom::Start(0)).ok()?;
    (&*file).read_to_string(&mut text).ok()?;
    let line = text.trim();
    (!line.is_empty()).then(|| line.to_string())
}

/// Where the lock of the database behind `db` stands, without keeping it.
pub(super) async fn look(db: &DatabaseConnection) -> Seen {
    let Ok(Some(db_file)) = main_file(db).await else {
        return Seen::Free;
    };
    let Ok(file) = OpenOptions::new().read(true).write(true).open(format!("{db_file}.lock")) else {
        return Seen::Free;
    };
    match file.try_lock() {
        Ok(()) => {
            let line = read_line(&file);
            let _ = file.unlock();
            line.map_or(Seen::Free, |l| Seen::Stale(Holder(l)))
        }
        Err(TryLockError::WouldBlock) => Seen::Held(Holder(read_line(&file).unwrap_or_else(|| "another run".into()))),
        Err(TryLockError::Error(_)) => Seen::Free,
    }
}
