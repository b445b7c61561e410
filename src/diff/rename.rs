//! Renames, which a diff cannot tell from a drop and an add: the user declares them
//! (`users.name=full_name`, `old_table=new_table`), and the diff applies them to the current
//! schema before comparing, so that the rest of the comparison sees the renamed objects and the
//! data stays where it is.

use super::apply_model::apply_in_place;
use super::change::Change;
use crate::schema::Schema;
use std::fmt;
use std::str::FromStr;

/// A declared rename of a table or of one column.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rename {
    Table { from: String, to: String },
    /// `table` is the table's name in the current schema or, where that table is renamed too,
    /// its new name.
    Column { table: String, from: String, to: String },
}

impl Rename {
    /// The rename for people: `users.name -> users.full_name`, `old -> new`.
    pub fn summary(&self) -> String {
        match self {
            Rename::Table { from, to } => format!("{from} -> {to}"),
            Rename::Column { table, from, to } => format!("{table}.{from} -> {table}.{to}"),
        }
    }
}

/// The form it is parsed from: `table.old_column=new_column` or `old_table=new_table`.
impl fmt::Display for Rename {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rename::Table { from, to } => write!(f, "{from}={to}"),
            Rename::Column { table, from, to } => write!(f, "{table}.{from}={to}"),
        }
    }
}

/// A rename that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseRenameError {
    #[error("`{0}` is not a rename: write `table.old_column=new_column` or `old_table=new_table`")]
    NoEquals(String),
    #[error("`{0}` leaves a name empty")]
    Empty(String),
    #[error("`{0}` has a name with more than one `.`")]
    TooManyDots(String),
    #[error("`{0}` moves a column to another table or a table to a column; renames stay in place")]
    Mismatch(String),
}

impl FromStr for Rename {
    type Err = ParseRenameError;

    /// Reads `users.name=full_name` (or `users.name=users.full_name`) and `old=new`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (left, right) = text.split_once('=').ok_or_else(|| ParseRenameError::NoEquals(text.to_owned()))?;
        let left = parts(left, text)?;
        let right = parts(right, text)?;
        let owned = |s: &str| s.to_owned();
        match (left.as_slice(), right.as_slice()) {
            ([from], [to]) => Ok(Rename::Table { from: owned(from), to: owned(to) }),
            ([table, from], [to]) => Ok(Rename::Column { table: owned(table), from: owned(from), to: owned(to) }),
            ([table, from], [same, to]) if table == same => {
                Ok(Rename::Column { table: owned(table), from: owned(from), to: owned(to) })
            }
            _ => Err(ParseRenameError::Mismatch(text.to_owned())),
        }
    }
}

/// The dot-separated, trimmed parts of one side of a rename.
fn parts<'a>(side: &'a str, text: &str) -> Result<Vec<&'a str>, ParseRenameError> {
    let parts: Vec<&str> = side.split('.').map(str::trim).collect();
    if parts.iter().any(|p| p.is_empty()) {
        return Err(ParseRenameError::Empty(text.to_owned()));
    }
    if parts.len() > 2 {
        return Err(ParseRenameError::TooManyDots(text.to_owned()));
    }
    Ok(parts)
}

/// A declared rename that does not fit the two schemas.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenameError {
    #[error("rename {rename}: the database has no table {table}")]
    NoTable { rename: String, table: String },
    #[error("rename {rename}: the database has no column {table}.{column}")]
    NoColumn { rename: String, table: String, column: String },
    #[error("rename {rename}: the database has {name} already")]
    Exists { rename: String, name: String },
    #[error("rename {rename}: the entities have no {name}")]
    NotWanted { rename: String, name: String },
    #[error("rename {rename}: {reason}")]
    Inapplicable { rename: String, reason: String },
}

/// Whether every one of `renames` fits: what it renames exists in `from`, its new name does
/// not yet, and `to` has it. [`super::diff`] leaves out renames that do not fit; call this first
/// to tell the user instead.
pub fn check_renames(renames: &[Rename], from: &Schema, to: &Schema) -> Result<(), RenameError> {
    let mut schema = from.clone();
    for rename in in_order(renames) {
        rename_one(&mut schema, to, renames, rename)?;
    }
    Ok(())
}

/// `from` with the fitting `renames` applied (tables first, then columns), and the changes that
/// make them.
pub(crate) fn apply_declared(from: &Schema, to: &Schema, renames: &[Rename]) -> (Schema, Vec<Change>) {
    let mut schema = from.clone();
    let changes = in_order(renames).filter_map(|r| rename_one(&mut schema, to, renames, r).ok()).collect();
    (schema, changes)
}

