//! The commands that run under the lock, each on the session that holds it.

use super::catalog::Catalog;
use super::error::Busy;
use super::execute::{self, Ran, Step};
use super::{busy, limits};
use super::state::{self, MigrationState, Status};
use super::{DownTarget, Error, Migrator, Report, ResolveAs, RunOptions, StampTarget, StepReport, UpTarget, plan, wipe};
use crate::capture::{self, Direction};
use crate::db::Session;
use crate::history::{self, Action, AppliedRow, HistoryStore, NewEvent, Outcome, Snapshot};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use std::collections::HashMap;
use std::time::Instant;

/// A runner's migrations, the session that holds the lock, and the command it runs.
pub(super) struct Run<'a> {
    m: &'a Migrator,
    session: &'a Session,
    command: &'static str,
}

/// The session's name while `command` runs `version` (or between migrations).
pub(super) fn label(command: &str, version: Option<&str>) -> String {
    match version {
        Some(version) => format!("seamigrate {command} {version}"),
        None => format!("seamigrate {command}"),
    }
}

/// Whether `version` stopped part way through a backfill, to be resumed.
fn in_progress(status: &Status, version: &str) -> bool {
    status.migrations.iter().any(|m| m.version == version && m.state == MigrationState::InProgress)
}

/// The sentence for one time a step gave way.
fn gave_way_words(step: &Step<'_>, words: &str, held: &[String]) -> String {
    let waited = match step.limits.lock_timeout {
        Some(limit) => format!("waited {}s for a lock", limit.as_secs_f64()),
        None => "waited for a lock".to_string(),
    };
    let held = if held.is_empty() { String::new() } else { format!(": {}", held.join("; ")) };
    format!("{} ({}) {waited} and was rolled back ({words}){held}", step.migration.name(), step.direction)
}

impl<'a> Run<'a> {
    pub(super) fn on(m: &'a Migrator, session: &'a Session, command: &'static str) -> Self {
        Run { m, session, command }
    }

    fn db(&self) -> &DatabaseConnection {
        self.session.connection()
    }

    /// History writes for this run's database, kept in step with the stock runner's table.
    fn writes(&self) -> history::Writes {
        history::Writes::new(self.db().get_database_backend(), &self.m.legacy_table)
    }

    pub(super) async fn up(&self, target: &UpTarget, options: &RunOptions) -> Result<Report, Error> {
        let (status, install) = self.prepare(true).await?;
        let versions = plan::plan_up(&status, &self.m.catalog, target, options)?;
        let mut previous = status.current.clone().unwrap_or_else(|| "base".into());
        let mut steps = Vec::with_capacity(versions.len());
        for version in &versions {
            let migration = self.m.catalog.require(version)?;
            let previous = std::mem::replace(&mut previous, version.clone());
            let mut step = self.step(migration, Direction::Up, previous).await;
            step.resume = in_progress(&status, version);
            steps.push(step);
        }
        let backup = match self.m.backup_dir_for_up(&options.backup) {
            Some(dir) if !steps.is_empty() => {
                Some(self.m.take_backup(self.db(), &dir, status.current.clone(), crate::backup::Reason::BeforeUp).await?)
            }
            _ => None,
        };
        if install && !steps.first().is_some_and(|s| s.shares_a_transaction(self.m.backend)) {
            self.install_now().await?;
        }
        let install = install && !steps.is_empty();
        let mut report = self.run_steps(&steps, &status.current, "nothing to apply", install).await?;
        report.backup = backup;
        Ok(report)
    }

