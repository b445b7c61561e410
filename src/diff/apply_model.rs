//! A [`Change`] applied to the model rather than to a database: what the schema looks like
//! afterwards. The diff's own tests check with it that a diff leads where it says; later layers
//! can use it to preview a migration or to check a hand-edited one.
//!
//! Indexes and foreign keys are found by name where the change names one that the table has,
//! otherwise by what they are (columns, uniqueness, target), names aside. Only the existence of
//! what a change touches is checked, not whether the database would accept the order.

use super::change::Change;
use crate::schema::{Column, EnumType, ForeignKey, Index, Schema, Table};

/// A change that does not fit the schema it is applied to.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApplyError {
    #[error("there is no table {0}")]
    NoTable(String),
    #[error("table {0} exists already")]
    TableExists(String),
    #[error("there is no column {table}.{column}")]
    NoColumn { table: String, column: String },
    #[error("column {table}.{column} exists already")]
    ColumnExists { table: String, column: String },
    #[error("there is no index on {table} ({columns})")]
    NoIndex { table: String, columns: String },
    #[error("table {table} has no CHECK constraint ({expression})")]
    NoCheck { table: String, expression: String },
    #[error("there is no foreign key on {table} ({columns}) to {ref_table}")]
    NoForeignKey { table: String, columns: String, ref_table: String },
    #[error("there is no enum type {0}")]
    NoEnum(String),
    #[error("there is no view {0}")]
    NoView(String),
    #[error("enum type {0} exists already")]
    EnumExists(String),
}

/// `schema` after `change`, or why `change` does not fit it.
pub fn apply(schema: &Schema, change: &Change) -> Result<Schema, ApplyError> {
    let mut schema = schema.clone();
    apply_in_place(&mut schema, change)?;
    Ok(schema)
}

/// `schema` after each of `changes` in turn.
pub fn apply_all(schema: &Schema, changes: &[Change]) -> Result<Schema, ApplyError> {
    let mut schema = schema.clone();
    for change in changes {
        apply_in_place(&mut schema, change)?;
    }
    Ok(schema)
}

/// [`apply`] without the copy.
pub fn apply_in_place(schema: &mut Schema, change: &Change) -> Result<(), ApplyError> {
    use Change::*;
    match change {
        CreateTable { table } => create_table(schema, table),
        DropTable { table } => drop_table(schema, &table.name),
        RenameTable { from, to } => rename_table(schema, from, to),
        AddColumn { table, column } => add_column(table_mut(schema, table)?, column),
        DropColumn { table, column } => drop_column(table_mut(schema, table)?, &column.name),
        RenameColumn { table, from, to } => rename_column(schema, table, from, to),
        AlterColumn { table, from, to } => alter_column(table_mut(schema, table)?, &from.name, to),
        AlterPrimaryKey { table, to, .. } => {
            table_mut(schema, table)?.primary_key = to.clone();
            Ok(())
        }
        AddIndex { table, index } => {
            table_mut(schema, table)?.indexes.push(index.clone());
            Ok(())
        }
        DropIndex { table, index } => drop_index(table_mut(schema, table)?, index),
        AddForeignKey { table, foreign_key } => {
            table_mut(schema, table)?.foreign_keys.push(foreign_key.clone());
            Ok(())
        }
        DropForeignKey { table, foreign_key } => drop_foreign_key(table_mut(schema, table)?, foreign_key),
        CreateExtension { name } => {
            schema.extensions.insert(name.clone());
            Ok(())
        }
        DropExtension { name } => {
            schema.extensions.remove(name);
            Ok(())
        }
        CreateView { view } => {
            schema.views.insert(view.name.clone(), view.clone());
            Ok(())
        }
        DropView { view } => match schema.views.remove(&view.name) {
            Some(_) => Ok(()),
            None => Err(ApplyError::NoView(view.name.clone())),
        },
        AddCheck { table, check } => {
            table_mut(schema, table)?.checks.push(check.clone());
            Ok(())
        }
        DropCheck { table, check } => {
            let t = table_mut(schema, table)?;
            let at = t.checks.iter().position(|c| c.name == check.name && check.name.is_some())
                .or_else(|| t.checks.iter().position(|c| c.expression == check.expression));
            match at {
                Some(at) => {
                    t.checks.remove(at);
                    Ok(())
                }
                None => Err(ApplyError::NoCheck { table: table.clone(), expression: check.expression.clone() }),
            }
        }
        CreateEnum { enum_type } => match schema.enums.contains_key(&enum_type.name) {
            true => Err(ApplyError::EnumExists(enum_type.name.clone())),
            false => put_enum(schema, enum_type),
        },
        AlterEnum { to, .. } => match schema.enums.contains_key(&to.name) {
            true => put_enum(schema, to),
            false => Err(ApplyError::NoEnum(to.name.clone())),
        },
        DropEnum { enum_type } => match schema.enums.remove(&enum_type.name) {
            Some(_) => Ok(()),
            None => Err(ApplyError::NoEnum(enum_type.name.clone())),
        },
    }
}

fn put_enum(schema: &mut Schema, enum_type: &EnumType) -> Result<(), ApplyError> {
    schema.enums.insert(enum_type.name.clone(), enum_type.clone());
    Ok(())
}

