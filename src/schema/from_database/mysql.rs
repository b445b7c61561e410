//! MySQL and MariaDB: sea-schema's discovery of the current database.

use super::{current_schema, failed, sqlx_words, type_word};
use crate::db::Backend;
use crate::schema::SchemaError;
use crate::schema::sql_text;
use crate::schema::model::{
    Check, Column, ColumnType, DefaultValue, FkAction, ForeignKey, Generated, Index, IndexOptions, KeyOptions, Schema,
    Table, View,
};
use crate::db::connect::db_words;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, Statement};
use sea_schema::mysql::def::{
    ColumnDefault, ColumnInfo, ForeignKeyAction, ForeignKeyInfo, IndexInfo, IndexOrder, IndexType, NumericAttr,
    TableDef, Type,
};
use sea_schema::mysql::discovery::SchemaDiscovery;

const MY: Backend = Backend::MySql;

pub(super) async fn discover(conn: &DatabaseConnection) -> Result<Schema, SchemaError> {
    let database = current_schema(conn, MY, "SELECT DATABASE()").await?;
    let found = SchemaDiscovery::new_no_exec(&database)
        .discover_with(conn)
        .await
        .map_err(|e| failed(MY, "reading tables", sqlx_words(e)))?;
    let mariadb = is_mariadb(conn).await?;
    let mut schema = Schema::default();
    for def in found.tables {
        let mut table = table(def);
        if mariadb {
            unescape_string_defaults(&mut table);
        }
        schema.tables.insert(table.name.clone(), table);
    }
    let sql = "SELECT TABLE_NAME, VIEW_DEFINITION FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE()";
    for [name, printed] in text_rows::<2>(conn, sql, "reading views").await? {
        let definition = sql_text::query(&printed, MY, MY)
            .map_err(|e| failed(MY, "reading views", format!("cannot read the query of view `{name}` ({printed}): {e}")))?;
        schema.views.insert(name.clone(), View { name, definition, materialized: false });
    }
    for (table, column, generated) in generated_columns(conn).await? {
        let column = schema.tables.get_mut(&table).and_then(|t| t.columns.iter_mut().find(|c| c.name == column));
        if let Some(column) = column {
            column.generated = Some(generated);
            column.default = None;
        }
    }
    for (table, check) in checks(conn, mariadb).await? {
        if let Some(t) = schema.tables.get_mut(&table) {
            t.checks.push(check);
        }
    }
    let json = if mariadb { mariadb_json_columns(conn).await? } else { Vec::new() };
    for (table, column) in json {
        let column = schema.tables.get_mut(&table).and_then(|t| t.columns.iter_mut().find(|c| c.name == column));
        let longtext = |ty: &ColumnType| matches!(ty, ColumnType::Other(n) if n == "longtext");
        if let Some(column) = column.filter(|c| longtext(&c.ty) || c.ty == ColumnType::Text) {
            column.ty = ColumnType::Json;
        }
    }
    Ok(schema)
}

/// The generated columns of the database's tables, as `(table, column, how)`: `EXTRA` says
/// `STORED GENERATED` or `VIRTUAL GENERATED`.
async fn generated_columns(conn: &DatabaseConnection) -> Result<Vec<(String, String, Generated)>, SchemaError> {
    let step = "reading generated columns";
    let sql = "SELECT TABLE_NAME, COLUMN_NAME, GENERATION_EXPRESSION, EXTRA FROM information_schema.COLUMNS \
               WHERE TABLE_SCHEMA = DATABASE() AND COALESCE(GENERATION_EXPRESSION, '') <> ''";
    let mut found = Vec::new();
    for [table, column, printed, extra] in text_rows::<4>(conn, sql, step).await? {
        let expression = sql_text::expression(&printed, MY, MY)
            .map_err(|e| failed(MY, step, format!("cannot read the expression of `{table}.{column}` ({printed}): {e}")))?;
        let stored = extra.to_uppercase().contains("STORED");
        found.push((table, column, Generated { expression, stored }));
    }
    Ok(found)
}

/// The CHECK constraints of the database's tables, as `(table, check)`, leaving out the
/// `json_valid` check MariaDB gives each JSON column (it is the column's type there). MySQL
/// names a check uniquely in the database and lists no table beside it; MariaDB names it per
/// table and lists the table.
async fn checks(conn: &DatabaseConnection, mariadb: bool) -> Result<Vec<(String, Check)>, SchemaError> {
    let step = "reading CHECK constraints";
    let sql = if mariadb {
        "SELECT TABLE_NAME, CONSTRAINT_NAME, CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS \
         WHERE CONSTRAINT_SCHEMA = DATABASE() \
         AND NOT (LEVEL = 'Column' AND CHECK_CLAUSE = CONCAT('json_valid(`', CONSTRAINT_NAME, '`)'))"
    } else {
        "SELECT t.TABLE_NAME, c.CONSTRAINT_NAME, c.CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS c \
         JOIN information_schema.TABLE_CONSTRAINTS t ON t.CONSTRAINT_SCHEMA = c.CONSTRAINT_SCHEMA \
         AND t.CONSTRAINT_NAME = c.CONSTRAINT_NAME AND t.CONSTRAINT_TYPE = 'CHECK' \
         WHERE c.CONSTRAINT_SCHEMA = DATABASE()"
    };
    let mut found = Vec::new();
    for [table, name, clause] in text_rows::<3>(conn, sql, step).await? {
        let expression = sql_text::expression(&clause, MY, MY)
            .map_err(|e| failed(MY, step, format!("cannot read the condition of `{name}` on `{table}` ({clause}): {e}")))?;
        found.push((table, Check { name: Some(name), expression }));
    }
    Ok(found)
}

