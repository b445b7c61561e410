//! Every error the CLI can end with, turned into one line and an exit code, in one place.

use super::args::Format;
use super::console::Console;
use super::generate::GenerateError;
use crate::db::UrlError;

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Url(#[from] UrlError),
    #[error(transparent)]
    Run(#[from] crate::runner::Error),
    #[error(transparent)]
    Generate(#[from] GenerateError),
    #[error(transparent)]
    Init(#[from] super::init::InitError),
    #[error(transparent)]
    Backup(#[from] crate::backup::BackupError),
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    EnvFile(#[from] super::env_file::EnvFileError),
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
    #[error(
        "this migration binary registers no entities to compare with; call \
         `seamigrate::cli::main_with_entities::<Migrator>(entities)` in its main.rs"
    )]
    NoEntities,
    #[error("the database is not at head: {}", not_at_head(.pending, .dirty, .modified))]
    NotAtHead { pending: Vec<String>, dirty: Vec<String>, modified: Vec<String> },
    #[error("{0}")]
    Schema(String),
    #[error("{0}")]
    Rename(String),
    #[error(
        "the database differs from the entities in {} place(s){}; write a migration for them \
         (`autogenerate NAME` drafts one)",
        .differences.len(),
        if *.listed { " (listed above)".to_string() } else { format!(": {}", .differences.join("; ")) }
    )]
    Drift { differences: Vec<String>, listed: bool, not_compared: Vec<String> },
    /// `check --strict`: the database holds what the comparison leaves out.
    #[error(
        "the database holds {} object(s) that `check` does not compare{}; review them by hand, \
         then run `check` without --strict to accept them",
        .not_compared.len(),
        if *.listed { " (listed above)".to_string() } else { format!(": {}", .not_compared.join("; ")) }
    )]
    NotCompared { not_compared: Vec<String>, listed: bool },
    /// `errors` are the blocking findings, `findings` all of them (for JSON).
    #[error("{}", lint_message(.errors, *.listed))]
    Lint {
        errors: Vec<crate::lint::Finding>,
        findings: Vec<crate::lint::Finding>,
        listed: bool,
    },
    #[error(transparent)]
    Targets(#[from] crate::fleet::TargetsError),
    /// Some targets of a fleet did not end where the command was to take them.
    #[error(
        "{command} failed on {failed} of {total} target(s){}{}; fix the failed ones and run the same command again: targets at head are skipped",
        if *.not_run > 0 { format!(" ({not_run} not run)") } else { String::new() },
        .first.as_ref().map(|f| format!(" (first: {f})")).unwrap_or_default()
    )]
    Fleet { command: &'static str, failed: usize, not_run: usize, total: usize, first: Option<String> },
    /// Printed already (in a JSON document with what the command did); exit with this code.
    #[error("reported")]
    Reported(i32),
}

/// Exit codes, as documented in `--help` and docs/cli.md.
pub const EXIT_OK: i32 = 0;
pub const EXIT_FAILURE: i32 = 1;
pub const EXIT_USAGE: i32 = 2;

impl CliError {
    pub fn exit_code(&self) -> i32 {
        match self {
            CliError::Reported(code) => *code,
            CliError::Usage(_)
            | CliError::EnvFile(_)
            | CliError::Rename(_)
            | CliError::Generate(GenerateError::BadName(_)) => EXIT_USAGE,
            _ => EXIT_FAILURE,
        }
    }

