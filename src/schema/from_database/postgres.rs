//! PostgreSQL: the current schema read in a handful of catalogue queries, each for every table
//! at once and sent concurrently. Columns are read as `information_schema.columns` has them
//! (computed from `pg_attribute` and `pg_type`) and parsed by sea-schema, as its discovery does;
//! keys come from `pg_constraint`, indexes from `pg_get_indexdef` (see [`sql_text`]). It reads the same `Schema` as the
//! information_schema-based reader it replaced (checked on the reference, corner-case and random
//! schemas when it was written; the schema and property tests keep it honest).
//!
//! sea-schema's own discovery (`SchemaDiscovery::discover_with`) sends three queries per table,
//! one of which joins the whole schema's `information_schema` constraint views: five seconds a
//! table at 500 tables, so quadratic in the schema's size. Only its table list, enum list and
//! column parser are used here.

use super::{current_schema, failed, sqlx_words, type_word};
use crate::db::Backend;
use crate::db::connect::db_words;
use crate::schema::SchemaError;
use crate::schema::sql_text;
use crate::schema::model::{
    Check, Column, ColumnType, DefaultValue, EnumType, FkAction, ForeignKey, Generated, Index, Schema, Table, View,
};
use sea_orm::sea_query::{Alias, IntoIden};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, QueryResult, Statement};
use sea_schema::postgres::def::{ColumnDefault, ColumnInfo, Type};
use sea_schema::postgres::discovery::SchemaDiscovery;
use sea_schema::postgres::query::{ColumnQueryResult, SchemaQueryBuilder};
use std::collections::{BTreeMap, BTreeSet, HashMap};

const PG: Backend = Backend::Postgres;

/// The schema: `current_schema()`, then its enum types, tables, columns, keys and indexes in
/// five queries sent at once on the pool's connections, since they do not depend on one
/// another (seamigrate's pool holds four, so one query waits for a connection; on 2 cores this
/// made discovery of 500 tables about 40 ms instead of 59 one query after the other).
pub(super) async fn discover(conn: &DatabaseConnection) -> Result<Schema, SchemaError> {
    let schema_name = current_schema(conn, PG, "SELECT current_schema()").await?;
    let schema_name = schema_name.as_str();
    let (enums, column_rows, mut keys, mut indexes, table_names, mut checks, generated, views, extensions) = tokio::try_join!(
        enums(conn, schema_name),
        rows(conn, COLUMNS, schema_name, COLUMNS_STEP),
        keys(conn, schema_name),
        indexes(conn, schema_name),
        table_names(conn, schema_name),
        checks(conn, schema_name),
        generated(conn, schema_name),
        views(conn, schema_name),
        extensions(conn),
    )?;
    let mut columns = columns(&column_rows, &enums)?;
    for (table, column, expression) in generated {
        if let Some(c) = columns.get_mut(&table).and_then(|cs| cs.iter_mut().find(|c| c.name == column)) {
            c.generated = Some(Generated { expression, stored: true });
            c.default = None;
        }
    }
    let mut schema = Schema {
        enums,
        views,
        extensions,
        ..Schema::default()
    };
    for name in table_names {
        let keys = keys.remove(&name).unwrap_or_default();
        let table = Table {
            columns: columns.remove(&name).unwrap_or_default(),
            primary_key: keys.primary_key,
            indexes: indexes.remove(&name).unwrap_or_default(),
            foreign_keys: keys.foreign_keys,
            checks: checks.remove(&name).unwrap_or_default(),
            name,
        };
        schema.tables.insert(table.name.clone(), table);
    }
    Ok(schema)
}

/// The enum types of `schema`, by name, as sea-schema reads them.
async fn enums(
    conn: &DatabaseConnection,
    schema: &str,
) -> Result<BTreeMap<String, EnumType>, SchemaError> {
    let found = SchemaDiscovery::new_no_exec(schema)
        .discover_enums_with(conn)
        .await
        .map_err(|e| failed(PG, "reading enum types", sqlx_words(e)))?;
    Ok(found
        .into_iter()
        .map(|e| {
            let name = e.typename;
            let values = e.values;
            (name.clone(), EnumType { name, values })
        })
        .collect())
}

