//! PostgreSQL's `ALTER COLUMN`, one clause per statement: sea-query writes a `USING` clause
//! after every other clause of a combined statement, where PostgreSQL rejects it, and has no
//! clause for `DROP DEFAULT`.

use super::def::quote;
use super::{BatchError, error::Target, exec, exec_sql};
use sea_orm::sea_query::{
    Alias, ColumnDef, ColumnType, Expr, PostgresQueryBuilder, Table, TableBuilder,
};
use sea_orm::sea_query::TableAlterStatement;
use sea_orm::{ConnectionTrait, DbBackend, Statement, TransactionTrait};
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
    let column = format!("ALTER TABLE {} ALTER COLUMN {}", quote(&target.table), quote(&name));
    if !auto_increment {
        // An identity column keeps its generator through DROP DEFAULT.
        let sql = format!("{column} DROP IDENTITY IF EXISTS");
        exec_sql(manager, target, "dropping the identity", &sql).await?;
        // A default that cannot be cast to the new type would stop the type change.
        let sql = format!("{column} DROP DEFAULT");
        exec_sql(manager, target, "dropping the default", &sql).await?;
    }
    if let Some(ty) = def.get_column_type() {
        retype(manager, target, &name, ty, spec.using.clone()).await?;
    }
    let mut nullability = ColumnDef::new(Alias::new(&name));
    match spec.nullable {
        Some(false) => nullability.not_null(),
        _ => nullability.null(),
    };
    exec(manager, target, "changing NULL / NOT NULL", modify(nullability)).await?;
    if auto_increment && !has_generator(manager, target, &name).await? {
        add_identity(manager, target, &column, &name).await?;
    }
    match &spec.default {
        Some(default) if !auto_increment => {
            let mut change = ColumnDef::new(Alias::new(&name));
            change.default(default.clone());
            exec(manager, target, "setting the default", modify(change)).await
        }
        _ => Ok(()),
    }
}

/// Changes the column from `from` to `to`, with only the statements that differ between the
/// two: widening a VARCHAR is one `TYPE` clause, with no identity, default or NOT NULL churn.
pub(super) async fn change_column(
    manager: &SchemaManager<'_>,
    target: &Target,
    (from, from_auto): (&ColumnDef, bool),
    (to, to_auto): (&ColumnDef, bool),
) -> Result<(), BatchError> {
    let name = to.get_column_name();
    let (was, will) = (from.get_column_spec(), to.get_column_spec());
    let column = format!("ALTER TABLE {} ALTER COLUMN {}", quote(&target.table), quote(&name));
    let modify = |change: ColumnDef| Table::alter().table(Alias::new(&target.table)).modify_column(change).to_owned();
    let retype_needed = type_sql(from) != type_sql(to) || will.using.is_some();
    let new_default = default_sql(&name, from) != default_sql(&name, to);
    if from_auto && !to_auto {
        exec_sql(manager, target, "dropping the identity", &format!("{column} DROP IDENTITY IF EXISTS")).await?;
    }
    // A default that cannot be cast to the new type would stop the type change.
    let drop_default = (from_auto && !to_auto) || (!from_auto && was.default.is_some() && (retype_needed || new_default));
    if drop_default {
        exec_sql(manager, target, "dropping the default", &format!("{column} DROP DEFAULT")).await?;
    }
    if let (true, Some(ty)) = (retype_needed, to.get_column_type()) {
        retype(manager, target, &name, ty, will.using.clone()).await?;
    }
    let nullable = |spec: &sea_orm::sea_query::ColumnSpec| spec.nullable != Some(false);
    if nullable(was) != nullable(will) {
        let mut nullability = ColumnDef::new(Alias::new(&name));
        if nullable(will) { nullability.null() } else { nullability.not_null() };
        exec(manager, target, "changing NULL / NOT NULL", modify(nullability)).await?;
    }
    if to_auto && !from_auto && !has_generator(manager, target, &name).await? {
        add_identity(manager, target, &column, &name).await?;
    }
    match &will.default {
        Some(default) if !to_auto && (drop_default || new_default) => {
            let mut change = ColumnDef::new(Alias::new(&name));
            change.default(default.clone());
            exec(manager, target, "setting the default", modify(change)).await
        }
        _ => Ok(()),
    }
}

