//! The runner: plans a command against the history, takes the lock, runs each migration and
//! records it. This is also the library API an application uses at start-up.

mod catalog;
mod error;
mod execute;
mod guard;
mod plan;
mod preview;
mod progress;
mod state;
mod wipe;

pub use error::Error;
pub use guard::Environment;
pub use plan::{DownTarget, ResolveAs, StampTarget, UpTarget};
pub use preview::{LintScope, Offline, Preview};
pub use progress::{Progress, Silent};
pub use state::{MigrationState, MigrationStatus, Status};

use crate::capture::{self, Direction};
use crate::db::Backend;
use crate::history::{self, Action, AppliedRow, Event, HistoryStore, NewEvent, Outcome};
use crate::lock::{self, LockGuard};
use catalog::Catalog;
use execute::Step;
use guard::Guarded;
use sea_orm::{DatabaseConnection, TransactionTrait};
use sea_orm_migration::{MigrationTrait, MigratorTrait};
use serde::Serialize;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What a user allows beyond the safe default.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Apply pending migrations older than the newest applied one.
    pub allow_out_of_order: bool,
    /// Go on although applied migrations were edited since they ran.
    pub allow_modified: bool,
    /// The user confirmed a destructive command (typed the name, or passed `--yes`).
    pub confirmed: bool,
}

/// Kept as `UpOptions` too, the name most callers of `up` look for.
pub type UpOptions = RunOptions;

/// What a command did.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Report {
    pub steps: Vec<StepReport>,
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

/// Runs a list of migrations against one database.
pub struct Migrator {
    db: DatabaseConnection,
    backend: Backend,
    catalog: Catalog,
    legacy_table: String,
    env: Environment,
    lock_timeout: Duration,
    progress: Arc<dyn Progress>,
}

impl Migrator {
    /// A runner for the migrations of a sea-orm `MigratorTrait` implementation.
    pub fn new<M: MigratorTrait>(db: DatabaseConnection) -> Result<Self, Error> {
        let legacy_table = M::migration_table_name().to_string();
        let mut migrator = Self::from_migrations(db, M::migrations())?;
        migrator.legacy_table = legacy_table;
        Ok(migrator)
    }