fn table_mut<'a>(schema: &'a mut Schema, name: &str) -> Result<&'a mut Table, ApplyError> {
    schema.tables.get_mut(name).ok_or_else(|| ApplyError::NoTable(name.to_owned()))
}

fn create_table(schema: &mut Schema, table: &Table) -> Result<(), ApplyError> {
    if schema.tables.contains_key(&table.name) {
        return Err(ApplyError::TableExists(table.name.clone()));
    }
    schema.tables.insert(table.name.clone(), table.clone());
    Ok(())
}

fn drop_table(schema: &mut Schema, name: &str) -> Result<(), ApplyError> {
    match schema.tables.remove(name) {
        Some(_) => Ok(()),
        None => Err(ApplyError::NoTable(name.to_owned())),
    }
}

/// Renames the table and every foreign key's reference to it.
fn rename_table(schema: &mut Schema, from: &str, to: &str) -> Result<(), ApplyError> {
    if schema.tables.contains_key(to) {
        return Err(ApplyError::TableExists(to.to_owned()));
    }
    let mut table = schema.tables.remove(from).ok_or_else(|| ApplyError::NoTable(from.to_owned()))?;
    table.name = to.to_owned();
    schema.tables.insert(to.to_owned(), table);
    for fk in schema.tables.values_mut().flat_map(|t| t.foreign_keys.iter_mut()) {
        if fk.ref_table == from {
            fk.ref_table = to.to_owned();
        }
    }
    Ok(())
}

fn add_column(table: &mut Table, column: &Column) -> Result<(), ApplyError> {
    if table.column(&column.name).is_some() {
        return Err(column_exists(table, &column.name));
    }
    table.columns.push(column.clone());
    Ok(())
}

fn drop_column(table: &mut Table, name: &str) -> Result<(), ApplyError> {
    let before = table.columns.len();
    table.columns.retain(|c| c.name != name);
    if table.columns.len() == before {
        return Err(no_column(table, name));
    }
    Ok(())
}

fn alter_column(table: &mut Table, name: &str, to: &Column) -> Result<(), ApplyError> {
    match table.columns.iter_mut().find(|c| c.name == name) {
        Some(column) => {
            *column = to.clone();
            Ok(())
        }
        None => Err(no_column(table, name)),
    }
}

/// Renames the column wherever it is named: the table's columns, primary key, indexes and
/// foreign keys, and the foreign keys (of any table) that reference it.
fn rename_column(schema: &mut Schema, table: &str, from: &str, to: &str) -> Result<(), ApplyError> {
    let t = table_mut(schema, table)?;
    if t.column(to).is_some() {
        return Err(column_exists(t, to));
    }
    let column = t.columns.iter_mut().find(|c| c.name == from).ok_or_else(|| no_column_named(table, from))?;
    column.name = to.to_owned();
    let rename = |names: &mut Vec<String>| names.iter_mut().filter(|n| *n == from).for_each(|n| *n = to.to_owned());
    rename(&mut t.primary_key);
    t.indexes.iter_mut().for_each(|i| rename(&mut i.columns));
    t.foreign_keys.iter_mut().for_each(|f| rename(&mut f.columns));
    for fk in schema.tables.values_mut().flat_map(|t| t.foreign_keys.iter_mut()) {
        if fk.ref_table == table {
            rename(&mut fk.ref_columns);
        }
    }
    Ok(())
}

fn drop_index(table: &mut Table, index: &Index) -> Result<(), ApplyError> {
    let by_name = index.name.is_some().then(|| table.indexes.iter().position(|i| i.name == index.name));
    let at = by_name.flatten().or_else(|| {
        table.indexes.iter().position(|i| i.columns == index.columns && i.unique == index.unique)
    });
    match at {
        Some(at) => {
            table.indexes.remove(at);
            Ok(())
        }
        None => Err(ApplyError::NoIndex { table: table.name.clone(), columns: index.columns.join(", ") }),
    }
}

/// By name, else the same foreign key names aside, else one on the same columns to the same
/// target (a normalised change may spell an action differently from the source).
fn drop_foreign_key(table: &mut Table, fk: &ForeignKey) -> Result<(), ApplyError> {
    let fks = &table.foreign_keys;
    let by_name = fk.name.is_some().then(|| fks.iter().position(|f| f.name == fk.name)).flatten();
    let same_target = |f: &ForeignKey| {
        f.columns == fk.columns && f.ref_table == fk.ref_table && f.ref_columns == fk.ref_columns
    };
    let at = by_name
        .or_else(|| fks.iter().position(|f| same_target(f) && f.on_delete == fk.on_delete && f.on_update == fk.on_update))
        .or_else(|| fks.iter().position(same_target));
    match at {
        Some(at) => {
            table.foreign_keys.remove(at);
            Ok(())
        }
        None => Err(ApplyError::NoForeignKey {
            table: table.name.clone(),
            columns: fk.columns.join(", "),
            ref_table: fk.ref_table.clone(),
        }),
    }
}

fn no_column(table: &Table, column: &str) -> ApplyError {
    no_column_named(&table.name, column)
}

fn no_column_named(table: &str, column: &str) -> ApplyError {
    ApplyError::NoColumn { table: table.to_owned(), column: column.to_owned() }
}

fn column_exists(table: &Table, column: &str) -> ApplyError {
    ApplyError::ColumnExists { table: table.name.clone(), column: column.to_owned() }
}
