//! SQLite: the whole schema read in four queries, each joining `sqlite_master` with one of
//! SQLite's table-valued pragma functions (`pragma_table_xinfo`, `pragma_index_list` with
//! `pragma_index_info`, `pragma_foreign_key_list`), so that every table is read at once. Column
//! types are parsed by sea-schema's SQLite type parser and then by the same code as the
//! entities' types, so they read exactly as sea-schema's discovery reads them.
//!
//! sea-schema's own discovery (`SchemaDiscovery::discover_with`) is not used: it sends five
//! queries per table and two more per index, one statement each (and seamigrate a sixth per
//! table to re-read the defaults), about 0.7 ms a table, which was 97-99% of `check`'s time and
//! kept it at 2-4x Alembic. What it reads is read here the same way (same
//! pragmas, same quirks, kept where they show) so that the `Schema` is the one it produced.

use super::failed;
use crate::db::Backend;
use crate::db::connect::db_words;
use crate::schema::SchemaError;
use crate::schema::sql_text::{self, TableText};
use crate::schema::model::{Column, FkAction, ForeignKey, Index, Schema, Table, View};
use crate::schema::normalise::defaults;
use crate::schema::statement;
use sea_orm::sea_query::ColumnType as SqType;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, QueryResult, Statement};
use sea_schema::sqlite::def::parse_type;
use std::collections::BTreeMap;

const SQLITE: Backend = Backend::Sqlite;

/// The user tables of the `main` database, with their columns, primary keys, UNIQUE
/// constraints and created indexes (as indexes) and foreign keys.
pub(super) async fn discover(conn: &DatabaseConnection) -> Result<Schema, SchemaError> {
    let tables = tables(conn).await?;
    let mut columns = columns(conn).await?;
    let mut indexes = indexes(conn).await?;
    let mut foreign_keys = foreign_keys(conn).await?;
    let parent_keys: BTreeMap<&String, Vec<String>> = columns
        .iter()
        .map(|(table, cols)| (table, parent_key(cols)))
        .collect();
    for (table, keys) in &mut foreign_keys {
        for fk in keys.iter_mut().filter(|fk| fk.ref_columns.is_empty()) {
            fk.ref_columns = implicit_reference(&parent_keys, table, &fk.ref_table)?;
        }
    }
    let mut schema = Schema { views: views(conn).await?, ..Schema::default() };
    for (name, (autoincrement, text)) in tables {
        let columns = columns.remove(&name).unwrap_or_default();
        let mut table = Table {
            primary_key: primary_key(&columns),
            columns: columns
                .into_iter()
                .map(|c| c.column(autoincrement))
                .collect(),
            indexes: indexes.remove(&name).unwrap_or_default().into_list(),
            foreign_keys: foreign_keys.remove(&name).unwrap_or_default(),
            checks: text.checks,
            name,
        };
        for (column, generated) in text.generated {
            if let Some(c) = table.columns.iter_mut().find(|c| c.name == column) {
                c.generated = Some(generated);
                c.default = None;
            }
        }
        schema.tables.insert(table.name.clone(), table);
    }
    Ok(schema)
}

/// The views, by name, read from the `CREATE VIEW` SQLite keeps.
async fn views(conn: &DatabaseConnection) -> Result<BTreeMap<String, View>, SchemaError> {
    let step = "reading views";
    let mut found = BTreeMap::new();
    for row in rows(conn, "SELECT name, sql FROM sqlite_master WHERE type = 'view'", step).await? {
        let name: String = row.try_get("", "name").map_err(reading(step))?;
        let sql: String = row.try_get("", "sql").map_err(reading(step))?;
        let definition = sql_text::query(&sql, SQLITE, SQLITE)
            .map_err(|e| failed(SQLITE, step, format!("cannot read the query of view `{name}`: {e}")))?;
        found.insert(name.clone(), View { name, definition, materialized: false });
    }
    Ok(found)
}

/// The rows `sql` returns; `step` names it in an error.
async fn rows(
    conn: &DatabaseConnection,
    sql: &str,
    step: &'static str,
) -> Result<Vec<QueryResult>, SchemaError> {
    let stmt = Statement::from_string(DbBackend::Sqlite, sql);
    conn.query_all_raw(stmt)
        .await
        .map_err(|e| failed(SQLITE, step, db_words(&e)))
}

/// The error of reading a value of a row while `step`.
fn reading(step: &'static str) -> impl Fn(DbErr) -> SchemaError {
    move |e| failed(SQLITE, step, db_words(&e))
}