    /// A runner for a plain list of migrations.
    pub fn from_migrations(
        db: DatabaseConnection,
        migrations: Vec<Box<dyn MigrationTrait>>,
    ) -> Result<Self, Error> {
        Ok(Migrator {
            backend: Backend::from_sea_orm(db.get_database_backend()),
            db,
            catalog: Catalog::new(migrations)?,
            legacy_table: "seaql_migrations".into(),
            env: Environment::default(),
            lock_timeout: Duration::from_secs(60),
            progress: Arc::new(Silent),
        })
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

    pub fn progress(mut self, progress: Arc<dyn Progress>) -> Self {
        self.progress = progress;
        self
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn connection(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Where every migration stands. Read-only: creates nothing and takes no lock.
    pub async fn status(&self) -> Result<Status, Error> {
        let applied = self.read_applied().await?;
        Ok(state::assess(&self.catalog, &applied, self.backend).await)
    }

    /// The event log, newest `limit` entries (all when `None`), oldest first.
    pub async fn history(&self, limit: Option<u64>) -> Result<Vec<Event>, Error> {
        let store = HistoryStore::on(&self.db);
        if !store.has_events_table().await.map_err(Error::db("reading the history"))? {
            return Ok(Vec::new());
        }
        store.events(limit).await.map_err(Error::db("reading the event log"))
    }

    /// Applies pending migrations up to `target`.
    pub async fn up(&self, target: &UpTarget, options: &RunOptions) -> Result<Report, Error> {
        self.locked(self.up_locked(target, options)).await
    }

    /// Reverts applied migrations down to `target`.
    pub async fn down(&self, target: &DownTarget, options: &RunOptions) -> Result<Report, Error> {
        guard::check(self.env, Guarded::Down, options.confirmed)?;
        self.locked(self.down_locked(target)).await
    }

    /// Records the database as being at `target` without running anything: baselines a
    /// database that predates its migrations, clears a `dirty` mark after a manual repair, and
    /// re-records the checksums of edited migrations.
    pub async fn stamp(&self, target: &StampTarget) -> Result<Report, Error> {
        self.locked(self.stamp_locked(target)).await
    }

    /// Settles one migration's record by hand, running nothing: after a `dirty` failure has
    /// been repaired, to accept an edited migration's new code, or to forget a migration whose
    /// code and changes are gone.
    pub async fn resolve(&self, version: &str, resolve_as: ResolveAs) -> Result<Report, Error> {
        self.locked(self.resolve_locked(version, resolve_as)).await
    }

    /// Drops every table, then applies every migration. Never in production.
    pub async fn fresh(&self, options: &RunOptions) -> Result<Report, Error> {
        guard::check(self.env, Guarded::Wipe("fresh"), options.confirmed)?;
        self.locked(async {
            wipe::drop_everything(&self.db, self.backend)
                .await
                .map_err(Error::db("dropping every table"))?;
            self.prepare().await?;
            let store = HistoryStore::on(&self.db);
            store
                .append(NewEvent {
                    action: Action::Fresh,
                    version: None,
                    outcome: Outcome::Ok,
                    duration_ms: None,
                    message: Some("dropped every table".into()),
                })
                .await
                .map_err(Error::db("recording the event"))?;
            self.up_locked(&UpTarget::All, options).await
        })
        .await
    }

    /// Reverts every applied migration. Never in production.
    pub async fn reset(&self, options: &RunOptions) -> Result<Report, Error> {
        guard::check(self.env, Guarded::Wipe("reset"), options.confirmed)?;
        self.locked(self.down_locked(&DownTarget::Base)).await
    }

    /// Reverts every applied migration, then applies them all again. Never in production.
    pub async fn refresh(&self, options: &RunOptions) -> Result<Report, Error> {
        guard::check(self.env, Guarded::Wipe("refresh"), options.confirmed)?;
        self.locked(async {
            let down = self.down_locked(&DownTarget::Base).await?;
            let mut up = self.up_locked(&UpTarget::All, options).await?;
            let mut steps = down.steps;
            steps.append(&mut up.steps);
            up.total_ms += down.total_ms;
            up.steps = steps;
            Ok(up)
        })
        .await
    }

    async fn up_locked(&self, target: &UpTarget, options: &RunOptions) -> Result<Report, Error> {
        let status = self.prepared_status().await?;
        let versions = plan::plan_up(&status, &self.catalog, target, options)?;
        let mut previous = status.current.clone().unwrap_or_else(|| "base".into());
        let mut steps = Vec::with_capacity(versions.len());
        for version in &versions {
            let migration = self.known(version)?;
            let checksum = capture::checksum(migration, self.backend).await;
            steps.push(Step {
                migration,
                direction: Direction::Up,
                checksum,
                previous: std::mem::replace(&mut previous, version.clone()),
            });
        }
        self.run_steps(&steps, &status.current, "nothing to apply").await
    }

    async fn down_locked(&self, target: &DownTarget) -> Result<Report, Error> {
        let status = self.prepared_status().await?;
        let versions = plan::plan_down(&status, target)?;
        let applied: Vec<&str> = status
            .migrations
            .iter()
            .filter(|m| m.state.is_applied())
            .map(|m| m.version.as_str())
            .collect();
        let mut steps = Vec::with_capacity(versions.len());
        for version in &versions {
            let below = applied
                .iter()
                .rev()
                .find(|v| **v < version.as_str())
                .map_or_else(|| "base".to_string(), |v| v.to_string());
            steps.push(Step {
                migration: self.known(version)?,
                direction: Direction::Down,
                checksum: None,
                previous: below,
            });
        }
        self.run_steps(&steps, &status.current, "nothing to revert").await
    }

    async fn run_steps(
        &self,
        steps: &[Step<'_>],
        current: &Option<String>,
        idle: &str,
    ) -> Result<Report, Error> {
        let started = Instant::now();
        let mut report = Report::default();
        for step in steps {
            let version = step.migration.name();
            self.progress.started(version, step.direction);
            let ms = execute::run(&self.db, self.backend, step).await?;
            self.progress.finished(version, step.direction, ms);
            report.steps.push(StepReport {
                version: version.to_string(),
                direction: step.direction,
                ms,
            });
        }
        report.total_ms = execute::elapsed_ms(&started);
        report.current = match steps.last() {
            Some(step) if step.direction == Direction::Up => {
                // An out-of-order migration can be older than what was already applied.
                let newest = steps.iter().map(|s| s.migration.name()).max();
                current.clone().max(newest.map(str::to_string))
            }
            Some(step) => Some(step.previous.clone()).filter(|v| v != "base"),
            None => current.clone(),
        };
        if steps.is_empty() {
            report.message = Some(idle.to_string());
        }
        Ok(report)
    }

    async fn stamp_locked(&self, target: &StampTarget) -> Result<Report, Error> {
        let status = self.prepared_status().await?;
        let target = match target {
            StampTarget::Base => None,
            StampTarget::Version(given) => Some(Catalog::resolve(
                given,
                self.catalog.versions(),
            )?),
        };
        let at_or_below = |v: &str| target.as_deref().is_some_and(|t| v <= t);
        let store = HistoryStore::on(&self.db);
        let record = Error::db("recording the stamp");
        let mut changes = 0usize;
        for entry in &status.migrations {
            let version = entry.version.as_str();
            if at_or_below(version) {
                let Some(migration) = self.catalog.get(version) else {
                    continue;
                };
                let checksum = capture::checksum(migration, self.backend).await;
                if entry.state.is_applied() {
                    store.set_checksum(version, checksum.as_deref()).await.map_err(Error::db("recording the stamp"))?;
                    store.mark_clean(version, entry.execution_ms.unwrap_or(0)).await.map_err(Error::db("recording the stamp"))?;
                    changes += usize::from(entry.state != MigrationState::Applied);
                } else {
                    let row = AppliedRow {
                        version: version.to_string(),
                        applied_at: history::now(),
                        execution_ms: 0,
                        checksum,
                        dirty: false,
                    };
                    store.insert_applied(&row).await.map_err(Error::db("recording the stamp"))?;
                    changes += 1;
                }
            } else if entry.state.is_applied() {
                store.delete_applied(version).await.map_err(Error::db("recording the stamp"))?;
                changes += 1;
            }
        }
        let label = target.clone().unwrap_or_else(|| "base".into());
        store
            .append(NewEvent {
                action: Action::Stamp,
                version: target.clone(),
                outcome: Outcome::Ok,
                duration_ms: None,
                message: Some(format!("stamped at {label}; {changes} row(s) changed")),
            })
            .await
            .map_err(record)?;
        Ok(Report {
            steps: Vec::new(),
            total_ms: 0,
            current: target,
            message: Some(format!(
                "stamped the database at {label} ({changes} history row(s) changed); nothing was run"
            )),
        })
    }

    async fn resolve_locked(&self, given: &str, resolve_as: ResolveAs) -> Result<Report, Error> {
        let status = self.prepared_status().await?;
        let known = status.migrations.iter().map(|m| m.version.as_str());
        let version = Catalog::resolve(given, known)?;
        let was = status
            .migrations
            .iter()
            .find(|m| m.version == version)
            .map(|m| m.state);
        let store = HistoryStore::on(&self.db);
        let write = Error::db("recording the resolution");
        let recorded = was.is_some_and(MigrationState::is_applied);
        match resolve_as {
            ResolveAs::Pending if recorded => store.delete_applied(&version).await,
            ResolveAs::Pending => Ok(()),
            ResolveAs::Applied => {
                let migration = self.catalog.get(&version).ok_or_else(|| {
                    Error::ResolveUnknownCode {
                        version: version.clone(),
                    }
                })?;
                let checksum = capture::checksum(migration, self.backend).await;
                if recorded {
                    match store.set_checksum(&version, checksum.as_deref()).await {
                        Ok(()) => store.set_dirty(&version, false).await,
                        Err(e) => Err(e),
                    }
                } else {
                    store
                        .insert_applied(&AppliedRow {
                            version: version.clone(),
                            applied_at: history::now(),
                            execution_ms: 0,
                            checksum,
                            dirty: false,
                        })
                        .await
                }
            }
        }
        .map_err(write)?;
        let label = match resolve_as {
            ResolveAs::Applied => "applied",
            ResolveAs::Pending => "pending",
        };
        let before = was.map_or("unknown", MigrationState::as_str);
        let message = format!("resolved {version} as {label} (it was {before}); nothing was run");
        store
            .append(NewEvent {
                action: Action::Resolve,
                version: Some(version.clone()),
                outcome: Outcome::Ok,
                duration_ms: None,
                message: Some(message.clone()),
            })
            .await
            .map_err(Error::db("recording the resolution"))?;
        Ok(Report {
            current: self.prepared_status().await?.current,
            message: Some(message),
            ..Report::default()
        })
    }

    /// The status, read under the lock after [`Migrator::prepare`].
    async fn prepared_status(&self) -> Result<Status, Error> {
        self.prepare().await?;
        let applied = HistoryStore::on(&self.db)
            .applied()
            .await
            .map_err(Error::db("reading the history"))?;
        Ok(state::assess(&self.catalog, &applied, self.backend).await)
    }

    /// Installs the history tables on first use and adopts the stock runner's records.
    async fn prepare(&self) -> Result<(), Error> {
        let store = HistoryStore::on(&self.db);
        let installed = store
            .is_installed()
            .await
            .map_err(Error::db("reading the history"))?;
        if installed {
            return Ok(());
        }
        let creating = "creating the history tables";
        if self.backend.has_transactional_ddl() {
            // One commit instead of two: on a fresh database this is most of a run's overhead.
            let txn = self.db.begin().await.map_err(Error::db(creating))?;
            HistoryStore::on(&txn).install().await.map_err(Error::db(creating))?;
            txn.commit().await.map_err(Error::db(creating))?;
        } else {
            store.install().await.map_err(Error::db(creating))?;
        }
        let legacy = history::legacy_rows(&self.db, &self.legacy_table)
            .await
            .map_err(Error::db("reading the stock runner's table"))?;
        if let Some(rows) = legacy {
            let mut checksums = std::collections::HashMap::new();
            for row in &rows {
                if let Some(m) = self.catalog.get(&row.version) {
                    checksums.insert(row.version.clone(), capture::checksum(m, self.backend).await);
                }
            }
            history::adopt_legacy(&self.db, &rows, |v| checksums.get(v).cloned().flatten())
                .await
                .map_err(Error::db("adopting the stock runner's records"))?;
        }
        Ok(())
    }

    /// Applied rows, read without creating anything; before the first run here, the stock
    /// runner's records stand in for them.
    async fn read_applied(&self) -> Result<Vec<AppliedRow>, Error> {
        let store = HistoryStore::on(&self.db);
        let read = "reading the history";
        if store.is_installed().await.map_err(Error::db(read))? {
            return store.applied().await.map_err(Error::db(read));
        }
        let legacy = history::legacy_rows(&self.db, &self.legacy_table)
            .await
            .map_err(Error::db(read))?;
        Ok(legacy
            .unwrap_or_default()
            .into_iter()
            .map(|row| AppliedRow {
                version: row.version,
                applied_at: chrono::DateTime::from_timestamp(row.applied_at, 0)
                    .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
                    .unwrap_or_default(),
                execution_ms: 0,
                checksum: None,
                dirty: false,
            })
            .collect())
    }

    fn known(&self, version: &str) -> Result<&dyn MigrationTrait, Error> {
        self.catalog.require(version)
    }

    async fn lock(&self) -> Result<LockGuard, Error> {
        let progress = Arc::clone(&self.progress);
        let timeout = self.lock_timeout;
        let on_wait = move || progress.waiting_for_lock(timeout);
        Ok(lock::acquire(&self.db, timeout, &on_wait).await?)
    }

    /// Runs `work` under the migration lock, as `up` runs migrations: for what changes the
    /// schema outside the runner (`restore`), so that no migration runs meanwhile.
    pub async fn locked<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: std::future::Future<Output = Result<T, E>>,
        E: From<Error>,
    {
        let lock = self.lock().await?;
        let result = work.await;
        let released = lock.release().await.map_err(Error::from);
        let value = result?;
        released?;
        Ok(value)
    }

}

/// For an application's start-up: returns the status when nothing is pending; applies pending
/// migrations in development, test and staging; refuses (listing what is pending) in
/// production, where migrations belong to the deploy, not to whichever replica starts first.
pub async fn ensure_up_to_date<M: MigratorTrait>(
    db: &DatabaseConnection,
    env: Environment,
) -> Result<Status, Error> {
    let migrator = Migrator::new::<M>(db.clone())?.environment(env);
    let status = migrator.status().await?;
    if status.is_up_to_date {
        return Ok(status);
    }
    if env == Environment::Production {
        plan::refuse_dirty(&status)?;
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
