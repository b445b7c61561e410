//! Fleets: `--targets` over many databases (MySQL/MariaDB, SQLite) or PostgreSQL schemas, with
//! stop or continue on failure, a canary, resuming, and a report per target.

use crate::cli::cli;
use crate::support::{Kind, TestDb};
use sea_orm::{ConnectionTrait, Database};
use seamigrate::fleet::{Fleet, Outcome, Quiet, Target};
use seamigrate::db::{ConnectSettings, Session};
use seamigrate::{DatabaseUrl, Migrator, RunOptions, UpTarget};
use serde_json::Value;

/// `n` targets of `db`'s kind: schemas of `db` on PostgreSQL, sibling databases (or files)
/// elsewhere, which the caller keeps and destroys.
async fn targets(db: &TestDb, n: usize) -> (Vec<String>, Vec<TestDb>) {
    if db.kind == Kind::Postgres {
        return ((0..n).map(|i| format!("{} tenant_{i}", db.url)).collect(), Vec::new());
    }
    let mut siblings = Vec::new();
    for _ in 0..n {
        siblings.push(db.sibling().await);
    }
    (siblings.iter().map(|s| s.url.clone()).collect(), siblings)
}

/// Makes target `i` fail before its first migration changes anything, in a way [`mend`]
/// undoes: its PostgreSQL schema gets a table where the first migration creates one (so the
/// migration fails and rolls back); its MySQL database is dropped; its SQLite file is moved
/// into a directory that does not exist.
async fn break_target(kind: Kind, lines: &mut [String], i: usize) {
    match kind {
        Kind::Postgres => on_postgres(&lines[i], "CREATE TABLE {schema}.tenants (x integer)").await,
        Kind::Mysql => on_mysql_server(&lines[i], "DROP DATABASE").await,
        Kind::Sqlite => lines[i] = lines[i].replace("/seamigrate_t_", "/missing/seamigrate_t_"),
    }
}

async fn mend(kind: Kind, line: &str) {
    match kind {
        Kind::Postgres => on_postgres(line, "DROP TABLE {schema}.tenants").await,
        Kind::Mysql => on_mysql_server(line, "CREATE DATABASE").await,
        Kind::Sqlite => {
            let path = line.trim_start_matches("sqlite://").split('?').next().unwrap();
            std::fs::create_dir_all(std::path::Path::new(path).parent().unwrap()).unwrap();
        }
    }
}

/// Runs `sql` on the database of a PostgreSQL target line, `{schema}` its schema (created).
async fn on_postgres(line: &str, sql: &str) {
    let (url, schema) = line.split_once(' ').unwrap();
    let conn = Database::connect(url).await.unwrap();
    conn.execute_unprepared(&format!("CREATE SCHEMA IF NOT EXISTS {schema}")).await.unwrap();
    conn.execute_unprepared(&sql.replace("{schema}", schema)).await.unwrap();
    let _ = conn.close().await;
}

/// Runs `verb` (`DROP DATABASE`, `CREATE DATABASE`) on the database of a MySQL target line.
async fn on_mysql_server(line: &str, verb: &str) {
    let (server, database) = line.rsplit_once('/').unwrap();
    let conn = Database::connect(format!("{server}/mysql").as_str()).await.unwrap();
    conn.execute_unprepared(&format!("{verb} {database}")).await.unwrap();
    let _ = conn.close().await;
}

fn write(lines: &[String]) -> tempfile::NamedTempFile {
    let file = tempfile::NamedTempFile::new().unwrap();
    let text = format!("# tenants\n\n{}\n", lines.join("\n"));
    std::fs::write(file.path(), text).unwrap();
    file
}

/// The outcome of each target, in order, from `--format json`.
fn outcomes(out: &str) -> Vec<String> {
    let doc: Value = serde_json::from_str(out).unwrap_or_else(|e| panic!("{e}: {out}"));
    doc["targets"].as_array().unwrap().iter().map(|t| t["outcome"].as_str().unwrap().to_string()).collect()
}

async fn fleet_stops_continues_and_resumes(db: TestDb) {
    let (mut lines, siblings) = targets(&db, 6).await;
    break_target(db.kind, &mut lines, 2).await;
    let file = write(&lines);
    let path = file.path().to_str().unwrap();

    // Stop on the first failure (one at a time, so which ran is certain).
    let (code, out, err) = cli(&["--targets", path, "--parallel", "1", "--format", "json", "up"]).await;
    assert_eq!(code, 1, "{out}{err}");
    assert_eq!(outcomes(&out), ["ok", "ok", "failed", "not_run", "not_run", "not_run"], "{out}");
    let doc: Value = serde_json::from_str(&out).unwrap();
    let error = doc["targets"][2]["error"].as_str().unwrap();
    assert!(!error.is_empty() && !error.contains('\n'), "the database's words on one line: {error}");

    // Go on past it; the targets at head are skipped after one query.
    let (code, out, _) = cli(&["--targets", path, "--parallel", "3", "--continue-on-error", "--format", "json", "up"]).await;
    assert_eq!(code, 1, "{out}");
    assert_eq!(outcomes(&out), ["at_head", "at_head", "failed", "ok", "ok", "ok"], "{out}");

    // Mended, the same command finishes the job.
    mend(db.kind, &lines[2]).await;
    let (code, out, err) = cli(&["--targets", path, "up"]).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("1 ok, 5 at head, 0 failed, 0 not run"), "{out}");
    let (code, out, _) = cli(&["--targets", path, "--format", "json", "status"]).await;
    assert_eq!(code, 0, "{out}");
    let doc: Value = serde_json::from_str(&out).unwrap();
    for target in doc["targets"].as_array().unwrap() {
        assert_eq!(target["pending"], 0, "{target}");
        assert_eq!(target["after"], "m20250401_000003_seal_credentials", "{target}");
    }
    // Every target is really at head, by its own runner's full status.
    for line in &lines {
        let mut words = line.split_whitespace();
        let url = DatabaseUrl::parse(words.next().unwrap()).unwrap();
        let settings = ConnectSettings { schema: words.next().map(str::to_string), ..ConnectSettings::default() };
        let session = Session::open(&url, &settings).await.unwrap();
        let status = Migrator::new::<migration::Migrator>(session).unwrap().status().await.unwrap();
        assert!(status.is_up_to_date && status.pending.is_empty(), "{line}: {status:?}");
    }
    for s in siblings {
        s.destroy().await;
    }
}

