//! Asking a person: to confirm a destructive command by typing the database's name, or a
//! yes/no question.

use super::console::Console;

/// Whether the user confirmed: `--yes`, or the database name typed on a terminal. Without a
/// terminal and without `--yes` the answer is no, and the runner's refusal says what to do.
pub fn confirmed(console: &Console, yes: bool, command: &str, database: &str) -> bool {
    if yes {
        return true;
    }
    let question = format!(
        "`{command}` destroys data in database '{database}'. Type the database name to continue:"
    );
    let Some(answer) = console.ask(&question) else {
        return false;
    };
    let ok = answer == database;
    if !ok {
        console.err("the name did not match; nothing was changed");
    }
    ok
}

/// Asks `question` with `[y/N]`; no one to answer, or anything but `y`/`yes`, is no.
pub fn ask_yes_no(console: &Console, question: &str) -> bool {
    let answer = console.ask(&format!("{question} [y/N]")).unwrap_or_default();
    matches!(answer.to_ascii_lowercase().as_str(), "y" | "yes")
}
