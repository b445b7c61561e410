//! The schema model as sea-query builders, one function per piece of the model. A code
//! generator writes the same builder calls, line for line, into a migration file; `apply` runs
//! them. Nothing here looks at the backend: sea-query renders each statement for its own.

use crate::schema::{Check, Column, ColumnType, DefaultValue, EnumType, FkAction, ForeignKey, Index, KeyOptions, Table};
use sea_orm::sea_query::{
    Alias, ColumnDef, ConditionalStatement, Expr, ForeignKey as SeaForeignKey, ForeignKeyAction,
    ForeignKeyCreateStatement, Index as SeaIndex, IndexColumn, IndexCreateStatement, IndexOrder, IndexType,
    IntoIden, Table as SeaTable,
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
    for check in &table.checks {
        let condition = Expr::cust(check.expression.clone());
        match &check.name {
            Some(name) => create.check((Alias::new(name), condition)),
            None => create.check(condition),
        };
    }
    create
}

/// The name a CHECK constraint goes by in SQL: its own, or one made from its table and the
/// words of its condition (`ck_users_email_like`), as a draft names a new one.
pub fn check_name(table: &str, check: &Check) -> String {
    check.name.clone().unwrap_or_else(|| crate::diff::check_name(table, check))
}

/// The definition of `column`: type, NULL or NOT NULL, default, auto-increment. `enums` gives
/// the values of the named enum types a column may use (MySQL spells them out).
pub fn column_def(column: &Column, enums: &BTreeMap<String, EnumType>) -> ColumnDef {
    let mut def = ColumnDef::new(Alias::new(&column.name));
    column_type(&mut def, &column.name, &column.ty, enums);
    // MariaDB takes no NULL or NOT NULL on a generated column: its expression decides.
    match (column.nullable, &column.generated) {
        (_, Some(_)) => {}
        (true, None) => {
            def.null();
        }
        (false, None) => {
            def.not_null();
        }
    }
    if let Some(default) = column.default.as_ref().and_then(default_expr) {
        def.default(default);
    }
    if column.auto_increment {
        def.auto_increment();
    }
    if let Some(generated) = &column.generated {
        def.generated(Expr::cust(generated.expression.clone()), generated.stored);
    }
    def
}

/// Sets the type of `def` (the column `name`) to `ty`, with sea-query's method for it.
fn column_type(def: &mut ColumnDef, name: &str, ty: &ColumnType, enums: &BTreeMap<String, EnumType>) {
    TypeCall::of(ty, name, enums).apply(def);
}

