//! Adding and dropping a CHECK constraint of an existing table: one `ALTER TABLE` on
//! PostgreSQL and MySQL/MariaDB; a table rebuild on SQLite, which cannot alter a table's
//! constraints in place.

use super::def::{quote, quote_mysql};
use super::{BatchError, error::Target, exec_sql, sqlite};
use crate::db::Backend;
use crate::schema::{Check, statement};
use sea_orm::DbBackend;
use sea_orm::sea_query::{Expr, IntoIden};
use sea_orm_migration::SchemaManager;

/// Adds the CHECK constraint `name` with `condition` to `table`; existing rows must meet it.
pub async fn add_check<T: IntoIden>(manager: &SchemaManager<'_>, table: T, name: &str, condition: Expr) -> Result<(), BatchError> {
    let table = table.into_iden().to_string();
    let target = Target::new(&table, None);
    let sql = match manager.get_database_backend() {
        DbBackend::MySql => {
            let condition = statement::render(&condition, DbBackend::MySql);
            format!("ALTER TABLE {} ADD CONSTRAINT {} CHECK ({condition})", quote_mysql(&table), quote_mysql(name))
        }
        DbBackend::Postgres => {
            let condition = statement::render(&condition, DbBackend::Postgres);
            format!("ALTER TABLE {} ADD CONSTRAINT {} CHECK ({condition})", quote(&table), quote(name))
        }
        _ => {
            let check = Check { name: Some(name.to_owned()), expression: statement::canonical(&condition, Backend::Sqlite) };
            return sqlite::rebuild(manager, &target, |t| {
                t.add_check(check);
                Ok(())
            })
            .await;
        }
    };
    exec_sql(manager, &target, "adding the CHECK constraint", &sql).await
}

/// Drops the CHECK constraint `name` of `table`. `condition` is what it checks: a draft's down()
/// adds it back with the counterpart call, and SQLite, which keeps column checks nameless,
/// finds it by it.
pub async fn drop_check<T: IntoIden>(manager: &SchemaManager<'_>, table: T, name: &str, condition: Expr) -> Result<(), BatchError> {
    let table = table.into_iden().to_string();
    let target = Target::new(&table, None);
    let sql = match manager.get_database_backend() {
        DbBackend::MySql => format!("ALTER TABLE {} DROP CONSTRAINT {}", quote_mysql(&table), quote_mysql(name)),
        DbBackend::Postgres => format!("ALTER TABLE {} DROP CONSTRAINT {}", quote(&table), quote(name)),
        _ => {
            let expression = statement::canonical(&condition, Backend::Sqlite);
            return sqlite::rebuild(manager, &target, |t| t.drop_check(name, &expression)).await;
        }
    };
    exec_sql(manager, &target, "dropping the CHECK constraint", &sql).await
}
