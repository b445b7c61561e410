//! Test databases: a fresh database of its own for every test, on each backend that is enabled.
//!
//! `SEAMIGRATE_TEST_BACKENDS=sqlite,postgres,mysql` makes the named backends required: a test
//! on one that cannot be reached fails. Without it, SQLite always runs and PostgreSQL and MySQL
//! run when their server answers; a skipped backend is reported once on stderr.
//! Server URLs: `SEAMIGRATE_TEST_POSTGRES_URL` (default postgres://postgres@127.0.0.1:5432/postgres)
//! and `SEAMIGRATE_TEST_MYSQL_URL` (default mysql://root@127.0.0.1:3306/mysql).

use futures::FutureExt;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use seamigrate::db::{ConnectSettings, DatabaseUrl, Session, connect};
use std::future::Future;
use std::io::Write;
use std::net::ToSocketAddrs;
use std::panic::AssertUnwindSafe;
use std::sync::Once;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Sqlite,
    Postgres,
    Mysql,
}

impl Kind {
    /// The backend this kind of server is.
    pub fn backend(self) -> seamigrate::Backend {
        match self {
            Kind::Sqlite => seamigrate::Backend::Sqlite,
            Kind::Postgres => seamigrate::Backend::Postgres,
            Kind::Mysql => seamigrate::Backend::MySql,
        }
    }

    fn key(self) -> &'static str {
        match self {
            Kind::Sqlite => "sqlite",
            Kind::Postgres => "postgres",
            Kind::Mysql => "mysql",
        }
    }

    fn server_url(self) -> String {
        let (var, default) = match self {
            Kind::Postgres => ("SEAMIGRATE_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
            _ => ("SEAMIGRATE_TEST_MYSQL_URL", "mysql://root@127.0.0.1:3306/mysql"),
        };
        std::env::var(var).unwrap_or_else(|_| default.to_string())
    }
}

/// One test's own database.
pub struct TestDb {
    pub kind: Kind,
    /// The URL of this test's database.
    pub url: String,
    name: String,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    pub fn parsed_url(&self) -> DatabaseUrl {
        DatabaseUrl::parse(&self.url).expect("test URL parses")
    }

    /// A new connection pool to this database, as the CLI would open it.
    pub async fn connect(&self) -> DatabaseConnection {
        connect(&self.parsed_url(), &ConnectSettings::default())
            .await
            .expect("connect to the test database")
    }

    /// A session on this database, as the CLI opens one.
    pub async fn session(&self) -> Session {
        Session::open(&self.parsed_url(), &ConnectSettings::default())
            .await
            .expect("open a session on the test database")
    }

    async fn create(kind: Kind) -> TestDb {
        let name = format!("seamigrate_t_{:016x}", rand::random::<u64>());
        match kind {
            Kind::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}/{name}.sqlite?mode=rwc", dir.path().display());
                TestDb { kind, url, name, _dir: Some(dir) }
            }
            Kind::Postgres | Kind::Mysql => {
                let server = kind.server_url();
                let admin = Database::connect(server.as_str()).await.unwrap_or_else(|e| {
                    panic!("{} is required for this run but unreachable: {e}", kind.key())
                });
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await
                    .expect("create test database");
                let _ = admin.close().await;
                let base = server.rsplit_once('/').map_or(server.as_str(), |(b, _)| b);
                TestDb { kind, url: format!("{base}/{name}"), name, _dir: None }
            }
        }
    }

    /// Another fresh database on the same server (a new file for SQLite); drop it with
    /// [`TestDb::destroy`].
    pub async fn sibling(&self) -> TestDb {
        TestDb::create(self.kind).await
    }

    pub async fn destroy(&self) {
        if self.kind == Kind::Sqlite {
            return;
        }
        let Ok(admin) = Database::connect(self.kind.server_url().as_str()).await else {
            return;
        };
        let sql = match self.kind {
            Kind::Postgres => format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
            _ => format!("DROP DATABASE IF EXISTS {}", self.name),
        };
        let _ = admin.execute_unprepared(&sql).await;
        let _ = admin.close().await;
    }
}

/// Whether tests on `kind` run in this process.
pub fn enabled(kind: Kind) -> bool {
    if let Ok(list) = std::env::var("SEAMIGRATE_TEST_BACKENDS") {
        return list.split(',').any(|k| k.trim().eq_ignore_ascii_case(kind.key()));
    }
    if kind == Kind::Sqlite {
        return true;
    }
    let reachable = reachable(&kind.server_url());
    if !reachable {
        static TOLD_PG: Once = Once::new();
        static TOLD_MY: Once = Once::new();
        let once = if kind == Kind::Postgres { &TOLD_PG } else { &TOLD_MY };
        once.call_once(|| {
            // Written straight to stderr: the test harness captures print! output.
            let _ = writeln!(
                std::io::stderr(),
                "note: skipping {} tests: no server at {} (set SEAMIGRATE_TEST_BACKENDS to require it)",
                kind.key(),
                seamigrate::db::mask_password(&kind.server_url())
            );
        });
    }
    reachable
}

fn reachable(url: &str) -> bool {
    let Ok(parsed) = DatabaseUrl::parse(url) else { return false };
    let Some((host, port)) = parsed.address() else { return false };
    let Ok(mut addrs) = (host, port).to_socket_addrs() else { return false };
    addrs.any(|a| std::net::TcpStream::connect_timeout(&a, Duration::from_secs(1)).is_ok())
}

/// Runs `body` on a fresh database of `kind`, then drops the database, even if `body` panics.
pub async fn run<F, Fut>(kind: Kind, body: F)
where
    F: FnOnce(TestDb) -> Fut,
    Fut: Future<Output = ()>,
{
    if !enabled(kind) {
        return;
    }
    let db = TestDb::create(kind).await;
    let keep = TestDb { kind, url: db.url.clone(), name: db.name.clone(), _dir: None };
    let outcome = AssertUnwindSafe(body(db)).catch_unwind().await;
    keep.destroy().await;
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

/// Declares a test `name` on each backend; `name` is an `async fn(TestDb)` in the same module.
#[macro_export]
macro_rules! on_each_backend {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                $crate::support::run($crate::support::Kind::Sqlite, super::$name).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                $crate::support::run($crate::support::Kind::Postgres, super::$name).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn mysql() {
                $crate::support::run($crate::support::Kind::Mysql, super::$name).await
            }
        }
    )*};
}

/// A runner over `migrations` on a new connection to `db`.
pub async fn migrator(
    db: &TestDb,
    migrations: Vec<Box<dyn sea_orm_migration::MigrationTrait>>,
) -> seamigrate::Migrator {
    seamigrate::Migrator::from_migrations(db.connect().await, migrations).expect("valid migration list")
}

pub async fn has_table(conn: &DatabaseConnection, table: &str) -> bool {
    sea_orm_migration::SchemaManager::new(conn)
        .has_table(table)
        .await
        .expect("query the catalog")
}

/// The states of every migration, as `(version, state)` pairs.
pub async fn states(migrator: &seamigrate::Migrator) -> Vec<(String, &'static str)> {
    migrator
        .status()
        .await
        .expect("status")
        .migrations
        .into_iter()
        .map(|m| (m.version, m.state.as_str()))
        .collect()
}
