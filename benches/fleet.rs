//! Fleets: the reference migrations over 1,000 PostgreSQL schemas of one database and over 200
//! MariaDB databases, side by side with what users do today, in one run.
//!
//! Per backend, each case on fresh targets:
//! (a) the **loop**: one `up` per target, one after another, through the CLI (in process, so
//!     the loop is spared a process start per target: its figures flatter it);
//! (b) **`--parallel` 1, 8 and 32**: `seamigrate::fleet::Fleet::up` over all the targets;
//! then (c) the same fleet again with **nothing to do** (every target at head).
//! Printed per case: wall time, targets per second, the ratio to the loop, the most
//! connections the server saw at once (sampled every 20 ms) and the process's peak memory
//! during the case (`VmHWM`, reset before each case).
//!
//! PostgreSQL's databases are set to `synchronous_commit = off` (BENCH_FSYNC=1 keeps every
//! commit flushed), so the figures are the runners' work rather than the disk's latency.
//!
//! `cargo bench --bench fleet`. Servers: SEAMIGRATE_BENCH_POSTGRES_URL (default
//! postgres://postgres@127.0.0.1:5432/postgres) and SEAMIGRATE_BENCH_MYSQL_URL (default
//! mysql://root@127.0.0.1:3306/mysql); an unreachable one is skipped, saying so.
//! BENCH_BACKENDS (`postgres,mysql`), BENCH_PG_TARGETS (1000) and BENCH_MY_TARGETS (200).

use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use seamigrate::cli::Console;
use seamigrate::fleet::{Fleet, FleetReport, Outcome, Quiet, Target};
use seamigrate::{DatabaseUrl, RunOptions, UpTarget};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Postgres,
    Mysql,
}

struct Server {
    kind: Kind,
    url: String,
    admin: DatabaseConnection,
}

