//! The runner: plans a command against the history, takes the lock, runs each migration and
//! records it. This is also the library API an application uses at start-up.
//!
//! Everything a locked command does goes through one [`Session`]: the lock is taken on it and
//! every migration runs on it, so a run cannot outlive its lock. Given a pool, a runner opens
//! such a session beside it for each locked command; given a session (the CLI's case), it uses
//! it for everything.

mod catalog;
mod error;
mod execute;
pub(crate) mod busy;
mod guard;
pub(crate) mod limits;
mod locked;
mod plan;
mod policy;
mod preview;
mod progress;
mod state;
mod wipe;

pub use error::{Error, LockLost};
pub use guard::{Environment, create_database, drop_database};
pub use limits::{DEFAULT_LOCK_TIMEOUT, DEFAULT_RETRIES, DdlLimits, Declared};
pub use plan::{DownTarget, ResolveAs, StampTarget, UpTarget};
pub use policy::{BackupChoice, RestoreOptions, Restored, blocking};
pub use preview::{LintScope, Offline, Preview};
pub use progress::{Progress, Silent};
pub use state::{MigrationState, MigrationStatus, Status};

use crate::capture::Direction;
use crate::db::{Backend, DatabaseUrl, Session};
use crate::history::{Event, HistoryStore, Snapshot};
use crate::lock;
use catalog::Catalog;
use guard::Guarded;
use locked::Run;
use sea_orm::{ConnectionTrait, DatabaseConnection};
use sea_orm_migration::{MigrationTrait, MigratorTrait};
use serde::Serialize;
use std::sync::Arc;
use std::time::Duration;

/// What a user allows beyond the safe default.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Apply pending migrations older than the newest applied one.
    pub allow_out_of_order: bool,
    /// Go on although applied migrations were edited since they ran.
    pub allow_modified: bool,
    /// The user confirmed a destructive command (typed the name, or passed `--yes`).
    pub confirmed: bool,
    /// In production, apply although lint finds errors nobody acknowledged.
    pub allow_destructive: bool,
    /// In production, where `up` puts the backup it takes first, or no backup.
    pub backup: BackupChoice,
}

/// Kept as `UpOptions` too, the name most callers of `up` look for.
pub type UpOptions = RunOptions;

/// What a command did.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Report {
    pub steps: Vec<StepReport>,
    /// The backup production `up` took before its first migration.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backup: Option<crate::backup::Backup>,
    pub total_ms: i64,
    /// The newest applied version afterwards.
    pub current: Option<String>,
    /// A sentence for commands that run no migration (`stamp`, or nothing to do).
    pub message: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StepReport {
    pub version: String,
    pub direction: Direction,
    pub ms: i64,
}

/// What a runner works through: a pool, beside which each locked command opens a session of
/// its own, or a session used for everything.
#[derive(Clone)]
pub enum Handle {
    Pool(DatabaseConnection),
    Session(Session),
}

impl From<DatabaseConnection> for Handle {
    fn from(db: DatabaseConnection) -> Self {
        Handle::Pool(db)
    }
}

impl From<Session> for Handle {
    fn from(session: Session) -> Self {
        Handle::Session(session)
    }
}

/// What [`Migrator::quick_state`] tells.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QuickState {
    /// The newest applied version.
    pub current: Option<String>,
    /// Every migration the code has is applied, and none is dirty.
    pub at_head: bool,
}

/// Runs a list of migrations against one database.
pub struct Migrator {
    db: DatabaseConnection,
    session: Option<Session>,
    /// The URL, for the dump tools of a backup.
    url: Option<DatabaseUrl>,
    backend: Backend,
    catalog: Catalog,
    legacy_table: String,
    env: Environment,
    lock_timeout: Duration,
    limits: DdlLimits,
    progress: Arc<dyn Progress>,
}

impl Migrator {
    /// A runner for the migrations of a sea-orm `MigratorTrait` implementation.
    pub fn new<M: MigratorTrait>(db: impl Into<Handle>) -> Result<Self, Error> {
        let mut migrator = Self::from_migrations(db, M::migrations())?;
        migrator.legacy_table = M::migration_table_name().to_string();
        Ok(migrator)
    }

