//! Helpers that generated migrations call where a backend cannot change a table in place, so
//! that one migration file serves PostgreSQL, MySQL/MariaDB and SQLite alike.
//!
//! ```ignore
//! seamigrate::batch::alter_column(manager, Users::Table,
//!     ColumnDef::new(Users::Email).string_len(320).not_null().to_owned()).await?;
//! seamigrate::batch::add_foreign_key(manager, ForeignKey::create().name("fk_posts_user")
//!     .from(Posts::Table, Posts::UserId).to(Users::Table, Users::Id).to_owned()).await?;
//! seamigrate::batch::drop_foreign_key(manager, Posts::Table, "fk_posts_user", [Posts::UserId]).await?;
//! ```
//!
//! On PostgreSQL and MySQL each helper runs the ordinary `ALTER` statement. SQLite cannot
//! alter a column's type, nullability or default, nor add or drop a foreign key or a UNIQUE
//! constraint; there the helper rebuilds the table as SQLite's documentation describes: the
//! current definition is read from the live database, changed, and a table with the new
//! definition takes the old one's place with its rows (those of the columns both versions
//! have), indexes, triggers and foreign keys. It runs inside the migration's transaction
//! (in a savepoint), with `PRAGMA defer_foreign_keys = ON`, and ends with
//! `PRAGMA foreign_key_check`: a row the new definition rejects fails the helper, naming the
//! table, and the table is left as it was.
//!
//! Limits on SQLite: a table with CHECK constraints its `CREATE TABLE` does not let us read
//! (readable ones are kept), COLLATE clauses, generated columns,
//! DEFERRABLE foreign keys, ON CONFLICT clauses, WITHOUT ROWID or STRICT is refused (SQLite's
//! PRAGMAs do not describe those, so a rebuild would lose them); foreign key constraint names
//! are not kept (SQLite does not keep them either); and while foreign keys are enforced, a
//! table that other tables' rows reference with ON DELETE CASCADE, SET NULL or SET DEFAULT
//! cannot be rebuilt, because dropping the old table would fire those actions.

mod check;
mod column;
pub(crate) mod def;
mod enums;
pub(crate) mod error;
mod foreign_key;
mod index;
mod key;
mod postgres;
pub(crate) mod sqlite;
mod view;

pub use check::{add_check, drop_check};
pub use column::{add_column, alter_column, change_column, drop_column};
pub use enums::alter_enum;
pub use error::BatchError;
pub use foreign_key::{add_foreign_key, drop_foreign_key};
pub use index::{create_index, create_index_concurrently, drop_index, drop_index_concurrently};
pub(crate) use index::sqlite_index_sql;
pub use key::alter_primary_key;
pub use view::{create_extension, create_view, drop_extension, drop_view};

use error::Target;
use sea_orm::{ConnectionTrait, StatementBuilder};
use sea_orm_migration::SchemaManager;

/// Runs `stmt`, naming `target` and `step` if the database refuses it.
async fn exec<S: StatementBuilder>(
    manager: &SchemaManager<'_>,
    target: &Target,
    step: &'static str,
    stmt: S,
) -> Result<(), BatchError> {
    manager.execute(stmt).await.map_err(|e| target.failed(step, &e))
}

/// Runs the SQL text `sql` (for what sea-query cannot build), naming `target` and `step`.
async fn exec_sql(
    manager: &SchemaManager<'_>,
    target: &Target,
    step: &'static str,
    sql: &str,
) -> Result<(), BatchError> {
    manager
        .get_connection()
        .execute_unprepared(sql)
        .await
        .map(|_| ())
        .map_err(|e| target.failed(step, &e))
}
