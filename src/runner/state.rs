//! The state of every migration: what the code holds compared with what the history records.

use super::catalog::Catalog;
use crate::db::Backend;
use crate::backfill::Checkpoint;
use crate::capture::Direction;
use crate::history::AppliedRow;
use serde::Serialize;
use std::collections::BTreeMap;

/// Where one migration stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MigrationState {
    /// Applied, and its code still emits the SQL that was applied.
    Applied,
    /// Not applied, and newer than everything applied.
    Pending,
    /// Applied, but its up() now emits different SQL.
    Modified,
    /// Applied, but no longer in the code.
    Missing,
    /// Failed part way where it could not be rolled back.
    Dirty,
    /// Stopped part way through a backfill (killed, or its connection lost): the command in
    /// its `direction` resumes it from its checkpoints.
    InProgress,
    /// Not applied, yet older than the newest applied migration (two branches merged).
    OutOfOrder,
}

impl MigrationState {
    pub fn as_str(self) -> &'static str {
        match self {
            MigrationState::Applied => "applied",
            MigrationState::Pending => "pending",
            MigrationState::Modified => "modified",
            MigrationState::Missing => "missing",
            MigrationState::Dirty => "dirty",
            MigrationState::InProgress => "in-progress",
            MigrationState::OutOfOrder => "out-of-order",
        }
    }

    pub fn is_applied(self) -> bool {
        !matches!(self, MigrationState::Pending | MigrationState::OutOfOrder)
    }
}

/// One row of `status`.
#[derive(Debug, Clone, Serialize)]
pub struct MigrationStatus {
    pub version: String,
    pub state: MigrationState,
    pub applied_at: Option<String>,
    pub execution_ms: Option<i64>,
    /// For a migration `in-progress`: the direction it was running in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub direction: Option<crate::capture::Direction>,
}

/// The whole picture, as `status` shows it and health checks consume it.
#[derive(Debug, Clone, Serialize)]
pub struct Status {
    /// Nothing to apply, nothing dirty, nothing edited since it ran: the database is what the
    /// code describes. (A `missing` migration does not count against it, so that an
    /// application rolled back to older code still starts.)
    pub is_up_to_date: bool,
    /// The newest applied version.
    pub current: Option<String>,
    /// The newest version in the code.
    pub head: Option<String>,
    /// Versions `up` would apply (including out-of-order ones), oldest first.
    pub pending: Vec<String>,
    pub migrations: Vec<MigrationStatus>,
    /// The run that holds the migration lock now, if one does: who, where, since when.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub in_progress: Option<String>,
    /// The last run that held the lock and never released it (killed or crashed; SQLite, whose
    /// lock file names it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unfinished_run: Option<String>,
    /// The backfills of migrations in progress: how far each got.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub backfills: Vec<Checkpoint>,
}

impl Status {
    pub fn versions_in(&self, state: MigrationState) -> Vec<String> {
        self.migrations
            .iter()
            .filter(|m| m.state == state)
            .map(|m| m.version.clone())
            .collect()
    }
}

/// The backfill checkpoints that tell a dirty migration from one in progress: read only when
/// some migration is dirty (otherwise none matter).
pub(crate) async fn checkpoints<C: sea_orm::ConnectionTrait>(conn: &C, applied: &[AppliedRow]) -> Vec<Checkpoint> {
    if applied.iter().any(|r| r.dirty) { crate::backfill::checkpoint_rows(conn).await } else { Vec::new() }
}

/// The direction a dirty migration was running in when it stopped part way through a backfill
/// (its marker row says so), if it was.
fn resumes(version: &str, checkpoints: &[Checkpoint]) -> Option<Direction> {
    checkpoints.iter().find(|c| c.version == version && c.is_marker()).map(|c| c.direction)
}

/// Compares the code with the applied rows. Checksums of applied migrations are recomputed
/// from their code to spot edits.
pub(crate) async fn assess(catalog: &Catalog, applied: &[AppliedRow], checkpoints: &[Checkpoint], backend: Backend) -> Status {
    let rows: BTreeMap<&str, &AppliedRow> =
        applied.iter().map(|r| (r.version.as_str(), r)).collect();
    let newest_applied = rows.keys().next_back().copied();
    let mut migrations = Vec::new();
    for migration in catalog.iter() {
        let version = migration.name();
        let status = match rows.get(version) {
            Some(row) => {
                let state = if row.dirty && resumes(version, checkpoints).is_some() {
                    MigrationState::InProgress
                } else if row.dirty {
                    MigrationState::Dirty
                } else if is_modified(catalog, migration, row, backend).await {
                    MigrationState::Modified
                } else {
                    MigrationState::Applied
                };
                applied_status(row, state)
            }
            None => MigrationStatus {
                version: version.to_string(),
                state: match newest_applied {
                    Some(newest) if version < newest => MigrationState::OutOfOrder,
                    _ => MigrationState::Pending,
                },
                applied_at: None,
                execution_ms: None,
                direction: None,
            },
        };
        migrations.push(status);
    }
    for row in applied.iter().filter(|r| catalog.get(&r.version).is_none()) {
        let state = if row.dirty {
            MigrationState::Dirty
        } else {
            MigrationState::Missing
        };
        migrations.push(applied_status(row, state));
    }
    migrations.sort_by(|a, b| a.version.cmp(&b.version));
    for m in migrations.iter_mut().filter(|m| m.state == MigrationState::InProgress) {
        m.direction = resumes(&m.version, checkpoints);
    }
    let mut status = summarise(migrations, catalog.head(), newest_applied);
    status.backfills = checkpoints
        .iter()
        .filter(|c| !c.is_marker() && status.migrations.iter().any(|m| m.version == c.version && m.state == MigrationState::InProgress))
        .cloned()
        .collect();
    status
}

async fn is_modified(
    catalog: &Catalog,
    migration: &dyn sea_orm_migration::MigrationTrait,
    row: &AppliedRow,
    backend: Backend,
) -> bool {
    let Some(recorded) = row.checksum.as_deref() else {
        return false;
    };
    match catalog.checksum(migration, backend).await {
        Some(now) => now != recorded,
        None => false,
    }
}

fn applied_status(row: &AppliedRow, state: MigrationState) -> MigrationStatus {
    MigrationStatus {
        version: row.version.clone(),
        state,
        applied_at: Some(row.applied_at.clone()),
        execution_ms: Some(row.execution_ms),
        direction: None,
    }
}

fn summarise(
    migrations: Vec<MigrationStatus>,
    head: Option<&str>,
    current: Option<&str>,
) -> Status {
    let pending: Vec<String> = migrations
        .iter()
        .filter(|m| !m.state.is_applied())
        .map(|m| m.version.clone())
        .collect();
    let blocked = migrations
        .iter()
        .any(|m| matches!(m.state, MigrationState::Dirty | MigrationState::InProgress | MigrationState::Modified));
    Status {
        is_up_to_date: pending.is_empty() && !blocked,
        current: current.map(str::to_string),
        head: head.map(str::to_string),
        pending,
        migrations,
        in_progress: None,
        unfinished_run: None,
        backfills: Vec::new(),
    }
}
