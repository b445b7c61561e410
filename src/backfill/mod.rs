//! Backfills: changing every row of a large table from a migration without holding a lock for
//! longer than one short batch, and without starting again from zero when a run is cut off.
//!
//! A backfill walks the table in key order (keyset pagination: each batch starts after the
//! last key done, so no batch rescans what came before), one transaction per batch; the batch
//! and its checkpoint (`seamigrate_backfills`: last key, rows done) commit together, so a run
//! killed at any moment resumes on the next `up` exactly where the last commit left it: no row
//! is done twice, none is skipped. The runner runs a migration that backfills outside a
//! migration-wide transaction, marks it `in progress` until the whole migration finishes, and
//! shows its progress in `status`.
//!
//! ```ignore
//! // SQL form: the assignments and an optional condition, run on each batch.
//! seamigrate::backfill::table("users")
//!     .only_where("display_name IS NULL")
//!     .set(manager, "display_name = username")
//!     .await?;
//! // Code form: each row read, and the new values the closure gives it written back.
//! seamigrate::backfill::table("credentials")
//!     .update_rows(manager, &["client_secret"], |row| {
//!         let secret: String = row.get("client_secret")?;
//!         Ok(Update::new().set("client_secret", seal(&secret)))
//!     })
//!     .await?;
//! ```
//!
//! When a migration is only being read (checksums, `up --sql`, `lint`), a backfill runs
//! nothing and is described in words, as an SQL comment.

mod checkpoint;
mod keyset;
mod walk;

pub use checkpoint::{BACKFILLS_TABLE, Checkpoint};
pub(crate) use checkpoint::{create_table, forget, mark};

use crate::capture::{self, Direction};
use crate::runner::Progress;
use sea_orm::{ConnectionTrait, DbErr, QueryResult, TryGetable};
use sea_orm_migration::{SchemaManager, SchemaManagerConnection};
use std::sync::Arc;
use std::time::Duration;

/// Rows per batch unless [`Backfill::batch_size`] says otherwise.
pub const DEFAULT_BATCH_SIZE: u64 = 5_000;

/// A backfill of `table`, walked by its `id` column unless [`Backfill::key`] names another key.
pub fn table(table: &str) -> Backfill {
    Backfill {
        table: table.to_string(),
        key: vec!["id".to_string()],
        name: None,
        batch_size: DEFAULT_BATCH_SIZE,
        pause: Duration::ZERO,
        max_batch_time: None,
        max_replica_lag: None,
        filter: None,
    }
}

/// How a backfill walks its table; see the [module](self) for an example.
#[derive(Debug, Clone)]
pub struct Backfill {
    table: String,
    key: Vec<String>,
    name: Option<String>,
    batch_size: u64,
    pause: Duration,
    max_batch_time: Option<Duration>,
    max_replica_lag: Option<Duration>,
    filter: Option<String>,
}

impl Backfill {
    /// The columns of a unique key to walk by, in order (the primary key, usually): one column
    /// or several, integers or not.
    pub fn key<I: IntoIterator<Item = S>, S: Into<String>>(mut self, columns: I) -> Self {
        self.key = columns.into_iter().map(Into::into).collect();
        self
    }

    /// The name its checkpoint is kept under (the table's name unless set); two backfills of
    /// one table in one migration need two names.
    pub fn named(mut self, name: &str) -> Self {
        self.name = Some(name.to_string());
        self
    }

    /// Rows per batch (at least 1); with [`Backfill::max_batch_time`] the most a batch takes.
    pub fn batch_size(mut self, rows: u64) -> Self {
        self.batch_size = rows.max(1);
        self
    }

    /// A pause after each batch, leaving the server to the application.
    pub fn pause(mut self, pause: Duration) -> Self {
        self.pause = pause;
        self
    }

    /// The longest a batch should take: a slower batch halves the next one's size, a batch
    /// under half of it lets the size grow back (never above [`Backfill::batch_size`]).
    pub fn max_batch_time(mut self, limit: Duration) -> Self {
        self.max_batch_time = Some(limit);
        self
    }

    /// PostgreSQL: before each batch, waits while a replica's replay lag
    /// (`pg_stat_replication`) is over `limit`, and stops at the checkpoint, with an error, if
    /// it stays over for ten times `limit` (at least a minute). Other backends cannot see their
    /// replicas' lag from the primary; there it does nothing.
    pub fn max_replica_lag(mut self, limit: Duration) -> Self {
        self.max_replica_lag = Some(limit);
        self
    }

    /// Only the rows that match this SQL condition are walked (`display_name IS NULL`).
    pub fn only_where(mut self, condition: &str) -> Self {
        self.filter = Some(condition.to_string());
        self
    }

