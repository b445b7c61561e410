//! Small pieces shared by the helpers: a column definition without key flags, a table's name
//! from a sea-query table reference, and identifier quoting for the few statements sea-query
//! cannot build.

use sea_orm::sea_query::{Alias, ColumnDef, TableRef};

/// `def` without `primary_key()` and `auto_increment()`: what a column holds, whether it may be
/// NULL and its default, without claiming a key. Helpers keep a table's keys as they are.
pub(crate) fn without_key(def: &ColumnDef) -> ColumnDef {
    rebuilt(def, true)
}

/// `def` without its unique flag as well: an altered column keeps the table's constraints.
pub(crate) fn without_constraints(def: &ColumnDef) -> ColumnDef {
    rebuilt(def, false)
}

fn rebuilt(def: &ColumnDef, keep_unique: bool) -> ColumnDef {
    let name = Alias::new(def.get_column_name());
    let spec = def.get_column_spec();
    let mut out = match def.get_column_type() {
        Some(ty) => ColumnDef::new_with_type(name, ty.clone()),
        None => ColumnDef::new(name),
    };
    match spec.nullable {
        Some(true) => out.null(),
        Some(false) => out.not_null(),
        None => &mut out,
    };
    if let Some(default) = &spec.default {
        out.default(default.clone());
    }
    if spec.unique && keep_unique {
        out.unique_key();
    }
    if let Some(check) = &spec.check {
        out.check(check.clone());
    }
    if let Some(generated) = &spec.generated {
        out.generated(generated.expr.clone(), generated.stored);
    }
    if let Some(extra) = &spec.extra {
        out.extra(extra.clone());
    }
    if let Some(comment) = &spec.comment {
        out.comment(comment.clone());
    }
    if let Some(using) = &spec.using {
        out.using(using.clone());
    }
    out
}

/// The unqualified name of the table `table` refers to, if it refers to one.
pub(crate) fn table_name(table: &TableRef) -> Option<String> {
    match table {
        TableRef::Table(name, _) => Some(name.1.to_string()),
        _ => None,
    }
}

/// `name` as a double-quoted identifier (PostgreSQL and SQLite).
pub(crate) fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// `name` quoted as an identifier for `backend`.
pub(crate) fn quote_for(backend: sea_orm::DbBackend, name: &str) -> String {
    match backend {
        sea_orm::DbBackend::MySql => quote_mysql(name),
        _ => quote(name),
    }
}

/// `name` as a back-quoted identifier (MySQL).
pub(crate) fn quote_mysql(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}
