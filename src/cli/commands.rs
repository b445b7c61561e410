//! One function per command: map the flags to the runner's options, call it, render the result.
//! Policy (what production refuses, the backup before `up`) is the runner's; the CLI only asks
//! the questions a terminal can answer.

use super::args::{Cli, Command, DatabaseAction, Format, Global, ResolveAsArg, SchemaSource, SqlOnly, TableFilter};
use super::autogen::{self, Compare, Draft};
use super::confirm::confirmed;
use super::console::Console;
use super::error::CliError;
use super::progress::CliProgress;
use super::render;
use crate::db::{ConnectSettings, DEFAULT_URL, DatabaseUrl, Session};
use crate::diff::Rename;
use crate::runner::{
    BackupChoice, DdlLimits, DownTarget, Environment, LintScope, Migrator, Offline, Preview, Report, ResolveAs,
    RunOptions, StampTarget, UpTarget, blocking,
};
use crate::schema::EntitySet;
use crate::task::Tasks;
use sea_orm_migration::MigratorTrait;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

pub async fn dispatch<M: MigratorTrait>(
    cli: Cli,
    console: &Console,
    entities: Option<&EntitySet>,
    tasks: &Tasks,
) -> Result<(), CliError> {
    let global = cli.global;
    let env: Environment = global.env.parse().map_err(CliError::Usage)?;
    let diagrams = matches!(cli.command, Command::Schema { .. } | Command::Autogenerate { preview: true, .. });
    if global.format.is_diagram() && !diagrams {
        return Err(CliError::Usage(
            "--format mermaid and --format dot are for `schema` and `autogenerate --preview`; use text or json here".into(),
        ));
    }
    match cli.command {
        Command::Generate { name, dir } => generate(&global, console, &name, dir),
        Command::Init { dir, seamigrate_path } => init(&global, console, dir, seamigrate_path),
        Command::Schema { from, tables } if source(from, entities) == SchemaSource::Entities => {
            let entities = entities.ok_or(CliError::NoEntities)?;
            let backend = target_url(&global, console)?.backend();
            let schema = tables.to_filter().apply(entities.schema(backend));
            print_schema(console, global.format, &schema);
            Ok(())
        }
        Command::Task { name: None } => {
            render::tasks(console, global.format, tasks);
            Ok(())
        }
        Command::Backups { dir, action } => super::backup::backups(console, &global, dir.as_deref(), action.as_ref()),
        // Boxed, as the other arms: one future per command keeps the type of `run` shallow
        // enough for the compiler's query depth limit.
        Command::Database { action } => Box::pin(database(&global, env, console, action)).await,
        command => {
            if let Command::Autogenerate { name, .. } | Command::Baseline { name, .. } = &command {
                super::generate::check_name(name)?;
            }
            if global.targets.is_some() || global.targets_query.is_some() {
                let options = run_options(&global, &command);
                let configure = |m: Migrator| configured(m, &global, env);
                let parts = super::fleet::Parts { entities, tasks };
                return Box::pin(super::fleet::run::<M>(command, &global, console, parts, &configure, options)).await;
            }
            if let Some(previews) = Box::pin(offline_sql::<M>(&command)).await? {
                render::previews(console, global.format, &previews);
                return Ok(());
            }
            if matches!(command, Command::Up { create_database: true, .. }) {
                let url = target_url(&global, console)?;
                if crate::runner::create_database(&url, &settings(&global, true)).await? && !global.quiet {
                    console.err(format!("created database '{}'", url.database_shown()));
                }
            }
            let cx = Box::pin(Context::connect::<M>(global, env, &command, console)).await?;
            Box::pin(cx.run(command, entities, tasks)).await
        }
    }
}

/// A command's connection, runner and output.
struct Context<'a> {
    global: Global,
    env: Environment,
    console: &'a Console,
    url: DatabaseUrl,
    migrator: Migrator,
    progress: Arc<CliProgress>,
}

