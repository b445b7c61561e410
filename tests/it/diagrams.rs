//! `schema` from the entities and from the live database, as text, JSON, Mermaid and Graphviz;
//! `autogenerate --preview --format mermaid` shows the tables a draft touches, before and
//! after.

use crate::autogen_cli::entities_cli;
use crate::cli::{cli, golden};
use crate::support::TestDb;
use sea_orm::ConnectionTrait;

#[tokio::test]
async fn schema_of_the_entities_in_every_format() {
    let (code, out, err) = entities_cli(&["schema", "--format", "mermaid"]).await;
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("erDiagram\n"), "{out}");
    assert!(out.contains("    tenants ||--o{ clusters : \"tenant_id\"\n"), "{out}");
    golden("schema_entities.mmd", &out);
    let (code, out, _) = entities_cli(&["schema"]).await;
    assert_eq!(code, 0);
    golden("schema_entities.txt", &out);
    let (code, out, _) = entities_cli(&["schema", "--format", "dot", "--include-table", "users"]).await;
    assert_eq!(code, 0);
    assert!(out.starts_with("digraph schema {") && out.contains("users") && !out.contains("\"clusters\" ["), "{out}");
    let (code, out, _) = entities_cli(&["schema", "--format", "json"]).await;
    assert_eq!(code, 0);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["tables"].as_object().unwrap().len(), 6);
}

#[tokio::test]
async fn diagrams_are_for_schema_and_previews_only() {
    let (code, out, err) = cli(&["status", "--format", "mermaid"]).await;
    assert_eq!((code, out.as_str()), (2, ""));
    assert!(err.contains("are for `schema` and `autogenerate --preview`"), "{err}");
}

async fn schema_of_the_database_and_a_preview(db: TestDb) {
    let url = db.url.as_str();
    assert_eq!(cli(&["-u", url, "up", "-q"]).await.0, 0);
    let (code, out, err) = cli(&["-u", url, "schema"]).await;
    assert_eq!(code, 0, "without entities, the database: {err}");
    assert!(out.contains("table users\n") && !out.contains("seamigrate_migrations"), "{out}");
    let (code, out, _) = entities_cli(&["-u", url, "schema", "--from", "database", "--format", "mermaid"]).await;
    assert_eq!(code, 0);
    assert!(out.contains("    users {\n"), "{out}");

    let conn = db.connect().await;
    conn.execute_unprepared("ALTER TABLE users DROP COLUMN display_name").await.unwrap();
    let (code, out, err) = entities_cli(&["-u", url, "autogenerate", "add_display_name", "--preview", "--format", "mermaid"]).await;
    assert_eq!(code, 0, "{err}");
    let (before, after) = out.split_once("### After").expect("two diagrams");
    assert!(before.starts_with("### Before\n\n```mermaid\nerDiagram\n    users {"), "{out}");
    assert!(!before.contains("display_name") && after.contains("display_name"), "{out}");
    assert!(!out.contains("tenants {"), "only the tables the draft touches: {out}");
}

crate::on_each_backend!(schema_of_the_database_and_a_preview);
