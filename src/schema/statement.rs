//! Reading sea-query statements and types into the model. sea-orm describes entities as
//! sea-query `CREATE TABLE`/`CREATE INDEX` statements, and SQLite discovery reports sea-query
//! column types, so both sources share this reader.

use super::sql_text;
use super::model::{Check, Column, ColumnType, DefaultValue, FkAction, ForeignKey, Generated, Index, Table};
use crate::db::Backend;
use sea_orm::DbBackend;
use sea_orm::sea_query::{
    Alias, ColumnDef, MysqlQueryBuilder, PostgresQueryBuilder, ColumnType as SqType, Expr, ForeignKeyAction, IndexCreateStatement, Keyword, Query,
    StringLen, TableCreateStatement, TableForeignKey, TableName, TableRef, Value,
};

/// The table described by `stmt` and its separately created `indexes`.
pub(crate) fn table(
    stmt: &TableCreateStatement,
    indexes: &[IndexCreateStatement],
    backend: DbBackend,
) -> Table {
    let mut table = Table {
        name: table_name(stmt.get_table_name()),
        columns: Vec::new(),
        primary_key: Vec::new(),
        indexes: Vec::new(),
        foreign_keys: Vec::new(),
        checks: Vec::new(),
    };
    for def in stmt.get_columns() {
        let spec = def.get_column_spec();
        let name = def.get_column_name();
        if spec.primary_key {
            table.primary_key.push(name.clone());
        }
        if spec.unique {
            table.indexes.push(Index {
                columns: vec![name.clone()],
                unique: true,
                ..Index::default()
            });
        }
        table.columns.push(column(def, backend));
    }
    for index in stmt.get_indexes().iter().chain(indexes) {
        if index.is_primary_key() {
            table.primary_key = index.get_index_spec().get_column_names();
            continue;
        }
        table.indexes.push(self::index(index, backend));
    }
    for fk in stmt.get_foreign_key_create_stmts() {
        table.foreign_keys.push(foreign_key(fk.get_foreign_key()));
    }
    table
}

/// The index `stmt` creates (its table aside), read from the SQL sea-query writes for it:
/// sea-query keeps an index's method, key order, operator classes, expressions, predicate and
/// INCLUDE columns to itself. PostgreSQL's builder writes every one of them (and never panics
/// on an expression, as SQLite's does); `FULLTEXT`, which it writes as GIN, is asked of MySQL's.
/// Where the SQL cannot be read, the index is its columns.
pub(crate) fn index(stmt: &IndexCreateStatement, backend: DbBackend) -> Index {
    let backend = Backend::from_sea_orm(backend);
    let spec = stmt.get_index_spec();
    let plain = || Index {
        name: spec.get_name().map(str::to_owned),
        columns: spec.get_column_names(),
        unique: stmt.is_unique_key(),
        ..Index::default()
    };
    let mut stmt = stmt.clone();
    stmt.table(Alias::new("t"));
    let sql = stmt.to_string(PostgresQueryBuilder);
    let Ok(mut index) = sql_text::parse(&sql, Backend::Postgres, backend) else { return plain() };
    let mysql = stmt.to_string(MysqlQueryBuilder);
    if mysql.starts_with("CREATE FULLTEXT") || mysql.starts_with("CREATE UNIQUE FULLTEXT") {
        index.options.method = Some("fulltext".into());
    }
    index
}

/// The CHECK constraint `name` with `condition`, read as PostgreSQL's builder writes the
/// condition (its SQL parses on every backend) and printed canonically for `backend`.
pub(crate) fn check(name: &str, condition: &Expr, backend: DbBackend) -> Check {
    Check { name: Some(name.to_owned()), expression: canonical(condition, Backend::from_sea_orm(backend)) }
}

/// `expr` as PostgreSQL's builder writes it (SQL every backend's dialect parses), printed
/// canonically for `backend`; as written where it does not parse.
pub(crate) fn canonical(expr: &Expr, backend: Backend) -> String {
    let sql = render(expr, DbBackend::Postgres);
    sql_text::expression(&sql, Backend::Postgres, backend).unwrap_or(sql)
}

fn column(def: &ColumnDef, backend: DbBackend) -> Column {
    let spec = def.get_column_spec();
    let unspecified = || ColumnType::Other("unspecified".into());
    Column {
        name: def.get_column_name(),
        ty: def.get_column_type().map_or_else(unspecified, column_type),
        nullable: spec.nullable != Some(false),
        default: spec.default.as_ref().map(|e| default_value(e, backend)),
        auto_increment: spec.auto_increment,
        generated: spec.generated.as_ref().map(|g| generated(&g.expr, g.stored, backend)),
    }
}

/// A generated column's `expr`, read as PostgreSQL's builder writes it and printed canonically
/// for `backend`.
pub(crate) fn generated(expr: &Expr, stored: bool, backend: DbBackend) -> Generated {
    Generated { expression: canonical(expr, Backend::from_sea_orm(backend)), stored }
}

fn foreign_key(fk: &TableForeignKey) -> ForeignKey {
    ForeignKey {
        name: fk.get_name().map(str::to_owned),
        columns: fk.get_columns(),
        ref_table: table_name(fk.get_ref_table()),
        ref_columns: fk.get_ref_columns(),
        on_delete: fk_action(fk.get_on_delete()),
        on_update: fk_action(fk.get_on_update()),
    }
}

/// A table's bare name, without schema qualification.
fn table_name(table: Option<&TableRef>) -> String {
    match table {
        Some(TableRef::Table(TableName(_, name), _)) => name.to_string(),
        _ => String::new(),
    }
}

