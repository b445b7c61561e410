//! The runner against its floor and its alternative, side by side in one run, end to end.
//!
//! For SQLite and PostgreSQL, `up` of the reference schema and of 500 small synthetic
//! migrations, each run on a fresh database, connecting and closing included, by:
//! (a) the **floor**: one connection, each migration's statements (captured beforehand) sent
//!     unprepared in one transaction per migration, nothing recorded;
//! (b) **seamigrate** as its CLI runs it: a session opened from the URL, `Migrator::up`;
//! (c) the **stock** sea-orm-migration runner as its CLI runs it: `Database::connect(url)`,
//!     `MigratorTrait::up`.
//! The three are interleaved run by run (in a rotating order), so that the machine's drift
//! falls on all three alike; each figure is the median of BENCH_RUNS runs (default 7).
//! On PostgreSQL one more run of each goes through a counting TCP proxy, for the sessions each
//! opens and its round trips per migration.
//! Then `check` against `status` through the CLI (in process, end to end) on a database at the
//! reference schema's head, interleaved likewise, and `status` with 1,000 applied migrations.
//!
//! PostgreSQL's throwaway databases are set to `synchronous_commit = off`, so that what is
//! compared is the runners' own work rather than the disk's flush latency, which on a shared
//! machine varies twofold from one minute to the next; BENCH_FSYNC=1 keeps every commit
//! flushed. (SQLite offers no such setting through a URL; its figures include the flushes.)
//!
//! Run with `cargo bench --bench runner`. PostgreSQL comes from SEAMIGRATE_BENCH_POSTGRES_URL
//! (default postgres://postgres@127.0.0.1:5432/postgres); it is skipped, saying so, when
//! unreachable. BENCH_BACKENDS (`sqlite,postgres`) and BENCH_PARTS (`reference,500,counted,
//! check,status`) choose what runs.

#[path = "common/proxy.rs"]
mod proxy;

use sea_orm::{ConnectOptions, ConnectionTrait, Database, TransactionTrait};
use sea_orm_migration::prelude::*;
use seamigrate::capture::{Direction, capture};
use seamigrate::cli::Console;
use seamigrate::db::{Backend, ConnectSettings, DatabaseUrl, Session};
use seamigrate::{Migrator, RunOptions, StampTarget, UpTarget};
use std::time::{Duration, Instant};

struct Synthetic {
    name: String,
    table: String,
}

impl MigrationName for Synthetic {
    fn name(&self) -> &str {
        &self.name
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Synthetic {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Alias::new(&self.table))
                    .col(ColumnDef::new(Alias::new("id")).integer().not_null().primary_key())
                    .col(ColumnDef::new(Alias::new("label")).string_len(64).not_null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Alias::new(&self.table)).to_owned()).await
    }
}

fn synthetic(count: usize) -> Vec<Box<dyn MigrationTrait>> {
    (0..count)
        .map(|i| {
            Box::new(Synthetic { name: format!("m{i:05}_synthetic"), table: format!("s{i:05}") })
                as Box<dyn MigrationTrait>
        })
        .collect()
}

struct Synthetic500;

impl MigratorTrait for Synthetic500 {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        synthetic(500)
    }
}

/// No migrations: what a run costs before its first migration.
struct Empty;

impl MigratorTrait for Empty {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        Vec::new()
    }
}

type Reference = migration::Migrator;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Variant {
    Floor,
    Seamigrate,
    Stock,
}

const VARIANTS: [Variant; 3] = [Variant::Floor, Variant::Seamigrate, Variant::Stock];

/// Where fresh databases come from.
struct Server {
    backend: Backend,
    admin: String,
    dir: tempfile::TempDir,
}

impl Server {
    /// A fresh, empty database; returns its name and URL.
    async fn fresh(&self) -> (String, String) {
        let name = format!("seamigrate_bench_{:012x}", rand::random::<u64>() >> 16);
        let url = match self.backend {
            Backend::Sqlite => format!("sqlite://{}/{name}.sqlite?mode=rwc", self.dir.path().display()),
            _ => {
                let admin = Database::connect(self.admin.as_str()).await.expect("admin connection");
                admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await.expect("create");
                if std::env::var("BENCH_FSYNC").as_deref() != Ok("1") {
                    let quiet = format!("ALTER DATABASE {name} SET synchronous_commit = off");
                    admin.execute_unprepared(&quiet).await.expect("synchronous_commit");
                }
                let _ = admin.close().await;
                format!("{}/{name}", self.admin.rsplit_once('/').map_or("", |(b, _)| b))
            }
        };
        (name, url)
    }

