//! One [`Change`] as Rust statements on a `SchemaManager` named `manager`.
//!
//! Each change becomes the same sea-query statements, or the same `seamigrate::batch` helper,
//! that `crate::apply` runs for it, so that property tests of `apply` speak for generated code.

use super::column::{column_def, foreign_key_create, index_create};
use super::Runs;
use super::idents::Idents;
use crate::apply::build;
use crate::diff::Change;
use crate::schema::{EnumType, Table};
use std::collections::BTreeMap;

/// Renders `change` as statements ending in `.await?;`, indexes built and dropped as `runs`
/// says.
pub fn render(idents: &mut Idents, change: &Change, enums: &BTreeMap<String, EnumType>, runs: Runs) -> String {
    let concurrently = if runs == Runs::Concurrently { "_concurrently" } else { "" };
    match change {
        Change::CreateTable { table } => create_table(idents, table, enums),
        Change::DropTable { table } => manager(
            "drop_table",
            &format!("Table::drop().table({})", idents.table(&table.name)),
        ),
        Change::RenameTable { from, to } => manager(
            "rename_table",
            &format!("Table::rename().table({}, {})", idents.table(from), idents.table(to)),
        ),
        Change::AddColumn { table, column } => {
            let def = column_def(idents, table, column, false, enums);
            batch("add_column", &format!("{}, {def}.to_owned()", idents.table(table)))
        }
        Change::DropColumn { table, column } => {
            let col = idents.column(table, &column.name);
            batch("drop_column", &format!("{}, {col}", idents.table(table)))
        }
        Change::RenameColumn { table, from, to } => {
            let (from, to) = (idents.column(table, from), idents.column(table, to));
            alter(idents, table, &format!(".rename_column({from}, {to})"))
        }
        Change::AlterColumn { table, from, to } => {
            let from = column_def(idents, table, from, false, enums);
            let to = column_def(idents, table, to, false, enums);
            batch("change_column", &format!("{}, {from}.to_owned(), {to}.to_owned()", idents.table(table)))
        }
        Change::AlterPrimaryKey { table, to, .. } => {
            let cols: Vec<String> = to.iter().map(|c| idents.column(table, c)).collect();
            batch("alter_primary_key", &format!("{}, [{}]", idents.table(table), cols.join(", ")))
        }
        Change::AddIndex { table, index } => {
            let create = index_create(idents, table, index);
            batch(&format!("create_index{concurrently}"), &format!("{}, {create}.to_owned()", idents.table(table)))
        }
        Change::DropIndex { table, index } => {
            let name = build::index_name(table, index);
            batch(&format!("drop_index{concurrently}"), &format!("{}, {name:?}", idents.table(table)))
        }
        Change::CreateExtension { name } => batch("create_extension", &format!("{name:?}")),
        Change::DropExtension { name } => batch("drop_extension", &format!("{name:?}")),
        Change::CreateView { view } | Change::DropView { view } => {
            let function = if matches!(change, Change::CreateView { .. }) { "create_view" } else { "drop_view" };
            batch(function, &format!("{:?}, {:?}, {}", view.name, view.definition, view.materialized))
        }
        Change::AddCheck { table, check } | Change::DropCheck { table, check } => {
            let function = if matches!(change, Change::AddCheck { .. }) { "add_check" } else { "drop_check" };
            let name = build::check_name(table, check);
            batch(function, &format!("{}, {name:?}, Expr::cust({:?})", idents.table(table), check.expression))
        }
        Change::AddForeignKey { table, foreign_key } => batch(
            "add_foreign_key",
            &format!("{}.to_owned()", foreign_key_create(idents, table, foreign_key)),
        ),
        Change::DropForeignKey { table, foreign_key } => batch(
            "drop_foreign_key",
            &format!("{}.to_owned()", foreign_key_create(idents, table, foreign_key)),
        ),
        Change::CreateEnum { enum_type } => postgres_only(&manager(
            "create_type",
            &format!(
                "Type::create().as_enum(Alias::new({:?})).values([{}])",
                enum_type.name,
                aliases(&enum_type.values)
            ),
        )),
        Change::DropEnum { enum_type } => postgres_only(&manager(
            "drop_type",
            &format!("Type::drop().name(Alias::new({:?}))", enum_type.name),
        )),
        Change::AlterEnum { from, to } => batch(
            "alter_enum",
            &format!("{:?}, &[{}], &[{}]", to.name, quoted(&from.values), quoted(&to.values)),
        ),
    }
}

fn create_table(idents: &mut Idents, table: &Table, enums: &BTreeMap<String, EnumType>) -> String {
    let mut code = format!("Table::create().table({})", idents.table(&table.name));
    let single_key = (table.primary_key.len() == 1).then(|| table.primary_key[0].clone());
    for column in &table.columns {
        let is_key = single_key.as_deref() == Some(column.name.as_str());
        code.push_str(&format!(".col({})", column_def(idents, &table.name, column, is_key, enums)));
    }
    if table.primary_key.len() > 1 {
        let cols: Vec<String> = table
            .primary_key
            .iter()
            .map(|c| format!(".col({})", idents.column(&table.name, c)))
            .collect();
        code.push_str(&format!(".primary_key(Index::create(){})", cols.concat()));
    }
    for fk in &table.foreign_keys {
        code.push_str(&format!(".foreign_key({})", foreign_key_create(idents, &table.name, fk)));
    }
    for check in &table.checks {
        let condition = format!("Expr::cust({:?})", check.expression);
        match &check.name {
            Some(name) => code.push_str(&format!(".check((Alias::new({name:?}), {condition}))")),
            None => code.push_str(&format!(".check({condition})")),
        }
    }
    let mut out = manager("create_table", &code);
    for index in &table.indexes {
        let create = index_create(idents, &table.name, index);
        out.push_str(&batch("create_index", &format!("{}, {create}.to_owned()", idents.table(&table.name))));
    }
    out
}

fn alter(idents: &mut Idents, table: &str, operation: &str) -> String {
    manager(
        "alter_table",
        &format!("Table::alter().table({}){operation}", idents.table(table)),
    )
}

/// A call of the `seamigrate::batch` helper `function` with `manager` and `args`.
fn batch(function: &str, args: &str) -> String {
    format!("seamigrate::batch::{function}(manager, {args}).await?;\n")
}

fn manager(method: &str, statement: &str) -> String {
    format!("manager.{method}({statement}.to_owned()).await?;\n")
}

fn postgres_only(code: &str) -> String {
    format!("if manager.get_database_backend() == DbBackend::Postgres {{\n{code}}}\n")
}

fn aliases(values: &[String]) -> String {
    values
        .iter()
        .map(|v| format!("Alias::new({v:?})"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn quoted(values: &[String]) -> String {
    values.iter().map(|v| format!("{v:?}")).collect::<Vec<_>>().join(", ")
}
