//! `up --sql` and `down --sql`: the statements shown are the ones `up` and `down` run, and
//! showing them changes nothing.

use crate::cli::cli;
use crate::on_each_backend;
use crate::support::{TestDb, has_table, run};
use sea_orm::ConnectionTrait;
use seamigrate::schema::{Filter, discover};

on_each_backend!(sql_is_what_up_runs_and_changes_nothing, down_sql_follows_the_applied_migrations);

/// The statements of `--format json` preview output, per migration.
fn statements(json: &str) -> Vec<Vec<String>> {
    let value: serde_json::Value = serde_json::from_str(json).expect("JSON");
    let migrations = value["migrations"].as_array().expect("a migrations list");
    migrations
        .iter()
        .map(|m| {
            assert!(m["unrenderable"].is_null(), "{m}");
            let list = m["statements"].as_array().expect("statements");
            list.iter().map(|s| s.as_str().expect("text").to_string()).collect()
        })
        .collect()
}

/// Runs the previewed SQL by hand on one database and `up` on another: same schema.
async fn sql_is_what_up_runs_and_changes_nothing(db: TestDb) {
    let (code, out, err) = cli(&["-u", &db.url, "--format", "json", "up", "--sql"]).await;
    assert_eq!(code, 0, "{err}");
    let previewed = statements(&out);
    assert_eq!(previewed.len(), 3);
    let conn = db.connect().await;
    for table in ["seamigrate_migrations", "seamigrate_events", "tenants"] {
        assert!(!has_table(&conn, table).await, "--sql created {table}");
    }
    // The backfill is described in a comment, which a driver may refuse as an empty query.
    for statement in previewed.iter().flatten().filter(|s| !s.starts_with("--")) {
        conn.execute_unprepared(statement).await.unwrap_or_else(|e| panic!("{statement}: {e}"));
    }
    let by_hand = discover(&conn, &Filter::all()).await.expect("discover");

    run(db.kind, |other| async move {
        let (code, _, err) = cli(&["-u", &other.url, "up", "-q"]).await;
        assert_eq!(code, 0, "{err}");
        let by_up = discover(&other.connect().await, &Filter::all()).await.expect("discover");
        assert_eq!(by_hand, by_up);
    })
    .await;

    let (code, out, _) = cli(&["-u", &db.url, "up", "--sql", "-n", "1"]).await;
    assert_eq!(code, 0);
    assert!(out.starts_with("-- m20250101_000001_create_reference_schema (up)\nCREATE TABLE "), "{out}");
    assert!(!out.contains("m20250301"), "{out}");
}

async fn down_sql_follows_the_applied_migrations(db: TestDb) {
    let (_, out, _) = cli(&["-u", &db.url, "down", "--sql"]).await;
    assert_eq!(out, "-- nothing to run\n", "nothing is applied yet");
    assert_eq!(cli(&["-u", &db.url, "up", "-q"]).await.0, 0);
    let (code, out, err) = cli(&["-u", &db.url, "down", "--sql", "--to", "base"]).await;
    assert_eq!(code, 0, "{err}");
    let first = out.find("m20250301_000002_add_user_display_name (down)").expect("newest first");
    let second = out.find("m20250101_000001_create_reference_schema (down)").expect("then the first");
    assert!(first < second, "{out}");
    assert!(has_table(&db.connect().await, "tenants").await, "--sql reverted nothing");
    let (_, out, _) = cli(&["-u", &db.url, "status"]).await;
    assert!(out.contains("3 applied"), "{out}");
}

/// Rendering for a backend needs no database, not even a URL that works.
#[tokio::test]
async fn backend_renders_without_a_database() {
    for (backend, quote) in [("postgres", '"'), ("mysql", '`'), ("sqlite", '"')] {
        let args = ["-u", "postgres://nobody@127.0.0.1:9/none", "up", "--sql", "--backend", backend];
        let (code, out, err) = cli(&args).await;
        assert_eq!(code, 0, "{backend}: {err}");
        assert!(out.contains(&format!("CREATE TABLE {quote}tenants{quote}")), "{backend}: {out}");
        let (code, out, _) = cli(&["down", "--sql", "--backend", backend]).await;
        assert_eq!(code, 0);
        assert!(out.starts_with("-- m20250401_000003_seal_credentials (down)\n"), "{out}");
    }
    let (code, _, err) = cli(&["up", "--backend", "postgres"]).await;
    assert_eq!(code, 2, "--backend needs --sql: {err}");
}

/// A data migration: reads rows, then writes what it found.
struct ReadsRows;

impl sea_orm_migration::MigrationName for ReadsRows {
    fn name(&self) -> &str {
        "m01_copy_names"
    }
}

#[async_trait::async_trait]
impl sea_orm_migration::MigrationTrait for ReadsRows {
    async fn up(&self, manager: &sea_orm_migration::SchemaManager) -> Result<(), sea_orm::DbErr> {
        let conn = manager.get_connection();
        let backend = conn.get_database_backend();
        let rows = conn.query_all_raw(sea_orm::Statement::from_string(backend, "SELECT name FROM users")).await?;
        for row in rows {
            let name: String = row.try_get("", "name")?;
            let sql = format!("UPDATE users SET display_name = '{name}' WHERE name = '{name}'");
            conn.execute_unprepared(&sql).await?;
        }
        Ok(())
    }
}

struct DataMigrator;

#[async_trait::async_trait]
impl sea_orm_migration::MigratorTrait for DataMigrator {
    fn migrations() -> Vec<Box<dyn sea_orm_migration::MigrationTrait>> {
        vec![Box::new(ReadsRows)]
    }
}

/// What a migration sends after reading rows depends on the rows: not shown, and said so.
#[tokio::test]
async fn a_migration_that_reads_rows_is_not_rendered() {
    let console = seamigrate::cli::Console::buffered();
    let args = ["migration", "--format", "json", "up", "--sql", "--backend", "postgres"];
    assert_eq!(seamigrate::cli::run::<DataMigrator, _>(args, &console).await, 0);
    let (out, _) = console.output();
    let value: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    let migration = &value["migrations"][0];
    assert_eq!(migration["statements"], serde_json::json!([]));
    let why = migration["unrenderable"].as_str().expect("a reason");
    assert!(why.starts_with("it reads from the database while it runs"), "{why}");
    let console = seamigrate::cli::Console::buffered();
    let args = ["migration", "up", "--sql", "--backend", "sqlite"];
    assert_eq!(seamigrate::cli::run::<DataMigrator, _>(args, &console).await, 0);
    let (out, _) = console.output();
    assert!(out.starts_with("-- m01_copy_names (up)\n-- not shown: it reads from the database"), "{out}");
}
