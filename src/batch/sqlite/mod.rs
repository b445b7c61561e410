//! SQLite's table rebuild: how a change SQLite cannot make with `ALTER TABLE` is made anyway,
//! the way SQLite's documentation describes (and Alembic's batch mode does), inside the
//! migration's transaction.
//!
//! The current definition is read from the live database ([`live`]), edited ([`edit`]) and
//! written out with sea-query ([`spec`]); [`steps`] moves the rows. The whole rebuild runs in
//! a savepoint, so a failure leaves the table exactly as it was.

mod edit;
mod live;
mod refs;
mod scan;
mod spec;
mod steps;

pub(crate) use spec::{Fk, TableSpec};
pub(crate) use steps::HOLD;

use super::{BatchError, error::Target};
use sea_orm::{ConnectionTrait, TransactionTrait};
use sea_orm_migration::SchemaManager;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

tokio::task_local! {
    /// Set while the runner runs a migration on SQLite: a rebuild that can only be done with
    /// foreign keys off says so here, and the runner runs the migration again that way.
    static WANTS_FOREIGN_KEYS_OFF: Arc<AtomicBool>;
}

/// Runs `migration` (the runner running one on SQLite) and tells whether a table rebuild in it
/// needed foreign keys switched off, which only the runner can do: outside the transaction.
pub(crate) async fn noting_foreign_keys<F: Future>(migration: F) -> (F::Output, bool) {
    let wants = Arc::new(AtomicBool::new(false));
    let output = WANTS_FOREIGN_KEYS_OFF.scope(wants.clone(), migration).await;
    (output, wants.load(Ordering::Relaxed))
}

/// Asks the runner, if one is running the migration, to run it with foreign keys off.
pub(super) fn want_foreign_keys_off() -> bool {
    WANTS_FOREIGN_KEYS_OFF.try_with(|w| w.store(true, Ordering::Relaxed)).is_ok()
}

/// Rebuilds `target.table` with its definition changed by `edit`, atomically: inside a
/// savepoint of the migration's transaction, or a transaction of its own when there is none.
pub(crate) async fn rebuild<F>(manager: &SchemaManager<'_>, target: &Target, edit: F) -> Result<(), BatchError>
where
    F: FnOnce(&mut TableSpec) -> Result<(), BatchError>,
{
    let outer = manager.get_connection();
    if crate::capture::capturing() {
        return steps::render(outer, target, edit).await;
    }
    let deferred = refs::pragma_on(outer, "defer_foreign_keys")
        .await
        .map_err(|e| target.failed("reading PRAGMA defer_foreign_keys", &e))?;
    let txn = outer
        .begin()
        .await
        .map_err(|e| target.failed("starting a savepoint", &e))?;
    let outcome = match steps::run(&txn, target, edit).await {
        Ok(()) => txn
            .commit()
            .await
            .map_err(|e| target.failed("releasing the savepoint", &e)),
        Err(err) => {
            let _ = txn.rollback().await;
            Err(err)
        }
    };
    // Turning it off also forgets violations counted while it was on; the rebuild has
    // checked its tables already, and a caller that had it on keeps it on.
    if !deferred {
        let _ = outer.execute_unprepared("PRAGMA defer_foreign_keys = OFF").await;
    }
    outcome
}

/// The origin of the index `name` of `table`: `c` (CREATE INDEX), `u` (UNIQUE constraint),
/// `pk` (primary key); `None` if the table has no such index.
pub(crate) async fn index_origin<C: ConnectionTrait>(
    conn: &C,
    table: &str,
    name: &str,
) -> Result<Option<String>, sea_orm::DbErr> {
    let sql = "SELECT origin FROM pragma_index_list(?1) WHERE name = ?2 COLLATE NOCASE";
    match live::rows(conn, sql, vec![table.into(), name.into()]).await?.first() {
        Some(row) => Ok(Some(row.try_get_by_index(0)?)),
        None => Ok(None),
    }
}
