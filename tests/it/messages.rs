//! Messages users met while adopting seamigrate, each pinned: a command's own options before
//! the global ones in `--help`, `history -n 0`, a missing backup directory, `down --sql` while
//! a migration is dirty, and suggestions that name the real version.

use crate::cli::{cli, golden};
use crate::support::TestDb;
use sea_orm::ConnectionTrait;

#[tokio::test]
async fn help_lists_a_commands_own_options_first() {
    let (code, out, _) = cli(&["up", "--help"]).await;
    assert_eq!(code, 0);
    let own = out.find("--steps").expect("up's own option");
    let global = out.find("Global options:").expect("a heading for the global options");
    assert!(own < global, "{out}");
    golden("up_help.txt", &out);
}

#[tokio::test]
async fn a_missing_backup_directory_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("typo");
    let (code, out, err) = cli(&["backups", "--dir", missing.to_str().unwrap()]).await;
    assert_eq!((code, out.as_str()), (1, ""));
    assert!(err.starts_with("error: no such backup directory: "), "{err}");
    assert_eq!(err.lines().count(), 1);
    let (code, out, _) = cli(&["backups", "--dir", dir.path().to_str().unwrap()]).await;
    assert_eq!(code, 0);
    assert!(out.starts_with("No backups in "), "{out}");
}

#[test]
fn suggestions_name_the_version() {
    let err = seamigrate::Error::Modified { versions: vec!["m1_a".into(), "m2_b".into()] };
    let text = err.to_string();
    assert!(text.contains("`resolve m1_a --as applied`, `resolve m2_b --as applied`"), "{text}");
    assert!(!text.contains('<'), "{text}");
}

/// The messages of this file side by side in one golden file, as users read them.
#[tokio::test]
async fn messages_read_as_pinned() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("typo");
    let mut out = String::new();
    let mut show = |args: &[&str], (code, stdout, stderr): (i32, String, String)| {
        let text = format!("$ migration {}\nexit {code}\n{stdout}{stderr}\n", args.join(" "));
        out.push_str(&text.replace(dir.path().to_str().unwrap(), "<dir>"));
    };
    let args = ["backups", "--dir", missing.to_str().unwrap()];
    show(&args, cli(&args).await);
    let args = ["history", "-n", "0"];
    show(&args, cli(&args).await);
    let args = ["status", "--format", "mermaid"];
    show(&args, cli(&args).await);
    let modified = seamigrate::Error::Modified { versions: vec!["m1_a".into()] }.to_string();
    out.push_str(&format!("Modified: {modified}\n"));
    golden("messages.txt", &out);
}

async fn history_zero_and_down_sql_while_dirty(db: TestDb) {
    let url = db.url.as_str();
    assert_eq!(cli(&["-u", url, "up", "-q"]).await.0, 0);
    let (code, out, err) = cli(&["-u", url, "history", "-n", "0"]).await;
    assert_eq!((code, out.as_str()), (2, ""), "-n 0 is a usage error, not an empty log");
    assert!(err.contains("0 is not in 1..="), "{err}");

    let conn = db.connect().await;
    conn.execute_unprepared(
        "UPDATE seamigrate_migrations SET dirty = TRUE WHERE version = 'm20250401_000003_seal_credentials'",
    )
    .await
    .unwrap();
    let (code, _, err) = cli(&["-u", url, "down"]).await;
    assert_eq!(code, 1);
    assert!(err.contains("is dirty"), "{err}");
    let (code, out, err) = cli(&["-u", url, "down", "--sql"]).await;
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("-- m20250401_000003_seal_credentials (down)"), "{out}");
}

crate::on_each_backend!(history_zero_and_down_sql_while_dirty);