    fn name(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.table)
    }

    /// Runs `UPDATE <table> SET <assignments>` over the table (and the condition), one batch at
    /// a time.
    pub async fn set(&self, manager: &SchemaManager<'_>, assignments: &str) -> Result<Summary, DbErr> {
        let work = walk::Work::Set(assignments);
        self.run(manager, work).await
    }

    /// Reads `columns` (and the key) of each row, a batch at a time, and writes back what `each`
    /// returns for it (nothing for an empty [`Update`]). The rows of a batch are locked while
    /// it runs, so the application cannot change one between its read and its write.
    pub async fn update_rows<F>(&self, manager: &SchemaManager<'_>, columns: &[&str], mut each: F) -> Result<Summary, DbErr>
    where
        F: FnMut(&Row<'_>) -> Result<Update, DbErr> + Send,
    {
        let work = walk::Work::Rows { columns, each: &mut each };
        self.run(manager, work).await
    }

    async fn run(&self, manager: &SchemaManager<'_>, work: walk::Work<'_>) -> Result<Summary, DbErr> {
        let conn = match manager.get_connection() {
            SchemaManagerConnection::Connection(conn) if !is_dry_run(manager) => conn,
            _ if is_dry_run(manager) => {
                let text = self.description(manager.get_database_backend(), &work);
                return Ok(self.describe(manager, text).await);
            }
            _ => return Err(DbErr::Migration(format!(
                "backfill `{}` commits each batch on its own, so it cannot run inside the \
                 migration's transaction; run the migration with seamigrate's runner (which runs \
                 a backfilling migration outside one), or declare `use_transaction()` as \
                 `Some(false)`",
                self.name()
            ))),
        };
        let job = RUN.try_with(|run| run.job()).unwrap_or_else(|_| Job::unmanaged());
        walk::walk(self, conn, &job, work).await
    }

    /// What the backfill would do, in words.
    fn description(&self, backend: sea_orm::DbBackend, work: &walk::Work<'_>) -> String {
        let table = keyset::ident(backend, &self.table);
        let filter = self.filter.as_deref().map(|f| format!(" WHERE {f}")).unwrap_or_default();
        let what = match work {
            walk::Work::Set(assignments) => format!("UPDATE {table} SET {assignments}{filter}"),
            walk::Work::Rows { columns, .. } => {
                format!("each row of {table}{filter} gets new {} from the migration's code", columns.join(", "))
            }
        };
        format!(
            "backfill `{}`: {what}, in batches of {} rows by ({}), each committed with its \
             checkpoint",
            self.name(),
            self.batch_size,
            self.key.join(", ")
        )
    }

    /// Says what the backfill would do, for a migration that is only being read: declared to
    /// the capture, and sent as an SQL comment so that `up --sql` shows it.
    async fn describe(&self, manager: &SchemaManager<'_>, text: String) -> Summary {
        capture::declare_backfill(&text);
        let comment = format!("-- {}", text.replace('\n', " "));
        let _ = manager.get_connection().execute_unprepared(&comment).await;
        Summary::default()
    }
}

/// Whether seamigrate is only reading the migration (its checksum, `up --sql`, `lint`): what it
/// sends reaches no database. A migration that needs a secret to run (an encryption key) asks
/// for it only when this is false, so that reading the migration never needs the secret.
pub fn is_dry_run(manager: &SchemaManager<'_>) -> bool {
    capture::capturing() || manager.get_connection().is_mock_connection()
}

/// One row of a [`Backfill::update_rows`] batch.
pub struct Row<'a> {
    result: &'a QueryResult,
}

impl Row<'_> {
    /// The value of one of the columns asked for.
    pub fn get<T: TryGetable>(&self, column: &str) -> Result<T, DbErr> {
        self.result.try_get("", column)
    }
}

/// The new values of one row; an empty one leaves the row as it is.
#[derive(Debug, Default, Clone)]
pub struct Update {
    values: Vec<(String, sea_orm::Value)>,
}

impl Update {
    pub fn new() -> Self {
        Update::default()
    }

    /// Leaves the row as it is.
    pub fn none() -> Self {
        Update::default()
    }

    pub fn set(mut self, column: &str, value: impl Into<sea_orm::Value>) -> Self {
        self.values.push((column.to_string(), value.into()));
        self
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

/// What one backfill call did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Rows walked by this call (not counting those done by an earlier, interrupted run).
    pub walked: u64,
    /// Rows changed by this call.
    pub changed: u64,
    pub batches: u64,
    /// It continued from an earlier run's checkpoint.
    pub resumed: bool,
    /// An earlier run had finished it; nothing was done.
    pub already_done: bool,
}

/// A backfill's progress, as the runner's [`Progress`] receives it after each batch.
#[derive(Debug, Clone)]
pub struct Tick<'a> {
    pub version: &'a str,
    pub direction: Direction,
    pub name: &'a str,
    /// Rows walked so far, by every run.
    pub done: u64,
    pub estimate: Option<u64>,
    /// Rows per second walked by this run.
    pub rate: f64,
    pub finished: bool,
}

/// Whom a backfill belongs to: the migration (or task) the runner is running.
#[derive(Clone)]
pub(crate) struct Job {
    pub version: String,
    pub direction: Direction,
    pub progress: Option<Arc<dyn Progress>>,
    /// Run by seamigrate's runner, which forgets the checkpoints once the whole migration is
    /// done; a backfill run otherwise forgets its own as it finishes.
    pub managed: bool,
}

impl Job {
    fn unmanaged() -> Job {
        Job { version: String::new(), direction: Direction::Up, progress: None, managed: false }
    }
}

/// What the runner tells the backfills of the migration it runs.
pub(crate) struct RunContext {
    pub version: String,
    pub direction: Direction,
    pub progress: Arc<dyn Progress>,
}

impl RunContext {
    fn job(&self) -> Job {
        Job { version: self.version.clone(), direction: self.direction, progress: Some(Arc::clone(&self.progress)), managed: true }
    }
}

tokio::task_local! {
    static RUN: RunContext;
}

/// Runs `future` (a migration's up() or down()) with its backfills belonging to `cx`.
pub(crate) async fn within<F: std::future::Future>(cx: RunContext, future: F) -> F::Output {
    RUN.scope(cx, future).await
}

/// The checkpoints of every backfill on `conn` (none if no backfill ever ran there).
pub async fn checkpoint_rows<C: sea_orm::ConnectionTrait>(conn: &C) -> Vec<Checkpoint> {
    checkpoint::all(conn).await
}
