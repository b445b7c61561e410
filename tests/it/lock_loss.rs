//! Fault trials: the connection holding the migration lock is terminated at a random moment
//! while a run applies migrations, and a second run is started at once.
//!
//! What must hold in every trial: the first run either finished everything under its lock or
//! stops with "the migration lock was lost" (never success after a loss, never another error);
//! the two runs never apply at the same time (each migration takes a second, test-only lock and
//! fails loudly if it finds it taken); the second run finishes, or on MySQL/MariaDB refuses
//! because the migration that was cut off is dirty, and then only if one of its statements had
//! started; in the end every migration is applied exactly once.
//!
//! Two kinds of termination, each `SEAMIGRATE_LOCK_TRIALS` times (20 by default) per backend:
//! the lock's session only, and every session of the database.

use crate::support::{Kind, TestDb};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr, Statement};
use sea_orm_migration::prelude::*;
use seamigrate::history::{Action, Outcome};
use seamigrate::{Error, Migrator, RunOptions, UpTarget};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const MIGRATIONS: usize = 4;

/// Versions whose first DDL statement had been sent.
type Sent = Arc<Mutex<HashSet<String>>>;

struct Trial {
    version: String,
    table: String,
    sent: Sent,
    pause: Duration,
}

impl MigrationName for Trial {
    fn name(&self) -> &str {
        &self.version
    }
}

fn create(table: String) -> TableCreateStatement {
    Table::create()
        .table(Alias::new(table))
        .col(ColumnDef::new(Alias::new("id")).integer().not_null().primary_key())
        .to_owned()
}

async fn scalar(conn: &SchemaManagerConnection<'_>, sql: &str) -> Result<i64, DbErr> {
    let row = conn.query_one_raw(Statement::from_string(conn.get_database_backend(), sql)).await?;
    Ok(row.map(|r| r.try_get_by_index::<i64>(0)).transpose()?.unwrap_or(0))
}

#[async_trait::async_trait]
impl MigrationTrait for Trial {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        let taken = match conn.get_database_backend() {
            // Held to the end of the migration's transaction.
            DbBackend::Postgres => {
                scalar(conn, "SELECT pg_try_advisory_xact_lock(7, hashtext(current_database()))::int::int8").await?
            }
            // Held to the end of the session, or its release below.
            _ => scalar(conn, "SELECT CAST(GET_LOCK(CONCAT('overlap:', DATABASE()), 0) AS SIGNED)").await?,
        };
        if taken != 1 {
            return Err(DbErr::Custom("OVERLAP: another run's migration is running".into()));
        }
        self.sent.lock().unwrap().insert(self.version.clone());
        manager.create_table(create(format!("{}_a", self.table))).await?;
        tokio::time::sleep(self.pause).await;
        manager.create_table(create(format!("{}_b", self.table))).await?;
        if conn.get_database_backend() == DbBackend::MySql {
            scalar(conn, "SELECT CAST(RELEASE_LOCK(CONCAT('overlap:', DATABASE())) AS SIGNED)").await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for suffix in ["a", "b"] {
            let name = format!("{}_{suffix}", self.table);
            manager.drop_table(Table::drop().table(Alias::new(name)).if_exists().to_owned()).await?;
        }
        Ok(())
    }
}

fn migrations(sent: &Sent) -> Vec<Box<dyn MigrationTrait>> {
    (1..=MIGRATIONS)
        .map(|i| {
            Box::new(Trial {
                version: format!("m{i}_trial"),
                table: format!("t{i}"),
                sent: Arc::clone(sent),
                pause: Duration::from_millis(30),
            }) as Box<dyn MigrationTrait>
        })
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    LockSession,
    AllSessions,
}

