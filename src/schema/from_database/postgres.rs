//! PostgreSQL: sea-schema's discovery of the current schema, plus the non-unique indexes, which
//! that discovery does not report (it reads unique indexes only), from `pg_index`.

use super::{current_schema, failed, sqlx_words, type_word};
use crate::db::Backend;
use crate::db::connect::db_words;
use crate::schema::SchemaError;
use crate::schema::model::{
    Column, ColumnType, DefaultValue, EnumType, FkAction, ForeignKey, Index, Schema, Table,
};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use sea_schema::postgres::def::{
    ColumnDefault, ColumnInfo, ForeignKeyAction, References, TableDef, Type,
};
use sea_schema::postgres::discovery::SchemaDiscovery;
use std::collections::BTreeMap;

const PG: Backend = Backend::Postgres;

pub(super) async fn discover(conn: &DatabaseConnection) -> Result<Schema, SchemaError> {
    let schema_name = current_schema(conn, PG, "SELECT current_schema()").await?;
    let found = SchemaDiscovery::new_no_exec(&schema_name)
        .discover_with(conn)
        .await
        .map_err(|e| failed(PG, "reading tables", sqlx_words(e)))?;
    let mut plain = plain_indexes(conn, &schema_name).await?;
    let mut schema = Schema::default();
    for e in found.enums {
        schema.enums.insert(
            e.typename.clone(),
            EnumType {
                name: e.typename,
                values: e.values,
            },
        );
    }
    for def in found.tables {
        let mut table = table(def);
        table
            .indexes
            .extend(plain.remove(&table.name).unwrap_or_default());
        schema.tables.insert(table.name.clone(), table);
    }
    Ok(schema)
}

fn table(def: TableDef) -> Table {
    let primary_key = def
        .primary_key_constraints
        .into_iter()
        .next()
        .map(|pk| pk.columns);
    Table {
        name: def.info.name,
        columns: def.columns.into_iter().map(column).collect(),
        primary_key: primary_key.unwrap_or_default(),
        indexes: def
            .unique_constraints
            .into_iter()
            .map(|u| Index {
                name: Some(u.name),
                columns: u.columns,
                unique: true,
            })
            .collect(),
        foreign_keys: def
            .reference_constraints
            .into_iter()
            .map(foreign_key)
            .collect(),
    }
}

fn column(info: ColumnInfo) -> Column {
    Column {
        ty: column_type(&info.col_type),
        nullable: info.not_null.is_none(),
        default: info.default.map(default_value),
        auto_increment: info.is_identity,
        name: info.name,
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

fn foreign_key(r: References) -> ForeignKey {
    ForeignKey {
        name: Some(r.name),
        columns: r.columns,
        ref_table: r.table,
        ref_columns: r.foreign_columns,
        on_delete: action(r.on_delete),
        on_update: action(r.on_update),
    }
}

fn action(action: Option<ForeignKeyAction>) -> FkAction {
    match action {
        Some(ForeignKeyAction::Cascade) => FkAction::Cascade,
        Some(ForeignKeyAction::SetNull) => FkAction::SetNull,
        Some(ForeignKeyAction::SetDefault) => FkAction::SetDefault,
        Some(ForeignKeyAction::Restrict) => FkAction::Restrict,
        Some(ForeignKeyAction::NoAction) | None => FkAction::NoAction,
    }
}

/// Every key column of every non-unique index in `schema`, in index order; an expression
/// column is given by its expression.
const PLAIN_INDEXES: &str = "\
SELECT t.relname AS table_name, i.relname AS index_name,
       COALESCE(a.attname, pg_get_indexdef(x.indexrelid, k.n, true)) AS column_name
FROM pg_index x
JOIN pg_class i ON i.oid = x.indexrelid
JOIN pg_class t ON t.oid = x.indrelid
JOIN pg_namespace s ON s.oid = t.relnamespace
CROSS JOIN LATERAL generate_series(1, x.indnkeyatts) AS k(n)
LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = x.indkey[k.n - 1] AND a.attnum > 0
WHERE s.nspname = $1 AND NOT x.indisunique AND NOT x.indisprimary
ORDER BY t.relname, i.relname, k.n";

/// The non-unique indexes of `schema`'s tables, by table name.
async fn plain_indexes(
    conn: &DatabaseConnection,
    schema: &str,
) -> Result<BTreeMap<String, Vec<Index>>, SchemaError> {
    let stmt = Statement::from_sql_and_values(DbBackend::Postgres, PLAIN_INDEXES, [schema.into()]);
    let reading = |e: sea_orm::DbErr| failed(PG, "reading indexes", db_words(&e));
    let mut found: BTreeMap<String, Vec<Index>> = BTreeMap::new();
    for row in conn.query_all_raw(stmt).await.map_err(reading)? {
        let table: String = row.try_get("", "table_name").map_err(reading)?;
        let index: String = row.try_get("", "index_name").map_err(reading)?;
        let column: String = row.try_get("", "column_name").map_err(reading)?;
        let indexes = found.entry(table).or_default();
        match indexes.last_mut() {
            Some(last) if last.name.as_deref() == Some(index.as_str()) => last.columns.push(column),
            _ => indexes.push(Index {
                name: Some(index),
                columns: vec![column],
                unique: false,
            }),
        }
    }
    Ok(found)
}
