//! Everything that can stop a run, each worded for the person who has to act on it.

use crate::capture::Direction;
use crate::db::{Backend, ConnectError};
use crate::lock::LockError;
use sea_orm::DbErr;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Connect(#[from] ConnectError),

    #[error(transparent)]
    Lock(#[from] LockError),

    /// Creating or dropping the database itself failed.
    #[error(transparent)]
    DatabaseAdmin(#[from] crate::db::database::DatabaseError),

    #[error("{0}")]
    LockLost(LockLost),

    #[error("{0}")]
    Busy(Box<Busy>),

    /// `errors` are the blocking findings, `findings` all of them.
    #[error(
        "up refused in production: the pending migrations have {} lint error(s){}; fix them, \
         acknowledge an intended one with seamigrate::lint::allow(\"<rule>\", \"<why>\") in its \
         migration, or pass --allow-destructive",
        .errors.len(),
        .errors.first().map(|f| format!(" (first: {}: {})", f.version, f.message)).unwrap_or_default()
    )]
    LintRefused { errors: Vec<crate::lint::Finding>, findings: Vec<crate::lint::Finding> },

    #[error(transparent)]
    Backup(#[from] crate::backup::BackupError),

    #[error(
        "a backup needs the database URL for its dump tool, and this runner was given a connection \
         pool; give it the URL (Migrator::url), or, for up, skip the backup (BackupChoice::Skip, \
         --no-backup)"
    )]
    NoUrlForBackup,

    #[error("{source}; the state before the restore is in {}", .safety.display())]
    RestoreFailed {
        #[source]
        source: crate::backup::BackupError,
        safety: std::path::PathBuf,
    },

    #[error("{what} failed: {words}")]
    Database { what: String, words: String },

    #[error("migration {version} failed ({direction}) on {backend}: {words}; {consequence}")]
    MigrationFailed {
        version: String,
        direction: Direction,
        backend: Backend,
        words: String,
        /// The migration may be partly applied and is marked dirty.
        dirty: bool,
        consequence: String,
    },

    #[error(
        "migration {version} is dirty: it failed part way and may be half done, so nothing \
         more runs until that is settled; repair the schema by hand, then run `resolve {version} \
         --as applied` if the database now has its changes, or `resolve {version} --as pending` \
         if it does not"
    )]
    Dirty { version: String },

    #[error("task {task} failed: {words}")]
    TaskFailed { task: String, words: String },

    #[error("no task named `{given}`; {}", if .known.is_empty() { "this program offers none".to_string() } else { format!("known: {}", .known.join(", ")) })]
    UnknownTask { given: String, known: Vec<String> },

    #[error(
        "migration {version} stopped part way through its {direction}() (a backfill, which \
         resumes where it stopped); run `{direction}` to finish it before anything else, or settle \
         it by hand with `resolve {version} --as applied` or `--as pending`"
    )]
    Unfinished { version: String, direction: Direction },

    #[error(
        "applied migration(s) changed since they ran: {}; their up() now emits different SQL \
         from what was applied. Restore the original code, or accept the new code with \
         {} (re-records the checksum), or pass --allow-modified to go on anyway",
        .versions.join(", "),
        resolve_each(.versions)
    )]
    Modified { versions: Vec<String> },

    #[error(
        "pending migration(s) sort before the newest applied one ({newest}): {}; this usually \
         follows a merge of two branches. Check that they do not conflict with what is applied, \
         then pass --allow-out-of-order to apply them",
        .versions.join(", ")
    )]
    OutOfOrder {
        versions: Vec<String>,
        newest: String,
    },

    #[error(
        "cannot revert {version}: it is applied but its code is missing from the migration \
         list; restore its file, or forget it with `resolve {version} --as pending` if its \
         changes are gone too"
    )]
    MissingCrossed { version: String },

    #[error("unknown migration version '{given}'{}", suggest(.suggestions))]
    UnknownVersion {
        given: String,
        suggestions: Vec<String>,
    },

    #[error(
        "'{given}' is ambiguous: it begins {count} migration versions ({}{}); type more of it, \
         or the whole version",
        .first.join(", "),
        if *.count > .first.len() { ", ..." } else { "" }
    )]
    Ambiguous { given: String, count: usize, first: Vec<String> },

    #[error("migration version {0} appears twice in the migration list; give each a unique name")]
    Duplicate(String),

    #[error(
        "cannot resolve {version} as applied: it is not in the migration list, so there is no \
         code to record; restore its file, or resolve it as pending"
    )]
    ResolveUnknownCode { version: String },

    #[error("{command} refused in {env}: {reason}")]
    Refused {
        command: &'static str,
        env: super::Environment,
        reason: String,
    },

    #[error(
        "the database is not up to date and this is {env}, where migrations are not applied at \
         start-up: pending {}; run `up` as part of the deploy",
        .pending.join(", ")
    )]
    NotUpToDate {
        env: super::Environment,
        pending: Vec<String>,
    },
}

