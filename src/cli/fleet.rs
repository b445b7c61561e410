//! `--targets FILE` / `--targets-query SQL`: `up`, `down`, `status`, `check` and `lint` over many
//! databases or tenant schemas through [`crate::fleet`], with a progress bar on a terminal (a
//! line per finished target elsewhere), a summary table, or one JSON object per target.

use super::args::{Command, Format, Global};
use super::autogen::{self, Compare};
use super::console::Console;
use super::error::CliError;
use crate::db::{ConnectSettings, DEFAULT_URL, DatabaseUrl, Session};
use crate::fleet::{Done, Fleet, runner, FleetProgress, FleetReport, OnError, Outcome, Target, TargetReport, Tally, parse_targets, query_targets};
use crate::runner::{Migrator, RunOptions, blocking};
use crate::schema::EntitySet;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use sea_orm_migration::MigratorTrait;
use serde::Serialize;
use std::time::Duration;

/// What the application registers that a fleet's commands use.
pub struct Parts<'a> {
    pub entities: Option<&'a EntitySet>,
    pub tasks: &'a crate::task::Tasks,
}

/// Runs `command` over the targets `global` names.
pub async fn run<M: MigratorTrait>(
    command: Command,
    global: &Global,
    console: &Console,
    parts: Parts<'_>,
    configure: &(dyn Fn(Migrator) -> Migrator + Sync),
    options: RunOptions,
) -> Result<(), CliError> {
    let name = command_name(&command)?;
    let entities = parts.entities;
    let targets = targets(global, console).await?;
    let fleet = Fleet::new(targets)
        .parallel(usize::from(global.parallel))
        .on_error(if global.continue_on_error { OnError::Continue } else { OnError::Stop })
        .canary(global.canary.unwrap_or(0) as usize)
        .connect_timeout(Duration::from_secs(global.connect_timeout))
        .create_databases(matches!(command, Command::Up { create_database: true, .. }));
    let progress = Bar::new(console, global, fleet.targets().len());
    let report = match command {
        Command::Up { steps, to, .. } => fleet.up::<M>(&super::commands::up_target(steps, to), &options, configure, &progress).await,
        Command::Down { steps, to, .. } => fleet.down::<M>(&super::commands::down_target(steps, to), &options, configure, &progress).await,
        Command::Status => {
            let job = |session: Session, _: &Target| async move {
                let status = runner::<M>(session, configure)?.status().await.map_err(|e| e.to_string())?;
                Ok(Done { before: status.current.clone(), after: status.current, pending: status.pending.len(), ..Done::default() })
            };
            fleet.run(false, job, &progress).await
        }
        Command::Task { name: Some(task_name) } => {
            let task = super::commands::find_task(parts.tasks, &task_name)?;
            let job = |session: Session, _: &Target| async move {
                let migrator = runner::<M>(session, configure)?;
                migrator.run_task(task).await.map_err(|e| e.to_string())?;
                let current = migrator.quick_state().await.current;
                Ok(Done { before: current.clone(), after: current, ..Done::default() })
            };
            fleet.run(true, job, &progress).await
        }
        Command::Check { tables, strict } => {
            let entities = entities.ok_or(CliError::NoEntities)?;
            let job = |session: Session, _: &Target| {
                let request = Compare { entities: Some(entities), filter: tables.to_filter(), renames: Vec::new(), strict };
                async move {
                    let migrator = runner::<M>(session, configure)?;
                    autogen::differences(&migrator, &request).await.map_err(|e| e.to_string())?;
                    let current = migrator.quick_state().await.current;
                    Ok(Done { before: current.clone(), after: current, ..Done::default() })
                }
            };
            fleet.run(false, job, &progress).await
        }
        Command::Lint { version, all } => {
            let scope = super::commands::lint_scope(version, all);
            let job = |session: Session, _: &Target| {
                let scope = scope.clone();
                async move {
                    let migrator = runner::<M>(session, configure)?;
                    let findings = migrator.lint(&scope).await.map_err(|e| e.to_string())?;
                    let errors = blocking(&findings);
                    if !errors.is_empty() {
                        return Err(CliError::Lint { errors, findings, listed: false }.to_string());
                    }
                    let current = migrator.quick_state().await.current;
                    Ok(Done { before: current.clone(), after: current, ..Done::default() })
                }
            };
            fleet.run(false, job, &progress).await
        }
        _ => unreachable!("command_name admits only the commands above"),
    };
    progress.finish();
    render(console, global.format, global.quiet, name, &report);
    if report.succeeded() {
        return Ok(());
    }
    let error = CliError::Fleet {
        command: name,
        failed: report.count(Outcome::Failed),
        not_run: report.count(Outcome::NotRun),
        total: report.targets.len(),
        first: report.targets.iter().find(|t| t.outcome == Outcome::Failed).map(|t| format!("{}: {}", t.target, t.error.as_deref().unwrap_or(""))),
    };
    if global.format == Format::Json {
        return Err(CliError::Reported(error.exit_code()));
    }
    Err(error)
}

/// The command's name, for the commands a fleet runs.
fn command_name(command: &Command) -> Result<&'static str, CliError> {
    let refuse = |why: &str| Err(CliError::Usage(why.to_string()));
    match command {
        Command::Up { sql, .. } | Command::Down { sql, .. } if sql.sql => {
            refuse("--sql renders one database's migrations; drop --targets and give that database with -u")
        }
        Command::Up { .. } => Ok("up"),
        Command::Down { .. } => Ok("down"),
        Command::Status => Ok("status"),
        Command::Check { .. } => Ok("check"),
        Command::Lint { .. } => Ok("lint"),
        Command::Task { name: Some(_) } => Ok("task"),
        _ => refuse("--targets and --targets-query work with up, down, status, check, lint and task NAME"),
    }
}

