use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        seamigrate::batch::add_check(
            manager,
            Tenants::Table,
            "ck_tenants_name",
            Expr::cust("name <> ''"),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        seamigrate::batch::drop_check(
            manager,
            Tenants::Table,
            "ck_tenants_name",
            Expr::cust("name <> ''"),
        )
        .await?;
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Tenants {
    Table,
}
