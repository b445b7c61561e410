//! MySQL/MariaDB: a named lock (`GET_LOCK`) per database, held by the session of a pinned
//! connection. Named locks are server-wide, so the name carries a hash of the database's name
//! (names are limited to 64 characters; a database name may use all of them).

use sea_orm::{ConnectionTrait, DatabaseTransaction, DbErr, Statement};

const LOCK_NAME: &str = "CONCAT('seamigrate:', MD5(DATABASE()))";

/// Keeps the pinned session open however long the run is: it sits idle while migrations run
/// on other connections, and a short server `wait_timeout` would close it and free the lock.
pub(super) async fn keep_alive(txn: &DatabaseTransaction) -> Result<(), DbErr> {
    txn.execute_unprepared("SET SESSION wait_timeout = 31536000").await.map(drop)
}

pub(super) async fn try_lock(txn: &DatabaseTransaction) -> Result<bool, DbErr> {
    let sql = format!("SELECT CAST(COALESCE(GET_LOCK({LOCK_NAME}, 0), 0) AS SIGNED) AS locked");
    let row = txn
        .query_one_raw(Statement::from_string(txn.get_database_backend(), sql))
        .await?;
    match row {
        Some(row) => Ok(row.try_get::<i64>("", "locked")? == 1),
        None => Ok(false),
    }
}

pub(super) async fn release(txn: DatabaseTransaction) -> Result<(), DbErr> {
    let sql = format!("SELECT RELEASE_LOCK({LOCK_NAME})");
    txn.execute_raw(Statement::from_string(txn.get_database_backend(), sql))
        .await?;
    txn.rollback().await
}
