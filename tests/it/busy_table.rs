//! A migration that alters a table another session holds a lock on gives way to the
//! application: its statement waits no longer than the lock wait limit, so the application's
//! queries on that table (queued behind it) wait no longer either; it is rolled back and tried
//! again, saying who holds the lock, and lands once the holder is gone. When the tries run out
//! it stops with that detail and nothing of it applied (not dirty, on MySQL/MariaDB either).

use crate::fixtures::table;
use crate::support::{Kind, TestDb, migrator};
use sea_orm::{ConnectionTrait, Database, TransactionTrait};
use sea_orm_migration::prelude::*;
use seamigrate::history::{Action, Outcome};
use seamigrate::runner::{DdlLimits, Progress};
use seamigrate::{Error, RunOptions, UpTarget};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Adds a column to `t_busy`.
struct AddColumn;

impl MigrationName for AddColumn {
    fn name(&self) -> &str {
        "m2_add_column"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for AddColumn {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let alter = Table::alter()
            .table(Alias::new("t_busy"))
            .add_column(ColumnDef::new(Alias::new("extra")).integer().null())
            .to_owned();
        manager.alter_table(alter).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let alter = Table::alter().table(Alias::new("t_busy")).drop_column(Alias::new("extra")).to_owned();
        manager.alter_table(alter).await
    }
}

#[derive(Default)]
struct GaveWay(Mutex<Vec<String>>);

impl Progress for GaveWay {
    fn gave_way(&self, version: &str, _: seamigrate::capture::Direction, attempt: u32, of: u32, _: Duration, why: &str) {
        self.0.lock().unwrap().push(format!("{version} try {attempt} of {of}: {why}"));
    }
}

const LIMIT: Duration = Duration::from_secs(1);

fn list() -> Vec<Box<dyn MigrationTrait>> {
    vec![table("m1_table", "t_busy"), Box::new(AddColumn)]
}

async fn has_extra(conn: &sea_orm::DatabaseConnection) -> bool {
    conn.execute_unprepared("SELECT extra FROM t_busy").await.is_ok()
}

async fn busy_tables_give_way(db: TestDb) {
    if db.kind == Kind::Sqlite {
        return; // one writer at a time by design: nothing to give way to
    }
    let m = migrator(&db, list()).await;
    m.up(&UpTarget::To("m1_table".into()), &RunOptions::default()).await.unwrap();

    // A session that read the table in a transaction it keeps open.
    let holder = Database::connect(db.url.as_str()).await.unwrap();
    let blocker = holder.begin().await.unwrap();
    blocker.execute_unprepared("SELECT * FROM t_busy").await.unwrap();

    // Tries run out while the holder stays: nothing of the migration is applied.
    let seen = Arc::new(GaveWay::default());
    let m = migrator(&db, list())
        .await
        .ddl_limits(DdlLimits { lock_timeout: Some(LIMIT), retries: 1, statement_timeout: None })
        .progress(seen.clone());
    let err = m.up(&UpTarget::All, &RunOptions::default()).await.unwrap_err();
    let Error::Busy(busy) = &err else { panic!("expected Busy, got {err}") };
    assert_eq!(busy.tries, 2);
    let text = err.to_string();
    assert!(text.contains("m2_add_column (up) gave way to the application 2 time(s)"), "{text}");
    match db.kind {
        Kind::Postgres => assert!(text.contains("t_busy is held by pid") && text.contains("idle in transaction"), "{text}"),
        _ => assert!(text.contains("a transaction of root@"), "{text}"),
    }
    let app = db.connect().await;
    assert!(!has_extra(&app).await, "nothing of it applied");
    let states = crate::support::states(&m).await;
    assert_eq!(states[1], ("m2_add_column".into(), "pending"), "not dirty");
    assert_eq!(seen.0.lock().unwrap().len(), 1);

    // With room to retry: the application's queries wait at most the limit, and the migration
    // lands once the holder ends.
    let seen = Arc::new(GaveWay::default());
    let m = migrator(&db, list())
        .await
        .ddl_limits(DdlLimits { lock_timeout: Some(LIMIT), retries: 30, statement_timeout: None })
        .progress(seen.clone());
    let run = tokio::spawn(async move {
        let outcome = m.up(&UpTarget::All, &RunOptions::default()).await;
        (m, outcome)
    });
    let mut slowest = Duration::ZERO;
    let watching = Instant::now();
    while seen.0.lock().unwrap().len() < 2 && watching.elapsed() < Duration::from_secs(30) {
        let asked = Instant::now();
        app.execute_unprepared("SELECT count(*) FROM t_busy").await.unwrap();
        slowest = slowest.max(asked.elapsed());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(seen.0.lock().unwrap().len() >= 2, "it gave way at least twice");
    if db.kind == Kind::Postgres {
        let named = app
            .query_one_raw(sea_orm::Statement::from_string(
                sea_orm::DbBackend::Postgres,
                "SELECT count(*)::int8 AS n FROM pg_stat_activity WHERE application_name = 'seamigrate up m2_add_column'",
            ))
            .await
            .unwrap()
            .unwrap()
            .try_get::<i64>("", "n")
            .unwrap();
        assert_eq!(named, 1, "the session is named for the migration it runs");
    }
    assert!(slowest <= LIMIT + Duration::from_millis(1500), "an application query waited {slowest:?}");
    blocker.commit().await.unwrap();
    let (m, outcome) = run.await.unwrap();
    let report = outcome.unwrap_or_else(|e| panic!("after the holder ended: {e}"));
    assert_eq!(report.steps.len(), 1);
    assert!(has_extra(&app).await);
    let retried: Vec<_> = m
        .history(None)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == Action::Up && e.outcome == Outcome::Retried)
        .collect();
    assert!(retried.len() >= 3, "each time it gave way is in the log: {retried:?}");
    let message = retried.last().and_then(|e| e.message.clone()).unwrap_or_default();
    assert!(message.contains("waited 1s for a lock") && message.contains("tried again after"), "{message}");
    let _ = holder.close().await;
}

crate::on_each_backend!(busy_tables_give_way);

/// Sleeps three seconds in the database.
struct Sleepy;

impl MigrationName for Sleepy {
    fn name(&self) -> &str {
        "m1_sleepy"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Sleepy {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let sql = match manager.get_database_backend() {
            sea_orm::DbBackend::Postgres => "SELECT pg_sleep(3)",
            _ => "SELECT SLEEP(3)",
        };
        manager.get_connection().execute_unprepared(sql).await.map(drop)
    }
}

/// `--statement-timeout` stops a statement that runs too long (PostgreSQL, MariaDB).
async fn statement_timeout_stops_a_long_statement(db: TestDb) {
    if db.kind == Kind::Sqlite {
        return;
    }
    let limits = DdlLimits { statement_timeout: Some(Duration::from_secs(1)), ..DdlLimits::default() };
    let m = migrator(&db, vec![Box::new(Sleepy)]).await.ddl_limits(limits);
    let started = Instant::now();
    let err = m.up(&UpTarget::All, &RunOptions::default()).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_millis(2800), "stopped at the limit: {:?}", started.elapsed());
    let text = err.to_string().to_ascii_lowercase();
    assert!(text.contains("statement timeout") || text.contains("max_statement_time"), "{err}");
}

crate::on_each_backend!(statement_timeout_stops_a_long_statement);
