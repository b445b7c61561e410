//! MariaDB Galera clusters: the migration lock across nodes.
//!
//! `GET_LOCK` is local to the node that grants it, so on a cluster (`wsrep_on`) a run also takes
//! a lease: the one row of `seamigrate_lock`, claimed with an `UPDATE` that only matches while
//! the row is free or its lease has run out. Galera certifies conflicting writes cluster-wide,
//! so of two nodes claiming the row at once one commits and the other's commit fails
//! ("deadlock", error 1213); the claim is then read back through a causal read
//! (`wsrep_sync_wait`), which waits until this node has applied every write committed before
//! it (the session sets `wsrep_sync_wait` when it opens on a cluster node, see
//! [`Session::is_clustered`]), and the run holds the lock only if the row names its own token. A heartbeat on a
//! connection of its own renews the lease every few seconds; if a renewal finds the lease gone
//! (or cannot renew it before it would run out), it ends the run's connection, so a run never
//! goes on without the lock. A holder killed outright keeps the row until the lease runs out.
//! See docs/production.md, "Galera clusters".

use crate::db::Session;
use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement};
use std::time::{Duration, Instant};

/// The lock row's table (in the migrated database, beside the history tables).
pub const LOCK_TABLE: &str = "seamigrate_lock";

/// How long a claim holds without renewal, and how often it is renewed.
const LEASE_SECONDS: u64 = 30;
const RENEW_EVERY: Duration = Duration::from_secs(5);

/// A held lease, renewed until released.
pub(super) struct Lease {
    token: String,
    heartbeat: tokio::task::JoinHandle<()>,
}

/// Tries once to claim the lease for `holder`; `Some` when this run holds it.
pub(super) async fn try_claim(session: &Session, holder: &str) -> Result<Option<Lease>, DbErr> {
    let db = session.connection();
    let create = format!(
        "CREATE TABLE IF NOT EXISTS {LOCK_TABLE} (id TINYINT NOT NULL PRIMARY KEY, token VARCHAR(64) NULL, \
         holder VARCHAR(255) NULL, expires_at DATETIME(6) NULL) ENGINE=InnoDB"
    );
    db.execute_unprepared(&create).await?;
    if let Err(e) = db.execute_unprepared(&format!("INSERT IGNORE INTO {LOCK_TABLE} (id) VALUES (1)")).await {
        return if lost_a_conflict(&e) { Ok(None) } else { Err(e) };
    }
    let token = format!("{:032x}", rand_token());
    let claim = Statement::from_sql_and_values(
        DbBackend::MySql,
        format!(
            "UPDATE {LOCK_TABLE} SET token = ?, holder = ?, expires_at = NOW(6) + INTERVAL {LEASE_SECONDS} SECOND \
             WHERE id = 1 AND (token IS NULL OR expires_at < NOW(6))"
        ),
        [token.clone().into(), crate::db::shorten(holder, 250).into()],
    );
    match db.execute_raw(claim).await {
        Ok(_) => {}
        Err(e) if lost_a_conflict(&e) => return Ok(None),
        Err(e) => return Err(e),
    }
    let read = format!("SELECT token FROM {LOCK_TABLE} WHERE id = 1");
    let holds = session.texts(&read).await?.first().cloned().flatten().as_deref() == Some(token.as_str());
    if !holds {
        return Ok(None);
    }
    let heartbeat = heartbeat(session, token.clone()).await?;
    Ok(Some(Lease { token, heartbeat }))
}

impl Drop for Lease {
    fn drop(&mut self) {
        self.heartbeat.abort();
    }
}

/// Gives the lease up: stops renewing it and frees the row, if it is still this run's.
pub(super) async fn release(session: &Session, lease: Lease) -> Result<(), DbErr> {
    lease.heartbeat.abort();
    let free = Statement::from_sql_and_values(
        DbBackend::MySql,
        format!("UPDATE {LOCK_TABLE} SET token = NULL, holder = NULL, expires_at = NULL WHERE id = 1 AND token = ?"),
        [lease.token.clone().into()],
    );
    // A write conflict with another node's claim is certification's doing, not a refusal: the
    // row is still this run's, so the release is tried again.
    let mut tries = 0;
    loop {
        match session.connection().execute_raw(free.clone()).await {
            Err(e) if lost_a_conflict(&e) && tries < 20 => {
                tries += 1;
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            done => return done.map(drop),
        }
    }
}

/// Who holds the lease, when someone does and it has not run out.
pub(super) async fn holder(db: &sea_orm::DatabaseConnection) -> Option<super::Holder> {
    let sql = format!(
        "SELECT CONCAT(holder, ' (cluster lease until ', DATE_FORMAT(expires_at, '%H:%i:%S'), ')') \
         FROM {LOCK_TABLE} WHERE id = 1 AND token IS NOT NULL AND expires_at >= NOW(6)"
    );
    let rows = crate::db::texts(db, &sql).await.ok()?;
    rows.into_iter().flatten().next().map(super::Holder)
}

/// Renews the lease on a connection of its own until aborted; ends the run's connection when
/// the lease is found gone or could not be renewed in time.
async fn heartbeat(session: &Session, token: String) -> Result<tokio::task::JoinHandle<()>, DbErr> {
    let run_id = session.texts("SELECT CAST(CONNECTION_ID() AS CHAR)").await?.first().cloned().flatten().unwrap_or_default();
    let beside = session.twin().await?;
    Ok(tokio::spawn(async move {
        let mut renewed = Instant::now();
        loop {
            tokio::time::sleep(RENEW_EVERY).await;
            let renew = Statement::from_sql_and_values(
                DbBackend::MySql,
                format!("UPDATE {LOCK_TABLE} SET expires_at = NOW(6) + INTERVAL {LEASE_SECONDS} SECOND WHERE id = 1 AND token = ?"),
                [token.clone().into()],
            );
            let lost = match beside.connection().execute_raw(renew).await {
                Ok(done) if done.rows_affected() == 1 => {
                    renewed = Instant::now();
                    false
                }
                Ok(_) => true,
                Err(_) => renewed.elapsed() + RENEW_EVERY >= Duration::from_secs(LEASE_SECONDS),
            };
            if lost {
                // The run must not go on without the lock: end its connection.
                let _ = beside.connection().execute_unprepared(&format!("KILL CONNECTION {run_id}")).await;
                break;
            }
        }
        beside.close().await;
    }))
}

/// Whether `err` is this node losing a write conflict to another (Galera's certification
/// failure, reported as a deadlock) or waiting too long for a row another writer holds.
fn lost_a_conflict(err: &DbErr) -> bool {
    let words = err.to_string();
    words.contains("1213") || words.contains("1205") || words.contains("Deadlock")
}

/// A token no other run will draw: the time, the process and a counter, mixed.
fn rand_token() -> u128 {
    use std::hash::{BuildHasher, Hasher};
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0));
    hasher.write_u32(std::process::id());
    hasher.write_u64(COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
    let high = hasher.finish();
    hasher.write_u64(high);
    (u128::from(high) << 64) | u128::from(hasher.finish())
}
