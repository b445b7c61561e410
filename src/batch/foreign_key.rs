//! Adding and dropping a foreign key on every backend.

use super::def::{quote_mysql, table_name};
use super::sqlite::{self, Fk};
use super::{BatchError, error::Target, exec, exec_sql};
use crate::db::Backend;
use sea_orm::sea_query::{Alias, ForeignKey, ForeignKeyCreateStatement};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement};
use sea_orm_migration::SchemaManager;

/// Adds `foreign_key`, built as usual:
/// `ForeignKey::create().name(..).from(table, columns).to(table, columns)`, with actions.
///
/// PostgreSQL and MySQL: `ALTER TABLE ... ADD CONSTRAINT ... FOREIGN KEY`. SQLite: a rebuild
/// of the table with the key added, where existing rows that break it fail the foreign key
/// check and the table is left as it was; SQLite keeps no constraint name.
pub async fn add_foreign_key(
    manager: &SchemaManager<'_>,
    foreign_key: ForeignKeyCreateStatement,
) -> Result<(), BatchError> {
    let (table, fk) = parts(&foreign_key)?;
    let target = Target::new(&table, Some(fk.columns.join(", ")));
    if Backend::from_sea_orm(manager.get_database_backend()) != Backend::Sqlite {
        return exec(manager, &target, "adding the foreign key", foreign_key).await;
    }
    sqlite::rebuild(manager, &target, |t| t.add_foreign_key(fk)).await
}

/// Drops the foreign key `foreign_key` describes: the same statement that added it (so that a
/// down() mirrors its up()).
///
/// PostgreSQL: `DROP CONSTRAINT` by its name. MySQL: `DROP FOREIGN KEY` by its name, and then
/// the index MySQL made for the key when it was added (named after it, on exactly its
/// columns). SQLite keeps no foreign key names, so the key is found by its columns (and, among
/// several on the same columns, by what it references), and the table is rebuilt without it.
pub async fn drop_foreign_key(
    manager: &SchemaManager<'_>,
    foreign_key: ForeignKeyCreateStatement,
) -> Result<(), BatchError> {
    let (table, fk) = parts(&foreign_key)?;
    let target = Target::new(&table, Some(fk.columns.join(", ")));
    let backend = Backend::from_sea_orm(manager.get_database_backend());
    let name = foreign_key.get_foreign_key().get_name().map(str::to_string);
    let name = match (name, backend) {
        (Some(name), _) => name,
        (None, Backend::Sqlite) => String::new(),
        (None, _) => return Err(incomplete("it has no name: use .name(..)")),
    };
    let drop = ForeignKey::drop().name(&name).table(Alias::new(&table)).to_owned();
    match backend {
        Backend::Postgres => exec(manager, &target, "dropping the foreign key", drop).await,
        Backend::MySql => {
            exec(manager, &target, "dropping the foreign key", drop).await?;
            drop_implied_index(manager, &target, &name, &fk.columns).await
        }
        Backend::Sqlite => sqlite::rebuild(manager, &target, |t| t.drop_foreign_key(&name, &fk)).await,
    }
}

/// The table a foreign key statement belongs to, and the key as the SQLite rebuild keeps it.
fn parts(foreign_key: &ForeignKeyCreateStatement) -> Result<(String, Fk), BatchError> {
    let key = foreign_key.get_foreign_key();
    let table = key
        .get_table()
        .and_then(table_name)
        .ok_or(incomplete("it names no table of its own: use .from(table, columns)"))?;
    let ref_table = key
        .get_ref_table()
        .and_then(table_name)
        .ok_or(incomplete("it names no table to reference: use .to(table, columns)"))?;
    let fk = Fk {
        ref_table,
        columns: key.get_columns(),
        ref_columns: key.get_ref_columns(),
        on_update: key.get_on_update(),
        on_delete: key.get_on_delete(),
    };
    Ok((table, fk))
}

fn incomplete(missing: &'static str) -> BatchError {
    BatchError::Incomplete {
        what: "the foreign key",
        missing,
    }
}

/// Whether another foreign key of the table starts with `columns`' first column: MySQL keeps
/// the index for it (one index serves every key on the same columns) and refuses to drop it.
async fn still_needed(manager: &SchemaManager<'_>, target: &Target, columns: &[String]) -> Result<bool, BatchError> {
    let Some(first) = columns.first() else { return Ok(false) };
    let sql = "SELECT COUNT(*) FROM information_schema.KEY_COLUMN_USAGE \
               WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND REFERENCED_TABLE_NAME IS NOT NULL \
               AND ORDINAL_POSITION = 1 AND COLUMN_NAME = ?";
    let stmt = Statement::from_sql_and_values(DbBackend::MySql, sql, [target.table.as_str().into(), first.as_str().into()]);
    let step = "finding the foreign keys that still need the index";
    let row = manager.get_connection().query_one_raw(stmt).await.map_err(|e| target.failed(step, &e))?;
    let count: i64 = match row {
        Some(row) => row.try_get_by_index(0).map_err(|e| target.failed(step, &e))?,
        None => 0,
    };
    Ok(count > 0)
}

/// Drops MySQL's index `name` of the table if it is a plain index on exactly `columns` that no
/// other foreign key needs.
async fn drop_implied_index(
    manager: &SchemaManager<'_>,
    target: &Target,
    name: &str,
    columns: &[String],
) -> Result<(), BatchError> {
    let sql = "SELECT COLUMN_NAME, NON_UNIQUE FROM information_schema.STATISTICS \
               WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND INDEX_NAME = ? \
               ORDER BY SEQ_IN_INDEX";
    let stmt = Statement::from_sql_and_values(
        DbBackend::MySql,
        sql,
        [target.table.as_str().into(), name.into()],
    );
    let step = "finding the index MySQL made for the foreign key";
    let read = async {
        let mut found = Vec::new();
        for row in manager.get_connection().query_all_raw(stmt).await? {
            let non_unique: i64 = row.try_get_by_index(1)?;
            found.push((row.try_get_by_index::<String>(0)?, non_unique != 0));
        }
        Ok::<_, DbErr>(found)
    };
    let found = read.await.map_err(|e| target.failed(step, &e))?;
    let implied = found.len() == columns.len()
        && found
            .iter()
            .zip(columns)
            .all(|((c, plain), want)| *plain && c.eq_ignore_ascii_case(want));
    if !implied || still_needed(manager, target, columns).await? {
        return Ok(());
    }
    let sql = format!("DROP INDEX {} ON {}", quote_mysql(name), quote_mysql(&target.table));
    exec_sql(manager, target, "dropping the index MySQL made for the foreign key", &sql).await
}
