//! Column types: SQL type names resolved to model types (`int4`, `character varying(255)`,
//! `tinyint(1)`, `timestamptz`, SQLite's `timestamp_with_timezone_text`, ...), then every type
//! mapped onto what the backend actually stores.

use super::defaults::quoted_prefix;
use crate::db::Backend;
use crate::schema::model::{ColumnType, EnumType};
use std::collections::BTreeMap;

/// `ty` as `backend` stores it. `enums` are the schema's named enum types.
pub fn normalise(
    ty: &ColumnType,
    backend: Backend,
    enums: &BTreeMap<String, EnumType>,
) -> ColumnType {
    let ty = match ty {
        ColumnType::Other(name) => resolve(name, backend, enums),
        other => other.clone(),
    };
    match backend {
        Backend::Postgres => postgres(ty),
        Backend::MySql => mysql(ty, enums),
        Backend::Sqlite => sqlite(ty),
    }
}

/// Whether `ty` is a `serial` type: an integer whose values the database assigns.
pub fn is_serial(ty: &ColumnType) -> bool {
    let serials = [
        "serial",
        "serial2",
        "serial4",
        "serial8",
        "smallserial",
        "bigserial",
    ];
    let ColumnType::Other(name) = ty else {
        return false;
    };
    serials.contains(&name.trim().to_ascii_lowercase().as_str())
}

/// The model type an SQL type name stands for on `backend`; `Other` (lower case) if none.
pub fn resolve(name: &str, backend: Backend, enums: &BTreeMap<String, EnumType>) -> ColumnType {
    use ColumnType as T;
    if enums.contains_key(name) {
        return T::Enum(name.to_owned());
    }
    if let Some(values) = inline_enum(name.trim()) {
        return T::InlineEnum(values);
    }
    let full = name.trim().to_ascii_lowercase();
    let (lower, unsigned) = match full.strip_suffix(" unsigned") {
        Some(rest) => (rest.trim_end(), true),
        None => (full.as_str(), false),
    };
    let (base, args) = split_args(lower);
    let arg = |i: usize| args.get(i).copied();
    let int = |signed: T, unsigned_ty: T| if unsigned { unsigned_ty } else { signed };
    let my = backend == Backend::MySql;
    match base {
        "tinyint" if my && arg(0) == Some(1) && !unsigned => T::Boolean,
        "bool" | "boolean" => T::Boolean,
        "serial" if my => T::BigUnsigned,
        "tinyint" | "int1" => int(T::TinyInt, T::TinyUnsigned),
        "smallint" | "int2" | "smallserial" | "serial2" => int(T::SmallInt, T::SmallUnsigned),
        "int" | "integer" | "int4" | "serial" | "serial4" => int(T::Integer, T::Unsigned),
        "bigint" | "int8" | "bigserial" | "serial8" => int(T::BigInt, T::BigUnsigned),
        "real" | "float4" => T::Float,
        // PostgreSQL's FLOAT is double precision unless given at most 24 bits.
        "float" if backend == Backend::Postgres && arg(0).is_none_or(|p| p > 24) => T::Double,
        "float" => T::Float,
        "double" | "double precision" | "float8" => T::Double,
        "decimal" | "numeric" | "real_decimal" => T::Decimal {
            precision: arg(0),
            scale: arg(1),
        },
        "varchar" | "character varying" | "nvarchar" => T::String { len: arg(0) },
        "char" | "character" | "bpchar" | "nchar" => T::Char { len: arg(0) },
        "text" | "enum_text" => T::Text,
        "bytea" => T::Blob,
        "blob" if backend == Backend::Sqlite && arg(0).is_some() => T::Binary { len: arg(0) },
        "blob" => T::Blob,
        "binary" => T::Binary { len: arg(0) },
        "varbinary" | "varbinary_blob" => T::VarBinary { len: arg(0) },
        "date" | "date_text" => T::Date,
        "time" | "time without time zone" | "time_text" => T::Time,
        "datetime" | "timestamp without time zone" | "datetime_text" => T::DateTime,
        "timestamp" | "timestamp_text" => T::Timestamp,
        "timestamptz" | "timestamp with time zone" | "timestamp_with_timezone_text" => {
            T::TimestampTz
        }
        // MariaDB's native UUID is not what sea-orm creates on MySQL (BINARY(16)).
        "uuid" if my => T::Other(full.clone()),
        "uuid" | "uuid_text" => T::Uuid,
        "json" | "json_text" => T::Json,
        "jsonb" | "jsonb_text" => T::JsonBinary,
        _ => T::Other(full.clone()),
    }
}

