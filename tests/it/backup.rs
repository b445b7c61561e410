//! `backup`, `backups` and `restore` on every backend, through the CLI: a backup survives
//! destruction, a damaged dump is refused, expired backups are pruned, files are private,
//! passwords stay off command lines, and production `up` backs up first.

use crate::cli::cli;
use crate::support::{Kind, TestDb, has_table};
use crate::on_each_backend;
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use serde_json::Value;
use std::path::{Path, PathBuf};

const HEAD: &str = "m20250401_000003_seal_credentials";
/// The version below head, where `down` leaves the database.
const BELOW_HEAD: &str = "m20250301_000002_add_user_display_name";

on_each_backend!(
    restore_brings_back_rows_and_schema_version,
    damaged_dump_is_refused,
    production_up_backs_up_first,
);

async fn exec(conn: &DatabaseConnection, sql: &str) {
    conn.execute_unprepared(sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
}

async fn probe_rows(conn: &DatabaseConnection) -> Vec<String> {
    let backend = conn.get_database_backend();
    let rows = conn
        .query_all_raw(Statement::from_string(backend, "SELECT name FROM backup_probe ORDER BY id"))
        .await
        .expect("read backup_probe");
    rows.iter().map(|r| r.try_get::<String>("", "name").expect("name")).collect()
}

/// Runs `backup --format json` and returns the dump's path and its metadata.
async fn take_backup(url: &str, dir: &Path) -> (PathBuf, Value) {
    let dir = dir.to_str().expect("utf-8 dir");
    let (code, out, err) = cli(&["-u", url, "--format", "json", "backup", "--out", dir]).await;
    assert_eq!(code, 0, "{err}");
    let made: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    (PathBuf::from(made["dump"].as_str().expect("dump path")), made["metadata"].clone())
}

async fn listed(dir: &Path) -> Vec<Value> {
    let (code, out, err) = cli(&["--format", "json", "backups", "--dir", dir.to_str().expect("utf-8")]).await;
    assert_eq!(code, 0, "{err}");
    let doc: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    doc["backups"].as_array().cloned().unwrap_or_default()
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).expect("stat").permissions().mode() & 0o777
}

async fn restore_brings_back_rows_and_schema_version(db: TestDb) {
    let url = db.url.as_str();
    assert_eq!(cli(&["-u", url, "up", "-q"]).await.0, 0);
    let conn = db.connect().await;
    exec(&conn, "CREATE TABLE backup_probe (id INTEGER PRIMARY KEY, name VARCHAR(40) NOT NULL)").await;
    exec(&conn, "INSERT INTO backup_probe (id, name) VALUES (1, 'ada'), (2, 'grace'), (3, 'edsger')").await;

    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("backups");
    let (dump, metadata) = take_backup(url, &dir).await;
    assert_eq!(metadata["schema_version"], HEAD);
    assert!(metadata["table_count"].as_u64().expect("table count") >= 3, "{metadata}");
    assert_eq!(metadata["sha256"].as_str().map(str::len), Some(64));
    assert!(metadata["server_version"].as_str().is_some_and(|v| !v.is_empty()), "{metadata}");
    #[cfg(unix)]
    {
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&dump), 0o600);
        assert_eq!(mode(&seamigrate::backup::metadata::path_for(&dump)), 0o600);
    }

    // Destroy: a migration reverted, rows deleted, a table added after the backup.
    assert_eq!(cli(&["-u", url, "down", "-q"]).await.0, 0);
    exec(&conn, "DELETE FROM backup_probe WHERE id > 1").await;
    exec(&conn, "CREATE TABLE after_backup (id INTEGER PRIMARY KEY)").await;
    let _ = conn.close().await;

    let dump_arg = dump.to_str().expect("utf-8");
    let (code, out, err) = cli(&["-u", url, "restore", dump_arg, "--yes", "--out", dir.to_str().expect("utf-8")]).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(err.contains("saved the current state to"), "{err}");
    assert!(out.contains(&format!("it is at schema version {HEAD}")), "{out}");

    let conn = db.connect().await;
    assert_eq!(probe_rows(&conn).await, ["ada", "grace", "edsger"]);
    assert!(!has_table(&conn, "after_backup").await, "restore must drop what the dump does not hold");
    assert!(has_table(&conn, "users").await);
    let _ = conn.close().await;
    let (code, out, _) = cli(&["-u", url, "current"]).await;
    assert_eq!((code, out.trim()), (0, HEAD));
    // The event log is the one from before the restore (with the `down` the dump never saw),
    // and the restore is its last entry.
    let (_, out, _) = cli(&["-u", url, "--format", "json", "history"]).await;
    let events: serde_json::Value = serde_json::from_str(&out).expect("json");
    let actions: Vec<&str> = events["events"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions[actions.len() - 2..], ["down", "restore"], "{out}");

    // The safety backup holds the destroyed state, at the version below head.
    let all = listed(&dir).await;
    assert_eq!(all.len(), 2, "{all:?}");
    let safety = &all[1]["metadata"];
    assert_eq!(safety["reason"], "before-restore");
    assert_eq!(safety["schema_version"], BELOW_HEAD);

    // Restoring the safety backup brings back the destroyed state.
    let safety_dump = all[1]["dump"].as_str().expect("dump").to_string();
    let (code, _, err) = cli(&["-u", url, "restore", &safety_dump, "--yes", "--out", dir.to_str().expect("utf-8")]).await;
    assert_eq!(code, 0, "{err}");
    let conn = db.connect().await;
    assert_eq!(probe_rows(&conn).await, ["ada"]);
    assert!(has_table(&conn, "after_backup").await);
    let _ = conn.close().await;
    let (_, out, _) = cli(&["-u", url, "current"]).await;
    assert_eq!(out.trim(), BELOW_HEAD);
}

