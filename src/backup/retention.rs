//! Listing the backups in a directory and pruning the expired ones.

use super::{Backup, BackupError, metadata};
use chrono::{DateTime, Utc};
use std::path::Path;

/// Which backups `prune` removes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expiry {
    /// Those whose recorded `expires_at` has passed.
    Recorded,
    /// Those created more than this many days ago, whatever they record.
    OlderThanDays(u32),
}

/// Every backup in `dir` (a metadata file `*.json` that parses), oldest first. A missing
/// directory holds none; other files are ignored.
pub fn list(dir: &Path) -> Result<Vec<Backup>, BackupError> {
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let entries = std::fs::read_dir(dir).map_err(BackupError::io("cannot list", dir))?;
    let mut backups = Vec::new();
    for entry in entries {
        let path = entry.map_err(BackupError::io("cannot list", dir))?.path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let Ok(metadata) = metadata::read_file(&path) else { continue };
        let dump = dir.join(&metadata.file);
        if metadata::path_for(&dump) != path {
            continue;
        }
        backups.push(Backup { dump, metadata_file: path, metadata });
    }
    backups.sort_by(|a, b| a.metadata.created_at.cmp(&b.metadata.created_at).then(a.dump.cmp(&b.dump)));
    Ok(backups)
}

/// Whether `backup` is expired at `now` under `expiry`.
pub fn is_expired(backup: &Backup, expiry: Expiry, now: DateTime<Utc>) -> bool {
    match expiry {
        Expiry::Recorded => backup.metadata.expires_at <= now,
        Expiry::OlderThanDays(days) => {
            backup.metadata.created_at + chrono::Duration::days(i64::from(days)) <= now
        }
    }
}

/// Removes the expired backups in `dir` (dump and metadata) and returns them.
pub fn prune(dir: &Path, expiry: Expiry, now: DateTime<Utc>) -> Result<Vec<Backup>, BackupError> {
    let mut removed = Vec::new();
    for backup in list(dir)? {
        if !is_expired(&backup, expiry, now) {
            continue;
        }
        if backup.dump.exists() {
            std::fs::remove_file(&backup.dump).map_err(BackupError::io("cannot remove", backup.dump.clone()))?;
        }
        std::fs::remove_file(&backup.metadata_file)
            .map_err(BackupError::io("cannot remove", backup.metadata_file.clone()))?;
        removed.push(backup);
    }
    Ok(removed)
}
