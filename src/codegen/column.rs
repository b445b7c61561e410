//! sea-query builder code for columns, keys and indexes of the schema model.

use super::idents::Idents;
use crate::apply::build;
use crate::schema::{Column, ColumnType, DefaultValue, EnumType, FkAction, ForeignKey, Index};
use std::collections::BTreeMap;

/// `ColumnDef::new(T::C).<type>().<null>()...` for `column` of `table`. `primary_key` marks a
/// table's only key column, which sea-query declares on the column itself.
pub fn column_def(
    idents: &mut Idents,
    table: &str,
    column: &Column,
    primary_key: bool,
    enums: &BTreeMap<String, EnumType>,
) -> String {
    let mut code = format!("ColumnDef::new({})", idents.column(table, &column.name));
    code.push_str(&column_type(&column.ty, table, &column.name, enums));
    code.push_str(if column.nullable { ".null()" } else { ".not_null()" });
    if column.auto_increment {
        code.push_str(".auto_increment()");
    }
    if primary_key {
        code.push_str(".primary_key()");
    }
    if let Some(value) = column.default.as_ref().and_then(default_value) {
        code.push_str(&format!(".default({value})"));
    }
    code
}

fn column_type(ty: &ColumnType, table: &str, column: &str, enums: &BTreeMap<String, EnumType>) -> String {
    use ColumnType::*;
    let len = |name: &str, len: &Option<u32>, bare: &str| match len {
        Some(n) => format!(".{name}({n})"),
        None => format!(".{bare}()"),
    };
    match ty {
        TinyInt => ".tiny_integer()".into(),
        SmallInt => ".small_integer()".into(),
        Integer => ".integer()".into(),
        BigInt => ".big_integer()".into(),
        TinyUnsigned => ".tiny_unsigned()".into(),
        SmallUnsigned => ".small_unsigned()".into(),
        Unsigned => ".unsigned()".into(),
        BigUnsigned => ".big_unsigned()".into(),
        Float => ".float()".into(),
        Double => ".double()".into(),
        Decimal { precision: Some(p), scale } => format!(".decimal_len({p}, {})", scale.unwrap_or(0)),
        Decimal { .. } => ".decimal()".into(),
        Boolean => ".boolean()".into(),
        String { len: l } => len("string_len", l, "string"),
        Char { len: l } => len("char_len", l, "char"),
        Text => ".text()".into(),
        Binary { len: l } => len("binary_len", l, "binary"),
        VarBinary { len: Some(n) } => format!(".var_binary({n})"),
        VarBinary { len: None } | Blob => ".blob()".into(),
        Date => ".date()".into(),
        Time => ".time()".into(),
        DateTime => ".date_time()".into(),
        Timestamp => ".timestamp()".into(),
        TimestampTz => ".timestamp_with_time_zone()".into(),
        Uuid => ".uuid()".into(),
        Json => ".json()".into(),
        JsonBinary => ".json_binary()".into(),
        Enum(name) => {
            let values = enums.get(name).map(|e| e.values.clone()).unwrap_or_default();
            enumeration(name, &values)
        }
        InlineEnum(values) => enumeration(&format!("{table}_{column}"), values),
        Other(name) => format!(".custom(Alias::new({name:?}))"),
    }
}

fn enumeration(name: &str, values: &[String]) -> String {
    let values: Vec<String> = values.iter().map(|v| format!("Alias::new({v:?})")).collect();
    format!(".enumeration(Alias::new({name:?}), [{}])", values.join(", "))
}

/// A Rust expression for a default, or `None` for no default.
fn default_value(default: &DefaultValue) -> Option<String> {
    Some(match default {
        DefaultValue::Null => return None,
        DefaultValue::Bool(b) => b.to_string(),
        DefaultValue::Int(i) => i.to_string(),
        DefaultValue::Float(f) if f.contains('.') => f.clone(),
        DefaultValue::Float(f) => format!("{f}.0"),
        DefaultValue::Str(s) => format!("{s:?}"),
        DefaultValue::CurrentTimestamp => "Expr::current_timestamp()".into(),
        DefaultValue::Expr(e) => format!("Expr::cust({e:?})"),
    })
}

/// `Index::create().name(..).table(..).col(..)...` for `index` of `table`.
pub fn index_create(idents: &mut Idents, table: &str, index: &Index) -> String {
    let mut code = format!("Index::create().name({:?})", build::index_name(table, index));
    code.push_str(&format!(".table({})", idents.table(table)));
    for column in &index.columns {
        code.push_str(&format!(".col({})", idents.column(table, column)));
    }
    if index.unique {
        code.push_str(".unique()");
    }
    code
}

/// `ForeignKey::create().name(..).from(..).to(..).on_delete(..)...` for a key of `table`.
pub fn foreign_key_create(idents: &mut Idents, table: &str, fk: &ForeignKey) -> String {
    let mut code = format!("ForeignKey::create().name({:?})", build::foreign_key_name(table, fk));
    code.push_str(&format!(
        ".from({}, {})",
        idents.table(table),
        columns(idents, table, &fk.columns)
    ));
    code.push_str(&format!(
        ".to({}, {})",
        idents.table(&fk.ref_table),
        columns(idents, &fk.ref_table, &fk.ref_columns)
    ));
    for (method, action) in [("on_delete", fk.on_delete), ("on_update", fk.on_update)] {
        if action != FkAction::NoAction {
            code.push_str(&format!(".{method}(ForeignKeyAction::{})", action_name(action)));
        }
    }
    code
}

fn columns(idents: &mut Idents, table: &str, names: &[String]) -> String {
    match names {
        [one] => idents.column(table, one),
        many => {
            let cols: Vec<String> = many.iter().map(|c| idents.column(table, c)).collect();
            format!("({})", cols.join(", "))
        }
    }
}

fn action_name(action: FkAction) -> &'static str {
    match action {
        FkAction::NoAction => "NoAction",
        FkAction::Restrict => "Restrict",
        FkAction::Cascade => "Cascade",
        FkAction::SetNull => "SetNull",
        FkAction::SetDefault => "SetDefault",
    }
}
