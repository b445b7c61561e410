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
use super::busy;
use super::error::LockLost;
use super::limits::DdlLimits;
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
    /// The tables its statements name, to say who holds their locks when it gives way.
    pub tables: Vec<String>,
    /// The run's DDL limits with the migration's own declarations applied.
    pub limits: DdlLimits,
    /// It backfills (`seamigrate::backfill`): each batch commits on its own, so it runs
    /// outside a migration-wide transaction, marked until it finishes.
    pub backfills: bool,
    /// It stopped part way through a backfill and is resumed: its row is there already.
    pub resume: bool,
}

/// What a step is run with besides itself.
pub(crate) struct Context<'a> {
    /// Create the history tables in the step's transaction (an atomic step only).
    pub install: bool,
    /// The run's limits, set on the session; a step whose own differ sets them for itself.
    pub run_limits: &'a DdlLimits,
    /// The session's name afterwards (PostgreSQL's `application_name`): the next step's.
    pub next_label: Option<String>,
    /// The stock runner's table, which every history write is mirrored into.
    pub stock: &'a str,
    /// Where a backfill's progress goes.
    pub progress: &'a std::sync::Arc<dyn super::Progress>,
}

impl Context<'_> {
    /// History writes for `db`, kept in step with the stock runner's table.
    fn writes(&self, db: &DatabaseConnection) -> Writes {
        Writes::new(db.get_database_backend(), self.stock)
    }
}

/// Runs the step's up() or down() on `manager`, its backfills belonging to it.
async fn migrate(step: &Step<'_>, manager: &SchemaManager<'_>, cx: &Context<'_>) -> Result<(), DbErr> {
    let run = crate::backfill::RunContext {
        version: step.version().to_string(),
        direction: step.direction,
        progress: std::sync::Arc::clone(cx.progress),
    };
    let work = async {
        match step.direction {
            Direction::Up => step.migration.up(manager).await,
            Direction::Down => step.migration.down(manager).await,
        }
    };
    crate::backfill::within(run, work).await
}

/// How a step ended, when it did not fail.
#[derive(Debug)]
pub(crate) enum Ran {
    /// It ran and was recorded; how long it took, in milliseconds.
    Done(i64),
    /// A statement gave up waiting for a lock and nothing of the step remains (it was rolled
    /// back, or none of its statements had committed); the database's words.
    GaveWay(String),
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
            (true, _) if self.backfills => Mode::Marked,
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
    /// MySQL/MariaDB: the session's statement count (`Questions`) as the migration began.
    questions: Option<u64>,
}

impl From<DbErr> for Failure {
    fn from(err: DbErr) -> Self {
        Failure { err, committing: false, questions: None }
    }
}

/// The session's statement count so far (MySQL/MariaDB), for the last statement of a batch.
const QUESTIONS: &str = "SHOW SESSION STATUS LIKE 'Questions'";

async fn questions(db: &DatabaseConnection, sql: &str) -> Result<Option<u64>, DbErr> {
    let values = crate::db::texts_at(db, sql, 1).await?;
    Ok(values.into_iter().flatten().next_back().and_then(|v| v.parse().ok()))
}

