//! The rebuild itself, inside a savepoint: the rows are copied aside, the old table dropped,
//! the new one created under the same name with its indexes and the rows copied back, then the
//! triggers and AUTOINCREMENT counter restored and the foreign keys checked.
//!
//! Copying back under the table's own name (instead of renaming a new table into place, as
//! SQLite's documentation does with foreign keys off) keeps references from other tables
//! intact while foreign keys stay enforced: each row put back settles the violation its
//! removal counted. It also leaves views and triggers naming the table untouched.

use super::live::{self, rows};
use super::refs;
use super::spec::{Saved, TableSpec};
use crate::batch::def::quote;
use crate::batch::{BatchError, error::Target, error::words};
use sea_orm::sea_query::SqliteQueryBuilder;
use sea_orm::{ConnectionTrait, DbErr, Value};

/// The prefix of the table a rebuild copies the rows aside into; `lint` knows a rebuild by it.
pub(crate) const HOLD: &str = "_seamigrate_hold_";

/// Rebuilds the table `target` names with its definition changed by `edit`.
pub(super) async fn run<C, F>(conn: &C, target: &Target, edit: F) -> Result<(), BatchError>
where
    C: ConnectionTrait,
    F: FnOnce(&mut TableSpec) -> Result<(), BatchError>,
{
    let live = live::read(conn, &target.table)
        .await
        .map_err(|e| target.failed("reading the table's definition", &e))?
        .ok_or_else(|| BatchError::NoSuchTable {
            table: target.table.clone(),
        })?;
    let mut spec = TableSpec::from_live(live)?;
    let counter = sequence(conn, target, &spec).await?;
    edit(&mut spec)?;
    let incoming = refs::incoming(conn, target, &spec.name).await?;
    refs::refuse_cascades(conn, target, &spec.name, &incoming).await?;
    exec(conn, target, "deferring foreign key checks", "PRAGMA defer_foreign_keys = ON").await?;
    replace(conn, target, &spec).await?;
    recreate(conn, target, &spec.triggers, "recreating a trigger").await?;
    if let (Some(seq), true) = (counter, spec.autoincrement) {
        restore_sequence(conn, target, &spec.name, seq).await?;
    }
    refs::check(conn, target, &spec.name, &incoming).await
}

/// The rebuild's statements for a migration being captured (`up --sql`, `lint`), from the
/// definition the schema it starts from gives: the rows moved and the table replaced, as
/// [`run`] does, without the reads and checks that need the database (they send no change).
pub(super) async fn render<C, F>(conn: &C, target: &Target, edit: F) -> Result<(), BatchError>
where
    C: ConnectionTrait,
    F: FnOnce(&mut TableSpec) -> Result<(), BatchError>,
{
    let Some(table) = crate::capture::known_table(&target.table) else {
        return Err(BatchError::NeedsDefinition { table: target.table.clone() });
    };
    let enums = crate::capture::known_schema().map(|s| s.enums.clone()).unwrap_or_default();
    let mut spec = TableSpec::from_live(live::from_model(&table, &enums))?;
    edit(&mut spec)?;
    replace(conn, target, &spec).await
}

/// Copies the rows aside, drops the table, creates it anew with its indexes and copies the rows
/// back. The indexes come before the rows: a unique one may be the parent key of another
/// table's foreign key, which SQLite checks ("foreign key mismatch") as each row goes in.
async fn replace<C: ConnectionTrait>(conn: &C, target: &Target, spec: &TableSpec) -> Result<(), BatchError> {
    let table = quote(&spec.name);
    let hold = quote(&format!("{HOLD}{}", spec.name));
    let copied = spec.copied();
    let old: Vec<String> = copied.iter().map(|(_, old)| quote(old)).collect();
    let new: Vec<String> = copied.iter().map(|(new, _)| quote(new)).collect();
    let (old, new) = (old.join(", "), new.join(", "));
    let create = spec.create_statement(&spec.name).to_string(SqliteQueryBuilder);
    let before = [
        ("copying the rows aside", format!("CREATE TABLE {hold} AS SELECT {old} FROM {table}")),
        ("dropping the old table", format!("DROP TABLE {table}")),
        ("creating the new table", create),
    ];
    let after = [
        ("copying the rows into the new table", format!("INSERT INTO {table} ({new}) SELECT {old} FROM {hold}")),
        ("dropping the copy of the rows", format!("DROP TABLE {hold}")),
    ];
    for (step, sql) in before {
        exec(conn, target, step, &sql).await?;
    }
    recreate(conn, target, &spec.indexes, "recreating an index").await?;
    for (step, sql) in after {
        exec(conn, target, step, &sql).await?;
    }
    Ok(())
}

/// Runs the saved `CREATE INDEX` or `CREATE TRIGGER` statements again.
async fn recreate<C: ConnectionTrait>(
    conn: &C,
    target: &Target,
    saved: &[Saved],
    step: &'static str,
) -> Result<(), BatchError> {
    for item in saved {
        conn.execute_unprepared(&item.sql).await.map_err(|e| BatchError::Database {
            table: target.table.clone(),
            column: target.column.clone(),
            step,
            words: format!("`{}`: {}", item.name, words(&e)),
        })?;
    }
    Ok(())
}

/// The AUTOINCREMENT counter of the table, if it has one: ids are never reused, even those of
/// rows deleted before the rebuild, so the counter outlives the table.
async fn sequence<C: ConnectionTrait>(conn: &C, target: &Target, spec: &TableSpec) -> Result<Option<i64>, BatchError> {
    if !spec.autoincrement {
        return Ok(None);
    }
    let sql = "SELECT seq FROM sqlite_sequence WHERE name = ?1";
    let read = async {
        match rows(conn, sql, vec![spec.name.as_str().into()]).await?.first() {
            Some(row) => Ok::<_, DbErr>(Some(row.try_get_by_index::<i64>(0)?)),
            None => Ok(None),
        }
    };
    read.await.map_err(|e| target.failed("reading the AUTOINCREMENT counter", &e))
}

async fn restore_sequence<C: ConnectionTrait>(conn: &C, target: &Target, table: &str, seq: i64) -> Result<(), BatchError> {
    let args = || -> Vec<Value> { vec![table.into(), seq.into()] };
    let update = "UPDATE sqlite_sequence SET seq = MAX(seq, ?2) WHERE name = ?1";
    let insert = "INSERT INTO sqlite_sequence (name, seq) SELECT ?1, ?2 \
                  WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = ?1)";
    for sql in [update, insert] {
        rows(conn, sql, args())
            .await
            .map_err(|e| target.failed("restoring the AUTOINCREMENT counter", &e))?;
    }
    Ok(())
}

async fn exec<C: ConnectionTrait>(conn: &C, target: &Target, step: &'static str, sql: &str) -> Result<(), BatchError> {
    conn.execute_unprepared(sql)
        .await
        .map(|_| ())
        .map_err(|e| target.failed(step, &e))
}
