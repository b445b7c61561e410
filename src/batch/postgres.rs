//! PostgreSQL's `ALTER COLUMN`, one clause per statement: sea-query writes a `USING` clause
//! after every other clause of a combined statement, where PostgreSQL rejects it, and has no
//! clause for `DROP DEFAULT`.

use super::def::quote;
use super::{BatchError, error::Target, exec, exec_sql};
use sea_orm::sea_query::{
    Alias, ColumnDef, ColumnType, Expr, PostgresQueryBuilder, Table, TableBuilder,
};
use sea_orm_migration::SchemaManager;

/// Gives the column `def` names the definition `def`; an `auto_increment` column keeps its
/// default (its sequence).
pub(super) async fn alter_column(
    manager: &SchemaManager<'_>,
    target: &Target,
    def: &ColumnDef,
    auto_increment: bool,
) -> Result<(), BatchError> {
    let name = def.get_column_name();
    let spec = def.get_column_spec();
    let modify = |change: ColumnDef| {
        Table::alter()
            .table(Alias::new(&target.table))
            .modify_column(change)
            .to_owned()
    };
    if !auto_increment {
        // A default that cannot be cast to the new type would stop the type change.
        let sql = format!(
            "ALTER TABLE {} ALTER COLUMN {} DROP DEFAULT",
            quote(&target.table),
            quote(&name)
        );
        exec_sql(manager, target, "dropping the default", &sql).await?;
    }
    if let Some(ty) = def.get_column_type() {
        let using = spec.using.clone().unwrap_or_else(|| cast(&name, ty));
        let mut change = ColumnDef::new_with_type(Alias::new(&name), ty.clone());
        change.using(using);
        exec(manager, target, "changing the type", modify(change)).await?;
    }
    let mut nullability = ColumnDef::new(Alias::new(&name));
    match spec.nullable {
        Some(false) => nullability.not_null(),
        _ => nullability.null(),
    };
    exec(manager, target, "changing NULL / NOT NULL", modify(nullability)).await?;
    match &spec.default {
        Some(default) if !auto_increment => {
            let mut change = ColumnDef::new(Alias::new(&name));
            change.default(default.clone());
            exec(manager, target, "setting the default", modify(change)).await
        }
        _ => Ok(()),
    }
}

/// `"column"::type`: an explicit cast, which converts more than the assignment cast that
/// `ALTER COLUMN ... TYPE` uses by default (text to integer, for one).
fn cast(column: &str, ty: &ColumnType) -> Expr {
    let mut sql = String::new();
    TableBuilder::prepare_column_type(&PostgresQueryBuilder, ty, &mut sql);
    Expr::cust(format!("{}::{}", quote(column), sql))
}
