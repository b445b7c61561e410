//! Executing one schema [`Change`] on a live database, through exactly the sea-query builders
//! ([`build`]) and [`crate::batch`] helpers that a generated migration calls: property tests
//! run this instead of compiling generated code.
//!
//! Per change: tables are created, dropped and renamed, columns renamed and indexes added with
//! plain sea-query statements; columns added, dropped and altered, indexes dropped and foreign
//! keys added and dropped through the batch helpers (which rebuild the table on SQLite where it
//! cannot change in place); enum types are PostgreSQL's only (elsewhere an enum is a column
//! type, so creating, dropping or altering one does nothing there).

pub mod build;

use crate::batch;
use crate::batch::error::words;
use crate::diff::Change;
use crate::schema::{EnumType, Table};
use std::collections::BTreeMap;
use sea_orm::DbErr;
use sea_orm::sea_query::{Alias, Expr};
use sea_orm_migration::SchemaManager;

/// Makes `change` on the database behind `manager` (in its transaction, if it has one).
/// `enums` are the enum types of the schema the change leads to (their values, which MySQL
/// spells out in a column's type), as a generated migration has them.
pub async fn apply(
    manager: &SchemaManager<'_>,
    change: &Change,
    enums: &BTreeMap<String, EnumType>,
) -> Result<(), DbErr> {
    use Change::*;
    let pg = manager.get_database_backend() == sea_orm::DbBackend::Postgres;
    let t = |name: &String| Alias::new(name);
    match change {
        CreateTable { table } => create_table(manager, table, enums).await,
        DropTable { table } => {
            let done = manager.drop_table(build::drop_table(&table.name)).await;
            done.map_err(failed(format!("dropping table `{}`", table.name)))
        }
        RenameTable { from, to } => {
            let done = manager.rename_table(build::rename_table(from, to)).await;
            done.map_err(failed(format!("renaming table `{from}` to `{to}`")))
        }
        AddColumn { table, column } => {
            Ok(batch::add_column(manager, t(table), build::column_def(column, enums)).await?)
        }
        DropColumn { table, column } => {
            Ok(batch::drop_column(manager, t(table), t(&column.name)).await?)
        }
        RenameColumn { table, from, to } => {
            let done = manager.alter_table(build::rename_column(table, from, to)).await;
            done.map_err(failed(format!("renaming column `{from}` of table `{table}` to `{to}`")))
        }
        AlterColumn { table, from, to } => {
            let (from, to) = (build::column_def(from, enums), build::column_def(to, enums));
            Ok(batch::change_column(manager, t(table), from, to).await?)
        }
        AddIndex { table, index } => {
            Ok(batch::create_index(manager, t(table), build::index(table, index)).await?)
        }
        CreateExtension { name } => Ok(batch::create_extension(manager, name).await?),
        DropExtension { name } => Ok(batch::drop_extension(manager, name).await?),
        CreateView { view } => Ok(batch::create_view(manager, &view.name, &view.definition, view.materialized).await?),
        DropView { view } => Ok(batch::drop_view(manager, &view.name, &view.definition, view.materialized).await?),
        AddCheck { table, check } => {
            let condition = Expr::cust(check.expression.clone());
            Ok(batch::add_check(manager, t(table), &build::check_name(table, check), condition).await?)
        }
        DropCheck { table, check } => {
            let condition = Expr::cust(check.expression.clone());
            Ok(batch::drop_check(manager, t(table), &build::check_name(table, check), condition).await?)
        }
        DropIndex { table, index } => {
            Ok(batch::drop_index(manager, t(table), &build::index_name(table, index)).await?)
        }
        AddForeignKey { table, foreign_key } => {
            Ok(batch::add_foreign_key(manager, build::foreign_key(table, foreign_key)).await?)
        }
        DropForeignKey { table, foreign_key } => {
            Ok(batch::drop_foreign_key(manager, build::foreign_key(table, foreign_key)).await?)
        }
        CreateEnum { enum_type } if pg => {
            let done = manager.create_type(build::create_enum(enum_type)).await;
            done.map_err(failed(format!("creating enum type `{}`", enum_type.name)))
        }
        DropEnum { enum_type } if pg => {
            let done = manager.drop_type(build::drop_enum(enum_type)).await;
            done.map_err(failed(format!("dropping enum type `{}`", enum_type.name)))
        }
        AlterPrimaryKey { table, to, .. } => {
            let columns = to.iter().map(Alias::new);
            Ok(batch::alter_primary_key(manager, t(table), columns).await?)
        }
        AlterEnum { from, to } => {
            Ok(batch::alter_enum(manager, &to.name, &from.values, &to.values).await?)
        }
        CreateEnum { .. } | DropEnum { .. } => Ok(()),
    }
}

/// The table with its indexes.
async fn create_table(
    manager: &SchemaManager<'_>,
    table: &Table,
    enums: &BTreeMap<String, EnumType>,
) -> Result<(), DbErr> {
    let name = &table.name;
    let done = manager.create_table(build::create_table(table, enums)).await;
    done.map_err(failed(format!("creating table `{name}`")))?;
    for index in &table.indexes {
        batch::create_index(manager, Alias::new(name), build::index(name, index)).await?;
    }
    Ok(())
}

/// An error of the database while `doing`, as one line with its own words.
fn failed(doing: String) -> impl FnOnce(DbErr) -> DbErr {
    move |err| DbErr::Custom(format!("{doing} failed: {}", words(&err)))
}
