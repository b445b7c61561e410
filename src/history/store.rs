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

impl AppliedRow {
    /// A row recorded without running the migration (`stamp`, `resolve`, `baseline`): applied
    /// now, in no time, clean.
    pub fn by_hand(version: &str, checksum: Option<String>) -> AppliedRow {
        AppliedRow { version: version.to_string(), applied_at: super::now(), execution_ms: 0, checksum, dirty: false }
    }
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

    /// Appends one event to the log; applied rows are written through [`Writes`], which keeps
    /// the stock runner's table in step.
    pub async fn append(&self, event: NewEvent) -> Result<(), DbErr> {
        let mut writes = Writes::new(self.conn.get_database_backend(), "");
        writes.append(event).send(self.conn).await
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
}

/// History writes sent together in one round trip, values inlined (rendered by sea-query, which
/// escapes them for the backend), unprepared: a migration's bookkeeping costs one exchange with
/// the server instead of two or three prepared ones.
///
/// Every applied row written here is mirrored into the stock sea-orm runner's table
/// (`seaql_migrations` unless the migrator names another), in the same batch: it holds the
/// versions that are applied and clean, with the stock runner's own columns and values, so
/// migrations, scripts and health checks that read it keep working, and the stock runner
/// could take over again without re-running anything.
pub struct Writes {
    backend: DbBackend,
    stock: String,
    sql: Vec<String>,
}

impl Writes {
    /// Writes for `backend`, mirrored into the stock runner's table `stock`.
    pub fn new(backend: DbBackend, stock: &str) -> Self {
        Writes { backend, stock: stock.to_string(), sql: Vec::new() }
    }

    /// Creates the history tables, and the stock runner's table, if they are missing.
    pub fn install(&mut self) -> &mut Self {
        self.install_own();
        self.sql.push(create_stock_table(self.backend, &self.stock));
        self
    }

    /// Creates seamigrate's own history tables if they are missing.
    pub fn install_own(&mut self) -> &mut Self {
        self.sql.extend(create_tables(self.backend));
        self
    }

    pub fn insert_applied(&mut self, row: &AppliedRow) -> &mut Self {
        if !row.dirty {
            self.mirror(&row.version, stock_time(&row.applied_at));
        }
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
        self.mirror(version, chrono::Utc::now().timestamp());
        self.statement(&update)
    }

    /// Marks a migration dirty or clean; a clean one is (again) in the stock runner's table.
    pub fn set_dirty(&mut self, version: &str, dirty: bool) -> &mut Self {
        if !dirty {
            self.mirror(version, chrono::Utc::now().timestamp());
        }
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
        self.unmirror(version);
        let mut delete = Query::delete();
        delete.from_table(Mig::Table).and_where(Expr::col(Mig::Version).eq(version));
        self.statement(&delete)
    }

    /// Puts a clean applied row in the stock runner's table (when that table is new).
    pub fn mirror_applied(&mut self, row: &AppliedRow) -> &mut Self {
        if row.dirty { self } else { self.mirror(&row.version, stock_time(&row.applied_at)) }
    }

    /// Puts `version` in the stock runner's table, applied at `applied_at` (seconds since the
    /// epoch, as the stock runner records it), in one statement; a row already there (a
    /// migration that wrote its own) is kept rather than failing the write.
    fn mirror(&mut self, version: &str, applied_at: i64) -> &mut Self {
        let mut insert = Query::insert();
        insert
            .into_table(Alias::new(&self.stock))
            .columns([Alias::new("version"), Alias::new("applied_at")])
            .values_panic([version.into(), applied_at.into()])
            .on_conflict(OnConflict::column(Alias::new("version")).update_column(Alias::new("version")).to_owned());
        self.statement(&insert)
    }

    fn unmirror(&mut self, version: &str) -> &mut Self {
        let mut delete = Query::delete();
        delete.from_table(Alias::new(&self.stock)).and_where(Expr::col(Alias::new("version")).eq(version));
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

    /// Replaces the event log with `events` (ids renumbered, order kept): after a restore, the
    /// log is the one the database had before, not the dump's older copy.
    pub fn replace_events(&mut self, events: &[Event]) -> &mut Self {
        let mut delete = Query::delete();
        delete.from_table(Ev::Table);
        self.statement(&delete);
        for chunk in events.chunks(500) {
            let mut insert = Query::insert();
            insert.into_table(Ev::Table).columns(EVENT_COLUMNS);
            for e in chunk {
                insert.values_panic([
                    e.at.clone().into(),
                    e.action.as_str().into(),
                    e.version.clone().into(),
                    e.outcome.as_str().into(),
                    e.duration_ms.into(),
                    e.actor.clone().into(),
                    e.message.clone().into(),
                ]);
            }
            self.statement(&insert);
        }
        self
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

/// The stock runner's table exactly as it creates it (from its own entity), if missing.
/// On SQLite it is kept in its primary key's own b-tree (`WITHOUT ROWID`, as seamigrate's own
/// table is), so that mirroring a row costs one page more per commit, not two; the columns
/// and what the stock runner reads and writes are the same.
fn create_stock_table(backend: DbBackend, name: &str) -> String {
    let mut create =
        sea_orm::Schema::new(backend).create_table_from_entity(sea_orm_migration::seaql_migrations::Entity);
    create.table(Alias::new(name)).if_not_exists();
    let mut sql = backend.build(&create).to_string();
    if backend == DbBackend::Sqlite {
        sql.push_str(" WITHOUT ROWID");
    }
    sql
}

/// An applied time as the stock runner stores it: seconds since the epoch.
fn stock_time(applied_at: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(applied_at)
        .map(|t| t.timestamp())
        .unwrap_or_else(|_| chrono::Utc::now().timestamp())
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
