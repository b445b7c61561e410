//! Dropping an index on every backend, whether `CREATE INDEX` made it or it backs a UNIQUE
//! constraint: the schema model does not tell the two apart, and the backends do.

use super::sqlite;
use super::{BatchError, error::Target, exec, exec_sql};
use crate::db::Backend;
use sea_orm::sea_query::{Alias, Index, IntoIden, PostgresQueryBuilder, Table};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use sea_orm_migration::SchemaManager;

/// Creates the index `index` on `table`: the counterpart of [`drop_index`], so that a
/// draft's up() and down() name an index through the same pair of helpers.
pub async fn create_index<T: IntoIden>(
    manager: &SchemaManager<'_>,
    table: T,
    index: sea_orm::sea_query::IndexCreateStatement,
) -> Result<(), BatchError> {
    let table = table.into_iden().to_string();
    let step = "creating the index";
    let target = Target::new(&table, Some(index.get_index_spec().get_column_names().join(", ")));
    if manager.get_database_backend() == DbBackend::Sqlite {
        return exec_sql(manager, &target, step, &sqlite_index_sql(&index)).await;
    }
    exec(manager, &target, step, index).await
}

/// As [`create_index`], built `CONCURRENTLY` on PostgreSQL, so that writes to `table` go on
/// while it is built; for a migration that runs outside a transaction (`use_transaction()`
/// `Some(false)`: PostgreSQL refuses it in one). An invalid index of the same name, which a
/// failed concurrent build leaves behind, is dropped first, so that the migration can be run
/// again. Elsewhere the same as [`create_index`].
pub async fn create_index_concurrently<T: IntoIden>(
    manager: &SchemaManager<'_>,
    table: T,
    mut index: sea_orm::sea_query::IndexCreateStatement,
) -> Result<(), BatchError> {
    let table = table.into_iden().to_string();
    if manager.get_database_backend() != DbBackend::Postgres {
        return create_index(manager, Alias::new(&table), index).await;
    }
    let target = Target::new(&table, Some(index.get_index_spec().get_column_names().join(", ")));
    // A migration being rendered reads nothing: what it would find cannot change its SQL.
    if let Some(name) = index.get_index_spec().get_name().filter(|_| !crate::capture::capturing()) {
        let sql = "SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid \
                   JOIN pg_namespace n ON n.oid = c.relnamespace \
                   WHERE c.relname = $1 AND n.nspname = current_schema() AND NOT i.indisvalid";
        let stmt = Statement::from_sql_and_values(DbBackend::Postgres, sql, [name.into()]);
        let invalid = manager.get_connection().query_one_raw(stmt).await;
        let invalid = invalid.map_err(|e| target.failed("reading the table's indexes", &e))?;
        if invalid.is_some() {
            let drop = Index::drop().name(name).concurrently().to_owned();
            exec(manager, &target, "dropping the invalid index a failed build left", drop).await?;
        }
    }
    exec(manager, &target, "creating the index concurrently", index.concurrently().to_owned()).await
}

/// As [`drop_index`], `CONCURRENTLY` on PostgreSQL (but for the index of a UNIQUE constraint,
/// which only `ALTER TABLE` drops), for a migration that runs outside a transaction.
pub async fn drop_index_concurrently<T: IntoIden>(
    manager: &SchemaManager<'_>,
    table: T,
    name: &str,
) -> Result<(), BatchError> {
    let table = table.into_iden().to_string();
    let target = Target::new(&table, None);
    if manager.get_database_backend() != DbBackend::Postgres || is_pg_constraint(manager, &target, name).await? {
        return drop_index(manager, Alias::new(&table), name).await;
    }
    let drop = Index::drop().name(name).table(Alias::new(&table)).concurrently().to_owned();
    exec(manager, &target, "dropping the index concurrently", drop).await
}

