//! Changing a table's primary key on every backend.

use super::def::{quote, quote_mysql};
use super::{BatchError, error::Target, exec_sql, sqlite};
use crate::db::Backend;
use sea_orm::sea_query::IntoIden;
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use sea_orm_migration::SchemaManager;

/// Makes `columns` (in key order) the primary key of `table`; no columns leave it without one.
///
/// PostgreSQL: `DROP CONSTRAINT` of the current key, then `ADD PRIMARY KEY`. MySQL:
/// `DROP PRIMARY KEY, ADD PRIMARY KEY (..)` in one statement, so that an AUTO_INCREMENT column
/// stays a key throughout. SQLite: a rebuild with the new key (AUTOINCREMENT is kept only
/// while the key stays the same single column).
pub async fn alter_primary_key<T, I, C>(
    manager: &SchemaManager<'_>,
    table: T,
    columns: I,
) -> Result<(), BatchError>
where
    T: IntoIden,
    I: IntoIterator<Item = C>,
    C: IntoIden,
{
    let table = table.into_iden().to_string();
    let columns: Vec<String> = columns.into_iter().map(|c| c.into_iden().to_string()).collect();
    let target = Target::new(&table, Some(columns.join(", ")));
    match Backend::from_sea_orm(manager.get_database_backend()) {
        Backend::Postgres => postgres(manager, &target, &columns).await,
        Backend::MySql => mysql(manager, &target, &columns).await,
        Backend::Sqlite => sqlite::rebuild(manager, &target, |t| t.set_primary_key(&columns)).await,
    }
}

async fn postgres(manager: &SchemaManager<'_>, target: &Target, columns: &[String]) -> Result<(), BatchError> {
    let table = quote(&target.table);
    if let Some(name) = current_key(manager, target).await? {
        let sql = format!("ALTER TABLE {table} DROP CONSTRAINT {}", quote(&name));
        exec_sql(manager, target, "dropping the primary key", &sql).await?;
    }
    if columns.is_empty() {
        return Ok(());
    }
    let list: Vec<String> = columns.iter().map(|c| quote(c)).collect();
    let sql = format!("ALTER TABLE {table} ADD PRIMARY KEY ({})", list.join(", "));
    exec_sql(manager, target, "adding the primary key", &sql).await
}

async fn mysql(manager: &SchemaManager<'_>, target: &Target, columns: &[String]) -> Result<(), BatchError> {
    let mut clauses = Vec::new();
    if current_key(manager, target).await?.is_some() {
        clauses.push("DROP PRIMARY KEY".to_string());
    }
    if !columns.is_empty() {
        let list: Vec<String> = columns.iter().map(|c| quote_mysql(c)).collect();
        clauses.push(format!("ADD PRIMARY KEY ({})", list.join(", ")));
    }
    if clauses.is_empty() {
        return Ok(());
    }
    let sql = format!("ALTER TABLE {} {}", quote_mysql(&target.table), clauses.join(", "));
    exec_sql(manager, target, "changing the primary key", &sql).await
}

/// The name of the table's primary key constraint, if it has one (PostgreSQL, MySQL).
async fn current_key(manager: &SchemaManager<'_>, target: &Target) -> Result<Option<String>, BatchError> {
    let stmt = match manager.get_database_backend() {
        DbBackend::Postgres => Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT c.conname::text FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid \
             JOIN pg_namespace n ON n.oid = t.relnamespace \
             WHERE t.relname = $1 AND n.nspname = current_schema() AND c.contype = 'p'",
            [target.table.as_str().into()],
        ),
        backend => Statement::from_sql_and_values(
            backend,
            "SELECT CONSTRAINT_NAME FROM information_schema.TABLE_CONSTRAINTS \
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND CONSTRAINT_TYPE = 'PRIMARY KEY'",
            [target.table.as_str().into()],
        ),
    };
    let step = "finding the current primary key";
    let row = manager.get_connection().query_one_raw(stmt).await;
    match row.map_err(|e| target.failed(step, &e))? {
        Some(row) => row
            .try_get_by_index::<String>(0)
            .map(Some)
            .map_err(|e| target.failed(step, &e)),
        None => Ok(None),
    }
}