/// No action given is SQL's `NO ACTION`.
fn fk_action(action: Option<ForeignKeyAction>) -> FkAction {
    match action {
        Some(ForeignKeyAction::Restrict) => FkAction::Restrict,
        Some(ForeignKeyAction::Cascade) => FkAction::Cascade,
        Some(ForeignKeyAction::SetNull) => FkAction::SetNull,
        Some(ForeignKeyAction::SetDefault) => FkAction::SetDefault,
        _ => FkAction::NoAction,
    }
}

/// A sea-query column type as the model names it; the backend's view is `normalise`'s job.
pub(crate) fn column_type(ty: &SqType) -> ColumnType {
    let other = |name: &str| ColumnType::Other(name.to_owned());
    match ty {
        SqType::Char(len) => ColumnType::Char { len: *len },
        SqType::String(len) => ColumnType::String {
            len: string_len(*len),
        },
        SqType::Text => ColumnType::Text,
        SqType::Blob => ColumnType::Blob,
        SqType::TinyInteger => ColumnType::TinyInt,
        SqType::SmallInteger => ColumnType::SmallInt,
        SqType::Integer => ColumnType::Integer,
        SqType::BigInteger => ColumnType::BigInt,
        SqType::TinyUnsigned => ColumnType::TinyUnsigned,
        SqType::SmallUnsigned => ColumnType::SmallUnsigned,
        SqType::Unsigned => ColumnType::Unsigned,
        SqType::BigUnsigned => ColumnType::BigUnsigned,
        SqType::Float => ColumnType::Float,
        SqType::Double => ColumnType::Double,
        SqType::Decimal(ps) => ColumnType::Decimal {
            precision: ps.map(|(p, _)| p),
            scale: ps.map(|(_, s)| s),
        },
        SqType::DateTime => ColumnType::DateTime,
        SqType::Timestamp => ColumnType::Timestamp,
        SqType::TimestampWithTimeZone => ColumnType::TimestampTz,
        SqType::Time => ColumnType::Time,
        SqType::Date => ColumnType::Date,
        SqType::Binary(len) => ColumnType::Binary { len: Some(*len) },
        SqType::VarBinary(len) => ColumnType::VarBinary {
            len: string_len(*len),
        },
        SqType::Boolean => ColumnType::Boolean,
        SqType::Json => ColumnType::Json,
        SqType::JsonBinary => ColumnType::JsonBinary,
        SqType::Uuid => ColumnType::Uuid,
        SqType::Custom(name) => ColumnType::Other(name.to_string()),
        SqType::Enum { name, .. } => ColumnType::Enum(name.to_string()),
        SqType::Year => other("year"),
        SqType::Interval(..) => other("interval"),
        SqType::Bit(_) => other("bit"),
        SqType::VarBit(_) => other("varbit"),
        SqType::Money(_) => other("money"),
        SqType::Array(_) => other("array"),
        SqType::Vector(_) => other("vector"),
        SqType::Cidr => other("cidr"),
        SqType::Inet => other("inet"),
        SqType::MacAddr => other("macaddr"),
        SqType::LTree => other("ltree"),
        _ => ColumnType::Other(format!("{ty:?}").to_lowercase()),
    }
}

fn string_len(len: StringLen) -> Option<u32> {
    match len {
        StringLen::N(n) => Some(n),
        _ => None,
    }
}

/// A default expression as a value where it is a literal, else as SQL text for `backend`.
fn default_value(expr: &Expr, backend: DbBackend) -> DefaultValue {
    match expr {
        Expr::Value(value) | Expr::Constant(value) => {
            literal(value).unwrap_or_else(|| DefaultValue::Expr(render(expr, backend)))
        }
        Expr::Keyword(Keyword::CurrentTimestamp) => DefaultValue::CurrentTimestamp,
        Expr::Keyword(Keyword::Null) => DefaultValue::Null,
        Expr::Custom(sql) => DefaultValue::Expr(sql.to_string()),
        _ => DefaultValue::Expr(render(expr, backend)),
    }
}

fn literal(value: &Value) -> Option<DefaultValue> {
    let int = |n: i64| Some(DefaultValue::Int(n));
    match value {
        Value::Bool(Some(b)) => Some(DefaultValue::Bool(*b)),
        Value::TinyInt(Some(n)) => int((*n).into()),
        Value::SmallInt(Some(n)) => int((*n).into()),
        Value::Int(Some(n)) => int((*n).into()),
        Value::BigInt(Some(n)) => int(*n),
        Value::TinyUnsigned(Some(n)) => int((*n).into()),
        Value::SmallUnsigned(Some(n)) => int((*n).into()),
        Value::Unsigned(Some(n)) => int((*n).into()),
        Value::BigUnsigned(Some(n)) => i64::try_from(*n).ok().map(DefaultValue::Int),
        Value::Float(Some(f)) => Some(DefaultValue::Float(f.to_string())),
        Value::Double(Some(f)) => Some(DefaultValue::Float(f.to_string())),
        Value::String(Some(s)) => Some(DefaultValue::Str(s.clone())),
        Value::Char(Some(c)) => Some(DefaultValue::Str(c.to_string())),
        _ => None,
    }
}

/// `expr` as the SQL `backend` would send, values inlined.
pub(crate) fn render(expr: &Expr, backend: DbBackend) -> String {
    let select = Query::select().expr(expr.clone()).to_owned();
    let sql = backend.build(&select).to_string();
    sql.strip_prefix("SELECT ")
        .map_or(sql.clone(), str::to_owned)
}
