//! Dropping every table (and PostgreSQL enum type) for `fresh`, except the event log, which
//! keeps the record of the wipe itself.
//!
//! Listing what exists is backend-specific catalog SQL; it all lives here.

use crate::db::Backend;
use crate::history::EVENTS_TABLE;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, Statement, TransactionTrait};
use sea_orm_migration::prelude::extension::postgres::Type;
use sea_orm_migration::prelude::*;

pub(crate) async fn drop_everything(db: &DatabaseConnection, backend: Backend) -> Result<(), DbErr> {
    match backend {
        Backend::Postgres => {
            let txn = db.begin().await?;
            for table in names(&txn, "SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema()").await? {
                txn.execute(&drop_table(&table)).await?;
            }
            let enums = "SELECT t.typname AS name FROM pg_type t JOIN pg_namespace n \
                         ON n.oid = t.typnamespace WHERE n.nspname = current_schema() \
                         AND t.typtype = 'e'";
            for name in names(&txn, enums).await? {
                txn.execute(&Type::drop().name(Alias::new(name)).if_exists().cascade().to_owned())
                    .await?;
            }
            txn.commit().await
        }
        Backend::MySql => {
            // A transaction pins one session, so the FOREIGN_KEY_CHECKS switch applies to the
            // drops; each DROP commits on its own regardless.
            let txn = db.begin().await?;
            raw(&txn, "SET FOREIGN_KEY_CHECKS = 0").await?;
            let tables = "SELECT table_name AS name FROM information_schema.tables \
                          WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE'";
            // A Galera cluster's lock row is held by this very run.
            let lock = crate::lock::galera::LOCK_TABLE;
            for table in names(&txn, tables).await?.into_iter().filter(|t| t != lock) {
                txn.execute(&drop_table(&table)).await?;
            }
            raw(&txn, "SET FOREIGN_KEY_CHECKS = 1").await?;
            txn.commit().await
        }
        Backend::Sqlite => {
            // The SQLite pool has one connection, and the pragma only works outside a transaction.
            raw(db, "PRAGMA foreign_keys = OFF").await?;
            let tables = "SELECT name FROM sqlite_master WHERE type = 'table' \
                          AND name NOT LIKE 'sqlite_%'";
            let result = async {
                for table in names(db, tables).await? {
                    db.execute(&drop_table(&table)).await?;
                }
                Ok(())
            }
            .await;
            raw(db, "PRAGMA foreign_keys = ON").await?;
            result
        }
    }
}

fn drop_table(name: &str) -> TableDropStatement {
    Table::drop()
        .table(Alias::new(name))
        .if_exists()
        .cascade()
        .to_owned()
}

async fn names<C: ConnectionTrait>(conn: &C, sql: &str) -> Result<Vec<String>, DbErr> {
    let rows = conn
        .query_all_raw(Statement::from_string(conn.get_database_backend(), sql))
        .await?;
    let mut names = Vec::with_capacity(rows.len());
    for row in rows {
        let name: String = row.try_get("", "name")?;
        if name != EVENTS_TABLE {
            names.push(name);
        }
    }
    Ok(names)
}

async fn raw<C: ConnectionTrait>(conn: &C, sql: &str) -> Result<(), DbErr> {
    conn.execute_raw(Statement::from_string(conn.get_database_backend(), sql))
        .await
        .map(drop)
}
