//! Which tables take part: never the migration history tables, and optionally only some.

use super::model::Schema;
use crate::history::{EVENTS_TABLE, MIGRATIONS_TABLE};

/// Tables that belong to the migration machinery, not to the application: seamigrate's history
/// and event log, and sea-orm-migration's own history table.
pub const HISTORY_TABLES: [&str; 5] = [
    MIGRATIONS_TABLE,
    EVENTS_TABLE,
    "seaql_migrations",
    crate::lock::galera::LOCK_TABLE,
    crate::backfill::BACKFILLS_TABLE,
];

/// Which tables to consider, by exact name. An empty `include` means every table; `exclude`
/// wins over `include`; the [`HISTORY_TABLES`] are always left out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub include: Vec<String>,
    pub exclude: Vec<String>,
}

impl Filter {
    /// Every table but the history tables.
    pub fn all() -> Self {
        Self::default()
    }

    /// Only `tables` (and never the history tables).
    pub fn only<I: IntoIterator<Item = S>, S: Into<String>>(tables: I) -> Self {
        Filter {
            include: tables.into_iter().map(Into::into).collect(),
            exclude: Vec::new(),
        }
    }

    /// This filter, also leaving out `tables`.
    pub fn except<I: IntoIterator<Item = S>, S: Into<String>>(mut self, tables: I) -> Self {
        self.exclude.extend(tables.into_iter().map(Into::into));
        self
    }

    /// Whether `table` takes part.
    pub fn accepts(&self, table: &str) -> bool {
        !HISTORY_TABLES.contains(&table)
            && (self.include.is_empty() || self.include.iter().any(|t| t == table))
            && !self.exclude.iter().any(|t| t == table)
    }

    /// `schema` with only the tables this filter accepts; enum types are kept.
    pub fn apply(&self, mut schema: Schema) -> Schema {
        schema.tables.retain(|name, _| self.accepts(name));
        schema.views.retain(|name, _| self.accepts(name));
        schema
    }
}
