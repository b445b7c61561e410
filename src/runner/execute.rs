//! Running one migration and recording it.
//!
//! Where the backend has transactional DDL (PostgreSQL, SQLite), the migration and its history
//! row commit together or not at all. Elsewhere (MySQL/MariaDB, or a migration that opts out of
//! transactions) the row is written first with a `dirty` mark and cleared on success, so a
//! failure part way is on record instead of silently half-applied.

use super::Error;
use crate::capture::Direction;
use crate::db::Backend;
use crate::db::connect::db_words;
use crate::history::{Action, AppliedRow, HistoryStore, NewEvent, Outcome, now};
use sea_orm::{DatabaseConnection, DbErr, TransactionTrait};
use sea_orm_migration::{MigrationTrait, SchemaManager};
use std::time::Instant;

/// One migration to run, and what is known of it beforehand.
pub(crate) struct Step<'m> {
    pub migration: &'m dyn MigrationTrait,
    pub direction: Direction,
    /// Checksum of its up(), recorded with the applied row.
    pub checksum: Option<String>,
    /// The applied version below this one, for the message if it ends dirty.
    pub previous: String,
}

impl Step<'_> {
    fn version(&self) -> &str {
        self.migration.name()
    }

    fn atomic(&self, backend: Backend) -> bool {
        backend.has_transactional_ddl() && self.migration.use_transaction() != Some(false)
    }
}

/// Runs the step; returns its duration in milliseconds.
pub(crate) async fn run(db: &DatabaseConnection, backend: Backend, step: &Step<'_>) -> Result<i64, Error> {
    let started = Instant::now();
    let atomic = step.atomic(backend);
    let result = if atomic {
        run_atomic(db, step, &started).await
    } else {
        run_marked(db, step, &started).await
    };
    let ms = elapsed_ms(&started);
    let history = HistoryStore::on(db);
    match result {
        Ok(()) => Ok(ms),
        Err(err) => {
            let words = failure_words(&err, step.direction);
            let outcome = if atomic { Outcome::Failed } else { Outcome::Dirty };
            let _ = history
                .append(NewEvent {
                    action: action(step.direction),
                    version: Some(step.version().to_string()),
                    outcome,
                    duration_ms: Some(ms),
                    message: Some(words.clone()),
                })
                .await;
            Err(Error::MigrationFailed {
                version: step.version().to_string(),
                direction: step.direction,
                backend,
                words,
                dirty: !atomic,
                consequence: consequence(atomic, backend, step),
            })
        }
    }
}

async fn run_atomic(db: &DatabaseConnection, step: &Step<'_>, started: &Instant) -> Result<(), DbErr> {
    let txn = db.begin().await?;
    let manager = SchemaManager::new(&txn);
    let outcome = match step.direction {
        Direction::Up => step.migration.up(&manager).await,
        Direction::Down => step.migration.down(&manager).await,
    };
    if let Err(err) = outcome {
        let _ = txn.rollback().await;
        return Err(err);
    }
    let history = HistoryStore::on(&txn);
    let ms = elapsed_ms(started);
    match step.direction {
        Direction::Up => history.insert_applied(&applied_row(step, ms, false)).await?,
        Direction::Down => history.delete_applied(step.version()).await?,
    }
    history
        .append(NewEvent::ok(action(step.direction), step.version(), ms))
        .await?;
    txn.commit().await
}

async fn run_marked(db: &DatabaseConnection, step: &Step<'_>, started: &Instant) -> Result<(), DbErr> {
    let history = HistoryStore::on(db);
    match step.direction {
        Direction::Up => history.insert_applied(&applied_row(step, 0, true)).await?,
        Direction::Down => history.mark_dirty(step.version()).await?,
    }
    let manager = SchemaManager::new(db);
    match step.direction {
        Direction::Up => step.migration.up(&manager).await?,
        Direction::Down => step.migration.down(&manager).await?,
    }
    let ms = elapsed_ms(started);
    match step.direction {
        Direction::Up => history.mark_clean(step.version(), ms).await?,
        Direction::Down => history.delete_applied(step.version()).await?,
    }
    history
        .append(NewEvent::ok(action(step.direction), step.version(), ms))
        .await
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

/// The database's own words, or the migration's, with the stock "no down()" error explained.
fn failure_words(err: &DbErr, direction: Direction) -> String {
    match err {
        DbErr::Migration(msg) if direction == Direction::Down && msg.contains("Don't Do That") => {
            "it has no down(); write one, or move the database below it with `stamp`".into()
        }
        DbErr::Migration(msg) | DbErr::Custom(msg) => msg.clone(),
        other => db_words(other),
    }
}

fn consequence(atomic: bool, backend: Backend, step: &Step<'_>) -> String {
    if atomic {
        return "it was rolled back; the schema and the history are as they were before it".into();
    }
    let why = if backend.has_transactional_ddl() {
        "it runs outside a transaction".to_string()
    } else {
        format!("{backend} commits each DDL statement at once")
    };
    let (done, undone) = match step.direction {
        Direction::Up => (step.version().to_string(), step.previous.clone()),
        Direction::Down => (step.previous.clone(), step.version().to_string()),
    };
    format!(
        "{why}, so it may be partly done and is marked dirty; repair the schema by hand, then \
         run `stamp {done}` if the database should count as at {done}, or `stamp {undone}` \
         otherwise"
    )
}

pub(crate) fn elapsed_ms(started: &Instant) -> i64 {
    i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX)
}
