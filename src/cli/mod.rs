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
    start::<M>(None)
}

/// As [`main`], with the application's entities, which `autogenerate` and `check` compare the
/// database with.
pub fn main_with_entities<M: MigratorTrait>(entities: EntitySet) -> ! {
    start::<M>(Some(entities))
}

fn start<M: MigratorTrait>(entities: Option<EntitySet>) -> ! {
    let args: Vec<OsString> = std::env::args_os().collect();
    std::process::exit(run_process::<M>(args, entities))
}

/// Everything `main` does but exit: reads `.env` (whole, or the command does not run), parses
/// `args` (`args[0]` is the program name), runs the command on a runtime of its own, and
/// returns the exit code.
pub fn run_process<M: MigratorTrait>(args: Vec<OsString>, entities: Option<EntitySet>) -> i32 {
    let console = Console::terminal();
    if let Err(e) = env_file::load() {
        return CliError::EnvFile(e).report(&console, requested_format(&args));
    }
    match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime.block_on(run_with::<M, _>(args, &console, entities.as_ref())),
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
    match Box::pin(commands::dispatch::<M>(cli, console, entities)).await {
        Ok(()) => EXIT_OK,
        Err(e) => e.report(console, format),
    }
}
