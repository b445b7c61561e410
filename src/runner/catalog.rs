//! The migrations the code knows, ordered by version name (the `mYYYYMMDD_HHMMSS_` prefix
//! makes that time order), and lookup of versions a user typed.

use super::Error;
use sea_orm_migration::MigrationTrait;

pub(crate) struct Catalog {
    migrations: Vec<Box<dyn MigrationTrait>>,
}

impl Catalog {
    pub(crate) fn new(mut migrations: Vec<Box<dyn MigrationTrait>>) -> Result<Self, Error> {
        migrations.sort_by(|a, b| a.name().cmp(b.name()));
        if let Some(pair) = migrations.windows(2).find(|w| w[0].name() == w[1].name()) {
            return Err(Error::Duplicate(pair[0].name().to_string()));
        }
        Ok(Catalog { migrations })
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
