//! One database session for a whole run: the migration lock is taken on it and every migration
//! runs on it, so a run whose connection is ended (by a proxy, a DBA or the network) loses the
//! lock and the ability to go on at the same moment, and can never apply anything without it.
//!
//! A sea-orm connection is a pool; a session is a pool of exactly one connection that never
//! opens a second one: a new connection would not hold the lock. sqlx retries a failing
//! `after_connect` until the acquire timeout, opening a real connection each time, so once the
//! first connection is up the pool's address is pointed at a path that cannot exist, and any
//! later attempt to connect fails at once. (No crate offers a pinned connection that sea-orm's
//! `SchemaManager` accepts; this is the smallest way to get one.)

use super::connect::{ConnectError, ConnectSettings, connect_error, probing, quote_ident, use_schema};
use super::url::{Backend, DatabaseUrl};
use sea_orm::sqlx::{self, ConnectOptions as _};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseConnectionType, DbErr, RuntimeErr, SqlxMySqlConnector,
    SqlxPostgresConnector, Statement,
};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Where a lost session's pool is sent to reconnect: nothing can listen there.
const DEAD_END: &str = "/nonexistent/seamigrate-session-closed";

/// The name a session shows in `pg_stat_activity` and MySQL's process list.
pub const APPLICATION_NAME: &str = "seamigrate";

/// A single pinned connection (see the module docs). Cheap to clone; clones share it.
#[derive(Clone)]
pub struct Session {
    db: DatabaseConnection,
    backend: Backend,
    /// The URL it was opened from, when it was.
    url: Option<DatabaseUrl>,
    state: Arc<State>,
}

struct State {
    /// Whether losing the connection can be noticed: false for SQLite, whose lock is a file
    /// lock held by the process, and whose pool is used as it is.
    pinned: bool,
    lost: AtomicBool,
    /// A node of a MariaDB Galera cluster (`wsrep_on`), whose reads were made causal.
    clustered: AtomicBool,
    /// How a MySQL session connected, for [`Session::twin`].
    mysql_options: std::sync::Mutex<Option<sqlx::mysql::MySqlConnectOptions>>,
    /// The SQL of the last statement the database refused (placeholders, never values), so a
    /// failure can say which statement of a migration it was.
    refused: std::sync::Mutex<Option<String>>,
}

impl Session {
    /// Opens a session on `url`.
    pub async fn open(url: &DatabaseUrl, settings: &ConnectSettings) -> Result<Session, ConnectError> {
        super::tls::check_files(url)?;
        let failed = |e: sqlx::Error| connect_error(url, &DbErr::Conn(RuntimeErr::SqlxError(Arc::new(e))));
        let timeout = settings.connect_timeout;
        let mut remembered = None;
        let db = match url.backend() {
            Backend::Postgres => {
                let mut options: sqlx::postgres::PgConnectOptions = url.expose().parse().map_err(failed)?;
                if let Some(schema) = settings.schema.as_deref() {
                    // A startup parameter: no round trip, and every statement sees it.
                    options = options.options([("search_path", quote_ident(schema))]);
                }
                probing(url, timeout, async { postgres(options, timeout).await.map_err(failed) }).await?
            }
            Backend::MySql => {
                let options: sqlx::mysql::MySqlConnectOptions = url.expose().parse().map_err(failed)?;
                remembered = Some(options.clone());
                probing(url, timeout, async { mysql(options, timeout).await.map_err(failed) }).await?
            }
            Backend::Sqlite => {
                let db = super::connect(url, settings).await?;
                return Ok(Session::unpinned(db).opened_from(url));
            }
        };
        if let Some(schema) = settings.schema.as_deref() {
            use_schema(&db, url, schema, settings.create_schema).await?;
        }
        let mut session = Session::pinned(db).opened_from(url);
        if let Some(options) = remembered {
            session = session.remembering(options);
            session.join_cluster().await;
        }
        Ok(session)
    }

