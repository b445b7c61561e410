//! PostgreSQL: a session-level advisory lock (`pg_try_advisory_lock`), scoped to the current
//! schema, held by the run's session until released or until that session ends.

use crate::db::Session;
use sea_orm::DbErr;

const KEY: &str = "hashtextextended('seamigrate:' || current_schema(), 0)";

pub(super) async fn try_lock(session: &Session) -> Result<bool, DbErr> {
    let sql = format!("SELECT pg_try_advisory_lock({KEY})::text");
    let rows = session.texts(&sql).await?;
    Ok(rows.first().and_then(Option::as_deref) == Some("true"))
}

pub(super) async fn release(session: &Session) -> Result<(), DbErr> {
    session.texts(&format!("SELECT pg_advisory_unlock({KEY})::text")).await.map(drop)
}

/// What the server knows of the session that holds the lock: its name (a seamigrate run names
/// itself and its migration), where it connects from, and since when.
pub(super) async fn holder(db: &sea_orm::DatabaseConnection) -> Option<super::Holder> {
    let sql = format!(
        "SELECT format('%s (PostgreSQL pid %s, from %s, connected since %s UTC)', \
           COALESCE(NULLIF(a.application_name, ''), a.usename::text, 'a session'), a.pid, \
           COALESCE(host(a.client_addr), 'a local socket'), \
           to_char(a.backend_start AT TIME ZONE 'UTC', 'HH24:MI:SS')) \
         FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
         WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 \
           AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
           AND ((l.classid::int8 << 32) | l.objid::int8) = {KEY} \
           AND l.pid <> pg_backend_pid()"
    );
    let rows = crate::db::texts(db, &sql).await.ok()?;
    rows.into_iter().flatten().next().map(super::Holder)
}
