//! Backfilling 1,000,000 rows (`n = n + 1` on every row) three ways, side by side in one run:
//! - one `UPDATE` statement (the floor: the least work, and one lock on every row until it
//!   commits);
//! - seamigrate's backfill (`seamigrate::backfill`, batches by key, each committed with its
//!   checkpoint: 5,000 rows on PostgreSQL, 50,000 on SQLite), run by the runner as a migration;
//! - a hand-written loop of OFFSET batches (`... WHERE id IN (SELECT id ... LIMIT n OFFSET k)`),
//!   what users write today.
//!
//! While each runs, a probe on a connection of its own updates one random row at a time, as
//! the application would, and the longest any probe waited is the longest a lock on the table
//! kept the application out. Printed per backend: the median time (and its ratio to the single
//! UPDATE), the probe's worst wait, the backfill's longest batch (from one progress report to
//! the next, pause included), and the process's peak memory (resident set, reset before each
//! run). On SQLite the backfill also runs with a 20 ms pause after each batch: SQLite queues no
//! one for its lock, and a writer that waits sleeps between tries, so back-to-back batches can
//! keep it out longer than a batch lasts.
//!
//! Run with `cargo bench --bench backfill`. BENCH_RUNS runs of each (default 3), BENCH_ROWS
//! rows (default 1,000,000), BENCH_BATCH rows per batch (default 5,000), BENCH_BACKENDS
//! (default `postgres,sqlite`). PostgreSQL from SEAMIGRATE_BENCH_POSTGRES_URL (default
//! postgres://postgres@127.0.0.1:5432/postgres), skipped, saying so, when unreachable; SQLite
//! in a temporary file.

use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement};
use sea_orm_migration::prelude::*;
use seamigrate::backfill::Tick;
use seamigrate::runner::Progress;
use seamigrate::{Migrator, RunOptions, UpTarget};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Rows per batch: BENCH_BATCH, or 5,000 on PostgreSQL and 50,000 on SQLite, whose every commit
/// costs a journal sync and whose lock covers the whole file whatever the batch.
fn batch() -> u64 {
    let sqlite = SQLITE.load(Ordering::SeqCst);
    std::env::var("BENCH_BATCH").ok().and_then(|v| v.parse().ok()).unwrap_or(if sqlite { 50_000 } else { 5_000 })
}

/// The pause after each batch of seamigrate's backfill in the run going on.
static PAUSE_MS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

fn pause() -> Duration {
    Duration::from_millis(PAUSE_MS.load(Ordering::SeqCst))
}

/// SQLite has no queue for its write lock: a waiting writer sleeps and tries again (up to 100 ms
/// apart), so back-to-back batches can keep it out; a pause as long as a batch lets it in.
const SQLITE_PAUSE_MS: u64 = 20;

/// Whether SQLite is being measured (the batch size follows it).
static SQLITE: AtomicBool = AtomicBool::new(false);

struct Backfill;