/// `index` as SQLite's `CREATE INDEX`. sea-query's SQLite builder cannot write a key
/// expression (it panics); PostgreSQL's writes the same statement SQLite reads, expression,
/// predicate and all, and is used for such an index.
pub(crate) fn sqlite_index_sql(index: &sea_orm::sea_query::IndexCreateStatement) -> String {
    if on_expressions(index) {
        index.to_string(PostgresQueryBuilder)
    } else {
        index.to_string(sea_orm::sea_query::SqliteQueryBuilder)
    }
}

/// Whether a key part of `index` is an expression rather than a column. sea-query keeps its key
/// parts to itself but for their debug form.
fn on_expressions(index: &sea_orm::sea_query::IndexCreateStatement) -> bool {
    format!("{:?}", index.get_index_spec()).contains("Expr(IndexColumnExpr")
}

/// Drops the index `name` of `table`.
///
/// PostgreSQL: `DROP INDEX`, or `ALTER TABLE ... DROP CONSTRAINT` where the index belongs to a
/// UNIQUE constraint. MySQL: `DROP INDEX ... ON`, after indexing the foreign keys that only
/// this index served (see [`keep_foreign_keys_indexed`]). SQLite: `DROP INDEX`, or, for the automatic
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
        Backend::MySql => {
            keep_foreign_keys_indexed(manager, &target, name).await?;
            exec(manager, &target, step, drop).await
        }
        Backend::Postgres => exec(manager, &target, step, drop).await,
    }
}

/// MySQL refuses to drop the last index that serves a foreign key (one that starts with its
/// columns), and drops the index it made for a key by itself once another serves it. So before
/// `index` goes, each key it alone serves gets the plain index MySQL would have made for it,
/// named after the key, leaving the table as MySQL would have it without `index`.
async fn keep_foreign_keys_indexed(manager: &SchemaManager<'_>, target: &Target, index: &str) -> Result<(), BatchError> {
    let keys = "SELECT CONSTRAINT_NAME, COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE \
                WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND REFERENCED_TABLE_NAME IS NOT NULL \
                ORDER BY CONSTRAINT_NAME, ORDINAL_POSITION";
    let indexes = "SELECT INDEX_NAME, COLUMN_NAME FROM information_schema.STATISTICS \
                   WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY INDEX_NAME, SEQ_IN_INDEX";
    let keys = named_column_lists(manager, target, keys).await?;
    let indexes = named_column_lists(manager, target, indexes).await?;
    let serves = |columns: &[String], key: &[String]| columns.starts_with(key);
    for (key, columns) in &keys {
        let by_index = indexes.iter().any(|(n, c)| n == index && serves(c, columns));
        let by_another = indexes.iter().any(|(n, c)| n != index && serves(c, columns));
        if by_index && !by_another {
            let mut create = Index::create();
            create.name(key).table(Alias::new(&target.table));
            columns.iter().for_each(|c| {
                create.col(Alias::new(c));
            });
            exec(manager, target, "indexing a foreign key the index served", create).await?;
        }
    }
    Ok(())
}

/// The rows of `sql` (name, column; in order, for the table) as names with their columns.
async fn named_column_lists(manager: &SchemaManager<'_>, target: &Target, sql: &str) -> Result<Vec<(String, Vec<String>)>, BatchError> {
    let stmt = Statement::from_sql_and_values(DbBackend::MySql, sql, [target.table.as_str().into()]);
    let read = async {
        let mut lists: Vec<(String, Vec<String>)> = Vec::new();
        for row in manager.get_connection().query_all_raw(stmt).await? {
            let (name, column): (String, String) = (row.try_get_by_index(0)?, row.try_get_by_index(1)?);
            match lists.last_mut() {
                Some((last, columns)) if *last == name => columns.push(column),
                _ => lists.push((name, vec![column])),
            }
        }
        Ok::<_, sea_orm::DbErr>(lists)
    };
    read.await.map_err(|e| target.failed("reading the table's keys and indexes", &e))
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
