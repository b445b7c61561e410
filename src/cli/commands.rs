//! One function per command: resolve the options, call the runner, render the result.

use super::args::{Cli, Command, Format, Global, ResolveAsArg, SqlOnly};
use super::autogen::{self, Compare, Draft};
use super::confirm::confirmed;
use super::console::Console;
use super::error::CliError;
use super::render::{self, CliProgress};
use crate::db::{ConnectSettings, DEFAULT_URL, DatabaseUrl, Session};
use crate::lint::{Finding, Severity};
use crate::runner::{
    DownTarget, Environment, LintScope, Migrator, Offline, Preview, ResolveAs, RunOptions,
    StampTarget, UpTarget,
};
use crate::schema::EntitySet;
use sea_orm_migration::MigratorTrait;
use std::sync::Arc;
use std::time::Duration;

pub async fn dispatch<M: MigratorTrait>(
    cli: Cli,
    console: &Console,
    entities: Option<&EntitySet>,
) -> Result<(), CliError> {
    let global = cli.global;
    let env: Environment = global.env.parse().map_err(CliError::Usage)?;
    if let Command::Generate { name, dir } = &cli.command {
        let made = super::generate::generate(name, dir.as_deref(), chrono::Utc::now())?;
        if global.format == Format::Json {
            render::json(console, &made);
        } else if !global.quiet {
            console.out(format!(
                "Created {} and registered {} in {}",
                made.file.display(),
                made.version,
                made.lib.display()
            ));
        }
        return Ok(());
    }
    if let Command::Backups { dir, action } = &cli.command {
        return super::backup::backups(console, &global, dir.as_deref(), action.as_ref());
    }
    if let Command::Autogenerate { name, .. } = &cli.command {
        super::generate::check_name(name)?;
    }
    if let Some(previews) = offline_sql::<M>(&cli.command).await? {
        render::previews(console, global.format, &previews);
        return Ok(());
    }
    let url = DatabaseUrl::parse(global.database_url.as_deref().unwrap_or(DEFAULT_URL))?;
    console.redact_with(&url);
    if global.verbose {
        console.err(format!("connecting to {} ({})", url.masked(), url.backend()));
    }
    let sql_only = matches!(
        &cli.command,
        Command::Up { sql, .. } | Command::Down { sql, .. } if sql.sql
    );
    let writes = !sql_only && !matches!(
        cli.command,
        Command::Status
            | Command::Current
            | Command::History { .. }
            | Command::Check { .. }
            | Command::Autogenerate { .. }
            | Command::Backup { .. }
    );
    let migrator = connect::<M>(&global, writes, &url, env, console).await?;
    let format = global.format;
    let mut options = RunOptions {
        confirmed: global.yes,
        ..RunOptions::default()
    };
    match cli.command {
        Command::Up {
            steps,
            to,
            allow_out_of_order,
            allow_modified,
            allow_destructive,
            no_backup,
            backup_dir,
            sql,
        } => {
            options.allow_out_of_order = allow_out_of_order;
            options.allow_modified = allow_modified;
            let target = up_target(steps, to);
            if sql.sql {
                render::previews(console, format, &migrator.preview_up(&target, &options).await?);
                return Ok(());
            }
            if env == Environment::Production && !allow_destructive {
                lint_gate(&migrator).await?;
            }
            if env == Environment::Production && !no_backup {
                let backup = super::backup::UpBackup { dir: backup_dir, target: &target, options: &options };
                super::backup::before_up(&migrator, &url, &backup, console, &global).await?;
            }
            let report = migrator.up(&target, &options).await?;
            summarise(console, &global, "up", &report);
        }
        Command::Down { steps, to, sql } => {
            let target = down_target(steps, to);
            if sql.sql {
                render::previews(console, format, &migrator.preview_down(&target).await?);
                return Ok(());
            }
            let report = migrator.down(&target, &options).await?;
            summarise(console, &global, "down", &report);
        }
        Command::Status => render::status(console, format, &migrator.status().await?),
        Command::Current => render::current(console, format, &migrator.status().await?),
        Command::History { limit } => {
            render::history(console, format, &migrator.history(limit).await?)
        }
        Command::Stamp { version } => {
            let target = match version.as_str() {
                "base" => StampTarget::Base,
                _ => StampTarget::Version(version),
            };
            let report = migrator.stamp(&target).await?;
            summarise(console, &global, "stamp", &report);
        }
        Command::Resolve {
            version,
            resolve_as,
        } => {
            let resolve_as = match resolve_as {
                ResolveAsArg::Applied => ResolveAs::Applied,
                ResolveAsArg::Pending => ResolveAs::Pending,
            };
            let report = migrator.resolve(&version, resolve_as).await?;
            summarise(console, &global, "resolve", &report);
        }
        Command::Fresh | Command::Refresh | Command::Reset => {
            let name = match cli.command {
                Command::Fresh => "fresh",
                Command::Refresh => "refresh",
                _ => "reset",
            };
            if env != Environment::Production {
                options.confirmed = confirmed(console, global.yes, name, url.database());
            }
            let report = match name {
                "fresh" => migrator.fresh(&options).await?,
                "refresh" => migrator.refresh(&options).await?,
                _ => migrator.reset(&options).await?,
            };
            summarise(console, &global, name, &report);
        }
        Command::Lint { version, all } => {
            let scope = match (version, all) {
                (Some(version), _) => LintScope::Version(version),
                (None, true) => LintScope::All,
                (None, false) => LintScope::Pending,
            };
            let findings = migrator.lint(&scope).await?;
            let errors = blocking(&findings);
            let listed = format == Format::Text;
            if listed || errors.is_empty() {
                render::findings(console, format, &findings);
            }
            if !errors.is_empty() {
                return Err(CliError::Lint { errors, findings, production: false, listed });
            }
        }
        Command::Check { tables } => {
            let request = Compare { entities, filter: tables.to_filter(), renames: Vec::new() };
            autogen::check(&migrator, &request, console, format).await?;
        }
        Command::Autogenerate { name, preview, renames, dir, tables } => {
            let request = Compare { entities, filter: tables.to_filter(), renames };
            let draft = Draft { name: &name, preview, dir: dir.as_deref(), interactive: !global.yes };
            autogen::autogenerate(&migrator, request, &draft, console, format).await?;
        }
        Command::Backup { out, keep_days } => {
            super::backup::backup(&migrator, &url, out, keep_days, console, &global).await?;
        }
        Command::Restore { file, out } => {
            super::backup::restore(&migrator, &url, &file, out, env, console, &global).await?;
        }
        Command::Generate { .. } | Command::Backups { .. } => {}
    }
    Ok(())
}

