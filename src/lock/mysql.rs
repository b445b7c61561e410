//! MySQL/MariaDB: a named lock (`GET_LOCK`) per database, held by the run's session. Named
//! locks are server-wide, so the name carries a hash of the database's name (names are limited
//! to 64 characters; a database name may use all of them).

use crate::db::Session;
use sea_orm::DbErr;

const LOCK_NAME: &str = "CONCAT('seamigrate:', MD5(DATABASE()))";

pub(super) async fn try_lock(session: &Session) -> Result<bool, DbErr> {
    let sql = format!("SELECT CAST(COALESCE(GET_LOCK({LOCK_NAME}, 0), 0) AS CHAR)");
    let rows = session.texts(&sql).await?;
    Ok(rows.first().and_then(Option::as_deref) == Some("1"))
}

pub(super) async fn release(session: &Session) -> Result<(), DbErr> {
    session.texts(&format!("SELECT CAST(RELEASE_LOCK({LOCK_NAME}) AS CHAR)")).await.map(drop)
}

/// What the server knows of the session that holds the lock (MySQL has no name for a session).
pub(super) async fn holder(db: &sea_orm::DatabaseConnection) -> Option<super::Holder> {
    let sql = format!(
        "SELECT CONCAT(USER, '@', HOST, ' (MySQL connection ', ID, ', ', COMMAND, ' for ', TIME, 's', \
           IFNULL(CONCAT(': ', LEFT(INFO, 60)), ''), ')') \
         FROM information_schema.PROCESSLIST WHERE ID = IS_USED_LOCK({LOCK_NAME}) AND ID <> CONNECTION_ID()"
    );
    let rows = crate::db::texts(db, &sql).await.ok()?;
    rows.into_iter().flatten().next().map(super::Holder)
}