    async fn drop(&self, name: &str) {
        if self.backend == Backend::Postgres {
            let admin = Database::connect(self.admin.as_str()).await.expect("admin connection");
            let _ = admin.execute_unprepared(&format!("DROP DATABASE {name} WITH (FORCE)")).await;
            let _ = admin.close().await;
        }
    }
}

/// One end-to-end `up` of `M` by `variant` on the database at `url`.
async fn run<M: MigratorTrait>(variant: Variant, url: &str, sql: &[Vec<String>]) -> Duration {
    let started = Instant::now();
    match variant {
        Variant::Floor => {
            let mut options = ConnectOptions::new(url);
            options.max_connections(1).sqlx_logging(false);
            let db = Database::connect(options).await.expect("floor connects");
            for statements in sql {
                let txn = db.begin().await.expect("begin");
                for statement in statements {
                    txn.execute_unprepared(statement).await.expect("floor statement");
                }
                txn.commit().await.expect("commit");
            }
            db.close().await.expect("close");
        }
        Variant::Seamigrate => {
            let url = DatabaseUrl::parse(url).expect("url");
            let session = Session::open(&url, &ConnectSettings::default()).await.expect("session");
            let m = Migrator::new::<M>(session.clone()).expect("migrator");
            m.up(&UpTarget::All, &RunOptions::default()).await.expect("seamigrate up");
            session.close().await;
        }
        Variant::Stock => {
            let db = Database::connect(url).await.expect("stock connects");
            M::up(&db, None).await.expect("stock up");
            db.close().await.expect("close");
        }
    }
    started.elapsed()
}

