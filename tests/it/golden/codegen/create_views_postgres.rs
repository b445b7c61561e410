use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        seamigrate::batch::create_view(
            manager,
            "active_users",
            "SELECT id, email FROM users WHERE id > 0",
            false,
        )
        .await?;
        seamigrate::batch::create_view(manager, "user_emails", "SELECT email FROM users", true)
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        seamigrate::batch::drop_view(manager, "user_emails", "SELECT email FROM users", true)
            .await?;
        seamigrate::batch::drop_view(
            manager,
            "active_users",
            "SELECT id, email FROM users WHERE id > 0",
            false,
        )
        .await?;
        Ok(())
    }
}
