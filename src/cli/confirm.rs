//! Asking a person to confirm a destructive command by typing the database's name.

use super::console::Console;
use std::io::{BufRead, IsTerminal};

/// Whether the user confirmed: `--yes`, or the database name typed on a terminal. Without a
/// terminal and without `--yes` the answer is no, and the runner's refusal says what to do.
pub fn confirmed(console: &Console, yes: bool, command: &str, database: &str) -> bool {
    if yes {
        return true;
    }
    if !std::io::stdin().is_terminal() {
        return false;
    }
    console.err(format!(
        "`{command}` destroys data in database '{database}'. Type the database name to continue:"
    ));
    let mut answer = String::new();
    if std::io::stdin().lock().read_line(&mut answer).is_err() {
        return false;
    }
    let ok = answer.trim() == database;
    if !ok {
        console.err("the name did not match; nothing was changed");
    }
    ok
}

/// Asks a yes/no question on a terminal; no terminal, or anything but `y`/`yes`, is no.
pub fn ask_yes_no(console: &Console, question: &str) -> bool {
    if !std::io::stdin().is_terminal() {
        return false;
    }
    console.err(format!("{question} [y/N]"));
    let mut answer = String::new();
    if std::io::stdin().lock().read_line(&mut answer).is_err() {
        return false;
    }
    matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes")
}
