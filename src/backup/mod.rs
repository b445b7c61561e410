//! Backups before risky changes, and restores from them.
//!
//! Each backend's own tool writes the dump (`pg_dump`, `mariadb-dump`/`mysqldump`, SQLite's
//! `VACUUM INTO`) into a timestamped file; a JSON [`Metadata`] file beside it records what the
//! dump holds (database, schema version, table count), its SHA-256 and when it expires.
//! Everything written is readable by its owner only, and a password never appears on a tool's
//! command line. [`restore`] replaces the whole content of the database with a verified dump.
//!
//! One file per concern: [`metadata`] (the JSON file), `files` (private files, checksums),
//! `tool` (running the external programs), `postgres`, `mysql`, `sqlite`, `retention`.

mod error;
mod files;
pub mod metadata;
mod mysql;
mod postgres;
mod retention;
mod sqlite;
mod tool;

pub use error::BackupError;
pub use metadata::{Metadata, Reason, verify};
pub use retention::{Expiry, list, prune};

use crate::db::{Backend, DatabaseUrl};
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use std::path::{Path, PathBuf};

/// Where backups go when no directory is given: `$SEAMIGRATE_BACKUP_DIR`, else `backups/` in
/// the current directory.
pub fn default_dir() -> PathBuf {
    std::env::var_os("SEAMIGRATE_BACKUP_DIR")
        .filter(|d| !d.is_empty())
        .map_or_else(|| PathBuf::from("backups"), PathBuf::from)
}

/// How long a backup is kept by default before `backups prune` removes it.
pub const DEFAULT_RETENTION_DAYS: u32 = 7;

/// A dump on disk with its metadata.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Backup {
    pub dump: PathBuf,
    pub metadata_file: PathBuf,
    pub metadata: Metadata,
}

/// What to back up, where, and why.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    pub url: &'a DatabaseUrl,
    pub dir: &'a Path,
    /// The newest applied migration (the runner's `status().current`).
    pub schema_version: Option<String>,
    pub retention_days: u32,
    pub reason: Reason,
}

/// The key a backend is recorded under in the metadata.
pub fn backend_key(backend: Backend) -> &'static str {
    match backend {
        Backend::Postgres => "postgres",
        Backend::MySql => "mysql",
        Backend::Sqlite => "sqlite",
    }
}

/// Dumps the database `db` (connected to `request.url`) into `request.dir`, then writes the
/// metadata. The dump is written under a `.partial` name and renamed when complete, so a file
/// with a dump's name is always a whole dump.
pub async fn create(db: &DatabaseConnection, request: &Request<'_>) -> Result<Backup, BackupError> {
    files::private_dir(request.dir)?;
    let created_at = Utc::now();
    let url = request.url;
    let ext = if url.backend() == Backend::Sqlite { "sqlite" } else { "sql" };
    let dump = request.dir.join(metadata::dump_name(url.database(), created_at, ext));
    let partial = metadata::path_for(&dump).with_extension("partial");
    let written = write_dump(db, url, &partial).await;
    let (server_version, tool_label) = match written {
        Ok(info) => info,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(e);
        }
    };
    std::fs::rename(&partial, &dump).map_err(BackupError::io("cannot rename the dump to", dump.clone()))?;
    let size_bytes = std::fs::metadata(&dump).map_err(BackupError::io("cannot read", dump.clone()))?.len();
    let sha256 = files::sha256(&dump)?;
    let metadata = Metadata {
        file: dump.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
        database: url.database().to_string(),
        backend: backend_key(url.backend()).to_string(),
        server_version,
        tool: tool_label,
        size_bytes,
        table_count: table_count(db, url.backend()).await?,
        schema_version: request.schema_version.clone(),
        sha256,
        created_at,
        expires_at: expiry(created_at, request.retention_days),
        reason: request.reason,
    };
    let metadata_file = metadata::write(&dump, &metadata)?;
    Ok(Backup { dump, metadata_file, metadata })
}

