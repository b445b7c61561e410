//! One migration run at a time per database.
//!
//! Each backend has its own kind of lock, kept in its own file:
//! - PostgreSQL: a session-level advisory lock;
//! - MySQL/MariaDB: a named lock (`GET_LOCK`), and on a Galera cluster also a lease row that
//!   certification keeps to one node at a time ([`galera`]);
//! - SQLite: an exclusive OS lock on a file beside the database.
//!
//! The server locks are taken on the run's [`Session`], the one connection every migration
//! of the run goes through: if that connection is ended, the lock and the run's ability to go
//! on end together, so nothing is ever applied without the lock. All are released when the
//! run ends, and by the server or the OS if the process dies, so a crashed run never leaves a
//! stale lock behind. A run that finds the lock taken polls until the timeout, saying once
//! that it waits.

pub mod galera;
mod mysql;
mod postgres;
mod sqlite;

use crate::db::{Backend, Session};
use sea_orm::{DatabaseConnection, DbErr};
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

/// A held lock; release it with [`LockGuard::release`]. Dropping it without releasing leaves a
/// server lock to the end of the session, and releases the SQLite file lock.
pub struct LockGuard {
    held: Held,
    /// The cluster lease, on a Galera node.
    lease: Option<galera::Lease>,
    session: Session,
    /// The last holder of a SQLite lock that was never released (its run was killed).
    stale: Option<Holder>,
}

enum Held {
    Server,
    File(std::fs::File),
    /// An in-memory SQLite database cannot be shared, so there is nothing to lock.
    Nothing,
}

/// Who holds a lock, or held it last, in words: "alice@deploy-7 (pid 4121, `up`, since
/// 10:42:03 UTC)", or, for a server lock, what the server knows of the holding session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder(pub String);

impl std::fmt::Display for Holder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Who this process is, for the SQLite lock file.
pub(crate) fn this_process(command: &str) -> String {
    let since = chrono::Utc::now().format("%H:%M:%S UTC");
    format!("{} (pid {}, `{command}`, since {since})", crate::history::actor(), std::process::id())
}

/// Where a lock stands, as another run sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seen {
    Free,
    /// Taken by a run that is alive.
    Held(Holder),
    /// Free, but the last run that took it did not release it: it was killed, or crashed
    /// (SQLite's lock file keeps its holder's name).
    Stale(Holder),
}

/// Who holds the lock of the database behind `db`, without taking it.
pub async fn look(db: &DatabaseConnection) -> Seen {
    match Backend::from_sea_orm(db.get_database_backend()) {
        Backend::Postgres => postgres::holder(db).await.map_or(Seen::Free, Seen::Held),
        Backend::MySql => match mysql::holder(db).await {
            Some(holder) => Seen::Held(holder),
            None => galera::holder(db).await.map_or(Seen::Free, Seen::Held),
        },
        Backend::Sqlite => sqlite::look(db).await,
    }
}

/// Takes the lock on `session`, waiting up to `timeout`. `on_wait` is called once, when the
/// lock turns out to be taken by someone else, with who holds it when that can be seen.
/// `command` is recorded where the backend keeps no name of its own for the holder (SQLite).
pub async fn acquire(
    session: &Session,
    command: &str,
    timeout: Duration,
    on_wait: &(dyn Fn(Option<Holder>) + Send + Sync),
) -> Result<LockGuard, LockError> {
    let started = Instant::now();
    let file = match session.backend() {
        Backend::Sqlite => sqlite::open_lock_file(session.connection()).await?,
        _ => None,
    };
    let mut told = false;
    let mut lease = None;
    loop {
        let taken = match (session.backend(), &file) {
            (Backend::Postgres, _) => postgres::try_lock(session).await.map_err(take_error)?,
            (Backend::MySql, _) if session.is_clustered() => {
                lease = claim_cluster_lease(session, command).await?;
                lease.is_some()
            }
            (Backend::MySql, _) => mysql::try_lock(session).await.map_err(take_error)?,
            (Backend::Sqlite, Some((file, path))) => sqlite::try_lock(file, path)?,
            (Backend::Sqlite, None) => true,
        };
        if taken {
            let held = match file {
                Some((file, path)) => {
                    let stale = sqlite::take_over(&file, &path, &this_process(command))?;
                    return Ok(LockGuard { held: Held::File(file), lease: None, session: session.clone(), stale });
                }
                None if session.backend() == Backend::Sqlite => Held::Nothing,
                None => Held::Server,
            };
            return Ok(LockGuard { held, lease, session: session.clone(), stale: None });
        }
        if started.elapsed() >= timeout {
            return Err(LockError::Timeout { waited: started.elapsed() });
        }
        if !told {
            let holder = match look(session.connection()).await {
                Seen::Held(holder) => Some(holder),
                _ => None,
            };
            on_wait(holder);
            told = true;
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }
}

/// On a Galera node: the node's `GET_LOCK`, then the cluster lease; the node lock is given
/// back when the lease is someone else's, so that the wait goes on for both.
async fn claim_cluster_lease(session: &Session, command: &str) -> Result<Option<galera::Lease>, LockError> {
    if !mysql::try_lock(session).await.map_err(take_error)? {
        return Ok(None);
    }
    let holder = format!("{} on node {}", this_process(command), node_name(session).await);
    match galera::try_claim(session, &holder).await {
        Ok(Some(lease)) => Ok(Some(lease)),
        Ok(None) => {
            mysql::release(session).await.map_err(take_error)?;
            Ok(None)
        }
        Err(e) => {
            let _ = mysql::release(session).await;
            Err(take_error(e))
        }
    }
}

async fn node_name(session: &Session) -> String {
    let name = session.texts("SELECT CAST(@@wsrep_node_name AS CHAR)").await;
    name.ok().and_then(|rows| rows.into_iter().flatten().next()).unwrap_or_else(|| "?".into())
}

impl LockGuard {
    /// The run that held the lock before and never released it, if that is known (SQLite).
    pub fn stale(&self) -> Option<&Holder> {
        self.stale.as_ref()
    }

    /// Releases the lock. A session whose connection is gone has nothing to release: the server
    /// freed the lock when the connection ended.
    pub async fn release(self) -> Result<(), LockError> {
        if let Some(lease) = self.lease
            && !self.session.is_lost()
            && let Err(err) = galera::release(&self.session, lease).await
            && self.session.is_alive().await
        {
            return Err(LockError::Release(crate::db::connect::db_words(&err)));
        }
        let outcome = match self.held {
            Held::Server if self.session.is_lost() => Ok(()),
            Held::Server => match self.session.backend() {
                Backend::Postgres => postgres::release(&self.session).await,
                _ => mysql::release(&self.session).await,
            },
            Held::File(file) => {
                sqlite::release(file);
                Ok(())
            }
            Held::Nothing => Ok(()),
        };
        match outcome {
            Err(_) if !self.session.is_alive().await => Ok(()),
            Err(err) => Err(LockError::Release(crate::db::connect::db_words(&err))),
            Ok(()) => Ok(()),
        }
    }
}

pub(super) fn take_error(err: DbErr) -> LockError {
    LockError::Take(crate::db::connect::db_words(&err))
}
