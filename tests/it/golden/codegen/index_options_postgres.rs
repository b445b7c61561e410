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
            Users::Table,
            Index::create()
                .name("idx_users_lower_email")
                .table(Users::Table)
                .col(Expr::cust("lower(email)"))
                .to_owned(),
        )
        .await?;
        seamigrate::batch::create_index_concurrently(
            manager,
            Users::Table,
            Index::create()
                .name("idx_users_created_at")
                .table(Users::Table)
                .col((Users::CreatedAt, IndexOrder::Desc))
                .to_owned(),
        )
        .await?;
        seamigrate::batch::create_index_concurrently(
            manager,
            Users::Table,
            Index::create()
                .name("uq_users_display_name")
                .table(Users::Table)
                .col(Users::DisplayName)
                .unique()
                .nulls_not_distinct()
                .to_owned(),
        )
        .await?;
        seamigrate::batch::create_index_concurrently(
            manager,
            Users::Table,
            Index::create()
                .name("idx_users_password_hash")
                .table(Users::Table)
                .col(Users::PasswordHash)
                .index_type(IndexType::Hash)
                .to_owned(),
        )
        .await?;
        seamigrate::batch::create_index_concurrently(
            manager,
            Users::Table,
            Index::create()
                .name("idx_users_tenant_id")
                .table(Users::Table)
                .col(Users::TenantId)
                .include(Users::DisplayName)
                .to_owned(),
        )
        .await?;
        seamigrate::batch::create_index_concurrently(
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
        seamigrate::batch::create_index_concurrently(
            manager,
            Users::Table,
            Index::create()
                .name("idx_users_updated_at")
                .table(Users::Table)
                .col(Users::UpdatedAt)
                .index_type(IndexType::Custom(Alias::new("brin").into_iden()))
                .to_owned(),
        )
        .await?;
        seamigrate::batch::create_index_concurrently(
            manager,
            Users::Table,
            Index::create()
                .name("idx_users_username_pattern")
                .table(Users::Table)
                .col(
                    IndexColumn::from(Users::Username)
                        .with_operator_class(Alias::new("varchar_pattern_ops")),
                )
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        seamigrate::batch::drop_index_concurrently(
            manager,
            Users::Table,
            "idx_users_username_pattern",
        )
        .await?;
        seamigrate::batch::drop_index_concurrently(manager, Users::Table, "idx_users_updated_at")
            .await?;
        seamigrate::batch::drop_index_concurrently(manager, Users::Table, "uq_users_totp_secret")
            .await?;
        seamigrate::batch::drop_index_concurrently(manager, Users::Table, "idx_users_tenant_id")
            .await?;
        seamigrate::batch::drop_index_concurrently(
            manager,
            Users::Table,
            "idx_users_password_hash",
        )
        .await?;
        seamigrate::batch::drop_index_concurrently(manager, Users::Table, "uq_users_display_name")
            .await?;
        seamigrate::batch::drop_index_concurrently(manager, Users::Table, "idx_users_created_at")
            .await?;
        seamigrate::batch::drop_index_concurrently(manager, Users::Table, "idx_users_lower_email")
            .await?;
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Users {
    Table,
    CreatedAt,
    DisplayName,
    PasswordHash,
    TenantId,
    TotpSecret,
    UpdatedAt,
    Username,
}
