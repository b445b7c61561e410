//! MySQL and MariaDB: sea-schema's discovery of the current database.

use super::{current_schema, failed, sqlx_words, type_word};
use crate::db::Backend;
use crate::schema::SchemaError;
use crate::schema::model::{
    Column, ColumnType, DefaultValue, FkAction, ForeignKey, Index, Schema, Table,
};
use sea_orm::DatabaseConnection;
use sea_schema::mysql::def::{
    ColumnDefault, ColumnInfo, ForeignKeyAction, ForeignKeyInfo, NumericAttr, TableDef, Type,
};
use sea_schema::mysql::discovery::SchemaDiscovery;

const MY: Backend = Backend::MySql;

pub(super) async fn discover(conn: &DatabaseConnection) -> Result<Schema, SchemaError> {
    let database = current_schema(conn, MY, "SELECT DATABASE()").await?;
    let found = SchemaDiscovery::new_no_exec(&database)
        .discover_with(conn)
        .await
        .map_err(|e| failed(MY, "reading tables", sqlx_words(e)))?;
    let mut schema = Schema::default();
    for def in found.tables {
        let table = table(def);
        schema.tables.insert(table.name.clone(), table);
    }
    Ok(schema)
}

/// The index called `PRIMARY` is the primary key; the others are secondary indexes.
fn table(def: TableDef) -> Table {
    let mut primary_key = Vec::new();
    let mut indexes = Vec::new();
    for index in def.indexes {
        let columns = index.parts.into_iter().map(|p| p.column).collect();
        if index.name == "PRIMARY" {
            primary_key = columns;
        } else {
            indexes.push(Index {
                name: Some(index.name),
                columns,
                unique: index.unique,
            });
        }
    }
    Table {
        name: def.info.name,
        columns: def.columns.into_iter().map(column).collect(),
        primary_key,
        indexes,
        foreign_keys: def.foreign_keys.into_iter().map(foreign_key).collect(),
    }
}

fn column(info: ColumnInfo) -> Column {
    Column {
        ty: column_type(&info.col_type),
        nullable: info.null,
        default: info.default.map(default_value),
        auto_increment: info.extra.auto_increment,
        name: info.name,
    }
}

/// `tinyint(1)` stays `Other("tinyint(1)")`: that it means a boolean is `normalise`'s call.
fn column_type(ty: &Type) -> ColumnType {
    let unsigned = |a: &NumericAttr| a.unsigned == Some(true);
    let int = |a: &NumericAttr, signed: ColumnType, unsigned_ty: ColumnType| {
        if unsigned(a) { unsigned_ty } else { signed }
    };
    match ty {
        Type::TinyInt(a) if a.maximum == Some(1) && !unsigned(a) => {
            ColumnType::Other("tinyint(1)".into())
        }
        Type::TinyInt(a) => int(a, ColumnType::TinyInt, ColumnType::TinyUnsigned),
        Type::SmallInt(a) => int(a, ColumnType::SmallInt, ColumnType::SmallUnsigned),
        Type::Int(a) => int(a, ColumnType::Integer, ColumnType::Unsigned),
        Type::BigInt(a) => int(a, ColumnType::BigInt, ColumnType::BigUnsigned),
        Type::Serial => ColumnType::BigUnsigned,
        Type::Bool => ColumnType::Boolean,
        Type::Decimal(a) => ColumnType::Decimal {
            precision: a.maximum,
            scale: a.decimal,
        },
        Type::Float(_) => ColumnType::Float,
        Type::Double(_) => ColumnType::Double,
        Type::Date => ColumnType::Date,
        Type::Time(_) => ColumnType::Time,
        Type::DateTime(_) => ColumnType::DateTime,
        Type::Timestamp(_) => ColumnType::Timestamp,
        Type::Char(a) | Type::NChar(a) => ColumnType::Char { len: a.length },
        Type::Varchar(a) | Type::NVarchar(a) => ColumnType::String { len: a.length },
        Type::Binary(a) => ColumnType::Binary { len: a.length },
        Type::Varbinary(a) => ColumnType::VarBinary { len: a.length },
        Type::Text(_) => ColumnType::Text,
        Type::Blob(_) => ColumnType::Blob,
        Type::Json => ColumnType::Json,
        Type::Enum(e) => ColumnType::InlineEnum(e.values.clone()),
        Type::Unknown(name) => ColumnType::Other(name.clone()),
        other => ColumnType::Other(type_word(other)),
    }
}

fn default_value(default: ColumnDefault) -> DefaultValue {
    match default {
        ColumnDefault::Null => DefaultValue::Null,
        ColumnDefault::Int(n) => DefaultValue::Int(n),
        ColumnDefault::Real(f) => DefaultValue::Float(f.to_string()),
        ColumnDefault::String(s) => DefaultValue::Str(s),
        ColumnDefault::CustomExpr(sql) => DefaultValue::Expr(sql),
        ColumnDefault::CurrentTimestamp => DefaultValue::CurrentTimestamp,
    }
}

fn foreign_key(fk: ForeignKeyInfo) -> ForeignKey {
    ForeignKey {
        name: Some(fk.name),
        columns: fk.columns,
        ref_table: fk.referenced_table,
        ref_columns: fk.referenced_columns,
        on_delete: action(&fk.on_delete),
        on_update: action(&fk.on_update),
    }
}

fn action(action: &ForeignKeyAction) -> FkAction {
    match action {
        ForeignKeyAction::Cascade => FkAction::Cascade,
        ForeignKeyAction::SetNull => FkAction::SetNull,
        ForeignKeyAction::SetDefault => FkAction::SetDefault,
        ForeignKeyAction::Restrict => FkAction::Restrict,
        ForeignKeyAction::NoAction => FkAction::NoAction,
    }
}
