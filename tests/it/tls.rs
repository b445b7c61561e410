//! TLS against servers the tests start themselves (see `servers`), with a certificate
//! authority made for the test: `require`, `verify-full` with the right CA, another CA and
//! another host name, a missing CA file, client certificates, a server without TLS, and
//! `backup` and `restore` over TLS (the servers refuse plain connections, so a tool that fell
//! back to plain text would fail).

use crate::cli::cli;
use crate::servers::{Mariadb, Postgres};
use crate::support::{Kind, enabled};
use sea_orm::{ConnectionTrait, Database};

/// Runs `args` with the URL `url`; returns (exit code, stdout, stderr).
async fn with(url: &str, args: &[&str]) -> (i32, String, String) {
    let mut all = vec!["-u", url];
    all.extend_from_slice(args);
    cli(&all).await
}

async fn fails_with(url: &str, expected: &[&str]) {
    let (code, _, err) = with(url, &["status"]).await;
    assert_eq!(code, 1, "{url}: {err}");
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    for words in expected {
        assert!(err.contains(words), "{url}: expected {words:?} in: {err}");
    }
}

async fn works(url: &str, args: &[&str]) -> String {
    let (code, out, err) = with(url, args).await;
    assert_eq!(code, 0, "{url} {args:?}: {err}");
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_over_tls() {
    if !enabled(Kind::Postgres) {
        return;
    }
    let server = tokio::task::spawn_blocking(Postgres::start).await.unwrap();
    let ca = format!("sslrootcert={}", server.certs.ca.display());
    let other_ca = format!("sslrootcert={}", server.certs.other_ca.display());
    let admin = Database::connect(server.url("localhost", "postgres", "postgres", "sslmode=require")).await.unwrap();
    admin.execute_unprepared("CREATE DATABASE app").await.unwrap();
    admin.execute_unprepared("CREATE ROLE certuser LOGIN SUPERUSER").await.unwrap();
    let _ = admin.close().await;

    let full = server.url("localhost", "postgres", "app", &format!("sslmode=verify-full&{ca}"));
    works(&full, &["up"]).await;
    assert!(works(&full, &["status"]).await.contains("3 applied"));
    works(&server.url("127.0.0.1", "postgres", "app", "sslmode=require"), &["status"]).await;
    works(&server.url("127.0.0.1", "postgres", "app", &format!("sslmode=verify-ca&{ca}")), &["status"]).await;

    fails_with(&server.url("127.0.0.1", "postgres", "app", "sslmode=disable"), &["no encryption", "add sslmode=require"]).await;
    fails_with(
        &server.url("localhost", "postgres", "app", &format!("sslmode=verify-full&{other_ca}")),
        &["cannot connect to postgres://postgres@localhost", "not signed by a CA this machine trusts", "sslrootcert="],
    )
    .await;
    fails_with(
        &server.url("127.0.0.1", "postgres", "app", &format!("sslmode=verify-full&{ca}")),
        &["issued for another host name", "sslmode=verify-ca"],
    )
    .await;
    fails_with(
        &server.url("localhost", "postgres", "app", "sslmode=verify-ca&sslrootcert=/nonexistent/ca.pem"),
        &["the sslrootcert file '/nonexistent/ca.pem' cannot be read", "check the path"],
    )
    .await;
    fails_with(&server.url("localhost", "postgres", "app", "sslmode=sometimes"), &["sslmode takes disable, prefer, require"]).await;

    // A client certificate, for the user it names.
    let client = format!(
        "sslmode=verify-full&{ca}&sslcert={}&sslkey={}",
        server.certs.client_cert.display(),
        server.certs.client_key.display()
    );
    works(&server.url("localhost", "certuser", "app", &client), &["status"]).await;
    fails_with(&server.url("localhost", "certuser", "app", &format!("sslmode=verify-full&{ca}")), &["client certificate", "sslcert="]).await;

    // Backup and restore over TLS: the server refuses plain connections.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let (code, _, err) = with(&full, &["backup", "--out", out]).await;
    assert_eq!(code, 0, "backup over TLS: {err}");
    let dump = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "sql"))
        .expect("a dump");
    assert!(std::fs::read_to_string(&dump).unwrap().contains("CREATE TABLE"), "the dump holds the schema");
    let (code, _, err) = with(&full, &["restore", dump.to_str().unwrap(), "--out", out, "--yes"]).await;
    assert_eq!(code, 0, "restore over TLS: {err}");
    assert!(works(&full, &["status"]).await.contains("3 applied"));

    // A server that offers no TLS, under a mode that demands it.
    let admin = Database::connect(server.url("localhost", "postgres", "postgres", "sslmode=require")).await.unwrap();
    admin.execute_unprepared("ALTER SYSTEM SET ssl = off").await.unwrap();
    admin.execute_unprepared("SELECT pg_reload_conf()").await.unwrap();
    let _ = admin.close().await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    fails_with(&server.url("localhost", "postgres", "app", "sslmode=require"), &["the server offers no TLS", "ssl = on"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mariadb_over_tls() {
    if !enabled(Kind::Mysql) {
        return;
    }
    let server = tokio::task::spawn_blocking(Mariadb::start).await.unwrap();
    let ca = format!("ssl-ca={}", server.certs.ca.display());
    let other_ca = format!("ssl-ca={}", server.certs.other_ca.display());

    let full = server.url("localhost", "tls", "app", &format!("ssl-mode=VERIFY_IDENTITY&{ca}"));
    works(&full, &["up"]).await;
    assert!(works(&full, &["status"]).await.contains("3 applied"));
    works(&server.url("127.0.0.1", "tls", "app", "ssl-mode=REQUIRED"), &["status"]).await;
    works(&server.url("127.0.0.1", "tls", "app", &format!("ssl-mode=VERIFY_CA&{ca}")), &["status"]).await;

    fails_with(
        &server.url("localhost", "tls", "app", &format!("ssl-mode=VERIFY_CA&{other_ca}")),
        &["cannot connect to mysql://tls@localhost", "not signed by a CA this machine trusts", "ssl-ca="],
    )
    .await;
    fails_with(
        &server.url("127.0.0.1", "tls", "app", &format!("ssl-mode=VERIFY_IDENTITY&{ca}")),
        &["issued for another host name", "ssl-mode=VERIFY_CA"],
    )
    .await;
    fails_with(
        &server.url("localhost", "tls", "app", "ssl-mode=VERIFY_CA&ssl-ca=/nonexistent/ca.pem"),
        &["the ssl-ca file '/nonexistent/ca.pem' cannot be read"],
    )
    .await;

    let client = format!(
        "ssl-mode=VERIFY_IDENTITY&{ca}&ssl-cert={}&ssl-key={}",
        server.certs.client_cert.display(),
        server.certs.client_key.display()
    );
    works(&server.url("localhost", "certuser", "app", &client), &["status"]).await;
    fails_with(&server.url("localhost", "certuser", "app", &format!("ssl-mode=VERIFY_IDENTITY&{ca}")), &["Access denied"]).await;

    // Backup and restore over TLS: `tls` may only connect over TLS.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let (code, _, err) = with(&full, &["backup", "--out", out]).await;
    assert_eq!(code, 0, "backup over TLS: {err}");
    let dump = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "sql"))
        .expect("a dump");
    assert!(std::fs::read_to_string(&dump).unwrap().contains("CREATE TABLE"), "the dump holds the schema");
    let (code, _, err) = with(&full, &["restore", dump.to_str().unwrap(), "--out", out, "--yes"]).await;
    assert_eq!(code, 0, "restore over TLS: {err}");

    // The shared MariaDB of the test run offers no TLS.
    let shared = std::env::var("SEAMIGRATE_TEST_MYSQL_URL").unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/mysql".into());
    fails_with(&format!("{shared}?ssl-mode=REQUIRED"), &["the server offers no TLS", "ssl-mode=PREFERRED"]).await;
}
