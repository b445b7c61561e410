//! A MariaDB Galera cluster of three nodes (`tests/clusters/galera.sh`): concurrent runs on
//! different nodes apply each migration once and all succeed, a failure on one node leaves the
//! others free to go on once it is settled, and `status` on another node right after `up` sees head.
//!
//! The cluster is the one `SEAMIGRATE_TEST_GALERA_URLS` names (three comma-separated URLs, as
//! `.ci/run` exports them); else, when `SEAMIGRATE_TEST_BACKENDS` lists `galera`, the tests
//! start one with the script (as root) for the life of the test process; else they are skipped.
//! `SEAMIGRATE_GALERA_TRIALS` sets the number of concurrent-run trials (20 by default).

use crate::cli::cli;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use sea_orm_migration::prelude::*;
use seamigrate::{MigrationState, Migrator, ResolveAs, RunOptions, UpTarget};
use std::io::Write;
use std::sync::OnceLock;

/// The nodes' server URLs (database `mysql`), or `None` when the cluster tests are skipped.
fn nodes() -> Option<Vec<String>> {
    static NODES: OnceLock<Option<Vec<String>>> = OnceLock::new();
    NODES.get_or_init(|| {
        if let Ok(urls) = std::env::var("SEAMIGRATE_TEST_GALERA_URLS") {
            return Some(urls.split(',').map(|u| u.trim().to_string()).collect());
        }
        let required = std::env::var("SEAMIGRATE_TEST_BACKENDS").is_ok_and(|list| list.split(',').any(|k| k.trim() == "galera"));
        if !required {
            let _ = writeln!(std::io::stderr(), "note: skipping galera tests (list galera in SEAMIGRATE_TEST_BACKENDS to require them)");
            return None;
        }
        Some(start_cluster())
    })
    .clone()
}

