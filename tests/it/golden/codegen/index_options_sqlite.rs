use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        seamigrate::batch::create_index(
            manager,
            Users::Table,
            Index::create()
                .name("idx_users_lower_email")
                .table(Users::Table)
                .col(Expr::cust("lower(email)"))
                .to_owned(),
        )
        .await?;
        seamigrate::batch::create_index(
            manager,
            Users::Table,
            Index::create()
                .name("idx_users_created_at")
                .table(Users::Table)
                .col((Users::CreatedAt, IndexOrder::Desc))
                .to_owned(),
        )
        .await?;
        seamigrate::batch::create_index(
            manager,
            Users::Table,
            Index::create()
                .name("uq_users_totp_secret")
                .table(Users::Table)
                .col(Users::TotpSecret)
                .unique()
                .and_where(Expr::cust("totp_secret IS NOT NULL"))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        seamigrate::batch::drop_index(manager, Users::Table, "uq_users_totp_secret").await?;
        seamigrate::batch::drop_index(manager, Users::Table, "idx_users_created_at").await?;
        seamigrate::batch::drop_index(manager, Users::Table, "idx_users_lower_email").await?;
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Users {
    Table,
    CreatedAt,
    TotpSecret,
}
