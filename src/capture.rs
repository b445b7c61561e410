//! The SQL a migration would send, learned by running it against a recording connection.
//!
//! Migrations are Rust code, so the only faithful way to know their SQL is to run them. They run
//! here against sea-orm's mock connection type, backed by a recorder that keeps every statement
//! and answers every query with no rows (but the catalogue probes, answered from a known schema);
//! no database is touched. Checksums are computed from this (`runner::Catalog::capture_up`), and
//! so is anything else that needs to show or inspect a migration's SQL.

use crate::db::Backend;
use sea_orm::{
    DatabaseConnection, DatabaseConnectionType, DbBackend, DbErr, ExecResult, MockDatabase,
    MockDatabaseConnection, MockDatabaseTrait, MockExecResult, QueryResult, Statement,
    Transaction,
};
use sea_orm_migration::{MigrationTrait, SchemaManager};
use sha2::{Digest, Sha256};
use std::sync::{Arc, Mutex};

/// Which half of a migration to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Up,
    Down,
}

impl std::fmt::Display for Direction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Direction::Up => "up",
            Direction::Down => "down",
        })
    }
}

/// What a migration sent, in order.
#[derive(Debug, Clone, Default)]
pub struct Captured {
    /// Each statement as SQL for the backend, with its values inlined.
    pub statements: Vec<String>,
    /// Whether the migration read from the database; its SQL may then depend on data.
    pub reads_data: bool,
    /// Lint findings the migration acknowledged while it ran (`seamigrate::lint::allow`).
    pub acknowledged: Vec<Acknowledged>,
    /// The DDL limits it declared for itself (`seamigrate::ddl`).
    pub limits: crate::runner::Declared,
    /// Its backfills (`seamigrate::backfill`), in words: the runner runs such a migration
    /// outside a migration-wide transaction, and resumes it when it was cut off.
    pub backfills: Vec<String>,
}

/// A lint rule a migration says it breaks on purpose, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acknowledged {
    pub rule: String,
    pub reason: String,
}

/// What a migration says about itself while [`capture`] runs it.
#[derive(Debug, Default)]
struct Declarations {
    acknowledged: Vec<Acknowledged>,
    limits: crate::runner::Declared,
    backfills: Vec<String>,
    /// The schema the migration starts from, when known: what a helper that would read a
    /// table's definition from the database reads instead (SQLite's rebuild).
    schema: Option<Arc<crate::schema::Schema>>,
}

tokio::task_local! {
    /// Set while [`capture`] runs a migration, so that declarations have somewhere to go.
    static DECLARED: Arc<Mutex<Declarations>>;
}

/// Records what `write` declares when called from a migration that [`capture`] is running, and
/// does nothing when the migration runs against a database.
fn declare(write: impl FnOnce(&mut Declarations)) {
    let _ = DECLARED.try_with(|declared| write(&mut declared.lock().unwrap_or_else(|p| p.into_inner())));
}

/// Whether the running migration is being captured (not run against a database).
pub(crate) fn capturing() -> bool {
    DECLARED.try_with(|_| ()).is_ok()
}

/// The table `name` of the schema the captured migration starts from, if that is known.
pub(crate) fn known_table(name: &str) -> Option<crate::schema::Table> {
    known_schema()?.tables.values().find(|t| t.name.eq_ignore_ascii_case(name)).cloned()
}

/// The schema the captured migration starts from, if that is known.
pub(crate) fn known_schema() -> Option<Arc<crate::schema::Schema>> {
    DECLARED.try_with(|d| d.lock().unwrap_or_else(|p| p.into_inner()).schema.clone()).ok().flatten()
}

pub(crate) fn acknowledge(rule: &str, reason: &str) {
    declare(|d| d.acknowledged.push(Acknowledged { rule: rule.to_string(), reason: reason.to_string() }));
}

pub(crate) fn declare_backfill(description: &str) {
    declare(|d| d.backfills.push(description.to_string()));
}

pub(crate) fn declare_limits(write: impl FnOnce(&mut crate::runner::Declared)) {
    declare(|d| write(&mut d.limits));
}

