//! The runner against its floor and its alternative, side by side in one run.
//!
//! For SQLite and PostgreSQL: `up` of the reference schema and of 500 small synthetic migrations
//! by (a) the floor: the same SQL sent directly, one transaction per migration; (b) seamigrate;
//! (c) the stock sea-orm-migration `MigratorTrait::up`. Then `status` with 1,000 applied
//! migrations. Each figure is the median of BENCH_RUNS runs (default 5), each on a fresh
//! database. Run with `cargo bench --bench runner`.
//! PostgreSQL comes from SEAMIGRATE_BENCH_POSTGRES_URL (default
//! postgres://postgres@127.0.0.1:5432/postgres); it is skipped, saying so, when unreachable.

use sea_orm::{ConnectionTrait, Database, DatabaseConnection, TransactionTrait};
use sea_orm_migration::prelude::*;
use seamigrate::capture::{Direction, capture};
use seamigrate::db::{Backend, ConnectSettings, DatabaseUrl, connect};
use seamigrate::{Migrator, RunOptions, StampTarget, UpTarget};
use std::future::Future;
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

struct Reference;

impl MigratorTrait for Reference {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        <migration::Migrator as MigratorTrait>::migrations()
    }
}

/// Makes a fresh database per run.
struct Server {
    backend: Backend,
    admin: String,
    dir: tempfile::TempDir,
}

impl Server {
    async fn fresh(&self) -> (String, DatabaseConnection) {
        let name = format!("seamigrate_bench_{:012x}", rand::random::<u64>() >> 16);
        let url = match self.backend {
            Backend::Sqlite => format!("sqlite://{}/{name}.sqlite?mode=rwc", self.dir.path().display()),
            _ => {
                let admin = Database::connect(self.admin.as_str()).await.expect("admin connection");
                admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await.expect("create");
                let _ = admin.close().await;
                format!("{}/{name}", self.admin.rsplit_once('/').map_or("", |(b, _)| b))
            }
        };
        let parsed = DatabaseUrl::parse(&url).expect("url");
        let db = connect(&parsed, &ConnectSettings::default()).await.expect("connect");
        (name, db)
    }

    async fn drop(&self, name: &str, db: DatabaseConnection) {
        let _ = db.close().await;
        if self.backend == Backend::Postgres {
            let admin = Database::connect(self.admin.as_str()).await.expect("admin connection");
            let _ = admin.execute_unprepared(&format!("DROP DATABASE {name} WITH (FORCE)")).await;
            let _ = admin.close().await;
        }
    }

    /// Median wall time of `runs` runs of `work`, each on a fresh database.
    async fn median<F, Fut>(&self, runs: usize, work: F) -> Duration
    where
        F: Fn(DatabaseConnection) -> Fut,
        Fut: Future<Output = ()>,
    {
        let mut times = Vec::with_capacity(runs);
        for _ in 0..runs {
            let (name, db) = self.fresh().await;
            let started = Instant::now();
            work(db.clone()).await;
            times.push(started.elapsed());
            self.drop(&name, db).await;
        }
        times.sort();
        times[times.len() / 2]
    }
}

/// The floor: each migration's statements, captured beforehand, sent in one transaction.
async fn floor(db: DatabaseConnection, sql: &[Vec<String>]) {
    for statements in sql {
        let txn = db.begin().await.expect("begin");
        for statement in statements {
            txn.execute_unprepared(statement).await.expect("floor statement");
        }
        txn.commit().await.expect("commit");
    }
}

async fn captured(list: &[Box<dyn MigrationTrait>], backend: Backend) -> Vec<Vec<String>> {
    let mut all = Vec::new();
    for m in list {
        all.push(capture(m.as_ref(), Direction::Up, backend).await.expect("capture").statements);
    }
    all
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

async fn workload<M: MigratorTrait>(server: &Server, label: &str, runs: usize) {
    let list = M::migrations();
    let sql = captured(&list, server.backend).await;
    let sql = &sql;
    let floor_t = server.median(runs, |db| async move { floor(db, sql).await }).await;
    let ours = server
        .median(runs, |db| async move {
            let m = Migrator::from_migrations(db, M::migrations()).expect("migrator");
            m.up(&UpTarget::All, &RunOptions::default()).await.expect("seamigrate up");
        })
        .await;
    let stock = server
        .median(runs, |db| async move { M::up(&db, None).await.expect("stock up") })
        .await;
    println!(
        "{:<10} {:<22} {:>12} {:>12} {:>12} {:>9.2}x {:>9.2}x",
        server.backend.name(),
        label,
        ms(floor_t),
        ms(ours),
        ms(stock),
        ours.as_secs_f64() / floor_t.as_secs_f64(),
        ours.as_secs_f64() / stock.as_secs_f64(),
    );
}

async fn status_with_1000(server: &Server, runs: usize) -> Duration {
    let (name, db) = server.fresh().await;
    let m = Migrator::from_migrations(db.clone(), synthetic(1000)).expect("migrator");
    m.stamp(&StampTarget::Version("m00999_synthetic".into())).await.expect("stamp");
    let mut times = Vec::new();
    for _ in 0..runs.max(5) {
        let started = Instant::now();
        let status = m.status().await.expect("status");
        times.push(started.elapsed());
        assert_eq!(status.migrations.len(), 1000);
        assert!(status.is_up_to_date);
    }
    server.drop(&name, db).await;
    times.sort();
    times[times.len() / 2]
}

async fn reachable(url: &str) -> bool {
    tokio::time::timeout(Duration::from_secs(3), Database::connect(url))
        .await
        .is_ok_and(|r| r.is_ok())
}

#[tokio::main]
async fn main() {
    let runs: usize = std::env::var("BENCH_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(5);
    let pg = std::env::var("SEAMIGRATE_BENCH_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let mut servers = vec![Server { backend: Backend::Sqlite, admin: String::new(), dir: tempfile::tempdir().expect("tmp") }];
    if reachable(&pg).await {
        servers.push(Server { backend: Backend::Postgres, admin: pg, dir: tempfile::tempdir().expect("tmp") });
    } else {
        println!("PostgreSQL not reachable at {}: skipped", seamigrate::db::mask_password(&pg));
    }
    println!("median of {runs} runs each, a fresh database per run; ratios are seamigrate / other");
    println!(
        "{:<10} {:<22} {:>12} {:>12} {:>12} {:>10} {:>10}",
        "backend", "workload", "floor", "seamigrate", "stock", "vs floor", "vs stock"
    );
    for server in &servers {
        workload::<Reference>(server, "reference schema (2)", runs).await;
        workload::<Synthetic500>(server, "synthetic (500)", runs).await;
    }
    for server in &servers {
        let t = status_with_1000(server, runs).await;
        println!(
            "{:<10} status, 1,000 applied: {} (target < 50 ms)",
            server.backend.name(),
            ms(t)
        );
    }
}