    /// A runner for a plain list of migrations.
    pub fn from_migrations(
        db: impl Into<Handle>,
        migrations: Vec<Box<dyn MigrationTrait>>,
    ) -> Result<Self, Error> {
        let (db, session) = match db.into() {
            Handle::Pool(db) => (db, None),
            Handle::Session(session) => (session.connection().clone(), Some(session)),
        };
        Ok(Migrator {
            backend: Backend::from_sea_orm(db.get_database_backend()),
            url: session.as_ref().and_then(|s| s.url().cloned()),
            db,
            session,
            catalog: Catalog::new(migrations)?,
            legacy_table: "seaql_migrations".into(),
            env: Environment::default(),
            lock_timeout: Duration::from_secs(60),
            limits: DdlLimits::default(),
            progress: Arc::new(Silent),
        })
    }

    /// The database's URL, for the dump tools of the backups production `up` and `restore` take
    /// (a runner given a session opened from a URL knows it already).
    pub fn url(mut self, url: DatabaseUrl) -> Self {
        self.url = Some(url);
        self
    }

    pub fn environment(mut self, env: Environment) -> Self {
        self.env = env;
        self
    }

    /// How long to wait for another run's lock before giving up.
    pub fn lock_timeout(mut self, timeout: Duration) -> Self {
        self.lock_timeout = timeout;
        self
    }

    /// How long migrations' statements may wait for table locks (and run), and how often a
    /// migration that gave way is tried again; see [`DdlLimits`].
    pub fn ddl_limits(mut self, limits: DdlLimits) -> Self {
        self.limits = limits;
        self
    }

