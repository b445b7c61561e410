//! Bad input of every kind ends in one clear line and exit code 2 (or 1), never a panic: every
//! numeric flag of every command at 0, -1 and u64::MAX, a `.env` with a line that cannot be
//! read, an ambiguous version prefix, a very long database name, a directory given as the
//! SQLite file. The flags and `.env` are tried in a real process (this test binary runs the
//! CLI as a child), with `RUST_BACKTRACE=1`.

use crate::cli::cli;
use std::any::TypeId;
use std::path::Path;

pub(crate) const CHILD_ARGS: &str = "SEAMIGRATE_TEST_CLI_ARGS";

/// The CLI process the tests below start, when this test binary is run with `CHILD_ARGS` set
/// (the arguments, separated by U+001F): it exits with the CLI's exit code before the test
/// harness starts ([`crate::children`]).
pub(crate) fn cli_child(joined: &str) -> ! {
    let args = std::iter::once("migration".to_string())
        .chain(joined.split('\u{1f}').map(str::to_string))
        .map(std::ffi::OsString::from)
        .collect();
    let code = seamigrate::cli::run_app_process::<migration::Migrator>(args, &migration::app());
    std::process::exit(code);
}

/// Runs the CLI in a process of its own in `dir`; returns (exit code, stdout, stderr).
fn process(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .env(CHILD_ARGS, args.join("\u{1f}"))
        .env("RUST_BACKTRACE", "1")
        .env_remove("DATABASE_URL")
        .env_remove("APP_ENV")
        .current_dir(dir)
        .output()
        .unwrap();
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (output.status.code().unwrap_or(-1), text(&output.stdout), text(&output.stderr))
}

fn no_panic(args: &[&str], code: i32, out: &str, err: &str) {
    for text in [out, err] {
        assert!(!text.contains("panicked") && !text.contains("stack backtrace"), "{args:?} panicked:\n{text}");
    }
    assert_ne!(code, 101, "{args:?}");
}

/// Every subcommand path and the numeric flags it takes (its own and the global ones).
fn numeric_flags() -> Vec<(Vec<String>, String)> {
    fn walk(cmd: &clap::Command, path: Vec<String>, out: &mut Vec<(Vec<String>, String)>) {
        for arg in cmd.get_arguments() {
            let id = arg.get_value_parser().type_id();
            let numeric = [TypeId::of::<u32>(), TypeId::of::<u64>(), TypeId::of::<i64>(), TypeId::of::<usize>()]
                .into_iter()
                .any(|t| id == t);
            if let (true, Some(long)) = (numeric, arg.get_long()) {
                out.push((path.clone(), format!("--{long}")));
            }
        }
        for sub in cmd.get_subcommands() {
            let mut path = path.clone();
            path.push(sub.get_name().to_string());
            walk(sub, path, out);
        }
    }
    let mut command = seamigrate::cli::command();
    command.build();
    let mut out = Vec::new();
    walk(&command, Vec::new(), &mut out);
    out
}

#[test]
fn every_numeric_flag_rejects_0_negative_and_huge() {
    let flags = numeric_flags();
    let distinct: std::collections::BTreeSet<_> = flags.iter().map(|(_, f)| f.as_str()).collect();
    for expected in ["--steps", "--limit", "--lock-timeout", "--connect-timeout", "--keep-days"] {
        assert!(distinct.contains(expected), "{expected} not found among {distinct:?}");
    }
    assert!(flags.len() >= 40, "{} (command, flag) pairs: fewer than the commands and flags there are", flags.len());
    let dir = tempfile::tempdir().unwrap();
    let max = u64::MAX.to_string();
    for (path, flag) in &flags {
        if path.is_empty() {
            continue; // the global flags are tried under each command
        }
        // 0 means something for these: wait as long as it takes, do not retry.
        let zero_means = ["--ddl-lock-timeout", "--ddl-retries"].contains(&flag.as_str());
        for value in ["0", "-1", max.as_str()].into_iter().filter(|v| !(zero_means && *v == "0")) {
            let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
            args.push(flag);
            args.push(value);
            if path.last().is_some_and(|c| ["generate", "autogenerate", "stamp", "resolve", "restore"].contains(&c.as_str())) {
                args.push("x"); // their required argument, so that the flag is what fails
            }
            let (code, out, err) = process(dir.path(), &args);
            no_panic(&args, code, &out, &err);
            assert_eq!(code, 2, "{args:?}: {err}");
            assert!(err.contains(flag.as_str()) || err.contains(value), "{args:?} says which value: {err}");
        }
    }
    assert!(!dir.path().join("seamigrate.sqlite").exists(), "nothing ran");
}

