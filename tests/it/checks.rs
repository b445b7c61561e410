//! CHECK constraints are compared by condition, in the canonical form both sides are printed in:
//! a check made with raw SQL and one declared beside the entities with sea-query match; a
//! different condition, or one declared on one side only, fails `check`; a drafted check
//! round-trips on every backend (its code kept as a golden file and compiled into this test; on
//! SQLite the helper rebuilds the table). A table created with checks reads back with the same
//! checks on every backend.

use crate::support::{Kind, TestDb};
use entity::tenants;
use sea_orm::ConnectionTrait;
use sea_orm_migration::SchemaManager;
use sea_orm_migration::prelude::*;
use crate::autogen_cli::cli_with;
use seamigrate::codegen::Runs;
use seamigrate::diff::{Change, DiffOptions, diff};
use seamigrate::schema::{Check, Column, ColumnType, EntitySet, Filter, Table, discover, normalise};

crate::on_each_backend!(checks_are_compared, drafted_checks_round_trip, tables_keep_their_checks);

/// The reference entities with `name <> ''` (or `condition`) checked on tenants.
fn declared(condition: Option<Expr>) -> EntitySet {
    let condition = condition.unwrap_or_else(|| Expr::col(tenants::Column::Name).ne(""));
    migration::entities().check(tenants::Entity, "ck_tenants_name", condition)
}

async fn checks_are_compared(db: TestDb) {
    let url = db.url.as_str();
    assert_eq!(cli_with(&declared(None), &["-u", url, "up", "-q"]).await.0, 0);
    let conn = db.connect().await;
    let manager = SchemaManager::new(&conn);
    // SQLite alters no constraint in place: the helper rebuilds the table there.
    seamigrate::batch::add_check(&manager, tenants::Entity, "ck_tenants_name", Expr::cust("name <> ''")).await.unwrap();
    let (code, out, err) = cli_with(&declared(None), &["-u", url, "check", "--strict"]).await;
    assert_eq!(code, 0, "the check as made and as declared match:\n{out}{err}");
    let (code, out, _) = cli_with(&migration::entities(), &["-u", url, "check"]).await;
    assert_ne!(code, 0);
    assert!(out.contains("drop check ck_tenants_name on tenants (name <> '')"), "{out}");
    let other = declared(Some(Expr::col(tenants::Column::Name).ne("x")));
    let (code, out, _) = cli_with(&other, &["-u", url, "check"]).await;
    assert_ne!(code, 0);
    assert!(out.contains("add check ck_tenants_name on tenants (name <> 'x')"), "{out}");
}

async fn drafted_checks_round_trip(db: TestDb) {
    let url = db.url.as_str();
    let entities = declared(None);
    assert_eq!(cli_with(&entities, &["-u", url, "up", "-q"]).await.0, 0);
    let conn = db.connect().await;
    let backend = db.kind.backend();
    let live = discover(&conn, &Filter::all()).await.unwrap();
    let drafted = diff(&live, &entities.schema(backend), &DiffOptions::new(backend));
    assert!(matches!(drafted.changes.as_slice(), [Change::AddCheck { .. }]), "{:?}", drafted.describe());
    let enums = Default::default();
    let code = seamigrate::codegen::migration_file(&drafted.changes, &[], &enums, &[], Runs::for_draft(&drafted.changes, backend));
    crate::cli::golden("codegen/add_check.rs", &code);
    let manager = SchemaManager::new(&conn);
    let draft = drafted_code::Migration;
    draft.up(&manager).await.unwrap_or_else(|e| panic!("up: {e}"));
    let rejected = conn.execute_unprepared("INSERT INTO tenants (code, name, storage_quota_bytes, file_count_limit) VALUES ('t1', '', 1, 1)").await;
    assert!(rejected.is_err(), "the check holds");
    let (code, out, err) = cli_with(&entities, &["-u", url, "check", "--strict"]).await;
    assert_eq!(code, 0, "applied, the draft leaves nothing to do:\n{out}{err}");
    draft.down(&manager).await.unwrap_or_else(|e| panic!("down: {e}"));
    let (code, out, _) = cli_with(&entities, &["-u", url, "check"]).await;
    assert_ne!(code, 0);
    assert!(out.contains("add check ck_tenants_name on tenants"), "{out}");
}

/// The drafted migration of the test above, as compiled code.
mod drafted_code {
    include!("golden/codegen/add_check.rs");
}

async fn tables_keep_their_checks(db: TestDb) {
    let backend = db.kind.backend();
    let conn = db.connect().await;
    let column = |name: &str, ty| Column { name: name.into(), ty, nullable: false, default: None, auto_increment: false, generated: None };
    let table = Table {
        name: "notes".into(),
        columns: vec![column("id", ColumnType::Integer), column("body", ColumnType::String { len: Some(200) }), column("score", ColumnType::Integer)],
        primary_key: vec!["id".into()],
        checks: vec![
            Check { name: Some("ck_notes_body".into()), expression: "body <> ''".into() },
            Check { name: Some("ck_notes_score".into()), expression: "score >= 0 AND (score <= 10 OR id < 0)".into() },
        ],
        ..Table::default()
    };
    let manager = SchemaManager::new(&conn);
    seamigrate::apply::apply(&manager, &Change::CreateTable { table: table.clone() }, &Default::default()).await.unwrap();
    let live = discover(&conn, &Filter::only(["notes"])).await.unwrap();
    assert_eq!(normalise(&live, backend).tables["notes"].checks, normalise(&seamigrate::schema::Schema {
        tables: [("notes".to_owned(), table)].into(),
        enums: Default::default(), views: Default::default(), extensions: Default::default(),
    }, backend).tables["notes"].checks, "read back as created");
    assert_eq!(live.tables["notes"].checks.len(), 2);
    if db.kind != Kind::Sqlite {
        let names: Vec<_> = live.tables["notes"].checks.iter().map(|c| c.name.clone().unwrap_or_default()).collect();
        assert!(names.contains(&"ck_notes_body".to_owned()), "{names:?}");
    }
}
