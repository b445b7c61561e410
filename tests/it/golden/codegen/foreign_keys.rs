//! Drafted by `autogenerate` (foreign_keys)

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        seamigrate::batch::add_foreign_key(
            manager,
            ForeignKey::create()
                .name("fk_accounts_tenant_id")
                .from(Accounts::Table, Accounts::TenantId)
                .to(Tenants::Table, Tenants::Id)
                .on_delete(ForeignKeyAction::Cascade)
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        seamigrate::batch::drop_foreign_key(
            manager,
            ForeignKey::create()
                .name("fk_accounts_tenant_id")
                .from(Accounts::Table, Accounts::TenantId)
                .to(Tenants::Table, Tenants::Id)
                .on_delete(ForeignKeyAction::Cascade)
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Accounts {
    Table,
    TenantId,
}

#[derive(DeriveIden)]
enum Tenants {
    Table,
    Id,
}
