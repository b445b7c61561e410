//! PostgreSQL: `pg_dump` to write, `psql` to restore (both in Debian's postgresql-client).
//!
//! Format: plain SQL (`--format=plain`), restored with `psql --single-transaction`. Plain SQL
//! is one file (so one checksum), readable and greppable when someone must check what a dump
//! holds in the middle of an incident, and restorable with psql alone; it runs in one
//! transaction, so a restore that fails part way changes nothing. The custom format's extras
//! (parallel or selective restore) matter little for the databases a migration runner guards.
//! pg_dump always reads one consistent snapshot (a repeatable-read transaction), so the dump
//! is consistent while the application keeps writing.
//!
//! The password reaches both tools through `PGPASSWORD` in their environment, never their
//! command line; `-w` makes them fail rather than prompt when it is wrong.

use super::BackupError;
use super::tool;
use crate::db::DatabaseUrl;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const PACKAGE: &str = "postgresql-client";

/// How to reach the server from a libpq tool: a connection URI without the password, and the
/// password on its own (for `PGPASSWORD`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub uri: String,
    pub password: Option<String>,
}

/// Query parameters libpq understands; the driver's own (sqlx) ones would make it fail.
const LIBPQ_PARAMS: &[&str] = &["sslmode", "sslrootcert", "sslcert", "sslkey", "application_name", "options"];

impl Target {
    pub fn from_url(url: &DatabaseUrl) -> Result<Target, BackupError> {
        let mut parsed = url::Url::parse(url.expose()).map_err(|e| BackupError::Refused(format!(
            "cannot hand the database URL {} to pg_dump: {e}",
            url.masked()
        )))?;
        let password = parsed.password().map(|p| {
            percent_encoding::percent_decode_str(p).decode_utf8_lossy().into_owned()
        });
        let _ = parsed.set_password(None);
        let mut kept: Vec<(String, String)> = parsed
            .query_pairs()
            .filter(|(k, _)| LIBPQ_PARAMS.contains(&k.as_ref()) && !k.starts_with("ssl"))
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        // TLS under libpq's names whichever spelling the URL used, so that the tools connect as
        // securely as the driver did.
        let tls = crate::db::tls::Tls::of(url);
        for (name, value) in [("sslmode", tls.mode), ("sslrootcert", tls.ca), ("sslcert", tls.cert), ("sslkey", tls.key)] {
            if let Some(value) = value {
                kept.push((name.to_string(), value));
            }
        }
        parsed.set_query(None);
        if !kept.is_empty() {
            parsed.query_pairs_mut().extend_pairs(kept);
        }
        Ok(Target { uri: parsed.to_string(), password })
    }

    /// The environment a libpq tool gets: the password, and quiet notices.
    fn env(&self) -> Vec<(&'static str, String)> {
        let mut env = vec![("PGOPTIONS", "-c client_min_messages=warning".to_string())];
        if let Some(password) = &self.password {
            env.push(("PGPASSWORD", password.clone()));
        }
        env
    }
}

/// The arguments of `pg_dump`. `--clean --if-exists` makes the file replace the objects it
/// holds when replayed by hand; `--no-owner` lets whoever restores own the objects (the same
/// application user, or another where roles differ), while grants are kept.
pub fn dump_args(target: &Target) -> Vec<OsString> {
    ["-w", "--format=plain", "--clean", "--if-exists", "--no-owner", "--encoding=UTF8"]
        .into_iter()
        .map(OsString::from)
        .chain([OsString::from(format!("--dbname={}", target.uri))])
        .collect()
}

/// The arguments of `psql` for a restore: `prelude` (which empties the database), then the
/// dump, in one transaction, stopping at the first error.
pub fn restore_args(target: &Target, prelude: &str, dump: &Path) -> Vec<OsString> {
    let mut args: Vec<OsString> = ["-X", "-q", "-w", "-v", "ON_ERROR_STOP=1", "--single-transaction"]
        .into_iter()
        .map(OsString::from)
        .collect();
    args.push(format!("--dbname={}", target.uri).into());
    args.push("-c".into());
    args.push(prelude.into());
    args.push("-f".into());
    args.push(dump.as_os_str().to_owned());
    args
}

/// The server's version, e.g. `15.20`, and its major version.
pub async fn server_version(db: &DatabaseConnection) -> Result<(String, u32), BackupError> {
    let sql = "SELECT current_setting('server_version') AS v, \
               current_setting('server_version_num')::int AS n";
    let row = db
        .query_one_raw(Statement::from_string(DbBackend::Postgres, sql))
        .await
        .map_err(BackupError::db("reading the server version"))?;
    let Some(row) = row else { return Ok((String::new(), 0)) };
    let version: String = row.try_get("", "v").map_err(BackupError::db("reading the server version"))?;
    let num: i32 = row.try_get("", "n").map_err(BackupError::db("reading the server version"))?;
    let words = version.split_whitespace().next().unwrap_or_default().to_string();
    Ok((words, u32::try_from(num / 10000).unwrap_or(0)))
}

