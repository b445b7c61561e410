//! Drafted by `autogenerate` (add_column)

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        seamigrate::batch::add_column(
            manager,
            Accounts::Table,
            ColumnDef::new(Accounts::LastLogin)
                .timestamp_with_time_zone()
                .null()
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        seamigrate::batch::drop_column(manager, Accounts::Table, Accounts::LastLogin).await?;
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Accounts {
    Table,
    LastLogin,
}
