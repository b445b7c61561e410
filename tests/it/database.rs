//! `database create`, `database drop` and `up --create-database` on every backend, through the
//! CLI.

use crate::cli::cli;
use crate::support::TestDb;

/// A URL on the same server as `db` for a database that does not exist yet.
fn unborn(db: &TestDb) -> String {
    let name = format!("seamigrate_n_{:012x}", rand::random::<u64>() >> 16);
    let (base, rest) = db.url.rsplit_once('/').expect("a URL with a database");
    let query = rest.split_once('?').map(|(_, q)| format!("?{q}")).unwrap_or_default();
    let ext = if query.is_empty() { "" } else { ".sqlite" };
    format!("{base}/{name}{ext}{query}")
}

async fn create_and_drop(db: TestDb) {
    let url = unborn(&db);
    let url = url.as_str();
    let (code, out, err) = cli(&["-u", url, "database", "create"]).await;
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("created database '"), "{out}");
    let (code, out, _) = cli(&["-u", url, "database", "create"]).await;
    assert_eq!(code, 0);
    assert!(out.ends_with("already exists; nothing was changed\n"), "{out}");
    assert_eq!(cli(&["-u", url, "up", "-q"]).await.0, 0);

    let (code, _, err) = cli(&["-u", url, "--env", "production", "database", "drop", "--yes"]).await;
    assert_eq!(code, 1);
    assert!(err.contains("never allowed in production"), "{err}");
    let (code, _, err) = cli(&["-u", url, "database", "drop"]).await;
    assert_eq!(code, 1, "no terminal to confirm on, no --yes: refused");
    assert!(err.contains("--yes"), "{err}");
    let (code, out, err) = cli(&["-u", url, "--format", "json", "database", "drop", "--yes"]).await;
    assert_eq!(code, 0, "{err}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!((json["action"].as_str(), json["changed"].as_bool()), (Some("dropped"), Some(true)));
    let (code, out, _) = cli(&["-u", url, "database", "drop", "--yes"]).await;
    assert_eq!(code, 0);
    assert!(out.ends_with("does not exist; nothing was changed\n"), "{out}");

    let (code, _, err) = cli(&["-u", url, "up", "--create-database"]).await;
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("created database '"), "{err}");
    let (code, out, _) = cli(&["-u", url, "current"]).await;
    assert_eq!((code, out.trim()), (0, "m20250401_000003_seal_credentials"));
    assert_eq!(cli(&["-u", url, "database", "drop", "--yes"]).await.0, 0);
}

crate::on_each_backend!(create_and_drop);
