//! `seamigrate check`'s comparison against `alembic check`'s, side by side in one run.
//!
//! For SQLite and PostgreSQL, and for schemas of 100 and 500 tables (10 columns of mixed types,
//! one index and one foreign key to the previous table each): the tables are created once on a
//! fresh database, then seamigrate compares the live schema with the wanted one BENCH_RUNS times
//! (default 5), timing (a) discovery alone (`schema::discover`), (b) the whole compare
//! (discover + `diff::diff`), (c) the diff alone. Alembic then compares the same database with the
//! same tables as SQLAlchemy metadata (`benches/alembic/check.py`: `compare_metadata` in process,
//! and the `alembic check` command once, end to end), reading them from the JSON spec this
//! benchmark writes. Every figure is a median; ratios are Alembic / seamigrate.
//!
//! Run with `cargo bench --bench autogenerate`; Alembic is installed on first use in
//! `target/alembic-venv` (`benches/alembic/setup.sh`), and skipped, saying so, if that fails.
//! PostgreSQL comes from SEAMIGRATE_BENCH_POSTGRES_URL (default
//! postgres://postgres@127.0.0.1:5432/postgres); it is skipped, saying so, when unreachable.
//! BENCH_TABLES (default `100,500`) sets the schema sizes.

use sea_orm::{ConnectionTrait, Database, DatabaseConnection, TransactionTrait};
use seamigrate::db::{Backend, ConnectSettings, DatabaseUrl, connect};
use seamigrate::diff::{DiffOptions, diff};
use seamigrate::schema::{
    Column, ColumnType, DefaultValue, Filter, FkAction, ForeignKey, Index, Schema, Table, discover,
};
use std::future::Future;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// Targets from the issue: 500 tables on PostgreSQL in under a second, 10x Alembic.
const TARGET_500_PG: Duration = Duration::from_secs(1);
const TARGET_RATIO: f64 = 10.0;

// ---------------------------------------------------------------------------------------------
// The synthetic schema.

fn column(name: &str, ty: ColumnType, nullable: bool) -> Column {
    Column {
        name: name.into(),
        ty,
        nullable,
        default: None,
        auto_increment: false,
        generated: None,
    }
}

/// Table `i` of the synthetic schema: ten columns, an index on `name`, and a foreign key from
/// `parent_id` to the previous table (the first table refers to itself).
fn synthetic_table(i: usize) -> Table {
    let name = table_name(i);
    let parent = table_name(i.saturating_sub(1));
    let columns = vec![
        Column {
            auto_increment: true,
            ..column("id", ColumnType::Integer, false)
        },
        column("parent_id", ColumnType::Integer, true),
        column("name", ColumnType::String { len: Some(100) }, false),
        column("description", ColumnType::Text, true),
        Column {
            default: Some(DefaultValue::Int(0)),
            ..column("quantity", ColumnType::Integer, false)
        },
        column(
            "price",
            ColumnType::Decimal {
                precision: Some(12),
                scale: Some(2),
            },
            true,
        ),
        column("weight", ColumnType::Double, true),
        column("active", ColumnType::Boolean, false),
        column("created_at", ColumnType::DateTime, false),
        column("due_on", ColumnType::Date, true),
    ];
    Table {
        indexes: vec![Index {
            name: Some(format!("ix_{name}_name")),
            columns: vec!["name".into()],
            unique: false,
            ..Index::default()
        }],
        foreign_keys: vec![ForeignKey {
            name: Some(format!("fk_{name}_parent_id")),
            columns: vec!["parent_id".into()],
            ref_table: parent,
            ref_columns: vec!["id".into()],
            on_delete: FkAction::Cascade,
            on_update: FkAction::NoAction,
        }],
        primary_key: vec!["id".into()],
        columns,
        name,
        checks: Vec::new(),
    }
}

fn table_name(i: usize) -> String {
    format!("bench_{i:04}")
}

