//! A backend-neutral schema model, read from two sources and normalised so that the same schema
//! from both compares equal: the first layer of `autogenerate`.
//!
//! - [`EntitySet::schema`]: the schema the sea-orm entities describe.
//! - [`discover`]: the schema of a live database, through sea-schema's discovery.
//! - [`normalise()`]: every backend difference in one place (type aliases, implied lengths,
//!   default spellings, generated names, implicit indexes, auto-increment flavours); after
//!   it, two schemas are the same exactly when they are `==`.
//!
//! ```ignore
//! let wanted = normalise(&entities.schema(backend), backend);
//! let actual = normalise(&discover(&conn, &Filter::all()).await?, backend);
//! if wanted != actual { /* draft a migration */ }
//! ```

pub mod diagram;
mod filter;
pub mod from_database;
pub mod from_entities;
pub(crate) mod sql_text;
pub mod model;
pub mod normalise;
pub(crate) mod replay;
pub(crate) mod statement;
pub mod uncompared;

pub use filter::{Filter, HISTORY_TABLES};
pub use from_database::discover;
pub use from_entities::EntitySet;
pub use model::{
    Check, Column, ColumnType, DefaultValue, EnumType, FkAction, ForeignKey, Generated, Index, IndexOptions,
    KeyOptions, Schema, Table, View,
};
pub use normalise::normalise;

use crate::db::Backend;

/// Reading a schema failed.
#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    /// The database refused or failed a catalog query; `reason` is its own words.
    #[error("reading the schema of the {backend} database failed ({step}): {reason}")]
    Discovery {
        backend: Backend,
        step: &'static str,
        reason: String,
    },
    /// There is no current schema (PostgreSQL) or database (MySQL) to read.
    #[error("the {backend} connection has no current {what}: {hint}")]
    NoCurrentSchema {
        backend: Backend,
        what: &'static str,
        hint: &'static str,
    },
}