/// Tables in every schema but the system ones.
pub async fn table_count(db: &DatabaseConnection) -> Result<u64, BackupError> {
    let sql = "SELECT count(*) AS n FROM pg_tables \
               WHERE schemaname NOT IN ('pg_catalog', 'information_schema')";
    super::count(db, DbBackend::Postgres, sql).await
}

/// Finds pg_dump and checks that it can dump a server of major version `server_major`.
pub fn dump_tool(server_version: &str, server_major: u32) -> Result<(PathBuf, String), BackupError> {
    let program = tool::find(&["pg_dump"], PACKAGE)?;
    let version = tool::version(&program)?;
    let tool_version = version.split_whitespace().nth(2).unwrap_or_default().to_string();
    let tool_major: u32 = tool_version.split('.').next().and_then(|m| m.parse().ok()).unwrap_or(0);
    if tool_major < server_major {
        return Err(BackupError::ToolTooOld {
            tool: tool::name(&program),
            tool_version,
            server_version: server_version.to_string(),
            server_major,
        });
    }
    Ok((program, format!("pg_dump {tool_version}")))
}

/// Runs pg_dump into `out` (a new private file).
pub fn dump(program: &Path, url: &DatabaseUrl, out: std::fs::File) -> Result<(), BackupError> {
    let target = Target::from_url(url)?;
    let mut command = Command::new(program);
    command.args(dump_args(&target)).envs(target.env()).stdin(Stdio::null()).stdout(out);
    let child = tool::spawn(&mut command, program)?;
    tool::finish(child, program, url)
}

/// SQL that empties the database before the dump is replayed: every schema but the system
/// ones is dropped with everything in it, and `public` is created again with its owner and
/// grants, since pg_dump assumes it exists. Objects the dump does not hold are gone afterwards.
pub async fn prelude(db: &DatabaseConnection) -> Result<String, BackupError> {
    let what = "listing the schemas to replace";
    let schemas = "SELECT quote_ident(nspname) AS name FROM pg_namespace \
                   WHERE nspname NOT IN ('information_schema') AND nspname NOT LIKE 'pg\\_%' \
                   ORDER BY nspname";
    let mut sql = String::new();
    let mut has_public = false;
    for name in super::names(db, DbBackend::Postgres, schemas, what).await? {
        has_public |= name == "public";
        sql.push_str(&format!("DROP SCHEMA IF EXISTS {name} CASCADE;\n"));
    }
    if !has_public {
        return Ok(sql);
    }
    let owner = "SELECT quote_ident(pg_get_userbyid(nspowner)) AS name FROM pg_namespace \
                 WHERE nspname = 'public'";
    sql.push_str("CREATE SCHEMA public;\n");
    for name in super::names(db, DbBackend::Postgres, owner, what).await? {
        sql.push_str(&format!("ALTER SCHEMA public OWNER TO {name};\n"));
    }
    let grants = "SELECT 'GRANT ' || a.privilege_type || ' ON SCHEMA public TO ' || \
                  CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END \
                  AS name FROM pg_namespace n, aclexplode(n.nspacl) a \
                  WHERE n.nspname = 'public' AND a.grantee <> n.nspowner";
    for grant in super::names(db, DbBackend::Postgres, grants, what).await? {
        sql.push_str(&format!("{grant};\n"));
    }
    Ok(sql)
}

/// Replays `dump` with psql after `prelude`, in one transaction.
pub fn restore(url: &DatabaseUrl, prelude: &str, dump: &Path) -> Result<(), BackupError> {
    let program = tool::find(&["psql"], PACKAGE)?;
    let target = Target::from_url(url)?;
    let mut command = Command::new(&program);
    command
        .args(restore_args(&target, prelude, dump))
        .envs(target.env())
        .stdin(Stdio::null())
        .stdout(Stdio::null());
    let child = tool::spawn(&mut command, &program)?;
    tool::finish(child, &program, url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_goes_to_the_environment_only() {
        let url = DatabaseUrl::parse(
            "postgres://app:s3cr%40tPassw0rd@db.internal:5433/app?sslmode=require&statement-cache-capacity=0",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let target = Target::from_url(&url).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(target.uri, "postgres://app@db.internal:5433/app?sslmode=require");
        assert_eq!(target.password.as_deref(), Some("s3cr@tPassw0rd"));
        let args = dump_args(&target)
            .into_iter()
            .chain(restore_args(&target, "DROP SCHEMA x;", Path::new("d.sql")))
            .map(|a| a.to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join(" ");
        assert!(!args.contains("s3cr"), "{args}");
        assert!(target.env().contains(&("PGPASSWORD", "s3cr@tPassw0rd".to_string())));
    }
}

#[cfg(test)]
mod version_tests {
    use super::*;

    #[test]
    fn pg_dump_older_than_the_server_is_refused() {
        if tool::find(&["pg_dump"], PACKAGE).is_err() {
            return;
        }
        let err = dump_tool("99.1", 99).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("cannot dump a PostgreSQL 99.1 server") && err.ends_with("install postgresql-client-99"), "{err}");
        assert!(dump_tool("9.6.24", 9).is_ok());
    }
}
