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
    code.push_str(&column_type(&column.ty, &column.name, enums));
    if column.generated.is_none() {
        code.push_str(if column.nullable { ".null()" } else { ".not_null()" });
    }
    if column.auto_increment {
        code.push_str(".auto_increment()");
    }
    if primary_key {
        code.push_str(".primary_key()");
    }
    if let Some(value) = column.default.as_ref().and_then(default_value) {
        code.push_str(&format!(".default({value})"));
    }
    if let Some(generated) = &column.generated {
        code.push_str(&format!(".generated(Expr::cust({:?}), {})", generated.expression, generated.stored));
    }
    code
}

fn column_type(ty: &ColumnType, column: &str, enums: &BTreeMap<String, EnumType>) -> String {
    build::TypeCall::of(ty, column, enums).code()
}

/// A Rust expression for a default, or `None` for no default.
fn default_value(default: &DefaultValue) -> Option<String> {
    build::DefaultCall::of(default).map(|call| call.code())
}

/// `Index::create().name(..).table(..).col(..)...` for `index` of `table`.
pub fn index_create(idents: &mut Idents, table: &str, index: &Index) -> String {
    let mut code = format!("Index::create().name({:?})", build::index_name(table, index));
    code.push_str(&format!(".table({})", idents.table(table)));
    for call in build::IndexCall::of(index) {
        code.push_str(&call.code(&mut |column| idents.column(table, column)));
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