/// Every user table, with whether its SQL says AUTOINCREMENT: sea-schema's test, a
/// case-insensitive `LIKE` on the whole `CREATE TABLE` text.
const TABLES: &str = "\
SELECT m.name AS table_name, COALESCE(m.sql LIKE '%AUTOINCREMENT%', 0) AS is_autoincrement,
       m.sql AS definition
FROM sqlite_master m
WHERE m.type = 'table' AND substr(m.name, 1, 7) <> 'sqlite_'";

/// The user tables by name, each with whether it was declared with AUTOINCREMENT and what its
/// `CREATE TABLE` says of CHECK constraints and generated columns (SQLite keeps no other record
/// of them).
async fn tables(conn: &DatabaseConnection) -> Result<BTreeMap<String, (bool, TableText)>, SchemaError> {
    let step = "reading tables";
    let mut found = BTreeMap::new();
    for row in rows(conn, TABLES, step).await? {
        let name: String = row.try_get("", "table_name").map_err(reading(step))?;
        let autoincrement: i64 = row.try_get("", "is_autoincrement").map_err(reading(step))?;
        let definition: Option<String> = row.try_get("", "definition").map_err(reading(step))?;
        let said = |sql: &String| ["CHECK", " AS"].iter().any(|w| sql.to_uppercase().contains(w));
        let text = match definition.filter(said) {
            Some(sql) => sql_text::table_text(&sql, SQLITE, SQLITE).map_err(|e| {
                failed(SQLITE, "reading CHECK constraints and generated columns", format!("cannot read the definition of `{name}`: {e}"))
            })?,
            None => TableText::default(),
        };
        found.insert(name, (autoincrement != 0, text));
    }
    Ok(found)
}

/// One row of `pragma_table_xinfo`: a column as SQLite declares it.
struct ColumnRow {
    name: String,
    /// The declared type as sea-schema's parser reads it.
    ty: SqType,
    not_null: bool,
    /// The default's SQL text (`dflt_value`).
    default: Option<String>,
    /// The column's position in the primary key, from 1; 0 when it is not in it.
    pk: i64,
}

impl ColumnRow {
    /// The column, read as sea-schema reads it: NOT NULL when declared so or when it is the
    /// first column of the primary key (only the first: sea-schema tests `pk == 1`), and
    /// auto-increment when the table says AUTOINCREMENT (which SQLite only allows on an
    /// INTEGER PRIMARY KEY) and the column is in the primary key.
    fn column(self, table_autoincrement: bool) -> Column {
        Column {
            ty: statement::column_type(&self.ty),
            nullable: !(self.not_null || self.pk == 1),
            default: self.default.as_deref().map(defaults::parse_sql),
            auto_increment: table_autoincrement && self.pk != 0,
            name: self.name, generated: None,
        }
    }
}

/// Every column of every user table, in table order. Hidden columns of virtual tables
/// (`hidden` 1) are left out, as sea-schema does; generated columns (2, 3) are kept.
const COLUMNS: &str = "\
SELECT m.name AS table_name, p.name AS column_name, p.type AS declared_type,
       p.\"notnull\" AS not_null, p.dflt_value AS default_sql, p.pk AS pk
FROM sqlite_master m, pragma_table_xinfo(m.name) p
WHERE m.type = 'table' AND substr(m.name, 1, 7) <> 'sqlite_' AND p.hidden <> 1
ORDER BY m.name, p.cid";

/// The columns of the user tables, by table name.
///
/// A default is the SQL text SQLite keeps, parsed by [`defaults::parse_sql`]: sea-schema's
/// reading of it drops every quote, so that `'it''s'` reads as `its`, `''` as no default at all
/// and `'12'` as the number 12. Generated columns have no default: SQLite reports none for them.
async fn columns(
    conn: &DatabaseConnection,
) -> Result<BTreeMap<String, Vec<ColumnRow>>, SchemaError> {
    let step = "reading columns";
    let mut found: BTreeMap<String, Vec<ColumnRow>> = BTreeMap::new();
    for row in rows(conn, COLUMNS, step).await? {
        let table: String = row.try_get("", "table_name").map_err(reading(step))?;
        let column = column_row(&row, &table, step)?;
        found.entry(table).or_default().push(column);
    }
    Ok(found)
}

/// One row of [`COLUMNS`], of `table`, its type parsed by sea-schema's SQLite type parser.
fn column_row(
    row: &QueryResult,
    table: &str,
    step: &'static str,
) -> Result<ColumnRow, SchemaError> {
    let get = |e| failed(SQLITE, step, db_words(&e));
    let name: String = row.try_get("", "column_name").map_err(get)?;
    let declared: String = row.try_get("", "declared_type").map_err(get)?;
    let ty = parse_type(declared.clone()).map_err(|e| {
        let reason = format!("column {table}.{name} has type {declared}, which reads as: {e}");
        failed(SQLITE, step, reason)
    })?;
    Ok(ColumnRow {
        name,
        ty,
        not_null: row.try_get::<i64>("", "not_null").map_err(get)? != 0,
        default: row.try_get("", "default_sql").map_err(get)?,
        pk: row.try_get("", "pk").map_err(get)?,
    })
}