async fn damaged_dump_is_refused(db: TestDb) {
    let url = db.url.as_str();
    assert_eq!(cli(&["-u", url, "up", "-q"]).await.0, 0);
    let tmp = tempfile::tempdir().expect("temp dir");
    let (dump, metadata) = take_backup(url, tmp.path()).await;
    let expected = metadata["sha256"].as_str().expect("sha256").to_string();
    let mut bytes = std::fs::read(&dump).expect("read dump");
    bytes.extend_from_slice(b"\n-- tampered\n");
    std::fs::write(&dump, bytes).expect("write dump");

    let (code, _, err) = cli(&["-u", url, "restore", dump.to_str().expect("utf-8"), "--yes", "--out", tmp.path().to_str().expect("utf-8")]).await;
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("checksum mismatch"), "{err}");
    assert!(err.contains(&expected), "{err}");
    let actual = seamigrate::backup::metadata::verify(&dump).expect_err("mismatch");
    assert!(matches!(actual, seamigrate::backup::BackupError::ChecksumMismatch { .. }));
    assert_eq!(listed(tmp.path()).await.len(), 1, "no safety backup is taken for a refused restore");

    let (code, out, _) = cli(&["-u", url, "--format", "json", "restore", dump.to_str().expect("utf-8"), "--yes"]).await;
    assert_eq!(code, 1);
    let doc: Value = serde_json::from_str(&out).expect("JSON error");
    assert_eq!(doc["error"]["kind"], "backup-checksum-mismatch");
}

async fn production_up_backs_up_first(db: TestDb) {
    let url = db.url.as_str();
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().to_str().expect("utf-8");
    let (code, out, err) = cli(&["-u", url, "--env", "production", "up", "-n", "1", "--backup-dir", dir]).await;
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("backed up database '"), "{out}");
    assert!(out.contains("before applying (schema version base)"), "{out}");
    let all = listed(tmp.path()).await;
    assert_eq!(all.len(), 1);
    assert_eq!(all[0]["metadata"]["reason"], "before-up");
    assert!(out.contains(all[0]["dump"].as_str().expect("dump")), "the line names the file: {out}");

    // --no-backup skips it; nothing to apply takes none.
    let (code, out, err) = cli(&["-u", url, "--env", "production", "up", "--no-backup"]).await;
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains("backed up"), "{out}");
    let (code, out, _) = cli(&["-u", url, "--env", "production", "up", "--backup-dir", dir]).await;
    assert_eq!(code, 0);
    assert!(!out.contains("backed up"), "{out}");
    assert_eq!(listed(tmp.path()).await.len(), 1);

    // Outside production, no backup.
    assert_eq!(cli(&["-u", url, "down", "-q"]).await.0, 0);
    assert_eq!(cli(&["-u", url, "up", "--backup-dir", dir]).await.0, 0);
    assert_eq!(listed(tmp.path()).await.len(), 1);

    // Restore in production needs --yes, and names the schema version.
    let dump = all[0]["dump"].as_str().expect("dump").to_string();
    let (code, _, err) = cli(&["-u", url, "--env", "production", "restore", &dump, "--out", dir]).await;
    assert_eq!(code, 1);
    assert!(err.contains("restore refused in production") && err.contains("pass --yes") && err.contains("schema version base"), "{err}");
}

