//! Installing the history tables, and adopting a database that the stock sea-orm runner
//! managed: its `seaql_migrations` rows become applied rows here, so nothing re-runs.
//!
//! Adoption is finished when its `adopt` event is in the log, and that event is written last:
//! in the same transaction as the tables and the rows on PostgreSQL and SQLite; on
//! MySQL/MariaDB, whose CREATE TABLE commits at once, the rows and the event commit together
//! after the tables. A run that finds the stock table but no `adopt` event (a process killed
//! half way) adopts again before anything else, and until then `status` counts the stock
//! runner's records as applied.

use super::event::{Action, NewEvent, Outcome};
use super::store::{AppliedRow, HistoryStore, Writes};
use super::tables::{EVENTS_TABLE, MIGRATIONS_TABLE};
use crate::db::{Backend, texts};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, TransactionTrait};
use sea_orm_migration::prelude::*;

/// A legacy row: the version and when it was applied (seconds since the epoch).
#[derive(Debug, Clone)]
pub struct LegacyRow {
    pub version: String,
    pub applied_at: i64,
}

impl LegacyRow {
    /// The row as seamigrate records it; the checksum is that of the code as it is now, since
    /// the stock runner kept none.
    pub fn to_applied(&self, checksum: Option<String>) -> AppliedRow {
        AppliedRow {
            version: self.version.clone(),
            applied_at: chrono::DateTime::from_timestamp(self.applied_at, 0)
                .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
                .unwrap_or_else(super::now),
            execution_ms: 0,
            checksum,
            dirty: false,
        }
    }
}

/// What a database holds of the history, read before a run without changing anything.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// Whether `seamigrate_migrations` exists.
    pub installed: bool,
    /// Whether `seamigrate_events` exists.
    pub has_events: bool,
    /// seamigrate's own rows.
    pub applied: Vec<AppliedRow>,
    /// The stock runner's rows, while its table exists and adoption has not finished.
    pub to_adopt: Option<Vec<LegacyRow>>,
}

impl Snapshot {
    /// Reads the history of the database behind `db`; `legacy_table` is the stock runner's.
    pub async fn read(db: &DatabaseConnection, legacy_table: &str) -> Result<Snapshot, DbErr> {
        let tables = existing_tables(db, &[MIGRATIONS_TABLE, EVENTS_TABLE, legacy_table]).await?;
        let has = |name: &str| tables.iter().any(|t| t == name);
        let mut snapshot = Snapshot {
            installed: has(MIGRATIONS_TABLE),
            has_events: has(EVENTS_TABLE),
            ..Snapshot::default()
        };
        if snapshot.installed {
            snapshot.applied = HistoryStore::on(db).applied().await?;
        }
        if has(legacy_table) && !(snapshot.has_events && adopted(db).await?) {
            snapshot.to_adopt = Some(legacy_rows(db, legacy_table).await?);
        }
        Ok(snapshot)
    }

    /// Whether a run must install the tables or finish an adoption before anything else.
    pub fn needs_install(&self) -> bool {
        !self.installed || !self.has_events || self.to_adopt.is_some()
    }

    /// The applied rows as they will be once installed: seamigrate's own, and the stock
    /// runner's not yet adopted (without checksums).
    pub fn applied_rows(&self) -> Vec<AppliedRow> {
        let mut rows = self.applied.clone();
        for legacy in self.to_adopt.iter().flatten() {
            if !rows.iter().any(|r| r.version == legacy.version) {
                rows.push(legacy.to_applied(None));
            }
        }
        rows.sort_by(|a, b| a.version.cmp(&b.version));
        rows
    }

    /// Creates the history tables and adopts the stock runner's rows, each adopted version with
    /// the checksum `checksum` gives it; returns the applied rows afterwards.
    pub async fn install(
        &self,
        db: &DatabaseConnection,
        checksum: impl Fn(&str) -> Option<String>,
    ) -> Result<Vec<AppliedRow>, DbErr> {
        let backend = db.get_database_backend();
        let mut tables = Writes::new(backend);
        tables.install();
        let mut rows = Writes::new(backend);
        let mut applied = self.applied.clone();
        if let Some(legacy) = &self.to_adopt {
            let mut adopted = 0usize;
            for row in legacy {
                if !applied.iter().any(|r| r.version == row.version) {
                    let row = row.to_applied(checksum(&row.version));
                    rows.insert_applied(&row);
                    applied.push(row);
                    adopted += 1;
                }
            }
            rows.append(NewEvent {
                action: Action::Adopt,
                version: legacy.last().map(|r| r.version.clone()),
                outcome: Outcome::Ok,
                duration_ms: None,
                message: Some(format!(
                    "adopted {adopted} migration(s) recorded by the stock sea-orm runner"
                )),
            });
        }
        applied.sort_by(|a, b| a.version.cmp(&b.version));
        if Backend::from_sea_orm(backend).has_transactional_ddl() {
            let txn = db.begin().await?;
            tables.send(&txn).await?;
            rows.send(&txn).await?;
            txn.commit().await?;
        } else {
            tables.send(db).await?;
            if !rows.is_empty() {
                let txn = db.begin().await?;
                rows.send(&txn).await?;
                txn.commit().await?;
            }
        }
        Ok(applied)
    }
}

/// Which of `names` are tables of the current schema (database, for MySQL), in one query.
async fn existing_tables(db: &DatabaseConnection, names: &[&str]) -> Result<Vec<String>, DbErr> {
    let list = names
        .iter()
        .map(|n| format!("'{}'", n.replace('\'', "''")))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = match Backend::from_sea_orm(db.get_database_backend()) {
        Backend::Postgres => format!(
            "SELECT relname::text FROM pg_class WHERE relkind IN ('r', 'p') AND relnamespace = \
             (SELECT oid FROM pg_namespace WHERE nspname = current_schema()) AND relname IN ({list})"
        ),
        Backend::MySql => format!(
            "SELECT CAST(table_name AS CHAR) FROM information_schema.tables \
             WHERE table_schema = DATABASE() AND table_name IN ({list})"
        ),
        Backend::Sqlite => format!(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ({list})"
        ),
    };
    Ok(texts(db, &sql).await?.into_iter().flatten().collect())
}

/// Whether the event log records a finished adoption.
async fn adopted(db: &DatabaseConnection) -> Result<bool, DbErr> {
    let sql = format!(
        "SELECT action FROM {EVENTS_TABLE} WHERE action = '{}' LIMIT 1",
        Action::Adopt.as_str()
    );
    Ok(!texts(db, &sql).await?.is_empty())
}

/// Reads the stock runner's table.
async fn legacy_rows(db: &DatabaseConnection, legacy_table: &str) -> Result<Vec<LegacyRow>, DbErr> {
    let query = Query::select()
        .columns([Alias::new("version"), Alias::new("applied_at")])
        .from(Alias::new(legacy_table))
        .order_by(Alias::new("version"), Order::Asc)
        .to_owned();
    let rows = db.query_all(&query).await?;
    rows.iter()
        .map(|row| {
            Ok(LegacyRow {
                version: row.try_get("", "version")?,
                applied_at: row.try_get("", "applied_at")?,
            })
        })
        .collect()
}