impl<'a> Context<'a> {
    async fn connect<M: MigratorTrait>(
        global: Global,
        env: Environment,
        command: &Command,
        console: &'a Console,
    ) -> Result<Context<'a>, CliError> {
        let url = target_url(&global, console)?;
        let settings = settings(&global, writes(command));
        let session = match global.wait_for_db {
            Some(wait) => {
                let report = |err: &crate::db::ConnectError, waited: Duration| {
                    console.err(format!(
                        "waiting for the database ({}s of {wait}s): {}",
                        waited.as_secs(),
                        err.reason
                    ));
                };
                crate::db::wait::retrying(Duration::from_secs(wait), &report, || Session::open(&url, &settings)).await
            }
            None => Session::open(&url, &settings).await,
        }
        .map_err(crate::runner::Error::from)?;
        let progress = Arc::new(CliProgress::new(console.clone(), global.quiet, global.format == Format::Json));
        let migrator = configured(Migrator::new::<M>(session)?, &global, env).progress(progress.clone());
        Ok(Context { global, env, console, url, migrator, progress })
    }

    async fn run(self, command: Command, entities: Option<&EntitySet>, tasks: &Tasks) -> Result<(), CliError> {
        match command {
            Command::Task { name } => self.task(name.as_deref().unwrap_or_default(), tasks).await,
            Command::Up { .. } => {
                let options = run_options(&self.global, &command);
                let Command::Up { steps, to, sql, .. } = command else { return Ok(()) };
                self.up(up_target(steps, to), &options, &sql).await
            }
            Command::Down { steps, to, sql } => self.down(down_target(steps, to), &sql).await,
            Command::Status => {
                render::status(self.console, self.global.format, &self.migrator.status().await?);
                Ok(())
            }
            Command::Current => {
                render::current(self.console, self.global.format, &self.migrator.status().await?);
                Ok(())
            }
            Command::History { limit } => {
                render::history(self.console, self.global.format, &self.migrator.history(limit).await?);
                Ok(())
            }
            Command::Stamp { version } => self.stamp(version).await,
            Command::Resolve { version, resolve_as } => self.resolve(&version, resolve_as).await,
            Command::Fresh => self.wipe("fresh").await,
            Command::Refresh => self.wipe("refresh").await,
            Command::Reset => self.wipe("reset").await,
            Command::Lint { version, all } => self.lint(version, all).await,
            Command::Check { tables, strict } => self.check(entities, &tables, strict).await,
            Command::Autogenerate { name, preview, renames, dir, tables } => {
                self.autogenerate(entities, &name, preview, renames, dir, &tables).await
            }
            Command::Backup { out, keep_days } => {
                super::backup::backup(&self.migrator, &self.url, out, keep_days, self.console, &self.global).await
            }
            Command::Restore { file, out } => self.restore(file, out).await,
            Command::Schema { tables, .. } => {
                let live = crate::schema::discover(self.migrator.connection(), &tables.to_filter())
                    .await
                    .map_err(|e| CliError::Schema(e.to_string()))?;
                print_schema(self.console, self.global.format, &live);
                Ok(())
            }
            Command::Baseline { name, preview, dir, tables } => {
                let draft = Draft { name: &name, preview, dir: dir.as_deref(), interactive: false };
                autogen::baseline(&self.migrator, &tables.to_filter(), &draft, self.console, self.global.format).await
            }
            Command::Generate { .. } | Command::Backups { .. } | Command::Database { .. } | Command::Init { .. } => Ok(()),
        }
    }

    fn options(&self) -> RunOptions {
        RunOptions { confirmed: self.global.yes, ..RunOptions::default() }
    }

    async fn up(&self, target: UpTarget, options: &RunOptions, sql: &SqlOnly) -> Result<(), CliError> {
        if sql.sql {
            render::previews(self.console, self.global.format, &self.migrator.preview_up(&target, options).await?);
            return Ok(());
        }
        let result = self.migrator.up(&target, options).await;
        self.finish("up", result)
    }

    async fn down(&self, target: DownTarget, sql: &SqlOnly) -> Result<(), CliError> {
        if sql.sql {
            render::previews(self.console, self.global.format, &self.migrator.preview_down(&target).await?);
            return Ok(());
        }
        let result = self.migrator.down(&target, &self.options()).await;
        self.finish("down", result)
    }

    async fn stamp(&self, version: String) -> Result<(), CliError> {
        let target = match version.as_str() {
            "base" => StampTarget::Base,
            _ => StampTarget::Version(version),
        };
        let result = self.migrator.stamp(&target).await;
        self.finish("stamp", result)
    }

    async fn resolve(&self, version: &str, resolve_as: ResolveAsArg) -> Result<(), CliError> {
        let resolve_as = match resolve_as {
            ResolveAsArg::Applied => ResolveAs::Applied,
            ResolveAsArg::Pending => ResolveAs::Pending,
        };
        let result = self.migrator.resolve(version, resolve_as).await;
        self.finish("resolve", result)
    }

    /// `fresh`, `refresh`, `reset`: outside production, a terminal is asked for the name.
    async fn wipe(&self, name: &'static str) -> Result<(), CliError> {
        let mut options = self.options();
        if self.env != Environment::Production {
            options.confirmed = confirmed(self.console, self.global.yes, name, &self.url.database_shown());
        }
        let result = match name {
            "fresh" => self.migrator.fresh(&options).await,
            "refresh" => self.migrator.refresh(&options).await,
            _ => self.migrator.reset(&options).await,
        };
        self.finish(name, result)
    }

    async fn lint(&self, version: Option<String>, all: bool) -> Result<(), CliError> {
        let scope = lint_scope(version, all);
        let findings = self.migrator.lint(&scope).await?;
        let errors = blocking(&findings);
        let listed = self.global.format == Format::Text;
        if listed || errors.is_empty() {
            render::findings(self.console, self.global.format, &findings);
        }
        if !errors.is_empty() {
            return Err(CliError::Lint { errors, findings, listed });
        }
        Ok(())
    }

    async fn task(&self, name: &str, tasks: &Tasks) -> Result<(), CliError> {
        let task = find_task(tasks, name)?;
        let report = self.migrator.run_task(task).await?;
        render::task(self.console, self.global.format, &report);
        Ok(())
    }

    async fn check(&self, entities: Option<&EntitySet>, tables: &TableFilter, strict: bool) -> Result<(), CliError> {
        let request = Compare { entities, filter: tables.to_filter(), renames: Vec::new(), strict };
        autogen::check(&self.migrator, &request, self.console, self.global.format).await
    }

    async fn autogenerate(
        &self,
        entities: Option<&EntitySet>,
        name: &str,
        preview: bool,
        renames: Vec<Rename>,
        dir: Option<PathBuf>,
        tables: &TableFilter,
    ) -> Result<(), CliError> {
        let request = Compare { entities, filter: tables.to_filter(), renames, strict: false };
        let draft = Draft { name, preview, dir: dir.as_deref(), interactive: !self.global.yes };
        autogen::autogenerate(&self.migrator, request, &draft, self.console, self.global.format).await
    }

    /// `restore FILE`: outside production a terminal is asked for the name; the runner does the
    /// rest (and refuses in production without `--yes`).
    async fn restore(&self, file: PathBuf, out: Option<PathBuf>) -> Result<(), CliError> {
        let database = self.url.database_shown();
        let confirmed = self.global.yes
            || (self.env != Environment::Production && confirmed(self.console, false, "restore", &database));
        let options = crate::runner::RestoreOptions { confirmed, safety_dir: out };
        let restored = self.migrator.restore(&file, &options).await?;
        let version = restored.schema_version.as_deref().unwrap_or("base");
        if self.global.format == Format::Json {
            render::json(self.console, &restored);
        } else if !self.global.quiet {
            self.console.out(format!(
                "Restored {} into database '{database}'; it is at schema version {version}; saved the \
                 current state to {}",
                file.display(),
                restored.safety_backup.dump.display()
            ));
        }
        Ok(())
    }

    /// Prints what a command that runs migrations did; with `--format json`, what it did before
    /// it failed too, with the error, in one document.
    fn finish(&self, command: &str, result: Result<Report, crate::runner::Error>) -> Result<(), CliError> {
        match result {
            Ok(report) => {
                if !self.global.quiet || self.global.format == Format::Json {
                    render::report(self.console, self.global.format, command, &report);
                }
                Ok(())
            }
            Err(err) if self.global.format == Format::Json => {
                let err = CliError::from(err);
                let steps = self.progress.done();
                render::json(
                    self.console,
                    &serde_json::json!({ "command": command, "steps": steps, "error": err.json() }),
                );
                Err(CliError::Reported(err.exit_code()))
            }
            Err(err) => Err(err.into()),
        }
    }
}