    pub fn progress(mut self, progress: Arc<dyn Progress>) -> Self {
        self.progress = progress;
        self
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The connection reads go through (the session's, when the runner was given one).
    pub fn connection(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Where every migration stands, and whether a run holds the lock. Read-only: creates
    /// nothing and takes no lock.
    pub async fn status(&self) -> Result<Status, Error> {
        let snapshot = Snapshot::read(&self.db, &self.legacy_table)
            .await
            .map_err(Error::db("reading the history"))?;
        let applied = snapshot.applied_rows();
        let checkpoints = state::checkpoints(&self.db, &applied).await;
        let mut status = state::assess(&self.catalog, &applied, &checkpoints, self.backend).await;
        match lock::look(&self.db).await {
            lock::Seen::Held(holder) => status.in_progress = Some(holder.to_string()),
            lock::Seen::Stale(holder) => status.unfinished_run = Some(holder.to_string()),
            lock::Seen::Free => {}
        }
        Ok(status)
    }

    /// Where the database stands, from one query on the history table and no checksum: for a
    /// fleet to skip a target that is at head. A missing or unreadable table reads as not at
    /// head, so `up` runs and says what is wrong.
    pub async fn quick_state(&self) -> QuickState {
        let Ok(rows) = HistoryStore::on(&self.db).applied().await else { return QuickState::default() };
        let at_head = rows.len() == self.catalog.versions().count()
            && rows.iter().zip(self.catalog.versions()).all(|(row, version)| row.version == version && !row.dirty);
        QuickState { current: rows.last().map(|r| r.version.clone()), at_head }
    }

    /// The event log, newest `limit` entries (all when `None`), oldest first.
    pub async fn history(&self, limit: Option<u64>) -> Result<Vec<Event>, Error> {
        let snapshot = Snapshot::read(&self.db, &self.legacy_table)
            .await
            .map_err(Error::db("reading the history"))?;
        if !snapshot.has_events {
            return Ok(Vec::new());
        }
        HistoryStore::on(&self.db)
            .events(limit)
            .await
            .map_err(Error::db("reading the event log"))
    }

    /// Applies pending migrations up to `target`. In production, refuses migrations with lint
    /// errors nobody acknowledged (unless `options.allow_destructive`) and backs the database up
    /// first (unless `options.backup` says not to).
    pub async fn up(&self, target: &UpTarget, options: &RunOptions) -> Result<Report, Error> {
        self.lint_gate(target, options).await?;
        self.locked("up", async |s| Run::on(self, s, "up").up(target, options).await).await
    }

    /// Runs an application's task under the lock, on the run's connection; its backfills
    /// resume where a cut-off run of it stopped, and are forgotten once it succeeds.
    pub async fn run_task(&self, task: &dyn crate::task::Task) -> Result<crate::task::TaskReport, Error> {
        self.locked("task", async |s| Run::on(self, s, "task").task(task).await).await
    }

    /// Reverts applied migrations down to `target`.
    pub async fn down(&self, target: &DownTarget, options: &RunOptions) -> Result<Report, Error> {
        guard::check(self.env, Guarded::Down, options.confirmed)?;
        self.locked("down", async |s| Run::on(self, s, "down").down(target).await).await
    }

    /// Records the database as being at `target` without running anything: baselines a
    /// database that predates its migrations, clears a `dirty` mark after a manual repair, and
    /// re-records the checksums of edited migrations.
    pub async fn stamp(&self, target: &StampTarget) -> Result<Report, Error> {
        self.locked("stamp", async |s| Run::on(self, s, "stamp").stamp(target).await).await
    }

    /// Records `version`, a baseline migration just written from this database's schema (and
    /// not yet compiled into the migrator), as applied: the schema already there counts as
    /// that migration. Refuses when any migration is recorded as applied already.
    pub async fn record_baseline(&self, version: &str) -> Result<Report, Error> {
        self.locked("baseline", async |s| Run::on(self, s, "baseline").baseline(version).await).await
    }

    /// Whether a baseline may be taken here: refused where any migration is recorded as
    /// applied (what differs there is `autogenerate`'s). Checked again, under the lock, by
    /// [`Migrator::record_baseline`]; a caller checks first to write nothing when refused.
    pub async fn check_baseline(&self) -> Result<(), Error> {
        refuse_managed(&self.status().await?, self.env)
    }

    /// Settles one migration's record by hand, running nothing: after a `dirty` failure has
    /// been repaired, to accept an edited migration's new code, or to forget a migration whose
    /// code and changes are gone.
    pub async fn resolve(&self, version: &str, resolve_as: ResolveAs) -> Result<Report, Error> {
        self.locked("resolve", async |s| Run::on(self, s, "resolve").resolve(version, resolve_as).await).await
    }

    /// Drops every table, then applies every migration. Never in production.
    pub async fn fresh(&self, options: &RunOptions) -> Result<Report, Error> {
        guard::check(self.env, Guarded::Wipe("fresh"), options.confirmed)?;
        self.locked("fresh", async |s| Run::on(self, s, "fresh").fresh(options).await).await
    }

    /// Reverts every applied migration. Never in production.
    pub async fn reset(&self, options: &RunOptions) -> Result<Report, Error> {
        guard::check(self.env, Guarded::Wipe("reset"), options.confirmed)?;
        self.locked("reset", async |s| Run::on(self, s, "reset").down(&DownTarget::Base).await).await
    }

    /// Reverts every applied migration, then applies them all again. Never in production.
    pub async fn refresh(&self, options: &RunOptions) -> Result<Report, Error> {
        guard::check(self.env, Guarded::Wipe("refresh"), options.confirmed)?;
        self.locked("refresh", async |s| Run::on(self, s, "refresh").refresh(options).await).await
    }

    /// Runs `work` under the migration lock, on the session that holds it, as `up` runs
    /// migrations: for what changes the schema outside the runner (`restore`), so that no
    /// migration runs meanwhile. `command` names the run where others can see it. If `work`
    /// fails and the session's connection turns out to be gone, the error says the lock was
    /// lost.
    pub async fn locked<T, E, F>(&self, command: &'static str, work: F) -> Result<T, E>
    where
        F: AsyncFnOnce(&Session) -> Result<T, E>,
        E: From<Error> + std::fmt::Display,
    {
        let (session, owned) = match &self.session {
            Some(session) => (session.clone(), false),
            None => {
                let opened = Session::beside(&self.db).await;
                (opened.map_err(Error::db("opening a session for the run"))?, true)
            }
        };
        let result = self.locked_on(&session, command, work).await;
        if owned {
            session.close().await;
        }
        result
    }

    async fn locked_on<T, E, F>(&self, session: &Session, command: &'static str, work: F) -> Result<T, E>
    where
        F: AsyncFnOnce(&Session) -> Result<T, E>,
        E: From<Error> + std::fmt::Display,
    {
        let progress = Arc::clone(&self.progress);
        let timeout = self.lock_timeout;
        let on_wait = move |holder: Option<lock::Holder>| progress.waiting_for_lock(timeout, holder.as_ref());
        let lock = lock::acquire(session, command, timeout, &on_wait).await.map_err(Error::from)?;
        if let Some(stale) = lock.stale() {
            self.progress.stale_lock(stale);
        }
        let result = match self.set_up_session(session, command).await {
            Ok(()) => work(session).await,
            Err(err) => Err(err.into()),
        };
        let result = match result {
            // The first sign of a lost connection: say so, whatever the work was doing.
            Err(err) if !session.is_lost() && !session.is_alive().await => {
                Err(Error::LockLost(LockLost::outside_a_migration(err.to_string())).into())
            }
            other => other,
        };
        let released = lock.release().await.map_err(Error::from);
        let value = result?;
        released?;
        Ok(value)
    }
}

impl Migrator {
    /// Sets the run's DDL limits and name on `session`, in one round trip.
    async fn set_up_session(&self, session: &Session, command: &'static str) -> Result<(), Error> {
        let mut sql = self.limits.session_sql(self.backend);
        sql.extend(execute::label_sql(self.backend, Some(&locked::label(command, None))));
        let applied = session.connection().execute_unprepared(&sql.join(";\n")).await;
        match applied {
            // MySQL, which has no `max_statement_time`: its `max_execution_time` limits SELECT
            // alone, which is no limit for a migration; say so rather than pretend.
            Err(err) if self.backend == Backend::MySql && self.limits.statement_timeout.is_some()
                && crate::db::connect::db_words(&err).contains("max_statement_time") =>
            {
                Err(Error::Database {
                    what: "setting --statement-timeout".into(),
                    words: "this server has no max_statement_time (it is MySQL, not MariaDB); leave --statement-timeout out".into(),
                })
            }
            other => other.map(drop).map_err(Error::db("setting the run's lock wait limits")),
        }
    }
}

/// How an application's start-up check reaches its database.
#[derive(Debug, Clone, Default)]
pub struct StartupOptions {
    /// Keep asking, with growing pauses, while the database is not reachable yet (a container
    /// that starts before its database), for up to this long.
    pub wait_for_db: Option<Duration>,
}

/// For an application's start-up: returns the status when nothing is pending; applies pending
/// migrations in development, test and staging; refuses (listing what is pending) in
/// production, where migrations belong to the deploy, not to whichever replica starts first.
pub async fn ensure_up_to_date<M: MigratorTrait>(
    db: &DatabaseConnection,
    env: Environment,
) -> Result<Status, Error> {
    ensure_up_to_date_with::<M>(db, env, &StartupOptions::default()).await
}

/// As [`ensure_up_to_date`], with `options`.
pub async fn ensure_up_to_date_with<M: MigratorTrait>(
    db: &DatabaseConnection,
    env: Environment,
    options: &StartupOptions,
) -> Result<Status, Error> {
    let migrator = Migrator::new::<M>(db.clone())?.environment(env);
    let started = std::time::Instant::now();
    let mut pause = Duration::from_millis(500);
    let status = loop {
        match migrator.status().await {
            Err(Error::Database { words, .. })
                if crate::db::wait::transient(&words)
                    && options.wait_for_db.is_some_and(|wait| started.elapsed() + pause <= wait) =>
            {
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(5));
            }
            other => break other?,
        }
    };
    if status.is_up_to_date {
        return Ok(status);
    }
    if env == Environment::Production {
        plan::refuse_dirty(&status)?;
        plan::refuse_in_progress(&status)?;
        let modified = status.versions_in(MigrationState::Modified);
        if !modified.is_empty() {
            return Err(Error::Modified { versions: modified });
        }
        return Err(Error::NotUpToDate {
            env,
            pending: status.pending,
        });
    }
    migrator.up(&UpTarget::All, &RunOptions::default()).await?;
    migrator.status().await
}

/// Refuses a baseline on a database some migration is recorded on.
fn refuse_managed(status: &Status, env: Environment) -> Result<(), Error> {
    match &status.current {
        Some(current) => Err(Error::Refused {
            command: "baseline",
            env,
            reason: format!(
                "the database is managed already (at {current}); a baseline starts the history \
                 of a database no migration has touched; use `autogenerate` for what differs"
            ),
        }),
        None => Ok(()),
    }
}