impl Captured {
    /// A stable hex SHA-256 of the statements.
    pub fn checksum(&self) -> String {
        let mut hasher = Sha256::new();
        for statement in &self.statements {
            hasher.update(statement.as_bytes());
            hasher.update(b"\n;\n");
        }
        hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

#[derive(Debug, Default)]
struct Log {
    statements: Vec<String>,
    reads_data: bool,
}

#[derive(Debug)]
struct Recorder {
    backend: DbBackend,
    log: Arc<Mutex<Log>>,
    /// The schema the migration starts from, when known: `has_table`, `has_column` and
    /// `has_index` are answered from it.
    schema: Option<Arc<crate::schema::Schema>>,
}

impl Recorder {
    fn log(&self) -> std::sync::MutexGuard<'_, Log> {
        self.log.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl MockDatabaseTrait for Recorder {
    fn execute(&mut self, _counter: usize, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.log().statements.push(stmt.to_string());
        // `ExecResult` cannot be built outside sea-orm; a one-shot mock database makes one.
        MockDatabase::new(self.backend)
            .append_exec_results([MockExecResult::default()])
            .execute(0, stmt)
    }

    fn query(&mut self, _counter: usize, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        if let Some((column, answer)) = self.schema.as_deref().and_then(|s| probe::answer(self.backend, &stmt, s)) {
            let row = std::collections::BTreeMap::from([(column, sea_orm::Value::Bool(Some(answer)))]);
            return MockDatabase::new(self.backend).append_query_results([[row]]).query(0, stmt);
        }
        let mut log = self.log();
        log.statements.push(stmt.to_string());
        log.reads_data = true;
        Ok(Vec::new())
    }

    fn begin(&mut self) {}

    fn commit(&mut self) {}

    fn rollback(&mut self) {}

    fn drain_transaction_log(&mut self) -> Vec<Transaction> {
        Vec::new()
    }

    fn get_database_backend(&self) -> DbBackend {
        self.backend
    }

    fn ping(&self) -> Result<(), DbErr> {
        Ok(())
    }
}

/// Runs one direction of `migration` against a recorder for `backend`.
pub async fn capture(
    migration: &dyn MigrationTrait,
    direction: Direction,
    backend: Backend,
) -> Result<Captured, DbErr> {
    capture_from(migration, direction, backend, None).await
}

/// As [`capture`], with the schema the migration starts from: the catalogue probes are answered
/// from it, and the helpers that would read a table's definition from the database (SQLite's
/// table rebuild) read it there, so that such migrations render too. What they send depends on
/// that schema, so a checksum takes it from the code alone (`Catalog::capture_up`), never from a
/// live database.
pub async fn capture_from(
    migration: &dyn MigrationTrait,
    direction: Direction,
    backend: Backend,
    schema: Option<&crate::schema::Schema>,
) -> Result<Captured, DbErr> {
    let log = Arc::new(Mutex::new(Log::default()));
    let recorder = Recorder {
        backend: backend.to_sea_orm(),
        log: Arc::clone(&log),
        schema: schema.map(|s| Arc::new(s.clone())),
    };
    let conn: DatabaseConnection =
        DatabaseConnectionType::MockDatabaseConnection(Arc::new(MockDatabaseConnection::new(
            recorder,
        )))
        .into();
    let manager = SchemaManager::new(&conn);
    let declared = Arc::new(Mutex::new(Declarations {
        schema: schema.map(|s| Arc::new(s.clone())),
        ..Declarations::default()
    }));
    let run = async {
        match direction {
            Direction::Up => migration.up(&manager).await,
            Direction::Down => migration.down(&manager).await,
        }
    };
    DECLARED.scope(Arc::clone(&declared), run).await?;
    let log = std::mem::take(&mut *log.lock().unwrap_or_else(|p| p.into_inner()));
    let declared = std::mem::take(&mut *declared.lock().unwrap_or_else(|p| p.into_inner()));
    Ok(Captured {
        statements: log.statements,
        reads_data: log.reads_data,
        acknowledged: declared.acknowledged,
        limits: declared.limits,
        backfills: declared.backfills,
    })
}

/// The schema probes of sea-orm-migration's `SchemaManager` (`has_table`, `has_column`,
/// `has_index`), told by their SQL and answered from a known schema while a migration is
/// captured, so that a migration that looks at the catalogue renders and lints like any other.
mod probe {
    use crate::schema::Schema;
    use sea_orm::{DbBackend, Statement, Value};
    use sea_orm::sea_query::SelectStatement;
    use sea_schema::probe::SchemaProbe;

    /// Names no real table, column or index has: they mark where a probe puts its arguments.
    const FIRST: &str = "\u{1}seamigrate-first";
    const SECOND: &str = "\u{1}seamigrate-second";

    /// The result column and the answer, when `stmt` is one of the probes.
    pub(super) fn answer(backend: DbBackend, stmt: &Statement, schema: &Schema) -> Option<(&'static str, bool)> {
        let table = |name: &str| schema.tables.values().find(|t| t.name == name);
        let probes: [(&'static str, SelectStatement); 3] = match backend {
            DbBackend::Postgres => probes(&sea_schema::postgres::Postgres),
            DbBackend::MySql => probes(&sea_schema::mysql::MySql),
            _ => probes(&sea_schema::sqlite::Sqlite),
        };
        for (column, probe) in probes {
            let built = backend.build(&probe);
            if built.sql != stmt.sql {
                continue;
            }
            let values = built.values.map(|v| v.0).unwrap_or_default();
            let given = stmt.values.as_ref().map(|v| v.0.clone()).unwrap_or_default();
            let first = argument(&values, &given, FIRST)?;
            let second = argument(&values, &given, SECOND);
            let found = match (column, second) {
                ("has_table", _) => table(&first).is_some(),
                ("has_column", Some(c)) => table(&first).is_some_and(|t| t.column(&c).is_some()),
                (_, Some(i)) => table(&first).is_some_and(|t| t.indexes.iter().any(|x| x.name.as_deref() == Some(i.as_str()))),
                _ => return None,
            };
            return Some((column, found));
        }
        None
    }

    fn probes<P: SchemaProbe>(p: &P) -> [(&'static str, SelectStatement); 3] {
        [
            ("has_table", p.has_table(FIRST)),
            ("has_column", p.has_column(FIRST, SECOND)),
            ("has_index", p.has_index(FIRST, SECOND)),
        ]
    }

    /// The value `given` holds where the probe's own values hold `marker`.
    fn argument(values: &[Value], given: &[Value], marker: &str) -> Option<String> {
        let at = values.iter().position(|v| matches!(v, Value::String(Some(s)) if s.as_str() == marker))?;
        match given.get(at)? {
            Value::String(Some(s)) => Some(s.to_string()),
            _ => None,
        }
    }
}