/// The rows of `sql`, each its first `N` values as text; `step` names the query in an error.
async fn text_rows<const N: usize>(conn: &DatabaseConnection, sql: &str, step: &'static str) -> Result<Vec<[String; N]>, SchemaError> {
    let on_failure = |e: DbErr| failed(MY, step, db_words(&e));
    let rows = conn
        .query_all_raw(Statement::from_string(DbBackend::MySql, sql))
        .await
        .map_err(on_failure)?;
    let mut found = Vec::new();
    for row in rows {
        let mut values: [String; N] = std::array::from_fn(|_| String::new());
        for (i, value) in values.iter_mut().enumerate() {
            *value = row.try_get_by_index(i).map_err(on_failure)?;
        }
        found.push(values);
    }
    Ok(found)
}

/// Whether the server is MariaDB (which MySQL's discovery reads like MySQL, nearly).
async fn is_mariadb(conn: &DatabaseConnection) -> Result<bool, SchemaError> {
    let on_failure = |e: DbErr| failed(MY, "reading the server version", db_words(&e));
    let version = conn
        .query_one_raw(Statement::from_string(DbBackend::MySql, "SELECT VERSION()"))
        .await
        .map_err(on_failure)?;
    let version: Option<String> = match version {
        Some(row) => row.try_get_by_index(0).map_err(on_failure)?,
        None => None,
    };
    Ok(version.is_some_and(|v| v.contains("MariaDB")))
}

/// MariaDB reports a string default as the SQL literal it is (`'it\'s'`), and sea-schema takes
/// the quotes off but leaves the escapes in: the value is the literal's content unescaped.
fn unescape_string_defaults(table: &mut Table) {
    for column in &mut table.columns {
        if let Some(DefaultValue::Str(s)) = &mut column.default {
            *s = unescape(s);
        }
    }
}

/// The content of a MySQL string literal: `\x` escapes and doubled quotes resolved (`\%` and
/// `\_` keep their backslash, as MySQL keeps it).
fn unescape(literal: &str) -> String {
    let mut out = String::with_capacity(literal.len());
    let mut chars = literal.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, chars.peek().copied()) {
            ('\\', Some(next)) => {
                chars.next();
                match next {
                    '0' => out.push('\0'),
                    'b' => out.push('\u{8}'),
                    'n' => out.push('\n'),
                    'r' => out.push('\r'),
                    't' => out.push('\t'),
                    'Z' => out.push('\u{1a}'),
                    '%' | '_' => {
                        out.push('\\');
                        out.push(next);
                    }
                    other => out.push(other),
                }
            }
            ('\'', Some('\'')) => {
                chars.next();
                out.push('\'');
            }
            (c, _) => out.push(c),
        }
    }
    out
}

/// MariaDB's JSON columns, as `(table, column)`: MariaDB stores JSON as LONGTEXT with a
/// column-level `CHECK (json_valid(column))`, and reports the type as `longtext`. (MySQL has a
/// JSON type of its own, and no `TABLE_NAME` in `CHECK_CONSTRAINTS`.)
async fn mariadb_json_columns(conn: &DatabaseConnection) -> Result<Vec<(String, String)>, SchemaError> {
    let step = "finding MariaDB's JSON columns";
    let on_failure = |e: DbErr| failed(MY, step, db_words(&e));
    let sql = "SELECT TABLE_NAME, CONSTRAINT_NAME FROM information_schema.CHECK_CONSTRAINTS \
               WHERE CONSTRAINT_SCHEMA = DATABASE() AND LEVEL = 'Column' \
               AND CHECK_CLAUSE = CONCAT('json_valid(`', CONSTRAINT_NAME, '`)')";
    let rows = conn
        .query_all_raw(Statement::from_string(DbBackend::MySql, sql))
        .await
        .map_err(on_failure)?;
    rows.iter()
        .map(|row| Ok((row.try_get_by_index(0)?, row.try_get_by_index(1)?)))
        .collect::<Result<_, DbErr>>()
        .map_err(on_failure)
}

/// A secondary index: its method, and per key part its order and prefix length.
fn index(info: IndexInfo) -> Index {
    let method = match info.idx_type {
        IndexType::BTree => None,
        IndexType::FullText => Some("fulltext"),
        IndexType::Hash => Some("hash"),
        _ => Some("spatial"),
    };
    let keys: Vec<KeyOptions> = info
        .parts
        .iter()
        .map(|p| KeyOptions { descending: p.order == IndexOrder::Descending, prefix: p.sub_part, ..KeyOptions::default() })
        .collect();
    let keys = KeyOptions::tidy(keys);
    Index {
        name: Some(info.name),
        columns: info.parts.into_iter().map(|p| p.column).collect(),
        unique: info.unique,
        options: IndexOptions { method: method.map(str::to_owned), keys, ..IndexOptions::default() },
    }
}

/// The index called `PRIMARY` is the primary key; the others are secondary indexes.
fn table(def: TableDef) -> Table {
    let mut primary_key = Vec::new();
    let mut indexes = Vec::new();
    for index in def.indexes {
        if index.name == "PRIMARY" {
            primary_key = index.parts.into_iter().map(|p| p.column).collect();
        } else {
            indexes.push(self::index(index));
        }
    }
    Table {
        name: def.info.name,
        columns: def.columns.into_iter().map(column).collect(),
        primary_key,
        indexes,
        foreign_keys: def.foreign_keys.into_iter().map(foreign_key).collect(),
        checks: Vec::new(),
    }
}

fn column(info: ColumnInfo) -> Column {
    Column {
        ty: column_type(&info.col_type),
        nullable: info.null,
        default: info.default.map(default_value),
        auto_increment: info.extra.auto_increment,
        name: info.name, generated: None,
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