/// The rows `sql` returns with `schema` as its one parameter; `step` names it in an error.
async fn rows(
    conn: &DatabaseConnection,
    sql: &str,
    schema: &str,
    step: &'static str,
) -> Result<Vec<QueryResult>, SchemaError> {
    let stmt = Statement::from_sql_and_values(DbBackend::Postgres, sql, [schema.into()]);
    conn.query_all_raw(stmt)
        .await
        .map_err(|e| failed(PG, step, db_words(&e)))
}

/// The error of reading a value of a row while `step`.
fn reading(step: &'static str) -> impl Fn(DbErr) -> SchemaError {
    move |e| failed(PG, step, db_words(&e))
}

/// The base tables of `schema`, as sea-schema lists them (leaving out inheriting tables and
/// partitions).
async fn table_names(conn: &DatabaseConnection, schema: &str) -> Result<Vec<String>, SchemaError> {
    let step = "reading tables";
    let query = SchemaQueryBuilder::default().query_tables(Alias::new(schema).into_iden());
    let stmt = DbBackend::Postgres.build(&query);
    let rows = conn.query_all_raw(stmt).await.map_err(reading(step))?;
    rows.iter()
        .map(|row| row.try_get("", "table_name").map_err(reading(step)))
        .collect()
}

/// What sea-schema's column query reads from `information_schema.columns`, for every table of
/// the schema at once, in column order. The view's own definition, read straight from the
/// catalogue (the view checks column privileges and works out each column's true type and
/// modifier a dozen times per row: 220 ms for 5,000 columns), with the view's helper functions
/// (`information_schema._pg_numeric_precision(typid, typmod)` and the like) written out inline:
/// they are SQL functions declared STRICT, so PostgreSQL cannot inline them and runs each as a
/// function call per row, and `_pg_char_octet_length` queries `pg_database` each time; with
/// them this query took 90 ms of server time for 5,000 columns, without them 20 ms.
///
/// `tt` is the column's true type and modifier: a domain's base type. Where the helpers'
/// values reach the `Schema` (numeric precision and scale, character lengths) they are the
/// helpers' own arithmetic on the modifier; the octet length, which sea-schema's parser does
/// not read, is left out. `udt_name_regtype`, which the parser reads for arrays only (as the
/// element type), is the array type's name as `format_type` gives it, which is what the view's
/// `'"_int4"'::regtype` cast printed, without looking the name up again for every column.
/// Defaults are printed with no relation (`pg_get_expr(.., 0)`): a default cannot refer to a
/// column, and printing it then skips looking up the table; generation expressions do.
const COLUMNS: &str = "\
SELECT c.relname::text AS table_name, a.attname::text AS column_name,
  CASE WHEN t.typtype = 'd' THEN
         CASE WHEN bt.typelem <> 0 AND bt.typlen = -1 THEN 'ARRAY'
              WHEN nbt.nspname = 'pg_catalog' THEN format_type(t.typbasetype, NULL)
              ELSE 'USER-DEFINED' END
       ELSE
         CASE WHEN t.typelem <> 0 AND t.typlen = -1 THEN 'ARRAY'
              WHEN nt.nspname = 'pg_catalog' THEN format_type(a.atttypid, NULL)
              ELSE 'USER-DEFINED' END
  END AS data_type,
  CASE WHEN a.attgenerated = '' THEN pg_get_expr(ad.adbin, 0) END AS column_default,
  CASE WHEN a.attgenerated <> '' THEN pg_get_expr(ad.adbin, ad.adrelid) END
    AS generation_expression,
  CASE WHEN a.attnotnull OR (t.typtype = 'd' AND t.typnotnull) THEN 'NO' ELSE 'YES' END
    AS is_nullable,
  CASE WHEN a.attidentity IN ('a', 'd') THEN 'YES' ELSE 'NO' END AS is_identity,
  CASE tt.id WHEN 21 THEN 16 WHEN 23 THEN 32 WHEN 20 THEN 64 WHEN 700 THEN 24 WHEN 701 THEN 53
    WHEN 1700 THEN CASE WHEN tt.mod <> -1 THEN ((tt.mod - 4) >> 16) & 65535 END
  END AS numeric_precision,
  CASE WHEN tt.id IN (21, 23, 20, 700, 701) THEN 2 WHEN tt.id = 1700 THEN 10 END
    AS numeric_precision_radix,
  CASE WHEN tt.id IN (21, 23, 20) THEN 0
       WHEN tt.id = 1700 AND tt.mod <> -1 THEN (tt.mod - 4) & 65535
  END AS numeric_scale,
  CASE WHEN tt.mod = -1 THEN NULL
       WHEN tt.id IN (1042, 1043) THEN tt.mod - 4
       WHEN tt.id IN (1560, 1562) THEN tt.mod
  END AS character_maximum_length,
  NULL::int4 AS character_octet_length,
  CASE WHEN tt.id = 1082 THEN 0
       WHEN tt.id IN (1083, 1114, 1184, 1266) THEN CASE WHEN tt.mod < 0 THEN 6 ELSE tt.mod END
       WHEN tt.id = 1186 THEN
         CASE WHEN tt.mod < 0 OR tt.mod & 65535 = 65535 THEN 6 ELSE tt.mod & 65535 END
  END AS datetime_precision,
  CASE WHEN tt.id = 1186 THEN
    upper(substring(format_type(tt.id, tt.mod) SIMILAR 'interval[()0-9]* #\"%#\"' ESCAPE '#'))
  END AS interval_type,
  NULL::int4 AS interval_precision,
  COALESCE(bt.typname, t.typname)::text AS udt_name,
  CASE WHEN COALESCE(bt.typelem, t.typelem) <> 0 AND COALESCE(bt.typlen, t.typlen) = -1
    THEN format_type(COALESCE(bt.oid, t.oid), NULL) END AS udt_name_regtype
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace nc ON nc.oid = c.relnamespace
JOIN pg_type t ON t.oid = a.atttypid
JOIN pg_namespace nt ON nt.oid = t.typnamespace
LEFT JOIN pg_type bt ON t.typtype = 'd' AND bt.oid = t.typbasetype
LEFT JOIN pg_namespace nbt ON nbt.oid = bt.typnamespace
CROSS JOIN LATERAL (SELECT
    CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE a.atttypid END AS id,
    CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE a.atttypmod END AS mod) AS tt
LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
WHERE nc.nspname = $1 AND a.attnum > 0 AND NOT a.attisdropped
  AND c.relkind IN ('r', 'v', 'f', 'p')
ORDER BY c.relname, a.attnum";

/// What reading the columns is called in an error.
const COLUMNS_STEP: &str = "reading columns";

/// The columns of the schema's tables, by table name, from the rows of [`COLUMNS`], parsed as
/// sea-schema parses them; `enums` tells enum columns from other user-defined types.
fn columns(
    rows: &[QueryResult],
    enums: &BTreeMap<String, EnumType>,
) -> Result<BTreeMap<String, Vec<Column>>, SchemaError> {
    let enum_values: HashMap<String, Vec<String>> = enums
        .values()
        .map(|e| (e.name.clone(), e.values.clone()))
        .collect();
    let mut found: BTreeMap<String, Vec<Column>> = BTreeMap::new();
    for row in rows {
        let table: String = row
            .try_get("", "table_name")
            .map_err(reading(COLUMNS_STEP))?;
        let result = column_query_result(row).map_err(reading(COLUMNS_STEP))?;
        found
            .entry(table)
            .or_default()
            .push(column(result.parse(&enum_values)));
    }
    Ok(found)
}

/// One row of [`COLUMNS`] as sea-schema's own column query would have returned it.
fn column_query_result(row: &QueryResult) -> Result<ColumnQueryResult, DbErr> {
    Ok(ColumnQueryResult {
        column_name: row.try_get("", "column_name")?,
        column_type: row.try_get("", "data_type")?,
        column_default: row.try_get("", "column_default")?,
        column_generated: row.try_get("", "generation_expression")?,
        is_nullable: row.try_get("", "is_nullable")?,
        is_identity: row.try_get("", "is_identity")?,
        numeric_precision: row.try_get("", "numeric_precision")?,
        numeric_precision_radix: row.try_get("", "numeric_precision_radix")?,
        numeric_scale: row.try_get("", "numeric_scale")?,
        character_maximum_length: row.try_get("", "character_maximum_length")?,
        character_octet_length: row.try_get("", "character_octet_length")?,
        datetime_precision: row.try_get("", "datetime_precision")?,
        interval_type: row.try_get("", "interval_type")?,
        interval_precision: row.try_get("", "interval_precision")?,
        udt_name: row.try_get("", "udt_name")?,
        udt_name_regtype: row.try_get("", "udt_name_regtype")?,
    })
}

