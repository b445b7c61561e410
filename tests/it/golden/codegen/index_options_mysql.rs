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
                .name("ft_users_display_name")
                .table(Users::Table)
                .col(Users::DisplayName)
                .full_text()
                .to_owned(),
        )
        .await?;
        seamigrate::batch::create_index(
            manager,
            Users::Table,
            Index::create()
                .name("idx_users_password_hash")
                .table(Users::Table)
                .col((Users::PasswordHash, 10))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        seamigrate::batch::drop_index(manager, Users::Table, "idx_users_password_hash").await?;
        seamigrate::batch::drop_index(manager, Users::Table, "ft_users_display_name").await?;
        seamigrate::batch::drop_index(manager, Users::Table, "idx_users_created_at").await?;
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Users {
    Table,
    CreatedAt,
    DisplayName,
    PasswordHash,
}
