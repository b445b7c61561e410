//! Builders of schemas for the tests, and a check that a change does not run before what it
//! depends on. The seeded generator of random schemas is [`super::testing`].

use super::Change;
use crate::db::Backend;
use crate::schema::{Column, ColumnType, EnumType, FkAction, ForeignKey, Index, Schema, Table};

pub(crate) fn column(name: &str, ty: ColumnType) -> Column {
    Column { name: name.into(), ty, nullable: true, default: None, auto_increment: false, generated: None }
}

pub(crate) fn not_null(mut column: Column) -> Column {
    column.nullable = false;
    column
}

/// `id`: an auto-increment integer.
pub(crate) fn id() -> Column {
    Column { auto_increment: true, ..not_null(column("id", ColumnType::Integer)) }
}

/// A table with `id` as its key, then `columns`.
pub(crate) fn table(name: &str, columns: Vec<Column>) -> Table {
    let mut all = vec![id()];
    all.extend(columns);
    Table { name: name.into(), columns: all, primary_key: vec!["id".into()], indexes: vec![], foreign_keys: vec![], checks: Vec::new() }
}

pub(crate) fn strings(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| n.to_string()).collect()
}

pub(crate) fn index(name: &str, columns: &[&str], unique: bool) -> Index {
    Index { name: Some(name.into()), columns: strings(columns), unique, ..Index::default() }
}

/// A foreign key from `columns` to `ref_table (id)`.
pub(crate) fn fk(name: &str, columns: &[&str], ref_table: &str) -> ForeignKey {
    ForeignKey {
        name: Some(name.into()),
        columns: strings(columns),
        ref_table: ref_table.into(),
        ref_columns: vec!["id".into()],
        on_delete: FkAction::NoAction,
        on_update: FkAction::NoAction,
    }
}

pub(crate) fn schema(tables: Vec<Table>) -> Schema {
    Schema { tables: tables.into_iter().map(|t| (t.name.clone(), t)).collect(), enums: Default::default(), views: Default::default(), extensions: Default::default() }
}

pub(crate) fn enum_type(name: &str, values: &[&str]) -> EnumType {
    EnumType { name: name.into(), values: strings(values) }
}

/// Why applying `change` to `schema` now would fail on a real database because something it
/// needs is missing or something still uses what it removes; `None` if nothing does.
pub(crate) fn dependency_violation(schema: &Schema, change: &Change, backend: Backend) -> Option<String> {
    use Change::*;
    let enums_ok = |c: &Column| match &c.ty {
        ColumnType::Enum(e) if backend == Backend::Postgres => schema.enums.contains_key(e),
        _ => true,
    };
    if let Some(name) = taken_name(schema, new_names(change)) {
        return Some(format!("the name {name} is taken"));
    }
    match change {
        CreateTable { table } => {
            let refs_ok = table.foreign_keys.iter().all(|f| f.ref_table == table.name || has_columns(schema, &f.ref_table, &f.ref_columns));
            (!refs_ok || !table.columns.iter().all(enums_ok)).then(|| format!("{} needs a missing table or type", table.name))
        }
        DropTable { table } => schema
            .tables
            .values()
            .find(|t| t.name != table.name && t.foreign_keys.iter().any(|f| f.ref_table == table.name))
            .map(|t| format!("{} still references {}", t.name, table.name)),
        AddColumn { column, .. } | AlterColumn { to: column, .. } if !enums_ok(column) => {
            Some(format!("{} needs a missing type", column.name))
        }
        AlterColumn { table, to, .. } if to.nullable && in_key(schema, table, &to.name) => {
            Some(format!("{table}.{} is made nullable while in the primary key", to.name))
        }
        DropColumn { table, column } => column_in_use(schema, table, &column.name),
        AddIndex { table, index } if !has_columns(schema, table, &index.columns) => Some(format!("index on missing columns of {table}")),
        AlterPrimaryKey { table, to, .. } if !has_columns(schema, table, to) => Some(format!("key on missing columns of {table}")),
        AddForeignKey { table, foreign_key: f } => (!has_columns(schema, table, &f.columns) || !has_columns(schema, &f.ref_table, &f.ref_columns))
            .then(|| format!("foreign key of {table} on missing columns")),
        DropEnum { enum_type } if backend == Backend::Postgres => schema
            .tables
            .values()
            .flat_map(|t| &t.columns)
            .find(|c| c.ty == ColumnType::Enum(enum_type.name.clone()))
            .map(|c| format!("{} still uses {}", c.name, enum_type.name)),
        _ => None,
    }
}

