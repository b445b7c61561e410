//! The command line a migration crate's `main.rs` hands over to:
//!
//! ```text
//! fn main() { seamigrate::cli::main::<migration::Migrator>() }
//! ```

mod args;
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

use args::Cli;
use clap::Parser;
use sea_orm_migration::MigratorTrait;
use std::ffi::OsString;

/// Parses the process's arguments, runs the command, and exits with its code.
pub fn main<M: MigratorTrait>() -> ! {
    let _ = dotenvy::dotenv();
    let console = Console::terminal();
    let args: Vec<OsString> = std::env::args_os().collect();
    let code = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime.block_on(run::<M, _>(args, &console)),
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
    match commands::dispatch::<M>(cli, console).await {
        Ok(()) => EXIT_OK,
        Err(e) => e.report(console, format),
    }
}
