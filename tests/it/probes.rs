//! A migration that looks at the catalogue (`has_table`, `has_column`, `has_index`) renders in
//! `up --sql` and lints like any other: the probes are answered from the live schema.

use crate::support::{TestDb, migrator};
use sea_orm_migration::prelude::*;
use seamigrate::runner::LintScope;
use seamigrate::{RunOptions, UpTarget};

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
        let alter = Table::alter().table(Alias::new("t_base")).drop_column(Alias::new("extra")).to_owned();
        manager.alter_table(alter).await
    }
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
