//! Where a backfill's progress is kept: one row per backfill in `seamigrate_backfills`, written
//! in the same transaction as each batch, so that the row says exactly which rows are done.
//!
//! A migration that backfills also has a row named `""`, written with its dirty mark: it tells
//! the runner which direction the migration was running in when it stopped, even when it
//! stopped before its first batch.

use crate::capture::Direction;
use sea_orm::{ConnectionTrait, DbBackend, DbErr, QueryResult};
use sea_orm_migration::prelude::*;

pub const BACKFILLS_TABLE: &str = "seamigrate_backfills";

#[derive(DeriveIden, Clone, Copy)]
pub(crate) enum SeamigrateBackfills {
    Table,
    Version,
    Direction,
    Name,
    LastKey,
    RowsDone,
    RowsChanged,
    RowsEstimate,
    Finished,
    UpdatedAt,
}
use SeamigrateBackfills as Bf;

/// Every column, as [`Checkpoint`] reads them.
const COLUMNS: [Bf; 9] = [
    Bf::Version,
    Bf::Direction,
    Bf::Name,
    Bf::LastKey,
    Bf::RowsDone,
    Bf::RowsChanged,
    Bf::RowsEstimate,
    Bf::Finished,
    Bf::UpdatedAt,
];

/// One backfill's progress, as recorded.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Checkpoint {
    /// The migration it belongs to (or `task:<name>` for a task run outside migrations).
    pub version: String,
    pub direction: Direction,
    /// The backfill's name; `""` is the migration's own marker row.
    pub name: String,
    /// The key of the last row done (a JSON array of the key's values), `None` before the first
    /// batch.
    #[serde(skip)]
    pub last_key: Option<String>,
    /// Rows walked so far.
    pub rows_done: i64,
    /// Rows changed so far.
    pub rows_changed: i64,
    /// About how many rows the walk covers, as estimated when it started.
    pub rows_estimate: Option<i64>,
    pub finished: bool,
    pub updated_at: String,
}

impl Checkpoint {
    /// The migration's own row, written with its dirty mark.
    pub(crate) fn is_marker(&self) -> bool {
        self.name.is_empty()
    }
}

/// `CREATE TABLE IF NOT EXISTS seamigrate_backfills`.
pub(crate) fn create_table(backend: DbBackend) -> String {
    let mut create = Table::create();
    create
        .table(Bf::Table)
        .if_not_exists()
        .col(ColumnDef::new(Bf::Version).string_len(255).not_null())
        .col(ColumnDef::new(Bf::Direction).string_len(8).not_null())
        .col(ColumnDef::new(Bf::Name).string_len(190).not_null())
        .col(ColumnDef::new(Bf::LastKey).text().null())
        .col(ColumnDef::new(Bf::RowsDone).big_integer().not_null().default(0))
        .col(ColumnDef::new(Bf::RowsChanged).big_integer().not_null().default(0))
        .col(ColumnDef::new(Bf::RowsEstimate).big_integer().null())
        .col(ColumnDef::new(Bf::Finished).boolean().not_null().default(false))
        .col(ColumnDef::new(Bf::UpdatedAt).string_len(40).not_null())
        .primary_key(Index::create().col(Bf::Version).col(Bf::Direction).col(Bf::Name));
    backend.build(&create).to_string()
}

/// Every checkpoint; none when the table does not exist (a database no backfill has run on).
pub async fn all<C: ConnectionTrait>(conn: &C) -> Vec<Checkpoint> {
    let query = Query::select()
        .columns(COLUMNS)
        .from(Bf::Table)
        .order_by(Bf::Version, Order::Asc)
        .order_by(Bf::Name, Order::Asc)
        .to_owned();
    match conn.query_all(&query).await {
        Ok(rows) => rows.iter().filter_map(|r| checkpoint(r).ok()).collect(),
        Err(_) => Vec::new(),
    }
}

/// The checkpoint of one backfill, if it has started.
pub(crate) async fn read<C: ConnectionTrait>(conn: &C, version: &str, direction: Direction, name: &str) -> Result<Option<Checkpoint>, DbErr> {
    let query = Query::select()
        .columns(COLUMNS)
        .from(Bf::Table)
        .and_where(Expr::col(Bf::Version).eq(version))
        .and_where(Expr::col(Bf::Direction).eq(direction.to_string()))
        .and_where(Expr::col(Bf::Name).eq(name))
        .to_owned();
    conn.query_one(&query).await?.as_ref().map(checkpoint).transpose()
}

