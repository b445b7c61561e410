//! Running one migration and recording it.
//!
//! Where the backend has transactional DDL (PostgreSQL, SQLite), the migration and its history
//! row commit together or not at all. On MySQL/MariaDB the migration runs inside a transaction
//! opened with its `dirty` history row: its first DDL statement commits that row implicitly as
//! it starts, and the row is marked clean when the migration finishes. So a migration is left
//! dirty exactly when a statement that commits had started, and one that fails or is cut off
//! before that leaves nothing behind (a migration of data alone commits whole). A migration
//! that opts out of transactions writes its dirty row first and clears it on success.
//!
//! Everything runs on the run's [`Session`]; when a migration fails and that session turns out
//! to be gone, the run has lost its lock, and says so instead of recording anything.

use super::Error;
use super::error::LockLost;
use crate::capture::Direction;
use crate::db::connect::db_words;
use crate::db::{Backend, Session};
use crate::history::{Action, AppliedRow, HistoryStore, NewEvent, Outcome, Writes, now};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, TransactionTrait};
use sea_orm_migration::{MigrationTrait, SchemaManager};
use std::time::Instant;

/// One migration to run, and what is known of it beforehand.
pub(crate) struct Step<'m> {
    pub migration: &'m dyn MigrationTrait,
    pub direction: Direction,
    /// Checksum of its up(), recorded with the applied row.
    pub checksum: Option<String>,
    /// The applied version below this one ("base" if none): current once it is reverted.
    pub previous: String,
}

impl Step<'_> {
    fn version(&self) -> &str {
        self.migration.name()
    }

    /// Whether the migration and its history row share one transaction on `backend`.
    pub(crate) fn shares_a_transaction(&self, backend: Backend) -> bool {
        self.mode(backend) == Mode::Atomic
    }

    fn mode(&self, backend: Backend) -> Mode {
        match (backend.has_transactional_ddl(), self.migration.use_transaction()) {
            (true, Some(false)) => Mode::Marked,
            (true, _) => Mode::Atomic,
            (false, _) => Mode::Wrapped,
        }
    }
}

/// How a migration's changes and its history row are tied together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// One transaction holds both (PostgreSQL, SQLite).
    Atomic,
    /// A transaction opened with the dirty row, which the first DDL commits (MySQL/MariaDB).
    Wrapped,
    /// The dirty row is committed first (a migration outside a transaction).
    Marked,
}

/// How far a failed migration got.
struct Failure {
    err: DbErr,
    /// The failure came from the COMMIT itself, whose outcome the client cannot know.
    committing: bool,
}

impl From<DbErr> for Failure {
    fn from(err: DbErr) -> Self {
        Failure { err, committing: false }
    }
}

/// Runs the step; returns how long the migration itself took, in milliseconds (the figure
/// recorded in the history). With `install` (an atomic step only), the history tables are
/// created in its transaction.
pub(crate) async fn run(session: &Session, backend: Backend, step: &Step<'_>, install: bool) -> Result<i64, Error> {
    let db = session.connection();
    let started = Instant::now();
    let mode = step.mode(backend);
    let result = match mode {
        Mode::Atomic => run_atomic(db, step, &started, install).await,
        Mode::Wrapped | Mode::Marked => run_marked(db, step, &started, mode).await,
    };
    let failure = match result {
        Ok(ms) => return Ok(ms),
        Err(failure) => failure,
    };
    let words = failure_words(&failure.err, step.direction);
    if !session.is_alive().await {
        return Err(Error::LockLost(LockLost::during(
            step.version(),
            step.direction,
            words,
            mode == Mode::Atomic,
            failure.committing,
        )));
    }
    let ms = elapsed_ms(&started);
    let untouched = match mode {
        Mode::Atomic => true,
        Mode::Wrapped => !dirty_mark_committed(db, step).await,
        // The stock default down() refuses before touching anything.
        Mode::Marked => is_missing_down(&failure.err, step.direction),
    };
    let mut writes = Writes::new(db.get_database_backend());
    if install {
        // The tables were to come with the migration, and were rolled back with it.
        writes.install();
    }
    if mode == Mode::Marked && untouched {
        writes.set_dirty(step.version(), false);
    }
    writes.append(NewEvent {
        action: action(step.direction),
        version: Some(step.version().to_string()),
        outcome: if untouched { Outcome::Failed } else { Outcome::Dirty },
        duration_ms: Some(ms),
        message: Some(words.clone()),
    });
    let _ = writes.send(db).await;
    Err(Error::MigrationFailed {
        version: step.version().to_string(),
        direction: step.direction,
        backend,
        words,
        dirty: !untouched,
        consequence: consequence(mode, untouched, backend, step),
    })
}

