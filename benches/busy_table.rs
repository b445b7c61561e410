//! What a migration on a busy table does to the application's queries, with and without a lock
//! wait limit.
//!
//! A table of 1,000 rows takes a steady load (4 clients, each reading one row by key, as fast
//! as it can). Half a second in, a session opens a transaction that reads the table and keeps
//! it for BENCH_HOLD seconds (default 4): a long report, or a forgotten `BEGIN`. A second in,
//! `up` runs a migration that adds a column to that table. Three runs, each on a fresh
//! database: no migration (the floor), `--ddl-lock-timeout 0` (wait as long as it takes, what
//! every runner without a limit does), and `--ddl-lock-timeout 1` (the migration gives way and
//! retries). Printed: the load's p50, p99 and max latency, its slowest second's throughput, and
//! how long `up` took and how often it gave way.
//!
//! Run with `cargo bench --bench busy_table`. PostgreSQL from SEAMIGRATE_BENCH_POSTGRES_URL
//! (default postgres://postgres@127.0.0.1:5432/postgres), MariaDB from
//! SEAMIGRATE_BENCH_MYSQL_URL (default mysql://root@127.0.0.1:3306/mysql); each is skipped,
//! saying so, when unreachable.

use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement, TransactionTrait};
use sea_orm_migration::prelude::*;
use seamigrate::capture::Direction;
use seamigrate::db::{ConnectSettings, DatabaseUrl, Session};
use seamigrate::runner::{DdlLimits, Progress};
use seamigrate::{Migrator, RunOptions, UpTarget};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

struct AddColumn;