/// The wanted schema: `count` synthetic tables, exactly as they are created.
fn synthetic_schema(count: usize) -> Schema {
    let tables = (0..count)
        .map(synthetic_table)
        .map(|t| (t.name.clone(), t))
        .collect();
    Schema {
        tables,
        enums: Default::default(),
        views: Default::default(), extensions: Default::default(),
    }
}

/// The statements that create `table` on `backend`: those a generated migration runs
/// (`seamigrate::apply::build`), except that on SQLite the types are spelled as SQLAlchemy spells
/// them (`decimal(p, s)`, `datetime`, `date`), not as sea-query does (`real(p, s)`,
/// `datetime_text`, `date_text`), which SQLAlchemy reads as other types. seamigrate reads both.
fn ddl(table: &Table, backend: Backend) -> Vec<String> {
    use seamigrate::apply::build;
    let db = backend.to_sea_orm();
    let mut sql = vec![db.build(&build::create_table(table, &Default::default())).to_string()];
    sql.extend(
        table
            .indexes
            .iter()
            .map(|i| db.build(&build::index(&table.name, i)).to_string()),
    );
    if backend == Backend::Sqlite {
        for s in &mut sql {
            *s = s
                .replace("real(", "decimal(")
                .replace("datetime_text", "datetime")
                .replace("date_text", "date");
        }
    }
    sql
}

/// Creates `schema`'s tables, in order, in one transaction.
async fn create(db: &DatabaseConnection, schema: &Schema, backend: Backend) {
    let txn = db.begin().await.expect("begin");
    for table in schema.tables.values() {
        for sql in ddl(table, backend) {
            txn.execute_unprepared(&sql).await.expect("create table");
        }
    }
    txn.commit().await.expect("commit");
}

// ---------------------------------------------------------------------------------------------
// Databases.

/// Where fresh databases come from.
struct Server {
    backend: Backend,
    admin: String,
    dir: tempfile::TempDir,
}

/// One fresh database: its name, seamigrate's URL, SQLAlchemy's URL, and a connection.
struct Fresh {
    name: String,
    sqlalchemy_url: String,
    db: DatabaseConnection,
}

impl Server {
    async fn fresh(&self) -> Fresh {
        let name = format!("seamigrate_bench_{:012x}", rand::random::<u64>() >> 16);
        let (url, sqlalchemy_url) = match self.backend {
            Backend::Sqlite => {
                let file = self.dir.path().join(format!("{name}.sqlite"));
                (
                    format!("sqlite://{}?mode=rwc", file.display()),
                    format!("sqlite:///{}", file.display()),
                )
            }
            _ => {
                let admin = Database::connect(self.admin.as_str())
                    .await
                    .expect("admin connection");
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await
                    .expect("create");
                let _ = admin.close().await;
                let base = self.admin.rsplit_once('/').map_or("", |(b, _)| b);
                let rest = base.split_once("://").map_or(base, |(_, r)| r);
                (
                    format!("{base}/{name}"),
                    format!("postgresql+psycopg://{rest}/{name}"),
                )
            }
        };
        let parsed = DatabaseUrl::parse(&url).expect("url");
        let db = connect(&parsed, &ConnectSettings::default())
            .await
            .expect("connect");
        Fresh {
            name,
            sqlalchemy_url,
            db,
        }
    }

    async fn drop(&self, fresh: Fresh) {
        let _ = fresh.db.close().await;
        if self.backend == Backend::Postgres {
            let admin = Database::connect(self.admin.as_str())
                .await
                .expect("admin connection");
            let _ = admin
                .execute_unprepared(&format!("DROP DATABASE {} WITH (FORCE)", fresh.name))
                .await;
            let _ = admin.close().await;
        }
    }
}

async fn reachable(url: &str) -> bool {
    tokio::time::timeout(Duration::from_secs(3), Database::connect(url))
        .await
        .is_ok_and(|r| r.is_ok())
}

