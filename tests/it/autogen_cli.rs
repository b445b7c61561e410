//! `check` and `autogenerate` through the command line, against the reference application's
//! migrations and entities, on every backend.

use crate::cli::{cli, golden};
use crate::on_each_backend;
use crate::support::TestDb;
use sea_orm::DatabaseConnection;
use sea_orm_migration::SchemaManager;
use sea_orm_migration::prelude::{Alias, ColumnDef, Index, Table};
use seamigrate::cli::{Console, run_with};
use seamigrate::schema::EntitySet;

on_each_backend!(
    check_is_clean_after_up,
    check_refuses_pending_migrations,
    check_lists_every_difference,
    autogenerate_drafts_and_registers_a_migration,
    autogenerate_with_nothing_to_do_writes_nothing,
    renames_are_asked_declared_or_warned,
);

/// Runs the CLI with the reference entities and `console`; returns (exit code, stdout, stderr).
async fn run(args: &[&str], console: Console) -> (i32, String, String) {
    run_entities(&migration::entities(), args, console).await
}

async fn run_entities(entities: &EntitySet, args: &[&str], console: Console) -> (i32, String, String) {
    let mut argv = vec!["migration"];
    argv.extend_from_slice(args);
    let code = run_with::<migration::Migrator, _>(argv, &console, Some(entities)).await;
    let (out, err) = console.output();
    (code, out, err)
}

/// As [`run`], answering no question (as in CI).
pub async fn entities_cli(args: &[&str]) -> (i32, String, String) {
    run(args, Console::buffered().answering(Vec::<String>::new())).await
}

/// As [`entities_cli`], with `entities` instead of the reference ones.
pub async fn cli_with(entities: &EntitySet, args: &[&str]) -> (i32, String, String) {
    run_entities(entities, args, Console::buffered().answering(Vec::<String>::new())).await
}

async fn up(db: &TestDb) {
    let (code, _, err) = entities_cli(&["-u", &db.url, "up", "-q"]).await;
    assert_eq!(code, 0, "{err}");
}

/// Makes the database differ from the entities in two ways: an extra column and a missing index.
async fn drift(conn: &DatabaseConnection) {
    let manager = SchemaManager::new(conn);
    let nickname = ColumnDef::new(Alias::new("nickname")).string_len(64).null().to_owned();
    let add = Table::alter().table(Alias::new("users")).add_column(nickname).to_owned();
    manager.alter_table(add).await.expect("add a column");
    let drop = Index::drop()
        .name("idx_clusters_is_active")
        .table(Alias::new("clusters"))
        .to_owned();
    manager.drop_index(drop).await.expect("drop an index");
}

async fn check_is_clean_after_up(db: TestDb) {
    up(&db).await;
    let (code, out, err) = entities_cli(&["-u", &db.url, "check"]).await;
    assert_eq!((code, out.as_str()), (0, "The database is at head and matches the entities.\n"), "{err}");
    let (code, out, _) = entities_cli(&["-u", &db.url, "--format", "json", "check"]).await;
    assert_eq!(code, 0);
    let report: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(report, serde_json::json!({ "in_sync": true, "differences": [], "not_compared": [] }));
}

async fn check_refuses_pending_migrations(db: TestDb) {
    let (code, _, err) = entities_cli(&["-u", &db.url, "check"]).await;
    assert_eq!(code, 1);
    assert_eq!(
        err,
        "error: the database is not at head: 3 migration(s) pending \
         (m20250101_000001_create_reference_schema, m20250301_000002_add_user_display_name, \
         m20250401_000003_seal_credentials); \
         apply them with `up` first, or the comparison would repeat what they do\n"
    );
    let (code, _, err) = entities_cli(&["-u", &db.url, "autogenerate", "x", "--preview"]).await;
    assert_eq!(code, 1);
    assert!(err.contains("not at head"), "{err}");
}

async fn check_lists_every_difference(db: TestDb) {
    up(&db).await;
    drift(&db.connect().await).await;
    let (code, out, err) = entities_cli(&["-u", &db.url, "check"]).await;
    assert_eq!(code, 1);
    golden("check_drift.txt", &format!("{out}{err}"));
    let (code, out, _) = entities_cli(&["-u", &db.url, "--format", "json", "check"]).await;
    assert_eq!(code, 1);
    let report: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(report["error"]["kind"], "drift");
    assert_eq!(
        report["error"]["differences"],
        serde_json::json!([
            "drop column users.nickname",
            "add index idx_clusters_is_active on clusters (is_active)"
        ])
    );
    let (code, _, _) = entities_cli(&["-u", &db.url, "check", "--exclude-table", "users"]).await;
    assert_eq!(code, 1, "the index of clusters still differs");
    let only_users = ["-u", &db.url, "check", "--include-table", "users", "--exclude-table", "users"];
    assert_eq!(entities_cli(&only_users).await.0, 0, "no table left to compare");
}