#[tokio::test]
async fn prune_removes_expired_backups_only() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}/p.sqlite?mode=rwc", tmp.path().display());
    let dir = tmp.path().join("b");
    assert_eq!(cli(&["-u", &url, "up", "-q"]).await.0, 0);
    let (old, _) = take_backup(&url, &dir).await;
    let (fresh, _) = take_backup(&url, &dir).await;
    let meta = seamigrate::backup::metadata::path_for(&old);
    let mut doc: Value = serde_json::from_str(&std::fs::read_to_string(&meta).expect("read")).expect("JSON");
    doc["expires_at"] = Value::from("2001-01-01T00:00:00Z");
    std::fs::write(&meta, serde_json::to_string(&doc).expect("JSON")).expect("write");
    std::fs::write(dir.join("notes.txt"), "not a backup").expect("write");

    let d = dir.to_str().expect("utf-8");
    let (code, out, _) = cli(&["backups", "--dir", d]).await;
    assert_eq!(code, 0);
    assert!(out.starts_with("FILE "), "{out}");
    assert!(out.contains("2 backup(s) in"), "{out}");

    let (code, out, err) = cli(&["backups", "prune", "--dir", d]).await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(&format!("removed {}", old.display())), "{out}");
    assert!(out.contains("Removed 1 expired backup(s)"), "{out}");
    assert!(!old.exists() && !meta.exists());
    assert!(fresh.exists() && dir.join("notes.txt").exists());

    let (code, _, err) = cli(&["backups", "--dir", d, "prune", "--keep-days", "0"]).await;
    assert_eq!(code, 2, "0 days would remove every backup at once: {err}");
    let meta = seamigrate::backup::metadata::path_for(&fresh);
    let mut doc: Value = serde_json::from_str(&std::fs::read_to_string(&meta).expect("read")).expect("JSON");
    doc["created_at"] = Value::from((chrono::Utc::now() - chrono::Duration::days(3)).to_rfc3339());
    std::fs::write(&meta, serde_json::to_string(&doc).expect("JSON")).expect("write");
    let (code, out, _) = cli(&["--format", "json", "backups", "--dir", d, "prune", "--keep-days", "2"]).await;
    assert_eq!(code, 0);
    let doc: Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(doc["removed"].as_array().map(Vec::len), Some(1));
    assert!(listed(&dir).await.is_empty());
}

/// A MariaDB user with a password, made for this test: the dump and the restore work through
/// the temporary defaults file, and no output shows the password.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mysql_password_stays_private() {
    crate::support::run(Kind::Mysql, |db: TestDb| async move {
        let conn = db.connect().await;
        let user = format!("bk_{:08x}", rand::random::<u32>());
        let password = format!("Pw\"{:012x}", rand::random::<u64>());
        let database = db.parsed_url().database().to_string();
        exec(&conn, &format!("CREATE USER '{user}'@'%' IDENTIFIED BY '{}'", password.replace('\'', "''"))).await;
        exec(&conn, &format!("GRANT ALL ON `{database}`.* TO '{user}'@'%'")).await;
        let encoded = password.replace('"', "%22");
        let (base, _) = db.url.rsplit_once('/').expect("URL with a database");
        let server = base.split_once("://").map(|(_, rest)| rest.rsplit_once('@').map_or(rest, |(_, h)| h)).expect("host");
        let url = format!("mysql://{user}:{encoded}@{server}/{database}");

        let tmp = tempfile::tempdir().expect("temp dir");
        let outcome = async {
            assert_eq!(cli(&["-u", &url, "up", "-q"]).await.0, 0);
            let (code, out, err) = cli(&["-u", &url, "backup", "--out", tmp.path().to_str().expect("utf-8")]).await;
            assert_eq!(code, 0, "{err}");
            assert!(!out.contains(&password) && !err.contains(&password));
            let dump = seamigrate::backup::list(tmp.path()).expect("list")[0].dump.clone();
            let (code, out, err) = cli(&["-u", &url, "restore", dump.to_str().expect("utf-8"), "--yes", "--out", tmp.path().to_str().expect("utf-8")]).await;
            assert_eq!(code, 0, "{err}");
            assert!(!out.contains(&password) && !err.contains(&password));
            // A wrong password fails with the tool's words, the password masked.
            let wrong = format!("mysql://{user}:WrongPassw0rd1@{server}/{database}");
            let (code, _, err) = cli(&["-u", &wrong, "backup", "--out", tmp.path().to_str().expect("utf-8")]).await;
            assert_eq!(code, 1);
            assert!(!err.contains("WrongPassw0rd1"), "{err}");
        };
        let result = futures::FutureExt::catch_unwind(std::panic::AssertUnwindSafe(outcome)).await;
        exec(&conn, &format!("DROP USER '{user}'@'%'")).await;
        if let Err(panic) = result {
            std::panic::resume_unwind(panic);
        }
    })
    .await
}
