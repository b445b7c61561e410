//! A migration that looks at the catalogue (`has_table`, `has_column`, `has_index`) renders in
//! `up --sql` and lints like any other: the probes are answered from the live schema, as the
//! migrations before it in the same run leave it (their statements replayed into the model).

use crate::support::{TestDb, migrator};
use sea_orm_migration::prelude::*;
use seamigrate::runner::LintScope;
use seamigrate::runner::{Offline, Preview};
use seamigrate::{DownTarget, MigrationState, RunOptions, UpTarget};

struct Base;

impl MigrationName for Base {
    fn name(&self) -> &str {
        "m1_base"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Base {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let table = Table::create()
            .table(Alias::new("t_base"))
            .col(ColumnDef::new(Alias::new("id")).integer().not_null().primary_key())
            .col(ColumnDef::new(Alias::new("name")).string_len(40).null())
            .to_owned();
        manager.create_table(table).await?;
        let index = Index::create().name("idx_t_base_name").table(Alias::new("t_base")).col(Alias::new("name")).to_owned();
        manager.create_index(index).await
    }
}

/// Creates what is missing only, as migrations written for databases of mixed history do.
struct Careful;

impl MigrationName for Careful {
    fn name(&self) -> &str {
        "m2_careful"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Careful {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if !manager.has_table("t_probe").await? {
            let table = Table::create()
                .table(Alias::new("t_probe"))
                .col(ColumnDef::new(Alias::new("id")).integer().not_null().primary_key())
                .to_owned();
            manager.create_table(table).await?;
        }
        if !manager.has_column("t_base", "extra").await? {
            let alter = Table::alter().table(Alias::new("t_base")).add_column(ColumnDef::new(Alias::new("extra")).integer().null()).to_owned();
            manager.alter_table(alter).await?;
        }
        if !manager.has_index("t_base", "idx_t_base_name").await? {
            let index = Index::create().name("idx_t_base_name_again").table(Alias::new("t_base")).col(Alias::new("name")).to_owned();
            manager.create_index(index).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Alias::new("t_probe")).to_owned()).await?;
        if manager.has_column("t_base", "extra").await? {
            let alter = Table::alter().table(Alias::new("t_base")).drop_column(Alias::new("extra")).to_owned();
            manager.alter_table(alter).await?;
        }
        Ok(())
    }
}

struct Both;

impl MigratorTrait for Both {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![Box::new(Base), Box::new(Careful)]
    }
}

/// What `Careful` sends when `Base` ran just before it, in the same rendering.
fn assert_after_base(previews: &[Preview]) {
    assert_eq!(previews.len(), 2, "{previews:?}");
    assert_eq!(previews[1].unrenderable, None, "{previews:?}");
    let sql = previews[1].statements.join("\n");
    assert!(sql.contains("t_probe") && sql.contains("extra"), "what is missing is created: {sql}");
    assert!(!sql.contains("idx_t_base_name_again"), "the index the first migration creates is seen: {sql}");
}

async fn catalogue_probes_render(db: TestDb) {
    let m = migrator(&db, vec![Box::new(Base), Box::new(Careful)]).await;
    m.up(&UpTarget::Steps(1), &RunOptions::default()).await.unwrap();
    let previews = m.preview_up(&UpTarget::All, &RunOptions::default()).await.unwrap();
    assert_eq!(previews[0].unrenderable, None, "{previews:?}");
    let sql = previews[0].statements.join("\n");
    assert!(sql.contains("t_probe") && sql.contains("extra"), "what is missing is created: {sql}");
    assert!(!sql.contains("idx_t_base_name_again"), "what exists is not: {sql}");
    let findings = m.lint(&LintScope::Pending).await.unwrap();
    assert!(findings.iter().all(|f| f.rule.id() != "unreadable"), "{findings:#?}");
}

crate::on_each_backend!(catalogue_probes_render);

/// Both pending on an empty database: the second's probes see what the first creates.
async fn probes_see_earlier_pending_migrations(db: TestDb) {
    let m = migrator(&db, vec![Box::new(Base), Box::new(Careful)]).await;
    assert_after_base(&m.preview_up(&UpTarget::All, &RunOptions::default()).await.unwrap());
    let findings = m.lint(&LintScope::Pending).await.unwrap();
    assert!(findings.iter().all(|f| f.rule.id() != "unreadable"), "{findings:#?}");
    assert!(!findings.iter().any(|f| f.statement.as_deref().is_some_and(|s| s.contains("idx_t_base_name_again"))), "{findings:#?}");

    // Without a database: up from empty, down from what the up()s leave.
    let offline = Offline::new::<Both>(db.kind.backend()).unwrap();
    assert_after_base(&offline.preview_up(&UpTarget::All).await.unwrap());
    let down = offline.preview_down(&DownTarget::Steps(1)).await.unwrap();
    assert_eq!(down[0].unrenderable, None, "{down:?}");
    assert!(down[0].statements.iter().any(|s| s.contains("extra")), "the column up() added is dropped: {down:?}");
}

crate::on_each_backend!(probes_see_earlier_pending_migrations);

/// `Careful` edited after it was applied: what it adds changes.
struct CarefulEdited;

impl MigrationName for CarefulEdited {
    fn name(&self) -> &str {
        "m2_careful"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CarefulEdited {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if !manager.has_column("t_base", "extra2").await? {
            let alter = Table::alter().table(Alias::new("t_base")).add_column(ColumnDef::new(Alias::new("extra2")).integer().null()).to_owned();
            manager.alter_table(alter).await?;
        }
        Ok(())
    }
}

/// A migration that asks the catalogue has a checksum (its statements from the schema the
/// migrations before it leave), so an edit to it after it was applied is seen.
async fn probing_migrations_have_checksums(db: TestDb) {
    let m = migrator(&db, vec![Box::new(Base), Box::new(Careful)]).await;
    m.up(&UpTarget::All, &RunOptions::default()).await.unwrap();
    let status = m.status().await.unwrap();
    assert!(status.migrations.iter().all(|s| s.state == MigrationState::Applied), "{status:?}");
    let edited = migrator(&db, vec![Box::new(Base), Box::new(CarefulEdited)]).await;
    let status = edited.status().await.unwrap();
    let careful = status.migrations.iter().find(|s| s.version == "m2_careful").unwrap();
    assert_eq!(careful.state, MigrationState::Modified, "{status:?}");
}

crate::on_each_backend!(probing_migrations_have_checksums);
