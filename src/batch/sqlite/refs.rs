//! Other tables' foreign keys to the table being rebuilt: the ON DELETE actions that dropping
//! the old table would fire, and the foreign key check that closes a rebuild.
//!
//! Inside a transaction SQLite cannot stop enforcing foreign keys, so `DROP TABLE` first
//! deletes every row of the old table as `DELETE` would. With `defer_foreign_keys` on, a
//! NO ACTION or RESTRICT reference only counts a violation, which putting the rows back under
//! the same name undoes; but CASCADE, SET NULL and SET DEFAULT act on the referencing rows
//! at once, so a rebuild is refused where such references have rows.

use super::live::rows;
use crate::batch::{BatchError, error::Target};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement};

/// A foreign key of `child` to the table being rebuilt.
pub(super) struct Incoming {
    pub child: String,
    pub columns: Vec<String>,
    pub on_delete: String,
}

/// The foreign keys of other tables that reference `table`.
pub(super) async fn incoming<C: ConnectionTrait>(
    conn: &C,
    target: &Target,
    table: &str,
) -> Result<Vec<Incoming>, BatchError> {
    let sql = "SELECT m.name, f.id, f.\"from\", f.on_delete FROM sqlite_master m \
               JOIN pragma_foreign_key_list(m.name) f \
               WHERE m.type = 'table' AND f.\"table\" = ?1 COLLATE NOCASE \
               AND m.name <> ?1 COLLATE NOCASE ORDER BY m.name, f.id, f.seq";
    let read = async {
        let mut found: Vec<(i64, Incoming)> = Vec::new();
        for row in rows(conn, sql, vec![table.into()]).await? {
            let child: String = row.try_get_by_index(0)?;
            let id: i64 = row.try_get_by_index(1)?;
            let column: String = row.try_get_by_index(2)?;
            match found.last_mut() {
                Some((last, fk)) if *last == id && fk.child == child => fk.columns.push(column),
                _ => found.push((id, Incoming {
                    child,
                    columns: vec![column],
                    on_delete: row.try_get_by_index::<String>(3)?.to_ascii_uppercase(),
                })),
            }
        }
        Ok::<_, DbErr>(found.into_iter().map(|(_, fk)| fk).collect())
    };
    read.await
        .map_err(|e| target.failed("reading the foreign keys that reference the table", &e))
}

/// Refuses when foreign keys are enforced and a reference with a CASCADE, SET NULL or SET
/// DEFAULT delete action has rows that dropping the old table would change.
pub(super) async fn refuse_cascades<C: ConnectionTrait>(
    conn: &C,
    target: &Target,
    table: &str,
    incoming: &[Incoming],
) -> Result<(), BatchError> {
    let step = "checking the references to the table";
    if !pragma_on(conn, "foreign_keys").await.map_err(|e| target.failed(step, &e))? {
        return Ok(());
    }
    for fk in incoming {
        let (action, effect) = match fk.on_delete.as_str() {
            "CASCADE" => ("CASCADE", "delete"),
            "SET NULL" => ("SET NULL", "set to NULL the references of"),
            "SET DEFAULT" => ("SET DEFAULT", "reset the references of"),
            _ => continue,
        };
        if has_references(conn, fk).await.map_err(|e| target.failed(step, &e))? {
            super::want_foreign_keys_off();
            return Err(BatchError::CascadingReferences {
                table: table.to_string(),
                child: fk.child.clone(),
                action,
                effect,
            });
        }
    }
    Ok(())
}

async fn has_references<C: ConnectionTrait>(conn: &C, fk: &Incoming) -> Result<bool, DbErr> {
    let quote = crate::batch::def::quote;
    let present: Vec<String> = fk.columns.iter().map(|c| format!("{} IS NOT NULL", quote(c))).collect();
    let sql = format!(
        "SELECT 1 FROM {} WHERE {} LIMIT 1",
        quote(&fk.child),
        present.join(" AND ")
    );
    Ok(!rows(conn, &sql, Vec::new()).await?.is_empty())
}

/// Whether the connection-level PRAGMA `name` is on.
pub(super) async fn pragma_on<C: ConnectionTrait>(conn: &C, name: &str) -> Result<bool, DbErr> {
    let stmt = Statement::from_string(DbBackend::Sqlite, format!("PRAGMA {name}"));
    match conn.query_one_raw(stmt).await? {
        Some(row) => Ok(row.try_get_by_index::<i64>(0)? != 0),
        None => Ok(false),
    }
}

/// `PRAGMA foreign_key_check` on `table` and on every table that references it; the first
/// violation found is the error.
pub(super) async fn check<C: ConnectionTrait>(
    conn: &C,
    target: &Target,
    table: &str,
    incoming: &[Incoming],
) -> Result<(), BatchError> {
    let mut tables = vec![table.to_string()];
    for fk in incoming {
        if !tables.contains(&fk.child) {
            tables.push(fk.child.clone());
        }
    }
    let sql = "SELECT \"table\", rowid, parent FROM pragma_foreign_key_check(?1)";
    for child in tables {
        let found = rows(conn, sql, vec![child.as_str().into()])
            .await
            .map_err(|e| target.failed("checking foreign keys", &e))?;
        let Some(first) = found.first() else { continue };
        let get = |i| first.try_get_by_index::<Option<String>>(i).ok().flatten().unwrap_or_default();
        return Err(BatchError::ForeignKeyViolation {
            table: target.table.clone(),
            child: get(0),
            parent: get(2),
            count: found.len(),
            rowid: first.try_get_by_index::<Option<i64>>(1).ok().flatten().unwrap_or_default(),
        });
    }
    Ok(())
}
