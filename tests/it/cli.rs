//! The command line, run in-process with captured output; golden files in `golden/` hold the
//! expected text (set UPDATE_GOLDEN=1 to rewrite them after a deliberate change, then review
//! the diff like code).

use crate::support::{Kind, TestDb, enabled, has_table};
use seamigrate::cli::{Console, run};
use std::path::PathBuf;

/// Runs the CLI; returns (exit code, stdout, stderr).
pub async fn cli(args: &[&str]) -> (i32, String, String) {
    let console = Console::buffered();
    let mut argv = vec!["migration"];
    argv.extend_from_slice(args);
    let code = run::<migration::Migrator, _>(argv, &console).await;
    let (out, err) = console.output();
    (code, out, err)
}

/// Durations and timestamps replaced by fixed-width placeholders, so output compares exactly.
pub fn normalise(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let chars: Vec<char> = line.chars().collect();
        let mut i = 0;
        let mut cleaned = String::new();
        while i < chars.len() {
            let rest: String = chars[i..].iter().take(24).collect();
            let is_time = rest.len() == 24
                && rest.as_bytes()[4] == b'-'
                && rest.as_bytes()[10] == b'T'
                && rest.ends_with('Z')
                && rest[..4].chars().all(|c| c.is_ascii_digit());
            if is_time {
                cleaned.push_str("YYYY-MM-DDTHH:MM:SS.mmmZ");
                i += 24;
                continue;
            }
            if chars[i].is_ascii_digit() && (i == 0 || !chars[i - 1].is_alphanumeric()) {
                let end = (i..chars.len()).find(|&j| !chars[j].is_ascii_digit()).unwrap_or(chars.len());
                let after: String = chars[end..].iter().take(3).collect();
                if after == " ms" {
                    cleaned.push('N');
                    i = end;
                    continue;
                }
            }
            cleaned.push(chars[i]);
            i += 1;
        }
        out.push_str(&cleaned);
        out.push('\n');
    }
    out
}

pub fn golden(name: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/it/golden").join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("missing golden file {name}; run with UPDATE_GOLDEN=1"));
    assert_eq!(actual, expected, "output differs from golden/{name}");
}

#[tokio::test]
async fn help_lists_every_command() {
    let (code, out, _) = cli(&["--help"]).await;
    assert_eq!(code, 0);
    golden("help.txt", &out);
}

#[tokio::test]
async fn usage_errors_exit_2() {
    let (code, _, err) = cli(&["frobnicate"]).await;
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = cli(&["up", "-n", "1", "--to", "m1"]).await;
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = cli(&["--env", "moon", "status"]).await;
    assert_eq!(code, 2);
    assert_eq!(err, "error: unknown environment 'moon'; use development, test, staging or production\n");
}

#[tokio::test]
async fn bad_urls_are_one_clear_line_without_the_password() {
    let cases = [
        ("postgres://app:hunter2@/", "invalid database URL 'postgres://app:***@/'"),
        ("oracle://app:hunter2@db/x", "unsupported database URL scheme 'oracle'"),
        ("postgres://app:hunter2@127.0.0.1:1/app", "cannot connect to postgres://app:***@127.0.0.1:1/app: 127.0.0.1:1: Connection refused"),
        ("mysql://app:hunter2@127.0.0.1:1/app", "cannot connect to mysql://app:***@127.0.0.1:1/app"),
    ];
    for (url, expected) in cases {
        let (code, out, err) = cli(&["-u", url, "status"]).await;
        assert_eq!(code, 1, "{url}: {err}");
        assert!(out.is_empty());
        assert!(err.starts_with(&format!("error: {expected}")), "{url}: {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(!err.contains("hunter2"), "{err}");
    }
    let (_, out, _) = cli(&["-u", "postgres://app:hunter2@127.0.0.1:1/app", "--format", "json", "status"]).await;
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["error"]["kind"], "connect");
    assert!(!out.contains("hunter2"));
}

#[tokio::test]
async fn wrong_password_is_masked() {
    if !enabled(Kind::Mysql) {
        return;
    }
    // PostgreSQL here trusts every local connection, so the wrong password is tried on MySQL.
    let server = std::env::var("SEAMIGRATE_TEST_MYSQL_URL")
        .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/mysql".into());
    let url = server.replacen("://root@", "://root:Wr0ngSecret@", 1);
    let (code, _, err) = cli(&["-u", &url, "status"]).await;
    assert_eq!(code, 1);
    assert!(err.contains("Access denied"), "{err}");
    assert!(err.contains("check the user name and password"), "{err}");
    assert!(!err.contains("Wr0ngSecret"), "{err}");
}

#[tokio::test]
async fn generate_writes_and_registers_a_migration() {
    let dir = tempfile::tempdir().unwrap();
    let lib = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/migration/src/lib.rs")).unwrap();
    std::fs::write(dir.path().join("lib.rs"), &lib).unwrap();
    let dir_arg = dir.path().to_str().unwrap();
    let (code, out, err) = cli(&["generate", "add_last_login", "--dir", dir_arg]).await;
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("Created "), "{out}");
    let files: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with("_add_last_login.rs"))
        .collect();
    assert_eq!(files.len(), 1);
    let version = files[0].trim_end_matches(".rs");
    let written = std::fs::read_to_string(dir.path().join(&files[0])).unwrap();
    assert!(written.contains("impl MigrationTrait for Migration"), "{written}");
    assert!(version.starts_with('m') && version.len() == "m20250101_000000_add_last_login".len());
    let registered = std::fs::read_to_string(dir.path().join("lib.rs")).unwrap();
    assert!(registered.contains(&format!("mod {version};")));
    assert!(registered.contains(&format!("Box::new({version}::Migration),\n        ]")), "{registered}");
    let (code, _, err) = cli(&["generate", "Bad-Name", "--dir", dir_arg]).await;
    assert_eq!(code, 2);
    assert!(err.starts_with("error: invalid migration name 'Bad-Name'"), "{err}");
}