/// The sea-query `ColumnDef` method that gives a column its type, with its arguments: the one
/// place the model's types map onto sea-query's, which `apply` calls ([`TypeCall::apply`]) and
/// generated code prints ([`TypeCall::code`]), so the two cannot drift apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeCall {
    /// A method without arguments, e.g. `integer`.
    Bare(&'static str),
    /// A method with one length, e.g. `string_len(255)`.
    Len(&'static str, u32),
    /// `decimal_len(precision, scale)`.
    DecimalLen(u32, u32),
    /// `enumeration(Alias::new(name), [Alias::new(value), ...])`.
    Enumeration(String, Vec<String>),
    /// `custom(Alias::new(sql))`: a type sea-query has no method for.
    Custom(String),
}

impl TypeCall {
    /// The call for `ty`, the type of column `column`; `enums` gives named enum types' values.
    pub fn of(ty: &ColumnType, column: &str, enums: &BTreeMap<String, EnumType>) -> TypeCall {
        use ColumnType as T;
        use TypeCall::{Bare, Len};
        let sized = |with: &'static str, len: &Option<u32>, bare: &'static str| match len {
            Some(n) => Len(with, *n),
            None => Bare(bare),
        };
        match ty {
            T::TinyInt => Bare("tiny_integer"),
            T::SmallInt => Bare("small_integer"),
            T::Integer => Bare("integer"),
            T::BigInt => Bare("big_integer"),
            T::TinyUnsigned => Bare("tiny_unsigned"),
            T::SmallUnsigned => Bare("small_unsigned"),
            T::Unsigned => Bare("unsigned"),
            T::BigUnsigned => Bare("big_unsigned"),
            T::Float => Bare("float"),
            T::Double => Bare("double"),
            T::Decimal { precision: Some(p), scale } => TypeCall::DecimalLen(*p, scale.unwrap_or(0)),
            T::Decimal { .. } => Bare("decimal"),
            T::Boolean => Bare("boolean"),
            T::String { len } => sized("string_len", len, "string"),
            T::Char { len } => sized("char_len", len, "char"),
            T::Text => Bare("text"),
            T::Binary { len } => sized("binary_len", len, "binary"),
            T::VarBinary { len: Some(n) } => Len("var_binary", *n),
            // sea-query's var_binary takes a length; without one the type is named as is.
            T::VarBinary { len: None } => TypeCall::Custom("varbinary".into()),
            T::Blob => Bare("blob"),
            T::Date => Bare("date"),
            T::Time => Bare("time"),
            T::DateTime => Bare("date_time"),
            T::Timestamp => Bare("timestamp"),
            T::TimestampTz => Bare("timestamp_with_time_zone"),
            T::Uuid => Bare("uuid"),
            T::Json => Bare("json"),
            T::JsonBinary => Bare("json_binary"),
            // PostgreSQL's named type: sea-query writes its name only.
            T::Enum(name) => {
                let values = enums.get(name).map(|e| e.values.clone()).unwrap_or_default();
                TypeCall::Enumeration(name.clone(), values)
            }
            // MySQL's column-level ENUM, named for its column (sea-query writes only the values).
            T::InlineEnum(values) => TypeCall::Enumeration(column.to_string(), values.clone()),
            T::Other(sql) => TypeCall::Custom(sql.clone()),
        }
    }

    /// Calls the method on `def`.
    pub fn apply(&self, def: &mut ColumnDef) {
        match self {
            TypeCall::Bare(method) => bare(def, method),
            TypeCall::Len(method, n) => sized(def, method, *n),
            TypeCall::DecimalLen(p, s) => def.decimal_len(*p, *s),
            TypeCall::Enumeration(name, values) => def.enumeration(Alias::new(name), values.iter().map(Alias::new)),
            TypeCall::Custom(sql) => def.custom(Alias::new(sql)),
        };
    }

    /// The call as Rust code, e.g. `.string_len(255)`.
    pub fn code(&self) -> String {
        match self {
            TypeCall::Bare(method) => format!(".{method}()"),
            TypeCall::Len(method, n) => format!(".{method}({n})"),
            TypeCall::DecimalLen(p, s) => format!(".decimal_len({p}, {s})"),
            TypeCall::Enumeration(name, values) => {
                let values: Vec<String> = values.iter().map(|v| format!("Alias::new({v:?})")).collect();
                format!(".enumeration(Alias::new({name:?}), [{}])", values.join(", "))
            }
            TypeCall::Custom(sql) => format!(".custom(Alias::new({sql:?}))"),
        }
    }
}

/// Calls the argument-less type method `method` on `def` (a name [`TypeCall::of`] gave).
fn bare<'d>(def: &'d mut ColumnDef, method: &str) -> &'d mut ColumnDef {
    match method {
        "tiny_integer" => def.tiny_integer(),
        "small_integer" => def.small_integer(),
        "integer" => def.integer(),
        "big_integer" => def.big_integer(),
        "tiny_unsigned" => def.tiny_unsigned(),
        "small_unsigned" => def.small_unsigned(),
        "unsigned" => def.unsigned(),
        "big_unsigned" => def.big_unsigned(),
        "float" => def.float(),
        "double" => def.double(),
        "decimal" => def.decimal(),
        "boolean" => def.boolean(),
        "string" => def.string(),
        "char" => def.char(),
        "text" => def.text(),
        "binary" => def.binary(),
        "blob" => def.blob(),
        "date" => def.date(),
        "time" => def.time(),
        "date_time" => def.date_time(),
        "timestamp" => def.timestamp(),
        "timestamp_with_time_zone" => def.timestamp_with_time_zone(),
        "uuid" => def.uuid(),
        "json" => def.json(),
        "json_binary" => def.json_binary(),
        other => def.custom(Alias::new(other)),
    }
}

