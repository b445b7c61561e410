//! One migration run at a time per database.
//!
//! Each backend has its own kind of lock, kept in its own file:
//! - PostgreSQL: a transaction-level advisory lock, held by a transaction opened for the run;
//! - MySQL/MariaDB: a named lock (`GET_LOCK`) on a connection pinned for the run;
//! - SQLite: an exclusive OS lock on a file beside the database.
//!
//! All are released when the run ends, and by the server or the OS if the process dies, so a
//! crashed run never leaves a stale lock behind. A run that finds the lock taken polls until
//! the timeout, saying once that it waits.

mod mysql;
mod postgres;
mod sqlite;

use crate::db::Backend;
use sea_orm::{DatabaseConnection, DatabaseTransaction, DbErr, TransactionTrait};
use std::time::{Duration, Instant};

const POLL_INTERVAL: Duration = Duration::from_millis(100);

/// The lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(
        "another migration run holds the lock on this database and did not release it within \
         {}s; wait for it to finish, or raise --lock-timeout",
        .waited.as_secs()
    )]
    Timeout { waited: Duration },
    #[error("could not take the migration lock: {0}")]
    Take(String),
    #[error(
        "could not release the migration lock: {0}; the server releases it when this \
         connection closes"
    )]
    Release(String),
    #[error("could not take the migration lock file {path}: {source}")]
    File {
        path: String,
        source: std::io::Error,
    },
}

/// A held lock; release it with [`LockGuard::release`] (dropping it releases it too, less
/// promptly).
pub struct LockGuard {
    held: Held,
}

enum Held {
    Postgres(DatabaseTransaction),
    MySql(DatabaseTransaction),
    File(std::fs::File),
    /// An in-memory SQLite database cannot be shared, so there is nothing to lock.
    Nothing,
}

/// Takes the lock for `db`, waiting up to `timeout`. `on_wait` is called once, when the lock
/// turns out to be taken by someone else.
pub async fn acquire(
    db: &DatabaseConnection,
    timeout: Duration,
    on_wait: &(dyn Fn() + Send + Sync),
) -> Result<LockGuard, LockError> {
    let started = Instant::now();
    let mut attempt = Attempt::new(db).await?;
    let mut told = false;
    loop {
        if let Some(held) = attempt.try_take().await? {
            return Ok(LockGuard { held });
        }
        if started.elapsed() >= timeout {
            attempt.abandon().await;
            return Err(LockError::Timeout {
                waited: started.elapsed(),
            });
        }
        if !told {
            on_wait();
            told = true;
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }
}

impl LockGuard {
    pub async fn release(self) -> Result<(), LockError> {
        match self.held {
            Held::Postgres(txn) => postgres::release(txn).await.map_err(release_error)?,
            Held::MySql(txn) => mysql::release(txn).await.map_err(release_error)?,
            Held::File(file) => sqlite::release(file),
            Held::Nothing => {}
        }
        Ok(())
    }
}

pub(super) fn take_error(err: DbErr) -> LockError {
    LockError::Take(crate::db::connect::db_words(&err))
}

fn release_error(err: DbErr) -> LockError {
    LockError::Release(crate::db::connect::db_words(&err))
}

/// The state kept between tries: the pinned connection or the open lock file.
enum Attempt {
    Postgres(Option<DatabaseTransaction>),
    MySql(Option<DatabaseTransaction>),
    File(Option<(std::fs::File, String)>),
    Nothing,
}

impl Attempt {
    async fn new(db: &DatabaseConnection) -> Result<Self, LockError> {
        Ok(match Backend::from_sea_orm(db.get_database_backend()) {
            Backend::Postgres => Attempt::Postgres(Some(postgres::begin(db).await.map_err(take_error)?)),
            Backend::MySql => {
                let txn = db.begin().await.map_err(take_error)?;
                mysql::keep_alive(&txn).await.map_err(take_error)?;
                Attempt::MySql(Some(txn))
            }
            Backend::Sqlite => match sqlite::open_lock_file(db).await? {
                Some(file) => Attempt::File(Some(file)),
                None => Attempt::Nothing,
            },
        })
    }

    async fn try_take(&mut self) -> Result<Option<Held>, LockError> {
        Ok(match self {
            Attempt::Postgres(txn) => match txn.take() {
                Some(t) if postgres::try_lock(&t).await.map_err(take_error)? => {
                    Some(Held::Postgres(t))
                }
                other => {
                    *txn = other;
                    None
                }
            },
            Attempt::MySql(txn) => match txn.take() {
                Some(t) if mysql::try_lock(&t).await.map_err(take_error)? => Some(Held::MySql(t)),
                other => {
                    *txn = other;
                    None
                }
            },
            Attempt::File(slot) => match slot.take() {
                Some((file, path)) => match sqlite::try_lock(&file, &path)? {
                    true => Some(Held::File(file)),
                    false => {
                        *slot = Some((file, path));
                        None
                    }
                },
                None => None,
            },
            Attempt::Nothing => Some(Held::Nothing),
        })
    }

    async fn abandon(self) {
        match self {
            Attempt::Postgres(Some(txn)) | Attempt::MySql(Some(txn)) => {
                let _ = txn.rollback().await;
            }
            _ => {}
        }
    }
}