async fn captured<M: MigratorTrait>(backend: Backend) -> Vec<Vec<String>> {
    let mut all = Vec::new();
    for m in M::migrations() {
        all.push(capture(m.as_ref(), Direction::Up, backend).await.expect("capture").statements);
    }
    all
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// Medians of `runs` interleaved runs of each variant, each on a fresh database.
async fn workload<M: MigratorTrait>(server: &Server, label: &str, runs: usize) {
    let sql = captured::<M>(server.backend).await;
    let mut times: [Vec<Duration>; 3] = Default::default();
    for i in 0..runs {
        for k in 0..VARIANTS.len() {
            let slot = (i + k) % VARIANTS.len();
            let (name, url) = server.fresh().await;
            times[slot].push(run::<M>(VARIANTS[slot], &url, &sql).await);
            server.drop(&name).await;
        }
    }
    let [floor, ours, stock] = times.map(median);
    println!(
        "{:<10} {:<22} {:>12} {:>12} {:>12} {:>9.2}x {:>9.2}x",
        server.backend.name(),
        label,
        ms(floor),
        ms(ours),
        ms(stock),
        ours.as_secs_f64() / floor.as_secs_f64(),
        ours.as_secs_f64() / stock.as_secs_f64(),
    );
}

/// Sessions and round trips of each variant, counted through a proxy: a run of `Empty` gives
/// the fixed cost, one of 500 migrations the cost per migration on top of it.
async fn counted(server: &Server) {
    let target = {
        let url = DatabaseUrl::parse(&server.admin).expect("url");
        let (host, port) = url.address().expect("a TCP server");
        tokio::net::lookup_host((host, port)).await.expect("resolve").next().expect("an address")
    };
    let proxy = proxy::Proxy::start(target).await;
    let through = |url: &str| url.replacen(&format!("{}", target.port()), &proxy.addr.port().to_string(), 1);
    let empty_sql = captured::<Empty>(server.backend).await;
    let sql = captured::<Synthetic500>(server.backend).await;
    println!("counted through a proxy (PostgreSQL): sessions opened, and round trips per run and per migration");
    for variant in VARIANTS {
        let (name, url) = server.fresh().await;
        proxy.take();
        run::<Empty>(variant, &through(&url), &empty_sql).await;
        let fixed = proxy.take();
        server.drop(&name).await;
        let (name, url) = server.fresh().await;
        run::<Synthetic500>(variant, &through(&url), &sql).await;
        let full = proxy.take();
        server.drop(&name).await;
        println!(
            "  {:<10} sessions {} (+{} probe), round trips: {} before the first migration, {:.1} per migration",
            format!("{variant:?}").to_lowercase(),
            fixed.sessions,
            fixed.probes,
            fixed.flights,
            full.flights.saturating_sub(fixed.flights) as f64 / 500.0
        );
    }
}

/// `status` and `check` through the CLI on a database at the reference schema's head.
async fn check_against_status(server: &Server, runs: usize) {
    let (name, url) = server.fresh().await;
    run::<Reference>(Variant::Seamigrate, &url, &[]).await;
    let entities = migration::entities();
    let mut times: [Vec<Duration>; 2] = Default::default();
    for i in 0..runs * 2 {
        let command = if i % 2 == 0 { "status" } else { "check" };
        let console = Console::buffered();
        let started = Instant::now();
        let code = seamigrate::cli::run_with::<Reference, _>(["migration", "-u", &url, command], &console, Some(&entities)).await;
        times[i % 2].push(started.elapsed());
        assert_eq!(code, 0, "{command}: {:?}", console.output());
    }
    server.drop(&name).await;
    let [status, check] = times.map(median);
    println!(
        "{:<10} CLI on the reference schema at head: status {}, check {}: check / status {:.2}x (target <= 1.3x)",
        server.backend.name(),
        ms(status),
        ms(check),
        check.as_secs_f64() / status.as_secs_f64()
    );
}

async fn status_with_1000(server: &Server, runs: usize) -> Duration {
    let (name, url) = server.fresh().await;
    let session = Session::open(&DatabaseUrl::parse(&url).expect("url"), &ConnectSettings::default()).await.expect("session");
    let m = Migrator::from_migrations(session.clone(), synthetic(1000)).expect("migrator");
    m.stamp(&StampTarget::Version("m00999_synthetic".into())).await.expect("stamp");
    let mut times = Vec::new();
    for _ in 0..runs.max(5) {
        let started = Instant::now();
        let status = m.status().await.expect("status");
        times.push(started.elapsed());
        assert_eq!(status.migrations.len(), 1000);
        assert!(status.is_up_to_date);
    }
    session.close().await;
    server.drop(&name).await;
    median(times)
}

async fn reachable(url: &str) -> bool {
    tokio::time::timeout(Duration::from_secs(3), Database::connect(url))
        .await
        .is_ok_and(|r| r.is_ok())
}

#[tokio::main]
async fn main() {
    let runs: usize = std::env::var("BENCH_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(7);
    let pg = std::env::var("SEAMIGRATE_BENCH_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let tmp = || tempfile::tempdir().expect("tmp");
    let mut servers = vec![Server { backend: Backend::Sqlite, admin: String::new(), dir: tmp() }];
    if reachable(&pg).await {
        servers.push(Server { backend: Backend::Postgres, admin: pg, dir: tmp() });
    } else {
        println!("PostgreSQL not reachable at {}: skipped", seamigrate::db::mask_password(&pg));
    }
    println!("median of {runs} interleaved runs each, end to end (connect, up, close), a fresh database per run;");
    println!("ratios are seamigrate / other; targets: reference <= 1.0x stock and <= 1.2x floor, 500 <= 1.1x floor");
    println!(
        "{:<10} {:<22} {:>12} {:>12} {:>12} {:>10} {:>10}",
        "backend", "workload", "floor", "seamigrate", "stock", "vs floor", "vs stock"
    );
    let chosen = |var: &str, name: &str| std::env::var(var).map_or(true, |list| list.split(',').any(|p| p.trim() == name));
    servers.retain(|s| chosen("BENCH_BACKENDS", if s.backend == Backend::Sqlite { "sqlite" } else { "postgres" }));
    let part = |name: &str| chosen("BENCH_PARTS", name);
    for server in &servers {
        if part("reference") {
            workload::<Reference>(server, "reference schema (2)", runs).await;
        }
        if part("500") {
            workload::<Synthetic500>(server, "synthetic (500)", runs).await;
        }
    }
    for server in servers.iter().filter(|s| s.backend == Backend::Postgres && part("counted")) {
        counted(server).await;
    }
    for server in servers.iter().filter(|_| part("check")) {
        check_against_status(server, runs).await;
    }
    for server in servers.iter().filter(|_| part("status")) {
        let t = status_with_1000(server, runs).await;
        println!("{:<10} status, 1,000 applied: {} (target < 50 ms)", server.backend.name(), ms(t));
    }
}