/// Terminates the lock's session, or every session of the database but `admin`'s own; returns
/// how many were terminated.
async fn terminate(admin: &DatabaseConnection, kind: Kind, target: Target) -> usize {
    let (backend, sql) = match (kind, target) {
        (Kind::Postgres, Target::LockSession) => (
            DbBackend::Postgres,
            "SELECT pid::int8 FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1 \
             AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
        ),
        (Kind::Postgres, Target::AllSessions) => (
            DbBackend::Postgres,
            "SELECT pid::int8 FROM pg_stat_activity WHERE datname = current_database() \
             AND pid <> pg_backend_pid()",
        ),
        (_, Target::LockSession) => (
            DbBackend::MySql,
            "SELECT CAST(IS_USED_LOCK(CONCAT('seamigrate:', MD5(DATABASE()))) AS SIGNED) AS id",
        ),
        (_, Target::AllSessions) => (
            DbBackend::MySql,
            "SELECT CAST(id AS SIGNED) FROM information_schema.processlist \
             WHERE db = DATABASE() AND id <> CONNECTION_ID()",
        ),
    };
    let rows = admin.query_all_raw(Statement::from_string(backend, sql)).await.unwrap();
    let mut killed = 0;
    for id in rows.iter().filter_map(|r| r.try_get_by_index::<Option<i64>>(0).ok().flatten()) {
        let kill = match backend {
            DbBackend::Postgres => format!("SELECT pg_terminate_backend({id})"),
            _ => format!("KILL {id}"),
        };
        if admin.execute_unprepared(&kill).await.is_ok() {
            killed += 1;
        }
    }
    killed
}

/// What one trial saw.
#[derive(Default)]
struct Tally {
    trials: usize,
    lost_mid_migration: usize,
    lost_elsewhere: usize,
    finished: usize,
    dirty: usize,
}

async fn up_events(m: &Migrator) -> Vec<String> {
    m.history(None)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == Action::Up && e.outcome == Outcome::Ok)
        .filter_map(|e| e.version)
        .collect()
}

async fn trial(db: &TestDb, target: Target, window: Duration, tally: &mut Tally) {
    let sent: Sent = Arc::default();
    let admin = Database::connect(db.url.as_str()).await.unwrap();
    // The first run works as the CLI does, on a session of its own; the second as a library
    // user's, beside a pool.
    let (began, mut beginning) = tokio::sync::watch::channel(false);
    let a = Migrator::from_migrations(db.session().await, migrations(&sent))
        .unwrap()
        .progress(Arc::new(Began(began)));
    let b = Migrator::from_migrations(db.connect().await, migrations(&sent))
        .unwrap()
        .lock_timeout(Duration::from_secs(30));
    let delay = window.mul_f64(rand::random::<f64>());
    let first = tokio::spawn(async move {
        let outcome = a.up(&UpTarget::All, &RunOptions::default()).await;
        (a, outcome)
    });
    // From the moment the first migration starts, so that the kill lands in the run.
    let _ = tokio::time::timeout(Duration::from_secs(10), beginning.wait_for(|b| *b)).await;
    tokio::time::sleep(delay).await;
    terminate(&admin, db.kind, target).await;
    let second = b.up(&UpTarget::All, &RunOptions::default()).await;
    let (_a, first) = first.await.unwrap();
    tally.trials += 1;

    let mut first_applied: Vec<String> = Vec::new();
    let running = match &first {
        Ok(report) => {
            tally.finished += 1;
            first_applied = report.steps.iter().map(|s| s.version.clone()).collect();
            None
        }
        Err(Error::LockLost(lost)) => {
            first_applied = lost.done.clone();
            if lost.running.is_some() {
                tally.lost_mid_migration += 1;
            } else {
                tally.lost_elsewhere += 1;
            }
            assert!(lost.to_string().starts_with("the migration lock was lost"), "{lost}");
            lost.running.as_ref().map(|(v, _)| v.clone())
        }
        // Cut off while taking the lock: it never held it.
        Err(Error::Lock(seamigrate::lock::LockError::Take(_))) => {
            tally.lost_elsewhere += 1;
            None
        }
        Err(other) => panic!("the first run failed otherwise than by losing its lock: {other}"),
    };
    match &second {
        Ok(report) => {
            let both: Vec<_> = report.steps.iter().filter(|s| first_applied.contains(&s.version)).collect();
            assert!(both.is_empty(), "both runs report applying {both:?}");
        }
        Err(Error::Dirty { version }) if db.kind == Kind::Mysql => {
            tally.dirty += 1;
            assert_eq!(Some(version), running.as_ref(), "only the migration cut off may be dirty");
            assert!(sent.lock().unwrap().contains(version), "{version} is dirty, but none of its statements had been sent");
            // The repair a user would make, then the command the message names.
            let n = version.trim_start_matches('m').trim_end_matches("_trial");
            for suffix in ["a", "b"] {
                admin.execute_unprepared(&format!("DROP TABLE IF EXISTS t{n}_{suffix}")).await.unwrap();
            }
            b.resolve(version, seamigrate::runner::ResolveAs::Pending).await.unwrap();
            b.up(&UpTarget::All, &RunOptions::default()).await.unwrap();
        }
        Err(other) => panic!("the second run failed: {other}"),
    }
    let status = b.status().await.unwrap();
    assert!(status.is_up_to_date, "not at head after both runs: {:?}", status.migrations);
    let mut ups = up_events(&b).await;
    ups.sort();
    let expected: Vec<String> = (1..=MIGRATIONS).map(|i| format!("m{i}_trial")).collect();
    assert_eq!(ups, expected, "each migration applied exactly once");
    let _ = admin.close().await;
}

