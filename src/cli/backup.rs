//! `backup` and `backups`: the options resolved, the work done by [`crate::backup`], the result
//! printed. (The backups production `up` and `restore` take are the runner's.)

use super::args::{BackupsAction, Format, Global};
use super::console::Console;
use super::error::CliError;
use super::render;
use crate::backup::{self, Backup, Expiry, Reason, Request};
use crate::db::DatabaseUrl;
use crate::runner::Migrator;
use std::path::{Path, PathBuf};

/// `backup [--out DIR] [--keep-days N]`.
pub async fn backup(
    migrator: &Migrator,
    url: &DatabaseUrl,
    out: Option<PathBuf>,
    keep_days: u32,
    console: &Console,
    global: &Global,
) -> Result<(), CliError> {
    let dir = out.unwrap_or_else(backup::default_dir);
    let made = take(migrator, url, &dir, keep_days, Reason::Manual).await?;
    if global.format == Format::Json {
        render::json(console, &made);
    } else if !global.quiet {
        console.out(describe(&made));
    }
    Ok(())
}

/// Backs up the database the migrator is connected to, recording its current schema version.
async fn take(
    migrator: &Migrator,
    url: &DatabaseUrl,
    dir: &Path,
    retention_days: u32,
    reason: Reason,
) -> Result<Backup, CliError> {
    let status = migrator.status().await?;
    let request = Request { url, dir, schema_version: status.current, retention_days, reason };
    Ok(backup::create(migrator.connection(), &request).await?)
}

/// One line about a backup just written.
fn describe(made: &Backup) -> String {
    let m = &made.metadata;
    format!(
        "Backed up database '{}' to {} ({}, {} table(s), schema version {}); metadata in {}; expires {}",
        m.database,
        made.dump.display(),
        size(m.size_bytes),
        m.table_count,
        version(m.schema_version.as_deref()),
        made.metadata_file.display(),
        m.expires_at.format("%Y-%m-%dT%H:%M:%SZ"),
    )
}

/// `backups [--dir DIR]` and `backups prune [--keep-days N]`; needs no database.
pub fn backups(
    console: &Console,
    global: &Global,
    dir: Option<&Path>,
    action: Option<&BackupsAction>,
) -> Result<(), CliError> {
    if let Some(given) = dir.filter(|d| !d.is_dir()) {
        let default = backup::default_dir().display().to_string();
        return Err(backup::BackupError::NoSuchDir { dir: given.to_path_buf(), default }.into());
    }
    let dir = dir.map_or_else(backup::default_dir, Path::to_path_buf);
    match action {
        None => {
            let all = backup::list(&dir)?;
            if global.format == Format::Json {
                render::json(console, &serde_json::json!({ "dir": dir, "backups": all }));
            } else {
                list_table(console, &dir, &all);
            }
        }
        Some(BackupsAction::Prune { keep_days }) => {
            let expiry = keep_days.map_or(Expiry::Recorded, Expiry::OlderThanDays);
            let removed = backup::prune(&dir, expiry, chrono::Utc::now())?;
            if global.format == Format::Json {
                render::json(console, &serde_json::json!({ "dir": dir, "removed": removed }));
            } else if !global.quiet {
                for gone in &removed {
                    console.out(format!(
                        "removed {} and {} (expired {})",
                        gone.dump.display(),
                        gone.metadata_file.display(),
                        gone.metadata.expires_at.format("%Y-%m-%dT%H:%M:%SZ")
                    ));
                }
                console.out(format!("Removed {} expired backup(s) from {}", removed.len(), dir.display()));
            }
        }
    }
    Ok(())
}

fn list_table(console: &Console, dir: &Path, all: &[Backup]) {
    if all.is_empty() {
        console.out(format!("No backups in {}", dir.display()));
        return;
    }
    let header = ["FILE", "DATABASE", "SCHEMA VERSION", "CREATED AT", "EXPIRES AT", "SIZE", "TABLES", "REASON"];
    let rows: Vec<[String; 8]> = all
        .iter()
        .map(|b| {
            let m = &b.metadata;
            [
                m.file.clone(),
                m.database.clone(),
                version(m.schema_version.as_deref()).to_string(),
                m.created_at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
                m.expires_at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
                size(m.size_bytes),
                m.table_count.to_string(),
                m.reason.as_str().to_string(),
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let text: Vec<String> = cells.iter().zip(widths).map(|(c, w)| format!("{c:<w$}")).collect();
        text.join("  ").trim_end().to_string()
    };
    console.out(line(header.to_vec()));
    for row in &rows {
        console.out(line(row.iter().map(String::as_str).collect()));
    }
    console.out(format!("{} backup(s) in {}", all.len(), dir.display()));
}

fn version(v: Option<&str>) -> &str {
    v.unwrap_or("base")
}

/// A byte count for people: `532 B`, `12.4 KiB`, `3.1 MiB`.
fn size(bytes: u64) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < units.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 { format!("{bytes} B") } else { format!("{value:.1} {}", units[unit]) }
}
