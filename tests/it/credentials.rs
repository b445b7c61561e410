//! The reference application's credentials on real databases: plaintext sealed by its
//! migration (which refuses without a valid key), re-sealed under a new key by the
//! `rotate-credentials` task killed part way and run again, opened again by down(), refused
//! with a clear line under a wrong key; and no key or secret in any output. The CLI runs as a
//! process of its own, each with the environment it needs.

use crate::bad_input::CHILD_ARGS;
use crate::support::TestDb;
use base64::Engine;
use entity::sealed::{Keys, key_id};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};

const ROWS: i64 = 5_000;
const COLUMNS: [&str; 3] = ["client_id", "client_secret", "refresh_token"];

fn new_key() -> String {
    let bytes: [u8; 32] = rand::random();
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn keys(current: &str, previous: Option<&str>) -> Keys {
    Keys::from_lookup(|var| match var {
        "CREDENTIALS_KEY" => Some(current.to_string()),
        "CREDENTIALS_KEY_PREVIOUS" => previous.map(str::to_string),
        _ => None,
    })
    .unwrap()
}

/// Everything the CLI processes printed, to look for secrets in.
#[derive(Default)]
struct Printed(String);

/// The CLI in a process of its own with `env` set (a `None` value removes the variable);
/// returns (exit code, stdout, stderr).
fn cli(printed: &mut Printed, db: &TestDb, args: &[&str], env: &[(&str, Option<&str>)]) -> (i32, String, String) {
    let mut all = vec!["-u", &db.url];
    all.extend_from_slice(args);
    let mut command = std::process::Command::new(std::env::current_exe().unwrap());
    command.env(CHILD_ARGS, all.join("\u{1f}")).env_remove("DATABASE_URL").env_remove("APP_ENV");
    for (var, value) in env {
        match value {
            Some(value) => command.env(var, value),
            None => command.env_remove(var),
        };
    }
    let output = command.output().unwrap();
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    let (out, err) = (text(&output.stdout), text(&output.stderr));
    printed.0.push_str(&out);
    printed.0.push_str(&err);
    (output.status.code().unwrap_or(-1), out, err)
}

/// The original secrets: (id, [client_id, client_secret, refresh_token]).
type Originals = Vec<(i64, [Option<String>; 3])>;

async fn plaintext_rows(conn: &DatabaseConnection) -> Originals {
    conn.execute_unprepared(
        "INSERT INTO tenants (id, code, name, storage_quota_bytes, file_count_limit) VALUES (1, 't1', 'Tenant', 1, 1)",
    )
    .await
    .unwrap();
    let mut originals = Vec::new();
    for start in (1..=ROWS).step_by(1_000) {
        let mut values = Vec::new();
        for id in start..start + 1_000 {
            let secret = [
                Some(format!("client-{id}-{:08x}", rand::random::<u32>())),
                Some(format!("s3cr3t-{id}-{:016x}", rand::random::<u64>())),
                (id % 4 != 0).then(|| format!("refresh-{id}-{:016x}", rand::random::<u64>())),
            ];
            let sql = |v: &Option<String>| v.as_ref().map_or("NULL".to_string(), |s| format!("'{s}'"));
            values.push(format!("({id}, 1, 'p{id}', {}, {}, {})", sql(&secret[0]), sql(&secret[1]), sql(&secret[2])));
            originals.push((id, secret));
        }
        let insert = format!(
            "INSERT INTO credentials (id, tenant_id, provider, client_id, client_secret, refresh_token) VALUES {}",
            values.join(", ")
        );
        conn.execute_unprepared(&insert).await.unwrap();
    }
    originals
}

async fn stored(conn: &DatabaseConnection) -> Originals {
    let sql = "SELECT id, client_id, client_secret, refresh_token FROM credentials ORDER BY id";
    let rows = conn.query_all_raw(Statement::from_string(conn.get_database_backend(), sql)).await.unwrap();
    rows.iter()
        .map(|r| {
            let id: i32 = r.try_get("", "id").unwrap();
            (i64::from(id), COLUMNS.map(|c| r.try_get::<Option<String>>("", c).unwrap()))
        })
        .collect()
}

/// Every stored value opens under `keys` to the original.
fn opens_to(stored: &Originals, originals: &Originals, keys: &Keys) {
    assert_eq!(stored.len(), originals.len());
    for ((id, values), (_, plain)) in stored.iter().zip(originals) {
        for (i, (value, plain)) in values.iter().zip(plain).enumerate() {
            let opened = value.as_ref().map(|v| keys.open(v).unwrap_or_else(|e| panic!("row {id} {}: {e}", COLUMNS[i])));
            assert_eq!(&opened, plain, "row {id} {}", COLUMNS[i]);
        }
    }
}

/// How many stored values each key id seals.
fn by_key(stored: &Originals) -> std::collections::BTreeMap<String, usize> {
    let mut counts = std::collections::BTreeMap::new();
    for value in stored.iter().flat_map(|(_, v)| v.iter().flatten()) {
        *counts.entry(key_id(value).unwrap_or("plaintext").to_string()).or_insert(0) += 1;
    }
    counts
}

/// Starts `task rotate-credentials` and kills it (SIGKILL) once its checkpoint shows a batch
/// done; returns whether it was killed part way (rather than finishing first).
async fn rotation_killed_part_way(db: &TestDb, conn: &DatabaseConnection, current: &str, previous: &str) -> bool {
    let args = ["-u", db.url.as_str(), "task", "rotate-credentials"].join("\u{1f}");
    let mut child = tokio::process::Command::new(std::env::current_exe().unwrap())
        .env(CHILD_ARGS, args)
        .env("CREDENTIALS_KEY", current)
        .env("CREDENTIALS_KEY_PREVIOUS", previous)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let sql = "SELECT rows_done FROM seamigrate_backfills WHERE version = 'task:rotate-credentials'";
    let started = std::time::Instant::now();
    loop {
        if let Ok(Some(_)) = child.try_wait() {
            return false;
        }
        let done = conn
            .query_one_raw(Statement::from_string(conn.get_database_backend(), sql))
            .await
            .ok()
            .flatten()
            .and_then(|r| r.try_get_by_index::<i64>(0).ok())
            .unwrap_or(0);
        if done > 0 {
            let _ = child.start_kill();
            let _ = child.wait().await;
            return done < ROWS;
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(120), "the rotation never checkpointed");
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}

async fn credentials_sealed_rotated_and_opened(db: TestDb) {
    let (first, second) = (new_key(), new_key());
    let mut printed = Printed::default();
    let (code, _, err) = cli(&mut printed, &db, &["up", "-n", "2"], &[]);
    assert_eq!(code, 0, "{err}");
    let conn = db.connect().await;
    let originals = plaintext_rows(&conn).await;

    // No key, or a malformed one: one line naming the variable, nothing sealed.
    // Empty reads as unset (the test binary sets a key where the variable is absent).
    let (code, _, err) = cli(&mut printed, &db, &["up"], &[("CREDENTIALS_KEY", Some(""))]);
    assert_eq!(code, 1);
    let line = err.lines().find(|l| l.starts_with("error:")).unwrap_or_else(|| panic!("{err}"));
    assert!(line.contains("CREDENTIALS_KEY is not set"), "{err}");
    let (code, _, err) = cli(&mut printed, &db, &["up"], &[("CREDENTIALS_KEY", Some("bm90IGEga2V5"))]);
    assert_eq!(code, 1);
    assert!(err.contains("CREDENTIALS_KEY is not a key: it decodes to 9 bytes, not 32"), "{err}");
    assert_eq!(stored(&conn).await, originals, "nothing changed by a refusal");

    // Sealed under the first key.
    let (code, _, err) = cli(&mut printed, &db, &["up"], &[("CREDENTIALS_KEY", Some(&first))]);
    assert_eq!(code, 0, "{err}");
    let sealed = stored(&conn).await;
    let first_id = format!("k{}", keys(&first, None).current.id());
    assert_eq!(by_key(&sealed).keys().collect::<Vec<_>>(), [&first_id[1..]], "all under the first key");
    opens_to(&sealed, &originals, &keys(&first, None));

    // Rotated to the second, killed part way, run again.
    let killed = rotation_killed_part_way(&db, &conn, &second, &first).await;
    assert!(killed, "{:?}: the rotation finished before it could be killed", db.kind);
    let mixed = by_key(&stored(&conn).await);
    assert_eq!(mixed.len(), 2, "part under each key after the kill: {mixed:?}");
    let both = [("CREDENTIALS_KEY", Some(second.as_str())), ("CREDENTIALS_KEY_PREVIOUS", Some(first.as_str()))];
    let (code, out, err) = cli(&mut printed, &db, &["task", "rotate-credentials"], &both);
    assert_eq!(code, 0, "{err}");
    let total: usize = mixed.values().sum();
    let second_id = format!("k{}", keys(&second, None).current.id());
    assert!(out.contains(&format!("values by key now: {second_id}: {total}")), "{out}");
    let rotated = stored(&conn).await;
    opens_to(&rotated, &originals, &keys(&second, None));
    let (code, out, _) = cli(&mut printed, &db, &["task", "rotate-credentials"], &both);
    assert_eq!(code, 0);
    assert!(out.contains("re-sealed 0 value(s)"), "a second run leaves everything: {out}");
    assert_eq!(stored(&conn).await, rotated);

    let (code, out, _) = cli(&mut printed, &db, &["task"], &[]);
    assert!(code == 0 && out.starts_with("TASK") && out.contains("rotate-credentials  re-seal"), "{out}");
    let (code, _, err) = cli(&mut printed, &db, &["task", "rotate"], &[]);
    assert_eq!((code, err.as_str()), (1, "error: no task named `rotate`; known: rotate-credentials\n"));

    // A wrong key is refused in one line, never read as garbage.
    let (code, _, err) = cli(&mut printed, &db, &["down"], &[("CREDENTIALS_KEY", Some(&new_key()))]);
    assert_eq!(code, 1);
    assert!(err.contains(&format!("sealed with key {second_id}, which is neither CREDENTIALS_KEY nor")), "{err}");
    assert_eq!(stored(&conn).await, rotated, "nothing opened under a wrong key");

    // down() opens everything again.
    let (code, _, err) = cli(&mut printed, &db, &["down"], &[("CREDENTIALS_KEY", Some(&second))]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(stored(&conn).await, originals);

    for secret in originals.iter().flat_map(|(_, v)| v.iter().flatten()) {
        assert!(!printed.0.contains(secret.as_str()), "a secret was printed");
    }
    for key in [&first, &second] {
        assert!(!printed.0.contains(key.as_str()), "a key was printed");
    }
    let _ = conn.close().await;
}

crate::on_each_backend!(credentials_sealed_rotated_and_opened);
