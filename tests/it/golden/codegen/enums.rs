//! Drafted by `autogenerate` (enums)

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        seamigrate::batch::alter_enum(
            manager,
            "account_status",
            &["active", "closed"],
            &["active", "closed", "frozen"],
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        seamigrate::batch::alter_enum(
            manager,
            "account_status",
            &["active", "closed", "frozen"],
            &["active", "closed"],
        )
        .await?;
        Ok(())
    }
}