/// Calls the type method `method` with a length on `def` (a name [`TypeCall::of`] gave).
fn sized<'d>(def: &'d mut ColumnDef, method: &str, n: u32) -> &'d mut ColumnDef {
    match method {
        "string_len" => def.string_len(n),
        "char_len" => def.char_len(n),
        "binary_len" => def.binary_len(n),
        _ => def.var_binary(n),
    }
}

/// A default as a sea-query expression; `None` for `DEFAULT NULL`, which is no default.
pub fn default_expr(value: &DefaultValue) -> Option<Expr> {
    Some(match DefaultCall::of(value)? {
        DefaultCall::Bool(b) => Expr::val(b),
        DefaultCall::Int(n) => Expr::val(n),
        DefaultCall::Float(f) => Expr::val(f),
        DefaultCall::Str(s) => Expr::val(s),
        DefaultCall::CurrentTimestamp => Expr::current_timestamp(),
        DefaultCall::Custom(sql) => Expr::cust(sql),
    })
}

/// A default as the argument of `ColumnDef::default`: the one mapping of the model's defaults,
/// which [`default_expr`] builds and generated code prints ([`DefaultCall::code`]).
#[derive(Debug, Clone, PartialEq)]
pub enum DefaultCall {
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    CurrentTimestamp,
    /// SQL text, for an expression (or a number f64 cannot hold).
    Custom(String),
}

impl DefaultCall {
    /// `None` for `DEFAULT NULL`, which is no default.
    pub fn of(value: &DefaultValue) -> Option<DefaultCall> {
        Some(match value {
            DefaultValue::Null => return None,
            DefaultValue::Bool(b) => DefaultCall::Bool(*b),
            DefaultValue::Int(n) => DefaultCall::Int(*n),
            DefaultValue::Float(text) => match text.parse::<f64>() {
                Ok(f) => DefaultCall::Float(f),
                Err(_) => DefaultCall::Custom(text.clone()),
            },
            DefaultValue::Str(s) => DefaultCall::Str(s.clone()),
            DefaultValue::CurrentTimestamp => DefaultCall::CurrentTimestamp,
            DefaultValue::Expr(sql) => DefaultCall::Custom(sql.clone()),
        })
    }

    /// The argument as Rust code.
    pub fn code(&self) -> String {
        match self {
            DefaultCall::Bool(b) => b.to_string(),
            DefaultCall::Int(n) => n.to_string(),
            // `{:?}` writes an f64 so that it reads back exactly, with a point (`1.0`).
            DefaultCall::Float(f) => format!("{f:?}"),
            DefaultCall::Str(s) => format!("{s:?}"),
            DefaultCall::CurrentTimestamp => "Expr::current_timestamp()".into(),
            DefaultCall::Custom(sql) => format!("Expr::cust({sql:?})"),
        }
    }
}

/// `CREATE [UNIQUE] INDEX` for `index` of `table`, named by [`index_name`], with its options.
pub fn index(table: &str, index: &Index) -> IndexCreateStatement {
    let mut create = SeaIndex::create();
    create.name(index_name(table, index)).table(Alias::new(table));
    for call in IndexCall::of(index) {
        call.apply(&mut create);
    }
    create
}

