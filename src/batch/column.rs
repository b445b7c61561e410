//! Adding, altering and dropping a column on every backend.

use super::def::{without_constraints, without_key};
use super::{BatchError, error::Target, exec, postgres, sqlite};
use crate::db::Backend;
use sea_orm::sea_query::{Alias, ColumnDef, IntoIden, Table};
use sea_orm_migration::SchemaManager;

/// Changes a column to the definition `column` (which names it): its type, whether it may be
/// NULL and its default.
///
/// `column` is the column's whole new definition: without `not_null()` it allows NULL, without
/// `default(..)` it has no default. Its place in keys, UNIQUE constraints, indexes and foreign
/// keys stays as it is (`primary_key()` and `unique_key()` on `column` are ignored).
/// PostgreSQL: `DROP DEFAULT`, `TYPE ... USING` (the `using(..)` of `column`, else an explicit
/// cast to the new type), `SET`/`DROP NOT NULL`, `SET DEFAULT`; an `auto_increment()` column
/// keeps its sequence default. MySQL: `MODIFY COLUMN`. SQLite: a rebuild of the table.
pub async fn alter_column<T: IntoIden>(
    manager: &SchemaManager<'_>,
    table: T,
    column: ColumnDef,
) -> Result<(), BatchError> {
    let table = table.into_iden().to_string();
    let auto_increment = column.get_column_spec().auto_increment;
    let mut def = without_constraints(&column);
    let target = Target::new(&table, Some(def.get_column_name()));
    match Backend::from_sea_orm(manager.get_database_backend()) {
        Backend::Postgres => postgres::alter_column(manager, &target, &def, auto_increment).await,
        Backend::MySql => {
            if auto_increment {
                def.auto_increment();
            }
            let stmt = Table::alter().table(Alias::new(&table)).modify_column(def).to_owned();
            exec(manager, &target, "modifying the column", stmt).await
        }
        Backend::Sqlite => sqlite::rebuild(manager, &target, |t| t.replace_column(&def)).await,
    }
}

/// Changes a column from the definition `from` to the definition `to` (each whole, as for
/// [`alter_column`]), making only what differs between them; the inverse is the same call
/// with the two swapped, which is how a draft's up() and down() use it.
///
/// PostgreSQL: only the clauses that differ (widening a VARCHAR is one `TYPE` clause, and a
/// column that stays NOT NULL gets no `SET NOT NULL`). MySQL: `MODIFY COLUMN` to `to`.
/// SQLite: a rebuild of the table with `to`.
pub async fn change_column<T: IntoIden>(
    manager: &SchemaManager<'_>,
    table: T,
    from: ColumnDef,
    to: ColumnDef,
) -> Result<(), BatchError> {
    if manager.get_database_backend() != sea_orm::DbBackend::Postgres {
        return alter_column(manager, table, to).await;
    }
    let table = table.into_iden().to_string();
    let (from_auto, to_auto) = (from.get_column_spec().auto_increment, to.get_column_spec().auto_increment);
    let (from, to) = (without_constraints(&from), without_constraints(&to));
    let target = Target::new(&table, Some(to.get_column_name()));
    postgres::change_column(manager, &target, (&from, from_auto), (&to, to_auto)).await
}

/// Adds the column `column` to `table`; existing rows get its default.
///
/// SQLite's `ADD COLUMN` refuses a NOT NULL column without a default, a non-constant default,
/// a primary key or a UNIQUE column; there the table is rebuilt with the column instead, which
/// succeeds wherever PostgreSQL's `ADD COLUMN` would (e.g. NOT NULL without a default on an
/// empty table) and fails, naming the column, where the rows cannot take it.
pub async fn add_column<T: IntoIden>(
    manager: &SchemaManager<'_>,
    table: T,
    column: ColumnDef,
) -> Result<(), BatchError> {
    let table = table.into_iden().to_string();
    let target = Target::new(&table, Some(column.get_column_name()));
    let mut alter = Table::alter();
    alter.table(Alias::new(&table));
    if Backend::from_sea_orm(manager.get_database_backend()) != Backend::Sqlite {
        alter.add_column(column);
        return exec(manager, &target, "adding the column", alter).await;
    }
    alter.add_column(without_key(&column));
    if column.get_column_spec().primary_key || manager.execute(alter).await.is_err() {
        return sqlite::rebuild(manager, &target, |t| {
            t.add_column(&column);
            Ok(())
        })
        .await;
    }
    Ok(())
}

/// Drops the column `column` of `table`.
///
/// On SQLite, where `DROP COLUMN` refuses a column that is part of the primary key, a UNIQUE
/// constraint, an index or a foreign key, the table is rebuilt without it, and without what
/// involves it (as PostgreSQL drops those with the column).
pub async fn drop_column<T: IntoIden, C: IntoIden>(
    manager: &SchemaManager<'_>,
    table: T,
    column: C,
) -> Result<(), BatchError> {
    let table = table.into_iden().to_string();
    let column = column.into_iden().to_string();
    let target = Target::new(&table, Some(column.clone()));
    let stmt = Table::alter()
        .table(Alias::new(&table))
        .drop_column(Alias::new(&column))
        .to_owned();
    if Backend::from_sea_orm(manager.get_database_backend()) != Backend::Sqlite {
        return exec(manager, &target, "dropping the column", stmt).await;
    }
    if manager.execute(stmt).await.is_ok() {
        return Ok(());
    }
    sqlite::rebuild(manager, &target, |t| t.drop_column(&column)).await
}