// ---------------------------------------------------------------------------------------------
// Timing.

/// Median wall time of `runs` runs of `work`.
async fn median<F, Fut>(runs: usize, mut work: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: Future<Output = ()>,
{
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        work().await;
        times.push(started.elapsed());
    }
    times.sort();
    times[times.len() / 2]
}

/// seamigrate's medians on one database holding `wanted`.
struct Ours {
    discovery: Duration,
    check: Duration,
    diff_only: Duration,
    differences: Vec<String>,
}

async fn ours(db: &DatabaseConnection, wanted: &Schema, backend: Backend, runs: usize) -> Ours {
    let options = DiffOptions::new(backend);
    let live = discover(db, &Filter::all()).await.expect("discover");
    let differences = diff(&live, wanted, &options).describe();
    let discovery = median(runs, || async {
        std::hint::black_box(discover(db, &Filter::all()).await.expect("discover"));
    })
    .await;
    let check = median(runs, || async {
        let live = discover(db, &Filter::all()).await.expect("discover");
        std::hint::black_box(diff(&live, wanted, &options));
    })
    .await;
    let diff_only = median(runs.max(5), || async {
        std::hint::black_box(diff(&live, wanted, &options));
    })
    .await;
    Ours {
        discovery,
        check,
        diff_only,
        differences,
    }
}

// ---------------------------------------------------------------------------------------------
// Alembic.

/// What `benches/alembic/check.py` reports, in milliseconds.
#[derive(serde::Deserialize)]
struct Theirs {
    compare_ms: f64,
    differences: Vec<String>,
    cli_ms: Option<f64>,
    cli_in_sync: Option<bool>,
}

fn bench_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("benches")
        .join("alembic")
}

/// The venv's python, set up by `setup.sh` if missing; `Err` says why Alembic cannot run.
fn alembic_python() -> Result<PathBuf, String> {
    let out = Command::new("sh")
        .arg(bench_dir().join("setup.sh"))
        .output()
        .map_err(|e| format!("cannot run setup.sh: {e}"))?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        return Err(format!("setup.sh failed: {}", stderr.trim()));
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    stdout
        .lines()
        .last()
        .map(PathBuf::from)
        .ok_or_else(|| "setup.sh printed no python".into())
}

/// Runs Alembic's comparison of the database at `url` with the tables of `spec`.
fn theirs(python: &Path, url: &str, spec: &Path, runs: usize) -> Result<Theirs, String> {
    let out = Command::new(python)
        .arg(bench_dir().join("check.py"))
        .args(["--url", url, "--spec"])
        .arg(spec)
        .args(["--runs", &runs.to_string(), "--cli"])
        .output()
        .map_err(|e| format!("cannot run check.py: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "check.py failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| format!("check.py answered no JSON: {e}"))
}

// ---------------------------------------------------------------------------------------------
// The run.

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn yes_no(met: bool) -> &'static str {
    if met { "yes" } else { "NO" }
}

