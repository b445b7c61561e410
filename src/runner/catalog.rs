//! The migrations the code knows, ordered by version name (the `mYYYYMMDD_HHMMSS_` prefix
//! makes that time order), and lookup of versions a user typed.

use super::Error;
use crate::capture::{self, Captured, Direction};
use crate::db::Backend;
use crate::schema::Schema;
use crate::schema::replay::replay;
use sea_orm::DbErr;
use sea_orm_migration::MigrationTrait;
use std::collections::BTreeMap;
use tokio::sync::OnceCell;

pub(crate) struct Catalog {
    migrations: Vec<Box<dyn MigrationTrait>>,
    /// For each migration that cannot run against the recorder alone, the schema the ones
    /// before it leave on an empty database; worked out once, when first needed.
    starts: OnceCell<(Backend, BTreeMap<String, Schema>)>,
}

impl Catalog {
    pub(crate) fn new(mut migrations: Vec<Box<dyn MigrationTrait>>) -> Result<Self, Error> {
        migrations.sort_by(|a, b| a.name().cmp(b.name()));
        if let Some(pair) = migrations.windows(2).find(|w| w[0].name() == w[1].name()) {
            return Err(Error::Duplicate(pair[0].name().to_string()));
        }
        Ok(Catalog { migrations, starts: OnceCell::new() })
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &dyn MigrationTrait> + Clone {
        self.migrations.iter().map(|m| m.as_ref())
    }

    pub(crate) fn versions(&self) -> impl Iterator<Item = &str> + Clone {
        self.iter().map(|m| m.name())
    }

    pub(crate) fn get(&self, version: &str) -> Option<&dyn MigrationTrait> {
        self.migrations
            .binary_search_by(|m| m.name().cmp(version))
            .ok()
            .map(|i| self.migrations[i].as_ref())
    }

    /// The migration `version` of a plan, which the code must have (`down` of one whose code
    /// is gone cannot run).
    pub(crate) fn require(&self, version: &str) -> Result<&dyn MigrationTrait, Error> {
        self.get(version).ok_or_else(|| Error::MissingCrossed { version: version.to_string() })
    }

    /// What `migration`'s up() sends on `backend`, as its checksum covers it: run against the
    /// recorder alone or, when it asks the catalogue (`has_table`, `has_column`, `has_index`)
    /// or rebuilds a SQLite table and so cannot run alone, from the schema the migrations
    /// before it leave on an empty database. Either way it depends on the code alone.
    pub(crate) async fn capture_up(&self, migration: &dyn MigrationTrait, backend: Backend) -> Result<Captured, DbErr> {
        let alone = capture::capture(migration, Direction::Up, backend).await;
        if alone.is_ok() {
            return alone;
        }
        let starts = self.starts.get_or_init(|| async { (backend, self.starting_schemas(backend).await) }).await;
        match starts.1.get(migration.name()).filter(|_| starts.0 == backend) {
            Some(start) => capture::capture_from(migration, Direction::Up, backend, Some(start)).await,
            None => alone,
        }
    }

    /// The checksum of `migration`'s up() on `backend` ([`Self::capture_up`]), or `None` when it
    /// cannot run without a database even so.
    pub(crate) async fn checksum(&self, migration: &dyn MigrationTrait, backend: Backend) -> Option<String> {
        self.capture_up(migration, backend).await.ok().map(|c| c.checksum())
    }

    /// The starting schema of each migration that cannot run against the recorder alone: every
    /// up() in order from an empty database, its statements replayed into the model.
    async fn starting_schemas(&self, backend: Backend) -> BTreeMap<String, Schema> {
        let mut starts = BTreeMap::new();
        let mut schema = Schema::default();
        for migration in self.iter() {
            let sent = match capture::capture(migration, Direction::Up, backend).await {
                Ok(captured) => captured.statements,
                Err(_) => {
                    let from = capture::capture_from(migration, Direction::Up, backend, Some(&schema)).await;
                    starts.insert(migration.name().to_string(), schema.clone());
                    from.map(|c| c.statements).unwrap_or_default()
                }
            };
            schema = replay(&schema, &sent, backend);
        }
        starts
    }

    pub(crate) fn head(&self) -> Option<&str> {
        self.migrations.last().map(|m| m.name())
    }

    /// Resolves what a user typed among `known` versions: an exact version, or a prefix that
    /// matches exactly one (`m20250301` for `m20250301_000002_add_user_display_name`).
    pub(crate) fn resolve<'a>(
        given: &str,
        known: impl Iterator<Item = &'a str> + Clone,
    ) -> Result<String, Error> {
        if let Some(exact) = known.clone().find(|v| *v == given) {
            return Ok(exact.to_string());
        }
        let prefixed: Vec<&str> = known.clone().filter(|v| v.starts_with(given)).collect();
        match prefixed.as_slice() {
            [] => {}
            [only] => return Ok(only.to_string()),
            many => {
                return Err(Error::Ambiguous {
                    given: given.to_string(),
                    count: many.len(),
                    first: many.iter().take(3).map(|v| v.to_string()).collect(),
                });
            }
        }
        let mut scored: Vec<(usize, &str)> = known
            .map(|v| (strsim::levenshtein(given, v), v))
            .collect();
        scored.sort();
        let suggestions = scored.iter().take(3).map(|(_, v)| v.to_string()).collect();
        Err(Error::UnknownVersion {
            given: crate::db::shorten(given, 80),
            suggestions,
        })
    }
}
