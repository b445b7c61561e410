//! Adopting a database that the stock sea-orm runner managed: its `seaql_migrations` rows
//! become applied rows here, so nothing re-runs.

use super::event::{Action, NewEvent, Outcome};
use super::store::{AppliedRow, HistoryStore};
use sea_orm::{DatabaseConnection, DbErr};
use sea_orm_migration::SchemaManager;
use sea_orm_migration::prelude::*;

/// A legacy row: the version and when it was applied (seconds since the epoch).
#[derive(Debug, Clone)]
pub struct LegacyRow {
    pub version: String,
    pub applied_at: i64,
}

/// Reads the stock runner's table, if there is one.
pub async fn legacy_rows(
    db: &DatabaseConnection,
    legacy_table: &str,
) -> Result<Option<Vec<LegacyRow>>, DbErr> {
    if !SchemaManager::new(db).has_table(legacy_table).await? {
        return Ok(None);
    }
    let query = Query::select()
        .columns([Alias::new("version"), Alias::new("applied_at")])
        .from(Alias::new(legacy_table))
        .order_by(Alias::new("version"), Order::Asc)
        .to_owned();
    let rows = db.query_all(&query).await?;
    let rows = rows
        .iter()
        .map(|row| {
            Ok(LegacyRow {
                version: row.try_get("", "version")?,
                applied_at: row.try_get("", "applied_at")?,
            })
        })
        .collect::<Result<Vec<_>, DbErr>>()?;
    Ok(Some(rows))
}

/// Copies the legacy rows into a freshly installed history. `checksum` gives each adopted
/// version the checksum of its current code: the stock runner kept none, so the code as it is
/// at adoption becomes the reference. Returns how many rows were adopted.
pub async fn adopt_legacy(
    db: &DatabaseConnection,
    legacy: &[LegacyRow],
    checksum: impl Fn(&str) -> Option<String>,
) -> Result<usize, DbErr> {
    let store = HistoryStore::on(db);
    for row in legacy {
        let applied_at = chrono::DateTime::from_timestamp(row.applied_at, 0)
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
            .unwrap_or_else(super::now);
        store
            .insert_applied(&AppliedRow {
                version: row.version.clone(),
                applied_at,
                execution_ms: 0,
                checksum: checksum(&row.version),
                dirty: false,
            })
            .await?;
    }
    if !legacy.is_empty() {
        store
            .append(NewEvent {
                action: Action::Adopt,
                version: legacy.last().map(|r| r.version.clone()),
                outcome: Outcome::Ok,
                duration_ms: None,
                message: Some(format!(
                    "adopted {} migration(s) recorded by the stock sea-orm runner",
                    legacy.len()
                )),
            })
            .await?;
    }
    Ok(legacy.len())
}
