//! Dropping an index on every backend, whether `CREATE INDEX` made it or it backs a UNIQUE
//! constraint: the schema model does not tell the two apart, and the backends do.

use super::sqlite;
use super::{BatchError, error::Target, exec};
use crate::db::Backend;
use sea_orm::sea_query::{Alias, Index, IntoIden, Table};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use sea_orm_migration::SchemaManager;

/// Drops the index `name` of `table`.
///
/// PostgreSQL: `DROP INDEX`, or `ALTER TABLE ... DROP CONSTRAINT` where the index belongs to a
/// UNIQUE constraint. MySQL: `DROP INDEX ... ON`. SQLite: `DROP INDEX`, or, for the automatic
/// index of a UNIQUE constraint (which SQLite cannot drop), a rebuild without the constraint.
pub async fn drop_index<T: IntoIden>(
    manager: &SchemaManager<'_>,
    table: T,
    name: &str,
) -> Result<(), BatchError> {
    let table = table.into_iden().to_string();
    let target = Target::new(&table, None);
    let drop = Index::drop().name(name).table(Alias::new(&table)).to_owned();
    let step = "dropping the index";
    match Backend::from_sea_orm(manager.get_database_backend()) {
        Backend::Postgres if is_pg_constraint(manager, &target, name).await? => {
            let stmt = Table::alter()
                .table(Alias::new(&table))
                .drop_constraint(Alias::new(name))
                .to_owned();
            exec(manager, &target, "dropping the unique constraint", stmt).await
        }
        Backend::Sqlite => {
            let conn = manager.get_connection();
            let origin = sqlite::index_origin(conn, &table, name)
                .await
                .map_err(|e| target.failed("reading the table's indexes", &e))?;
            if origin.as_deref() != Some("u") {
                return exec(manager, &target, step, drop).await;
            }
            sqlite::rebuild(manager, &target, |t| {
                t.drop_unique(name);
                Ok(())
            })
            .await
        }
        _ => exec(manager, &target, step, drop).await,
    }
}

/// Whether `name` is a constraint (UNIQUE or exclusion) of the table on PostgreSQL.
async fn is_pg_constraint(
    manager: &SchemaManager<'_>,
    target: &Target,
    name: &str,
) -> Result<bool, BatchError> {
    let sql = "SELECT 1 FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid \
               JOIN pg_namespace n ON n.oid = t.relnamespace \
               WHERE c.conname = $1 AND t.relname = $2 AND n.nspname = current_schema() \
               AND c.contype IN ('u', 'x')";
    let stmt = Statement::from_sql_and_values(
        DbBackend::Postgres,
        sql,
        [name.into(), target.table.as_str().into()],
    );
    let found = manager.get_connection().query_one_raw(stmt).await;
    found
        .map(|row| row.is_some())
        .map_err(|e| target.failed("reading the table's constraints", &e))
}
