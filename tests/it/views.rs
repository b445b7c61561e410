//! Views are compared by query, in canonical form (PostgreSQL prints `users.id`, MariaDB
//! `` `db`.`users`.`id` AS `id` ``, SQLite keeps the text): a view made with raw SQL and one
//! declared beside the entities match; another query, or a view on one side only, fails
//! `check`; a drafted view (and, on PostgreSQL, a materialized one) round-trips, its code kept
//! as a golden file and compiled into this test; an entity mapped onto a view that is not
//! declared is no table to create and the view is kept.

use crate::autogen_cli::cli_with;
use crate::support::{Kind, TestDb};
use sea_orm::ConnectionTrait;
use sea_orm_migration::SchemaManager;
use sea_orm_migration::prelude::*;
use seamigrate::codegen::Runs;
use seamigrate::diff::{DiffOptions, diff};
use seamigrate::schema::{EntitySet, Filter, Table, discover};

crate::on_each_backend!(views_are_compared, drafted_views_round_trip, entities_mapped_onto_views_are_no_tables);

const ACTIVE: &str = "SELECT id, email FROM users WHERE id > 0";

fn declared(query: &str) -> EntitySet {
    migration::entities().view("active_users", query, false)
}

async fn views_are_compared(db: TestDb) {
    let url = db.url.as_str();
    assert_eq!(cli_with(&declared(ACTIVE), &["-u", url, "up", "-q"]).await.0, 0);
    let conn = db.connect().await;
    conn.execute_unprepared(&format!("CREATE VIEW active_users AS {ACTIVE}")).await.unwrap();
    let (code, out, err) = cli_with(&declared(ACTIVE), &["-u", url, "check", "--strict"]).await;
    assert_eq!(code, 0, "the view as made and as declared match:\n{out}{err}");
    let (code, out, _) = cli_with(&migration::entities(), &["-u", url, "check"]).await;
    assert_ne!(code, 0);
    assert!(out.contains("drop view active_users"), "{out}");
    let (code, out, _) = cli_with(&declared("SELECT id FROM users WHERE id > 0"), &["-u", url, "check"]).await;
    assert_ne!(code, 0);
    assert!(out.contains("drop view active_users") && out.contains("create view active_users"), "{out}");
}

/// The reference entities with the views the drafts create.
fn drafted_entities(kind: Kind) -> EntitySet {
    let set = declared(ACTIVE);
    match kind {
        Kind::Postgres => set.view("user_emails", "SELECT email FROM users", true),
        _ => set,
    }
}

async fn drafted_views_round_trip(db: TestDb) {
    let url = db.url.as_str();
    let entities = drafted_entities(db.kind);
    assert_eq!(cli_with(&entities, &["-u", url, "up", "-q"]).await.0, 0);
    let conn = db.connect().await;
    let backend = db.kind.backend();
    let live = discover(&conn, &Filter::all()).await.unwrap();
    let drafted = diff(&live, &entities.schema(backend), &DiffOptions::new(backend));
    let code = seamigrate::codegen::migration_file(&drafted.changes, &[], &Default::default(), &[], Runs::for_draft(&drafted.changes, backend));
    let golden = if db.kind == Kind::Postgres { "create_views_postgres" } else { "create_view" };
    crate::cli::golden(&format!("codegen/{golden}.rs"), &code);
    let manager = SchemaManager::new(&conn);
    let draft: Box<dyn MigrationTrait> =
        if db.kind == Kind::Postgres { Box::new(postgres_draft::Migration) } else { Box::new(draft::Migration) };
    draft.up(&manager).await.unwrap_or_else(|e| panic!("up: {e}"));
    let (code, out, err) = cli_with(&entities, &["-u", url, "check", "--strict"]).await;
    assert_eq!(code, 0, "applied, the draft leaves nothing to do:\n{out}{err}");
    draft.down(&manager).await.unwrap_or_else(|e| panic!("down: {e}"));
    let (code, out, _) = cli_with(&entities, &["-u", url, "check"]).await;
    assert_ne!(code, 0);
    assert!(out.contains("create view active_users"), "{out}");
}

mod draft {
    include!("golden/codegen/create_view.rs");
}

mod postgres_draft {
    include!("golden/codegen/create_views_postgres.rs");
}

async fn entities_mapped_onto_views_are_no_tables(db: TestDb) {
    let url = db.url.as_str();
    assert_eq!(cli_with(&migration::entities(), &["-u", url, "up", "-q"]).await.0, 0);
    let conn = db.connect().await;
    conn.execute_unprepared(&format!("CREATE VIEW active_users AS {ACTIVE}")).await.unwrap();
    let backend = db.kind.backend();
    let live = discover(&conn, &Filter::all()).await.unwrap();
    // What registering an entity for `active_users` adds: a table of that name.
    let mut wanted = migration::entities().schema(backend);
    let users = wanted.tables["users"].clone();
    wanted.tables.insert("active_users".into(), Table { name: "active_users".into(), ..users });
    let drafted = diff(&live, &wanted, &DiffOptions::new(backend));
    assert!(drafted.is_empty(), "no table drafted over the view, and the view kept: {:?}", drafted.describe());
}
