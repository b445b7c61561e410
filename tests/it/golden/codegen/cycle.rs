//! Drafted by `autogenerate` (cycle)

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Children::Table)
                    .col(
                        ColumnDef::new(Children::Id)
                            .integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Children::OtherId).integer().null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Parents::Table)
                    .col(
                        ColumnDef::new(Parents::Id)
                            .integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Parents::OtherId).integer().null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_parents_other_id")
                            .from(Parents::Table, Parents::OtherId)
                            .to(Children::Table, Children::Id)
                            .on_delete(ForeignKeyAction::SetNull)
                            .on_update(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        seamigrate::batch::add_foreign_key(
            manager,
            ForeignKey::create()
                .name("fk_children_other_id")
                .from(Children::Table, Children::OtherId)
                .to(Parents::Table, Parents::Id)
                .on_delete(ForeignKeyAction::SetNull)
                .on_update(ForeignKeyAction::Cascade)
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        seamigrate::batch::drop_foreign_key(
            manager,
            ForeignKey::create()
                .name("fk_children_other_id")
                .from(Children::Table, Children::OtherId)
                .to(Parents::Table, Parents::Id)
                .on_delete(ForeignKeyAction::SetNull)
                .on_update(ForeignKeyAction::Cascade)
                .to_owned(),
        )
        .await?;
        manager
            .drop_table(Table::drop().table(Parents::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Children::Table).to_owned())
            .await?;
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Children {
    Table,
    Id,
    OtherId,
}

#[derive(DeriveIden)]
enum Parents {
    Table,
    Id,
    OtherId,
}