impl MigrationName for Backfill {
    fn name(&self) -> &str {
        "m1_backfill"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Backfill {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        seamigrate::backfill::table("bf_bench").batch_size(batch()).pause(pause()).set(manager, "n = n + 1").await.map(drop)
    }
}

/// The times of the backfill's batches, from its progress.
#[derive(Default)]
struct Batches(Mutex<(Option<Instant>, Duration)>);

impl Progress for Batches {
    fn backfill(&self, _: &Tick<'_>) {
        let mut at = self.0.lock().unwrap();
        let now = Instant::now();
        if let Some(last) = at.0 {
            at.1 = at.1.max(now - last);
        }
        at.0 = Some(now);
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Way {
    OneUpdate,
    /// With this pause (ms) after each batch.
    Seamigrate(u64),
    OffsetLoop,
}

impl Way {
    fn label(self) -> String {
        match self {
            Way::OneUpdate => "one UPDATE (floor)".into(),
            Way::Seamigrate(0) => "seamigrate backfill".into(),
            Way::Seamigrate(ms) => format!("seamigrate, {ms} ms pause"),
            Way::OffsetLoop => "OFFSET loop".into(),
        }
    }
}

struct Figures {
    time: Duration,
    probe_worst: Duration,
    longest_batch: Option<Duration>,
    peak_kib: u64,
}

/// A database for one run: its URL, and for PostgreSQL the name to drop.
async fn fresh(backend: DbBackend, admin: &str, dir: &std::path::Path) -> (String, Option<String>) {
    let name = format!("seamigrate_bf_{:016x}", rand_u64());
    match backend {
        DbBackend::Postgres => {
            let db = Database::connect(admin).await.expect("admin connection");
            db.execute_unprepared(&format!("CREATE DATABASE {name}")).await.expect("create");
            let _ = db.close().await;
            let base = admin.rsplit_once('/').map_or(admin, |(b, _)| b);
            (format!("{base}/{name}"), Some(name))
        }
        _ => (format!("sqlite://{}/{name}.db?mode=rwc", dir.display()), None),
    }
}

fn rand_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(Instant::now().elapsed().as_nanos());
    h.finish()
}

async fn fill(db: &DatabaseConnection, backend: DbBackend, rows: u64) {
    db.execute_unprepared("CREATE TABLE bf_bench (id BIGINT NOT NULL PRIMARY KEY, n INTEGER NOT NULL DEFAULT 0, payload VARCHAR(64))")
        .await
        .expect("create table");
    let insert = match backend {
        DbBackend::Postgres => format!("INSERT INTO bf_bench (id, payload) SELECT g, 'row ' || g FROM generate_series(1, {rows}) g"),
        _ => format!(
            "INSERT INTO bf_bench (id, payload) WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {rows}) \
             SELECT i, 'row ' || i FROM s"
        ),
    };
    db.execute_unprepared(&insert).await.expect("fill");
    if backend == DbBackend::Postgres {
        db.execute_unprepared("VACUUM ANALYZE bf_bench").await.expect("vacuum");
    }
}

/// Updates one random row at a time until `stop`; the longest any update took.
async fn probe(db: DatabaseConnection, rows: u64, stop: Arc<AtomicBool>) -> Duration {
    let mut worst = Duration::ZERO;
    let mut seed = rand_u64() | 1;
    while !stop.load(Ordering::SeqCst) {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let id = seed % rows + 1;
        let started = Instant::now();
        db.execute_unprepared(&format!("UPDATE bf_bench SET payload = 'probed' WHERE id = {id}")).await.expect("probe");
        worst = worst.max(started.elapsed());
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    worst
}

/// Peak resident memory of this process since the last reset, in KiB; resets it.
fn peak_kib(reset: bool) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let peak = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    if reset {
        let _ = std::fs::write("/proc/self/clear_refs", "5");
    }
    peak
}

async fn connect(url: &str, backend: DbBackend) -> DatabaseConnection {
    let mut options = ConnectOptions::new(url);
    options.max_connections(1).sqlx_logging(false);
    let db = Database::connect(options).await.expect("connect");
    if backend == DbBackend::Sqlite {
        // The probe waits as long as the backfill's lock lasts, rather than giving up at 5 s.
        db.execute_unprepared("PRAGMA busy_timeout = 600000").await.expect("busy timeout");
    }
    db
}

async fn one(backend: DbBackend, admin: &str, dir: &std::path::Path, rows: u64, way: Way) -> Figures {
    let (url, name) = fresh(backend, admin, dir).await;
    let db = connect(&url, backend).await;
    fill(&db, backend, rows).await;
    let stop = Arc::new(AtomicBool::new(false));
    let probe_db = connect(&url, backend).await;
    let prober = tokio::spawn(probe(probe_db, rows, Arc::clone(&stop)));
    tokio::time::sleep(Duration::from_millis(200)).await;
    peak_kib(true);
    let batches = Arc::new(Batches::default());
    let started = Instant::now();
    match way {
        Way::OneUpdate => {
            db.execute_unprepared("UPDATE bf_bench SET n = n + 1").await.expect("update");
        }
        Way::Seamigrate(ms) => {
            PAUSE_MS.store(ms, Ordering::SeqCst);
            let session = seamigrate::db::Session::open(&seamigrate::DatabaseUrl::parse(&url).unwrap(), &Default::default())
                .await
                .expect("session");
            let m = Migrator::from_migrations(session, vec![Box::new(Backfill)]).unwrap().progress(batches.clone());
            m.up(&UpTarget::All, &RunOptions::default()).await.expect("up");
        }
        Way::OffsetLoop => {
            let mut offset = 0u64;
            loop {
                let sql = format!(
                    "UPDATE bf_bench SET n = n + 1 WHERE id IN (SELECT id FROM bf_bench ORDER BY id LIMIT {} OFFSET {offset})",
                    batch()
                );
                if db.execute_unprepared(&sql).await.expect("batch").rows_affected() == 0 {
                    break;
                }
                offset += batch();
            }
        }
    }
    let time = started.elapsed();
    let peak = peak_kib(false);
    stop.store(true, Ordering::SeqCst);
    let probe_worst = prober.await.expect("probe");
    let count = |sql: &str| Statement::from_string(backend, sql);
    let wrong = db.query_one_raw(count("SELECT COUNT(*) FROM bf_bench WHERE n <> 1")).await.unwrap().unwrap();
    assert_eq!(wrong.try_get_by_index::<i64>(0).unwrap(), 0, "{way:?}: every row once");
    let _ = db.close().await;
    if let Some(name) = name {
        let admin = Database::connect(admin).await.expect("admin");
        let _ = admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
    }
    let longest_batch = matches!(way, Way::Seamigrate(_)).then(|| batches.0.lock().unwrap().1);
    Figures { time, probe_worst, longest_batch, peak_kib: peak }
}

fn median(mut values: Vec<Duration>) -> Duration {
    values.sort();
    values[values.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

#[tokio::main]
async fn main() {
    let runs: usize = Ord::max(std::env::var("BENCH_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(3), 1);
    let rows: u64 = std::env::var("BENCH_ROWS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    let admin = std::env::var("SEAMIGRATE_BENCH_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let dir = tempfile::tempdir().expect("temp dir");
    println!("backfilling {rows} rows (n = n + 1), median of {runs} run(s); a probe updates one random row at a time throughout");
    println!(
        "{:<11} {:<26} {:>10} {:>9} {:>16} {:>14} {:>12}",
        "backend", "way", "time", "ratio", "probe worst wait", "longest batch", "peak memory"
    );
    let only = std::env::var("BENCH_BACKENDS").unwrap_or_else(|_| "postgres,sqlite".into());
    for backend in [DbBackend::Postgres, DbBackend::Sqlite] {
        let key = if backend == DbBackend::Postgres { "postgres" } else { "sqlite" };
        if !only.split(',').any(|b| b.trim() == key) {
            continue;
        }
        if backend == DbBackend::Postgres
            && !tokio::time::timeout(Duration::from_secs(3), Database::connect(admin.as_str())).await.is_ok_and(|r| r.is_ok())
        {
            println!("PostgreSQL not reachable at {}: skipped", seamigrate::db::mask_password(&admin));
            continue;
        }
        let label = if backend == DbBackend::Postgres { "PostgreSQL" } else { "SQLite" };
        SQLITE.store(backend == DbBackend::Sqlite, Ordering::SeqCst);
        println!("{label}: batches of {} rows", batch());
        let mut floor = None;
        let mut ways = vec![Way::OneUpdate, Way::Seamigrate(0)];
        if backend == DbBackend::Sqlite {
            ways.push(Way::Seamigrate(SQLITE_PAUSE_MS));
        }
        ways.push(Way::OffsetLoop);
        for way in ways {
            let mut figures = Vec::new();
            for _ in 0..runs {
                figures.push(one(backend, &admin, dir.path(), rows, way).await);
            }
            let time = median(figures.iter().map(|f| f.time).collect());
            let worst = median(figures.iter().map(|f| f.probe_worst).collect());
            let batch = figures.iter().filter_map(|f| f.longest_batch).max();
            let peak = figures.iter().map(|f| f.peak_kib).max().unwrap_or(0);
            let floor = *floor.get_or_insert(time);
            println!(
                "{:<11} {:<26} {:>10} {:>8.2}x {:>16} {:>14} {:>9} MiB",
                label,
                way.label(),
                ms(time),
                time.as_secs_f64() / floor.as_secs_f64(),
                ms(worst),
                batch.map_or_else(|| "-".to_string(), ms),
                peak / 1024
            );
        }
    }
}