/// The targets: the file's lines, or the rows of the query on the `-u` database.
async fn targets(global: &Global, console: &Console) -> Result<Vec<Target>, CliError> {
    if let Some(path) = &global.targets {
        let text = std::fs::read_to_string(path).map_err(|e| {
            CliError::Usage(format!("cannot read the targets file {}: {e}; check the path given to --targets", path.display()))
        })?;
        return parse_targets(&text, |name| std::env::var(name).ok()).map_err(CliError::Targets);
    }
    let sql = global.targets_query.as_deref().unwrap_or_default();
    let url = DatabaseUrl::parse(global.database_url.as_deref().unwrap_or(DEFAULT_URL))?;
    console.redact_with(&url);
    let settings = ConnectSettings { schema: None, create_schema: false, connect_timeout: Duration::from_secs(global.connect_timeout) };
    let db = crate::db::connect(&url, &settings).await.map_err(crate::runner::Error::from)?;
    let found = query_targets(&db, &url, sql).await.map_err(CliError::Targets);
    db.close().await.ok();
    found
}

/// The fleet's progress: a bar on a terminal, a line per finished target elsewhere, nothing
/// with `-q` or JSON.
struct Bar {
    console: Console,
    bar: Option<ProgressBar>,
    lines: bool,
}

impl Bar {
    fn new(console: &Console, global: &Global, total: usize) -> Bar {
        let shown = !global.quiet && global.format != Format::Json;
        let bar = (shown && console.stderr_is_terminal()).then(|| {
            let bar = ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr());
            let template = "{bar:30} {pos}/{len} targets, {msg} [{elapsed}, ETA {eta}]";
            bar.set_style(ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar()));
            bar.set_message("0 failed, 0 running");
            bar.enable_steady_tick(Duration::from_millis(250));
            bar
        });
        Bar { console: console.clone(), lines: shown && bar.is_none(), bar }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }

    fn show(&self, tally: Tally) {
        if let Some(bar) = &self.bar {
            bar.set_position(tally.finished as u64);
            bar.set_message(format!("{} failed, {} running", tally.failed, tally.running));
        }
    }
}

impl FleetProgress for Bar {
    fn started(&self, _target: &Target, tally: Tally) {
        self.show(tally);
    }

    fn finished(&self, report: &TargetReport, tally: Tally) {
        self.show(tally);
        if self.lines {
            self.console.err(format!("[{}/{}] {}", tally.finished, tally.total, line(report)));
        }
    }
}

/// One finished target on one line.
fn line(t: &TargetReport) -> String {
    let outcome = outcome_word(t.outcome);
    match &t.error {
        Some(error) => format!("{outcome} {}: {error}", t.target),
        None => format!("{outcome} {}: {} ({} migration(s), {} pending, {} ms)", t.target, versions(t), t.migrations, t.pending, t.ms),
    }
}

/// Where a target stands: `before -> after` when the command moved it, else its version.
fn versions(t: &TargetReport) -> String {
    match t.outcome {
        Outcome::NotRun | Outcome::Failed => String::new(),
        _ if t.before == t.after => version(&t.after).to_string(),
        _ => format!("{} -> {}", version(&t.before), version(&t.after)),
    }
}

fn outcome_word(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Ok => "ok",
        Outcome::AtHead => "at-head",
        Outcome::Failed => "failed",
        Outcome::NotRun => "not-run",
    }
}

fn version(v: &Option<String>) -> &str {
    v.as_deref().unwrap_or("base")
}

#[derive(Serialize)]
struct JsonReport<'a> {
    command: &'a str,
    ok: bool,
    total_ms: u64,
    counts: Counts,
    targets: &'a [TargetReport],
}

#[derive(Serialize)]
struct Counts {
    ok: usize,
    at_head: usize,
    failed: usize,
    not_run: usize,
}

/// The summary: a table and a line, or one JSON document.
fn render(console: &Console, format: Format, quiet: bool, command: &str, report: &FleetReport) {
    let counts = Counts {
        ok: report.count(Outcome::Ok),
        at_head: report.count(Outcome::AtHead),
        failed: report.count(Outcome::Failed),
        not_run: report.count(Outcome::NotRun),
    };
    if format == Format::Json {
        let doc = JsonReport { command, ok: report.succeeded(), total_ms: report.total_ms, counts, targets: &report.targets };
        super::render::json(console, &doc);
        return;
    }
    if quiet {
        return;
    }
    let rows: Vec<[String; 7]> = report
        .targets
        .iter()
        .map(|t| {
            [t.target.clone(), versions(t), t.migrations.to_string(), t.pending.to_string(), t.ms.to_string(), outcome_word(t.outcome).into(), t.error.clone().unwrap_or_default()]
        })
        .collect();
    let header = ["TARGET", "VERSION", "MIGRATIONS", "PENDING", "MS", "OUTCOME", "ERROR"].map(String::from);
    let mut widths = [0usize; 7];
    for row in std::iter::once(&header).chain(&rows) {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    for row in std::iter::once(&header).chain(&rows) {
        let cells: Vec<String> = row.iter().zip(widths).map(|(cell, w)| format!("{cell:<w$}")).collect();
        console.out(cells.join("  ").trim_end());
    }
    console.out(format!(
        "{command} over {} target(s): {} ok, {} at head, {} failed, {} not run, in {:.1} s",
        report.targets.len(),
        counts.ok,
        counts.at_head,
        counts.failed,
        counts.not_run,
        report.total_ms as f64 / 1000.0
    ));
}
