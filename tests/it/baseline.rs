//! `baseline NAME` on a database made by hand with plain SQL: it writes a migration that
//! creates that schema and records the database as at it; the migration's changes, made on an
//! empty database, give the same schema back.

use crate::cli::cli;
use crate::support::{Kind, TestDb};
use sea_orm::ConnectionTrait;
use sea_orm_migration::SchemaManager;
use seamigrate::db::Backend;
use seamigrate::diff::{DiffOptions, diff};
use seamigrate::schema::{Filter, Schema, discover, normalise};

/// A small application schema written by hand, as a team that never used migrations has one.
fn hand_made(kind: Kind) -> Vec<&'static str> {
    let mut sql = Vec::new();
    if kind == Kind::Postgres {
        sql.push("CREATE TYPE mood AS ENUM ('fine', 'grumpy')");
    }
    sql.push("CREATE TABLE teams (id INTEGER NOT NULL PRIMARY KEY, name VARCHAR(100) NOT NULL, UNIQUE (name))");
    sql.push(match kind {
        Kind::Postgres => "CREATE TABLE players (id BIGINT NOT NULL PRIMARY KEY, team_id INTEGER NOT NULL, nick VARCHAR(40), score INTEGER NOT NULL DEFAULT 0, mood mood, FOREIGN KEY (team_id) REFERENCES teams (id) ON DELETE CASCADE)",
        _ => "CREATE TABLE players (id BIGINT NOT NULL PRIMARY KEY, team_id INTEGER NOT NULL, nick VARCHAR(40), score INTEGER NOT NULL DEFAULT 0, FOREIGN KEY (team_id) REFERENCES teams (id) ON DELETE CASCADE)",
    });
    sql.push("CREATE INDEX players_nick ON players (nick)");
    sql
}

async fn baseline_of_a_hand_made_database(db: TestDb) {
    let conn = db.connect().await;
    for statement in hand_made(db.kind) {
        conn.execute_unprepared(statement).await.unwrap_or_else(|e| panic!("{statement}: {e}"));
    }
    let dir = tempfile::tempdir().unwrap();
    let lib = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/migration/src/lib.rs")).unwrap();
    std::fs::write(dir.path().join("lib.rs"), &lib).unwrap();
    let dir_arg = dir.path().to_str().unwrap();
    let url = db.url.as_str();

    let (code, out, err) = cli(&["-u", url, "baseline", "initial_schema", "--dir", dir_arg]).await;
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("Wrote ") && out.contains("the database is recorded as at it"), "{out}");
    let file = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().ends_with("_initial_schema.rs"))
        .expect("the baseline file");
    let source = std::fs::read_to_string(&file).unwrap();
    for wanted in ["Table::create()", "Teams", "Players", "ForeignKey::create()", "Index::create()"] {
        assert!(source.contains(wanted), "{wanted} missing from:\n{source}");
    }
    let version = file.file_stem().unwrap().to_string_lossy().into_owned();
    assert!(std::fs::read_to_string(dir.path().join("lib.rs")).unwrap().contains(&format!("mod {version};")));

    // Recorded as at the baseline, in seamigrate's history and the stock runner's table.
    let (_, out, _) = cli(&["-u", url, "--format", "json", "history"]).await;
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let last = json["events"].as_array().unwrap().last().unwrap().clone();
    assert_eq!((last["action"].as_str(), last["version"].as_str()), (Some("stamp"), Some(version.as_str())));
    let (code, _, err) = cli(&["-u", url, "baseline", "again", "--dir", dir_arg]).await;
    assert_eq!(code, 1);
    assert!(err.contains("managed already"), "{err}");

    // What the baseline makes, made on an empty database, is the schema it was taken from.
    let backend = Backend::from_sea_orm(conn.get_database_backend());
    let source_schema = discover(&conn, &Filter::all()).await.unwrap();
    let empty = db.sibling().await;
    let target = empty.connect().await;
    let changes = diff(&Schema::default(), &source_schema, &DiffOptions::new(backend)).changes;
    let manager = SchemaManager::new(&target);
    for change in &changes {
        seamigrate::apply::apply(&manager, change, &source_schema.enums)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", change.describe()));
    }
    let made = discover(&target, &Filter::all()).await.unwrap();
    assert_eq!(normalise(&made, backend), normalise(&source_schema, backend));
    let _ = target.close().await;
    empty.destroy().await;
}

crate::on_each_backend!(baseline_of_a_hand_made_database);