/// The task `name` among the application's, or an error listing them.
pub(super) fn find_task<'t>(tasks: &'t Tasks, name: &str) -> Result<&'t dyn crate::task::Task, CliError> {
    tasks.get(name).ok_or_else(|| {
        let known = tasks.iter().map(|t| t.name().to_string()).collect();
        CliError::Run(crate::runner::Error::UnknownTask { given: crate::db::shorten(name, 80), known })
    })
}

/// Where `schema` reads from: as asked, else the entities when the binary registers them.
fn source(from: Option<SchemaSource>, entities: Option<&EntitySet>) -> SchemaSource {
    from.unwrap_or(if entities.is_some() { SchemaSource::Entities } else { SchemaSource::Database })
}

/// `schema` in the output format asked for.
fn print_schema(console: &Console, format: Format, schema: &crate::schema::Schema) {
    match render::diagram_format(format) {
        Some(diagram) => console.out(crate::schema::diagram::render(schema, diagram).trim_end()),
        None => render::json(console, schema),
    }
}

/// The URL the command works on (masked in all output from here on).
fn target_url(global: &Global, console: &Console) -> Result<DatabaseUrl, CliError> {
    let url = DatabaseUrl::parse(global.database_url.as_deref().unwrap_or(DEFAULT_URL))?;
    console.redact_with(&url);
    if global.verbose {
        console.err(format!("connecting to {} ({})", url.masked(), url.backend()));
    }
    Ok(url)
}

fn settings(global: &Global, writes: bool) -> ConnectSettings {
    ConnectSettings {
        schema: global.database_schema.clone(),
        create_schema: writes,
        connect_timeout: Duration::from_secs(global.connect_timeout),
    }
}