/// The primary key's columns in table order (not key order), as sea-schema lists them.
fn primary_key(columns: &[ColumnRow]) -> Vec<String> {
    columns
        .iter()
        .filter(|c| c.pk != 0)
        .map(|c| c.name.clone())
        .collect()
}

/// A table's indexes, kept apart by origin until they are listed.
#[derive(Default)]
struct TableIndexes {
    /// Those of UNIQUE constraints (origin `u`).
    constraints: Vec<Index>,
    /// Those of CREATE INDEX (origin `c`).
    created: Vec<Index>,
}

impl TableIndexes {
    /// The UNIQUE constraints' indexes first, then the created ones, each in
    /// `pragma_index_list` order: the order sea-schema gives them in.
    /// A UNIQUE constraint's index is named by SQLite (`sqlite_autoindex_...`, a name no
    /// statement may use), so it is read as unnamed: a draft names it as it would a new one.
    fn into_list(self) -> Vec<Index> {
        let mut list = self.constraints;
        for index in &mut list {
            if index.name.as_deref().is_some_and(|n| n.starts_with("sqlite_autoindex_")) {
                index.name = None;
            }
        }
        list.extend(self.created);
        list
    }
}

/// Every key column of every index of a user table that is a UNIQUE constraint's (origin `u`)
/// or made by CREATE INDEX (`c`): the primary key's (`pk`) is the primary key. The index's own
/// `sqlite_master` row names the table a created index is filed under, as in sea-schema, and
/// holds the statement that created it, which says what the pragmas do not (expressions, the
/// partial index's predicate).
const INDEXES: &str = "\
SELECT m.name AS table_name, l.name AS index_name, l.\"unique\" AS is_unique,
       l.origin AS origin, x.tbl_name AS index_table, i.name AS column_name, x.sql AS definition
FROM sqlite_master m
JOIN pragma_index_list(m.name) l
LEFT JOIN sqlite_master x ON x.name = l.name
JOIN pragma_index_info(l.name) i
WHERE m.type = 'table' AND substr(m.name, 1, 7) <> 'sqlite_' AND l.origin IN ('u', 'c')
ORDER BY m.name, l.seq, i.seqno";

/// One row of [`INDEXES`].
struct IndexRow {
    table: String,
    index: String,
    unique: bool,
    origin: String,
    index_table: Option<String>,
    column: Option<String>,
    definition: Option<String>,
}

/// The UNIQUE constraints and created indexes of the user tables, by table name.
async fn indexes(conn: &DatabaseConnection) -> Result<BTreeMap<String, TableIndexes>, SchemaError> {
    let step = "reading indexes";
    let mut found: BTreeMap<String, TableIndexes> = BTreeMap::new();
    let all: Vec<IndexRow> = rows(conn, INDEXES, step)
        .await?
        .iter()
        .map(|row| index_row(row).map_err(reading(step)))
        .collect::<Result<_, _>>()?;
    // A created index is read from the statement that created it. One that cannot be read and
    // is on an expression is left to `uncompared`, which names it, rather than read wrongly.
    let mut read: Vec<String> = Vec::new();
    let mut skipped: Vec<String> = all.iter().filter(|r| r.column.is_none()).map(|r| r.index.clone()).collect();
    for row in &all {
        let parsed = row.definition.as_deref().map(|sql| sql_text::parse(sql, SQLITE, SQLITE));
        if let (Some(Ok(index)), Some(table)) = (parsed, &row.index_table)
            && row.origin == "c"
            && !read.contains(&row.index)
        {
            read.push(row.index.clone());
            found.entry(table.clone()).or_default().created.push(index);
        }
    }
    skipped.extend(read);
    for row in all {
        let Some(column) = row.column.clone().filter(|_| !skipped.contains(&row.index)) else { continue };
        let list = if row.origin == "u" {
            &mut found.entry(row.table).or_default().constraints
        } else {
            let table = row.index_table.ok_or_else(|| {
                let reason = format!("index {} is not in sqlite_master", row.index);
                failed(SQLITE, step, reason)
            })?;
            &mut found.entry(table).or_default().created
        };
        push_index_column(list, row.index, row.unique, column);
    }
    Ok(found)
}