impl Server {
    async fn connect(kind: Kind) -> Option<Server> {
        let (var, default) = match kind {
            Kind::Postgres => ("SEAMIGRATE_BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
            Kind::Mysql => ("SEAMIGRATE_BENCH_MYSQL_URL", "mysql://root@127.0.0.1:3306/mysql"),
        };
        let url = std::env::var(var).unwrap_or_else(|_| default.to_string());
        match Database::connect(url.as_str()).await {
            Ok(admin) => Some(Server { kind, url, admin }),
            Err(e) => {
                eprintln!("skipping {}: {e}", seamigrate::db::mask_password(&url));
                None
            }
        }
    }

    fn base(&self) -> &str {
        self.url.rsplit_once('/').map_or(self.url.as_str(), |(b, _)| b)
    }

    async fn exec(&self, sql: &str) {
        self.admin.execute_unprepared(sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    /// `n` fresh targets: schemas of a new database on PostgreSQL, new databases on MariaDB.
    async fn fresh(&self, n: usize) -> (Vec<Target>, Vec<String>) {
        let tag = format!("{:08x}", rand::random::<u32>());
        match self.kind {
            Kind::Postgres => {
                let name = format!("bench_fleet_{tag}");
                self.exec(&format!("CREATE DATABASE {name}")).await;
                if std::env::var_os("BENCH_FSYNC").is_none() {
                    self.exec(&format!("ALTER DATABASE {name} SET synchronous_commit = off")).await;
                }
                let url = DatabaseUrl::parse(&format!("{}/{name}", self.base())).unwrap();
                let targets = (0..n).map(|i| Target::new(url.clone(), Some(format!("tenant_{i:04}")))).collect();
                (targets, vec![name])
            }
            Kind::Mysql => {
                let names: Vec<String> = (0..n).map(|i| format!("bench_fleet_{tag}_{i:04}")).collect();
                for name in &names {
                    self.exec(&format!("CREATE DATABASE {name}")).await;
                }
                let targets = names.iter().map(|n| Target::new(DatabaseUrl::parse(&format!("{}/{n}", self.base())).unwrap(), None)).collect();
                (targets, names)
            }
        }
    }

    async fn drop(&self, names: &[String]) {
        for name in names {
            let sql = match self.kind {
                Kind::Postgres => format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
                Kind::Mysql => format!("DROP DATABASE IF EXISTS {name}"),
            };
            self.exec(&sql).await;
        }
    }

    /// The connections the server has open now (all of them; the sampler subtracts the idle
    /// ones it saw before the case).
    async fn connections(&self, probe: &DatabaseConnection) -> usize {
        let sql = match self.kind {
            Kind::Postgres => "SELECT CAST(COUNT(*) AS TEXT) FROM pg_stat_activity WHERE backend_type = 'client backend'",
            Kind::Mysql => "SELECT CAST(COUNT(*) AS CHAR) FROM information_schema.PROCESSLIST",
        };
        let rows = seamigrate::db::texts(probe, sql).await.unwrap_or_default();
        rows.first().cloned().flatten().and_then(|n| n.parse().ok()).unwrap_or(0)
    }
}

/// What one case measured.
struct Measured {
    wall: Duration,
    peak_connections: usize,
    peak_memory_kib: u64,
    /// This process's CPU time (user and system) during the case.
    cpu: Duration,
    all_at_head: bool,
}

/// Runs `work`, sampling the server's connections every 20 ms and the process's peak memory.
async fn measure<F: std::future::Future<Output = bool>>(server: &Server, work: F) -> Measured {
    let probe = Database::connect(server.url.as_str()).await.expect("probe connection");
    let idle = server.connections(&probe).await;
    let peak = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (peak, done) = (Arc::clone(&peak), Arc::clone(&done));
        let server = Server { kind: server.kind, url: server.url.clone(), admin: probe.clone() };
        tokio::spawn(async move {
            while !done.load(Ordering::SeqCst) {
                let now = server.connections(&server.admin).await.saturating_sub(idle);
                peak.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
    };
    reset_peak_memory();
    let cpu_before = cpu_time();
    let started = Instant::now();
    let ok = work.await;
    let wall = started.elapsed();
    let cpu = cpu_time().saturating_sub(cpu_before);
    done.store(true, Ordering::SeqCst);
    let _ = sampler.await;
    let _ = probe.close().await;
    Measured { wall, peak_connections: peak.load(Ordering::SeqCst), peak_memory_kib: peak_memory_kib(), cpu, all_at_head: ok }
}

/// The process's CPU time so far (`/proc/self/stat`, in clock ticks of 1/100 s).
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<u64> = after_name.split_whitespace().skip(11).take(2).filter_map(|f| f.parse().ok()).collect();
    Duration::from_millis(fields.iter().sum::<u64>() * 10)
}

/// Resets the process's peak resident memory (Linux: `5` to `/proc/self/clear_refs`).
fn reset_peak_memory() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn peak_memory_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap_or_default();
    line.split_whitespace().nth(1).and_then(|n| n.parse().ok()).unwrap_or(0)
}

/// One `up` per target, one after another, through the CLI.
async fn sequential_loop(targets: &[Target]) -> bool {
    let mut ok = true;
    for target in targets {
        let console = Console::buffered();
        let mut args = vec!["migration".to_string(), "-u".into(), target.url.expose().to_string()];
        if let Some(schema) = &target.schema {
            args.extend(["-s".to_string(), schema.clone()]);
        }
        args.extend(["up".to_string(), "-q".to_string()]);
        ok &= seamigrate::cli::run::<migration::Migrator, _>(args, &console).await == 0;
    }
    ok
}

async fn fleet(targets: &[Target], parallel: usize) -> FleetReport {
    let fleet = Fleet::new(targets.to_vec()).parallel(parallel);
    fleet.up::<migration::Migrator>(&UpTarget::All, &RunOptions::default(), &|m| m, &Quiet).await
}

fn row(label: &str, n: usize, m: &Measured, loop_wall: Option<Duration>) {
    let secs = m.wall.as_secs_f64();
    let ratio = loop_wall.map_or("1.00x".to_string(), |l| format!("{:.2}x", l.as_secs_f64() / secs));
    println!(
        "  {label:<28} {secs:>8.2} s  {:>8.1} targets/s  {ratio:>7} vs loop  {:>4} connections  {:>6.1} s CPU here  {:>7.1} MiB peak{}",
        n as f64 / secs,
        m.peak_connections,
        m.cpu.as_secs_f64(),
        m.peak_memory_kib as f64 / 1024.0,
        if m.all_at_head { "" } else { "  (NOT ALL AT HEAD)" }
    );
}

async fn bench(server: &Server, n: usize) {
    let name = match server.kind {
        Kind::Postgres => format!("PostgreSQL: {n} schemas of one database"),
        Kind::Mysql => format!("MariaDB: {n} databases"),
    };
    println!("{name}, the reference migrations (2) on each");
    let (targets, names) = server.fresh(n).await;
    let looped = measure(server, sequential_loop(&targets)).await;
    server.drop(&names).await;
    row("loop of single `up` runs", n, &looped, None);
    for parallel in [1, 8, 32] {
        let (targets, names) = server.fresh(n).await;
        let first = measure(server, async { fleet(&targets, parallel).await.succeeded() }).await;
        row(&format!("fleet --parallel {parallel}"), n, &first, Some(looped.wall));
        if parallel == 32 {
            let again = measure(server, async {
                let report = fleet(&targets, parallel).await;
                report.count(Outcome::AtHead) == targets.len()
            })
            .await;
            row("  again, nothing to do", n, &again, Some(looped.wall));
        }
        server.drop(&names).await;
    }
}

#[tokio::main]
async fn main() {
    let backends = std::env::var("BENCH_BACKENDS").unwrap_or_else(|_| "postgres,mysql".into());
    let count = |var: &str, default: usize| std::env::var(var).ok().and_then(|n| n.parse().ok()).unwrap_or(default);
    if backends.contains("postgres")
        && let Some(server) = Server::connect(Kind::Postgres).await
    {
        bench(&server, count("BENCH_PG_TARGETS", 1000)).await;
    }
    if backends.contains("mysql")
        && let Some(server) = Server::connect(Kind::Mysql).await
    {
        bench(&server, count("BENCH_MY_TARGETS", 200)).await;
    }
}