/// Error-level findings that are not acknowledged.
fn blocking(findings: &[Finding]) -> Vec<Finding> {
    findings
        .iter()
        .filter(|f| f.severity == Severity::Error && !f.acknowledged)
        .cloned()
        .collect()
}

/// In production, `up` refuses pending migrations with blocking lint findings.
async fn lint_gate(migrator: &Migrator) -> Result<(), CliError> {
    let findings = migrator.lint(&LintScope::Pending).await?;
    let errors = blocking(&findings);
    if errors.is_empty() {
        return Ok(());
    }
    Err(CliError::Lint { errors, findings, production: true, listed: false })
}

fn up_target(steps: Option<u32>, to: Option<String>) -> UpTarget {
    match (steps, to) {
        (Some(n), _) => UpTarget::Steps(n),
        (None, Some(version)) => UpTarget::To(version),
        (None, None) => UpTarget::All,
    }
}

fn down_target(steps: Option<u32>, to: Option<String>) -> DownTarget {
    match (steps, to) {
        (Some(n), _) => DownTarget::Steps(n),
        (None, Some(base)) if base == "base" => DownTarget::Base,
        (None, Some(version)) => DownTarget::To(version),
        (None, None) => DownTarget::Steps(1),
    }
}

/// `up --sql --backend B` and `down --sql --backend B`: rendered without any database.
async fn offline_sql<M: MigratorTrait>(command: &Command) -> Result<Option<Vec<Preview>>, CliError> {
    let previews = match command {
        Command::Up { steps, to, sql: SqlOnly { sql: true, backend: Some(backend) }, .. } => {
            Offline::new::<M>((*backend).into())?.preview_up(&up_target(*steps, to.clone())).await?
        }
        Command::Down { steps, to, sql: SqlOnly { sql: true, backend: Some(backend) } } => {
            Offline::new::<M>((*backend).into())?.preview_down(&down_target(*steps, to.clone())).await?
        }
        _ => return Ok(None),
    };
    Ok(Some(previews))
}

async fn connect<M: MigratorTrait>(
    global: &Global,
    writes: bool,
    url: &DatabaseUrl,
    env: Environment,
    console: &Console,
) -> Result<Migrator, CliError> {
    let settings = ConnectSettings {
        schema: global.database_schema.clone(),
        create_schema: writes,
        connect_timeout: Duration::from_secs(global.connect_timeout),
    };
    let session = Session::open(url, &settings)
        .await
        .map_err(crate::runner::Error::from)?;
    let progress = CliProgress {
        console: console.clone(),
        quiet: global.quiet || global.format == Format::Json,
    };
    let limits = crate::runner::DdlLimits {
        lock_timeout: (global.ddl_lock_timeout > 0).then(|| Duration::from_secs(global.ddl_lock_timeout)),
        retries: global.ddl_retries,
        statement_timeout: global.statement_timeout.map(Duration::from_secs),
    };
    Ok(Migrator::new::<M>(session)?
        .environment(env)
        .lock_timeout(Duration::from_secs(global.lock_timeout))
        .ddl_limits(limits)
        .progress(Arc::new(progress)))
}

fn summarise(console: &Console, global: &Global, command: &str, report: &crate::runner::Report) {
    if !global.quiet || global.format == Format::Json {
        render::report(console, global.format, command, report);
    }
}
