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
    /// The applied version below this one ("base" if none): current once it is reverted.
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

/// Runs the step; returns how long the migration itself took, in milliseconds (the figure
/// recorded in the history).
pub(crate) async fn run(
    db: &DatabaseConnection,
    backend: Backend,
    step: &Step<'_>,
) -> Result<i64, Error> {
    let started = Instant::now();
    let atomic = step.atomic(backend);
    let result = if atomic {
        run_atomic(db, step, &started).await
    } else {
        run_marked(db, step, &started).await
    };
    let err = match result {
        Ok(ms) => return Ok(ms),
        Err(err) => err,
    };
    let ms = elapsed_ms(&started);
    let history = HistoryStore::on(db);
    // The stock default down() refuses before touching anything: nothing can be half done.
    let untouched = atomic || is_missing_down(&err, step.direction);
    if !atomic && untouched {
        let _ = history.set_dirty(step.version(), false).await;
    }
    let words = failure_words(&err, step.direction);
    let _ = history
        .append(NewEvent {
            action: action(step.direction),
            version: Some(step.version().to_string()),
            outcome: if untouched { Outcome::Failed } else { Outcome::Dirty },
            duration_ms: Some(ms),
            message: Some(words.clone()),
        })
        .await;
    Err(Error::MigrationFailed {
        version: step.version().to_string(),
        direction: step.direction,
        backend,
        words,
        dirty: !untouched,
        consequence: consequence(atomic, untouched, backend, step),
    })
}

async fn run_atomic(
    db: &DatabaseConnection,
    step: &Step<'_>,
    started: &Instant,
) -> Result<i64, DbErr> {
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
    txn.commit().await?;
    Ok(ms)
}

async fn run_marked(
    db: &DatabaseConnection,
    step: &Step<'_>,
    started: &Instant,
) -> Result<i64, DbErr> {
    let history = HistoryStore::on(db);
    match step.direction {
        Direction::Up => history.insert_applied(&applied_row(step, 0, true)).await?,
        Direction::Down => history.set_dirty(step.version(), true).await?,
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
        .await?;
    Ok(ms)
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

/// The database's own words, or the migration's, with the stock "no down()" error explained.
fn failure_words(err: &DbErr, direction: Direction) -> String {
    match err {
        _ if is_missing_down(err, direction) => {
            "it has no down(); write one, or forget it with `resolve <version> --as pending` \
             after undoing its changes by hand"
                .into()
        }
        DbErr::Migration(msg) | DbErr::Custom(msg) => msg.clone(),
        other => db_words(other),
    }
}

fn consequence(atomic: bool, untouched: bool, backend: Backend, step: &Step<'_>) -> String {
    if atomic {
        return "it was rolled back; the schema and the history are as they were before it".into();
    }
    if untouched {
        return "nothing was changed".into();
    }
    let why = if backend.has_transactional_ddl() {
        "it runs outside a transaction".to_string()
    } else {
        format!("{backend} commits each DDL statement at once")
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
