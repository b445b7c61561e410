//! Adds the optional `users.display_name` and fills it with each existing user's username, so
//! that accounts created before the column existed show a name too.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(add_column()).await?;
        manager.execute(backfill()).await
    }

    /// Dropping the column also undoes the backfill.
    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(drop_column()).await
    }
}

fn add_column() -> TableAlterStatement {
    Table::alter()
        .table(Users::Table)
        .add_column(ColumnDef::new(Users::DisplayName).string_len(255).null())
        .to_owned()
}

fn backfill() -> UpdateStatement {
    Query::update()
        .table(Users::Table)
        .value(Users::DisplayName, Expr::col(Users::Username))
        .and_where(Expr::col(Users::DisplayName).is_null())
        .to_owned()
}

fn drop_column() -> TableAlterStatement {
    Table::alter()
        .table(Users::Table)
        .drop_column(Users::DisplayName)
        .to_owned()
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Username,
    DisplayName,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check<B: SchemaBuilder + QueryBuilder + Default>(quote: &str) {
        let expect = |sql: &str| sql.replace('"', quote);
        assert_eq!(
            add_column().to_string(B::default()),
            expect(r#"ALTER TABLE "users" ADD COLUMN "display_name" varchar(255) NULL"#)
        );
        assert_eq!(
            backfill().to_string(B::default()),
            expect(
                r#"UPDATE "users" SET "display_name" = "username" WHERE "display_name" IS NULL"#
            )
        );
        assert_eq!(
            drop_column().to_string(B::default()),
            expect(r#"ALTER TABLE "users" DROP COLUMN "display_name""#)
        );
    }

    #[test]
    fn postgres() {
        check::<PostgresQueryBuilder>("\"");
    }

    #[test]
    fn mysql() {
        check::<MysqlQueryBuilder>("`");
    }

    #[test]
    fn sqlite() {
        check::<SqliteQueryBuilder>("\"");
    }
}