/// Runs the step, and records it when it succeeds.
pub(crate) async fn run(session: &Session, backend: Backend, step: &Step<'_>, cx: &Context<'_>) -> Result<Ran, Error> {
    let db = session.connection();
    let install = cx.install;
    session.take_refused_statement();
    let started = Instant::now();
    let mode = step.mode(backend);
    let result = match mode {
        Mode::Atomic if backend == Backend::Sqlite => {
            let (result, wants) = crate::batch::sqlite::noting_foreign_keys(run_atomic(db, step, &started, cx, false)).await;
            match result {
                Err(_) if wants => without_foreign_keys(db, step, &started, cx).await,
                result => result,
            }
        }
        Mode::Atomic => run_atomic(db, step, &started, cx, false).await,
        Mode::Wrapped | Mode::Marked => run_marked(db, step, &started, mode, cx).await,
    };
    let failure = match result {
        Ok(ms) => return Ok(Ran::Done(ms)),
        Err(failure) => failure,
    };
    let mut words = failure_words(&failure.err, step);
    if let Some(statement) = session.take_refused_statement() {
        words = format!("{words} (in `{statement}`)");
    }
    // The statement count first: every statement sent from here on adds to it. The migration's
    // failing statement was its only one when the count grew by two (it, and this reading).
    let counted = match failure.questions {
        Some(_) => questions(db, QUESTIONS).await.ok().flatten(),
        None => None,
    };
    let only_statement = matches!((failure.questions, counted), (Some(before), Some(now)) if now <= before + 2);
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
    let lock_timeout = busy::is_lock_timeout(&failure.err, backend);
    let untouched = match mode {
        Mode::Atomic => true,
        // A statement that gave up waiting for its lock changed nothing; when it was the
        // migration's only one, the dirty mark its implicit commit made durable is void.
        Mode::Wrapped if lock_timeout && only_statement => {
            let _ = db.execute_unprepared("ROLLBACK").await;
            clear_dirty_mark(db, step, cx).await
        }
        Mode::Wrapped => !dirty_mark_committed(db, step).await,
        // The stock default down() refuses before touching anything.
        Mode::Marked => is_missing_down(&failure.err, step.direction),
    };
    if untouched && !failure.committing && lock_timeout {
        return Ok(Ran::GaveWay(words));
    }
    let mut writes = cx.writes(db);
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

/// SQLite's procedure for changing a table others reference: the migration runs again (its
/// first try was rolled back) with foreign keys off for the connection, which only works
/// outside a transaction, and every foreign key is checked before it commits.
async fn without_foreign_keys(db: &DatabaseConnection, step: &Step<'_>, started: &Instant, cx: &Context<'_>) -> Result<i64, Failure> {
    let pragma = sea_orm::Statement::from_string(sea_orm::DbBackend::Sqlite, "PRAGMA foreign_keys");
    let was_on = match db.query_one_raw(pragma).await? {
        Some(row) => row.try_get_by_index::<i64>(0)? != 0,
        None => false,
    };
    db.execute_unprepared("PRAGMA foreign_keys = OFF").await?;
    let result = run_atomic(db, step, started, cx, true).await;
    if was_on {
        db.execute_unprepared("PRAGMA foreign_keys = ON").await?;
    }
    result
}

/// With foreign keys off, the migration's rows are checked as SQLite would have as it ran.
async fn check_foreign_keys<C: ConnectionTrait>(conn: &C) -> Result<(), DbErr> {
    let sql = "SELECT \"table\", parent FROM pragma_foreign_key_check LIMIT 1";
    let found = conn.query_all_raw(sea_orm::Statement::from_string(sea_orm::DbBackend::Sqlite, sql)).await?;
    let Some(row) = found.first() else { return Ok(()) };
    let child: String = row.try_get_by_index(0)?;
    let parent: String = row.try_get_by_index(1)?;
    Err(DbErr::Custom(format!(
        "the foreign key check failed: rows of `{child}` reference no row of `{parent}` (checked \
         before commit, as foreign keys were off while the migration rebuilt a table)"
    )))
}

async fn run_atomic(
    db: &DatabaseConnection,
    step: &Step<'_>,
    started: &Instant,
    cx: &Context<'_>,
    check_keys: bool,
) -> Result<i64, Failure> {
    let backend = Backend::from_sea_orm(db.get_database_backend());
    let txn = db.begin().await?;
    let own_limits = step.limits.lock_timeout != cx.run_limits.lock_timeout;
    if own_limits {
        txn.execute_unprepared(&step.limits.migration_sql(backend)).await?;
    }
    let manager = SchemaManager::new(&txn);
    let outcome = migrate(step, &manager, cx).await;
    let outcome = match outcome {
        Ok(()) if check_keys => check_foreign_keys(&txn).await,
        outcome => outcome,
    };
    if let Err(err) = outcome {
        let _ = txn.rollback().await;
        return Err(err.into());
    }
    let ms = elapsed_ms(started);
    let mut writes = cx.writes(db);
    if cx.install {
        writes.install();
    }
    match step.direction {
        Direction::Up => writes.insert_applied(&applied_row(step, ms, false)),
        Direction::Down => writes.delete_applied(step.version()),
    };
    writes.append(NewEvent::ok(action(step.direction), step.version(), ms));
    if own_limits && backend != Backend::Postgres {
        writes.raw(&cx.run_limits.migration_sql(backend));
    }
    if let Some(label) = label_sql(backend, cx.next_label.as_deref()) {
        writes.raw(&label);
    }
    writes.send(&txn).await?;
    txn.commit().await.map_err(|err| Failure { err, committing: true, questions: None })?;
    Ok(ms)
}

async fn run_marked(
    db: &DatabaseConnection,
    step: &Step<'_>,
    started: &Instant,
    mode: Mode,
    cx: &Context<'_>,
) -> Result<i64, Failure> {
    let backend = Backend::from_sea_orm(db.get_database_backend());
    let wrapped = mode == Mode::Wrapped;
    let own_limits = step.limits.lock_timeout != cx.run_limits.lock_timeout;
    let mut begin = cx.writes(db);
    if step.backfills {
        // Before any BEGIN: on MySQL/MariaDB the CREATE would commit the dirty row early.
        begin.raw(&crate::backfill::create_table(db.get_database_backend()));
    }
    if own_limits {
        // Outside a transaction even on PostgreSQL: the session's setting, put back below.
        begin.raw(&step.limits.session_sql(backend).remove(0));
    }
    // The dirty mark and a backfill's marker commit together: PostgreSQL runs a message of
    // several statements as one transaction; SQLite runs each on its own unless wrapped.
    let together = !wrapped && step.backfills && backend == Backend::Sqlite;
    if wrapped || together {
        begin.raw("BEGIN");
    }
    match step.direction {
        Direction::Up if step.resume => begin.set_dirty(step.version(), true),
        Direction::Up => begin.insert_applied(&applied_row(step, 0, true)),
        Direction::Down => begin.set_dirty(step.version(), true),
    };
    if step.backfills {
        // With the dirty mark: the direction to resume in, should the run be cut off.
        begin.raw(&crate::backfill::mark(db.get_database_backend(), step.version(), step.direction));
    }
    if together {
        begin.raw("COMMIT");
    }
    let before = if wrapped {
        questions(db, &format!("{};\n{QUESTIONS}", begin.sql())).await?
    } else {
        if let Err(err) = begin.send(db).await {
            if together {
                let _ = db.execute_unprepared("ROLLBACK").await;
            }
            return Err(err.into());
        }
        None
    };
    let with_count = |err: DbErr| Failure { err, committing: false, questions: before };
    let manager = SchemaManager::new(db);
    migrate(step, &manager, cx).await.map_err(with_count)?;
    let ms = elapsed_ms(started);
    // The clean mark and the event commit together. PostgreSQL runs a message of several
    // statements as one transaction; elsewhere they are wrapped, and on MySQL/MariaDB the BEGIN
    // first commits whatever the migration left uncommitted.
    let explicit = db.get_database_backend() != sea_orm::DbBackend::Postgres;
    let mut end = cx.writes(db);
    if explicit {
        end.raw("BEGIN");
    }
    match step.direction {
        Direction::Up => end.mark_clean(step.version(), ms),
        Direction::Down => end.delete_applied(step.version()),
    };
    if step.backfills {
        end.raw(&crate::backfill::forget(db.get_database_backend(), step.version()));
    }
    end.append(NewEvent::ok(action(step.direction), step.version(), ms));
    if explicit {
        end.raw("COMMIT");
    }
    if own_limits {
        end.raw(&cx.run_limits.session_sql(backend).remove(0));
    }
    if let Some(label) = label_sql(backend, cx.next_label.as_deref()) {
        end.raw(&label);
    }
    if let Err(err) = end.send(db).await {
        if explicit {
            let _ = db.execute_unprepared("ROLLBACK").await;
        }
        return Err(Failure { err, committing: true, questions: None });
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

/// The statement that names the session `label` where others can see it (PostgreSQL's
/// `application_name` in `pg_stat_activity`; MySQL has no such name).
pub(crate) fn label_sql(backend: Backend, label: Option<&str>) -> Option<String> {
    let label = label?;
    (backend == Backend::Postgres).then(|| {
        // At most 63 bytes are kept; cut on a character boundary.
        let mut cut = label.len().min(63);
        while !label.is_char_boundary(cut) {
            cut -= 1;
        }
        format!("SET application_name = '{}'", label[..cut].replace('\'', "''"))
    })
}

/// Takes back the dirty mark of a migration none of whose statements took effect; whether that
/// was done.
async fn clear_dirty_mark(db: &DatabaseConnection, step: &Step<'_>, cx: &Context<'_>) -> bool {
    let mut writes = cx.writes(db);
    match step.direction {
        Direction::Up => writes.delete_applied(step.version()),
        Direction::Down => writes.set_dirty(step.version(), false),
    };
    writes.send(db).await.is_ok()
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

/// The database's own words, or a migration's (or task's) own message.
pub(crate) fn words(err: &DbErr) -> String {
    match err {
        DbErr::Migration(msg) | DbErr::Custom(msg) => msg.clone(),
        other => db_words(other),
    }
}

/// The database's own words, or the migration's, with the stock "no down()" error and a
/// migration waiting for a second connection explained.
fn failure_words(err: &DbErr, step: &Step<'_>) -> String {
    match err {
        _ if is_missing_down(err, step.direction) => format!(
            "it has no down(); write one, or forget it with `resolve {} --as pending` after \
             undoing its changes by hand",
            step.version()
        ),
        DbErr::ConnectionAcquire(sea_orm::ConnAcquireErr::Timeout) => {
            "it waited for a second connection, but a migration runs on the one connection that \
             holds the migration lock; run all its statements through that connection (or \
             through the transaction it opened on it)"
                .into()
        }
        other => words(other),
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
    if step.backfills {
        return format!(
            "it backfills in batches, each committed with its checkpoint, so what is done stays \
             done and it is marked in progress; fix the cause and run `{}` again to continue \
             where it stopped (`status` shows how far it got)",
            step.direction
        );
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