/// A run that lost its lock: the connection holding it (the one every migration runs on) was
/// closed under it, by the server, a proxy or the network. Nothing more runs after that.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockLost {
    /// The migration that was running, if one was, and which way.
    pub running: Option<(String, Direction)>,
    /// The database's words (or those of the error that revealed the loss).
    pub words: String,
    /// The running migration shared one transaction with its history row.
    pub atomic: bool,
    /// The connection closed during that transaction's COMMIT, whose outcome is unknown.
    pub committing: bool,
    /// Migrations this run finished before the loss; they stay as they are.
    pub done: Vec<String>,
}

impl LockLost {
    pub(crate) fn outside_a_migration(words: String) -> Self {
        LockLost { running: None, words, atomic: true, committing: false, done: Vec::new() }
    }

    pub(crate) fn during(
        version: &str,
        direction: Direction,
        words: String,
        atomic: bool,
        committing: bool,
    ) -> Self {
        LockLost {
            running: Some((version.to_string(), direction)),
            words,
            atomic,
            committing,
            done: Vec::new(),
        }
    }

    /// The same loss, knowing what the run had finished before it.
    pub(crate) fn after(mut self, done: Vec<String>) -> Self {
        self.done = done;
        self
    }
}

impl std::fmt::Display for LockLost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let words = &self.words;
        let Some((version, direction)) = &self.running else {
            return write!(
                f,
                "the migration lock was lost: the connection holding it closed ({words}); \
                 nothing more ran; run the command again"
            );
        };
        let fate = if self.committing && !self.atomic {
            format!(
                "the connection holding it closed while {version} was being recorded as finished \
                 ({words}): its statements had all run, and if that record did not commit it shows \
                 as dirty; then check its changes and run `resolve {version} --as applied`"
            )
        } else if self.committing {
            format!(
                "the connection holding it closed during the COMMIT of {version} ({words}), so \
                 whether {version} was recorded is unknown; `status` shows it either applied or \
                 not, never half done"
            )
        } else if self.atomic {
            format!("the connection holding it closed ({words}), so {version} was rolled back")
        } else {
            format!(
                "the connection holding it closed ({words}), so {version} stopped part way: if \
                 one of its statements had committed it is marked dirty and the next run names \
                 it, otherwise nothing of it changed"
            )
        };
        let done = match self.done.as_slice() {
            [] => String::new(),
            done => format!(
                "; the {} migration(s) this run finished before it stay done ({})",
                done.len(),
                done.join(", ")
            ),
        };
        write!(
            f,
            "the migration lock was lost while {version} ran ({direction}): {fate}{done}; \
             nothing more ran; run `status`, then the command again to finish"
        )
    }
}

/// A migration that gave way to the application every time it was tried: one of its statements
/// waited the longest it may for a table lock, and the migration was rolled back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Busy {
    pub version: String,
    pub direction: Direction,
    /// How many times it was tried.
    pub tries: u32,
    pub limits: super::DdlLimits,
    /// The database's words the last time.
    pub words: String,
    /// Who held locks on its tables the last time, one sentence each.
    pub held: Vec<String>,
    /// Migrations this run finished before it; they stay as they are.
    pub done: Vec<String>,
}

impl std::fmt::Display for Busy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Busy { version, direction, tries, words, .. } = self;
        let waited = match self.limits.lock_timeout {
            Some(limit) => format!("waited {}s", limit.as_secs_f64()),
            None => "waited".to_string(),
        };
        let held = match self.held.as_slice() {
            [] => "no session holding a lock on its tables could be seen from here".to_string(),
            held => held.join("; "),
        };
        let done = match self.done.as_slice() {
            [] => String::new(),
            done => format!("; the {} migration(s) this run finished before it stay done", done.len()),
        };
        write!(
            f,
            "migration {version} ({direction}) gave way to the application {tries} time(s): each time a \
             statement {waited} for a table lock ({words}) and the migration was rolled back, so \
             nothing of it is applied; {held}{done}; end that transaction or wait for it, then run \
             the command again (--ddl-lock-timeout and --ddl-retries set how long and how often a \
             migration waits)"
        )
    }
}

fn suggest(suggestions: &[String]) -> String {
    match suggestions {
        [] => "; run `status` to list the versions".into(),
        [one] => format!("; did you mean {one}?"),
        many => format!("; closest: {}", many.join(", ")),
    }
}

impl Error {
    /// A closure that wraps a database error with what was being done.
    pub(crate) fn db(what: impl Into<String>) -> impl FnOnce(DbErr) -> Error {
        let what = what.into();
        move |err| Error::Database {
            what,
            words: crate::db::connect::db_words(&err),
        }
    }

    /// Whether the failure was a refusal (nothing was attempted) rather than a failure.
    pub fn is_refusal(&self) -> bool {
        matches!(
            self,
            Error::Dirty { .. }
                | Error::Unfinished { .. }
                | Error::Modified { .. }
                | Error::OutOfOrder { .. }
                | Error::MissingCrossed { .. }
                | Error::ResolveUnknownCode { .. }
                | Error::Refused { .. }
                | Error::NotUpToDate { .. }
        )
    }
}

/// `resolve VERSION --as applied`, spelled out for each of `versions`.
fn resolve_each(versions: &[String]) -> String {
    versions.iter().map(|v| format!("`resolve {v} --as applied`")).collect::<Vec<_>>().join(", ")
}