/// `created + days`, saturating at the far future.
fn expiry(created: DateTime<Utc>, days: u32) -> DateTime<Utc> {
    created
        .checked_add_signed(chrono::Duration::days(i64::from(days)))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// Writes the dump into `out` with the backend's tool; returns the server version and the
/// tool's name and version.
async fn write_dump(db: &DatabaseConnection, url: &DatabaseUrl, out: &Path) -> Result<(String, String), BackupError> {
    match url.backend() {
        Backend::Postgres => {
            let (version, major) = postgres::server_version(db).await?;
            let (program, label) = postgres::dump_tool(&version, major)?;
            let file = files::create_private(out)?;
            let url = url.clone();
            tool::blocking(move || postgres::dump(&program, &url, file)).await?;
            Ok((version, label))
        }
        Backend::MySql => {
            let version = mysql::server_version(db).await?;
            let (program, label) = mysql::dump_tool()?;
            let file = files::create_private(out)?;
            let url = url.clone();
            tool::blocking(move || mysql::dump(&program, &url, file)).await?;
            Ok((version, label))
        }
        Backend::Sqlite => {
            let version = sqlite::server_version(db).await?;
            sqlite::dump(db, url, out).await?;
            Ok((version.clone(), format!("SQLite {version} VACUUM INTO")))
        }
    }
}

async fn table_count(db: &DatabaseConnection, backend: Backend) -> Result<u64, BackupError> {
    match backend {
        Backend::Postgres => postgres::table_count(db).await,
        Backend::MySql => mysql::table_count(db).await,
        Backend::Sqlite => sqlite::table_count(db).await,
    }
}

/// Replaces the whole content of the database `db` (connected to `url`) with `dump`, whose
/// checksum the caller verified (see [`verify`]): everything in the database is dropped, then
/// the dump replayed (PostgreSQL in one transaction; MySQL statement by statement), or the
/// SQLite file swapped (which closes `db`).
pub async fn restore(db: &DatabaseConnection, url: &DatabaseUrl, dump: &Path, metadata: &Metadata) -> Result<(), BackupError> {
    check_backend(dump, metadata, url)?;
    let dump = dump.to_path_buf();
    match url.backend() {
        Backend::Postgres => {
            let prelude = postgres::prelude(db).await?;
            let url = url.clone();
            tool::blocking(move || postgres::restore(&url, &prelude, &dump)).await
        }
        Backend::MySql => {
            let prelude = mysql::prelude(db).await?;
            let url = url.clone();
            tool::blocking(move || mysql::restore(&url, prelude, &dump)).await
        }
        Backend::Sqlite => sqlite::restore(db, url, &dump).await,
    }
}

/// Refuses a dump of another backend than `url`'s.
pub fn check_backend(dump: &Path, metadata: &Metadata, url: &DatabaseUrl) -> Result<(), BackupError> {
    let target = backend_key(url.backend());
    if metadata.backend == target {
        return Ok(());
    }
    Err(BackupError::BackendMismatch {
        file: dump.to_path_buf(),
        dumped: metadata.backend.clone(),
        target: target.to_string(),
    })
}

/// The `name` column of every row of `sql`.
async fn names(db: &DatabaseConnection, backend: DbBackend, sql: &str, what: &'static str) -> Result<Vec<String>, BackupError> {
    let rows = db
        .query_all_raw(Statement::from_string(backend, sql))
        .await
        .map_err(BackupError::db(what))?;
    rows.iter()
        .map(|row| row.try_get::<String>("", "name").map_err(BackupError::db(what)))
        .collect()
}

/// The `n` column of the one row of `sql`.
async fn count(db: &DatabaseConnection, backend: DbBackend, sql: &str) -> Result<u64, BackupError> {
    let what = "counting the tables";
    let row = db
        .query_one_raw(Statement::from_string(backend, sql))
        .await
        .map_err(BackupError::db(what))?;
    let n: i64 = match row {
        Some(row) => row.try_get("", "n").map_err(BackupError::db(what))?,
        None => 0,
    };
    Ok(u64::try_from(n).unwrap_or(0))
}