/// `name(1, 2)` as `("name", [1, 2])`; `name` and anything else as `(whole, [])`.
fn split_args(name: &str) -> (&str, Vec<u32>) {
    let args = name.split_once('(').and_then(|(base, rest)| {
        let args = rest
            .strip_suffix(')')?
            .split(',')
            .map(|a| a.trim().parse::<u32>());
        Some((base.trim_end(), args.collect::<Result<Vec<_>, _>>().ok()?))
    });
    args.unwrap_or((name, Vec::new()))
}

/// The values of MySQL's `enum('a','b')`, quotes removed.
fn inline_enum(name: &str) -> Option<Vec<String>> {
    let head = name.get(..5).filter(|h| h.eq_ignore_ascii_case("enum("))?;
    let mut rest = name[head.len()..].strip_suffix(')')?.trim();
    let mut values = Vec::new();
    while !rest.is_empty() {
        let (value, after) = quoted_prefix(rest)?;
        values.push(value);
        let after = after.trim_start();
        rest = after.strip_prefix(',').unwrap_or(after).trim_start();
    }
    Some(values)
}

/// PostgreSQL has no tiny or unsigned integers (sea-query widens them), `timestamp` has no time
/// zone, all binary is `bytea`, `char` is `char(1)` and `numeric(p)` is `numeric(p, 0)`.
fn postgres(ty: ColumnType) -> ColumnType {
    use ColumnType as T;
    match ty {
        T::TinyInt | T::TinyUnsigned => T::SmallInt,
        T::SmallUnsigned => T::Integer,
        T::Unsigned | T::BigUnsigned => T::BigInt,
        T::Timestamp => T::DateTime,
        T::Binary { .. } | T::VarBinary { .. } => T::Blob,
        T::Char { len: None } => T::Char { len: Some(1) },
        T::Decimal {
            precision: Some(p),
            scale: None,
        } => T::Decimal {
            precision: Some(p),
            scale: Some(0),
        },
        other => other,
    }
}

/// MySQL's `timestamp` is a point in time, JSON has one type, UUIDs are `binary(16)`, lengths
/// default to 255 (VARCHAR, VARBINARY, as sea-query writes them) and 1 (CHAR, BINARY),
/// `decimal` to `decimal(10, 0)`, and enums are spelled inline.
fn mysql(ty: ColumnType, enums: &BTreeMap<String, EnumType>) -> ColumnType {
    use ColumnType as T;
    match ty {
        T::Timestamp => T::TimestampTz,
        T::JsonBinary => T::Json,
        T::Uuid => T::Binary { len: Some(16) },
        T::String { len: None } => T::String { len: Some(255) },
        T::VarBinary { len: None } => T::VarBinary { len: Some(255) },
        T::Char { len: None } => T::Char { len: Some(1) },
        T::Binary { len: None } => T::Binary { len: Some(1) },
        T::Decimal { precision, scale } => T::Decimal {
            precision: Some(precision.unwrap_or(10)),
            scale: Some(scale.unwrap_or(0)),
        },
        T::Enum(name) => match enums.get(&name) {
            Some(e) => T::InlineEnum(e.values.clone()),
            None => T::Enum(name),
        },
        other => other,
    }
}

/// SQLite has one integer type (and sea-schema reports `integer` as `bigint`), stores both
/// timestamp spellings as the same text, and stores enums as text (declared `enum_text`, which
/// sea-schema reports as `text`). It keeps a decimal's declared type as written, and sea-query
/// writes `numeric(p)` as `decimal(p, 0)`, which is what `numeric(p)` means in SQL.
fn sqlite(ty: ColumnType) -> ColumnType {
    use ColumnType as T;
    match ty {
        T::Decimal {
            precision: Some(p),
            scale: None,
        } => T::Decimal {
            precision: Some(p),
            scale: Some(0),
        },
        T::TinyInt | T::SmallInt | T::Integer | T::BigInt => T::Integer,
        T::TinyUnsigned | T::SmallUnsigned | T::Unsigned | T::BigUnsigned => T::Integer,
        T::Timestamp => T::DateTime,
        T::Enum(_) | T::InlineEnum(_) => T::Text,
        other => other,
    }
}
