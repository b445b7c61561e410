//! Backfills on real databases: every row of a 100,000-row table changed exactly once (the
//! change adds one, so a row done twice shows), by an integer key and by a composite text key,
//! undone by down(); and `kill -9` at random moments of a run, each followed by an `up` that
//! resumes from the checkpoint (`SEAMIGRATE_BACKFILL_TRIALS` trials per backend, 20 by
//! default).

use crate::support::{Kind, TestDb};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use sea_orm_migration::prelude::*;
use seamigrate::backfill::{self, Update};
use seamigrate::{DownTarget, MigrationState, Migrator, RunOptions, UpTarget};

pub(crate) const CHILD_URL: &str = "SEAMIGRATE_TEST_BACKFILL_CHILD_URL";

const ITEMS: i64 = 100_000;
const PAIRS: i64 = 20_000;
const VERSION: &str = "m20260101_000001_backfill_items";

/// Adds one to `bf_items.n` on every row (batches of 2,000 by `id`), and one to `bf_pairs.n`
/// on every row but tenant 3's (by the composite key `(tenant, code)`, read and written by code).
struct BackfillItems;

impl MigrationName for BackfillItems {
    fn name(&self) -> &str {
        VERSION
    }
}

#[async_trait::async_trait]
impl MigrationTrait for BackfillItems {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        backfill::table("bf_items").batch_size(2_000).set(manager, "n = n + 1").await?;
        if manager.has_table("bf_pairs").await? {
            backfill::table("bf_pairs")
                .key(["tenant", "code"])
                .only_where("tenant <> 3")
                .batch_size(1_500)
                .update_rows(manager, &["n"], |row| {
                    let n: i32 = row.get("n")?;
                    Ok(Update::new().set("n", n + 1))
                })
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        backfill::table("bf_items").batch_size(5_000).set(manager, "n = n - 1").await?;
        if manager.has_table("bf_pairs").await? {
            backfill::table("bf_pairs").key(["tenant", "code"]).only_where("tenant <> 3").set(manager, "n = n - 1").await?;
        }
        Ok(())
    }
}

fn migrations() -> Vec<Box<dyn MigrationTrait>> {
    vec![Box::new(BackfillItems)]
}

/// The same list, for the CLI.
struct Items;

impl MigratorTrait for Items {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        migrations()
    }
}

/// `status` as the CLI prints it.
async fn status_text(db: &TestDb) -> String {
    let console = seamigrate::cli::Console::buffered();
    let code = seamigrate::cli::run::<Items, _>(["migration", "-u", db.url.as_str(), "status"], &console).await;
    assert_eq!(code, 0);
    console.output().0
}