fn column(info: ColumnInfo) -> Column {
    Column {
        ty: column_type(&info.col_type),
        nullable: info.not_null.is_none(),
        default: info.default.map(default_value),
        auto_increment: info.is_identity,
        name: info.name, generated: None,
    }
}

fn column_type(ty: &Type) -> ColumnType {
    let len = |l: Option<u16>| l.map(u32::from);
    match ty {
        Type::SmallInt | Type::SmallSerial => ColumnType::SmallInt,
        Type::Integer | Type::Serial => ColumnType::Integer,
        Type::BigInt | Type::BigSerial => ColumnType::BigInt,
        Type::Decimal(a) | Type::Numeric(a) => ColumnType::Decimal {
            precision: len(a.precision),
            scale: len(a.scale),
        },
        Type::Real => ColumnType::Float,
        Type::DoublePrecision => ColumnType::Double,
        Type::Varchar(a) => ColumnType::String { len: len(a.length) },
        Type::Char(a) => ColumnType::Char { len: len(a.length) },
        Type::Text => ColumnType::Text,
        Type::Bytea => ColumnType::Blob,
        Type::Timestamp(_) => ColumnType::DateTime,
        Type::TimestampWithTimeZone(_) => ColumnType::TimestampTz,
        Type::Date => ColumnType::Date,
        Type::Time(_) => ColumnType::Time,
        Type::Boolean => ColumnType::Boolean,
        Type::Uuid => ColumnType::Uuid,
        Type::Json => ColumnType::Json,
        Type::JsonBinary => ColumnType::JsonBinary,
        Type::Enum(e) => ColumnType::Enum(e.typename.clone()),
        Type::Unknown(name) => ColumnType::Other(name.clone()),
        other => ColumnType::Other(type_word(other)),
    }
}

/// A `nextval(...)` default stays an expression here; `normalise` reads it as auto-increment.
fn default_value(default: ColumnDefault) -> DefaultValue {
    match default {
        ColumnDefault::Int(n) => DefaultValue::Int(n),
        ColumnDefault::Real(f) => DefaultValue::Float(f.to_string()),
        ColumnDefault::String(s) => DefaultValue::Str(s),
        ColumnDefault::Bool(b) => DefaultValue::Bool(b),
        ColumnDefault::CurrentTimestamp => DefaultValue::CurrentTimestamp,
        ColumnDefault::AutoIncrement(sql) | ColumnDefault::Expression(sql) => {
            DefaultValue::Expr(sql)
        }
    }
}

/// A table's primary key and foreign keys.
#[derive(Default)]
struct Keys {
    primary_key: Vec<String>,
    foreign_keys: Vec<ForeignKey>,
}

/// Every column of every primary and foreign key in `schema`, in key order, with the column it
/// references and the actions (`pg_constraint`'s one-letter codes) for a foreign key.
const KEYS: &str = "\
SELECT t.relname::text AS table_name, c.conname::text AS constraint_name,
       c.contype::text AS kind, a.attname::text AS column_name,
       r.relname::text AS ref_table, ra.attname::text AS ref_column,
       c.confdeltype::text AS on_delete, c.confupdtype::text AS on_update
