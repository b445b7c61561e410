//! SQLite: widening a column of a table that others reference ON DELETE CASCADE / SET NULL,
//! the change a draft makes with `batch::alter_column`, runs through the runner unchanged:
//! foreign keys are switched off around the migration, checked before it commits, and every
//! parent and child row survives `up` and `down`.

use crate::support::{Kind, TestDb, enabled, migrator};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use sea_orm_migration::prelude::*;
use seamigrate::{DownTarget, RunOptions, UpTarget};

/// Changes `tenants.name` from 50 to `len` characters (320 unless said; and back in down()).
struct Widen {
    orphan: bool,
    len: u32,
}

impl Widen {
    fn new(orphan: bool) -> Widen {
        Widen { orphan, len: 320 }
    }
}

impl MigrationName for Widen {
    fn name(&self) -> &str {
        "m2_widen_tenant_name"
    }
}

fn name_column(len: u32) -> ColumnDef {
    ColumnDef::new(Alias::new("name")).string_len(len).not_null().to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Widen {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        seamigrate::batch::alter_column(manager, Alias::new("tenants"), name_column(self.len)).await?;
        if self.orphan {
            // A row no tenant owns: the foreign key check before commit must refuse it.
            manager.get_connection().execute_unprepared("INSERT INTO users (id, tenant_id) VALUES (99, 999)").await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        Ok(seamigrate::batch::alter_column(manager, Alias::new("tenants"), name_column(50)).await?)
    }
}

struct Schema;

impl MigrationName for Schema {
    fn name(&self) -> &str {
        "m1_schema"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Schema {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for sql in [
            "CREATE TABLE tenants (id INTEGER PRIMARY KEY, name VARCHAR(50) NOT NULL)",
            "CREATE TABLE users (id INTEGER PRIMARY KEY, tenant_id INTEGER NOT NULL REFERENCES tenants (id) ON DELETE CASCADE)",
            "CREATE TABLE notes (id INTEGER PRIMARY KEY, tenant_id INTEGER REFERENCES tenants (id) ON DELETE SET NULL)",
            "INSERT INTO tenants (id, name) VALUES (1, 'acme'), (2, 'globex')",
            "INSERT INTO users (id, tenant_id) VALUES (1, 1), (2, 1), (3, 2)",
            "INSERT INTO notes (id, tenant_id) VALUES (1, 1), (2, 2)",
        ] {
            db.execute_unprepared(sql).await?;
        }
        Ok(())
    }
}

async fn rows(conn: &DatabaseConnection) -> (i64, i64, i64) {
    let count = |sql: &'static str| async move {
        let row = conn.query_one_raw(sea_orm::Statement::from_string(conn.get_database_backend(), sql)).await.unwrap().unwrap();
        row.try_get_by_index::<i64>(0).unwrap()
    };
    (
        count("SELECT COUNT(*) FROM tenants").await,
        count("SELECT COUNT(*) FROM users WHERE tenant_id IS NOT NULL").await,
        count("SELECT COUNT(*) FROM notes WHERE tenant_id IS NOT NULL").await,
    )
}

async fn name_type(conn: &DatabaseConnection) -> String {
    let sql = "SELECT type FROM pragma_table_info('tenants') WHERE name = 'name'";
    let row = conn.query_one_raw(sea_orm::Statement::from_string(conn.get_database_backend(), sql)).await.unwrap().unwrap();
    row.try_get_by_index::<String>(0).unwrap().to_ascii_lowercase()
}

#[tokio::test]
async fn referenced_tables_are_rebuilt_with_foreign_keys_off() {
    if !enabled(Kind::Sqlite) {
        return;
    }
    crate::support::run(Kind::Sqlite, |db: TestDb| async move {
        let m = migrator(&db, vec![Box::new(Schema), Box::new(Widen::new(false))]).await;
        let report = m.up(&UpTarget::All, &RunOptions::default()).await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(report.steps.len(), 2);
        let conn = m.connection();
        assert_eq!(name_type(conn).await, "varchar(320)");
        assert_eq!(rows(conn).await, (2, 3, 2), "parents and children kept by up");
        m.down(&DownTarget::Steps(1), &RunOptions::default()).await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(name_type(conn).await, "varchar(50)");
        assert_eq!(rows(conn).await, (2, 3, 2), "parents and children kept by down");
        let on = conn.query_one_raw(sea_orm::Statement::from_string(conn.get_database_backend(), "PRAGMA foreign_keys")).await.unwrap().unwrap();
        assert_eq!(on.try_get_by_index::<i64>(0).unwrap(), 1, "foreign keys are on again");

        // A violation made while foreign keys were off is caught before commit: rolled back.
        let other = db.sibling().await;
        let m = migrator(&other, vec![Box::new(Schema), Box::new(Widen::new(true))]).await;
        let err = m.up(&UpTarget::All, &RunOptions::default()).await.unwrap_err().to_string();
        assert!(err.contains("foreign key check failed") && err.contains("`users`"), "{err}");
        assert_eq!(name_type(m.connection()).await, "varchar(50)", "rolled back");
        assert_eq!(rows(m.connection()).await, (2, 3, 2));
    })
    .await;
}

/// `lint` and `up --sql` render a rebuild from the live table's definition: no "unreadable",
/// the statements shown, and the new definition judged as the change it is.
#[tokio::test]
async fn rebuilds_render_and_lint() {
    if !enabled(Kind::Sqlite) {
        return;
    }
    crate::support::run(Kind::Sqlite, |db: TestDb| async move {
        let narrow = Widen { orphan: false, len: 10 };
        let m = migrator(&db, vec![Box::new(Schema), Box::new(Widen::new(false))]).await;
        m.up(&UpTarget::Steps(1), &RunOptions::default()).await.unwrap();
        let findings = m.lint(&seamigrate::runner::LintScope::Pending).await.unwrap();
        assert!(findings.is_empty(), "a widening rebuild is no finding: {findings:#?}");
        let previews = m.preview_up(&UpTarget::All, &RunOptions::default()).await.unwrap();
        assert_eq!(previews[0].unrenderable, None);
        let sql = previews[0].statements.join("\n");
        assert!(sql.contains("_seamigrate_hold_tenants") && sql.contains("varchar(320)"), "{sql}");

        let m = migrator(&db, vec![Box::new(Schema), Box::new(narrow)]).await;
        let findings = m.lint(&seamigrate::runner::LintScope::Pending).await.unwrap();
        let rules: Vec<&str> = findings.iter().map(|f| f.rule.id()).collect();
        assert_eq!(rules, ["narrowing-type"], "{findings:#?}");
    })
    .await;
}