    fn kind(&self) -> &'static str {
        use crate::runner::Error as R;
        match self {
            CliError::Url(_) => "url",
            CliError::Usage(_) => "usage",
            CliError::EnvFile(_) => "env-file",
            CliError::Generate(_) => "generate",
            CliError::Init(_) => "init",
            CliError::Backup(e) => e.kind(),
            CliError::Runtime(_) => "runtime",
            CliError::NoEntities => "no-entities",
            CliError::NotAtHead { .. } => "not-at-head",
            CliError::Schema(_) => "schema",
            CliError::Rename(_) => "rename",
            CliError::Drift { .. } => "drift",
            CliError::NotCompared { .. } => "not-compared",
            CliError::Lint { .. } => "lint",
            CliError::Reported(_) => "reported",
            CliError::Targets(_) => "targets",
            CliError::Fleet { .. } => "fleet",
            CliError::Run(R::LintRefused { .. }) => "lint-refused",
            CliError::Run(R::Backup(e)) | CliError::Run(R::RestoreFailed { source: e, .. }) => e.kind(),
            CliError::Run(R::NoUrlForBackup) => "backup-needs-url",
            CliError::Run(R::Connect(_)) => "connect",
            CliError::Run(R::Lock(_)) => "lock",
            CliError::Run(R::DatabaseAdmin(crate::db::database::DatabaseError::Connect(_))) => "connect",
            CliError::Run(R::DatabaseAdmin(_)) => "database-admin",
            CliError::Run(R::LockLost(_)) => "lock-lost",
            CliError::Run(R::Busy(_)) => "busy",
            CliError::Run(R::MigrationFailed { dirty: true, .. }) => "migration-failed-dirty",
            CliError::Run(R::MigrationFailed { .. }) => "migration-failed",
            CliError::Run(R::Dirty { .. }) => "dirty",
            CliError::Run(R::Unfinished { .. }) => "unfinished",
            CliError::Run(R::TaskFailed { .. }) => "task-failed",
            CliError::Run(R::UnknownTask { .. }) => "unknown-task",
            CliError::Run(R::Modified { .. }) => "modified",
            CliError::Run(R::OutOfOrder { .. }) => "out-of-order",
            CliError::Run(R::MissingCrossed { .. }) => "missing",
            CliError::Run(R::UnknownVersion { .. }) => "unknown-version",
            CliError::Run(R::Ambiguous { .. }) => "ambiguous-version",
            CliError::Run(R::Refused { .. }) => "refused",
            CliError::Run(R::NotUpToDate { .. }) => "not-up-to-date",
            CliError::Run(R::Duplicate(_)) => "duplicate-version",
            CliError::Run(R::ResolveUnknownCode { .. }) => "missing",
            CliError::Run(_) => "database",
        }
    }

    /// The error as JSON: `{kind, message}` and what else it carries.
    pub fn json(&self) -> serde_json::Value {
        let message = self.to_string().replace('\n', " ");
        let mut error = serde_json::json!({ "kind": self.kind(), "message": message });
        if let CliError::Drift { differences, not_compared, .. } = self {
            error["differences"] = serde_json::json!(differences);
            error["not_compared"] = serde_json::json!(not_compared);
        }
        if let CliError::NotCompared { not_compared, .. } = self {
            error["not_compared"] = serde_json::json!(not_compared);
        }
        if let CliError::Lint { findings, .. } | CliError::Run(crate::runner::Error::LintRefused { findings, .. }) = self {
            error["findings"] = serde_json::json!(findings);
        }
        error
    }

    /// Prints the error (one line, or a JSON object) and returns the exit code.
    pub fn report(&self, console: &Console, format: Format) -> i32 {
        match (self, format) {
            (CliError::Reported(_), _) => {}
            (_, Format::Json) => super::render::json(console, &serde_json::json!({ "error": self.json() })),
            (_, _) => console.err(format!("error: {}", self.to_string().replace('\n', " "))),
        }
        self.exit_code()
    }
}

/// The one line for blocking lint findings in `lint` (production `up`'s is the runner's).
fn lint_message(errors: &[crate::lint::Finding], listed: bool) -> String {
    let place = match (listed, errors.first()) {
        (true, _) => " (listed above)".to_string(),
        (false, Some(f)) => format!(" (first: {}: {})", f.version, f.message),
        (false, None) => String::new(),
    };
    format!(
        "lint found {} error(s){place}; fix them, or acknowledge an intended one with \
         seamigrate::lint::allow(\"<rule>\", \"<why>\") in its migration",
        errors.len()
    )
}

/// Why the database is not at head, and what to do, for [`CliError::NotAtHead`].
fn not_at_head(pending: &[String], dirty: &[String], modified: &[String]) -> String {
    if let Some(version) = dirty.first() {
        return format!(
            "migration {version} is dirty (it failed part way); repair the database, then \
             settle it with `resolve {version} --as applied|pending`"
        );
    }
    if let Some(version) = modified.first() {
        return format!(
            "migration {version} was edited after it was applied; restore the file, or accept \
             the edit with `resolve {version} --as applied`"
        );
    }
    format!(
        "{} migration(s) pending ({}); apply them with `up` first, or the comparison would \
         repeat what they do",
        pending.len(),
        pending.join(", ")
    )
}
