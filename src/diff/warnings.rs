//! Warnings for the changes a person should look at before running them: those that destroy
//! data, and those that succeed or fail depending on the data there is.

use super::change::Change;
use super::describe::{definition, fk_summary, index_label, key_columns, removed_values};
use super::widen::{TypeChange, classify};
use crate::schema::Column;
use serde::Serialize;
use std::collections::BTreeSet;

/// How bad a warned-about change can be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Fails, or changes values, depending on the data the table holds.
    DataDependent,
    /// Destroys data that exists now.
    Destructive,
}

/// Why one change needs a look.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    /// The change's position in [`super::Diff::changes`].
    pub change_index: usize,
    pub severity: Severity,
    /// What may happen, e.g. `drops column users.name and its data`.
    pub message: String,
}

/// The warnings for `changes` (in order, a change may have several). Changes to tables created
/// by `changes` themselves are not warned about: those tables are empty.
pub fn warnings(changes: &[Change]) -> Vec<Warning> {
    let created: BTreeSet<&str> = changes
        .iter()
        .filter_map(|c| match c {
            Change::CreateTable { table } => Some(table.name.as_str()),
            _ => None,
        })
        .collect();
    let mut out = Vec::new();
    for (change_index, change) in changes.iter().enumerate() {
        if change.table().is_some_and(|t| created.contains(t)) && !matches!(change, Change::CreateTable { .. }) {
            continue;
        }
        let found = change_warnings(change);
        out.extend(found.into_iter().map(|(severity, message)| Warning { change_index, severity, message }));
    }
    out
}

fn change_warnings(change: &Change) -> Vec<(Severity, String)> {
    use Change::*;
    use Severity::*;
    match change {
        DropTable { table } => vec![(Destructive, format!("drops table {} and its rows", table.name))],
        DropColumn { table, column } => {
            vec![(Destructive, format!("drops column {table}.{} and its data", column.name))]
        }
        AddColumn { table, column } if !column.nullable && column.default.is_none() && !column.auto_increment => {
            let what = format!("{table}.{}", column.name);
            vec![(DataDependent, format!("adds {what} NOT NULL without a default: fails if the table holds rows"))]
        }
        AlterColumn { table, from, to } => column_warnings(table, from, to),
        AlterPrimaryKey { table, to, .. } if !to.is_empty() => vec![(
            DataDependent,
            format!("sets the primary key of {table} to {}: fails if rows repeat or lack a value", key_columns(to)),
        )],
        AddIndex { table, index } if index.unique => vec![(
            DataDependent,
            format!("adds {} on {table} ({}): fails if rows repeat a value", index_label(index), index.columns.join(", ")),
        )],
        AddCheck { table, check } => vec![(
            DataDependent,
            format!("adds CHECK ({}) on {table}: fails if a row does not meet it", check.expression),
        )],
        AddForeignKey { table, foreign_key } => vec![(
            DataDependent,
            format!("adds {}: fails if rows reference missing ones", fk_summary(table, foreign_key)),
        )],
        AlterEnum { from, to } if !removed_values(from, to).is_empty() => vec![(
            Destructive,
            format!("removes {} from enum type {}: rows holding them fail", removed_values(from, to).join(", "), to.name),
        )],
        DropEnum { enum_type } => vec![(Destructive, format!("drops enum type {}", enum_type.name))],
        _ => Vec::new(),
    }
}

/// Type, auto-increment and nullability changes of one column; a new default is no risk.
fn column_warnings(table: &str, from: &Column, to: &Column) -> Vec<(Severity, String)> {
    let what = format!("{table}.{}", to.name);
    let (old, new) = (definition(from), definition(to));
    let mut found = Vec::new();
    match classify(&from.ty, &to.ty) {
        TypeChange::Widens => {}
        TypeChange::Narrows(reason) => found.push(format!("narrows {what} from {old} to {new}: {reason}")),
        TypeChange::Converts => {
            found.push(format!("changes type of {what} from {old} to {new}: values that do not convert fail"))
        }
    }
    if to.auto_increment && !from.auto_increment {
        found.push(format!("makes {what} auto-increment: new values may collide with existing ones"));
    }
    if from.nullable && !to.nullable {
        found.push(match to.default {
            None => format!("makes {what} NOT NULL without a default: fails if any row holds NULL"),
            Some(_) => format!("makes {what} NOT NULL: fails if any row holds NULL (the default fills new rows only)"),
        });
    }
    found.into_iter().map(|m| (Severity::DataDependent, m)).collect()
}