/// One call on sea-query's index builder after `.name(..).table(..)`: the single place the
/// model's index maps onto sea-query's, which `apply` calls ([`IndexCall::apply`]) and
/// generated code prints ([`IndexCall::code`]), so the two cannot drift apart.
#[derive(Debug, Clone, PartialEq)]
pub enum IndexCall<'a> {
    /// A key column, with its order, prefix length and operator class.
    Column { name: &'a str, key: KeyOptions },
    /// A key expression (SQL, without the parentheses sea-query puts around it), with its
    /// order and operator class.
    Expression { sql: &'a str, key: KeyOptions },
    Unique,
    /// MySQL's `FULLTEXT`.
    FullText,
    /// `USING method` for any other method than a b-tree.
    Method(&'a str),
    /// A PostgreSQL `INCLUDE` column.
    Include(&'a str),
    NullsNotDistinct,
    /// A partial index's predicate, as SQL.
    Where(&'a str),
}

impl<'a> IndexCall<'a> {
    /// The calls that build `index`, in the order generated code lists them.
    pub fn of(index: &'a Index) -> Vec<IndexCall<'a>> {
        let o = &index.options;
        let mut calls: Vec<IndexCall> = index
            .columns
            .iter()
            .enumerate()
            .map(|(i, part)| {
                let key = o.keys.get(i).cloned().unwrap_or_default();
                match part.strip_prefix('(').and_then(|p| p.strip_suffix(')')) {
                    Some(sql) if Index::is_expression(part) => IndexCall::Expression { sql, key },
                    _ => IndexCall::Column { name: part, key },
                }
            })
            .collect();
        calls.extend(o.include.iter().map(|c| IndexCall::Include(c)));
        if index.unique {
            calls.push(IndexCall::Unique);
        }
        match o.method.as_deref() {
            Some("fulltext") => calls.push(IndexCall::FullText),
            Some(method) => calls.push(IndexCall::Method(method)),
            None => {}
        }
        if o.nulls_not_distinct {
            calls.push(IndexCall::NullsNotDistinct);
        }
        calls.extend(o.predicate.as_deref().map(IndexCall::Where));
        calls
    }

    /// Makes this call on `create`.
    pub fn apply(&self, create: &mut IndexCreateStatement) {
        let keyed = |part: IndexColumn, key: &KeyOptions| match &key.operator_class {
            Some(class) => part.with_operator_class(Alias::new(class)),
            None => part,
        };
        let desc = IndexOrder::Desc;
        match self {
            IndexCall::Column { name, key } => {
                let name = Alias::new(*name);
                let part: IndexColumn = match (key.prefix, key.descending) {
                    (None, false) => name.into(),
                    (None, true) => (name, desc).into(),
                    (Some(n), false) => (name, n).into(),
                    (Some(n), true) => (name, n, desc).into(),
                };
                create.col(keyed(part, key));
            }
            IndexCall::Expression { sql, key } => {
                let part: IndexColumn = if key.descending { (Expr::cust(sql.to_string()), desc).into() } else { Expr::cust(sql.to_string()).into() };
                create.col(keyed(part, key));
            }
            IndexCall::Unique => {
                create.unique();
            }
            IndexCall::FullText => {
                create.full_text();
            }
            IndexCall::Method(method) => {
                create.index_type(index_type(method));
            }
            IndexCall::Include(column) => {
                create.include(Alias::new(*column));
            }
            IndexCall::NullsNotDistinct => {
                create.nulls_not_distinct();
            }
            IndexCall::Where(sql) => {
                create.and_where(Expr::cust(sql.to_string()));
            }
        }
    }

    /// This call as Rust, `column` naming a column of the index's table.
    pub fn code(&self, column: &mut dyn FnMut(&str) -> String) -> String {
        let keyed = |part: String, key: &KeyOptions| match &key.operator_class {
            Some(class) => format!("IndexColumn::from({part}).with_operator_class(Alias::new({class:?}))"),
            None => part,
        };
        match self {
            IndexCall::Column { name, key } => {
                let name = column(name);
                let part = match (key.prefix, key.descending) {
                    (None, false) => name,
                    (None, true) => format!("({name}, IndexOrder::Desc)"),
                    (Some(n), false) => format!("({name}, {n})"),
                    (Some(n), true) => format!("({name}, {n}, IndexOrder::Desc)"),
                };
                format!(".col({})", keyed(part, key))
            }
            IndexCall::Expression { sql, key } => {
                let expr = format!("Expr::cust({sql:?})");
                let part = if key.descending { format!("({expr}, IndexOrder::Desc)") } else { expr };
                format!(".col({})", keyed(part, key))
            }
            IndexCall::Unique => ".unique()".into(),
            IndexCall::FullText => ".full_text()".into(),
            IndexCall::Method("hash") => ".index_type(IndexType::Hash)".into(),
            IndexCall::Method(method) => format!(".index_type(IndexType::Custom(Alias::new({method:?}).into_iden()))"),
            IndexCall::Include(c) => format!(".include({})", column(c)),
            IndexCall::NullsNotDistinct => ".nulls_not_distinct()".into(),
            IndexCall::Where(sql) => format!(".and_where(Expr::cust({sql:?}))"),
        }
    }
}

/// sea-query's name for the index method `method`.
fn index_type(method: &str) -> IndexType {
    match method {
        "hash" => IndexType::Hash,
        other => IndexType::Custom(Alias::new(other).into_iden()),
    }
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
