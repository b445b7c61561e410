//! One line per change for people: the CLI's summary of a drafted migration and `check`'s
//! report of what differs, e.g. `alter column users.email: type VARCHAR(255) -> VARCHAR(320)`.

use super::change::Change;
use crate::schema::{Column, ColumnType, DefaultValue, EnumType, FkAction, ForeignKey, Index, View};

impl Change {
    /// What this change does, in one line.
    pub fn describe(&self) -> String {
        use Change::*;
        match self {
            CreateTable { table } => format!("create table {} ({})", table.name, counted(table.columns.len(), "column")),
            DropTable { table } => format!("drop table {}", table.name),
            RenameTable { from, to } => format!("rename table {from} -> {to}"),
            AddColumn { table, column } => format!("add column {table}.{} ({})", column.name, column_summary(column)),
            DropColumn { table, column } => format!("drop column {table}.{}", column.name),
            RenameColumn { table, from, to } => format!("rename column {table}.{from} -> {to}"),
            AlterColumn { table, from, to } => format!("alter column {table}.{}: {}", to.name, alterations(from, to)),
            AlterPrimaryKey { table, from, to } => {
                format!("alter primary key of {table}: {} -> {}", key_columns(from), key_columns(to))
            }
            AddIndex { table, index } => format!("add {} on {table} {}", index_label(index), index_shape(index)),
            DropIndex { table, index } => format!("drop {} on {table}", index_label(index)),
            CreateExtension { name } => format!("create extension {name}"),
            DropExtension { name } => format!("drop extension {name}"),
            CreateView { view } => format!("create {}", view_label(view)),
            DropView { view } => format!("drop {}", view_label(view)),
            AddCheck { table, check } => format!("add check {} on {table} ({})", name_or_unnamed(&check.name), check.expression),
            DropCheck { table, check } => format!("drop check {} on {table} ({})", name_or_unnamed(&check.name), check.expression),
            AddForeignKey { table, foreign_key } => format!("add {}", fk_summary(table, foreign_key)),
            DropForeignKey { table, foreign_key } => {
                format!("drop foreign key {} on {table}", name_or_unnamed(&foreign_key.name))
            }
            CreateEnum { enum_type } => format!("create enum type {} ({})", enum_type.name, quoted(&enum_type.values)),
            DropEnum { enum_type } => format!("drop enum type {}", enum_type.name),
            AlterEnum { from, to } => format!("alter enum type {}: {}", to.name, enum_alterations(from, to)),
        }
    }
}

/// A type as SQL would name it, e.g. `VARCHAR(255)`, `TIMESTAMP WITH TIME ZONE`.
pub(crate) fn sql_type(ty: &ColumnType) -> String {
    use ColumnType as T;
    let sized = |name: &str, len: &Option<u32>| match len {
        Some(n) => format!("{name}({n})"),
        None => name.to_owned(),
    };
    match ty {
        T::TinyInt => "TINYINT".into(),
        T::SmallInt => "SMALLINT".into(),
        T::Integer => "INTEGER".into(),
        T::BigInt => "BIGINT".into(),
        T::TinyUnsigned => "TINYINT UNSIGNED".into(),
        T::SmallUnsigned => "SMALLINT UNSIGNED".into(),
        T::Unsigned => "INTEGER UNSIGNED".into(),
        T::BigUnsigned => "BIGINT UNSIGNED".into(),
        T::Float => "REAL".into(),
        T::Double => "DOUBLE PRECISION".into(),
        T::Decimal { precision: Some(p), scale: Some(s) } => format!("DECIMAL({p}, {s})"),
        T::Decimal { precision, .. } => sized("DECIMAL", precision),
        T::Boolean => "BOOLEAN".into(),
        T::String { len } => sized("VARCHAR", len),
        T::Char { len } => sized("CHAR", len),
        T::Text => "TEXT".into(),
        T::Binary { len } => sized("BINARY", len),
        T::VarBinary { len } => sized("VARBINARY", len),
        T::Blob => "BLOB".into(),
        T::Date => "DATE".into(),
        T::Time => "TIME".into(),
        T::DateTime => "DATETIME".into(),
        T::Timestamp => "TIMESTAMP".into(),
        T::TimestampTz => "TIMESTAMP WITH TIME ZONE".into(),
        T::Uuid => "UUID".into(),
        T::Json => "JSON".into(),
        T::JsonBinary => "JSONB".into(),
        T::Enum(name) => format!("ENUM {name}"),
        T::InlineEnum(values) => format!("ENUM({})", quoted(values)),
        T::Other(name) => name.clone(),
    }
}

/// A column's type, marked when the database assigns its values.
pub(crate) fn definition(column: &Column) -> String {
    let ty = sql_type(&column.ty);
    if column.auto_increment { format!("{ty} auto-increment") } else { ty }
}

/// `TYPE, null|not null[, default X]`.
fn column_summary(column: &Column) -> String {
    let mut text = format!("{}, {}", definition(column), nullability(column.nullable));
    if let Some(default) = &column.default {
        text.push_str(&format!(", default {}", default_sql(default)));
    }
    text
}

fn nullability(nullable: bool) -> &'static str {
    if nullable { "null" } else { "not null" }
}

