//! Creating and dropping a view, on every backend (a materialized view on PostgreSQL only), and
//! a PostgreSQL extension.

use super::def::quote;
use super::{BatchError, error::Target, exec_sql};
use sea_orm::DbBackend;
use sea_orm_migration::SchemaManager;

/// Creates the view `name` as `definition` (a query, as SQL for the connected backend);
/// `materialized` makes it a PostgreSQL materialized view, filled now.
pub async fn create_view(manager: &SchemaManager<'_>, name: &str, definition: &str, materialized: bool) -> Result<(), BatchError> {
    let kind = kind(manager, name, materialized)?;
    let sql = format!("CREATE {kind} {} AS {definition}", quoted(manager, name));
    exec_sql(manager, &Target::new(name, None), "creating the view", &sql).await
}

/// Drops the view `name`. `definition` and `materialized` are what it was, so that a draft's
/// down() can create it again with the counterpart call.
pub async fn drop_view(manager: &SchemaManager<'_>, name: &str, _definition: &str, materialized: bool) -> Result<(), BatchError> {
    let kind = kind(manager, name, materialized)?;
    let sql = format!("DROP {kind} {}", quoted(manager, name));
    exec_sql(manager, &Target::new(name, None), "dropping the view", &sql).await
}

/// `VIEW` or `MATERIALIZED VIEW`; an error where the backend has no materialized views.
fn kind(manager: &SchemaManager<'_>, name: &str, materialized: bool) -> Result<&'static str, BatchError> {
    match (materialized, manager.get_database_backend()) {
        (false, _) => Ok("VIEW"),
        (true, DbBackend::Postgres) => Ok("MATERIALIZED VIEW"),
        (true, _) => Err(BatchError::NoMaterializedViews { view: name.to_owned() }),
    }
}

fn quoted(manager: &SchemaManager<'_>, name: &str) -> String {
    super::def::quote_for(manager.get_database_backend(), name)
}

/// Installs the PostgreSQL extension `name` where it is not installed yet; nothing on other
/// backends, which have no extensions (a draft written on PostgreSQL serves them too).
pub async fn create_extension(manager: &SchemaManager<'_>, name: &str) -> Result<(), BatchError> {
    if manager.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    let sql = format!("CREATE EXTENSION IF NOT EXISTS {}", quote(name));
    exec_sql(manager, &Target::new(name, None), "installing the extension", &sql).await
}

/// Removes the PostgreSQL extension `name` where it is installed; nothing on other backends.
pub async fn drop_extension(manager: &SchemaManager<'_>, name: &str) -> Result<(), BatchError> {
    if manager.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    let sql = format!("DROP EXTENSION IF EXISTS {}", quote(name));
    exec_sql(manager, &Target::new(name, None), "removing the extension", &sql).await
}
