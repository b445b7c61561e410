//! The backfills over `credentials`' secret columns: sealing plaintext (a database from before
//! encryption), opening everything again (that migration's down()), and re-sealing under a new
//! key (the `rotate-credentials` task). Each walks the table in batches that resume where a
//! cut-off run stopped. Errors name the row and column, never a value or a key.

use entity::sealed::{Keys, key_id};
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, Statement};
use seamigrate::backfill::{self, Row, Summary, Update};

/// The columns that hold secrets.
pub const SECRET_COLUMNS: [&str; 3] = ["client_id", "client_secret", "refresh_token"];

/// Rows per batch: each value costs a seal or open in the process, so batches stay short.
const BATCH_SIZE: u64 = 1_000;

/// The keys from the environment; `None` while seamigrate only reads the migration (which needs
/// no key). A missing or malformed key refuses in one line naming the variable.
pub fn keys(manager: &SchemaManager<'_>) -> Result<Option<Keys>, DbErr> {
    if backfill::is_dry_run(manager) {
        return Ok(None);
    }
    Keys::from_env().map(Some).map_err(|e| DbErr::Migration(e.to_string()))
}

/// Seals every secret still in plaintext under the current key; sealed values stay as they are.
pub async fn seal_plaintext(manager: &SchemaManager<'_>, keys: Option<&Keys>) -> Result<Summary, DbErr> {
    walk("seal credentials").update_rows(manager, &SECRET_COLUMNS, |row| {
        let keys = keys.ok_or_else(no_keys)?;
        each_secret(row, |value| Ok((key_id(value).is_none()).then(|| keys.seal(value))))
    })
    .await
}

/// Opens every sealed secret back into plaintext (with the current or the previous key).
pub async fn open_all(manager: &SchemaManager<'_>, keys: Option<&Keys>) -> Result<Summary, DbErr> {
    walk("open credentials").update_rows(manager, &SECRET_COLUMNS, |row| {
        let keys = keys.ok_or_else(no_keys)?;
        each_secret(row, |value| match key_id(value) {
            Some(_) => keys.open(value).map(Some).map_err(|e| DbErr::Migration(e.to_string())),
            None => Ok(None),
        })
    })
    .await
}

/// Re-seals under the current key every secret sealed under another (the previous key);
/// values under the current key, and plaintext, stay as they are. Returns how many were
/// re-sealed.
pub async fn reseal(manager: &SchemaManager<'_>, keys: &Keys) -> Result<u64, DbErr> {
    let mut resealed = 0u64;
    walk("rotate credentials")
        .update_rows(manager, &SECRET_COLUMNS, |row| {
            each_secret(row, |value| {
                if key_id(value).is_none() || keys.is_current(value) {
                    return Ok(None);
                }
                let plain = keys.open(value).map_err(|e| DbErr::Migration(e.to_string()))?;
                resealed += 1;
                Ok(Some(keys.seal(&plain)))
            })
        })
        .await?;
    Ok(resealed)
}

/// How many secret values each key seals now (`plaintext` for values not sealed), by key id.
pub async fn values_by_key<C: ConnectionTrait>(conn: &C) -> Result<Vec<(String, i64)>, DbErr> {
    let backend = conn.get_database_backend();
    let mut counts: Vec<(String, i64)> = Vec::new();
    for column in SECRET_COLUMNS {
        let sql = format!(
            "SELECT CASE WHEN {column} LIKE 'k________:%' THEN SUBSTR({column}, 1, 9) ELSE 'plaintext' END AS key_id, \
             COUNT(*) AS n FROM credentials WHERE {column} IS NOT NULL GROUP BY 1"
        );
        for row in conn.query_all_raw(Statement::from_string(backend, sql)).await? {
            let (id, n): (String, i64) = (row.try_get("", "key_id")?, row.try_get("", "n")?);
            match counts.iter_mut().find(|(k, _)| *k == id) {
                Some((_, total)) => *total += n,
                None => counts.push((id, n)),
            }
        }
    }
    counts.sort();
    Ok(counts)
}

/// `k1a2b3c4d: 2,000, plaintext: 3`.
pub fn describe_counts(counts: &[(String, i64)]) -> String {
    if counts.is_empty() {
        return "no values".to_string();
    }
    counts.iter().map(|(k, n)| format!("{k}: {n}")).collect::<Vec<_>>().join(", ")
}

fn walk(name: &str) -> backfill::Backfill {
    backfill::table("credentials").named(name).key(["id"]).batch_size(BATCH_SIZE)
}

/// The row's new secret values: `change` gives each non-null value's replacement, if any.
fn each_secret(row: &Row<'_>, mut change: impl FnMut(&str) -> Result<Option<String>, DbErr>) -> Result<Update, DbErr> {
    let mut update = Update::new();
    for column in SECRET_COLUMNS {
        let value: Option<String> = row.get(column)?;
        let Some(value) = value else { continue };
        match change(&value) {
            Ok(Some(new)) => update = update.set(column, new),
            Ok(None) => {}
            Err(DbErr::Migration(why)) => return Err(DbErr::Migration(format!("column {column}: {why}"))),
            Err(other) => return Err(other),
        }
    }
    Ok(update)
}

fn no_keys() -> DbErr {
    DbErr::Migration("no credentials key was read".into())
}