/// One row of the table: `tables` synthetic tables on a fresh database of `server`.
async fn row(server: &Server, tables: usize, runs: usize, python: Option<&Path>) {
    let backend = server.backend;
    let wanted = synthetic_schema(tables);
    let fresh = server.fresh().await;
    let started = Instant::now();
    create(&fresh.db, &wanted, backend).await;
    let created = started.elapsed();
    let spec = server
        .dir
        .path()
        .join(format!("spec_{}_{tables}.json", backend.name()));
    std::fs::write(&spec, serde_json::to_vec(&wanted).expect("spec json")).expect("write spec");

    let ours = ours(&fresh.db, &wanted, backend, runs).await;
    let theirs = python.map(|p| theirs(p, &fresh.sqlalchemy_url, &spec, runs));
    server.drop(fresh).await;

    let check = ms(ours.check);
    let share = ms(ours.discovery) / (ms(ours.discovery) + ms(ours.diff_only)) * 100.0;
    let (alembic, ratio, cli) = match &theirs {
        Some(Ok(t)) => (
            format!("{:.1}", t.compare_ms),
            format!("{:.1}x", t.compare_ms / check),
            t.cli_ms.map_or("-".into(), |c| format!("{c:.0}")),
        ),
        _ => ("-".into(), "-".into(), "-".into()),
    };
    let fast = if backend == Backend::Postgres && tables == 500 {
        yes_no(ours.check < TARGET_500_PG)
    } else {
        "n/a"
    };
    let tenfold = match &theirs {
        Some(Ok(t)) => yes_no(t.compare_ms / check >= TARGET_RATIO),
        _ => "-",
    };
    println!(
        "{:<9} {:>6} {:>12.1} {:>6.0}% {:>10.2} {:>12.1} {:>11} {:>9} {:>10} {:>8} {:>5}",
        backend.name(),
        tables,
        ms(ours.discovery),
        share,
        ms(ours.diff_only),
        check,
        alembic,
        ratio,
        cli,
        fast,
        tenfold,
    );
    if !ours.differences.is_empty() {
        println!(
            "  ! seamigrate found {} differences on identical tables, e.g. {}",
            ours.differences.len(),
            ours.differences[0]
        );
    }
    match theirs {
        Some(Ok(t)) => {
            if !t.differences.is_empty() {
                println!(
                    "  ! Alembic found {} differences on identical tables, e.g. {}",
                    t.differences.len(),
                    t.differences[0]
                );
            }
            if t.cli_in_sync == Some(false) {
                println!("  ! `alembic check` did not report the database in sync");
            }
        }
        Some(Err(why)) => println!("  ! Alembic: {why}"),
        None => {}
    }
    if fast == "NO" && share >= 50.0 {
        println!(
            "  ! sea-schema's discovery is {share:.0}% of check ({:.1} of {check:.1} ms): it is what stands in the way",
            ms(ours.discovery)
        );
    }
    eprintln!(
        "  ({} {tables} tables created in {:.0} ms)",
        backend.name(),
        ms(created)
    );
}

fn sizes() -> Vec<usize> {
    let raw = std::env::var("BENCH_TABLES").unwrap_or_else(|_| "100,500".into());
    raw.split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect()
}

#[tokio::main]
async fn main() {
    let runs: usize = std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5)
        .max(1);
    let pg = std::env::var("SEAMIGRATE_BENCH_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let tmp = || tempfile::tempdir().expect("tmp");
    let mut servers = vec![Server {
        backend: Backend::Sqlite,
        admin: String::new(),
        dir: tmp(),
    }];
    if reachable(&pg).await {
        servers.push(Server {
            backend: Backend::Postgres,
            admin: pg,
            dir: tmp(),
        });
    } else {
        println!(
            "PostgreSQL not reachable at {}: skipped",
            seamigrate::db::mask_password(&pg)
        );
    }
    let python = match alembic_python() {
        Ok(p) => Some(p),
        Err(why) => {
            println!("Alembic skipped: {why}");
            None
        }
    };
    println!(
        "check: discover + diff of N tables (10 columns, 1 index, 1 foreign key each), all in sync"
    );
    println!(
        "median of {runs} runs each; share = discover / (discover + diff); ratio = Alembic compare_metadata / seamigrate check;"
    );
    println!("alembic CLI = one `alembic check` run end to end, Python start-up included");
    println!(
        "{:<9} {:>6} {:>12} {:>7} {:>10} {:>12} {:>11} {:>9} {:>10} {:>8} {:>5}",
        "backend",
        "tables",
        "discover ms",
        "share",
        "diff ms",
        "check ms",
        "alembic ms",
        "ratio",
        "CLI ms",
        "< 1 s",
        "10x"
    );
    for server in &servers {
        for &tables in &sizes() {
            row(server, tables, runs, python.as_deref()).await;
        }
    }
}
