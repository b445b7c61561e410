//! Reading and writing the history tables.

use super::event::{Action, Event, NewEvent, Outcome, actor};
use super::tables::{
    EVENTS_TABLE, MIGRATIONS_TABLE, SeamigrateEvents as Ev, SeamigrateMigrations as Mig,
    create_events_table, create_migrations_table,
};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, QueryResult};
use sea_orm_migration::SchemaManager;
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
        let insert = Query::insert()
            .into_table(Mig::Table)
            .columns(APPLIED_COLUMNS)
            .values([
                row.version.clone().into(),
                row.applied_at.clone().into(),
                row.execution_ms.into(),
                row.checksum.clone().into(),
                row.dirty.into(),
            ])
            .map_err(|e| DbErr::Custom(e.to_string()))?
            .to_owned();
        self.conn.execute(&insert).await.map(drop)
    }

    /// Marks a migration clean (it finished) and records how long it took.
    pub async fn mark_clean(&self, version: &str, execution_ms: i64) -> Result<(), DbErr> {
        let update = Query::update()
            .table(Mig::Table)
            .value(Mig::Dirty, false)
            .value(Mig::ExecutionMs, execution_ms)
            .and_where(Expr::col(Mig::Version).eq(version))
            .to_owned();
        self.conn.execute(&update).await.map(drop)
    }

    pub async fn set_dirty(&self, version: &str, dirty: bool) -> Result<(), DbErr> {
        let update = Query::update()
            .table(Mig::Table)
            .value(Mig::Dirty, dirty)
            .and_where(Expr::col(Mig::Version).eq(version))
            .to_owned();
        self.conn.execute(&update).await.map(drop)
    }

    pub async fn set_checksum(&self, version: &str, checksum: Option<&str>) -> Result<(), DbErr> {
        let update = Query::update()
            .table(Mig::Table)
            .value(Mig::Checksum, checksum.map(str::to_string))
            .and_where(Expr::col(Mig::Version).eq(version))
            .to_owned();
        self.conn.execute(&update).await.map(drop)
    }

    pub async fn delete_applied(&self, version: &str) -> Result<(), DbErr> {
        let delete = Query::delete()
            .from_table(Mig::Table)
            .and_where(Expr::col(Mig::Version).eq(version))
            .to_owned();
        self.conn.execute(&delete).await.map(drop)
    }

    pub async fn append(&self, event: NewEvent) -> Result<(), DbErr> {
        let insert = Query::insert()
            .into_table(Ev::Table)
            .columns(EVENT_COLUMNS)
            .values([
                super::now().into(),
                event.action.as_str().into(),
                event.version.into(),
                event.outcome.as_str().into(),
                event.duration_ms.into(),
                actor().into(),
                event.message.into(),
            ])
            .map_err(|e| DbErr::Custom(e.to_string()))?
            .to_owned();
        self.conn.execute(&insert).await.map(drop)
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

    /// Creates the history tables if they are missing.
    pub async fn install(&self) -> Result<(), DbErr> {
        self.conn.execute(&create_migrations_table()).await?;
        self.conn.execute(&create_events_table()).await?;
        Ok(())
    }
}

impl HistoryStore<'_, DatabaseConnection> {
    /// Whether the history has been installed (read-only: creates nothing).
    pub async fn is_installed(&self) -> Result<bool, DbErr> {
        SchemaManager::new(self.conn).has_table(MIGRATIONS_TABLE).await
    }

    pub async fn has_events_table(&self) -> Result<bool, DbErr> {
        SchemaManager::new(self.conn).has_table(EVENTS_TABLE).await
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
        action: Action::parse(&action).ok_or_else(|| unknown("action", &action))?,
        version: row.try_get("", "version")?,
        outcome: Outcome::parse(&outcome).ok_or_else(|| unknown("outcome", &outcome))?,
        duration_ms: row.try_get("", "duration_ms")?,
        actor: row.try_get("", "actor")?,
        message: row.try_get("", "message")?,
    })
}
