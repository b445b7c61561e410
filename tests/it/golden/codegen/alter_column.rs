//! Drafted by `autogenerate` (alter_column)

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        seamigrate::batch::change_column(
            manager,
            Accounts::Table,
            ColumnDef::new(Accounts::Email)
                .string_len(255)
                .not_null()
                .to_owned(),
            ColumnDef::new(Accounts::Email)
                .string_len(320)
                .not_null()
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        seamigrate::batch::change_column(
            manager,
            Accounts::Table,
            ColumnDef::new(Accounts::Email)
                .string_len(320)
                .not_null()
                .to_owned(),
            ColumnDef::new(Accounts::Email)
                .string_len(255)
                .not_null()
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Accounts {
    Table,
    Email,
}