    pub(super) async fn down(&self, target: &DownTarget) -> Result<Report, Error> {
        let status = self.status().await?;
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
            let mut step = self.step(self.m.catalog.require(version)?, Direction::Down, below).await;
            step.resume = in_progress(&status, version);
            steps.push(step);
        }
        self.run_steps(&steps, &status.current, "nothing to revert", false).await
    }

    pub(super) async fn refresh(&self, options: &RunOptions) -> Result<Report, Error> {
        let down = self.down(&DownTarget::Base).await?;
        let mut up = self.up(&UpTarget::All, options).await?;
        let mut steps = down.steps;
        steps.append(&mut up.steps);
        up.total_ms += down.total_ms;
        up.steps = steps;
        Ok(up)
    }

    pub(super) async fn fresh(&self, options: &RunOptions) -> Result<Report, Error> {
        wipe::drop_everything(self.db(), self.m.backend)
            .await
            .map_err(Error::db("dropping every table"))?;
        self.status().await?;
        HistoryStore::on(self.db())
            .append(NewEvent {
                action: Action::Fresh,
                version: None,
                outcome: Outcome::Ok,
                duration_ms: None,
                message: Some("dropped every table".into()),
            })
            .await
            .map_err(Error::db("recording the event"))?;
        self.up(&UpTarget::All, options).await
    }

    /// One migration to run, with what its captured SQL tells: its checksum (of `up()`), the
    /// tables it names and the limits it declares.
    async fn step<'m>(&self, migration: &'m dyn sea_orm_migration::MigrationTrait, direction: Direction, previous: String) -> Step<'m> {
        let backend = self.m.backend;
        let captured = match direction {
            Direction::Up => self.m.catalog.capture_up(migration, backend).await.ok(),
            Direction::Down => capture::capture(migration, direction, backend).await.ok(),
        };
        // A down() that cannot be read alone (it probes the catalogue) backfills if up() does.
        let backfills = match &captured {
            Some(c) => !c.backfills.is_empty(),
            None => self.m.catalog.capture_up(migration, backend).await.is_ok_and(|c| !c.backfills.is_empty()),
        };
        let checksum = match direction {
            Direction::Up => captured.as_ref().map(capture::Captured::checksum),
            Direction::Down => None,
        };
        Step {
            migration,
            direction,
            checksum,
            previous,
            backfills,
            resume: false,
            tables: captured.as_ref().map(|c| busy::tables(&c.statements, backend)).unwrap_or_default(),
            limits: self.m.limits.with(captured.map(|c| c.limits).unwrap_or_default()),
        }
    }

    /// Runs `steps` in order; with `install`, the history tables are created in the first
    /// one's transaction. A step that gives way to the application (a statement waited too
    /// long for a lock) is tried again, up to its limits allow, after a pause.
    async fn run_steps(
        &self,
        steps: &[Step<'_>],
        current: &Option<String>,
        idle: &str,
        mut install: bool,
    ) -> Result<Report, Error> {
        let started = Instant::now();
        let mut report = Report::default();
        let done = |report: &Report| report.steps.iter().map(|s| s.version.clone()).collect::<Vec<_>>();
        // The session is named for each migration as it runs: the first here, each next one by
        // the statements that record the one before.
        if let Some(sql) = steps.first().and_then(|s| execute::label_sql(self.m.backend, Some(&label(self.command, Some(s.migration.name()))))) {
            self.db().execute_unprepared(&sql).await.map_err(Error::db("naming the session"))?;
        }
        for (i, step) in steps.iter().enumerate() {
            let version = step.migration.name();
            self.m.progress.started(version, step.direction);
            let next = steps.get(i + 1).map(|s| s.migration.name());
            let cx = execute::Context {
                install,
                run_limits: &self.m.limits,
                next_label: Some(label(self.command, next)),
                stock: &self.m.legacy_table,
                progress: &self.m.progress,
            };
            let mut tries = 0;
            let ms = loop {
                tries += 1;
                match execute::run(self.session, self.m.backend, step, &cx).await {
                    Ok(Ran::Done(ms)) => break ms,
                    Ok(Ran::GaveWay(words)) => {
                        if install {
                            // The tables were to come with this step, and went with it.
                            self.install_now().await?;
                            install = false;
                        }
                        let held = busy::blockers(self.db(), self.m.backend, &step.tables).await;
                        if tries > step.limits.retries {
                            let busy = Busy { version: version.to_string(), direction: step.direction, tries, limits: step.limits, words, held, done: done(&report) };
                            self.record_gave_way(step, Outcome::Failed, busy.to_string()).await;
                            return Err(Error::Busy(Box::new(busy)));
                        }
                        let pause = limits::backoff(tries + 1);
                        let why = gave_way_words(step, &words, &held);
                        self.m.progress.gave_way(version, step.direction, tries + 1, step.limits.retries + 1, pause, &why);
                        let message = format!("{why}; tried again after {:.1}s (try {} of {})", pause.as_secs_f64(), tries + 1, step.limits.retries + 1);
                        self.record_gave_way(step, Outcome::Retried, message).await;
                        tokio::time::sleep(pause).await;
                    }
                    Err(Error::LockLost(lost)) => return Err(Error::LockLost(lost.after(done(&report)))),
                    Err(err) => return Err(err),
                }
            };
            install = false;
            self.m.progress.finished(version, step.direction, ms);
            report.steps.push(StepReport { version: version.to_string(), direction: step.direction, ms });
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

    pub(super) async fn stamp(&self, target: &StampTarget) -> Result<Report, Error> {
        let status = self.status().await?;
        let target = match target {
            StampTarget::Base => None,
            StampTarget::Version(given) => Some(Catalog::resolve(given, self.m.catalog.versions())?),
        };
        let at_or_below = |v: &str| target.as_deref().is_some_and(|t| v <= t);
        let mut writes = self.writes();
        let mut changes = 0usize;
        for entry in &status.migrations {
            let version = entry.version.as_str();
            if at_or_below(version) {
                let Some(migration) = self.m.catalog.get(version) else {
                    continue;
                };
                let checksum = self.m.catalog.checksum(migration, self.m.backend).await;
                if entry.state.is_applied() {
                    writes.set_checksum(version, checksum.as_deref());
                    writes.mark_clean(version, entry.execution_ms.unwrap_or(0));
                    changes += usize::from(entry.state != MigrationState::Applied);
                } else {
                    writes.insert_applied(&AppliedRow::by_hand(version, checksum));
                    changes += 1;
                }
            } else if entry.state.is_applied() {
                writes.delete_applied(version);
                changes += 1;
            }
        }
        let label = target.clone().unwrap_or_else(|| "base".into());
        writes.append(NewEvent {
            action: Action::Stamp,
            version: target.clone(),
            outcome: Outcome::Ok,
            duration_ms: None,
            message: Some(format!("stamped at {label}; {changes} row(s) changed")),
        });
        self.in_transaction(&writes).await.map_err(Error::db("recording the stamp"))?;
        Ok(Report {
            current: target,
            message: Some(format!(
                "stamped the database at {label} ({changes} history row(s) changed); nothing was run"
            )),
            ..Report::default()
        })
    }

    pub(super) async fn baseline(&self, version: &str) -> Result<Report, Error> {
        super::refuse_managed(&self.status().await?, self.m.env)?;
        let mut writes = self.writes();
        // Its checksum is learned the first time a binary with the migration compiled in runs.
        writes.insert_applied(&AppliedRow::by_hand(version, None));
        let message = format!("baseline {version}: the schema already there is recorded as that migration");
        writes.append(NewEvent {
            action: Action::Stamp,
            version: Some(version.to_string()),
            outcome: Outcome::Ok,
            duration_ms: None,
            message: Some(message.clone()),
        });
        self.in_transaction(&writes).await.map_err(Error::db("recording the baseline"))?;
        Ok(Report { current: Some(version.to_string()), message: Some(message), ..Report::default() })
    }

    pub(super) async fn resolve(&self, given: &str, resolve_as: ResolveAs) -> Result<Report, Error> {
        let status = self.status().await?;
        let known = status.migrations.iter().map(|m| m.version.as_str());
        let version = Catalog::resolve(given, known)?;
        let was = status.migrations.iter().find(|m| m.version == version).map(|m| m.state);
        let recorded = was.is_some_and(MigrationState::is_applied);
        let mut writes = self.writes();
        if was == Some(MigrationState::InProgress) {
            writes.raw(&crate::backfill::forget(self.db().get_database_backend(), &version));
        }
        match resolve_as {
            ResolveAs::Pending if recorded => {
                writes.delete_applied(&version);
            }
            ResolveAs::Pending => {}
            ResolveAs::Applied => {
                let migration = self
                    .m
                    .catalog
                    .get(&version)
                    .ok_or_else(|| Error::ResolveUnknownCode { version: version.clone() })?;
                let checksum = self.m.catalog.checksum(migration, self.m.backend).await;
                if recorded {
                    writes.set_checksum(&version, checksum.as_deref()).set_dirty(&version, false);
                } else {
                    writes.insert_applied(&AppliedRow::by_hand(&version, checksum));
                }
            }
        }
        let label = match resolve_as {
            ResolveAs::Applied => "applied",
            ResolveAs::Pending => "pending",
        };
        let before = was.map_or("unknown", MigrationState::as_str);
        let message = format!("resolved {version} as {label} (it was {before}); nothing was run");
        writes.append(NewEvent {
            action: Action::Resolve,
            version: Some(version.clone()),
            outcome: Outcome::Ok,
            duration_ms: None,
            message: Some(message.clone()),
        });
        self.in_transaction(&writes).await.map_err(Error::db("recording the resolution"))?;
        Ok(Report { current: self.status().await?.current, message: Some(message), ..Report::default() })
    }

    /// Sends `writes` in one transaction: a stamp or resolution is recorded whole or not at all.
    async fn in_transaction(&self, writes: &history::Writes) -> Result<(), sea_orm::DbErr> {
        use sea_orm::TransactionTrait;
        let txn = self.db().begin().await?;
        writes.send(&txn).await?;
        txn.commit().await
    }

    /// The status, read under the lock once the history tables are installed and any stock
    /// runner's records adopted.
    async fn status(&self) -> Result<Status, Error> {
        Ok(self.prepare(false).await?.0)
    }

    /// As [`Run::status`]; with `defer`, a first install on a backend with transactional DDL
    /// is left to the first migration's transaction (one commit fewer on a fresh database),
    /// and `true` returned with the status.
    async fn prepare(&self, defer: bool) -> Result<(Status, bool), Error> {
        let snapshot = Snapshot::read(self.db(), &self.m.legacy_table)
            .await
            .map_err(Error::db("reading the history"))?;
        let fresh = snapshot.is_fresh();
        if defer && fresh && self.m.backend.has_transactional_ddl() {
            return Ok((state::assess(&self.m.catalog, &[], &[], self.m.backend).await, true));
        }
        let applied = if snapshot.needs_install() {
            let mut checksums = HashMap::new();
            for row in &snapshot.to_adopt {
                if let Some(m) = self.m.catalog.get(&row.version) {
                    checksums.insert(row.version.clone(), self.m.catalog.checksum(m, self.m.backend).await);
                }
            }
            snapshot
                .install(self.db(), |v| checksums.get(v).cloned().flatten())
                .await
                .map_err(Error::db("creating the history tables and adopting the stock runner's records"))?
        } else {
            snapshot.applied
        };
        let checkpoints = state::checkpoints(self.db(), &applied).await;
        Ok((state::assess(&self.m.catalog, &applied, &checkpoints, self.m.backend).await, false))
    }

    pub(super) async fn task(&self, task: &dyn crate::task::Task) -> Result<crate::task::TaskReport, Error> {
        self.status().await?;
        let version = crate::task::version(task.name());
        let backend = self.db().get_database_backend();
        let started = Instant::now();
        let run = crate::backfill::RunContext {
            version: version.clone(),
            direction: Direction::Up,
            progress: std::sync::Arc::clone(&self.m.progress),
        };
        let manager = sea_orm_migration::SchemaManager::new(self.db());
        let outcome = crate::backfill::within(run, task.run(&manager)).await;
        let ms = execute::elapsed_ms(&started);
        let (outcome, message) = match &outcome {
            Ok(report) => (Outcome::Ok, report.clone()),
            Err(err) => (Outcome::Failed, execute::words(err)),
        };
        let mut writes = self.writes();
        if outcome == Outcome::Ok {
            writes.raw(&crate::backfill::create_table(backend)).raw(&crate::backfill::forget(backend, &version));
        }
        writes.append(NewEvent { action: Action::Task, version: Some(version), outcome, duration_ms: Some(ms), message: Some(message.clone()) });
        writes.send(self.db()).await.map_err(Error::db("recording the task's run"))?;
        match outcome {
            Outcome::Ok => Ok(crate::task::TaskReport { task: task.name().to_string(), report: message, ms }),
            _ => Err(Error::TaskFailed { task: task.name().to_string(), words: message }),
        }
    }

    /// Logs that `step` gave way (`Retried`) or gave up (`Failed`); best effort, as failures are.
    async fn record_gave_way(&self, step: &Step<'_>, outcome: Outcome, message: String) {
        let action = match step.direction {
            Direction::Up => Action::Up,
            Direction::Down => Action::Down,
        };
        let event = NewEvent { action, version: Some(step.migration.name().to_string()), outcome, duration_ms: None, message: Some(message) };
        let _ = HistoryStore::on(self.db()).append(event).await;
    }

    async fn install_now(&self) -> Result<(), Error> {
        let mut writes = self.writes();
        writes.install();
        self.in_transaction(&writes).await.map_err(Error::db("creating the history tables"))
    }
}