impl MigrationName for AddColumn {
    fn name(&self) -> &str {
        "m1_add_column"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for AddColumn {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let alter = Table::alter()
            .table(Alias::new("busy"))
            .add_column(ColumnDef::new(Alias::new("extra")).integer().null())
            .to_owned();
        manager.alter_table(alter).await
    }
}

#[derive(Default)]
struct Count(AtomicU32);

impl Progress for Count {
    fn gave_way(&self, _: &str, _: Direction, _: u32, _: u32, _: Duration, _: &str) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Run {
    NoMigration,
    WaitForever,
    GiveWay,
}

struct Figures {
    p50: Duration,
    p99: Duration,
    max: Duration,
    slowest_second: usize,
    up: Option<Duration>,
    gave_way: u32,
}

async fn fresh(admin: &str, backend: DbBackend) -> (String, String) {
    let name = format!("seamigrate_busy_{:012x}", rand::random::<u64>() >> 16);
    let db = Database::connect(admin).await.expect("admin connection");
    db.execute_unprepared(&format!("CREATE DATABASE {name}")).await.expect("create");
    let _ = db.close().await;
    let url = format!("{}/{name}", admin.rsplit_once('/').map_or("", |(b, _)| b));
    let db = Database::connect(url.as_str()).await.expect("connect");
    let id = match backend {
        DbBackend::Postgres => "id serial PRIMARY KEY",
        _ => "id int AUTO_INCREMENT PRIMARY KEY",
    };
    db.execute_unprepared(&format!("CREATE TABLE busy ({id}, v int NOT NULL)")).await.expect("table");
    let values = (0..1000).map(|i| format!("({i})")).collect::<Vec<_>>().join(", ");
    db.execute_unprepared(&format!("INSERT INTO busy (v) VALUES {values}")).await.expect("rows");
    let _ = db.close().await;
    (name, url)
}

async fn drop_db(admin: &str, backend: DbBackend, name: &str) {
    let db = Database::connect(admin).await.expect("admin connection");
    let force = if backend == DbBackend::Postgres { " WITH (FORCE)" } else { "" };
    let _ = db.execute_unprepared(&format!("DROP DATABASE {name}{force}")).await;
    let _ = db.close().await;
}

async fn one(admin: &str, backend: DbBackend, run: Run, hold: Duration) -> Figures {
    let (name, url) = fresh(admin, backend).await;
    let mut options = ConnectOptions::new(url.clone());
    options.max_connections(4).sqlx_logging(false);
    let load_db = Database::connect(options).await.expect("load pool");
    let stop = Arc::new(AtomicBool::new(false));
    let samples: Arc<Mutex<Vec<(Duration, Duration)>>> = Arc::default();
    let origin = Instant::now();
    let mut clients = Vec::new();
    for _ in 0..4 {
        let (db, stop, samples) = (load_db.clone(), stop.clone(), samples.clone());
        clients.push(tokio::spawn(async move { load(db, backend, stop, samples, origin).await }));
    }
    // The long transaction.
    let holder_db = Database::connect(url.as_str()).await.expect("holder");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let holder = holder_db.begin().await.expect("begin");
    holder.execute_unprepared("SELECT * FROM busy WHERE id = 1").await.expect("read");
    let release = tokio::spawn(async move {
        tokio::time::sleep(hold).await;
        holder.commit().await.expect("commit");
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    let count = Arc::new(Count::default());
    let up = match run {
        Run::NoMigration => None,
        _ => {
            let limits = DdlLimits {
                lock_timeout: (run == Run::GiveWay).then_some(Duration::from_secs(1)),
                retries: 30,
                statement_timeout: None,
            };
            let session = Session::open(&DatabaseUrl::parse(&url).expect("url"), &ConnectSettings::default()).await.expect("session");
            let m = Migrator::from_migrations(session.clone(), vec![Box::new(AddColumn) as Box<dyn MigrationTrait>])
                .expect("migrator")
                .ddl_limits(limits)
                .progress(count.clone());
            let started = Instant::now();
            m.up(&UpTarget::All, &RunOptions::default()).await.expect("up");
            session.close().await;
            Some(started.elapsed())
        }
    };
    release.await.expect("holder");
    let settle = origin + hold + Duration::from_secs(2);
    tokio::time::sleep_until(settle.into()).await;
    stop.store(true, Ordering::SeqCst);
    for client in clients {
        let _ = client.await;
    }
    let _ = load_db.close().await;
    let _ = holder_db.close().await;
    drop_db(admin, backend, &name).await;
    let samples = std::mem::take(&mut *samples.lock().expect("samples"));
    let mut latencies: Vec<Duration> = samples.iter().map(|(_, l)| *l).collect();
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() - 1) as f64 * q) as usize];
    let seconds = samples.iter().map(|(t, _)| t.as_secs()).max().unwrap_or(0);
    let slowest_second = (1..seconds).map(|s| samples.iter().filter(|(t, _)| t.as_secs() == s).count()).min().unwrap_or(0);
    Figures { p50: at(0.5), p99: at(0.99), max: at(1.0), slowest_second, up, gave_way: count.0.load(Ordering::SeqCst) }
}

/// One client: reads one row by key, again and again, noting when and how long each read took.
async fn load(db: DatabaseConnection, backend: DbBackend, stop: Arc<AtomicBool>, samples: Arc<Mutex<Vec<(Duration, Duration)>>>, origin: Instant) {
    let mut key = 1u32;
    while !stop.load(Ordering::SeqCst) {
        key = key % 1000 + 1;
        let sql = match backend {
            DbBackend::Postgres => "SELECT v FROM busy WHERE id = $1",
            _ => "SELECT v FROM busy WHERE id = ?",
        };
        let started = Instant::now();
        let _ = db.query_one_raw(Statement::from_sql_and_values(backend, sql, [key.into()])).await;
        samples.lock().expect("samples").push((started - origin, started.elapsed()));
    }
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

async fn reachable(url: &str) -> bool {
    tokio::time::timeout(Duration::from_secs(3), Database::connect(url)).await.is_ok_and(|r| r.is_ok())
}

#[tokio::main]
async fn main() {
    let hold = Duration::from_secs(std::env::var("BENCH_HOLD").ok().and_then(|v| v.parse().ok()).unwrap_or(4));
    let servers = [
        ("PostgreSQL", DbBackend::Postgres, std::env::var("SEAMIGRATE_BENCH_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())),
        ("MariaDB", DbBackend::MySql, std::env::var("SEAMIGRATE_BENCH_MYSQL_URL").unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/mysql".into())),
    ];
    println!("4 clients reading one row by key; a transaction holds the table from 0.5 s for {}s; `up` adds a column at 1 s", hold.as_secs());
    println!("{:<11} {:<34} {:>10} {:>10} {:>10} {:>16} {:>10} {:>9}", "backend", "run", "p50", "p99", "max", "slowest second", "up", "gave way");
    for (label, backend, admin) in &servers {
        if !reachable(admin).await {
            println!("{label} not reachable at {}: skipped", seamigrate::db::mask_password(admin));
            continue;
        }
        for (run, name) in [
            (Run::NoMigration, "no migration (floor)"),
            (Run::WaitForever, "up, --ddl-lock-timeout 0 (no limit)"),
            (Run::GiveWay, "up, --ddl-lock-timeout 1"),
        ] {
            let f = one(admin, *backend, run, hold).await;
            println!(
                "{:<11} {:<34} {:>10} {:>10} {:>10} {:>10} reads {:>10} {:>9}",
                label,
                name,
                ms(f.p50),
                ms(f.p99),
                ms(f.max),
                f.slowest_second,
                f.up.map_or("-".to_string(), ms),
                f.gave_way
            );
        }
    }
}
