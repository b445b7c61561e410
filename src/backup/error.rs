//! Everything that can go wrong with a backup or a restore, each as one line that says what to
//! do. Messages never hold a password: tool output is redacted before it is quoted.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// A dump or client program is not installed; `package` is the Debian package with it.
    #[error(
        "{tool} is not installed (or not on PATH); install the Debian package {package} \
         (`apt-get install {package}`) on the machine that runs the migrations"
    )]
    ToolMissing { tool: String, package: &'static str },

    /// `pg_dump` refuses to dump a server of a newer major version.
    #[error(
        "{tool} {tool_version} cannot dump a PostgreSQL {server_version} server (its major \
         version must be at least the server's); install postgresql-client-{server_major}"
    )]
    ToolTooOld { tool: String, tool_version: String, server_version: String, server_major: u32 },

    /// A tool ran and failed; `stderr` is its last words, redacted.
    #[error("{tool} failed ({status}): {stderr}")]
    ToolFailed { tool: String, status: String, stderr: String },

    #[error(
        "checksum mismatch for {file}: its metadata records sha256 {expected} but the file has \
         {actual}; the dump is damaged or was changed, so it is not restored"
    )]
    ChecksumMismatch { file: PathBuf, expected: String, actual: String },

    #[error(
        "no metadata for {file} (expected {metadata}); restore only takes dumps made by \
         `backup`, whose checksum it can verify"
    )]
    NoMetadata { file: PathBuf, metadata: PathBuf },

    #[error("cannot read the backup metadata {file}: {reason}")]
    BadMetadata { file: PathBuf, reason: String },

    #[error(
        "{file} is a {dumped} backup and the database is {target}; restore it into a {dumped} database"
    )]
    BackendMismatch { file: PathBuf, dumped: String, target: String },

    #[error("{what} {path}: {source}")]
    Io { what: &'static str, path: PathBuf, source: std::io::Error },

    #[error("{what} failed: {words}")]
    Database { what: &'static str, words: String },

    /// A backup directory named on the command line is not there.
    #[error("no such backup directory: {dir}; check the path given to --dir (backups are written to {default} by default)")]
    NoSuchDir { dir: PathBuf, default: String },

    #[error("backing up an in-memory SQLite database is not possible; use a file database")]
    InMemory,

    #[error("{0}")]
    Refused(String),
}

impl BackupError {
    /// A short, stable name for `--format json`.
    pub fn kind(&self) -> &'static str {
        match self {
            BackupError::ToolMissing { .. } => "backup-tool-missing",
            BackupError::ToolTooOld { .. } => "backup-tool-too-old",
            BackupError::ToolFailed { .. } => "backup-tool-failed",
            BackupError::ChecksumMismatch { .. } => "backup-checksum-mismatch",
            BackupError::NoMetadata { .. } | BackupError::BadMetadata { .. } => "backup-metadata",
            BackupError::BackendMismatch { .. } => "backup-backend-mismatch",
            BackupError::Io { .. } => "backup-io",
            BackupError::Database { .. } => "backup-database",
            BackupError::InMemory => "backup-in-memory",
            BackupError::NoSuchDir { .. } => "backup-no-such-dir",
            BackupError::Refused(_) => "restore-refused",
        }
    }

    pub(crate) fn io(what: &'static str, path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| BackupError::Io { what, path, source }
    }

    pub(crate) fn db(what: &'static str) -> impl FnOnce(sea_orm::DbErr) -> Self {
        move |e| BackupError::Database { what, words: crate::db::connect::db_words(&e) }
    }
}
