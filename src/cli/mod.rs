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
mod error;
mod generate;
mod render;

pub use args::Format;
pub use console::Console;
pub use error::{CliError, EXIT_FAILURE, EXIT_OK, EXIT_USAGE};
pub use generate::{Generated, generate, register};

use crate::schema::EntitySet;
use args::Cli;
use clap::Parser;
use sea_orm_migration::MigratorTrait;
use std::ffi::OsString;

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
    let _ = dotenvy::dotenv();
    let console = Console::terminal();
    let args: Vec<OsString> = std::env::args_os().collect();
    let code = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime.block_on(run_with::<M, _>(args, &console, entities.as_ref())),
        Err(e) => CliError::Runtime(e).report(&console, Format::Text),
    };
    std::process::exit(code)
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

/// As [`run`], with the application's entities.
pub async fn run_with<M, I>(args: I, console: &Console, entities: Option<&EntitySet>) -> i32
where
    M: MigratorTrait,
    I: IntoIterator,
    I::Item: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let text = e.render().to_string();
            if e.use_stderr() {
                console.err(text.trim_end());
            } else {
                console.out(text.trim_end());
            }
            return e.exit_code();
        }
    };
    let format = cli.global.format;
    match commands::dispatch::<M>(cli, console, entities).await {
        Ok(()) => EXIT_OK,
        Err(e) => e.report(console, format),
    }
}
