//! The JSON file beside every dump (`<dump>.json`): what the dump holds, where it came from,
//! its checksum and when it expires. `restore` trusts a dump only through it.

use super::BackupError;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Why a backup was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Reason {
    /// `backup`, by hand.
    Manual,
    /// Taken by `up` in production before the first migration.
    BeforeUp,
    /// The state a `restore` replaced.
    BeforeRestore,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Manual => "manual",
            Reason::BeforeUp => "before-up",
            Reason::BeforeRestore => "before-restore",
        }
    }
}

/// The metadata of one dump.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Metadata {
    /// The dump's file name (in the same directory as this metadata).
    pub file: String,
    /// The database name (for SQLite, the file name).
    pub database: String,
    /// `postgres`, `mysql` or `sqlite`.
    pub backend: String,
    pub server_version: String,
    /// The program and version that wrote the dump.
    pub tool: String,
    pub size_bytes: u64,
    pub table_count: u64,
    /// The newest applied migration when the dump was taken; `None` is base.
    pub schema_version: Option<String>,
    /// SHA-256 of the dump, lowercase hex.
    pub sha256: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub reason: Reason,
}

/// Where the metadata of `dump` lives: the dump's path with `.json` appended.
pub fn path_for(dump: &Path) -> PathBuf {
    let mut name = dump.as_os_str().to_os_string();
    name.push(".json");
    PathBuf::from(name)
}

/// Writes `metadata` beside `dump`, 0600.
pub fn write(dump: &Path, metadata: &Metadata) -> Result<PathBuf, BackupError> {
    use std::io::Write;
    let path = path_for(dump);
    let text = serde_json::to_string_pretty(metadata).map_err(|e| BackupError::BadMetadata {
        file: path.clone(),
        reason: e.to_string(),
    })?;
    let mut file = super::files::create_private(&path)?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.write_all(b"\n"))
        .map_err(BackupError::io("cannot write", path.clone()))?;
    Ok(path)
}

/// Reads the metadata of `dump`.
pub fn read(dump: &Path) -> Result<Metadata, BackupError> {
    let path = path_for(dump);
    if !path.exists() {
        return Err(BackupError::NoMetadata { file: dump.to_path_buf(), metadata: path });
    }
    read_file(&path)
}

/// Reads one metadata file.
pub fn read_file(path: &Path) -> Result<Metadata, BackupError> {
    let text = std::fs::read_to_string(path).map_err(BackupError::io("cannot read", path))?;
    serde_json::from_str(&text).map_err(|e| BackupError::BadMetadata {
        file: path.to_path_buf(),
        reason: e.to_string(),
    })
}

/// Checks `dump` against its metadata; returns the metadata when the checksums agree.
pub fn verify(dump: &Path) -> Result<Metadata, BackupError> {
    let metadata = read(dump)?;
    let actual = super::files::sha256(dump)?;
    if actual != metadata.sha256 {
        return Err(BackupError::ChecksumMismatch {
            file: dump.to_path_buf(),
            expected: metadata.sha256,
            actual,
        });
    }
    Ok(metadata)
}

/// A file-name-safe form of a database name: letters, digits, `_` and `-`; others become `_`.
pub fn file_stem(database: &str) -> String {
    let stem: String = database
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' })
        .collect();
    if stem.is_empty() { "database".to_string() } else { stem }
}

/// The dump's file name: `<database>-<UTC time to the millisecond>.<ext>`, so that names sort by
/// time and two backups in one second do not collide.
pub fn dump_name(database: &str, at: DateTime<Utc>, ext: &str) -> String {
    format!("{}-{}.{ext}", file_stem(database), at.format("%Y%m%dT%H%M%S%.3fZ"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_safe_and_sortable() {
        let at = DateTime::parse_from_rfc3339("2026-03-01T09:12:44.181Z").map(|t| t.to_utc());
        let at = at.unwrap_or_default();
        assert_eq!(dump_name("app db/../x", at, "sql"), "app_db____x-20260301T091244.181Z.sql");
        assert_eq!(path_for(Path::new("b/a.sql")), PathBuf::from("b/a.sql.json"));
    }
}
