//! PostgreSQL: `pg_try_advisory_xact_lock`, scoped to the current schema, held by the
//! transaction that took it and released when that transaction ends.

use sea_orm::{ConnectionTrait, DatabaseTransaction, DbErr, Statement};

pub(super) async fn try_lock(txn: &DatabaseTransaction) -> Result<bool, DbErr> {
    let sql = "SELECT pg_try_advisory_xact_lock(hashtextextended('seamigrate:' || \
               current_schema(), 0)) AS locked";
    let row = txn
        .query_one_raw(Statement::from_string(txn.get_database_backend(), sql))
        .await?;
    match row {
        Some(row) => row.try_get("", "locked"),
        None => Ok(false),
    }
}

pub(super) async fn release(txn: DatabaseTransaction) -> Result<(), DbErr> {
    txn.rollback().await
}
