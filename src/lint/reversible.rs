//! Whether `down()` undoes `up()`: it must do something, and drop what `up()` creates (tables,
//! columns, indexes). Data that `up()` deletes cannot come back; the destructive rules say so.

use super::Raw;
use super::rules::Rule;
use super::statements::{name, parse};
use crate::db::Backend;
use sqlparser::ast::{AlterTableOperation, ObjectType, Statement};
use std::collections::{BTreeMap, BTreeSet};

/// What a list of statements creates or drops, by kind: `table`, `table.column`, `index`.
#[derive(Default)]
struct Objects {
    tables: BTreeSet<String>,
    columns: BTreeSet<String>,
    /// Index names, with their table where the statement names it.
    indexes: BTreeMap<String, String>,
}

pub(crate) fn check(up: &[String], down: &[String], backend: Backend) -> Vec<Raw> {
    if down.is_empty() && !up.is_empty() {
        return vec![Raw {
            rule: Rule::EmptyDown,
            statement: None,
            message: "down() does nothing, so this migration cannot be reverted".into(),
        }];
    }
    let created = objects(up, backend, true).without(&objects(up, backend, false));
    let dropped = objects(down, backend, false);
    let mut found = Vec::new();
    for table in created.tables.difference(&dropped.tables) {
        found.push(incomplete(format!("up() creates table {table}; down() leaves it behind")));
    }
    for column in created.columns.difference(&dropped.columns) {
        let table = column.split('.').next().unwrap_or_default();
        if !dropped.tables.contains(table) {
            found.push(incomplete(format!("up() adds column {column}; down() leaves it behind")));
        }
    }
    for (index, table) in &created.indexes {
        let gone = dropped.indexes.contains_key(index) || dropped.tables.contains(table);
        if !gone && !created.tables.contains(table) {
            found.push(incomplete(format!("up() creates index {index} on {table}; down() leaves it behind")));
        }
    }
    found
}

impl Objects {
    /// These objects, less `gone`: what `up()` creates and drops again leaves nothing behind.
    fn without(mut self, gone: &Objects) -> Objects {
        self.tables.retain(|t| !gone.tables.contains(t));
        self.columns.retain(|c| !gone.columns.contains(c));
        self.indexes.retain(|name, table| !gone.indexes.contains_key(name) && !gone.tables.contains(table));
        self
    }
}

fn incomplete(message: String) -> Raw {
    Raw { rule: Rule::IncompleteDown, statement: None, message }
}

/// The objects `statements` create (`creating`) or drop.
fn objects(statements: &[String], backend: Backend, creating: bool) -> Objects {
    let mut found = Objects::default();
    for statement in statements.iter().flat_map(|sql| parse(sql, backend)) {
        match (&statement, creating) {
            (Statement::CreateTable(create), true) => {
                found.tables.insert(name(&create.name));
            }
            (Statement::Drop { object_type: ObjectType::Table, names, .. }, false) => {
                found.tables.extend(names.iter().map(name));
            }
            (Statement::CreateIndex(index), true) => {
                let index_name = index.name.as_ref().map(name).unwrap_or_default();
                found.indexes.insert(index_name, name(&index.table_name));
            }
            (Statement::Drop { object_type: ObjectType::Index, names, .. }, false) => {
                found.indexes.extend(names.iter().map(|n| (name(n), String::new())));
            }
            (Statement::AlterTable(alter), _) => {
                let table = name(&alter.name);
                for op in &alter.operations {
                    match (op, creating) {
                        (AlterTableOperation::AddColumn { column_def, .. }, true) => {
                            found.columns.insert(format!("{table}.{}", column_def.name.value));
                        }
                        (AlterTableOperation::DropColumn { column_names, .. }, false) => {
                            found.columns.extend(column_names.iter().map(|c| format!("{table}.{}", c.value)));
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    found
}
