//! The schema of a live database, in the current schema (PostgreSQL: the first schema of the
//! `search_path`) or database (MySQL). MySQL goes through sea-schema's discovery on the
//! connection itself (sea-orm implements sea-schema's `Connection` for `DatabaseConnection`);
//! PostgreSQL and SQLite read the whole schema in a few catalogue queries of their own, since
//! sea-schema's per-table queries make discovery slow on large schemas, and parse column types
//! with sea-schema as its discovery does.

mod mysql;
mod postgres;
mod sqlite;

use super::SchemaError;
use super::filter::Filter;
use super::model::Schema;
use crate::db::Backend;
use crate::db::connect::db_words;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, RuntimeErr, Statement};
use sea_schema::sqlx_types::SqlxError;
use std::sync::Arc;

/// The schema of the database behind `conn`: the tables `filter` accepts, as the database
/// reports them; not yet normalised (see [`super::normalise()`]). History tables never appear.
pub async fn discover(conn: &DatabaseConnection, filter: &Filter) -> Result<Schema, SchemaError> {
    let schema = match Backend::from_sea_orm(conn.get_database_backend()) {
        Backend::Postgres => postgres::discover(conn).await?,
        Backend::MySql => mysql::discover(conn).await?,
        Backend::Sqlite => sqlite::discover(conn).await?,
    };
    Ok(filter.apply(schema))
}

/// The name `sql` (a one-value query such as `SELECT current_schema()`) returns.
async fn current_schema(
    conn: &DatabaseConnection,
    backend: Backend,
    sql: &str,
) -> Result<String, SchemaError> {
    let stmt = Statement::from_string(conn.get_database_backend(), sql);
    let step = "finding the current schema";
    let row = conn
        .query_one_raw(stmt)
        .await
        .map_err(|e| failed(backend, step, db_words(&e)))?;
    let name = match row {
        Some(row) => row
            .try_get_by_index::<Option<String>>(0)
            .map_err(|e| failed(backend, step, db_words(&e)))?,
        None => None,
    };
    let (what, hint) = match backend {
        Backend::Postgres => (
            "schema",
            "no schema of the search_path exists; create it or fix the search_path",
        ),
        Backend::MySql | Backend::Sqlite => ("database", "name the database in the URL"),
    };
    name.ok_or(SchemaError::NoCurrentSchema {
        backend,
        what,
        hint,
    })
}

fn failed(backend: Backend, step: &'static str, reason: String) -> SchemaError {
    SchemaError::Discovery {
        backend,
        step,
        reason,
    }
}

/// The database's own words in an error of sea-schema's discovery.
fn sqlx_words(err: SqlxError) -> String {
    match err {
        SqlxError::AnyDriverError(inner) => match inner.downcast_ref::<DbErr>() {
            Some(err) => db_words(err),
            None => inner.to_string(),
        },
        err => db_words(&DbErr::Query(RuntimeErr::SqlxError(Arc::new(err)))),
    }
}

/// A discovered type outside the model, named by its variant: `MacAddr(..)` is `macaddr`.
fn type_word(ty: &impl std::fmt::Debug) -> String {
    let debug = format!("{ty:?}");
    debug
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase()
}
