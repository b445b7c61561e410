//! Drafted by `autogenerate` (indexes)

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    // PostgreSQL builds an index CONCURRENTLY only outside a transaction.
    fn use_transaction(&self) -> Option<bool> {
        Some(false)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        seamigrate::batch::create_index_concurrently(
            manager,
            Accounts::Table,
            Index::create()
                .name("idx_accounts_tenant_id_is_active")
                .table(Accounts::Table)
                .col(Accounts::TenantId)
                .col(Accounts::IsActive)
                .to_owned(),
        )
        .await?;
        seamigrate::batch::drop_index_concurrently(manager, Accounts::Table, "uq_accounts_email")
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        seamigrate::batch::create_index_concurrently(
            manager,
            Accounts::Table,
            Index::create()
                .name("uq_accounts_email")
                .table(Accounts::Table)
                .col(Accounts::Email)
                .unique()
                .to_owned(),
        )
        .await?;
        seamigrate::batch::drop_index_concurrently(
            manager,
            Accounts::Table,
            "idx_accounts_tenant_id_is_active",
        )
        .await?;
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Accounts {
    Table,
    Email,
    IsActive,
    TenantId,
}