/// What differs between two versions of a column: `type A -> B; null -> not null; ...`.
fn alterations(from: &Column, to: &Column) -> String {
    let mut parts = Vec::new();
    if from.ty != to.ty || from.auto_increment != to.auto_increment {
        parts.push(format!("type {} -> {}", definition(from), definition(to)));
    }
    if from.nullable != to.nullable {
        parts.push(format!("{} -> {}", nullability(from.nullable), nullability(to.nullable)));
    }
    if from.default != to.default {
        let show = |d: &Option<DefaultValue>| d.as_ref().map_or("none".to_owned(), default_sql);
        parts.push(format!("default {} -> {}", show(&from.default), show(&to.default)));
    }
    parts.join("; ")
}

/// A default as SQL text.
pub(crate) fn default_sql(default: &DefaultValue) -> String {
    match default {
        DefaultValue::Null => "NULL".into(),
        DefaultValue::Bool(b) => if *b { "TRUE" } else { "FALSE" }.into(),
        DefaultValue::Int(n) => n.to_string(),
        DefaultValue::Float(f) => f.clone(),
        DefaultValue::Str(s) => quote(s),
        DefaultValue::CurrentTimestamp => "CURRENT_TIMESTAMP".into(),
        DefaultValue::Expr(sql) => sql.clone(),
    }
}

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn quoted(values: &[String]) -> String {
    values.iter().map(|v| quote(v)).collect::<Vec<_>>().join(", ")
}

fn counted(n: usize, what: &str) -> String {
    if n == 1 { format!("1 {what}") } else { format!("{n} {what}s") }
}

pub(crate) fn key_columns(columns: &[String]) -> String {
    if columns.is_empty() { "(none)".into() } else { format!("({})", columns.join(", ")) }
}

fn name_or_unnamed(name: &Option<String>) -> &str {
    name.as_deref().unwrap_or("(unnamed)")
}

/// What an index holds, as SQL says it: `USING gin (a DESC, b varchar_pattern_ops) INCLUDE (c)
/// WHERE a IS NOT NULL`; `(a, b)` for a plain one.
pub(crate) fn index_shape(index: &Index) -> String {
    let o = &index.options;
    let mut text = o.method.as_ref().map(|m| format!("USING {m} ")).unwrap_or_default();
    let parts: Vec<String> = index
        .columns
        .iter()
        .enumerate()
        .map(|(i, part)| {
            let key = o.keys.get(i).cloned().unwrap_or_default();
            let mut part = part.clone();
            if let Some(n) = key.prefix {
                part.push_str(&format!("({n})"));
            }
            if let Some(class) = &key.operator_class {
                part.push_str(&format!(" {class}"));
            }
            if key.descending {
                part.push_str(" DESC");
            }
            part
        })
        .collect();
    text.push_str(&format!("({})", parts.join(", ")));
    if !o.include.is_empty() {
        text.push_str(&format!(" INCLUDE ({})", o.include.join(", ")));
    }
    if o.nulls_not_distinct {
        text.push_str(" NULLS NOT DISTINCT");
    }
    if let Some(predicate) = &o.predicate {
        text.push_str(&format!(" WHERE {predicate}"));
    }
    text
}

/// `view v` or `materialized view v`.
fn view_label(view: &View) -> String {
    let kind = if view.materialized { "materialized view" } else { "view" };
    format!("{kind} {}", view.name)
}

/// `index idx_x` or `unique index uq_x`.
pub(crate) fn index_label(index: &Index) -> String {
    let kind = if index.unique { "unique index" } else { "index" };
    format!("{kind} {}", name_or_unnamed(&index.name))
}

/// `foreign key fk_x on t (a) -> r (id) on delete cascade`.
pub(crate) fn fk_summary(table: &str, fk: &ForeignKey) -> String {
    let mut text = format!(
        "foreign key {} on {table} ({}) -> {} ({})",
        name_or_unnamed(&fk.name),
        fk.columns.join(", "),
        fk.ref_table,
        fk.ref_columns.join(", ")
    );
    for (when, action) in [("delete", fk.on_delete), ("update", fk.on_update)] {
        if action != FkAction::NoAction {
            text.push_str(&format!(" on {when} {}", action.sql()));
        }
    }
    text
}


/// `add 'c'; remove 'a'` or `reorder to ('b', 'a')`.
fn enum_alterations(from: &EnumType, to: &EnumType) -> String {
    let added: Vec<String> = to.values.iter().filter(|v| !from.values.contains(v)).cloned().collect();
    let removed = removed_values(from, to);
    let mut parts = Vec::new();
    if !added.is_empty() {
        parts.push(format!("add {}", quoted(&added)));
    }
    if !removed.is_empty() {
        parts.push(format!("remove {}", quoted(&removed)));
    }
    if parts.is_empty() {
        parts.push(format!("reorder to ({})", quoted(&to.values)));
    }
    parts.join("; ")
}

/// The values of `from` that `to` no longer has.
pub(crate) fn removed_values(from: &EnumType, to: &EnumType) -> Vec<String> {
    from.values.iter().filter(|v| !to.values.contains(v)).cloned().collect()
}