/// Says when the first migration of a run starts.
struct Began(tokio::sync::watch::Sender<bool>);

impl seamigrate::runner::Progress for Began {
    fn started(&self, _: &str, _: seamigrate::capture::Direction) {
        let _ = self.0.send(true);
    }
}

/// How long a run takes here from its first migration on, to spread the terminations over it:
/// the shortest of three, each on a fresh database (the first runs on a machine are slower).
async fn measure(db: &TestDb) -> Duration {
    let mut shortest = Duration::MAX;
    for _ in 0..3 {
        let fresh = db.sibling().await;
        let (began, mut beginning) = tokio::sync::watch::channel(false);
        let m = Migrator::from_migrations(fresh.session().await, migrations(&Sent::default()))
            .unwrap()
            .progress(Arc::new(Began(began)));
        let run = tokio::spawn(async move { m.up(&UpTarget::All, &RunOptions::default()).await.map(drop) });
        let _ = beginning.wait_for(|b| *b).await;
        let started = Instant::now();
        run.await.unwrap().unwrap();
        shortest = shortest.min(started.elapsed());
        fresh.destroy().await;
    }
    shortest
}

async fn lock_loss_trials(db: TestDb) {
    if db.kind == Kind::Sqlite {
        return; // SQLite's lock is a file lock held by the process: no server can end it.
    }
    let trials: usize = std::env::var("SEAMIGRATE_LOCK_TRIALS").ok().and_then(|v| v.parse().ok()).unwrap_or(20);
    let window = measure(&db).await;
    for target in [Target::LockSession, Target::AllSessions] {
        let mut tally = Tally::default();
        for _ in 0..trials {
            let fresh = db.sibling().await;
            trial(&fresh, target, window, &mut tally).await;
            fresh.destroy().await;
        }
        eprintln!(
            "{:?} {target:?}: {} trials; lock lost during a migration {}, elsewhere {}; finished before the kill {}; dirty {}",
            db.kind, tally.trials, tally.lost_mid_migration, tally.lost_elsewhere, tally.finished, tally.dirty
        );
        assert!(
            tally.lost_mid_migration * 4 >= trials,
            "too few terminations landed during a migration to tell anything ({})",
            tally.lost_mid_migration
        );
    }
}

crate::on_each_backend!(lock_loss_trials);