async fn autogenerate_drafts_and_registers_a_migration(db: TestDb) {
    up(&db).await;
    drift(&db.connect().await).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let lib = include_str!("../../migration/src/lib.rs");
    std::fs::write(dir.path().join("lib.rs"), lib).expect("write lib.rs");
    let dir_arg = dir.path().to_str().expect("UTF-8 path");
    let args = ["-u", &db.url, "autogenerate", "fix_drift", "--dir", dir_arg];
    let (code, out, err) = entities_cli(&args).await;
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("Wrote ") && out.contains("review it before you apply it"), "{out}");
    assert!(err.contains("2 change(s):\n  drop column users.nickname\n"), "{err}");
    assert!(err.contains("warning: drops column users.nickname and its data"), "{err}");
    let file = std::fs::read_dir(dir.path())
        .expect("read dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.to_string_lossy().ends_with("_fix_drift.rs"))
        .expect("the drafted file");
    let source = std::fs::read_to_string(&file).expect("read draft");
    assert!(source.contains("// WARNING: drops column users.nickname and its data"), "{source}");
    assert!(source.contains("seamigrate::batch::drop_column(manager, Users::Table, Users::Nickname)"));
    assert!(source.contains(".name(\"idx_clusters_is_active\")"), "{source}");
    let version = file.file_stem().and_then(|s| s.to_str()).expect("file name");
    let registered = std::fs::read_to_string(dir.path().join("lib.rs")).expect("read lib.rs");
    assert!(registered.contains(&format!("Box::new({version}::Migration),")), "{registered}");
    let (code, out, _) = entities_cli(&["-u", &db.url, "--format", "json", "autogenerate", "x", "--preview"]).await;
    assert_eq!(code, 0);
    let report: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(report["changes"][0], "drop column users.nickname");
    assert!(report["source"].as_str().is_some_and(|s| s.contains("impl MigrationTrait")));
    assert!(report["written"].is_null());
}

async fn autogenerate_with_nothing_to_do_writes_nothing(db: TestDb) {
    up(&db).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let dir_arg = dir.path().to_str().expect("UTF-8 path");
    let (code, out, err) = entities_cli(&["-u", &db.url, "autogenerate", "nothing", "--dir", dir_arg]).await;
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "No differences between the entities and the database; nothing was written.\n");
    assert_eq!(std::fs::read_dir(dir.path()).expect("read dir").count(), 0);
    let (code, _, err) = entities_cli(&["-u", &db.url, "autogenerate", "Bad-Name"]).await;
    assert_eq!(code, 2);
    assert!(err.starts_with("error: invalid migration name 'Bad-Name'"), "{err}");
}

/// The database calls `users.display_name` `nick`: to the entities, a drop and an add.
async fn renames_are_asked_declared_or_warned(db: TestDb) {
    up(&db).await;
    let rename = Table::alter()
        .table(Alias::new("users"))
        .rename_column(Alias::new("display_name"), Alias::new("nick"))
        .to_owned();
    SchemaManager::new(&db.connect().await).alter_table(rename).await.expect("rename");
    let preview = ["-u", db.url.as_str(), "autogenerate", "rename_nick", "--preview"];

    let (code, out, err) = entities_cli(&preview).await;
    assert_eq!(code, 0, "{err}");
    let hint = "this drop may be a rename (users.nick -> users.display_name); if so, re-run with \
                --rename users.nick=display_name to keep the data";
    assert!(err.contains(&format!("warning: {hint}")), "{err}");
    assert!(out.contains(&format!("// WARNING: {hint}")), "{out}");
    assert!(out.contains("seamigrate::batch::drop_column(manager, Users::Table, Users::Nick)"), "{out}");

    let (code, out, err) = run(&preview, Console::buffered().answering(["y"])).await;
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("users.nick -> users.display_name: rename? [y/N]"), "{err}");
    assert!(out.contains(".rename_column(Users::Nick, Users::DisplayName)"), "{out}");
    assert!(!out.contains("drop_column"), "{out}");

    let declared = [&preview[..], &["--rename", "users.nick=display_name"]].concat();
    let (code, out, err) = entities_cli(&declared).await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(".rename_column(Users::Nick, Users::DisplayName)"), "{out}");

    let wrong = [&preview[..], &["--rename", "users.nope=display_name"]].concat();
    let (code, _, err) = entities_cli(&wrong).await;
    assert_eq!(code, 2, "{err}");
    assert!(err.starts_with("error: ") && err.contains("nope"), "{err}");
}

#[tokio::test]
async fn a_binary_without_entities_says_how_to_register_them() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}/db.sqlite?mode=rwc", dir.path().display());
    let (code, _, err) = cli(&["-u", &url, "check"]).await;
    assert_eq!(code, 1);
    assert!(err.contains("main_with_entities"), "{err}");
}