/// Gives column `name` the type `ty`: with `using` when given, else an explicit cast, else a
/// cast through text (see [`change_type`]).
async fn retype(
    manager: &SchemaManager<'_>,
    target: &Target,
    name: &str,
    ty: &ColumnType,
    using: Option<Expr>,
) -> Result<(), BatchError> {
    let change = |using: Expr| {
        let mut change = ColumnDef::new_with_type(Alias::new(name), ty.clone());
        change.using(using);
        Table::alter().table(Alias::new(&target.table)).modify_column(change).to_owned()
    };
    match using {
        Some(using) => exec(manager, target, "changing the type", change(using)).await,
        None => change_type(manager, target, change(cast(name, ty, false)), change(cast(name, ty, true))).await,
    }
}

/// The type of `def` as PostgreSQL is given it, to tell whether a change changes it.
fn type_sql(def: &ColumnDef) -> Option<String> {
    def.get_column_type().map(|ty| {
        let mut sql = String::new();
        TableBuilder::prepare_column_type(&PostgresQueryBuilder, ty, &mut sql);
        sql
    })
}

/// The `SET DEFAULT` that gives column `name` the default of `def`, if it has one.
fn default_sql(name: &str, def: &ColumnDef) -> Option<String> {
    let default = def.get_column_spec().default.clone()?;
    let mut change = ColumnDef::new(Alias::new(name));
    change.default(default);
    Some(Table::alter().table(Alias::new("t")).modify_column(change).to_string(PostgresQueryBuilder))
}

/// `"column"::type`: an explicit cast, which converts more than the assignment cast that
/// `ALTER COLUMN ... TYPE` uses by default (text to integer, for one). `via_text` casts through
/// `text` first (`"column"::text::type`): an enum type has casts to and from text only.
fn cast(column: &str, ty: &ColumnType, via_text: bool) -> Expr {
    let mut sql = String::new();
    TableBuilder::prepare_column_type(&PostgresQueryBuilder, ty, &mut sql);
    let text = if via_text { "::text" } else { "" };
    Expr::cust(format!("{}{text}::{}", quote(column), sql))
}

/// Makes the column `name` (`alter`: its `ALTER TABLE ... ALTER COLUMN ...`) an identity
/// column, whose values continue after the largest value it holds.
async fn add_identity(manager: &SchemaManager<'_>, target: &Target, alter: &str, name: &str) -> Result<(), BatchError> {
    let sql = format!("{alter} ADD GENERATED BY DEFAULT AS IDENTITY");
    exec_sql(manager, target, "adding an identity", &sql).await?;
    // pg_get_serial_sequence reads its first argument as SQL (quoted), its second as a name.
    let literal = |text: &str| format!("'{}'", text.replace('\'', "''"));
    let table = quote(&target.table);
    let sql = format!(
        "SELECT setval(pg_get_serial_sequence({}, {}), COALESCE(MAX({}), 0) + 1, false) FROM {table}",
        literal(&table),
        literal(name),
        quote(name),
    );
    exec_sql(manager, target, "starting the identity after the values", &sql).await
}

/// Whether the column `column` of the table has its values assigned now: an identity column,
/// or a sequence default (`serial`).
async fn has_generator(manager: &SchemaManager<'_>, target: &Target, column: &str) -> Result<bool, BatchError> {
    let sql = "SELECT 1 FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid \
               JOIN pg_namespace n ON n.oid = c.relnamespace \
               LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
               WHERE c.relname = $1 AND n.nspname = current_schema() AND a.attname = $2 \
               AND (a.attidentity <> '' OR pg_get_expr(d.adbin, d.adrelid) LIKE 'nextval(%')";
    let values = [target.table.as_str().into(), column.into()];
    let stmt = Statement::from_sql_and_values(DbBackend::Postgres, sql, values);
    let found = manager.get_connection().query_one_raw(stmt).await;
    Ok(found.map_err(|e| target.failed("reading the column's generator", &e))?.is_some())
}

/// Changes the type with `direct` (an explicit cast) or, where PostgreSQL refuses it (there is
/// no cast between the two types, as from an enum or a timestamp to an integer), with
/// `via_text` (the value's text read as the new type). The first is tried in a savepoint, so
/// that its failure leaves the transaction usable; if both fail, the error is the first's.
async fn change_type(
    manager: &SchemaManager<'_>,
    target: &Target,
    direct: TableAlterStatement,
    via_text: TableAlterStatement,
) -> Result<(), BatchError> {
    let step = "changing the type";
    let savepoint = manager.get_connection().begin().await.map_err(|e| target.failed(step, &e))?;
    let tried = exec(&SchemaManager::new(&savepoint), target, step, direct).await;
    match tried {
        Ok(()) => savepoint.commit().await.map_err(|e| target.failed(step, &e)),
        Err(first) => {
            savepoint.rollback().await.map_err(|e| target.failed(step, &e))?;
            exec(manager, target, step, via_text).await.map_err(|_| first)
        }
    }
}
