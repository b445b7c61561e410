//! MySQL/MariaDB: `mariadb-dump` (else `mysqldump`) to write, the `mariadb` (else `mysql`)
//! client to restore; Debian's mariadb-client has them all.
//!
//! The dump is consistent without blocking the application: `--single-transaction` reads one
//! InnoDB snapshot. It holds routines and triggers (`--routines --triggers`), binary data as
//! hex (`--hex-blob`), and no tablespace statements (`--no-tablespaces`, which would need the
//! PROCESS privilege). It names no database (no `--databases`), so it restores into whichever
//! database the URL names. Events are left out: dumping them needs the EVENT privilege.
//!
//! The password reaches the tools through a temporary defaults file (0600, removed afterwards)
//! named by `--defaults-extra-file`, never on the command line or in the environment.

use super::BackupError;
use super::files::SecretFile;
use super::tool;
use crate::db::DatabaseUrl;
use sea_orm::{DatabaseConnection, DbBackend};
use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const PACKAGE: &str = "mariadb-client";

/// How to reach the server from the client programs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub host: String,
    pub port: u16,
    pub user: String,
    pub password: Option<String>,
    pub database: String,
    pub tls: crate::db::tls::Tls,
}

impl Target {
    pub fn from_url(url: &DatabaseUrl) -> Result<Target, BackupError> {
        let parsed = url::Url::parse(url.expose()).map_err(|e| BackupError::Refused(format!(
            "cannot hand the database URL {} to the MariaDB tools: {e}",
            url.masked()
        )))?;
        let decode = |s: &str| percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned();
        Ok(Target {
            host: parsed.host_str().unwrap_or("localhost").trim_matches(['[', ']']).to_string(),
            port: parsed.port().unwrap_or(3306),
            user: decode(parsed.username()),
            password: parsed.password().map(decode),
            database: url.database().to_string(),
            tls: crate::db::tls::Tls::of(url),
        })
    }

    /// The `[client]` section holding the password, for `--defaults-extra-file`.
    pub fn defaults_file(&self) -> Option<String> {
        let password = self.password.as_ref()?;
        let escaped = password.replace('\\', "\\\\").replace('"', "\\\"");
        Some(format!("[client]\npassword=\"{escaped}\"\n"))
    }

    /// Arguments every client program takes: the defaults file first (the tools require it
    /// there), then where to connect. TCP always, as the driver connects: `localhost` would
    /// otherwise mean the Unix socket.
    fn connection_args(&self, defaults: Option<&Path>) -> Vec<OsString> {
        let mut args: Vec<OsString> = Vec::new();
        if let Some(file) = defaults {
            let mut arg = OsString::from("--defaults-extra-file=");
            arg.push(file.as_os_str());
            args.push(arg);
        }
        args.push(format!("--host={}", self.host).into());
        args.push(format!("--port={}", self.port).into());
        args.push("--protocol=TCP".into());
        if !self.user.is_empty() {
            args.push(format!("--user={}", self.user).into());
        }
        args.push("--default-character-set=utf8mb4".into());
        args.extend(self.tls_args());
        args
    }

    /// The URL's TLS settings as MariaDB's client programs take them. They have no "require
    /// without verifying" mode: `--ssl` uses TLS when the server offers it, which seamigrate's
    /// own connection under `ssl-mode=REQUIRED` has just shown it does; a mode that verifies
    /// becomes `--ssl-verify-server-cert`, which checks the host name too (and, unlike
    /// `--ssl`, refuses a server without TLS).
    fn tls_args(&self) -> Vec<OsString> {
        let tls = &self.tls;
        let mut args: Vec<OsString> = Vec::new();
        let mode = tls.mode.as_deref().unwrap_or_default().to_ascii_uppercase();
        if mode == "DISABLED" {
            args.push("--skip-ssl".into());
            return args;
        }
        if tls.required() || tls.ca.is_some() || tls.cert.is_some() {
            args.push("--ssl".into());
        }
        if tls.verifies() {
            args.push("--ssl-verify-server-cert".into());
        }
        for (flag, value) in [("--ssl-ca", &tls.ca), ("--ssl-cert", &tls.cert), ("--ssl-key", &tls.key)] {
            if let Some(value) = value {
                args.push(format!("{flag}={value}").into());
            }
        }
        args
    }
}

/// The arguments of the dump program.
pub fn dump_args(target: &Target, defaults: Option<&Path>) -> Vec<OsString> {
    let mut args = target.connection_args(defaults);
    for flag in ["--single-transaction", "--quick", "--routines", "--triggers", "--hex-blob", "--no-tablespaces", "--add-drop-table"] {
        args.push(flag.into());
    }
    args.push("--".into());
    args.push(target.database.clone().into());
    args
}

/// The arguments of the client that replays a dump from standard input.
pub fn restore_args(target: &Target, defaults: Option<&Path>) -> Vec<OsString> {
    let mut args = target.connection_args(defaults);
    args.push("--batch".into());
    args.push(format!("--database={}", target.database).into());
    args
}