crate::on_each_backend!(fleet_stops_continues_and_resumes);

/// A failure among the canary targets stops the fleet, even with --continue-on-error.
async fn canary_failure_stops_the_fleet(db: TestDb) {
    let (mut lines, siblings) = targets(&db, 5).await;
    break_target(db.kind, &mut lines, 1).await;
    let file = write(&lines);
    let path = file.path().to_str().unwrap();
    let args = ["--targets", path, "--canary", "2", "--continue-on-error", "--format", "json", "up"];
    let (code, out, _) = cli(&args).await;
    assert_eq!(code, 1, "{out}");
    assert_eq!(outcomes(&out), ["ok", "failed", "not_run", "not_run", "not_run"], "{out}");
    let (code, out, err) = cli(&["--targets", path, "--canary", "2", "--continue-on-error", "up"]).await;
    assert_eq!(code, 1);
    assert!(err.contains("up failed on 1 of 5 target(s) (3 not run)"), "{out}{err}");
    mend(db.kind, &lines[1]).await;
    for s in siblings {
        s.destroy().await;
    }
}

crate::on_each_backend!(canary_failure_stops_the_fleet);

/// The library's fleet: never more connections than `parallel`, one connection per worker
/// reused across PostgreSQL schemas, and every target at head afterwards.
async fn library_fleet_bounds_connections(db: TestDb) {
    let (lines, siblings) = targets(&db, 9).await;
    let targets: Vec<Target> = lines
        .iter()
        .map(|l| {
            let mut words = l.split_whitespace();
            Target::new(DatabaseUrl::parse(words.next().unwrap()).unwrap(), words.next().map(str::to_string))
        })
        .collect();
    let fleet = Fleet::new(targets).parallel(3);
    let report = fleet.up::<migration::Migrator>(&UpTarget::All, &RunOptions::default(), &|m| m, &Quiet).await;
    assert!(report.succeeded(), "{report:#?}");
    assert!(report.peak_connections <= 3 && report.peak_connections >= 1, "{report:#?}");
    assert!(report.targets.iter().all(|t| t.outcome == Outcome::Ok && t.migrations == 3), "{report:#?}");
    let again = fleet.up::<migration::Migrator>(&UpTarget::All, &RunOptions::default(), &|m| m, &Quiet).await;
    assert_eq!(again.count(Outcome::AtHead), 9, "{again:#?}");
    for s in siblings {
        s.destroy().await;
    }
}

crate::on_each_backend!(library_fleet_bounds_connections);

/// `--targets-query` lists the tenants' schemas from a table; a password in the targets is
/// never printed, in the table, the lines or JSON.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn targets_query_and_masking() {
    crate::support::run(Kind::Postgres, targets_query_and_masking_on).await;
}

async fn targets_query_and_masking_on(db: TestDb) {
    let conn = db.connect().await;
    conn.execute_unprepared("CREATE TABLE tenant_list (schema_name text); INSERT INTO tenant_list VALUES ('acme'), ('globex'), ('initech')")
        .await
        .unwrap();
    let query = "SELECT schema_name FROM tenant_list ORDER BY 1";
    let (code, out, err) = cli(&["-u", &db.url, "--targets-query", query, "up"]).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("acme") && out.contains("globex") && out.contains("initech"), "{out}");
    assert!(out.contains("3 ok"), "{out}");

    // PostgreSQL here trusts local connections, so any password is accepted, and must be masked.
    let secret = "Sekr3tFleetPassw0rd";
    let with_password = db.url.replacen("postgres@", &format!("postgres:{secret}@"), 1);
    let file = write(&[format!("{with_password} acme"), format!("{with_password} nowhere_yet")]);
    let path = file.path().to_str().unwrap();
    for format in ["text", "json"] {
        let (code, out, err) = cli(&["--targets", path, "--format", format, "status"]).await;
        assert_eq!(code, 0, "{out}{err}");
        assert!(!out.contains(secret) && !err.contains(secret), "{out}{err}");
        assert!(out.contains("***"), "{out}");
    }
    let (_, out, err) = cli(&["--targets", path, "--parallel", "1", "up"]).await;
    assert!(!out.contains(secret) && !err.contains(secret), "{out}{err}");
}


/// Targets files that cannot be used say which line and why; commands other than the five
/// refuse --targets.
#[tokio::test]
async fn targets_file_errors_are_one_line() {
    let file = write(&["postgres://u@127.0.0.1/db tenant".into(), "mysql://u@127.0.0.1/db tenant".into()]);
    let path = file.path().to_str().unwrap();
    let (code, _, err) = cli(&["--targets", path, "status"]).await;
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("line 4") && err.contains("PostgreSQL") && err.lines().count() == 1, "{err}");
    let (code, _, err) = cli(&["--targets", path, "history"]).await;
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("work with up, down, status, check, lint and task NAME"), "{err}");
    let (code, _, err) = cli(&["--targets", "/nonexistent/targets.txt", "up"]).await;
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("cannot read the targets file"), "{err}");
}
