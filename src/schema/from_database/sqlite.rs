//! SQLite: sea-schema's discovery, which reads `sqlite_master` and the table pragmas. SQLite
//! reports column types as sea-query types, read by the same code as the entities'.

use super::{failed, sqlx_words};
use crate::db::Backend;
use crate::db::connect::db_words;
use crate::schema::normalise::defaults;
use crate::schema::SchemaError;
use crate::schema::model::{Column, DefaultValue, FkAction, ForeignKey, Index, Schema, Table};
use crate::schema::statement;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use sea_schema::sqlite::SqliteDiscoveryError;
use sea_schema::sqlite::def::{
    ColumnInfo, DefaultType, ForeignKeyAction, ForeignKeysInfo, TableDef,
};
use sea_schema::sqlite::discovery::SchemaDiscovery;

pub(super) async fn discover(conn: &DatabaseConnection) -> Result<Schema, SchemaError> {
    let found = SchemaDiscovery::discover_with(conn).await.map_err(|e| {
        let reason = match e {
            SqliteDiscoveryError::SqlxError(e) => sqlx_words(e),
            other => other.to_string(),
        };
        failed(Backend::Sqlite, "reading tables", reason)
    })?;
    let mut schema = Schema::default();
    for def in found
        .tables
        .into_iter()
        .filter(|t| !t.name.starts_with("sqlite_"))
    {
        let mut table = table(def);
        read_defaults(conn, &mut table).await?;
        schema.tables.insert(table.name.clone(), table);
    }
    // Indexes made by CREATE INDEX; those of UNIQUE constraints came with their table.
    for index in found.indexes {
        if let Some(table) = schema.tables.get_mut(&index.table_name) {
            let unique = index.unique;
            table.indexes.push(Index {
                name: Some(index.index_name),
                columns: index.columns,
                unique,
            });
        }
    }
    Ok(schema)
}

/// Sets the defaults of `table`'s columns from `PRAGMA table_info`, whose `dflt_value` is the
/// default's SQL text. sea-schema's reading of it drops every quote, so that `'it''s'` reads as
/// `its`, `''` as no default at all and `'12'` as the number 12.
async fn read_defaults(conn: &DatabaseConnection, table: &mut Table) -> Result<(), SchemaError> {
    let sql = "SELECT name, dflt_value FROM pragma_table_info(?1)";
    let stmt = Statement::from_sql_and_values(DbBackend::Sqlite, sql, [table.name.as_str().into()]);
    let step = "reading column defaults";
    let rows = conn
        .query_all_raw(stmt)
        .await
        .map_err(|e| failed(Backend::Sqlite, step, db_words(&e)))?;
    for row in rows {
        let read = |i| row.try_get_by_index::<Option<String>>(i);
        let (name, sql) = read(0)
            .and_then(|name| Ok((name, read(1)?)))
            .map_err(|e| failed(Backend::Sqlite, step, db_words(&e)))?;
        let column = table.columns.iter_mut().find(|c| Some(&c.name) == name.as_ref());
        if let Some(column) = column {
            column.default = sql.as_deref().map(defaults::parse_sql);
        }
    }
    Ok(())
}

fn table(def: TableDef) -> Table {
    let primary_key = def
        .columns
        .iter()
        .filter(|c| c.primary_key)
        .map(|c| c.name.clone())
        .collect();
    let auto_increment = def.auto_increment;
    Table {
        columns: def
            .columns
            .into_iter()
            .map(|c| column(c, auto_increment))
            .collect(),
        primary_key,
        indexes: def
            .constraints
            .into_iter()
            .map(|u| Index {
                name: Some(u.index_name),
                columns: u.columns,
                unique: u.unique,
            })
            .collect(),
        foreign_keys: def.foreign_keys.into_iter().map(foreign_key).collect(),
        name: def.name,
    }
}

/// `table_autoincrement`: the table was declared with AUTOINCREMENT, which SQLite only allows
/// on an INTEGER PRIMARY KEY.
fn column(info: ColumnInfo, table_autoincrement: bool) -> Column {
    Column {
        ty: statement::column_type(&info.r#type),
        nullable: !info.not_null,
        default: default_value(info.default_value),
        auto_increment: table_autoincrement && info.primary_key,
        name: info.name,
    }
}

fn default_value(default: DefaultType) -> Option<DefaultValue> {
    match default {
        DefaultType::Integer(n) => Some(DefaultValue::Int(n)),
        DefaultType::Float(f) => Some(DefaultValue::Float(f.to_string())),
        DefaultType::String(s) => Some(DefaultValue::Str(s)),
        DefaultType::Null => Some(DefaultValue::Null),
        DefaultType::Unspecified => None,
        DefaultType::CurrentTimestamp => Some(DefaultValue::CurrentTimestamp),
    }
}

/// SQLite foreign keys declared inline have no name.
fn foreign_key(fk: ForeignKeysInfo) -> ForeignKey {
    ForeignKey {
        name: None,
        columns: fk.from,
        ref_table: fk.table,
        ref_columns: fk.to,
        on_delete: action(&fk.on_delete),
        on_update: action(&fk.on_update),
    }
}

fn action(action: &ForeignKeyAction) -> FkAction {
    match action {
        ForeignKeyAction::NoAction => FkAction::NoAction,
        ForeignKeyAction::Restrict => FkAction::Restrict,
        ForeignKeyAction::SetNull => FkAction::SetNull,
        ForeignKeyAction::SetDefault => FkAction::SetDefault,
        ForeignKeyAction::Cascade => FkAction::Cascade,
    }
}
