//! Drafted by `autogenerate` (primary_key)

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // WARNING: sets the primary key of accounts to (tenant_id, email): fails if rows repeat or lack a value
        seamigrate::batch::alter_primary_key(
            manager,
            Accounts::Table,
            [Accounts::TenantId, Accounts::Email],
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        seamigrate::batch::alter_primary_key(manager, Accounts::Table, [Accounts::Id]).await?;
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Accounts {
    Table,
    Email,
    Id,
    TenantId,
}