/// Adds `column` to the index `name`, the last of `list` when it is that index (rows come
/// index by index, in key order), else a new one.
fn push_index_column(list: &mut Vec<Index>, name: String, unique: bool, column: String) {
    match list.last_mut() {
        Some(last) if last.name.as_deref() == Some(name.as_str()) => last.columns.push(column),
        _ => list.push(Index {
            name: Some(name),
            columns: vec![column],
            unique,
            ..Index::default()
        }),
    }
}

/// Reads one row of [`INDEXES`]; `column_name` is NULL for an expression.
fn index_row(row: &QueryResult) -> Result<IndexRow, DbErr> {
    Ok(IndexRow {
        table: row.try_get("", "table_name")?,
        index: row.try_get("", "index_name")?,
        unique: row.try_get::<i64>("", "is_unique")? != 0,
        origin: row.try_get("", "origin")?,
        index_table: row.try_get("", "index_table")?,
        column: row.try_get("", "column_name")?,
        definition: row.try_get("", "definition")?,
    })
}

/// Every column of every foreign key of a user table, key by key (`id`), in key order (`seq`).
/// `to` is NULL where the key names no parent columns: it then references the parent's primary
/// key.
const FOREIGN_KEYS: &str = "\
SELECT m.name AS table_name, f.id AS id, f.\"table\" AS ref_table, f.\"from\" AS from_column,
       f.\"to\" AS to_column, f.on_update AS on_update, f.on_delete AS on_delete
FROM sqlite_master m, pragma_foreign_key_list(m.name) f
WHERE m.type = 'table' AND substr(m.name, 1, 7) <> 'sqlite_'
ORDER BY m.name, f.id, f.seq";

/// The foreign keys of the user tables, by table name, in `pragma_foreign_key_list` order.
/// SQLite foreign keys declared inline have no name. A key naming no parent columns has empty
/// `ref_columns` here; [`discover`] fills them in.
async fn foreign_keys(
    conn: &DatabaseConnection,
) -> Result<BTreeMap<String, Vec<ForeignKey>>, SchemaError> {
    let step = "reading foreign keys";
    let mut found: BTreeMap<String, Vec<ForeignKey>> = BTreeMap::new();
    let mut last: Option<(String, i64)> = None;
    for row in rows(conn, FOREIGN_KEYS, step).await? {
        let get = |column: &str| -> Result<String, SchemaError> {
            row.try_get("", column).map_err(reading(step))
        };
        let table = get("table_name")?;
        let id: i64 = row.try_get("", "id").map_err(reading(step))?;
        let from = get("from_column")?;
        let to: Option<String> = row.try_get("", "to_column").map_err(reading(step))?;
        let keys = found.entry(table.clone()).or_default();
        let key = (table, id);
        match keys.last_mut() {
            Some(fk) if last.as_ref() == Some(&key) => {
                fk.columns.push(from);
                fk.ref_columns.extend(to);
            }
            _ => keys.push(ForeignKey {
                name: None,
                columns: vec![from],
                ref_table: get("ref_table")?,
                ref_columns: to.into_iter().collect(),
                on_delete: action(&get("on_delete")?),
                on_update: action(&get("on_update")?),
            }),
        }
        last = Some(key);
    }
    Ok(found)
}

/// A foreign key action as `pragma_foreign_key_list` spells it.
fn action(action: &str) -> FkAction {
    match action {
        "RESTRICT" => FkAction::Restrict,
        "SET NULL" => FkAction::SetNull,
        "SET DEFAULT" => FkAction::SetDefault,
        "CASCADE" => FkAction::Cascade,
        _ => FkAction::NoAction,
    }
}

/// The primary key's columns in key order: what a foreign key naming no parent columns
/// references.
fn parent_key(columns: &[ColumnRow]) -> Vec<String> {
    let mut key: Vec<&ColumnRow> = columns.iter().filter(|c| c.pk != 0).collect();
    key.sort_by_key(|c| c.pk);
    key.into_iter().map(|c| c.name.clone()).collect()
}

/// The parent columns of a foreign key of `table` that names none (`REFERENCES parent`): the
/// primary key of `parent`, found as SQLite finds it, ignoring case. sea-schema's discovery
/// panicked on such a key.
fn implicit_reference(
    parent_keys: &BTreeMap<&String, Vec<String>>,
    table: &str,
    parent: &str,
) -> Result<Vec<String>, SchemaError> {
    let found = parent_keys
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(parent))
        .map(|(_, key)| key.clone())
        .filter(|key| !key.is_empty());
    found.ok_or_else(|| {
        let reason = format!(
            "a foreign key of table {table} references {parent} without naming columns, and \
             {parent} has no primary key"
        );
        failed(SQLITE, "reading foreign keys", reason)
    })
}
