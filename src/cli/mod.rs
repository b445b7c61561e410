//! The command line a migration crate's `main.rs` hands over to:
//!
//! ```text
//! fn main() { seamigrate::cli::main::<migration::Migrator>() }
//! // or, so that `autogenerate` and `check` can compare the database with the entities:
//! fn main() { seamigrate::cli::main_with_entities::<migration::Migrator>(migration::entities()) }
//! ```

mod args;
mod autogen;
mod backup;
mod commands;
mod confirm;
mod console;
mod env_file;
mod error;
mod fleet;
mod generate;
mod init;
mod progress;
mod render;

pub use args::Format;
pub use console::Console;
pub use env_file::EnvFileError;
pub use error::{CliError, EXIT_FAILURE, EXIT_OK, EXIT_USAGE};
pub use generate::{Generated, generate, register};
pub use init::{InitError, InitOptions, Initialised, init};

use crate::schema::EntitySet;
use crate::task::Tasks;
use args::Cli;
use clap::Parser;
use sea_orm_migration::MigratorTrait;
use std::ffi::OsString;

/// The migrations of the standalone `seamigrate` program: none (a project's own `migration`
/// binary has its migrations).
pub struct NoMigrations;

impl MigratorTrait for NoMigrations {
    fn migrations() -> Vec<Box<dyn sea_orm_migration::MigrationTrait>> {
        Vec::new()
    }
}

/// Parses the process's arguments, runs the command, and exits with its code.
pub fn main<M: MigratorTrait>() -> ! {
    start::<M>(App::default())
}

/// As [`main`], with the application's entities, which `autogenerate` and `check` compare the
/// database with.
pub fn main_with_entities<M: MigratorTrait>(entities: EntitySet) -> ! {
    start::<M>(App { entities: Some(entities), tasks: Tasks::new() })
}

/// As [`main`], with what the application registers: its entities and its tasks (`task NAME`).
pub fn main_with_app<M: MigratorTrait>(app: App) -> ! {
    start::<M>(app)
}

/// What an application registers with the CLI besides its migrations.
#[derive(Default)]
pub struct App {
    /// The entities `autogenerate` and `check` compare the database with.
    pub entities: Option<EntitySet>,
    /// The tasks `task NAME` runs.
    pub tasks: Tasks,
}

fn start<M: MigratorTrait>(app: App) -> ! {
    let args: Vec<OsString> = std::env::args_os().collect();
    std::process::exit(run_app_process::<M>(args, &app))
}

/// Everything `main` does but exit: reads `.env` (whole, or the command does not run), parses
/// `args` (`args[0]` is the program name), runs the command on a runtime of its own, and
/// returns the exit code.
pub fn run_process<M: MigratorTrait>(args: Vec<OsString>, entities: Option<EntitySet>) -> i32 {
    run_app_process::<M>(args, &App { entities, tasks: Tasks::new() })
}

/// As [`run_process`], with everything the application registers.
pub fn run_app_process<M: MigratorTrait>(args: Vec<OsString>, app: &App) -> i32 {
    let console = Console::terminal();
    if let Err(e) = env_file::load() {
        return CliError::EnvFile(e).report(&console, requested_format(&args));
    }
    match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime.block_on(run_app::<M, _>(args, &console, app)),
        Err(e) => CliError::Runtime(e).report(&console, requested_format(&args)),
    }
}

/// The `--format` asked for, read before clap parses anything (to report a `.env` error in it).
fn requested_format(args: &[OsString]) -> Format {
    let json = args.windows(2).any(|w| w[0] == "--format" && w[1] == "json")
        || args.iter().any(|a| a == "--format=json");
    if json { Format::Json } else { Format::Text }
}

/// The command line's definition, for shell completions, manual pages or checks of its flags.
pub fn command() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
}

/// Runs one command line (`args[0]` is the program name) and returns its exit code. Output
/// goes to `console`; tests pass a buffered one.
pub async fn run<M, I>(args: I, console: &Console) -> i32
where
    M: MigratorTrait,
    I: IntoIterator,
    I::Item: Into<OsString> + Clone,
{
    run_with::<M, I>(args, console, None).await
}

/// `text` with every URL among `args` masked: clap echoes an argument it cannot place as it
/// was typed, and a URL typed where no URL belongs still holds a password.
fn mask_arguments(text: &str, args: &[OsString]) -> String {
    let mut out = text.to_string();
    for arg in args.iter().filter_map(|a| a.to_str()) {
        if let Some(at) = arg.find("://") {
            let start = arg[..at]
                .char_indices()
                .rev()
                .find(|(_, c)| !(c.is_ascii_alphanumeric() || "+-.".contains(*c)))
                .map_or(0, |(i, c)| i + c.len_utf8());
            let url = &arg[start..];
            out = out.replace(url, &crate::db::mask_password(url));
        }
    }
    out
}

/// As [`run`], with the application's entities.
pub async fn run_with<M, I>(args: I, console: &Console, entities: Option<&EntitySet>) -> i32
where
    M: MigratorTrait,
    I: IntoIterator,
    I::Item: Into<OsString> + Clone,
{
    Box::pin(run_parts::<M, I>(args, console, entities, &Tasks::new())).await
}

/// As [`run`], with everything the application registers.
pub async fn run_app<M, I>(args: I, console: &Console, app: &App) -> i32
where
    M: MigratorTrait,
    I: IntoIterator,
    I::Item: Into<OsString> + Clone,
{
    Box::pin(run_parts::<M, I>(args, console, app.entities.as_ref(), &app.tasks)).await
}

async fn run_parts<M, I>(args: I, console: &Console, entities: Option<&EntitySet>, tasks: &Tasks) -> i32
where
    M: MigratorTrait,
    I: IntoIterator,
    I::Item: Into<OsString> + Clone,
{
    let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(e) => {
            let text = mask_arguments(&e.render().to_string(), &args);
            if e.use_stderr() {
                console.err(text.trim_end());
            } else {
                console.out(text.trim_end());
            }
            return e.exit_code();
        }
    };
    let format = cli.global.format;
    // Boxed: the command futures nest deeply, and a box keeps callers' futures (a test's, an
    // application's) within the compiler's query depth limit.
    match Box::pin(commands::dispatch::<M>(cli, console, entities, tasks)).await {
        Ok(()) => EXIT_OK,
        Err(e) => e.report(console, format),
    }
}
