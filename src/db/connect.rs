//! Opening a connection pool with settings a migration run needs.

use super::url::{Backend, DatabaseUrl};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr, Statement,
};
use std::time::Duration;

/// How to connect, beyond the URL.
#[derive(Debug, Clone)]
pub struct ConnectSettings {
    /// PostgreSQL schema to work in (its `search_path`).
    pub schema: Option<String>,
    /// Create the schema if it does not exist (commands that write do; read-only ones do not,
    /// so a mistyped name cannot leave a stray schema behind).
    pub create_schema: bool,
    /// How long to wait for the server before giving up.
    pub connect_timeout: Duration,
}

impl Default for ConnectSettings {
    fn default() -> Self {
        ConnectSettings {
            schema: None,
            create_schema: false,
            connect_timeout: Duration::from_secs(10),
        }
    }
}

/// The database could not be reached; the URL in the message is masked.
#[derive(Debug, thiserror::Error)]
#[error("cannot connect to {url}: {reason}; {hint}")]
pub struct ConnectError {
    pub url: String,
    pub reason: String,
    pub hint: &'static str,
}

/// Connects to `url`. PostgreSQL and MySQL pools hold a few connections, because the run's
/// lock pins one of them for its whole length; SQLite uses one, so that connection-level
/// settings (`PRAGMA foreign_keys`) apply to every statement.
pub async fn connect(
    url: &DatabaseUrl,
    settings: &ConnectSettings,
) -> Result<DatabaseConnection, ConnectError> {
    super::tls::check_files(url)?;
    let mut options = ConnectOptions::new(url.expose().to_string());
    let pool_size = if url.backend() == Backend::Sqlite { 1 } else { 4 };
    options
        .max_connections(pool_size)
        .min_connections(0)
        .connect_timeout(settings.connect_timeout)
        .acquire_timeout(settings.connect_timeout)
        .sqlx_logging(false);
    if let Some(schema) = settings.schema.as_deref() {
        options.set_schema_search_path(quote_ident(schema));
    }
    let connecting = async { Database::connect(options).await.map_err(|e| connect_error(url, &e)) };
    let db = probing(url, settings.connect_timeout, connecting).await?;
    if let Some(schema) = settings.schema.as_deref() {
        use_schema(&db, url, schema, settings.create_schema).await?;
    }
    Ok(db)
}

pub(super) async fn use_schema(
    db: &DatabaseConnection,
    url: &DatabaseUrl,
    schema: &str,
    create: bool,
) -> Result<(), ConnectError> {
    if url.backend() != Backend::Postgres {
        return Err(ConnectError {
            url: url.masked(),
            reason: format!("--database-schema '{schema}' was given"),
            hint: "schemas are a PostgreSQL feature; drop the option for MySQL and SQLite",
        });
    }
    if !create {
        return Ok(());
    }
    // Every pooled connection already has the schema on its search path (set by the driver as
    // it connects); PostgreSQL skips a missing schema there, so creating it now is enough.
    // Existence is checked first: CREATE SCHEMA IF NOT EXISTS needs the CREATE privilege on
    // the database even when the schema is there.
    let exists = db
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT 1 AS found FROM pg_namespace WHERE nspname = $1",
            [schema.into()],
        ))
        .await
        .map_err(|e| connect_error(url, &e))?
        .is_some();
    if !exists {
        let sql = format!("CREATE SCHEMA {}", quote_ident(schema));
        db.execute_unprepared(&sql)
            .await
            .map_err(|e| connect_error(url, &e))?;
    }
    Ok(())
}

/// How long a connection may take before [`probing`] checks that the server listens at all.
const PROBE_AFTER: Duration = Duration::from_millis(250);

/// Awaits `connect`; if it has not finished within a moment, checks whether anything listens
/// at the server's address, and fails at once, with the operating system's words, when nothing
/// does: the pool retries a refused connection until its timeout and then reports only that it
/// timed out. The check waits for a slow connection only: PostgreSQL starts a server process
/// for every connection, a probe's included.
pub(super) async fn probing<T>(
    url: &DatabaseUrl,
    timeout: Duration,
    connect: impl std::future::Future<Output = Result<T, ConnectError>>,
) -> Result<T, ConnectError> {
    tokio::pin!(connect);
    tokio::select! {
        done = &mut connect => return done,
        _ = tokio::time::sleep(PROBE_AFTER) => {}
    }
    probe(url, timeout).await?;
    connect.await
}

/// Fails, with the operating system's words, when nothing listens at the server's address.
async fn probe(url: &DatabaseUrl, timeout: Duration) -> Result<(), ConnectError> {
    let Some((host, port)) = url.address() else {
        return Ok(());
    };
    let unreachable = |reason: String| ConnectError {
        url: url.masked(),
        reason,
        hint: "check the host and port, and that the server is running",
    };
    match tokio::time::timeout(timeout, tokio::net::TcpStream::connect((host, port))).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(unreachable(format!("{host}:{port}: {e}"))),
        Err(_) => Err(unreachable(format!(
            "{host}:{port} did not answer within {}s",
            timeout.as_secs()
        ))),
    }
}

pub(super) fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

pub(super) fn connect_error(url: &DatabaseUrl, err: &DbErr) -> ConnectError {
    let reason = url.redact(&db_words(err));
    let lower = reason.to_ascii_lowercase();
    let hint = if let Some(hint) = super::tls::hint(&lower, url.backend()) {
        hint
    } else if lower.contains("password") || lower.contains("access denied") {
        "check the user name and password in the URL"
    } else if lower.contains("does not exist") || lower.contains("unknown database") {
        "create the database first, or fix its name in the URL"
    } else if lower.contains("permission denied") {
        "the database user lacks a privilege this needs; grant it, or connect as a user that has it"
    } else if lower.contains("unable to open database file")
        && url.sqlite_file().is_some_and(|f| std::path::Path::new(f).is_dir())
    {
        "that path is a directory; name a file in it, as in sqlite://DIR/app.sqlite?mode=rwc"
    } else if lower.contains("unable to open database file") && url.expose().contains("mode=rwc") {
        "check that the file's directory exists and is writable"
    } else if lower.contains("unable to open database file") {
        "check that the file exists; add ?mode=rwc to the URL to create it"
    } else if lower.contains("refused") || lower.contains("timed out") || lower.contains("resolve")
    {
        "check the host and port, and that the server is running"
    } else {
        "check the URL and that the server is running"
    };
    ConnectError {
        url: url.masked(),
        reason,
        hint,
    }
}

/// The database's own words from a sea-orm error, without sea-orm's wrapping.
pub(crate) fn db_words(err: &DbErr) -> String {
    let text = err.to_string();
    let prefixes = [
        "Connection Error: ",
        "Execution Error: ",
        "Query Error: ",
        "error returned from database: ",
        "error communicating with database: ",
    ];
    let mut words = text.as_str();
    loop {
        let before = words;
        for prefix in prefixes {
            words = words.strip_prefix(prefix).unwrap_or(words);
        }
        if before == words {
            break;
        }
    }
    let words = words.trim();
    // PostgreSQL appends the server source line of the error; it helps nobody here.
    match words.rsplit_once(" at line ") {
        Some((head, line)) if line.chars().all(|c| c.is_ascii_digit()) => head.to_string(),
        _ => words.to_string(),
    }
}
