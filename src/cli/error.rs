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
    #[error("{0}")]
    Usage(String),
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
    #[error(
        "this migration binary registers no entities to compare with; call \
         `seamigrate::cli::main_with_entities::<Migrator>(entities)` in its main.rs"
    )]
    NoEntities,
    #[error(
        "the database is not at head{}; apply pending migrations with `up` first, or the \
         comparison would repeat what they do",
        if .pending.is_empty() { String::new() } else { format!(" (pending: {})", .pending.join(", ")) }
    )]
    NotAtHead { pending: Vec<String>, blocked: bool },
    #[error("{0}")]
    Schema(String),
    #[error("{0}")]
    Rename(String),
    #[error(
        "the database differs from the entities ({} difference(s)): {}; write a migration for \
         them (`autogenerate NAME` drafts one)",
        .differences.len(),
        .differences.join("; ")
    )]
    Drift { differences: Vec<String> },
}

/// Exit codes, as documented in `--help` and docs/cli.md.
pub const EXIT_OK: i32 = 0;
pub const EXIT_FAILURE: i32 = 1;
pub const EXIT_USAGE: i32 = 2;

impl CliError {
    pub fn exit_code(&self) -> i32 {
        match self {
            CliError::Usage(_)
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
            CliError::Generate(_) => "generate",
            CliError::Runtime(_) => "runtime",
            CliError::NoEntities => "no-entities",
            CliError::NotAtHead { .. } => "not-at-head",
            CliError::Schema(_) => "schema",
            CliError::Rename(_) => "rename",
            CliError::Drift { .. } => "drift",
            CliError::Run(R::Connect(_)) => "connect",
            CliError::Run(R::Lock(_)) => "lock",
            CliError::Run(R::MigrationFailed { dirty: true, .. }) => "migration-failed-dirty",
            CliError::Run(R::MigrationFailed { .. }) => "migration-failed",
            CliError::Run(R::Dirty { .. }) => "dirty",
            CliError::Run(R::Modified { .. }) => "modified",
            CliError::Run(R::OutOfOrder { .. }) => "out-of-order",
            CliError::Run(R::MissingCrossed { .. }) => "missing",
            CliError::Run(R::UnknownVersion { .. }) => "unknown-version",
            CliError::Run(R::Refused { .. }) => "refused",
            CliError::Run(R::NotUpToDate { .. }) => "not-up-to-date",
            CliError::Run(R::Duplicate(_)) => "duplicate-version",
            CliError::Run(R::ResolveUnknownCode { .. }) => "missing",
            CliError::Run(_) => "database",
        }
    }

    /// Prints the error (one line, or a JSON object) and returns the exit code.
    pub fn report(&self, console: &Console, format: Format) -> i32 {
        let message = self.to_string().replace('\n', " ");
        match format {
            Format::Json => super::render::json(
                console,
                &serde_json::json!({ "error": { "kind": self.kind(), "message": message } }),
            ),
            Format::Text => console.err(format!("error: {message}")),
        }
        self.exit_code()
    }
}
