//! Installing the history tables, and keeping them in step with the stock sea-orm runner's
//! `seaql_migrations`: rows the stock runner recorded that seamigrate has not (a database it
//! managed before, or again for a while) become applied rows here, so nothing re-runs; and
//! every row seamigrate writes is mirrored there ([`Writes`]), so the stock runner could take
//! over again.
//!
//! Adopting is idempotent (it adds what is missing) and its rows commit together with their
//! `adopt` event: in the same transaction as the tables on PostgreSQL and SQLite; on
//! MySQL/MariaDB, whose CREATE TABLE commits at once, after the tables. A run killed half way
//! leaves either nothing or everything of it, and the next run adopts what is still missing;
//! until then `status` counts the stock runner's records as applied.

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
    /// Whether the stock runner's table exists.
    pub has_stock: bool,
    /// The stock runner's table's name.
    pub stock: String,
    /// seamigrate's own rows.
    pub applied: Vec<AppliedRow>,
    /// The stock runner's rows seamigrate has not recorded yet.
    pub to_adopt: Vec<LegacyRow>,
}

impl Snapshot {
    /// Reads the history of the database behind `db`; `stock` is the stock runner's table.
    pub async fn read(db: &DatabaseConnection, stock: &str) -> Result<Snapshot, DbErr> {
        let tables = existing_tables(db, &[MIGRATIONS_TABLE, EVENTS_TABLE, stock]).await?;
        let has = |name: &str| tables.iter().any(|t| t == name);
        let mut snapshot = Snapshot {
            installed: has(MIGRATIONS_TABLE),
            has_events: has(EVENTS_TABLE),
            has_stock: has(stock),
            stock: stock.to_string(),
            ..Snapshot::default()
        };
        if snapshot.installed {
            snapshot.applied = HistoryStore::on(db).applied().await?;
        }
        if snapshot.has_stock {
            let applied = &snapshot.applied;
            snapshot.to_adopt = legacy_rows(db, stock)
                .await?
                .into_iter()
                .filter(|row| !applied.iter().any(|r| r.version == row.version))
                .collect();
        }
        Ok(snapshot)
    }

    /// Whether nothing of any history is there: a database no runner has touched.
    pub fn is_fresh(&self) -> bool {
        !self.installed && !self.has_events && !self.has_stock
    }

    /// Whether a run must install tables or adopt the stock runner's rows before anything else.
    pub fn needs_install(&self) -> bool {
        !self.installed || !self.has_events || !self.has_stock || !self.to_adopt.is_empty()
    }

    /// The applied rows as they will be once installed: seamigrate's own, and the stock
    /// runner's not yet adopted (without checksums).
    pub fn applied_rows(&self) -> Vec<AppliedRow> {
        let mut rows = self.applied.clone();
        rows.extend(self.to_adopt.iter().map(|legacy| legacy.to_applied(None)));
        rows.sort_by(|a, b| a.version.cmp(&b.version));
        rows
    }

    /// Creates the missing tables and adopts the stock runner's rows, each adopted version with
    /// the checksum `checksum` gives it; returns the applied rows afterwards.
    pub async fn install(
        &self,
        db: &DatabaseConnection,
        checksum: impl Fn(&str) -> Option<String>,
    ) -> Result<Vec<AppliedRow>, DbErr> {
        let backend = db.get_database_backend();
        let mut tables = Writes::new(backend, &self.stock);
        tables.install();
        let mut rows = Writes::new(backend, &self.stock);
        let mut applied = self.applied.clone();
        if !self.has_stock {
            // A database installed before seamigrate kept the stock table in step.
            for row in &applied {
                rows.mirror_applied(row);
            }
        }
        for row in &self.to_adopt {
            let row = row.to_applied(checksum(&row.version));
            rows.insert_applied(&row);
            applied.push(row);
        }
        if let Some(last) = self.to_adopt.last() {
            rows.append(NewEvent {
                action: Action::Adopt,
                version: Some(last.version.clone()),
                outcome: Outcome::Ok,
                duration_ms: None,
                message: Some(format!(
                    "adopted {} migration(s) recorded by the stock sea-orm runner",
                    self.to_adopt.len()
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