    /// A session of its own beside the pool `db`, opened with the pool's connection options and
    /// its `search_path`; for SQLite, the pool itself.
    pub async fn beside(db: &DatabaseConnection) -> Result<Session, DbErr> {
        let sqlx_err = |e: sqlx::Error| DbErr::Conn(RuntimeErr::SqlxError(Arc::new(e)));
        let timeout = Duration::from_secs(30);
        match &db.inner {
            DatabaseConnectionType::SqlxPostgresPoolConnection(_) => {
                let pool = db.get_postgres_connection_pool();
                let row = db
                    .query_one_raw(Statement::from_string(
                        db.get_database_backend(),
                        "SELECT current_setting('search_path') AS path",
                    ))
                    .await?;
                let path: Option<String> = match row {
                    Some(row) => row.try_get("", "path")?,
                    None => None,
                };
                let mut options = (*pool.connect_options()).clone();
                refuse_a_session(options.get_socket())?;
                if let Some(path) = path {
                    options = options.options([("search_path", path)]);
                }
                let timeout = pool.options().get_acquire_timeout().max(timeout);
                Ok(Session::pinned(postgres(options, timeout).await.map_err(sqlx_err)?))
            }
            DatabaseConnectionType::SqlxMySqlPoolConnection(_) => {
                let pool = db.get_mysql_connection_pool();
                let options = (*pool.connect_options()).clone();
                refuse_a_session(options.get_socket())?;
                let timeout = pool.options().get_acquire_timeout().max(timeout);
                let session = Session::pinned(mysql(options.clone(), timeout).await.map_err(sqlx_err)?).remembering(options);
                session.join_cluster().await;
                Ok(session)
            }
            // SQLite (its lock is the process's), or a connection that is not a sqlx pool.
            _ => Ok(Session::unpinned(db.clone())),
        }
    }

    /// Points the session at PostgreSQL schema `schema` of the database at `url` (creating it
    /// when `create`), so that one connection serves the schemas of many tenants in turn.
    pub async fn switch_schema(&self, url: &DatabaseUrl, schema: &str, create: bool) -> Result<(), ConnectError> {
        let sql = format!("SET search_path TO {}", quote_ident(schema));
        self.db.execute_unprepared(&sql).await.map_err(|e| connect_error(url, &e))?;
        use_schema(&self.db, url, schema, create).await
    }

    /// On a node of a MariaDB Galera cluster (`wsrep_on`), makes the session's reads and writes
    /// causal (`wsrep_sync_wait`): each first waits until the node has applied what the cluster
    /// committed before it, so a run that waited for another's lock on another node sees what
    /// that run did. Elsewhere (MySQL, a single MariaDB) nothing changes.
    async fn join_cluster(&self) {
        if self.backend != Backend::MySql {
            return;
        }
        let on = self.texts("SELECT CAST(@@wsrep_on AS CHAR)").await;
        let clustered = matches!(on.as_deref(), Ok([Some(v)]) if v == "1" || v.eq_ignore_ascii_case("ON"));
        if clustered && self.db.execute_unprepared("SET SESSION wsrep_sync_wait = 7").await.is_ok() {
            self.state.clustered.store(true, Ordering::SeqCst);
        }
    }

    fn remembering(self, options: sqlx::mysql::MySqlConnectOptions) -> Session {
        *self.state.mysql_options.lock().unwrap_or_else(|p| p.into_inner()) = Some(options);
        self
    }

    /// A second session to the same MySQL/MariaDB server and database, opened as this one was:
    /// for work beside the run that must not wait for its connection (a cluster lease's
    /// heartbeat).
    pub(crate) async fn twin(&self) -> Result<Session, DbErr> {
        let options = self.state.mysql_options.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let options = options.ok_or_else(|| DbErr::Custom("this session cannot open a twin: it is not a MySQL session".into()))?;
        let db = mysql(options, Duration::from_secs(30)).await.map_err(|e| DbErr::Conn(RuntimeErr::SqlxError(Arc::new(e))))?;
        let twin = Session::pinned(db);
        twin.join_cluster().await;
        Ok(twin)
    }

