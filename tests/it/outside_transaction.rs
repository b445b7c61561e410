//! A migration that declares `use_transaction() == Some(false)` runs on its own, outside a
//! transaction, still under the lock: on PostgreSQL that is what `CREATE INDEX CONCURRENTLY`
//! needs. A failure is recorded as `dirty`, since nothing rolled it back.

use crate::support::{Kind, run};
use sea_orm::{ConnectionTrait, Statement};
use sea_orm_migration::prelude::*;
use seamigrate::runner::LintScope;
use seamigrate::{Error, Migrator, RunOptions, UpTarget};

/// Creates index `idx_items_<column>` on `items` concurrently, outside a transaction.
struct Concurrent {
    version: &'static str,
    column: &'static str,
}

impl MigrationName for Concurrent {
    fn name(&self) -> &str {
        self.version
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Concurrent {
    fn use_transaction(&self) -> Option<bool> {
        Some(false)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let name = format!("idx_items_{}", self.column);
        let index = Index::create().name(name).table(Alias::new("items")).col(Alias::new(self.column)).concurrently().to_owned();
        manager.create_index(index).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let name = format!("idx_items_{}", self.column);
        manager.drop_index(Index::drop().name(name).to_owned()).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_index_concurrently_runs_outside_a_transaction_on_postgres() {
    run(Kind::Postgres, |db| async move {
        let conn = db.connect().await;
        conn.execute_unprepared("CREATE TABLE items (id serial PRIMARY KEY, name text)").await.expect("table");
        let migrations: Vec<Box<dyn MigrationTrait>> = vec![
            Box::new(Concurrent { version: "m01_index_name", column: "name" }),
            Box::new(Concurrent { version: "m02_index_missing", column: "missing" }),
        ];
        let migrator = Migrator::from_migrations(conn.clone(), migrations).expect("migrations");
        let lint = migrator.lint(&LintScope::Version("m01".into())).await.expect("lint");
        assert!(lint.iter().all(|f| f.rule.id() != "index-without-concurrently"), "{lint:#?}");

        migrator.up(&UpTarget::Steps(1), &RunOptions::default()).await.expect("CONCURRENTLY outside a transaction");
        let row = conn
            .query_one_raw(Statement::from_string(
                sea_orm::DbBackend::Postgres,
                "SELECT indisvalid FROM pg_index WHERE indexrelid = 'idx_items_name'::regclass",
            ))
            .await
            .expect("query")
            .expect("the index exists");
        assert!(row.try_get::<bool>("", "indisvalid").expect("column"), "a valid index");

        let err = migrator.up(&UpTarget::All, &RunOptions::default()).await.expect_err("no such column");
        assert!(matches!(err, Error::MigrationFailed { dirty: true, .. }), "{err}");
        assert!(err.to_string().contains("\"missing\" does not exist"), "{err}");
        let states = crate::support::states(&migrator).await;
        assert_eq!(states[1], ("m02_index_missing".to_string(), "dirty"));
    })
    .await;
}