/// The server's version string, e.g. `10.11.6-MariaDB-0+deb12u1`.
pub async fn server_version(db: &DatabaseConnection) -> Result<String, BackupError> {
    let names = super::names(db, DbBackend::MySql, "SELECT VERSION() AS name", "reading the server version").await?;
    Ok(names.into_iter().next().unwrap_or_default())
}

pub async fn table_count(db: &DatabaseConnection) -> Result<u64, BackupError> {
    let sql = "SELECT count(*) AS n FROM information_schema.tables \
               WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE'";
    super::count(db, DbBackend::MySql, sql).await
}

/// Finds the dump program: mariadb-dump, else mysqldump.
pub fn dump_tool() -> Result<(PathBuf, String), BackupError> {
    let program = tool::find(&["mariadb-dump", "mysqldump"], PACKAGE)?;
    let version = tool::version(&program)?;
    let label = version.split_whitespace().take(3).collect::<Vec<_>>().join(" ");
    Ok((program, label))
}

/// Runs the dump program into `out` (a new private file).
pub fn dump(program: &Path, url: &DatabaseUrl, out: std::fs::File) -> Result<(), BackupError> {
    let target = Target::from_url(url)?;
    let secret = target.defaults_file().map(|text| SecretFile::new("my", &text)).transpose()?;
    let mut command = Command::new(program);
    command
        .args(dump_args(&target, secret.as_ref().map(SecretFile::path)))
        .env_remove("MYSQL_PWD")
        .stdin(Stdio::null())
        .stdout(out);
    let child = tool::spawn(&mut command, program)?;
    tool::finish(child, program, url)
}

/// SQL that empties the database before the dump is replayed: every table and view is dropped,
/// foreign keys unchecked, so that tables the dump does not hold are gone afterwards too.
pub async fn prelude(db: &DatabaseConnection) -> Result<String, BackupError> {
    let what = "listing the tables to replace";
    let sql = "SELECT CONCAT(IF(table_type = 'VIEW', 'DROP VIEW IF EXISTS `', 'DROP TABLE IF EXISTS `'), \
               REPLACE(table_name, '`', '``'), '`;') AS name FROM information_schema.tables \
               WHERE table_schema = DATABASE() ORDER BY table_type = 'VIEW' DESC, table_name";
    let mut prelude = String::from("SET FOREIGN_KEY_CHECKS = 0;\n");
    for drop in super::names(db, DbBackend::MySql, sql, what).await? {
        prelude.push_str(&drop);
        prelude.push('\n');
    }
    prelude.push_str("SET FOREIGN_KEY_CHECKS = 1;\n");
    Ok(prelude)
}

/// Replays `prelude` then `dump` through the client's standard input, in one session.
/// DDL commits as it goes on MySQL/MariaDB: a restore that fails part way leaves the database
/// part restored (the safety backup taken before holds what was there).
pub fn restore(url: &DatabaseUrl, prelude: String, dump: &Path) -> Result<(), BackupError> {
    let program = tool::find(&["mariadb", "mysql"], PACKAGE)?;
    let target = Target::from_url(url)?;
    let secret = target.defaults_file().map(|text| SecretFile::new("my", &text)).transpose()?;
    let mut input = std::fs::File::open(dump).map_err(BackupError::io("cannot read", dump))?;
    let mut command = Command::new(&program);
    command
        .args(restore_args(&target, secret.as_ref().map(SecretFile::path)))
        .env_remove("MYSQL_PWD")
        .stdin(Stdio::piped())
        .stdout(Stdio::null());
    let mut child = tool::spawn(&mut command, &program)?;
    let stdin = child.stdin.take();
    // Written from another thread while this one drains the client's standard error, so
    // neither pipe can fill up and stall the other. A write that fails because the client
    // stopped (at an error) is not reported: the client's own error is.
    let writer = std::thread::spawn(move || {
        if let Some(mut stdin) = stdin {
            let _ = stdin
                .write_all(prelude.as_bytes())
                .and_then(|()| std::io::copy(&mut input, &mut stdin).map(drop));
        }
    });
    let result = tool::finish(child, &program, url);
    let _ = writer.join();
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_goes_to_a_private_file_only() {
        let url = DatabaseUrl::parse("mysql://app:pa%22ss%5Cw0rd99@127.0.0.1/app").unwrap_or_else(|e| panic!("{e}"));
        let target = Target::from_url(&url).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(target.password.as_deref(), Some("pa\"ss\\w0rd99"));
        let file = target.defaults_file().unwrap_or_default();
        assert_eq!(file, "[client]\npassword=\"pa\\\"ss\\\\w0rd99\"\n");
        let secret = SecretFile::new("test", &file).unwrap_or_else(|e| panic!("{e}"));
        let args = dump_args(&target, Some(secret.path()))
            .into_iter()
            .chain(restore_args(&target, Some(secret.path())))
            .map(|a| a.to_string_lossy().into_owned())
            .collect::<Vec<_>>();
        assert!(args[0].starts_with("--defaults-extra-file="), "{args:?}");
        assert!(!args.join(" ").contains("w0rd99"), "{args:?}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(secret.path()).map(|m| m.permissions().mode() & 0o777);
            assert_eq!(mode.ok(), Some(0o600));
        }
        let path = secret.path().to_path_buf();
        drop(secret);
        assert!(!path.exists());
    }
}