    /// Whether the session is on a node of a MariaDB Galera cluster.
    pub fn is_clustered(&self) -> bool {
        self.state.clustered.load(Ordering::SeqCst)
    }

    fn pinned(db: DatabaseConnection) -> Session {
        Session::with(db, true)
    }

    fn unpinned(db: DatabaseConnection) -> Session {
        Session::with(db, false)
    }

    fn opened_from(mut self, url: &DatabaseUrl) -> Session {
        self.url = Some(url.clone());
        self
    }

    /// The URL the session was opened from (none for one opened beside a pool).
    pub fn url(&self) -> Option<&DatabaseUrl> {
        self.url.as_ref()
    }

    fn with(mut db: DatabaseConnection, pinned: bool) -> Session {
        let state = Arc::new(State {
            pinned,
            lost: AtomicBool::new(false),
            clustered: AtomicBool::new(false),
            mysql_options: Default::default(),
            refused: Default::default(),
        });
        let seen = Arc::clone(&state);
        db.set_metric_callback(move |info| {
            if info.failed
                && let Ok(mut refused) = seen.refused.lock()
            {
                *refused = Some(info.statement.sql.clone());
            }
        });
        Session { backend: Backend::from_sea_orm(db.get_database_backend()), url: None, db, state }
    }

    /// The last statement the database refused since the last call, shortened to one line,
    /// its string literals emptied (a statement written as text may hold a secret in one);
    /// statements sent with `execute_unprepared` are not seen.
    pub fn take_refused_statement(&self) -> Option<String> {
        let sql = self.state.refused.lock().ok()?.take()?;
        let line = without_literals(&sql).split_whitespace().collect::<Vec<_>>().join(" ");
        const MAX: usize = 160;
        Some(match line.char_indices().nth(MAX) {
            Some((cut, _)) => format!("{}...", &line[..cut]),
            None => line,
        })
    }

    /// The connection, as sea-orm uses it.
    pub fn connection(&self) -> &DatabaseConnection {
        &self.db
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Whether the session is known to have lost its connection (without asking the server).
    pub fn is_lost(&self) -> bool {
        self.state.lost.load(Ordering::SeqCst)
    }

    /// Whether the connection still stands: one round trip, for after an error, to tell a
    /// failed statement from a lost connection.
    pub async fn is_alive(&self) -> bool {
        if !self.state.pinned {
            return true;
        }
        if self.is_lost() {
            return false;
        }
        let alive = self.db.execute_unprepared("SELECT 1").await.is_ok();
        if !alive {
            self.state.lost.store(true, Ordering::SeqCst);
        }
        alive
    }

    /// See [`texts`].
    pub async fn texts(&self, sql: &str) -> Result<Vec<Option<String>>, DbErr> {
        texts(&self.db, sql).await
    }

    /// Closes the connection (which releases whatever lock it still holds).
    pub async fn close(self) {
        if self.state.pinned {
            let _ = self.db.close_by_ref().await;
        }
    }
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("backend", &self.backend)
            .field("lost", &self.is_lost())
            .finish()
    }
}

/// A session's own connection cannot be the pool a second session is opened beside: its
/// address is the dead end.
fn refuse_a_session(socket: Option<&std::path::PathBuf>) -> Result<(), DbErr> {
    if socket.is_some_and(|s| s.as_os_str() == DEAD_END) {
        return Err(DbErr::Custom(
            "this connection is a seamigrate session's, which opens no other; hand the session \
             itself to the runner"
                .into(),
        ));
    }
    Ok(())
}

/// Pool settings every session shares: one connection, kept however long the run lasts, not
/// pinged before use (a dead connection must fail the statement, not be replaced).
fn one_connection<DB: sqlx::Database>(timeout: Duration) -> sqlx::pool::PoolOptions<DB> {
    sqlx::pool::PoolOptions::new()
        .max_connections(1)
        .min_connections(0)
        .acquire_timeout(timeout)
        .idle_timeout(None)
        .max_lifetime(None)
        .test_before_acquire(false)
}

