//! What can go wrong in a batch helper, said in one line that names the table (and column,
//! where there is one) and quotes the database.

use crate::db::connect::db_words;
use sea_orm::DbErr;

/// A batch helper could not make its change; nothing of the change is left behind where the
/// backend has transactional DDL. Converts into [`DbErr::Custom`] with `?` in a migration.
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    /// The database refused or failed a statement; `words` are its own.
    #[error("changing table `{table}`{} failed while {step}: {words}", column_part(.column))]
    Database {
        table: String,
        /// The column or columns the change is about, if any.
        column: Option<String>,
        /// What was being done, e.g. "copying the rows into the new table".
        step: &'static str,
        words: String,
    },
    /// A migration being rendered or linted rebuilds a table whose definition only the
    /// database can tell, and none was given.
    #[error(
        "it rebuilds SQLite table `{table}`, whose definition only a database can tell: run this \
         against a database that has the table (`-u URL`), or on a copy of it"
    )]
    NeedsDefinition { table: String },
    /// The table to change does not exist.
    #[error("table `{table}` does not exist")]
    NoSuchTable { table: String },
    /// The column to change does not exist.
    #[error("table `{table}` has no column `{column}`")]
    NoSuchColumn { table: String, column: String },
    /// No foreign key of the table is on these columns (SQLite keeps no names to go by).
    #[error("table `{table}` has no foreign key{} on ({columns}) to drop", name_part(.name))]
    NoSuchForeignKey {
        table: String,
        name: String,
        columns: String,
    },
    /// Several foreign keys are on these columns and SQLite keeps no names to tell them apart.
    #[error(
        "table `{table}` has {count} foreign keys on ({columns}) alike, and SQLite keeps no \
         names to tell{} apart from the others; drop it by hand", name_part(.name)
    )]
    AmbiguousForeignKey {
        table: String,
        name: String,
        columns: String,
        count: usize,
    },
    /// A statement given to a helper lacks something the helper needs.
    #[error("{what} is incomplete: {missing}")]
    Incomplete {
        what: &'static str,
        missing: &'static str,
    },
    /// The table has something a rebuild from SQLite's description of it would silently lose.
    #[error(
        "SQLite cannot rebuild table `{table}`: it has {feature}, which seamigrate's rebuild \
         would lose; make this change by hand"
    )]
    Unsupported { table: String, feature: &'static str },
    /// A SQLite rebuild found no CHECK constraint to drop.
    #[error("table `{table}` has no CHECK constraint {name} to drop")]
    NoSuchCheck { table: String, name: String },
    /// Only PostgreSQL has materialized views.
    #[error("view `{view}` is declared materialized, which only PostgreSQL has; declare it as a plain view for this backend")]
    NoMaterializedViews { view: String },
    /// Dropping the old table during a rebuild would fire ON DELETE actions on another
    /// table's rows, since SQLite cannot stop enforcing foreign keys inside a transaction.
    #[error(
        "SQLite cannot rebuild table `{table}` while foreign keys are enforced: rows of \
         `{child}` reference it ON DELETE {action}, and dropping the old table would {effect} \
         them; run the migration with seamigrate's runner (`up`/`down`), which switches foreign \
         keys off around it, or run it yourself outside a transaction after PRAGMA \
         foreign_keys = OFF"
    )]
    CascadingReferences {
        table: String,
        child: String,
        action: &'static str,
        effect: &'static str,
    },
    /// After a rebuild, rows of `child` reference no row of `parent`.
    #[error(
        "changing table `{table}` failed the foreign key check: {count} row(s) of `{child}` \
         reference no row of `{parent}` (first at rowid {rowid})"
    )]
    ForeignKeyViolation {
        table: String,
        child: String,
        parent: String,
        count: usize,
        rowid: i64,
    },
    /// The enum type to change does not exist.
    #[error("enum type `{name}` does not exist in the current schema")]
    NoSuchEnum { name: String },
    /// The enum type's values are neither those the migration expects nor those it makes.
    #[error("enum type `{name}` has the values ({found}), not ({expected}) as the migration expects")]
    EnumDrifted {
        name: String,
        expected: String,
        found: String,
    },
    /// The database refused or failed a statement while changing an enum type.
    #[error("changing enum type `{name}` failed while {step}: {words}")]
    EnumDatabase {
        name: String,
        step: String,
        words: String,
    },
}

fn column_part(column: &Option<String>) -> String {
    match column {
        Some(c) => format!(" (column `{c}`)"),
        None => String::new(),
    }
}

fn name_part(name: &str) -> String {
    match name {
        "" => String::new(),
        name => format!(" `{name}`"),
    }
}

impl From<BatchError> for DbErr {
    fn from(err: BatchError) -> Self {
        DbErr::Custom(err.to_string())
    }
}

/// The database's own words in `err`, without the driver's wrapping or SQLite's result code.
pub(crate) fn words(err: &DbErr) -> String {
    let words = db_words(err);
    match words.strip_prefix("(code: ") {
        Some(rest) => match rest.split_once(") ") {
            Some((code, message)) if code.chars().all(|c| c.is_ascii_digit()) => message.into(),
            _ => words,
        },
        None => words,
    }
}

/// The table (and column) a helper works on, to name them in its errors.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    pub table: String,
    pub column: Option<String>,
}

impl Target {
    pub fn new(table: impl Into<String>, column: Option<String>) -> Self {
        Target {
            table: table.into(),
            column,
        }
    }

    /// `err` from the database while doing `step`.
    pub fn failed(&self, step: &'static str, err: &DbErr) -> BatchError {
        BatchError::Database {
            table: self.table.clone(),
            column: self.column.clone(),
            step,
            words: words(err),
        }
    }
}
