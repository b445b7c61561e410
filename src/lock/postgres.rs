//! PostgreSQL: `pg_try_advisory_xact_lock`, scoped to the current schema, held by the
//! transaction that took it and released when that transaction ends.

use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr, Statement, TransactionTrait,
};

/// Opens the transaction that will hold the lock. It sits idle while the run works on other
/// connections, so a server-wide `idle_in_transaction_session_timeout` must not end it (and
/// with it the lock) half way through a long migration.
pub(super) async fn begin(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    let txn = db.begin().await?;
    txn.execute_unprepared("SET LOCAL idle_in_transaction_session_timeout = 0")
        .await?;
    Ok(txn)
}

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