async fn exec(conn: &DatabaseConnection, sql: &str) {
    conn.execute_unprepared(sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
}

async fn number(conn: &DatabaseConnection, sql: &str) -> i64 {
    let row = conn.query_one_raw(Statement::from_string(conn.get_database_backend(), sql)).await.unwrap().unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}

/// `bf_items` with `ITEMS` rows (`n` = 0), and with `pairs`, `bf_pairs` with `PAIRS` rows.
async fn fill(conn: &DatabaseConnection, pairs: bool) {
    exec(conn, "CREATE TABLE bf_items (id BIGINT NOT NULL PRIMARY KEY, n INTEGER NOT NULL DEFAULT 0, label VARCHAR(40))").await;
    for start in (1..=ITEMS).step_by(5_000) {
        let rows: Vec<String> = (start..start + 5_000).map(|i| format!("({i}, 0, 'item {i}')")).collect();
        exec(conn, &format!("INSERT INTO bf_items (id, n, label) VALUES {}", rows.join(", "))).await;
    }
    if pairs {
        exec(conn, "CREATE TABLE bf_pairs (tenant INTEGER NOT NULL, code VARCHAR(40) NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (tenant, code))").await;
        for start in (0..PAIRS).step_by(5_000) {
            let rows: Vec<String> = (start..start + 5_000).map(|i| format!("({}, 'c-{:05}''x', 0)", i % 7, i)).collect();
            exec(conn, &format!("INSERT INTO bf_pairs (tenant, code, n) VALUES {}", rows.join(", "))).await;
        }
    }
}

/// Every row changed once by up(), back by down(), nothing left behind either way, and the
/// backfill described in words where the migration is only read.
async fn backfills_every_row_once(db: TestDb) {
    let conn = db.connect().await;
    fill(&conn, true).await;
    let m = Migrator::from_migrations(db.connect().await, migrations()).unwrap();
    let preview = m.preview_up(&UpTarget::All, &RunOptions::default()).await.unwrap();
    let sql: Vec<&String> = preview.iter().flat_map(|p| p.statements.iter()).collect();
    assert!(sql.iter().any(|s| s.starts_with("-- backfill `bf_items`: UPDATE")), "{sql:?}");
    m.up(&UpTarget::All, &RunOptions::default()).await.unwrap();
    assert_eq!(number(&conn, "SELECT COUNT(*) FROM bf_items").await, ITEMS);
    assert_eq!(number(&conn, "SELECT COUNT(*) FROM bf_items WHERE n <> 1").await, 0, "each item once");
    let others = number(&conn, "SELECT COUNT(*) FROM bf_pairs WHERE tenant <> 3").await;
    assert_eq!(number(&conn, "SELECT COUNT(*) FROM bf_pairs WHERE tenant <> 3 AND n = 1").await, others, "each pair once");
    assert_eq!(number(&conn, "SELECT COUNT(*) FROM bf_pairs WHERE tenant = 3 AND n <> 0").await, 0, "the condition holds");
    assert_eq!(number(&conn, "SELECT COUNT(*) FROM seamigrate_backfills").await, 0, "checkpoints forgotten");
    assert!(m.status().await.unwrap().is_up_to_date);
    m.down(&DownTarget::Steps(1), &RunOptions::default()).await.unwrap();
    let left = conn.query_all_raw(Statement::from_string(conn.get_database_backend(), "SELECT id, n FROM bf_items WHERE n <> 0 ORDER BY id LIMIT 5")).await.unwrap();
    let left: Vec<(i64, i32)> = left.iter().map(|r| (r.try_get_by_index(0).unwrap(), r.try_get_by_index(1).unwrap())).collect();
    assert!(left.is_empty(), "down() left {left:?}");
    assert_eq!(number(&conn, "SELECT COUNT(*) FROM bf_pairs WHERE n <> 0").await, 0);
    assert_eq!(number(&conn, "SELECT COUNT(*) FROM seamigrate_backfills").await, 0);
    let _ = conn.close().await;
}

crate::on_each_backend!(backfills_every_row_once);

/// The process the kill trials start and kill ([`crate::children`]): `up` of the backfill.
pub(crate) async fn backfill_child(url: &str) {
    crate::children::up_between_ready_and_done(url, |s| Migrator::from_migrations(s, migrations()).unwrap()).await;
}

/// `kill -9` at a random moment of a backfill: afterwards the migration is pending, in
/// progress or applied (never dirty), `status` shows how far it got, and the next `up`
/// finishes it with every row changed exactly once.
async fn backfill_survives_kill_9(db: TestDb) {
    let trials: usize = std::env::var("SEAMIGRATE_BACKFILL_TRIALS").ok().and_then(|v| v.parse().ok()).unwrap_or(20);
    let conn = db.connect().await;
    fill(&conn, false).await;
    let m = Migrator::from_migrations(db.connect().await, migrations()).unwrap();
    let mut expected = 0;
    // Two runs that are not killed: the shorter sets the window the kills are spread over.
    let mut window = std::time::Duration::MAX;
    for _ in 0..2 {
        let (done, ran) = crate::children::run_child(CHILD_URL, &db.url, &[], None).await;
        assert!(done, "the child finishes when not killed");
        window = window.min(ran);
        expected += 1;
        m.resolve(VERSION, seamigrate::ResolveAs::Pending).await.unwrap();
    }
    let (mut midway, mut before, mut after) = (0, 0, 0);
    for trial in 0..trials {
        let delay = window.mul_f64(rand::random::<f64>());
        crate::children::run_child(CHILD_URL, &db.url, &[], Some(delay)).await;
        let status = m.status().await.unwrap();
        let state = status.migrations.iter().find(|s| s.version == VERSION).map_or(MigrationState::Pending, |s| s.state);
        match state {
            MigrationState::InProgress => {
                midway += 1;
                // Checkpoint and rows read in one statement (one snapshot): the server may still
                // be committing the killed run's last batch, with its checkpoint.
                let sql = format!(
                    "SELECT COALESCE((SELECT rows_done FROM seamigrate_backfills WHERE name = 'bf_items'), 0) - \
                     (SELECT COUNT(*) FROM bf_items WHERE n = {})",
                    expected + 1
                );
                assert_eq!(number(&conn, &sql).await, 0, "trial {trial}: the checkpoint says exactly what is done");
                if midway == 1 {
                    let text = status_text(&db).await;
                    let line = format!("backfill `bf_items` of {VERSION} (up): ");
                    // The total is the catalogue's estimate (approximate on MySQL/MariaDB).
                    assert!(text.contains(&line) && text.contains(" rows done of ~") && text.contains("`up` resumes it"), "{text}");
                }
            }
            MigrationState::Pending => before += 1,
            MigrationState::Applied => after += 1,
            other => panic!("trial {trial}: left {other:?} by a kill"),
        }
        m.up(&UpTarget::All, &RunOptions::default()).await.unwrap_or_else(|e| panic!("trial {trial}: {e}"));
        expected += 1;
        let wrong = number(&conn, &format!("SELECT COUNT(*) FROM bf_items WHERE n <> {expected}")).await;
        assert_eq!(wrong, 0, "trial {trial} ({state:?}): {wrong} rows not changed exactly once");
        assert_eq!(number(&conn, "SELECT COUNT(*) FROM bf_items").await, ITEMS);
        assert!(m.status().await.unwrap().is_up_to_date, "trial {trial}");
        m.resolve(VERSION, seamigrate::ResolveAs::Pending).await.unwrap();
    }
    eprintln!(
        "{:?}: {trials} kill -9 trials over a {window:?} backfill of {ITEMS} rows: {midway} killed mid-backfill, \
         {before} before it began, {after} after it finished",
        db.kind
    );
    assert!(midway * 3 >= trials, "too few kills landed during the backfill ({midway} of {trials})");
    let _ = conn.close().await;
}

crate::on_each_backend!(backfill_survives_kill_9);

/// A backfill inside a transaction (another runner, or `use_transaction` forced) refuses in
/// one line instead of committing what it cannot.
#[tokio::test]
async fn refuses_inside_a_transaction() {
    use sea_orm::TransactionTrait;
    if !crate::support::enabled(Kind::Sqlite) {
        return;
    }
    let db = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
    exec(&db, "CREATE TABLE bf_items (id INTEGER PRIMARY KEY, n INTEGER NOT NULL DEFAULT 0)").await;
    let txn = db.begin().await.unwrap();
    let manager = SchemaManager::new(&txn);
    let err = backfill::table("bf_items").set(&manager, "n = n + 1").await.unwrap_err().to_string();
    assert!(err.contains("cannot run inside the migration's transaction") && !err.contains('\n'), "{err}");
}