FROM pg_constraint c
JOIN pg_class t ON t.oid = c.conrelid
JOIN pg_namespace s ON s.oid = t.relnamespace
CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, n)
JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
LEFT JOIN pg_class r ON r.oid = c.confrelid
LEFT JOIN pg_attribute ra ON ra.attrelid = c.confrelid AND ra.attnum = c.confkey[k.n]
WHERE s.nspname = $1 AND c.contype IN ('p', 'f')
ORDER BY t.relname, c.conname, k.n";

/// The primary and foreign keys of `schema`'s tables, by table name.
async fn keys(
    conn: &DatabaseConnection,
    schema: &str,
) -> Result<BTreeMap<String, Keys>, SchemaError> {
    let step = "reading keys";
    let get = |row: &QueryResult, column: &str| -> Result<String, SchemaError> {
        row.try_get("", column).map_err(reading(step))
    };
    let mut found: BTreeMap<String, Keys> = BTreeMap::new();
    for row in rows(conn, KEYS, schema, step).await? {
        let keys = found.entry(get(&row, "table_name")?).or_default();
        let column = get(&row, "column_name")?;
        if get(&row, "kind")? == "p" {
            keys.primary_key.push(column);
            continue;
        }
        let name = get(&row, "constraint_name")?;
        let ref_column = get(&row, "ref_column")?;
        match keys.foreign_keys.last_mut() {
            Some(last) if last.name.as_deref() == Some(name.as_str()) => {
                last.columns.push(column);
                last.ref_columns.push(ref_column);
            }
            _ => keys.foreign_keys.push(ForeignKey {
                name: Some(name),
                columns: vec![column],
                ref_table: get(&row, "ref_table")?,
                ref_columns: vec![ref_column],
                on_delete: action(&get(&row, "on_delete")?),
                on_update: action(&get(&row, "on_update")?),
            }),
        }
    }
    Ok(found)
}

/// A foreign key action by its `pg_constraint` code.
fn action(code: &str) -> FkAction {
    match code {
        "r" => FkAction::Restrict,
        "c" => FkAction::Cascade,
        "n" => FkAction::SetNull,
        "d" => FkAction::SetDefault,
        _ => FkAction::NoAction,
    }
}

/// The extensions installed in the database but `plpgsql`, which every database has.
async fn extensions(conn: &DatabaseConnection) -> Result<BTreeSet<String>, SchemaError> {
    let step = "reading extensions";
    let sql = "SELECT extname::text FROM pg_extension WHERE extname <> 'plpgsql'";
    let rows = conn
        .query_all_raw(Statement::from_string(DbBackend::Postgres, sql))
        .await
        .map_err(|e| failed(PG, step, db_words(&e)))?;
    rows.iter().map(|row| row.try_get_by_index::<String>(0).map_err(reading(step))).collect()
}

/// Every view and materialized view of `schema`, its query as PostgreSQL prints it.
const VIEWS: &str = "\
SELECT c.relname::text AS name, c.relkind = 'm' AS materialized, pg_get_viewdef(c.oid, true) AS definition
FROM pg_class c
JOIN pg_namespace s ON s.oid = c.relnamespace
WHERE s.nspname = $1 AND c.relkind IN ('v', 'm')";

/// The views of `schema`, by name.
async fn views(conn: &DatabaseConnection, schema: &str) -> Result<BTreeMap<String, View>, SchemaError> {
    let step = "reading views";
    let mut found = BTreeMap::new();
    for row in rows(conn, VIEWS, schema, step).await? {
        let name: String = row.try_get("", "name").map_err(reading(step))?;
        let materialized: bool = row.try_get("", "materialized").map_err(reading(step))?;
        let printed: String = row.try_get("", "definition").map_err(reading(step))?;
        let definition = sql_text::query(&printed, PG, PG)
            .map_err(|e| failed(PG, step, format!("cannot read the query of view `{name}` ({printed}): {e}")))?;
        found.insert(name.clone(), View { name, definition, materialized });
    }
    Ok(found)
}

