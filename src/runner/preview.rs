//! `up --sql`, `down --sql` and `lint`: the statements the planned migrations would run, learned from
//! the recording connection ([`crate::capture`]) without changing the database, writing a
//! history row or taking the lock. With no database at all ([`Offline`]), every migration
//! counts as pending for `up` and as applied for `down`.

use super::catalog::Catalog;
use super::plan::{self, DownTarget, UpTarget};
use super::state::{self, MigrationState, MigrationStatus, Status};
use super::{Error, Migrator, RunOptions};
use crate::capture::{self, Direction};
use crate::db::Backend;
use crate::lint::{self, Finding};
use crate::schema::replay::replay;
use crate::schema::{Filter, Schema, discover};
use sea_orm_migration::{MigrationTrait, MigratorTrait};
use serde::Serialize;

/// One migration's SQL for one direction.
#[derive(Debug, Clone, Serialize)]
pub struct Preview {
    pub version: String,
    pub direction: Direction,
    /// Each statement as the backend would receive it, values inlined.
    pub statements: Vec<String>,
    /// Why the statements cannot be shown faithfully, when they cannot (then `statements` is
    /// empty): the migration reads from the database, so what it sends depends on what it reads.
    pub unrenderable: Option<String>,
    /// What the migration sent against the recorder, shown or not: what the next migration's
    /// schema is replayed from.
    #[serde(skip)]
    sent: Vec<String>,
}

impl Migrator {
    /// The SQL `up` would run for `target`, planned as `up` plans it (read-only).
    pub async fn preview_up(&self, target: &UpTarget, options: &RunOptions) -> Result<Vec<Preview>, Error> {
        let status = self.status().await?;
        let versions = plan::choose_up(&status, &self.catalog, target, options)?;
        let live = self.live_schema().await?;
        previews(&self.catalog, &versions, Direction::Up, self.backend, live.as_ref()).await
    }

    /// The SQL `down` would run for `target`, planned as `down` plans it (read-only).
    pub async fn preview_down(&self, target: &DownTarget) -> Result<Vec<Preview>, Error> {
        let status = self.status().await?;
        let versions = plan::choose_down(&status, target)?;
        let live = self.live_schema().await?;
        previews(&self.catalog, &versions, Direction::Down, self.backend, live.as_ref()).await
    }

    /// The live schema: what `has_table`, `has_column` and `has_index` are answered from while
    /// the migrations are rendered, and what a SQLite table rebuild renders from.
    async fn live_schema(&self) -> Result<Option<Schema>, Error> {
        let live = discover(&self.db, &Filter::all()).await.map_err(|e| Error::Database {
            what: "reading the schema for --sql".into(),
            words: e.to_string(),
        })?;
        Ok(Some(live))
    }
}

/// Migrations rendered for a backend without connecting to any database.
pub struct Offline {
    catalog: Catalog,
    backend: Backend,
}

impl Offline {
    pub fn new<M: MigratorTrait>(backend: Backend) -> Result<Self, Error> {
        Ok(Offline { catalog: Catalog::new(M::migrations())?, backend })
    }

    /// `up` from an empty database: every migration is pending.
    pub async fn preview_up(&self, target: &UpTarget) -> Result<Vec<Preview>, Error> {
        let status = state::assess(&self.catalog, &[], &[], self.backend).await;
        let versions = plan::choose_up(&status, &self.catalog, target, &RunOptions::default())?;
        previews(&self.catalog, &versions, Direction::Up, self.backend, Some(&Schema::default())).await
    }

    /// `down` from a database at head: every migration is applied, and the schema is what
    /// their up()s create from an empty database.
    pub async fn preview_down(&self, target: &DownTarget) -> Result<Vec<Preview>, Error> {
        let versions = plan::choose_down(&all_applied(&self.catalog), target)?;
        let all: Vec<String> = self.catalog.versions().map(str::to_string).collect();
        let ups = previews(&self.catalog, &all, Direction::Up, self.backend, Some(&Schema::default())).await?;
        let head = ups.iter().fold(Schema::default(), |schema, up| replay(&schema, &up.sent, self.backend));
        previews(&self.catalog, &versions, Direction::Down, self.backend, Some(&head)).await
    }
}

fn all_applied(catalog: &Catalog) -> Status {
    let migrations = catalog
        .versions()
        .map(|version| MigrationStatus {
            version: version.to_string(),
            state: MigrationState::Applied,
            applied_at: None,
            execution_ms: None,
            direction: None,
        })
        .collect();
    let head = catalog.head().map(str::to_string);
    Status { is_up_to_date: true, current: head.clone(), head, pending: Vec::new(), migrations, in_progress: None, unfinished_run: None, backfills: Vec::new() }
}

/// The previews of `versions` in order, each migration's catalogue probes answered from the
/// schema `live` would be after the ones before it (their statements replayed into the model).
async fn previews(
    catalog: &Catalog,
    versions: &[String],
    direction: Direction,
    backend: Backend,
    live: Option<&Schema>,
) -> Result<Vec<Preview>, Error> {
    let mut out: Vec<Preview> = Vec::with_capacity(versions.len());
    let mut schema = live.cloned();
    for version in versions {
        let migration = catalog.require(version)?;
        let preview = preview(migration, direction, backend, schema.as_ref()).await;
        schema = schema.map(|s| replay(&s, &preview.sent, backend));
        out.push(preview);
    }
    Ok(out)
}

async fn preview(migration: &dyn MigrationTrait, direction: Direction, backend: Backend, live: Option<&Schema>) -> Preview {
    let version = migration.name().to_string();
    let (statements, sent, unrenderable) = match capture::capture_from(migration, direction, backend, live).await {
        Ok(captured) if captured.reads_data => (
            Vec::new(),
            captured.statements,
            Some(
                "it reads from the database while it runs, so its statements depend on what it \
                 finds; run it on a copy of the database to see what it does"
                    .to_string(),
            ),
        ),
        Ok(captured) => (captured.statements.clone(), captured.statements, None),
        Err(e) => (
            Vec::new(),
            Vec::new(),
            Some(format!(
                "it cannot run without a database ({}); run it on a copy of the database to see \
                 what it does",
                crate::batch::error::words(&e)
            )),
        ),
    };
    Preview { version, direction, statements, unrenderable, sent }
}

/// Which migrations `lint` reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LintScope {
    /// Those `up` would apply.
    Pending,
    All,
    /// One version, or a prefix that names one.
    Version(String),
}

impl Migrator {
    /// The lint findings of the migrations in `scope`, oldest first. The live schema tells
    /// which tables exist already and which type a column has before a type change.
    pub async fn lint(&self, scope: &LintScope) -> Result<Vec<Finding>, Error> {
        let versions: Vec<String> = match scope {
            LintScope::Pending => self.status().await?.pending,
            LintScope::All => self.catalog.versions().map(str::to_string).collect(),
            LintScope::Version(given) => vec![Catalog::resolve(given, self.catalog.versions())?],
        };
        self.lint_versions(&versions).await
    }

    /// The lint findings of `versions`.
    pub(crate) async fn lint_versions(&self, versions: &[String]) -> Result<Vec<Finding>, Error> {
        let live = discover(&self.db, &Filter::all()).await.map_err(|e| Error::Database {
            what: "reading the schema for lint".into(),
            words: e.to_string(),
        })?;
        let mut found = Vec::new();
        let mut schema = live;
        for version in versions {
            let migration = self.catalog.require(version)?;
            let (findings, after) = lint::lint_from(migration, self.backend, &schema).await;
            found.extend(findings);
            schema = after;
        }
        Ok(found)
    }
}