/// The names of the indexes and of the foreign keys `change` creates (two namespaces).
fn new_names(change: &Change) -> (Vec<String>, Vec<String>) {
    let (indexes, fks): (Vec<_>, Vec<_>) = match change {
        Change::CreateTable { table } => (
            table.indexes.iter().map(|i| i.name.clone()).collect(),
            table.foreign_keys.iter().map(|f| f.name.clone()).collect(),
        ),
        Change::AddIndex { index, .. } => (vec![index.name.clone()], vec![]),
        Change::AddForeignKey { foreign_key, .. } => (vec![], vec![foreign_key.name.clone()]),
        _ => (vec![], vec![]),
    };
    (indexes.into_iter().flatten().collect(), fks.into_iter().flatten().collect())
}

/// The first of `names` (indexes, foreign keys) that an index, or a foreign key, of any table
/// already has.
fn taken_name(schema: &Schema, (indexes, fks): (Vec<String>, Vec<String>)) -> Option<String> {
    let tables = || schema.tables.values();
    let index_taken = |n: &String| tables().any(|t| t.indexes.iter().any(|i| i.name.as_ref() == Some(n)));
    let fk_taken = |n: &String| tables().any(|t| t.foreign_keys.iter().any(|f| f.name.as_ref() == Some(n)));
    indexes.into_iter().find(index_taken).or_else(|| fks.into_iter().find(fk_taken))
}

fn has_columns(schema: &Schema, table: &str, columns: &[String]) -> bool {
    schema.table(table).is_some_and(|t| columns.iter().all(|c| t.column(c).is_some()))
}

fn in_key(schema: &Schema, table: &str, column: &str) -> bool {
    schema.table(table).is_some_and(|t| t.primary_key.iter().any(|k| k == column))
}

/// What still uses `table.column`: its key, an index, a foreign key from or to it.
fn column_in_use(schema: &Schema, table: &str, column: &str) -> Option<String> {
    let t = schema.table(table)?;
    let named = |cols: &[String]| cols.iter().any(|c| c == column);
    if named(&t.primary_key) || t.indexes.iter().any(|i| named(&i.columns)) || t.foreign_keys.iter().any(|f| named(&f.columns)) {
        return Some(format!("{table}.{column} is still in a key or index"));
    }
    let referenced = schema.tables.values().flat_map(|t| &t.foreign_keys).any(|f| f.ref_table == table && named(&f.ref_columns));
    referenced.then(|| format!("{table}.{column} is still referenced"))
}

/// `changes` applied to `schema` one by one, each checked against [`dependency_violation`];
/// the message says which change failed and why.
pub(crate) fn replay(schema: &Schema, changes: &[Change], backend: Backend) -> Result<Schema, String> {
    let mut schema = schema.clone();
    for (i, change) in changes.iter().enumerate() {
        if let Some(why) = dependency_violation(&schema, change, backend) {
            return Err(format!("change {i} ({}) runs too early: {why}", change.describe()));
        }
        super::apply_in_place(&mut schema, change).map_err(|e| format!("change {i} ({}): {e}", change.describe()))?;
    }
    Ok(schema)
}

/// `changes` as sortable text, to compare lists modulo order.
pub(crate) fn sorted(changes: impl IntoIterator<Item = Change>) -> Vec<String> {
    let mut texts: Vec<String> = changes.into_iter().map(|c| format!("{c:?}")).collect();
    texts.sort();
    texts
}

/// `change` with the names of indexes and foreign keys taken out.
pub(crate) fn unnamed(change: Change) -> Change {
    use Change::*;
    let table = |mut t: Table| {
        t.indexes.iter_mut().for_each(|i| i.name = None);
        t.foreign_keys.iter_mut().for_each(|f| f.name = None);
        t
    };
    match change {
        CreateTable { table: t } => CreateTable { table: table(t) },
        DropTable { table: t } => DropTable { table: table(t) },
        AddIndex { table, index } => AddIndex { table, index: Index { name: None, ..index } },
        DropIndex { table, index } => DropIndex { table, index: Index { name: None, ..index } },
        AddForeignKey { table, foreign_key: f } => AddForeignKey { table, foreign_key: ForeignKey { name: None, ..f } },
        DropForeignKey { table, foreign_key: f } => DropForeignKey { table, foreign_key: ForeignKey { name: None, ..f } },
        other => other,
    }
}