/// Table renames, then column renames, each in the order given.
fn in_order(renames: &[Rename]) -> impl Iterator<Item = &Rename> {
    let tables = renames.iter().filter(|r| matches!(r, Rename::Table { .. }));
    tables.chain(renames.iter().filter(|r| matches!(r, Rename::Column { .. })))
}

/// Applies one rename to `schema`, checking it first.
fn rename_one(schema: &mut Schema, to: &Schema, all: &[Rename], rename: &Rename) -> Result<Change, RenameError> {
    let change = match rename {
        Rename::Table { from, to: new } => check_table(schema, to, rename, from, new)?,
        Rename::Column { table, from, to: new } => {
            let table = current_table(schema, all, table);
            check_column(schema, to, rename, &table, from, new)?
        }
    };
    // Checked above, so this does not fail; were it to, the reason is kept.
    apply_in_place(schema, &change)
        .map_err(|e| RenameError::Inapplicable { rename: rename.to_string(), reason: e.to_string() })?;
    Ok(change)
}

fn check_table(schema: &Schema, to: &Schema, rename: &Rename, from: &str, new: &str) -> Result<Change, RenameError> {
    let r = || rename.to_string();
    if !schema.tables.contains_key(from) {
        return Err(RenameError::NoTable { rename: r(), table: from.to_owned() });
    }
    if schema.tables.contains_key(new) {
        return Err(RenameError::Exists { rename: r(), name: format!("a table {new}") });
    }
    if !to.tables.contains_key(new) {
        return Err(RenameError::NotWanted { rename: r(), name: format!("table {new}") });
    }
    Ok(Change::RenameTable { from: from.to_owned(), to: new.to_owned() })
}

fn check_column(
    schema: &Schema,
    to: &Schema,
    rename: &Rename,
    table: &str,
    from: &str,
    new: &str,
) -> Result<Change, RenameError> {
    let r = || rename.to_string();
    let t = schema.table(table).ok_or_else(|| RenameError::NoTable { rename: r(), table: table.to_owned() })?;
    if t.column(from).is_none() {
        return Err(RenameError::NoColumn { rename: r(), table: table.to_owned(), column: from.to_owned() });
    }
    if t.column(new).is_some() {
        return Err(RenameError::Exists { rename: r(), name: format!("a column {table}.{new}") });
    }
    if to.table(table).and_then(|t| t.column(new)).is_none() {
        return Err(RenameError::NotWanted { rename: r(), name: format!("column {table}.{new}") });
    }
    Ok(Change::RenameColumn { table: table.to_owned(), from: from.to_owned(), to: new.to_owned() })
}

/// `table` as `schema` now calls it: its new name if a declared table rename moved it.
fn current_table(schema: &Schema, all: &[Rename], table: &str) -> String {
    if schema.tables.contains_key(table) {
        return table.to_owned();
    }
    let renamed = all.iter().find_map(|r| match r {
        Rename::Table { from, to } if from == table => Some(to.clone()),
        _ => None,
    });
    renamed.unwrap_or_else(|| table.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(table: &str, from: &str, to: &str) -> Rename {
        Rename::Column { table: table.into(), from: from.into(), to: to.into() }
    }

    #[test]
    fn parses_both_forms() {
        assert_eq!("users.name=full_name".parse(), Ok(column("users", "name", "full_name")));
        assert_eq!(" users.name = users.full_name ".parse(), Ok(column("users", "name", "full_name")));
        assert_eq!("old=new".parse(), Ok(Rename::Table { from: "old".into(), to: "new".into() }));
    }

    #[test]
    fn refuses_malformed_renames() {
        assert!(matches!("users.name".parse::<Rename>(), Err(ParseRenameError::NoEquals(_))));
        assert!(matches!("users.=x".parse::<Rename>(), Err(ParseRenameError::Empty(_))));
        assert!(matches!("=x".parse::<Rename>(), Err(ParseRenameError::Empty(_))));
        assert!(matches!("a.b.c=d".parse::<Rename>(), Err(ParseRenameError::TooManyDots(_))));
        assert!(matches!("users.name=accounts.name".parse::<Rename>(), Err(ParseRenameError::Mismatch(_))));
        assert!(matches!("users=accounts.name".parse::<Rename>(), Err(ParseRenameError::Mismatch(_))));
    }

    #[test]
    fn display_round_trips() {
        for text in ["users.name=full_name", "old=new"] {
            assert_eq!(text.parse::<Rename>().map(|r| r.to_string()), Ok(text.to_owned()));
        }
        assert_eq!(column("users", "name", "full_name").summary(), "users.name -> users.full_name");
    }
}
