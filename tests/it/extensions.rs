//! PostgreSQL extensions are compared by name: one installed and declared (with the trigram index
//! it serves) checks clean; one installed and not declared is a difference; one declared and
//! missing is drafted before the index that needs it, and the draft applies. Other backends have
//! no extensions: a declared one is left out there.

use crate::autogen_cli::cli_with;
use crate::support::{Kind, TestDb};
use entity::users;
use sea_orm::ConnectionTrait;
use sea_orm_migration::SchemaManager;
use sea_orm_migration::prelude::*;
use seamigrate::diff::{DiffOptions, diff};
use seamigrate::schema::{EntitySet, Filter, discover};

crate::on_each_backend!(extensions_are_compared_and_drafted_first);

fn declared(kind: Kind) -> EntitySet {
    let set = migration::entities().extension("pg_trgm");
    if kind != Kind::Postgres {
        return set;
    }
    let trigram = IndexColumn::from(users::Column::Username).with_operator_class("gin_trgm_ops");
    let index = Index::create().name("idx_users_username_trgm").table(users::Entity).col(trigram).index_type(IndexType::Custom("gin".into_iden())).to_owned();
    set.index(users::Entity, index)
}

async fn extensions_are_compared_and_drafted_first(db: TestDb) {
    let url = db.url.as_str();
    let entities = declared(db.kind);
    assert_eq!(cli_with(&entities, &["-u", url, "up", "-q"]).await.0, 0);
    let conn = db.connect().await;
    let backend = db.kind.backend();
    if db.kind != Kind::Postgres {
        let (code, out, err) = cli_with(&entities, &["-u", url, "check", "--strict"]).await;
        assert_eq!(code, 0, "no extensions here: {out}{err}");
        return;
    }
    let live = discover(&conn, &Filter::all()).await.unwrap();
    let drafted = diff(&live, &entities.schema(backend), &DiffOptions::new(backend));
    let described = drafted.describe();
    assert_eq!(described.first().map(String::as_str), Some("create extension pg_trgm"), "{described:?}");
    assert!(described.iter().any(|d| d.starts_with("add index idx_users_username_trgm on users USING gin (username gin_trgm_ops)")), "{described:?}");
    let manager = SchemaManager::new(&conn);
    for change in &drafted.changes {
        seamigrate::apply::apply(&manager, change, &Default::default()).await.unwrap_or_else(|e| panic!("{change:?}: {e}"));
    }
    let (code, out, err) = cli_with(&entities, &["-u", url, "check", "--strict"]).await;
    assert_eq!(code, 0, "installed and declared: {out}{err}");
    conn.execute_unprepared("DROP INDEX idx_users_username_trgm").await.unwrap();
    let (code, out, _) = cli_with(&migration::entities(), &["-u", url, "check"]).await;
    assert_ne!(code, 0);
    assert!(out.contains("drop extension pg_trgm"), "{out}");
}