/// Starts the cluster with the project's script, to stop when this process ends.
fn start_cluster() -> Vec<String> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/clusters/galera.sh");
    let dir = std::env::temp_dir().join(format!("seamigrate-galera-{}", std::process::id()));
    let out = std::process::Command::new(script)
        .args(["start", dir.to_str().unwrap(), &std::process::id().to_string()])
        .output()
        .unwrap_or_else(|e| panic!("galera is required for this run, but {script} did not run: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "galera is required for this run, but the cluster did not start:\n{stdout}{}", String::from_utf8_lossy(&out.stderr));
    stdout.trim().split(',').map(str::to_string).collect()
}

/// A fresh database on the cluster: its URL on each node, and an admin connection.
struct ClusterDb {
    name: String,
    urls: Vec<String>,
    admin: DatabaseConnection,
}

impl ClusterDb {
    async fn create(nodes: &[String]) -> ClusterDb {
        let name = format!("seamigrate_g_{:016x}", rand::random::<u64>());
        let admin = Database::connect(nodes[0].as_str()).await.expect("connect to galera node 1");
        admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await.unwrap();
        // The other nodes apply the CREATE DATABASE a moment later (DDL is not covered by a
        // causal read); wait until each has it, so that connecting to the database there
        // cannot fail.
        let sql = format!("SELECT CAST(COUNT(*) AS CHAR) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = '{name}'");
        for node in &nodes[1..] {
            let conn = Database::connect(node.as_str()).await.expect("connect to a galera node");
            let mut seen = false;
            for _ in 0..200 {
                seen = seamigrate::db::texts(&conn, &sql).await.unwrap() == [Some("1".to_string())];
                if seen {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            assert!(seen, "{node} did not see the new database {name} within 10 s");
            let _ = conn.close().await;
        }
        let urls = nodes.iter().map(|n| format!("{}/{name}", n.rsplit_once('/').unwrap().0)).collect();
        ClusterDb { name, urls, admin }
    }

    async fn drop(self) {
        let _ = self.admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {}", self.name)).await;
        let _ = self.admin.close().await;
    }

    /// The first column of `sql`'s rows, run on node `node`.
    async fn texts(&self, node: usize, sql: &str) -> Vec<Option<String>> {
        let conn = Database::connect(self.urls[node].as_str()).await.unwrap();
        let rows = seamigrate::db::texts(&conn, sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
        let _ = conn.close().await;
        rows
    }
}

fn trials() -> usize {
    std::env::var("SEAMIGRATE_GALERA_TRIALS").ok().and_then(|n| n.parse().ok()).unwrap_or(20)
}

/// Six runs at once, two per node, on a fresh database, trial after trial: every run exits 0,
/// each migration is applied once, and the log holds no failure.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_runs_across_nodes_apply_each_once() {
    let Some(nodes) = nodes() else { return };
    let trials = trials();
    for trial in 0..trials {
        let db = ClusterDb::create(&nodes).await;
        let runs = (0..6).map(|i| {
            let url = db.urls[i % 3].clone();
            async move { cli(&["-u", &url, "up", "-q"]).await }
        });
        let results = futures::future::join_all(runs).await;
        for (i, (code, out, err)) in results.iter().enumerate() {
            assert_eq!(*code, 0, "trial {trial}, run {i} on node {}: {out}{err}", i % 3 + 1);
        }
        let applied = db.texts(2, "SELECT CAST(COUNT(*) AS CHAR) FROM seamigrate_migrations WHERE NOT dirty").await;
        assert_eq!(applied, [Some("3".to_string())], "trial {trial}: each migration recorded once");
        let events = db.texts(1, "SELECT CONCAT(action, ':', outcome) FROM seamigrate_events ORDER BY id").await;
        let events: Vec<String> = events.into_iter().flatten().collect();
        assert!(events.iter().all(|e| e.ends_with(":ok")), "trial {trial}: no failure or dirty event: {events:?}");
        assert_eq!(events.iter().filter(|e| e.starts_with("up:")).count(), 3, "trial {trial}: {events:?}");
        db.drop().await;
    }
    let _ = writeln!(std::io::stderr(), "galera: {trials} trials of 6 concurrent runs over 3 nodes passed");
}

/// `status` on the other nodes right after `up` on one sees head (causal reads).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_on_another_node_sees_head() {
    let Some(nodes) = nodes() else { return };
    for _ in 0..5 {
        let db = ClusterDb::create(&nodes).await;
        let (code, _, err) = cli(&["-u", &db.urls[0], "up", "-q"]).await;
        assert_eq!(code, 0, "{err}");
        for node in [1, 2] {
            let (code, out, err) = cli(&["-u", &db.urls[node], "--format", "json", "status"]).await;
            assert_eq!(code, 0, "{err}");
            let status: serde_json::Value = serde_json::from_str(&out).unwrap();
            assert_eq!(status["is_up_to_date"], true, "node {}: {out}", node + 1);
        }
        db.drop().await;
    }
}

struct Good;

impl MigrationName for Good {
    fn name(&self) -> &str {
        "m1_good"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Good {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let table = Table::create().table(Alias::new("g_one")).col(ColumnDef::new(Alias::new("id")).integer().not_null().primary_key()).to_owned();
        manager.create_table(table).await
    }
}

/// Fails on its first statement, or, fixed, creates its table.
struct Second {
    fixed: bool,
}

impl MigrationName for Second {
    fn name(&self) -> &str {
        "m2_second"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Second {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let table = if self.fixed { "g_two" } else { "g_missing" };
        if self.fixed {
            let create = Table::create().table(Alias::new(table)).col(ColumnDef::new(Alias::new("id")).integer().not_null().primary_key()).to_owned();
            return manager.create_table(create).await;
        }
        let alter = Table::alter().table(Alias::new(table)).add_column(ColumnDef::new(Alias::new("x")).integer().null()).to_owned();
        manager.alter_table(alter).await
    }
}

async fn runner(url: &str, fixed: bool) -> Migrator {
    let conn = Database::connect(url).await.unwrap();
    Migrator::from_migrations(conn, vec![Box::new(Good), Box::new(Second { fixed })]).unwrap()
}

/// A migration failing on one node: the run fails with the database's words, another node
/// sees it dirty and the lease given back, and once settled the fixed migration runs from a
/// third node without waiting.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failure_on_one_node_frees_the_cluster() {
    let Some(nodes) = nodes() else { return };
    let db = ClusterDb::create(&nodes).await;
    let failed = runner(&db.urls[0], false).await.up(&UpTarget::All, &RunOptions::default()).await;
    let words = failed.expect_err("the second migration fails").to_string();
    assert!(words.contains("m2_second") && words.contains("g_missing"), "{words}");
    // MySQL's DDL commits at once, so the failed migration is marked dirty, on every node.
    let status = runner(&db.urls[1], false).await.status().await.unwrap();
    let second = status.migrations.iter().find(|m| m.version == "m2_second").unwrap();
    assert_eq!(second.state, MigrationState::Dirty, "{status:?}");
    assert!(status.in_progress.is_none(), "no run holds the lock: {status:?}");
    let lease = db.texts(2, "SELECT CAST(COUNT(*) AS CHAR) FROM seamigrate_lock WHERE token IS NOT NULL").await;
    assert_eq!(lease, [Some("0".to_string())], "the lease was given back");
    let started = std::time::Instant::now();
    let fixed = runner(&db.urls[2], true).await;
    fixed.resolve("m2_second", ResolveAs::Pending).await.unwrap();
    let report = fixed.up(&UpTarget::All, &RunOptions::default()).await.unwrap();
    assert_eq!(report.steps.len(), 1);
    assert!(started.elapsed() < std::time::Duration::from_secs(10), "no wait for a lease: {:?}", started.elapsed());
    db.drop().await;
}

/// Waits in its only statement, long enough for the heartbeat to renew the lease twice.
struct Slow;

impl MigrationName for Slow {
    fn name(&self) -> &str {
        "m1_slow"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Slow {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.get_connection().execute_unprepared("SELECT SLEEP(12)").await.map(drop)
    }
}

/// A run whose lease is taken from it (as if it had run out while the run was cut off) is
/// stopped by its heartbeat, as on a lost lock, instead of going on beside the new holder.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_that_loses_its_lease_stops() {
    let Some(nodes) = nodes() else { return };
    let db = ClusterDb::create(&nodes).await;
    let url = db.urls[0].clone();
    let run = tokio::spawn(async move {
        let conn = Database::connect(url.as_str()).await.unwrap();
        let migrator = Migrator::from_migrations(conn, vec![Box::new(Slow)]).unwrap();
        migrator.up(&UpTarget::All, &RunOptions::default()).await
    });
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    let held = db.texts(1, "SELECT CAST(COUNT(*) AS CHAR) FROM seamigrate_lock WHERE token IS NOT NULL").await;
    assert_eq!(held, [Some("1".to_string())], "the run holds the lease");
    let steal = Database::connect(db.urls[1].as_str()).await.unwrap();
    steal.execute_unprepared("UPDATE seamigrate_lock SET token = 'stolen' WHERE id = 1").await.unwrap();
    let started = std::time::Instant::now();
    let outcome = run.await.unwrap();
    let words = outcome.expect_err("the run must stop").to_string();
    assert!(words.contains("lock was lost"), "{words}");
    assert!(started.elapsed() < std::time::Duration::from_secs(11), "stopped by the next renewal: {:?}", started.elapsed());
    let _ = steal.close().await;
    db.drop().await;
}
