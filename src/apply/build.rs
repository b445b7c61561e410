//! The schema model as sea-query builders, one function per piece of the model. A code
//! generator writes the same builder calls, line for line, into a migration file; `apply` runs
//! them. Nothing here looks at the backend: sea-query renders each statement for its own.

use crate::schema::{Column, ColumnType, DefaultValue, EnumType, FkAction, ForeignKey, Index, Table};
use sea_orm::sea_query::{
    Alias, ColumnDef, Expr, ForeignKey as SeaForeignKey, ForeignKeyAction,
    ForeignKeyCreateStatement, Index as SeaIndex, IndexCreateStatement, Table as SeaTable,
    TableAlterStatement, TableCreateStatement, TableDropStatement, TableRenameStatement,
};
use sea_orm::sea_query::extension::postgres::{Type, TypeCreateStatement, TypeDropStatement};
use std::collections::BTreeMap;

/// `CREATE TABLE` with the table's columns, primary key (on the column itself when it is a
/// sole column, so that SQLite's AUTOINCREMENT can follow it) and foreign keys (inline, which
/// SQLite requires); indexes are separate statements ([`index`]).
pub fn create_table(table: &Table, enums: &BTreeMap<String, EnumType>) -> TableCreateStatement {
    let mut create = SeaTable::create();
    create.table(Alias::new(&table.name));
    let sole_key = match table.primary_key.as_slice() {
        [only] => Some(only),
        _ => None,
    };
    for column in &table.columns {
        let mut def = column_def(column, enums);
        if sole_key == Some(&column.name) {
            def.primary_key();
        }
        create.col(def);
    }
    if table.primary_key.len() > 1 {
        let mut key = SeaIndex::create();
        for column in &table.primary_key {
            key.col(Alias::new(column));
        }
        create.primary_key(&mut key);
    }
    for fk in &table.foreign_keys {
        create.foreign_key(&mut foreign_key(&table.name, fk));
    }
    create
}

/// The definition of `column`: type, NULL or NOT NULL, default, auto-increment. `enums` gives
/// the values of the named enum types a column may use (MySQL spells them out).
pub fn column_def(column: &Column, enums: &BTreeMap<String, EnumType>) -> ColumnDef {
    let mut def = ColumnDef::new(Alias::new(&column.name));
    column_type(&mut def, &column.name, &column.ty, enums);
    if column.nullable {
        def.null();
    } else {
        def.not_null();
    }
    if let Some(default) = column.default.as_ref().and_then(default_expr) {
        def.default(default);
    }
    if column.auto_increment {
        def.auto_increment();
    }
    def
}

/// Sets the type of `def` (the column `name`) to `ty`, with sea-query's method for it.
fn column_type(def: &mut ColumnDef, name: &str, ty: &ColumnType, enums: &BTreeMap<String, EnumType>) {
    use ColumnType as T;
    match ty {
        T::TinyInt => def.tiny_integer(),
        T::SmallInt => def.small_integer(),
        T::Integer => def.integer(),
        T::BigInt => def.big_integer(),
        T::TinyUnsigned => def.tiny_unsigned(),
        T::SmallUnsigned => def.small_unsigned(),
        T::Unsigned => def.unsigned(),
        T::BigUnsigned => def.big_unsigned(),
        T::Float => def.float(),
        T::Double => def.double(),
        T::Decimal { precision: Some(p), scale } => def.decimal_len(*p, scale.unwrap_or(0)),
        T::Decimal { .. } => def.decimal(),
        T::Boolean => def.boolean(),
        T::String { len: Some(n) } => def.string_len(*n),
        T::String { len: None } => def.string(),
        T::Char { len: Some(n) } => def.char_len(*n),
        T::Char { len: None } => def.char(),
        T::Text => def.text(),
        T::Binary { len: Some(n) } => def.binary_len(*n),
        T::Binary { len: None } => def.binary(),
        T::VarBinary { len: Some(n) } => def.var_binary(*n),
        T::VarBinary { len: None } => def.custom(Alias::new("varbinary")),
        T::Blob => def.blob(),
        T::Date => def.date(),
        T::Time => def.time(),
        T::DateTime => def.date_time(),
        T::Timestamp => def.timestamp(),
        T::TimestampTz => def.timestamp_with_time_zone(),
        T::Uuid => def.uuid(),
        T::Json => def.json(),
        T::JsonBinary => def.json_binary(),
        // PostgreSQL's named type: sea-query writes its name only.
        T::Enum(ty) => {
            let values = enums.get(ty).map(|e| e.values.clone()).unwrap_or_default();
            def.enumeration(Alias::new(ty), values.iter().map(Alias::new))
        }
        T::InlineEnum(values) => def.enumeration(Alias::new(name), values.iter().map(Alias::new)),
        T::Other(sql) => def.custom(Alias::new(sql)),
    };
}