/// Every generated column of `schema`'s tables, its expression as PostgreSQL prints it
/// (PostgreSQL's generated columns are STORED).
const GENERATED: &str = "\
SELECT t.relname::text AS table_name, a.attname::text AS column_name, pg_get_expr(d.adbin, d.adrelid, true) AS expression
FROM pg_attribute a
JOIN pg_class t ON t.oid = a.attrelid
JOIN pg_namespace s ON s.oid = t.relnamespace
JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE s.nspname = $1 AND a.attgenerated <> '' AND NOT a.attisdropped";

/// The generated columns of `schema`'s tables, as `(table, column, expression)`.
async fn generated(conn: &DatabaseConnection, schema: &str) -> Result<Vec<(String, String, String)>, SchemaError> {
    let step = "reading generated columns";
    let mut found = Vec::new();
    for row in rows(conn, GENERATED, schema, step).await? {
        let table: String = row.try_get("", "table_name").map_err(reading(step))?;
        let column: String = row.try_get("", "column_name").map_err(reading(step))?;
        let printed: String = row.try_get("", "expression").map_err(reading(step))?;
        let expression = sql_text::expression(&printed, PG, PG).map_err(|e| {
            failed(PG, step, format!("cannot read the expression of `{table}.{column}` ({printed}): {e}"))
        })?;
        found.push((table, column, expression));
    }
    Ok(found)
}

/// Every CHECK constraint of `schema`'s tables, its condition as PostgreSQL prints it.
const CHECKS: &str = "\
SELECT t.relname::text AS table_name, c.conname::text AS name, pg_get_expr(c.conbin, c.conrelid, true) AS condition
FROM pg_constraint c
JOIN pg_class t ON t.oid = c.conrelid
JOIN pg_namespace s ON s.oid = t.relnamespace
WHERE s.nspname = $1 AND c.contype = 'c'
ORDER BY t.relname, c.conname";

/// The CHECK constraints of `schema`'s tables, by table name.
async fn checks(conn: &DatabaseConnection, schema: &str) -> Result<BTreeMap<String, Vec<Check>>, SchemaError> {
    let step = "reading CHECK constraints";
    let mut found: BTreeMap<String, Vec<Check>> = BTreeMap::new();
    for row in rows(conn, CHECKS, schema, step).await? {
        let table: String = row.try_get("", "table_name").map_err(reading(step))?;
        let name: String = row.try_get("", "name").map_err(reading(step))?;
        let condition: String = row.try_get("", "condition").map_err(reading(step))?;
        let expression = sql_text::expression(&condition, PG, PG).map_err(|e| {
            failed(PG, step, format!("cannot read the condition of `{name}` on `{table}` ({condition}): {e}"))
        })?;
        found.entry(table).or_default().push(Check { name: Some(name), expression });
    }
    Ok(found)
}

/// Every index of `schema`'s tables but the primary keys', as PostgreSQL prints it.
const INDEXES: &str = "\
SELECT t.relname::text AS table_name, pg_get_indexdef(x.indexrelid) AS definition
FROM pg_index x
JOIN pg_class i ON i.oid = x.indexrelid
JOIN pg_class t ON t.oid = x.indrelid
JOIN pg_namespace s ON s.oid = t.relnamespace
WHERE s.nspname = $1 AND NOT x.indisprimary
ORDER BY t.relname, i.relname";

/// The indexes of `schema`'s tables (unique constraints included), by table name, read from
/// their definitions as the server prints them, so that an expression or predicate is compared
/// in the server's own spelling.
async fn indexes(
    conn: &DatabaseConnection,
    schema: &str,
) -> Result<BTreeMap<String, Vec<Index>>, SchemaError> {
    let step = "reading indexes";
    let mut found: BTreeMap<String, Vec<Index>> = BTreeMap::new();
    for row in rows(conn, INDEXES, schema, step).await? {
        let table: String = row.try_get("", "table_name").map_err(reading(step))?;
        let definition: String = row.try_get("", "definition").map_err(reading(step))?;
        let index = sql_text::parse(&definition, Backend::Postgres, Backend::Postgres).map_err(|e| {
            let reason = format!("cannot read the index `{definition}`: {e}");
            SchemaError::Discovery { backend: Backend::Postgres, step, reason }
        })?;
        found.entry(table).or_default().push(index);
    }
    Ok(found)
}