async fn postgres(
    options: sqlx::postgres::PgConnectOptions,
    timeout: Duration,
) -> Result<DatabaseConnection, sqlx::Error> {
    // Each migration's statements run once: caching them as prepared statements only costs a
    // round trip each time one is evicted from the cache (every migration after the hundredth).
    let options = options
        .application_name(APPLICATION_NAME)
        .statement_cache_capacity(0)
        .disable_statement_logging();
    let pool = one_connection::<sqlx::Postgres>(timeout).connect_with(options).await?;
    pool.set_connect_options(sqlx::postgres::PgConnectOptions::new_without_pgpass().socket(DEAD_END));
    Ok(SqlxPostgresConnector::from_sqlx_postgres_pool(pool))
}

async fn mysql(
    options: sqlx::mysql::MySqlConnectOptions,
    timeout: Duration,
) -> Result<DatabaseConnection, sqlx::Error> {
    let options = options.statement_cache_capacity(0).disable_statement_logging();
    let pool = one_connection::<sqlx::MySql>(timeout).connect_with(options).await?;
    pool.set_connect_options(sqlx::mysql::MySqlConnectOptions::new().socket(DEAD_END));
    Ok(SqlxMySqlConnector::from_sqlx_mysql_pool(pool))
}

/// The first column of the rows `sql` returns, as text (NULL as `None`), sent unprepared: one
/// round trip where a prepared statement costs two, for the runner's own catalog and lock
/// queries. `sql` must produce text (cast numbers and booleans) and inline its values.
pub async fn texts(db: &DatabaseConnection, sql: &str) -> Result<Vec<Option<String>>, DbErr> {
    texts_at(db, sql, 0).await
}

/// As [`texts`], column `index` of the rows (of every result, for several statements).
pub async fn texts_at(db: &DatabaseConnection, sql: &str, index: usize) -> Result<Vec<Option<String>>, DbErr> {
    let query_err = |e: sqlx::Error| DbErr::Query(RuntimeErr::SqlxError(Arc::new(e)));
    match &db.inner {
        DatabaseConnectionType::SqlxPostgresPoolConnection(_) => {
            column(db.get_postgres_connection_pool(), sql, index).await.map_err(query_err)
        }
        DatabaseConnectionType::SqlxMySqlPoolConnection(_) => {
            column(db.get_mysql_connection_pool(), sql, index).await.map_err(query_err)
        }
        _ => {
            let stmt = Statement::from_string(db.get_database_backend(), sql);
            let rows = db.query_all_raw(stmt).await?;
            rows.iter().map(|r| r.try_get_by_index(index)).collect()
        }
    }
}

async fn column<DB: sqlx::Database>(
    pool: &sqlx::Pool<DB>,
    sql: &str,
    index: usize,
) -> Result<Vec<Option<String>>, sqlx::Error>
where
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'r> Option<String>: sqlx::Decode<'r, DB> + sqlx::Type<DB>,
    usize: sqlx::ColumnIndex<DB::Row>,
{
    use sqlx::Row;
    let rows = sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string())).fetch_all(pool).await?;
    rows.iter().map(|r| r.try_get(index)).collect()
}

/// `sql` with the text of every single-quoted literal replaced by `...` (a doubled quote
/// inside one is part of it).
fn without_literals(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        if c != '\'' {
            continue;
        }
        out.push_str("...");
        while let Some(inner) = chars.next() {
            if inner == '\'' && chars.peek() != Some(&'\'') {
                out.push('\'');
                break;
            }
            if inner == '\'' {
                chars.next();
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn literals_are_emptied() {
        let sql = "INSERT INTO t (k) VALUES ('hunter2''s key', 'x') -- done";
        assert_eq!(super::without_literals(sql), "INSERT INTO t (k) VALUES ('...', '...') -- done");
    }
}