/// A new backfill's row: nothing done yet.
pub(crate) fn start(backend: DbBackend, version: &str, direction: Direction, name: &str, estimate: Option<i64>) -> String {
    let mut insert = Query::insert();
    insert
        .into_table(Bf::Table)
        .columns([Bf::Version, Bf::Direction, Bf::Name, Bf::RowsDone, Bf::RowsChanged, Bf::RowsEstimate, Bf::Finished, Bf::UpdatedAt])
        .values_panic([
            version.into(),
            direction.to_string().into(),
            name.into(),
            0i64.into(),
            0i64.into(),
            estimate.into(),
            false.into(),
            crate::history::now().into(),
        ]);
    backend.build(&insert).to_string()
}

/// The migration's own row, written with its dirty mark; kept if it is there already.
pub(crate) fn mark(backend: DbBackend, version: &str, direction: Direction) -> String {
    let mut insert = Query::insert();
    insert
        .into_table(Bf::Table)
        .columns([Bf::Version, Bf::Direction, Bf::Name, Bf::UpdatedAt])
        .values_panic([version.into(), direction.to_string().into(), "".into(), crate::history::now().into()])
        .on_conflict(
            OnConflict::columns([Bf::Version, Bf::Direction, Bf::Name]).update_column(Bf::UpdatedAt).to_owned(),
        );
    backend.build(&insert).to_string()
}

/// What one batch adds to a backfill's row: `walked` rows up to `last_key`, `changed` of them
/// changed; `finished` when it was the last.
pub(crate) struct Advance<'a> {
    pub last_key: Option<&'a str>,
    pub walked: i64,
    pub changed: i64,
    pub finished: bool,
}

pub(crate) fn advance(backend: DbBackend, version: &str, direction: Direction, name: &str, step: &Advance<'_>) -> String {
    let mut update = Query::update();
    update
        .table(Bf::Table)
        .value(Bf::RowsDone, Expr::col(Bf::RowsDone).add(step.walked))
        .value(Bf::RowsChanged, Expr::col(Bf::RowsChanged).add(step.changed))
        .value(Bf::Finished, step.finished)
        .value(Bf::UpdatedAt, crate::history::now());
    if let Some(key) = step.last_key {
        update.value(Bf::LastKey, key);
    }
    where_row(&mut update, version, direction, name);
    backend.build(&update).to_string()
}

/// Touches a backfill's row first thing in a batch's transaction: the write lock (SQLite's, on
/// the whole file) is taken before the batch reads, so no other writer can come between.
pub(crate) fn touch(backend: DbBackend, version: &str, direction: Direction, name: &str) -> String {
    let mut update = Query::update();
    update.table(Bf::Table).value(Bf::UpdatedAt, crate::history::now());
    where_row(&mut update, version, direction, name);
    backend.build(&update).to_string()
}

/// Forgets every backfill of `version`: it finished, or was settled by hand.
pub(crate) fn forget(backend: DbBackend, version: &str) -> String {
    let mut delete = Query::delete();
    delete.from_table(Bf::Table).and_where(Expr::col(Bf::Version).eq(version));
    backend.build(&delete).to_string()
}

/// Forgets one backfill.
pub(crate) fn remove(backend: DbBackend, version: &str, direction: Direction, name: &str) -> String {
    let mut delete = Query::delete();
    delete
        .from_table(Bf::Table)
        .and_where(Expr::col(Bf::Version).eq(version))
        .and_where(Expr::col(Bf::Direction).eq(direction.to_string()))
        .and_where(Expr::col(Bf::Name).eq(name));
    backend.build(&delete).to_string()
}

fn where_row(update: &mut UpdateStatement, version: &str, direction: Direction, name: &str) {
    update
        .and_where(Expr::col(Bf::Version).eq(version))
        .and_where(Expr::col(Bf::Direction).eq(direction.to_string()))
        .and_where(Expr::col(Bf::Name).eq(name));
}

fn checkpoint(row: &QueryResult) -> Result<Checkpoint, DbErr> {
    let direction: String = row.try_get("", "direction")?;
    Ok(Checkpoint {
        version: row.try_get("", "version")?,
        direction: if direction == "down" { Direction::Down } else { Direction::Up },
        name: row.try_get("", "name")?,
        last_key: row.try_get("", "last_key")?,
        rows_done: row.try_get("", "rows_done")?,
        rows_changed: row.try_get("", "rows_changed")?,
        rows_estimate: row.try_get("", "rows_estimate")?,
        finished: row.try_get("", "finished")?,
        updated_at: row.try_get("", "updated_at")?,
    })
}
