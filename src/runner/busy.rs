//! A migration that gave way to the application: telling a lock wait timeout from other
//! failures, which tables the migration touches, and who holds locks on them.

use crate::db::connect::db_words;
use crate::db::{Backend, texts};
use sea_orm::{DatabaseConnection, DbErr, RuntimeErr};
use sqlparser::ast::visit_relations;
use std::ops::ControlFlow;

/// Whether `err` is a statement that gave up waiting for a lock: PostgreSQL's
/// `lock_not_available` (55P03, raised by `lock_timeout`), MySQL/MariaDB's 1205 (for row and
/// metadata locks alike), SQLite's "database is locked" (busy timeout).
pub(crate) fn is_lock_timeout(err: &DbErr, backend: Backend) -> bool {
    let sqlx = match err {
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) | DbErr::Conn(RuntimeErr::SqlxError(e)) => Some(e),
        _ => None,
    };
    let code = sqlx.and_then(|e| e.as_database_error()).and_then(|d| d.code().map(|c| c.into_owned()));
    let words = db_words(err).to_ascii_lowercase();
    match backend {
        Backend::Postgres => code.as_deref() == Some("55P03"),
        Backend::MySql => words.starts_with("1205") || words.contains("lock wait timeout exceeded"),
        Backend::Sqlite => words.contains("database is locked") || words.contains("database table is locked"),
    }
}

/// The tables `statements` name (in any role: altered, read, referenced), without quotes or
/// schema, each once.
pub(crate) fn tables(statements: &[String], backend: Backend) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for sql in statements {
        let parsed = crate::lint::parse_statements(sql, backend);
        let _ = visit_relations(&parsed, |relation| {
            let name = crate::lint::bare_name(relation);
            if !found.contains(&name) {
                found.push(name);
            }
            ControlFlow::<()>::Continue(())
        });
    }
    found
}

/// Who holds locks on `tables` now, one sentence each, for the message of a migration that gave
/// way; empty when nothing can be seen (a user without the privilege to see other sessions).
pub(crate) async fn blockers(db: &DatabaseConnection, backend: Backend, tables: &[String]) -> Vec<String> {
    let list = tables
        .iter()
        .map(|t| format!("'{}'", t.replace('\'', "''")))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = match backend {
        Backend::Postgres if !tables.is_empty() => format!(
            "SELECT DISTINCT format('%s is held by pid %s (%s, %s%s%s)', c.relname, a.pid, \
               COALESCE(NULLIF(a.application_name, ''), a.usename::text, 'another session'), \
               COALESCE(a.state, 'unknown state'), \
               CASE WHEN a.xact_start IS NULL THEN '' ELSE format(', transaction open %ss since %s UTC', \
                 floor(extract(epoch FROM now() - a.xact_start))::int, to_char(a.xact_start AT TIME ZONE 'UTC', 'HH24:MI:SS')) END, \
               CASE WHEN a.query IS NULL OR a.query = '' THEN '' ELSE ': ' || left(regexp_replace(a.query, '\\s+', ' ', 'g'), 60) END) \
             FROM pg_locks l \
             JOIN pg_class c ON c.oid = l.relation \
             JOIN pg_stat_activity a ON a.pid = l.pid \
             WHERE l.granted AND l.pid <> pg_backend_pid() AND c.relname IN ({list}) \
               AND c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())"
        ),
        // Metadata locks are seen only with performance_schema, which MariaDB leaves off: the
        // oldest open transactions of other sessions are the likely holders.
        Backend::MySql => "SELECT CONCAT('a transaction of ', p.USER, '@', p.HOST, ' (id ', p.ID, ', ', p.COMMAND, \
               ', open ', TIMESTAMPDIFF(SECOND, t.trx_started, NOW()), 's since ', DATE_FORMAT(t.trx_started, '%H:%i:%s'), \
               IFNULL(CONCAT(': ', LEFT(p.INFO, 60)), ''), ')') \
             FROM information_schema.INNODB_TRX t JOIN information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id \
             WHERE p.ID <> CONNECTION_ID() ORDER BY t.trx_started LIMIT 3"
            .to_string(),
        _ => return vec!["another connection holds a lock on the database file".into()],
    };
    texts(db, &sql).await.map(|rows| rows.into_iter().flatten().collect()).unwrap_or_default()
}
