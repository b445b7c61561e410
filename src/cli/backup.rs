//! `backup`, `backups`, `restore`, and the backup production `up` takes first: the options
//! resolved, the work done by [`crate::backup`], the result printed.

use super::args::{BackupsAction, Format, Global};
use super::confirm::confirmed;
use super::console::Console;
use super::error::CliError;
use super::render;
use crate::backup::{self, Backup, BackupError, Expiry, Reason, Request};
use crate::db::DatabaseUrl;
use crate::runner::{Environment, Migrator, RunOptions, UpTarget};
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

/// `restore FILE`: verify, confirm, save the current state, replace.
pub async fn restore(
    migrator: &Migrator,
    url: &DatabaseUrl,
    file: &Path,
    out: Option<PathBuf>,
    env: Environment,
    console: &Console,
    global: &Global,
) -> Result<(), CliError> {
    let metadata = backup::verify(file)?;
    backup::check_backend(file, &metadata, url)?;
    let restoring = version(metadata.schema_version.as_deref()).to_string();
    if env == Environment::Production {
        if !global.yes {
            return Err(BackupError::Refused(format!(
                "restore refused in production without --yes: it would replace every table of \
                 database '{}' with {} (schema version {restoring}); pass --yes to confirm",
                url.database(),
                file.display()
            ))
            .into());
        }
        console.err(format!(
            "production: restoring schema version {restoring} into database '{}'",
            url.database()
        ));
    } else if !confirmed(console, global.yes, "restore", url.database()) {
        return Err(BackupError::Refused(format!(
            "restore needs confirmation: type the database name '{}' when asked, or pass --yes",
            url.database()
        ))
        .into());
    }
    let dir = out.unwrap_or_else(backup::default_dir);
    let safety = migrator
        .locked("restore", async |session| {
            let safety = take(migrator, url, &dir, backup::DEFAULT_RETENTION_DAYS, Reason::BeforeRestore).await?;
            if global.format == Format::Text {
                console.err(format!("saved the current state to {} before restoring", safety.dump.display()));
            }
            backup::restore(session.connection(), url, file, &metadata)
                .await
                .map_err(|e| restore_failed(e, &safety))?;
            Ok::<_, CliError>(safety)
        })
        .await?;
    let saved = format!("saved the current state to {}", safety.dump.display());
    if global.format == Format::Json {
        render::json(
            console,
            &serde_json::json!({
                "restored": file,
                "database": url.database(),
                "schema_version": metadata.schema_version,
                "safety_backup": safety,
            }),
        );
    } else if !global.quiet {
        console.out(format!(
            "Restored {} into database '{}'; it is at schema version {restoring}; {saved}",
            file.display(),
            url.database()
        ));
    }
    Ok(())
}

/// A failed restore names the safety backup, which holds what was there before.
fn restore_failed(e: BackupError, safety: &Backup) -> CliError {
    match e {
        BackupError::ToolFailed { tool, status, stderr } => BackupError::ToolFailed {
            tool,
            status,
            stderr: format!("{stderr}; the state before the restore is in {}", safety.dump.display()),
        }
        .into(),
        other => other.into(),
    }
}

/// The backup production `up` takes: where, and what `up` is about to do.
pub struct UpBackup<'a> {
    pub dir: Option<PathBuf>,
    pub target: &'a UpTarget,
    pub options: &'a RunOptions,
}

/// Production `up`: a backup before the first migration, when there is something to apply,
/// unless `--no-backup`. A plan the runner would refuse takes no backup: `up` reports it.
pub async fn before_up(
    migrator: &Migrator,
    url: &DatabaseUrl,
    up: &UpBackup<'_>,
    console: &Console,
    global: &Global,
) -> Result<(), CliError> {
    match migrator.preview_up(up.target, up.options).await {
        Ok(planned) if !planned.is_empty() => {}
        _ => return Ok(()),
    }
    let dir = up.dir.clone().unwrap_or_else(backup::default_dir);
    let made = take(migrator, url, &dir, backup::DEFAULT_RETENTION_DAYS, Reason::BeforeUp).await?;
    let line = format!(
        "backed up database '{}' to {} before applying (schema version {})",
        url.database(),
        made.dump.display(),
        version(made.metadata.schema_version.as_deref())
    );
    // In JSON mode standard output holds one document, the report; the line goes to stderr.
    if global.format == Format::Json {
        console.err(line);
    } else if !global.quiet {
        console.out(line);
    }
    Ok(())
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
