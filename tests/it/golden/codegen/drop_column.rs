//! Drafted by `autogenerate` (drop_column)

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // WARNING: drops column accounts.nickname and its data
        seamigrate::batch::drop_column(manager, Accounts::Table, Accounts::Nickname).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        seamigrate::batch::add_column(
            manager,
            Accounts::Table,
            ColumnDef::new(Accounts::Nickname)
                .string_len(64)
                .null()
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Accounts {
    Table,
    Nickname,
}
