//! `lint`: dangerous statements in migrations, found before they run.
//!
//! A migration's SQL is learned by running it against the recording connection
//! ([`crate::capture`]), parsed with `sqlparser` for the connected backend, and checked by
//! [`statements`] (one statement at a time) and [`reversible`] (whether `down()` undoes
//! `up()`). A finding the team intends is acknowledged in the migration itself with [`allow`],
//! so that the linter stays worth reading:
//!
//! ```ignore
//! async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
//!     seamigrate::lint::allow("drop-column", "users.nickname is unused since 2.3");
//!     manager.alter_table(Table::alter().table(Users::Table).drop_column(Users::Nickname).to_owned()).await
//! }
//! ```

mod rules;
mod statements;

pub(crate) use statements::{name as bare_name, parse as parse_statements};
mod reversible;

pub use rules::{Rule, Severity};

use crate::capture::{self, Direction};
use crate::db::Backend;
use crate::schema::Schema;
use crate::schema::replay::replay;
use sea_orm_migration::MigrationTrait;
use serde::Serialize;

/// One thing the linter found in one migration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub version: String,
    pub rule: Rule,
    pub severity: Severity,
    /// The statement it is about, when it is about one.
    pub statement: Option<String>,
    /// What is wrong, naming the table and column.
    pub message: String,
    /// What to do instead.
    pub hint: String,
    /// Acknowledged in the migration with [`allow`]; then it does not fail `lint`.
    pub acknowledged: bool,
}

/// Says, inside a migration's `up()` or `down()`, that findings of `rule` (its id, e.g.
/// `"drop-column"`) in that migration are intended, and why. Does nothing when the migration
/// runs against a database: only the linter reads it.
pub fn allow(rule: &str, reason: &str) {
    capture::acknowledge(rule, reason);
}

/// The findings in `migration` for `backend`. `live` is the database's schema before it runs,
/// when known: it tells which tables exist already and what a column's type was.
pub async fn lint(migration: &dyn MigrationTrait, backend: Backend, live: Option<&Schema>) -> Vec<Finding> {
    lint_with(migration, backend, live).await.0
}

/// As [`lint`] from the schema `before` it runs, with the schema after its up() (its statements
/// replayed), which the next migration is linted from.
pub(crate) async fn lint_from(migration: &dyn MigrationTrait, backend: Backend, before: &Schema) -> (Vec<Finding>, Schema) {
    let (found, after) = lint_with(migration, backend, Some(before)).await;
    (found, after.unwrap_or_else(|| before.clone()))
}

async fn lint_with(migration: &dyn MigrationTrait, backend: Backend, live: Option<&Schema>) -> (Vec<Finding>, Option<Schema>) {
    let version = migration.name().to_string();
    // The live schema answers the migration's catalogue probes and lets a SQLite table rebuild
    // render (it would read the table's definition).
    let up = match capture::capture_from(migration, Direction::Up, backend, live).await {
        Ok(up) => up,
        Err(e) => return (vec![unreadable(&version, &e)], None),
    };
    let after = live.map(|l| replay(l, &up.statements, backend));
    let mut found = statements::check(&up.statements, backend, live);
    let down = capture::capture_from(migration, Direction::Down, backend, after.as_ref()).await;
    let down_backfills = down.as_ref().map(|d| d.backfills.iter()).into_iter().flatten();
    found.extend(up.backfills.iter().chain(down_backfills).map(|words| Raw {
        rule: Rule::Backfill,
        statement: None,
        message: words.clone(),
    }));
    let mut allowed: Vec<String> = up.acknowledged.iter().map(|a| a.rule.clone()).collect();
    match &down {
        Ok(down) => {
            found.extend(reversible::check(&up.statements, &down.statements, backend));
            allowed.extend(down.acknowledged.iter().map(|a| a.rule.clone()));
        }
        // The stock default down(), which refuses: there is no down().
        Err(sea_orm::DbErr::Migration(words)) if words.contains("Don't Do That") => found.push(Raw {
            rule: Rule::EmptyDown,
            statement: None,
            message: "it has no down(), so this migration cannot be reverted".into(),
        }),
        Err(e) => {
            let mut note = unreadable(&version, e);
            note.message = format!("the down() of {}", note.message);
            let found = std::iter::once(note).chain(attach(&version, found, &allowed)).collect();
            return (found, after);
        }
    }
    (attach(&version, found, &allowed), after)
}

/// `found` as findings of `version`, those of an `allowed` rule acknowledged.
fn attach(version: &str, found: Vec<Raw>, allowed: &[String]) -> Vec<Finding> {
    found
        .into_iter()
        .map(|raw| Finding {
            version: version.to_string(),
            acknowledged: allowed.iter().any(|a| a == raw.rule.id()),
            severity: raw.rule.severity(),
            rule: raw.rule,
            statement: raw.statement,
            message: raw.message,
            hint: raw.rule.hint().to_string(),
        })
        .collect()
}

/// A migration that cannot run against the recorder cannot be linted; say so.
fn unreadable(version: &str, err: &sea_orm::DbErr) -> Finding {
    Finding {
        version: version.to_string(),
        rule: Rule::Unreadable,
        severity: Rule::Unreadable.severity(),
        statement: None,
        message: format!(
            "{version} could not be linted: it cannot run without a database ({})",
            crate::batch::error::words(err)
        ),
        hint: Rule::Unreadable.hint().to_string(),
        acknowledged: false,
    }
}

/// A finding before it is attached to its migration.
pub(crate) struct Raw {
    pub rule: Rule,
    pub statement: Option<String>,
    pub message: String,
}
