//! The production rules, enforced by the runner whoever calls it (the CLI, an application at
//! start-up, a deploy script): in production `up` refuses pending migrations with lint errors
//! nobody acknowledged unless allowed, and takes a backup under the migration lock before its
//! first migration unless told not to; `restore` needs a confirmation, and takes a backup of
//! what it replaces. (`down`, `fresh`, `refresh` and `reset` are in [`super::guard`].)

use super::{Environment, Error, Migrator};
use crate::history::{Action, Event, NewEvent, Outcome, Writes};
use crate::backup::{self, Backup, Metadata, Reason, Request};
use sea_orm::DatabaseConnection;
use crate::lint::{Finding, Severity};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// Where production `up` puts the backup it takes before its first migration.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum BackupChoice {
    /// `$SEAMIGRATE_BACKUP_DIR`, else `backups/`.
    #[default]
    DefaultDir,
    Dir(PathBuf),
    /// No backup (the deploy takes its own).
    Skip,
}

impl BackupChoice {
    fn dir(&self) -> Option<PathBuf> {
        match self {
            BackupChoice::DefaultDir => Some(backup::default_dir()),
            BackupChoice::Dir(dir) => Some(dir.clone()),
            BackupChoice::Skip => None,
        }
    }
}

/// How `restore` runs.
#[derive(Debug, Clone, Default)]
pub struct RestoreOptions {
    /// The user confirmed (typed the database's name, or passed `--yes`).
    pub confirmed: bool,
    /// Where the backup of the state it replaces goes (default as for `backup`).
    pub safety_dir: Option<PathBuf>,
}

/// What `restore` did.
#[derive(Debug, Clone, Serialize)]
pub struct Restored {
    pub restored: PathBuf,
    pub database: String,
    pub schema_version: Option<String>,
    /// The state before the restore.
    pub safety_backup: Backup,
}

/// Error-level findings nobody acknowledged.
pub fn blocking(findings: &[Finding]) -> Vec<Finding> {
    findings.iter().filter(|f| f.severity == Severity::Error && !f.acknowledged).cloned().collect()
}

impl Migrator {
    /// In production, refuses migrations `up` would apply for `target` that have lint errors
    /// nobody acknowledged.
    pub(super) async fn lint_gate(&self, target: &super::UpTarget, options: &super::RunOptions) -> Result<(), Error> {
        if self.env != Environment::Production || options.allow_destructive {
            return Ok(());
        }
        // A plan the runner would refuse is not linted: `up` reports the refusal.
        let Ok(versions) = super::plan::plan_up(&self.status().await?, &self.catalog, target, options) else {
            return Ok(());
        };
        let findings = self.lint_versions(&versions).await?;
        let errors = blocking(&findings);
        if errors.is_empty() {
            return Ok(());
        }
        Err(Error::LintRefused { errors, findings })
    }

    /// Dumps the database behind `db` into `dir` (production `up` and `restore` pass the session
    /// that holds the lock), recording its schema version.
    pub(super) async fn take_backup(
        &self,
        db: &DatabaseConnection,
        dir: &Path,
        schema_version: Option<String>,
        reason: Reason,
    ) -> Result<Backup, Error> {
        let url = self.url.as_ref().ok_or(Error::NoUrlForBackup)?;
        let request = Request { url, dir, schema_version, retention_days: backup::DEFAULT_RETENTION_DAYS, reason };
        let made = backup::create(db, &request).await?;
        self.progress.backed_up(&made);
        Ok(made)
    }

    /// The backup production `up` takes before its first migration, if it takes one.
    pub(super) fn backup_dir_for_up(&self, choice: &super::BackupChoice) -> Option<PathBuf> {
        (self.env == Environment::Production).then(|| choice.dir()).flatten()
    }

    /// Replaces the database's content with the verified dump `file`, after a backup of the
    /// current state, under the migration lock. Needs a confirmation everywhere (in production
    /// `--yes`; the CLI asks elsewhere).
    pub async fn restore(&self, file: &Path, options: &RestoreOptions) -> Result<Restored, Error> {
        let url = self.url.clone().ok_or(Error::NoUrlForBackup)?;
        let metadata: Metadata = backup::verify(file)?;
        backup::check_backend(file, &metadata, &url)?;
        if !options.confirmed {
            let version = metadata.schema_version.as_deref().unwrap_or("base");
            let reason = match self.env {
                Environment::Production => format!(
                    "it would replace every table of database '{}' with {} (schema version {version}); pass --yes to confirm",
                    url.database_shown(),
                    file.display()
                ),
                _ => format!(
                    "it replaces every table of database '{}'; type the database name when asked, or pass --yes",
                    url.database_shown()
                ),
            };
            return Err(Error::Refused { command: "restore", env: self.env, reason });
        }
        let dir = options.safety_dir.clone().unwrap_or_else(backup::default_dir);
        self.locked("restore", async |session| {
            let current = self.status().await?.current;
            let log = self.history(None).await?;
            let safety = self.take_backup(session.connection(), &dir, current.clone(), Reason::BeforeRestore).await?;
            let started = std::time::Instant::now();
            backup::restore(session.connection(), &url, file, &metadata)
                .await
                .map_err(|e| Error::RestoreFailed { source: e, safety: safety.dump.clone() })?;
            let message = format!(
                "restored {} (schema version {}) over schema version {}; safety backup {}",
                file.display(),
                metadata.schema_version.as_deref().unwrap_or("base"),
                current.as_deref().unwrap_or("base"),
                safety.dump.display()
            );
            let event = NewEvent {
                action: Action::Restore,
                version: metadata.schema_version.clone(),
                outcome: Outcome::Ok,
                duration_ms: Some(started.elapsed().as_millis() as i64),
                message: Some(message),
            };
            if self.backend == super::Backend::Sqlite {
                // The restore closed the pool to swap the file; the log goes in the new one.
                let reopened = crate::db::connect(&url, &Default::default()).await?;
                self.keep_log(&reopened, &log, event).await?;
                let _ = reopened.close().await;
            } else {
                self.keep_log(session.connection(), &log, event).await?;
            }
            Ok(Restored {
                restored: file.to_path_buf(),
                database: url.database().to_string(),
                schema_version: metadata.schema_version.clone(),
                safety_backup: safety,
            })
        })
        .await
    }

    /// After a restore: the event log is the one from before it (the dump's copy is older),
    /// followed by the restore itself.
    async fn keep_log(&self, db: &sea_orm::DatabaseConnection, log: &[Event], event: NewEvent) -> Result<(), Error> {
        use sea_orm::TransactionTrait;
        let keep = async {
            let mut tables = Writes::new(db.get_database_backend(), &self.legacy_table);
            tables.install_own().send(db).await?;
            let txn = db.begin().await?;
            let mut writes = Writes::new(db.get_database_backend(), &self.legacy_table);
            writes.replace_events(log).append(event);
            writes.send(&txn).await?;
            txn.commit().await
        };
        keep.await.map_err(Error::db("keeping the event log after the restore"))
    }
}
