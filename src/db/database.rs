//! Creating and dropping the database a URL names, for `database create|drop` and
//! `up --create-database`: through the server's always-present database on PostgreSQL
//! (`postgres`) and MySQL/MariaDB (`information_schema`), as a file on SQLite.

use super::{Backend, ConnectError, ConnectSettings, DatabaseUrl, connect, texts};
use sea_orm::{ConnectionTrait, DbErr};

/// Why creating or dropping a database failed.
#[derive(Debug, thiserror::Error)]
pub enum DatabaseError {
    #[error(transparent)]
    Connect(#[from] ConnectError),
    /// The server refused; `words` are its own.
    #[error("{what} database '{database}' failed: {words}")]
    Refused { what: &'static str, database: String, words: String },
    #[error("{what} the SQLite file {file} failed: {source}")]
    File { what: &'static str, file: String, source: std::io::Error },
    #[error("an in-memory SQLite database cannot be created or dropped; it lives only while connected")]
    InMemory,
}

/// Creates the database `url` names unless it exists; whether it was created.
pub async fn create(url: &DatabaseUrl, settings: &ConnectSettings) -> Result<bool, DatabaseError> {
    let name = url.database().to_string();
    if url.backend() == Backend::Sqlite {
        let file = url.sqlite_file().ok_or(DatabaseError::InMemory)?;
        if std::path::Path::new(file).exists() {
            return Ok(false);
        }
        // An empty file is an empty SQLite database.
        let made = std::fs::OpenOptions::new().write(true).create_new(true).open(file);
        return made.map(|_| true).map_err(|source| DatabaseError::File { what: "creating", file: file.into(), source });
    }
    let admin = connect(&admin_url(url)?, &admin_settings(settings)).await?;
    let refused = |words: DbErr| DatabaseError::Refused { what: "creating", database: name.clone(), words: super::connect::db_words(&words) };
    let result = async {
        if exists(&admin, url).await? {
            return Ok(false);
        }
        match admin.execute_unprepared(&format!("CREATE DATABASE {}", quoted(url))).await {
            Ok(_) => Ok(true),
            // Created meanwhile by a concurrent run: it is there, which is what was asked.
            Err(_) if exists(&admin, url).await? => Ok(false),
            Err(err) => Err(err),
        }
    }
    .await;
    let _ = admin.close().await;
    result.map_err(refused)
}

/// Drops the database `url` names if it exists; whether it was there. The caller decides
/// whether it may ([`crate::runner::drop_database`] applies the production guard).
pub async fn drop(url: &DatabaseUrl, settings: &ConnectSettings) -> Result<bool, DatabaseError> {
    let name = url.database().to_string();
    if url.backend() == Backend::Sqlite {
        let file = url.sqlite_file().ok_or(DatabaseError::InMemory)?;
        if !std::path::Path::new(file).exists() {
            return Ok(false);
        }
        for suffix in ["-wal", "-shm", "-journal"] {
            let _ = std::fs::remove_file(format!("{file}{suffix}"));
        }
        return std::fs::remove_file(file)
            .map(|_| true)
            .map_err(|source| DatabaseError::File { what: "removing", file: file.into(), source });
    }
    let admin = connect(&admin_url(url)?, &admin_settings(settings)).await?;
    let result = async {
        let existed = exists(&admin, url).await?;
        if existed {
            admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {}", quoted(url))).await?;
        }
        Ok(existed)
    }
    .await;
    let _ = admin.close().await;
    result.map_err(|words: DbErr| DatabaseError::Refused { what: "dropping", database: name, words: super::connect::db_words(&words) })
}

/// The same server, user and options, on the database every server has.
fn admin_url(url: &DatabaseUrl) -> Result<DatabaseUrl, ConnectError> {
    let always = if url.backend() == Backend::Postgres { "postgres" } else { "information_schema" };
    let unusable = |reason: String| ConnectError { url: url.masked(), reason, hint: "check the database URL" };
    let mut raw = url::Url::parse(url.expose()).map_err(|e| unusable(e.to_string()))?;
    raw.set_path(&format!("/{always}"));
    DatabaseUrl::parse(raw.as_str()).map_err(|e| unusable(e.to_string()))
}

/// The settings for the server's own database: no schema of the application's.
fn admin_settings(settings: &ConnectSettings) -> ConnectSettings {
    ConnectSettings { schema: None, create_schema: false, connect_timeout: settings.connect_timeout }
}

async fn exists(admin: &sea_orm::DatabaseConnection, url: &DatabaseUrl) -> Result<bool, DbErr> {
    let literal = url.database().replace('\'', "''");
    let sql = match url.backend() {
        Backend::Postgres => format!("SELECT datname::text FROM pg_database WHERE datname = '{literal}'"),
        _ => format!("SELECT CAST(schema_name AS CHAR) FROM information_schema.schemata WHERE schema_name = '{}'", literal.replace('\\', "\\\\")),
    };
    Ok(!texts(admin, &sql).await?.is_empty())
}

/// The database's name as an identifier for the backend.
fn quoted(url: &DatabaseUrl) -> String {
    let name = url.database();
    match url.backend() {
        Backend::Postgres => format!("\"{}\"", name.replace('"', "\"\"")),
        _ => format!("`{}`", name.replace('`', "``")),
    }
}