async fn run_atomic(db: &DatabaseConnection, step: &Step<'_>, started: &Instant, install: bool) -> Result<i64, Failure> {
    let txn = db.begin().await?;
    let manager = SchemaManager::new(&txn);
    let outcome = match step.direction {
        Direction::Up => step.migration.up(&manager).await,
        Direction::Down => step.migration.down(&manager).await,
    };
    if let Err(err) = outcome {
        let _ = txn.rollback().await;
        return Err(err.into());
    }
    let ms = elapsed_ms(started);
    let mut writes = Writes::new(db.get_database_backend());
    if install {
        writes.install();
    }
    match step.direction {
        Direction::Up => writes.insert_applied(&applied_row(step, ms, false)),
        Direction::Down => writes.delete_applied(step.version()),
    };
    writes.append(NewEvent::ok(action(step.direction), step.version(), ms));
    writes.send(&txn).await?;
    txn.commit().await.map_err(|err| Failure { err, committing: true })?;
    Ok(ms)
}

async fn run_marked(db: &DatabaseConnection, step: &Step<'_>, started: &Instant, mode: Mode) -> Result<i64, Failure> {
    let wrapped = mode == Mode::Wrapped;
    let mut begin = Writes::new(db.get_database_backend());
    if wrapped {
        begin.raw("BEGIN");
    }
    match step.direction {
        Direction::Up => begin.insert_applied(&applied_row(step, 0, true)),
        Direction::Down => begin.set_dirty(step.version(), true),
    };
    begin.send(db).await?;
    let manager = SchemaManager::new(db);
    match step.direction {
        Direction::Up => step.migration.up(&manager).await?,
        Direction::Down => step.migration.down(&manager).await?,
    }
    let ms = elapsed_ms(started);
    // The clean mark and the event commit together. PostgreSQL runs a message of several
    // statements as one transaction; elsewhere they are wrapped, and on MySQL/MariaDB the BEGIN
    // first commits whatever the migration left uncommitted.
    let explicit = db.get_database_backend() != sea_orm::DbBackend::Postgres;
    let mut end = Writes::new(db.get_database_backend());
    if explicit {
        end.raw("BEGIN");
    }
    match step.direction {
        Direction::Up => end.mark_clean(step.version(), ms),
        Direction::Down => end.delete_applied(step.version()),
    };
    end.append(NewEvent::ok(action(step.direction), step.version(), ms));
    if explicit {
        end.raw("COMMIT");
    }
    if let Err(err) = end.send(db).await {
        if explicit {
            let _ = db.execute_unprepared("ROLLBACK").await;
        }
        return Err(Failure { err, committing: true });
    }
    Ok(ms)
}

/// After a wrapped migration failed: rolls back what is still uncommitted, then tells whether
/// the dirty mark had been committed by one of the migration's statements. When that cannot be
/// read, it counts as committed: a false "dirty" is safe, a false "untouched" is not.
async fn dirty_mark_committed(db: &DatabaseConnection, step: &Step<'_>) -> bool {
    if db.execute_unprepared("ROLLBACK").await.is_err() {
        return true;
    }
    match HistoryStore::on(db).applied().await {
        Ok(rows) => rows.iter().any(|r| r.version == step.version() && r.dirty),
        Err(_) => true,
    }
}

fn applied_row(step: &Step<'_>, ms: i64, dirty: bool) -> AppliedRow {
    AppliedRow {
        version: step.version().to_string(),
        applied_at: now(),
        execution_ms: ms,
        checksum: step.checksum.clone(),
        dirty,
    }
}

fn action(direction: Direction) -> Action {
    match direction {
        Direction::Up => Action::Up,
        Direction::Down => Action::Down,
    }
}

fn is_missing_down(err: &DbErr, direction: Direction) -> bool {
    direction == Direction::Down
        && matches!(err, DbErr::Migration(msg) if msg.contains("Don't Do That"))
}

/// The database's own words, or the migration's, with the stock "no down()" error and a
/// migration waiting for a second connection explained.
fn failure_words(err: &DbErr, direction: Direction) -> String {
    match err {
        _ if is_missing_down(err, direction) => {
            "it has no down(); write one, or forget it with `resolve <version> --as pending` \
             after undoing its changes by hand"
                .into()
        }
        DbErr::ConnectionAcquire(sea_orm::ConnAcquireErr::Timeout) => {
            "it waited for a second connection, but a migration runs on the one connection that \
             holds the migration lock; run all its statements through that connection (or \
             through the transaction it opened on it)"
                .into()
        }
        DbErr::Migration(msg) | DbErr::Custom(msg) => msg.clone(),
        other => db_words(other),
    }
}

fn consequence(mode: Mode, untouched: bool, backend: Backend, step: &Step<'_>) -> String {
    if mode == Mode::Atomic {
        return "it was rolled back; the schema and the history are as they were before it".into();
    }
    if untouched {
        return "none of its statements had committed, so nothing was changed; fix it and run \
                again"
            .into();
    }
    let why = match mode {
        Mode::Marked => "it runs outside a transaction".to_string(),
        _ => format!("{backend} commits each DDL statement at once"),
    };
    let version = step.version();
    format!(
        "{why}, so it may be partly done and is marked dirty; repair the schema by hand, then \
         run `resolve {version} --as applied` if the database now has its changes, or \
         `resolve {version} --as pending` if it does not"
    )
}

pub(crate) fn elapsed_ms(started: &Instant) -> i64 {
    i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX)
}