#[test]
fn a_bad_env_line_stops_the_command() {
    for (env, args) in [
        ("DB_HOST 10.0.0.5\nAPP_ENV=production\n", vec!["reset", "--yes"]),
        ("# the database\nDB_HOST 10.0.0.5\nDATABASE_URL=postgres://app:s3cret-pw@127.0.0.1:1/app\n", vec!["up"]),
        ("DATABASE_URL=\"postgres://app:s3cret-pw@127.0.0.1:1/app\n", vec!["--format", "json", "status"]),
    ] {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(".env"), env).unwrap();
        let (code, out, err) = process(dir.path(), &args);
        no_panic(&args, code, &out, &err);
        assert_eq!(code, 2, "{args:?}: {out}{err}");
        let said = if args.contains(&"json") { out[out.find('{').unwrap_or(0)..].to_string() } else { err.clone() };
        assert!(said.contains(".env line"), "{args:?}: {said}");
        if args.contains(&"json") {
            let json: serde_json::Value = serde_json::from_str(&said).unwrap();
            assert_eq!(json["error"]["kind"], "env-file");
        }
        for secret in ["10.0.0.5", "s3cret-pw", "DB_HOST"] {
            assert!(!out.contains(secret) && !err.contains(secret), "{secret} shown: {out}{err}");
        }
        assert!(!dir.path().join("seamigrate.sqlite").exists(), "{args:?} ran on a partly read configuration");
    }
    // A good file is used: its URL is the one connected to.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".env"), "APP_ENV=development\nDATABASE_URL=sqlite://from-env.sqlite?mode=rwc\n").unwrap();
    let (code, _, err) = process(dir.path(), &["status"]);
    assert_eq!(code, 0, "{err}");
    assert!(dir.path().join("from-env.sqlite").exists());
}

#[tokio::test]
async fn small_mistakes_get_clear_messages() {
    let (code, _, err) = cli(&["up", "-n", "0"]).await;
    assert_eq!(code, 2);
    assert!(err.contains("'0'") && err.contains("--steps"), "{err}");
    let (code, _, err) = cli(&["down", "-n", "0"]).await;
    assert_eq!(code, 2, "{err}");

    let long = format!("postgres://app:pw@127.0.0.1:1/{}", "d".repeat(10_000));
    let (code, _, err) = cli(&["-u", &long, "status"]).await;
    assert_eq!(code, 1);
    assert!(err.len() < 400 && err.contains("…(10000 characters)"), "{} characters: {}", err.len(), &err[..err.len().min(300)]);

    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().display());
    let (code, _, err) = cli(&["-u", &url, "status"]).await;
    assert_eq!(code, 1);
    assert!(err.contains("that path is a directory; name a file in it"), "{err}");
}

async fn ambiguous_prefixes_are_named(db: crate::support::TestDb) {
    if db.kind != crate::support::Kind::Sqlite {
        return; // the choice among versions is the same whatever the backend
    }
    let list = (0..60)
        .map(|i| {
            let version: &'static str = Box::leak(format!("m2026{i:04}_x").into_boxed_str());
            crate::fixtures::table(version, Box::leak(format!("t{i}").into_boxed_str()))
        })
        .collect();
    let m = crate::support::migrator(&db, list).await;
    let err = m.stamp(&seamigrate::StampTarget::Version("m2026".into())).await.unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, seamigrate::Error::Ambiguous { count: 60, .. }), "{text}");
    assert!(text.starts_with("'m2026' is ambiguous: it begins 60 migration versions (m20260000_x, m20260001_x, m20260002_x, ...)"), "{text}");
    let err = m.stamp(&seamigrate::StampTarget::Version("m2027".into())).await.unwrap_err();
    assert!(err.to_string().starts_with("unknown migration version 'm2027'"), "{err}");
}

crate::on_each_backend!(ambiguous_prefixes_are_named);
