//! Reading and writing the history tables.

use super::event::{Event, NewEvent, actor};
use super::tables::{EVENTS_TABLE, SeamigrateEvents as Ev, SeamigrateMigrations as Mig, create_tables};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, QueryResult, StatementBuilder};
use sea_orm_migration::prelude::*;

const APPLIED_COLUMNS: [Mig; 5] = [
    Mig::Version,
    Mig::AppliedAt,
    Mig::ExecutionMs,
    Mig::Checksum,
    Mig::Dirty,
];

/// Every column of an event but its generated id.
const EVENT_COLUMNS: [Ev; 7] = [
    Ev::At,
    Ev::Action,
    Ev::Version,
    Ev::Outcome,
    Ev::DurationMs,
    Ev::Actor,
    Ev::Message,
];

/// One applied migration, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedRow {
    pub version: String,
    pub applied_at: String,
    pub execution_ms: i64,
    /// SHA-256 of the SQL its up() emitted when it was applied; `None` if that could not be
    /// learned without a database.
    pub checksum: Option<String>,
    /// Set while a non-transactional migration runs; left set if it fails part way.
    pub dirty: bool,
}

/// The history tables, reached through any connection or transaction.
pub struct HistoryStore<'c, C> {
    conn: &'c C,
}

impl<'c, C: ConnectionTrait> HistoryStore<'c, C> {
    pub fn on(conn: &'c C) -> Self {
        HistoryStore { conn }
    }

    pub async fn applied(&self) -> Result<Vec<AppliedRow>, DbErr> {
        let query = Query::select()
            .columns(APPLIED_COLUMNS)
            .from(Mig::Table)
            .order_by(Mig::Version, Order::Asc)
            .to_owned();
        let rows = self.conn.query_all(&query).await?;
        rows.iter().map(applied_row).collect()
    }

    pub async fn insert_applied(&self, row: &AppliedRow) -> Result<(), DbErr> {
        self.send(|w| w.insert_applied(row)).await
    }

    /// Marks a migration clean (it finished) and records how long it took.
    pub async fn mark_clean(&self, version: &str, execution_ms: i64) -> Result<(), DbErr> {
        self.send(|w| w.mark_clean(version, execution_ms)).await
    }

    pub async fn set_dirty(&self, version: &str, dirty: bool) -> Result<(), DbErr> {
        self.send(|w| w.set_dirty(version, dirty)).await
    }

    pub async fn set_checksum(&self, version: &str, checksum: Option<&str>) -> Result<(), DbErr> {
        self.send(|w| w.set_checksum(version, checksum)).await
    }

    pub async fn delete_applied(&self, version: &str) -> Result<(), DbErr> {
        self.send(|w| w.delete_applied(version)).await
    }

    pub async fn append(&self, event: NewEvent) -> Result<(), DbErr> {
        self.send(|w| w.append(event)).await
    }

    /// The newest `limit` events (all when `None`), oldest first.
    pub async fn events(&self, limit: Option<u64>) -> Result<Vec<Event>, DbErr> {
        let mut query = Query::select()
            .column(Ev::Id)
            .columns(EVENT_COLUMNS)
            .from(Ev::Table)
            .order_by(Ev::Id, Order::Desc)
            .to_owned();
        if let Some(limit) = limit {
            query.limit(limit);
        }
        let rows = self.conn.query_all(&query).await?;
        let mut events = rows.iter().map(event).collect::<Result<Vec<_>, _>>()?;
        events.reverse();
        Ok(events)
    }

    async fn send(&self, write: impl FnOnce(&mut Writes) -> &mut Writes) -> Result<(), DbErr> {
        let mut writes = Writes::new(self.conn.get_database_backend());
        write(&mut writes);
        writes.send(self.conn).await
    }
}

/// History writes sent together in one round trip, values inlined (rendered by sea-query, which
/// escapes them for the backend), unprepared: a migration's bookkeeping costs one exchange with
/// the server instead of two or three prepared ones.
pub struct Writes {
    backend: DbBackend,
    sql: Vec<String>,
}

impl Writes {
    pub fn new(backend: DbBackend) -> Self {
        Writes { backend, sql: Vec::new() }
    }

    /// Creates the history tables if they are missing.
    pub fn install(&mut self) -> &mut Self {
        self.sql.extend(create_tables(self.backend));
        self
    }

