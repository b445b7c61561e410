//! Drafted by `autogenerate` (not_null_without_default)

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // WARNING: adds tenants.plan NOT NULL without a default: fails if the table holds rows
        seamigrate::batch::add_column(
            manager,
            Tenants::Table,
            ColumnDef::new(Tenants::Plan)
                .string_len(32)
                .not_null()
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        seamigrate::batch::drop_column(manager, Tenants::Table, Tenants::Plan).await?;
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Tenants {
    Table,
    Plan,
}