async fn commands_print_what_they_did(db: TestDb) {
    let url = db.url.as_str();
    let (code, out, err) = cli(&["-u", url, "up"]).await;
    assert_eq!(code, 0, "{err}");
    golden("up.txt", &normalise(&out));
    let (code, out, _) = cli(&["-u", url, "status"]).await;
    assert_eq!(code, 0);
    golden("status.txt", &normalise(&out));
    let (_, out, _) = cli(&["-u", url, "current"]).await;
    assert_eq!(out, "m20250401_000003_seal_credentials\n");
    let (code, out, _) = cli(&["-u", url, "--format", "json", "status"]).await;
    assert_eq!(code, 0);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["is_up_to_date"], true);
    assert_eq!(json["current"], "m20250401_000003_seal_credentials");
    assert_eq!(json["head"], json["current"]);
    assert_eq!(json["pending"], serde_json::json!([]));
    assert_eq!(json["migrations"][0]["state"], "applied");
    assert_eq!(json["migrations"].as_array().unwrap().len(), 3);

    let (code, out, err) = cli(&["-u", url, "down"]).await;
    assert_eq!(code, 0, "{err}");
    golden("down.txt", &normalise(&out));
    let (_, out, _) = cli(&["-u", url, "--format", "json", "status"]).await;
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["is_up_to_date"], false);
    assert_eq!(json["pending"], serde_json::json!(["m20250401_000003_seal_credentials"]));

    let (code, out, _) = cli(&["-u", url, "history"]).await;
    assert_eq!(code, 0);
    assert_eq!(out.lines().count(), 5, "header and four events:\n{out}");

    let (code, out, err) = cli(&["-u", url, "resolve", "m20250401", "--as", "pending"]).await;
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "Resolved m20250401_000003_seal_credentials as pending (it was pending); nothing was \
         run; the database is at m20250301_000002_add_user_display_name\n"
    );
    let (code, _, _) = cli(&["-u", url, "resolve", "m20250301", "--as", "maybe"]).await;
    assert_eq!(code, 2);

    let (code, _, err) = cli(&["-u", url, "up", "--to", "m2099"]).await;
    assert_eq!(code, 1);
    assert_eq!(err, "error: unknown migration version 'm2099'; closest: m20250401_000003_seal_credentials, m20250301_000002_add_user_display_name, m20250101_000001_create_reference_schema\n");

    // Without a terminal, destructive commands need --yes; in production they are refused.
    let (code, _, err) = cli(&["-u", url, "fresh"]).await;
    assert_eq!(code, 1);
    assert_eq!(err, "error: fresh refused in development: it destroys data; confirm on a terminal or pass --yes\n");
    let (code, _, err) = cli(&["-u", url, "--env", "production", "reset", "--yes"]).await;
    assert_eq!(code, 1);
    assert!(err.contains("never allowed in production"), "{err}");
    let (code, _, err) = cli(&["-u", url, "--env", "production", "down"]).await;
    assert_eq!(code, 1);
    assert!(err.contains("pass --yes"), "{err}");
    let (code, out, err) = cli(&["-u", url, "-q", "fresh", "--yes"]).await;
    assert_eq!((code, out.as_str()), (0, ""), "{err}");
    let conn = db.connect().await;
    assert!(has_table(&conn, "credentials").await);
}

crate::on_each_backend!(commands_print_what_they_did);

async fn schema_option(db: TestDb) {
    let url = db.url.as_str();
    if db.kind != Kind::Postgres {
        let (code, _, err) = cli(&["-u", url, "-s", "tenant_a", "status"]).await;
        assert_eq!(code, 1);
        assert!(err.contains("schemas are a PostgreSQL feature"), "{err}");
        return;
    }
    let (code, _, err) = cli(&["-u", url, "-s", "tenant_a", "up"]).await;
    assert_eq!(code, 0, "{err}");
    let (_, out, _) = cli(&["-u", url, "-s", "tenant_a", "current"]).await;
    assert_eq!(out, "m20250401_000003_seal_credentials\n");
    let (_, out, _) = cli(&["-u", url, "current"]).await;
    assert_eq!(out, "base\n", "the public schema is untouched");
    let conn = db.connect().await;
    let row = sea_orm::ConnectionTrait::query_one_raw(
        &conn,
        sea_orm::Statement::from_string(
            sea_orm::DbBackend::Postgres,
            "SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = 'tenant_a'",
        ),
    )
    .await
    .unwrap()
    .unwrap();
    let n: i64 = row.try_get("", "n").unwrap();
    assert_eq!(n, 10, "six tables, three history tables (with the backfills') and the stock runner's in tenant_a");
}

crate::on_each_backend!(schema_option);
