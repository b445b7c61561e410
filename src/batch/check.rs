//! Adding and dropping a CHECK constraint of an existing table: one `ALTER TABLE` on
//! PostgreSQL and MySQL/MariaDB; refused on SQLite, which cannot alter a table's constraints
//! and whose rebuild does not carry CHECK constraints.

use super::def::{quote, quote_mysql};
use super::{BatchError, error::Target, exec_sql};
use sea_orm::sea_query::{Expr, IntoIden, PostgresQueryBuilder, Query};
use sea_orm::DbBackend;
use sea_orm_migration::SchemaManager;

/// Adds the CHECK constraint `name` with `condition` to `table`; existing rows must meet it.
pub async fn add_check<T: IntoIden>(manager: &SchemaManager<'_>, table: T, name: &str, condition: Expr) -> Result<(), BatchError> {
    let table = table.into_iden().to_string();
    let target = Target::new(&table, None);
    let (quoted, on) = names(manager, &table, name, "adding")?;
    let sql = format!("ALTER TABLE {on} ADD CONSTRAINT {quoted} CHECK ({})", condition_sql(manager, &condition));
    exec_sql(manager, &target, "adding the CHECK constraint", &sql).await
}

/// Drops the CHECK constraint `name` of `table`. `condition` is what it checked, so that a
/// draft's down() can add it back with the same call's counterpart.
pub async fn drop_check<T: IntoIden>(manager: &SchemaManager<'_>, table: T, name: &str, _condition: Expr) -> Result<(), BatchError> {
    let table = table.into_iden().to_string();
    let target = Target::new(&table, None);
    let (quoted, on) = names(manager, &table, name, "dropping")?;
    let sql = format!("ALTER TABLE {on} DROP CONSTRAINT {quoted}");
    exec_sql(manager, &target, "dropping the CHECK constraint", &sql).await
}

/// The constraint's and the table's names quoted for the backend; an error on SQLite.
fn names(manager: &SchemaManager<'_>, table: &str, name: &str, doing: &'static str) -> Result<(String, String), BatchError> {
    match manager.get_database_backend() {
        DbBackend::MySql => Ok((quote_mysql(name), quote_mysql(table))),
        DbBackend::Postgres => Ok((quote(name), quote(table))),
        _ => Err(BatchError::CheckOnSqlite { table: table.to_owned(), doing }),
    }
}

/// `condition` as SQL for the connected backend, values inlined.
fn condition_sql(manager: &SchemaManager<'_>, condition: &Expr) -> String {
    let select = Query::select().expr(condition.clone()).to_owned();
    let sql = match manager.get_database_backend() {
        DbBackend::MySql => select.to_string(sea_orm::sea_query::MysqlQueryBuilder),
        _ => select.to_string(PostgresQueryBuilder),
    };
    sql.strip_prefix("SELECT ").map_or(sql.clone(), str::to_owned)
}