/// `database create` / `database drop`: on the server, without a migration run.
async fn database(global: &Global, env: Environment, console: &Console, action: DatabaseAction) -> Result<(), CliError> {
    let url = target_url(global, console)?;
    let settings = settings(global, false);
    let name = url.database_shown();
    let (verb, done) = match action {
        DatabaseAction::Create => ("created", crate::runner::create_database(&url, &settings).await?),
        DatabaseAction::Drop => {
            let yes = env != Environment::Production && confirmed(console, global.yes, "database drop", &name);
            ("dropped", crate::runner::drop_database(&url, &settings, env, yes).await?)
        }
    };
    if global.format == Format::Json {
        let json = serde_json::json!({ "database": url.database(), "action": verb, "changed": done });
        render::json(console, &json);
    } else if !global.quiet {
        let what = match (done, action) {
            (true, _) => format!("{verb} database '{name}'"),
            (false, DatabaseAction::Create) => format!("database '{name}' already exists; nothing was changed"),
            (false, DatabaseAction::Drop) => format!("database '{name}' does not exist; nothing was changed"),
        };
        console.out(what);
    }
    Ok(())
}

/// `init`: the migration crate for this project, created or converted; needs no database.
fn init(global: &Global, console: &Console, dir: Option<PathBuf>, seamigrate_path: Option<PathBuf>) -> Result<(), CliError> {
    let root = dir.unwrap_or_else(|| PathBuf::from("."));
    let done = super::init::init(&super::init::InitOptions { root, seamigrate_path })?;
    if global.format == Format::Json {
        render::json(console, &done);
        return Ok(());
    }
    if global.quiet {
        return Ok(());
    }
    let what = if done.converted { "Converted the stock migration crate" } else { "Created the migration crate" };
    console.out(format!("{what}; {} entit{} registered:", done.entities.len(), if done.entities.len() == 1 { "y" } else { "ies" }));
    for path in &done.created {
        console.out(format!("  created {}", path.display()));
    }
    for path in &done.changed {
        console.out(format!("  changed {}", path.display()));
    }
    console.out("Next: `cargo run -p migration -- up`, then `cargo run -p migration -- check`");
    Ok(())
}

fn generate(global: &Global, console: &Console, name: &str, dir: Option<PathBuf>) -> Result<(), CliError> {
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
    Ok(())
}

/// Whether `command` may change the database (and so may create the `-s` schema).
fn writes(command: &Command) -> bool {
    match command {
        Command::Up { sql, .. } | Command::Down { sql, .. } => !sql.sql,
        Command::Status
        | Command::Current
        | Command::History { .. }
        | Command::Check { .. }
        | Command::Autogenerate { .. }
        | Command::Backup { .. } => false,
        _ => true,
    }
}

/// What `lint` reads: one version, every migration, or the pending ones.
pub(super) fn lint_scope(version: Option<String>, all: bool) -> LintScope {
    match (version, all) {
        (Some(version), _) => LintScope::Version(version),
        (None, true) => LintScope::All,
        (None, false) => LintScope::Pending,
    }
}

/// The run's options from the flags: `up`'s own, `--yes` for every command.
fn run_options(global: &Global, command: &Command) -> RunOptions {
    let base = RunOptions { confirmed: global.yes, ..RunOptions::default() };
    let Command::Up { allow_out_of_order, allow_modified, allow_destructive, no_backup, backup_dir, .. } = command else {
        return base;
    };
    let backup = match (no_backup, backup_dir) {
        (true, _) => BackupChoice::Skip,
        (false, Some(dir)) => BackupChoice::Dir(dir.clone()),
        (false, None) => BackupChoice::DefaultDir,
    };
    RunOptions { allow_out_of_order: *allow_out_of_order, allow_modified: *allow_modified, allow_destructive: *allow_destructive, backup, ..base }
}

/// `migrator` with the environment and the lock and DDL limits the flags give.
fn configured(migrator: Migrator, global: &Global, env: Environment) -> Migrator {
    let limits = DdlLimits {
        lock_timeout: (global.ddl_lock_timeout > 0).then(|| Duration::from_secs(global.ddl_lock_timeout)),
        retries: global.ddl_retries,
        statement_timeout: global.statement_timeout.map(Duration::from_secs),
    };
    migrator.environment(env).lock_timeout(Duration::from_secs(global.lock_timeout)).ddl_limits(limits)
}

pub(super) fn up_target(steps: Option<u32>, to: Option<String>) -> UpTarget {
    match (steps, to) {
        (Some(n), _) => UpTarget::Steps(n),
        (None, Some(version)) => UpTarget::To(version),
        (None, None) => UpTarget::All,
    }
}

pub(super) fn down_target(steps: Option<u32>, to: Option<String>) -> DownTarget {
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
