//! One draft for every backend. Changes are found by comparing normalised schemas, which spell
//! a type as the compared backend stores it: SQLite stores `BIGINT` as `INTEGER` and has no
//! enum types, MySQL has no `ON UPDATE NO ACTION`. A migration drafted from those would lose the
//! difference on the other backends, so what the changes create is given back the wanted
//! schema's own types and foreign key actions, and enum types that new columns use are created
//! (on PostgreSQL only, where they exist) even when the compared backend has none.

use super::keys::canonical_fk;
use super::{Change, Diff};
use crate::db::Backend;
use crate::schema::{Column, ColumnType, ForeignKey, Schema, Table};

/// `diff` with the definitions it creates in `wanted`'s own terms, and those it drops (which
/// `down()` creates again) in `live`'s, so that a change and its inverse stay exact mirrors.
pub(crate) fn portable(mut diff: Diff, wanted: &Schema, live: &Schema, backend: Backend) -> Diff {
    for change in &mut diff.changes {
        match change {
            Change::CreateTable { table } => own_table(table, wanted, backend),
            Change::DropTable { table } => own_table(table, live, backend),
            Change::AddColumn { table, column } => own_type(column, wanted.table(table)),
            Change::DropColumn { table, column } => own_type(column, live.table(table)),
            // A change to or from an inline enum (MySQL) is told by the values themselves.
            Change::AlterColumn { from, to, .. } if is_inline_enum(from) || is_inline_enum(to) => {}
            Change::AlterColumn { table, from, to } => {
                own_type(to, wanted.table(table));
                own_type(from, live.table(table));
                if sqlite_integers(backend, &from.ty, &to.ty) {
                    // SQLite stores every integer alike: a declared BIGINT against the entity's
                    // INTEGER is no change, so down() keeps the entity's own type too.
                    from.ty = to.ty.clone();
                }
            }
            Change::AddForeignKey { table, foreign_key } => own_actions(foreign_key, wanted.table(table), backend),
            Change::DropForeignKey { table, foreign_key } => own_actions(foreign_key, live.table(table), backend),
            _ => {}
        }
    }
    let missing = enums_to_create(&diff.changes, wanted, live);
    let unused = enums_to_drop(&diff.changes, wanted, live);
    let shift = missing.len();
    for warning in &mut diff.warnings {
        warning.change_index += shift;
    }
    diff.changes.splice(0..0, missing);
    diff.changes.extend(unused);
    diff
}

/// Whether `a` and `b` are both integer types on SQLite, where they are one type: the
/// entity's width is the one a draft made there writes on both sides of a change.
pub(crate) fn sqlite_integers(backend: Backend, a: &ColumnType, b: &ColumnType) -> bool {
    use ColumnType::*;
    let integer = |t: &ColumnType| {
        matches!(t, TinyInt | SmallInt | Integer | BigInt | TinyUnsigned | SmallUnsigned | Unsigned | BigUnsigned)
    };
    backend == Backend::Sqlite && integer(a) && integer(b)
}

fn is_inline_enum(column: &Column) -> bool {
    matches!(column.ty, ColumnType::InlineEnum(_))
}

fn own_table(table: &mut Table, source: &Schema, backend: Backend) {
    let own = source.table(&table.name);
    for column in &mut table.columns {
        own_type(column, own);
    }
    for fk in &mut table.foreign_keys {
        own_actions(fk, own, backend);
    }
}

/// The source column's type, unless it is a spelling only that backend reads (`Other`).
fn own_type(column: &mut Column, wanted: Option<&Table>) {
    let own = wanted.and_then(|t| t.column(&column.name)).map(|c| &c.ty);
    if let Some(ty) = own.filter(|ty| !matches!(ty, ColumnType::Other(_))) {
        column.ty = ty.clone();
    }
}

/// The source foreign key's actions, for the key that is the same once normalised.
fn own_actions(fk: &mut ForeignKey, wanted: Option<&Table>, backend: Backend) {
    let same = |f: &&ForeignKey| canonical_fk(f, backend) == canonical_fk(fk, backend);
    if let Some(own) = wanted.and_then(|t| t.foreign_keys.iter().find(same)) {
        fk.on_delete = own.on_delete;
        fk.on_update = own.on_update;
    }
}

/// `CreateEnum` for each enum type the created columns use that the live schema lacks and
/// the changes do not create.
fn enums_to_create(changes: &[Change], wanted: &Schema, live: &Schema) -> Vec<Change> {
    let created = enums_in(changes, |c| matches!(c, Change::CreateEnum { .. }));
    used_enums(changes, created_columns)
        .into_iter()
        .filter(|name| !created.contains(name) && !live.enums.contains_key(name))
        .filter_map(|name| wanted.enums.get(&name))
        .map(|e| Change::CreateEnum { enum_type: e.clone() })
        .collect()
}

/// The mirror of [`enums_to_create`], so that a diff and the diff back stay inverses:
/// `DropEnum` for each enum type the dropped columns use that only the live schema has.
fn enums_to_drop(changes: &[Change], wanted: &Schema, live: &Schema) -> Vec<Change> {
    let dropped = enums_in(changes, |c| matches!(c, Change::DropEnum { .. }));
    used_enums(changes, dropped_columns)
        .into_iter()
        .filter(|name| !dropped.contains(name) && !wanted.enums.contains_key(name))
        .filter_map(|name| live.enums.get(&name))
        .map(|e| Change::DropEnum { enum_type: e.clone() })
        .collect()
}

/// The names of the enum types of the changes `pick` selects.
fn enums_in(changes: &[Change], pick: fn(&Change) -> bool) -> Vec<String> {
    let name = |c: &Change| match c {
        Change::CreateEnum { enum_type } | Change::DropEnum { enum_type } => Some(enum_type.name.clone()),
        _ => None,
    };
    changes.iter().filter(|c| pick(c)).filter_map(name).collect()
}

/// The enum types that `columns` of the changes use, each once.
fn used_enums(changes: &[Change], columns: fn(&Change) -> Vec<&Column>) -> Vec<String> {
    let mut used: Vec<String> = changes.iter().flat_map(columns).filter_map(enum_name).map(str::to_string).collect();
    used.sort_unstable();
    used.dedup();
    used
}

fn created_columns(change: &Change) -> Vec<&Column> {
    match change {
        Change::CreateTable { table } => table.columns.iter().collect(),
        Change::AddColumn { column, .. } | Change::AlterColumn { to: column, .. } => vec![column],
        _ => Vec::new(),
    }
}

fn dropped_columns(change: &Change) -> Vec<&Column> {
    match change {
        Change::DropTable { table } => table.columns.iter().collect(),
        Change::DropColumn { column, .. } | Change::AlterColumn { from: column, .. } => vec![column],
        _ => Vec::new(),
    }
}

fn enum_name(column: &Column) -> Option<&str> {
    match &column.ty {
        ColumnType::Enum(name) => Some(name),
        _ => None,
    }
}
