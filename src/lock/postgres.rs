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