    pub fn insert_applied(&mut self, row: &AppliedRow) -> &mut Self {
        let mut insert = Query::insert();
        insert.into_table(Mig::Table).columns(APPLIED_COLUMNS).values_panic([
            row.version.clone().into(),
            row.applied_at.clone().into(),
            row.execution_ms.into(),
            row.checksum.clone().into(),
            row.dirty.into(),
        ]);
        self.statement(&insert)
    }

    pub fn mark_clean(&mut self, version: &str, execution_ms: i64) -> &mut Self {
        let mut update = Query::update();
        update
            .table(Mig::Table)
            .value(Mig::Dirty, false)
            .value(Mig::ExecutionMs, execution_ms)
            .and_where(Expr::col(Mig::Version).eq(version));
        self.statement(&update)
    }

    pub fn set_dirty(&mut self, version: &str, dirty: bool) -> &mut Self {
        let mut update = Query::update();
        update.table(Mig::Table).value(Mig::Dirty, dirty).and_where(Expr::col(Mig::Version).eq(version));
        self.statement(&update)
    }

    pub fn set_checksum(&mut self, version: &str, checksum: Option<&str>) -> &mut Self {
        let mut update = Query::update();
        update
            .table(Mig::Table)
            .value(Mig::Checksum, checksum.map(str::to_string))
            .and_where(Expr::col(Mig::Version).eq(version));
        self.statement(&update)
    }

    pub fn delete_applied(&mut self, version: &str) -> &mut Self {
        let mut delete = Query::delete();
        delete.from_table(Mig::Table).and_where(Expr::col(Mig::Version).eq(version));
        self.statement(&delete)
    }

    pub fn append(&mut self, event: NewEvent) -> &mut Self {
        let mut insert = Query::insert();
        insert.into_table(Ev::Table).columns(EVENT_COLUMNS).values_panic([
            super::now().into(),
            event.action.as_str().into(),
            event.version.into(),
            event.outcome.as_str().into(),
            event.duration_ms.into(),
            actor().into(),
            event.message.into(),
        ]);
        self.statement(&insert)
    }

    /// A statement of the caller's own (`BEGIN`, `COMMIT`), in order with the others.
    pub fn raw(&mut self, sql: &str) -> &mut Self {
        self.sql.push(sql.to_string());
        self
    }

    fn statement<S: StatementBuilder>(&mut self, statement: &S) -> &mut Self {
        self.sql.push(self.backend.build(statement).to_string());
        self
    }

    pub fn is_empty(&self) -> bool {
        self.sql.is_empty()
    }

    /// The statements, joined as [`Writes::send`] sends them.
    pub fn sql(&self) -> String {
        self.sql.join(";\n")
    }

    /// Sends everything, in order, in one round trip; the first failing statement stops the rest.
    pub async fn send<C: ConnectionTrait>(&self, conn: &C) -> Result<(), DbErr> {
        if self.sql.is_empty() {
            return Ok(());
        }
        conn.execute_unprepared(&self.sql.join(";\n")).await.map(drop)
    }
}

fn applied_row(row: &QueryResult) -> Result<AppliedRow, DbErr> {
    Ok(AppliedRow {
        version: row.try_get("", "version")?,
        applied_at: row.try_get("", "applied_at")?,
        execution_ms: row.try_get("", "execution_ms")?,
        checksum: row.try_get("", "checksum")?,
        dirty: row.try_get("", "dirty")?,
    })
}

fn event(row: &QueryResult) -> Result<Event, DbErr> {
    let action: String = row.try_get("", "action")?;
    let outcome: String = row.try_get("", "outcome")?;
    let unknown = |what: &str, value: &str| {
        DbErr::Custom(format!("unknown {what} '{value}' in {EVENTS_TABLE}"))
    };
    Ok(Event {
        id: row.try_get("", "id")?,
        at: row.try_get("", "at")?,
        action: super::event::Action::parse(&action).ok_or_else(|| unknown("action", &action))?,
        version: row.try_get("", "version")?,
        outcome: super::event::Outcome::parse(&outcome).ok_or_else(|| unknown("outcome", &outcome))?,
        duration_ms: row.try_get("", "duration_ms")?,
        actor: row.try_get("", "actor")?,
        message: row.try_get("", "message")?,
    })
}
