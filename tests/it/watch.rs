//! A run you can watch: a line when each migration starts and while a long one runs; a waiting
//! run names who holds the lock, and `status` says a run is in progress; a SQLite lock left by
//! a killed run is said to be so; `up --format json` reports what it applied before it failed.

use crate::cli::cli;
use crate::fixtures::failing;
use crate::support::{Kind, TestDb};
use sea_orm_migration::prelude::*;
use seamigrate::cli::{Console, run};
use std::time::Duration;

/// Sleeps, then creates a table.
struct Slow;

impl MigrationName for Slow {
    fn name(&self) -> &str {
        "m1_slow"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Slow {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        tokio::time::sleep(Duration::from_millis(2600)).await;
        manager
            .create_table(Table::create().table(Alias::new("t_slow")).col(ColumnDef::new(Alias::new("id")).integer().primary_key()).to_owned())
            .await
    }
}

struct SlowThenFailing;

impl MigratorTrait for SlowThenFailing {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![Box::new(Slow), failing("m2_bad", "t_bad")]
    }
}

async fn cli_with<M: MigratorTrait>(args: &[&str]) -> (i32, String, String) {
    let console = Console::buffered();
    let mut argv = vec!["migration"];
    argv.extend_from_slice(args);
    let code = run::<M, _>(argv, &console).await;
    let (out, err) = console.output();
    (code, out, err)
}

async fn progress_and_partial_json(db: TestDb) {
    let url = db.url.as_str();
    let (code, out, err) = cli_with::<SlowThenFailing>(&["-u", url, "up"]).await;
    assert_eq!(code, 1);
    assert!(err.contains("applying m1_slow...") && err.contains("still applying m1_slow (2s)"), "{err}");
    assert!(err.contains("applying m2_bad..."), "{err}");
    assert!(out.contains("applied  m1_slow ("), "{out}");

    let fresh = db.sibling().await;
    let (code, out, err) = cli_with::<SlowThenFailing>(&["-u", &fresh.url, "--format", "json", "up"]).await;
    assert_eq!(code, 1, "{err}");
    assert!(!err.contains("applying"), "no progress lines with JSON: {err}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert_eq!(json["command"], "up");
    assert_eq!(json["steps"][0]["version"], "m1_slow", "what it applied before failing: {json}");
    assert_eq!(json["steps"].as_array().unwrap().len(), 1);
    assert!(json["error"]["kind"].as_str().unwrap().starts_with("migration-failed"), "{json}");
    fresh.destroy().await;
}

async fn waiting_names_the_holder(db: TestDb) {
    let url = db.url.as_str();
    let session = db.session().await;
    let guard = seamigrate::lock::acquire(&session, "deploy", Duration::from_secs(5), &|_| {}).await.unwrap();
    let (code, out, _) = cli(&["-u", url, "status"]).await;
    assert_eq!(code, 0);
    let expected = match db.kind {
        Kind::Postgres => "(PostgreSQL pid ",
        Kind::Mysql => "(MySQL connection ",
        Kind::Sqlite => "`deploy`, since ",
    };
    assert!(out.contains("a run is in progress: ") && out.contains(expected), "{out}");
    let (code, _, err) = cli(&["-u", url, "--lock-timeout", "1", "up"]).await;
    assert_eq!(code, 1);
    assert!(err.contains("waiting for the migration lock held by ") && err.contains(expected), "{err}");
    guard.release().await.unwrap();
    let (_, out, _) = cli(&["-u", url, "status"]).await;
    assert!(!out.contains("a run is in progress"), "{out}");
    session.close().await;

    if db.kind == Kind::Sqlite {
        // What a run killed while it held the lock leaves behind: its line in the lock file.
        let lock_file = format!("{}.lock", db.parsed_url().sqlite_file().unwrap());
        std::fs::write(&lock_file, "alice@deploy-7 (pid 4121, `up`, since 10:42:03 UTC)\n").unwrap();
        let (_, out, _) = cli(&["-u", url, "status"]).await;
        assert!(out.contains("never released it: alice@deploy-7 (pid 4121, `up`, since 10:42:03 UTC); it was killed or crashed"), "{out}");
        let (code, _, err) = cli(&["-u", url, "up"]).await;
        assert_eq!(code, 0, "{err}");
        assert!(err.contains("note: the run that last held the migration lock, alice@deploy-7"), "{err}");
        let (_, out, _) = cli(&["-u", url, "status"]).await;
        assert!(!out.contains("never released"), "a clean release clears it: {out}");
    }
}

crate::on_each_backend!(progress_and_partial_json, waiting_names_the_holder);

/// `--wait-for-db`: a server that comes up while the command waits is used; a database that
/// does not exist is not waited for.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waits_for_the_database() {
    if !crate::support::enabled(Kind::Postgres) {
        return;
    }
    let server = std::env::var("SEAMIGRATE_TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let target = {
        let parsed = seamigrate::DatabaseUrl::parse(&server).unwrap();
        let (host, port) = parsed.address().unwrap();
        tokio::net::lookup_host((host, port)).await.unwrap().next().unwrap()
    };
    let port = crate::servers::free_port();
    let url = server.replacen(&format!(":{}/", target.port()), &format!(":{port}/"), 1);
    let late = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.unwrap();
        while let Ok((mut client, _)) = listener.accept().await {
            tokio::spawn(async move {
                if let Ok(mut upstream) = tokio::net::TcpStream::connect(target).await {
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
                }
            });
        }
    });
    let (code, out, err) = cli(&["-u", &url, "--wait-for-db", "30", "status"]).await;
    late.abort();
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("waiting for the database (") && err.contains("Connection refused"), "{err}");
    assert!(out.contains("pending"), "{out}");

    // A database that does not exist will not come by waiting.
    let missing = format!("{}/seamigrate_no_such_database", server.rsplit_once('/').unwrap().0);
    let asked = std::time::Instant::now();
    let (code, _, err) = cli(&["-u", &missing, "--wait-for-db", "30", "status"]).await;
    assert_eq!(code, 1);
    assert!(err.contains("does not exist") && !err.contains("waiting for the database"), "{err}");
    assert!(asked.elapsed() < Duration::from_secs(5), "not waited for: {:?}", asked.elapsed());
}
