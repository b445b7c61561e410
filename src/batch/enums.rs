//! Changing the values of a PostgreSQL enum type. MySQL and SQLite have no named enum types
//! (an enum is a column type there, changed with the column).

use super::BatchError;
use super::def::quote;
use crate::batch::error::words;
use crate::db::Backend;
use sea_orm::sea_query::Alias;
use sea_orm::sea_query::extension::postgres::Type;
use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement};
use sea_orm_migration::SchemaManager;

/// Changes the values of the PostgreSQL enum type `name` from `from` to `to` (each in order).
///
/// The type's values in the database must be `from` (or already `to`, when nothing is done);
/// otherwise the type has drifted from what the migration was written against and the change
/// is refused. When values are only added (the others keep their order), each is added in
/// place with `ALTER TYPE ... ADD VALUE`. Otherwise the type is rebuilt: renamed aside, created
/// anew with `to`, every column of it (in the current schema) converted through its text,
/// defaults set again, the old type dropped; a row holding a value that is gone fails the
/// change. On MySQL and SQLite nothing happens.
pub async fn alter_enum<S: AsRef<str>>(
    manager: &SchemaManager<'_>,
    name: &str,
    from: &[S],
    to: &[S],
) -> Result<(), BatchError> {
    if Backend::from_sea_orm(manager.get_database_backend()) != Backend::Postgres {
        return Ok(());
    }
    let owned = |values: &[S]| values.iter().map(|v| v.as_ref().to_string()).collect::<Vec<_>>();
    let (from, to) = (owned(from), owned(to));
    let current = current_values(manager, name).await?;
    if current == to {
        return Ok(());
    }
    if current != from {
        return Err(BatchError::EnumDrifted {
            name: name.into(),
            expected: from.join(", "),
            found: current.join(", "),
        });
    }
    let mut rest = to.iter();
    if current.iter().all(|c| rest.any(|v| v == c)) {
        add_values(manager, name, &current, &to).await
    } else {
        rebuild(manager, name, &to).await
    }
}

/// Adds each of `values` missing from `current`, after the value before it (or first).
async fn add_values(
    manager: &SchemaManager<'_>,
    name: &str,
    current: &[String],
    values: &[String],
) -> Result<(), BatchError> {
    for (at, value) in values.iter().enumerate() {
        if current.contains(value) {
            continue;
        }
        let add = Type::alter().name(Alias::new(name)).add_value(Alias::new(value));
        let stmt = match (at.checked_sub(1).map(|i| &values[i]), current.first()) {
            (Some(before), _) => add.after(Alias::new(before)),
            (None, Some(first)) => add.before(Alias::new(first)),
            (None, None) => add,
        };
        let step = format!("adding the value '{value}'");
        named(name, &step, manager.execute(stmt).await)?;
    }
    Ok(())
}

/// The values of the enum type `name` in the current schema, in order.
async fn current_values(manager: &SchemaManager<'_>, name: &str) -> Result<Vec<String>, BatchError> {
    let exists = "SELECT 1 FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace \
                  WHERE t.typname = $1 AND n.nspname = current_schema() AND t.typtype = 'e'";
    let labels = "SELECT e.enumlabel::text FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid \
                  JOIN pg_namespace n ON n.oid = t.typnamespace \
                  WHERE t.typname = $1 AND n.nspname = current_schema() ORDER BY e.enumsortorder";
    let conn = manager.get_connection();
    let query = |sql| Statement::from_sql_and_values(DbBackend::Postgres, sql, [name.into()]);
    let read = async {
        if conn.query_one_raw(query(exists)).await?.is_none() {
            return Ok(None);
        }
        let rows = conn.query_all_raw(query(labels)).await?;
        let values: Result<Vec<String>, DbErr> = rows.iter().map(|r| r.try_get_by_index(0)).collect();
        values.map(Some)
    };
    named(name, "reading its values", read.await)?
        .ok_or_else(|| BatchError::NoSuchEnum { name: name.into() })
}

/// A column of the enum type: table, column, default (SQL text).
type EnumColumn = (String, String, Option<String>);

/// Replaces the type with one of exactly `values`, converting its columns.
async fn rebuild(manager: &SchemaManager<'_>, name: &str, values: &[String]) -> Result<(), BatchError> {
    let old = format!("{name}__seamigrate_old");
    let columns = enum_columns(manager, name).await?;
    let column_sql = |(table, column, _): &EnumColumn, what: &str| {
        format!("ALTER TABLE {} ALTER COLUMN {} {what}", quote(table), quote(column))
    };
    for col in columns.iter().filter(|c| c.2.is_some()) {
        sql(manager, name, "dropping a default", &column_sql(col, "DROP DEFAULT")).await?;
    }
    let rename = Type::alter().name(Alias::new(name)).rename_to(Alias::new(&old));
    named(name, "renaming the old type aside", manager.execute(rename).await)?;
    let values_iden = values.iter().map(Alias::new);
    let create = Type::create().as_enum(Alias::new(name)).values(values_iden).to_owned();
    named(name, "creating the new type", manager.execute(create).await)?;
    for col in &columns {
        let ty = quote(name);
        let convert = format!("TYPE {ty} USING {}::text::{ty}", quote(&col.1));
        let step = format!("converting column `{}.{}`", col.0, col.1);
        sql(manager, name, &step, &column_sql(col, &convert)).await?;
    }
    for col in columns.iter().filter(|c| c.2.is_some()) {
        let set = format!("SET DEFAULT {}", col.2.as_deref().unwrap_or("NULL"));
        let step = format!("setting the default of `{}.{}` again", col.0, col.1);
        sql(manager, name, &step, &column_sql(col, &set)).await?;
    }
    let drop = Type::drop().name(Alias::new(&old)).to_owned();
    named(name, "dropping the old type", manager.execute(drop).await)
}

/// The columns of tables in the current schema whose type is the enum type `name`.
async fn enum_columns(manager: &SchemaManager<'_>, name: &str) -> Result<Vec<EnumColumn>, BatchError> {
    let sql = "SELECT c.relname::text, a.attname::text, pg_get_expr(d.adbin, d.adrelid) \
               FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid \
               JOIN pg_namespace n ON n.oid = c.relnamespace \
               JOIN pg_type t ON t.oid = a.atttypid JOIN pg_namespace tn ON tn.oid = t.typnamespace \
               LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
               WHERE t.typname = $1 AND tn.nspname = current_schema() \
               AND n.nspname = current_schema() AND c.relkind IN ('r', 'p') \
               AND a.attnum > 0 AND NOT a.attisdropped ORDER BY c.relname, a.attnum";
    let stmt = Statement::from_sql_and_values(DbBackend::Postgres, sql, [name.into()]);
    let read = async {
        let mut columns = Vec::new();
        for row in manager.get_connection().query_all_raw(stmt).await? {
            columns.push((row.try_get_by_index(0)?, row.try_get_by_index(1)?, row.try_get_by_index(2)?));
        }
        Ok::<_, DbErr>(columns)
    };
    let columns = read.await;
    named(name, "finding its columns", columns)
}

async fn sql(manager: &SchemaManager<'_>, name: &str, step: &str, sql: &str) -> Result<(), BatchError> {
    let done = manager.get_connection().execute_unprepared(sql).await.map(|_| ());
    named(name, step, done)
}

/// `outcome`, its error naming the type and the step.
fn named<T>(name: &str, step: &str, outcome: Result<T, DbErr>) -> Result<T, BatchError> {
    outcome.map_err(|e| BatchError::EnumDatabase {
        name: name.into(),
        step: step.into(),
        words: words(&e),
    })
}