/// A default as a sea-query expression; `None` for `DEFAULT NULL`, which is no default.
pub fn default_expr(value: &DefaultValue) -> Option<Expr> {
    Some(match value {
        DefaultValue::Null => return None,
        DefaultValue::Bool(b) => Expr::val(*b),
        DefaultValue::Int(n) => Expr::val(*n),
        DefaultValue::Float(text) => match text.parse::<f64>() {
            Ok(f) => Expr::val(f),
            Err(_) => Expr::cust(text.clone()),
        },
        DefaultValue::Str(s) => Expr::val(s.clone()),
        DefaultValue::CurrentTimestamp => Expr::current_timestamp(),
        DefaultValue::Expr(sql) => Expr::cust(sql.clone()),
    })
}

/// `CREATE [UNIQUE] INDEX` for `index` of `table`, named by [`index_name`].
pub fn index(table: &str, index: &Index) -> IndexCreateStatement {
    let mut create = SeaIndex::create();
    create.name(index_name(table, index)).table(Alias::new(table));
    for column in &index.columns {
        create.col(Alias::new(column));
    }
    if index.unique {
        create.unique();
    }
    create
}

/// The index's own name, or the one [`crate::diff::index_name`] makes where the model has none.
pub fn index_name(table: &str, index: &Index) -> String {
    index.name.clone().unwrap_or_else(|| crate::diff::index_name(table, index))
}

/// The foreign key `fk` of `table`, named by [`foreign_key_name`], with its actions (NO ACTION,
/// the default, is left unsaid).
pub fn foreign_key(table: &str, fk: &ForeignKey) -> ForeignKeyCreateStatement {
    let mut create = SeaForeignKey::create();
    create
        .name(foreign_key_name(table, fk))
        .from_tbl(Alias::new(table))
        .to_tbl(Alias::new(&fk.ref_table));
    for column in &fk.columns {
        create.from_col(Alias::new(column));
    }
    for column in &fk.ref_columns {
        create.to_col(Alias::new(column));
    }
    if fk.on_delete != FkAction::NoAction {
        create.on_delete(fk_action(fk.on_delete));
    }
    if fk.on_update != FkAction::NoAction {
        create.on_update(fk_action(fk.on_update));
    }
    create
}

/// The key's own name, or the one [`crate::diff::foreign_key_name`] makes where the model has
/// none.
pub fn foreign_key_name(table: &str, fk: &ForeignKey) -> String {
    fk.name.clone().unwrap_or_else(|| crate::diff::foreign_key_name(table, fk))
}

/// A foreign key action as sea-query names it.
pub fn fk_action(action: FkAction) -> ForeignKeyAction {
    match action {
        FkAction::NoAction => ForeignKeyAction::NoAction,
        FkAction::Restrict => ForeignKeyAction::Restrict,
        FkAction::Cascade => ForeignKeyAction::Cascade,
        FkAction::SetNull => ForeignKeyAction::SetNull,
        FkAction::SetDefault => ForeignKeyAction::SetDefault,
    }
}

/// `DROP TABLE`.
pub fn drop_table(table: &str) -> TableDropStatement {
    SeaTable::drop().table(Alias::new(table)).to_owned()
}

/// `ALTER TABLE ... RENAME TO` (`RENAME TABLE` on MySQL).
pub fn rename_table(from: &str, to: &str) -> TableRenameStatement {
    SeaTable::rename()
        .table(Alias::new(from), Alias::new(to))
        .to_owned()
}

/// `ALTER TABLE ... RENAME COLUMN`.
pub fn rename_column(table: &str, from: &str, to: &str) -> TableAlterStatement {
    SeaTable::alter()
        .table(Alias::new(table))
        .rename_column(Alias::new(from), Alias::new(to))
        .to_owned()
}

/// PostgreSQL's `CREATE TYPE ... AS ENUM`.
pub fn create_enum(enum_type: &EnumType) -> TypeCreateStatement {
    Type::create()
        .as_enum(Alias::new(&enum_type.name))
        .values(enum_type.values.iter().map(Alias::new))
        .to_owned()
}

/// PostgreSQL's `DROP TYPE`.
pub fn drop_enum(enum_type: &EnumType) -> TypeDropStatement {
    Type::drop().name(Alias::new(&enum_type.name)).to_owned()
}
