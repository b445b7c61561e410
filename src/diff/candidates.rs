//! Drops and additions that might be renames. A diff never guesses: it offers each candidate,
//! the CLI asks (`users.name -> users.full_name: rename? [y/N]`), and the diff is run again with
//! the accepted ones declared.

use super::rename::Rename;
use super::{Change, Diff};
use crate::schema::{ColumnType, Table};

/// A dropped and an added object that may be the same one renamed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenameCandidate {
    /// The rename to declare (in [`super::DiffOptions::renames`]) if the user says yes.
    pub rename: Rename,
    /// The position in [`Diff::changes`] of the drop (`DropColumn` or `DropTable`).
    pub drop_index: usize,
    /// The position in [`Diff::changes`] of the addition (`AddColumn` or `CreateTable`).
    pub add_index: usize,
}

impl RenameCandidate {
    /// The question to ask: `users.name -> users.full_name: rename? [y/N]`.
    pub fn question(&self) -> String {
        format!("{}: rename? [y/N]", self.rename.summary())
    }

    /// Whether `other` renames the same object or to the same name, so that accepting this one
    /// rules it out.
    pub fn conflicts_with(&self, other: &RenameCandidate) -> bool {
        match (&self.rename, &other.rename) {
            (Rename::Table { from: a, to: b }, Rename::Table { from: c, to: d }) => a == c || b == d,
            (Rename::Column { table: t, from: a, to: b }, Rename::Column { table: u, from: c, to: d }) => {
                t == u && (a == c || b == d)
            }
            _ => false,
        }
    }
}

/// Every pair in `diff` of a dropped and an added column of the same (normalised) type in the
/// same table, and of a dropped and a created table with the same columns (names and types):
/// tables first, each in the order of the diff.
pub fn rename_candidates(diff: &Diff) -> Vec<RenameCandidate> {
    let mut found = table_candidates(&diff.changes);
    found.extend(column_candidates(&diff.changes));
    found
}

fn table_candidates(changes: &[Change]) -> Vec<RenameCandidate> {
    let tables = |want_drop: bool| {
        changes.iter().enumerate().filter_map(move |(i, c)| match (c, want_drop) {
            (Change::DropTable { table }, true) | (Change::CreateTable { table }, false) => Some((i, table)),
            _ => None,
        })
    };
    let mut found = Vec::new();
    for (drop_index, old) in tables(true) {
        for (add_index, new) in tables(false).filter(|(_, new)| signature(new) == signature(old)) {
            let rename = Rename::Table { from: old.name.clone(), to: new.name.clone() };
            found.push(RenameCandidate { rename, drop_index, add_index });
        }
    }
    found
}

/// A table's columns by name and type, in name order.
fn signature(table: &Table) -> Vec<(&str, &ColumnType)> {
    let mut columns: Vec<_> = table.columns.iter().map(|c| (c.name.as_str(), &c.ty)).collect();
    columns.sort();
    columns
}

fn column_candidates(changes: &[Change]) -> Vec<RenameCandidate> {
    let mut found = Vec::new();
    for (drop_index, change) in changes.iter().enumerate() {
        let Change::DropColumn { table, column: old } = change else { continue };
        for (add_index, added) in changes.iter().enumerate() {
            let Change::AddColumn { table: other, column: new } = added else { continue };
            if other == table && new.ty == old.ty {
                let rename = Rename::Column { table: table.clone(), from: old.name.clone(), to: new.name.clone() };
                found.push(RenameCandidate { rename, drop_index, add_index });
            }
        }
    }
    found
}
