//! Fleets: one command over many databases, or many PostgreSQL schemas of one database (a
//! multi-tenant service), run in parallel with a report per target.
//!
//! Targets are worked through by `parallel` workers, each holding one connection at a time,
//! so a fleet never opens more than `parallel` connections; a worker whose next target is
//! another schema on the same PostgreSQL database keeps its connection and switches the
//! `search_path` (the migration lock is per schema). The first `canary` targets run before any
//! other, and a failure among them stops the fleet. Otherwise the first failure stops new
//! targets from starting ([`OnError::Stop`], the default) while running ones finish, or is
//! noted and passed by ([`OnError::Continue`]). Running the same command again resumes: a
//! target already at head costs one query ([`Migrator::quick_state`]).
//!
//! ```ignore
//! let targets = seamigrate::fleet::parse_targets(&std::fs::read_to_string("tenants.txt")?, |v| std::env::var(v).ok())?;
//! let report = Fleet::new(targets).parallel(8).up::<migration::Migrator>(&UpTarget::All, &RunOptions::default(), &|m| m, &Quiet).await;
//! assert!(report.succeeded());
//! ```

mod targets;

pub use targets::{Target, TargetsError, parse_targets, query_targets};

use crate::db::{Backend, ConnectSettings, Session};
use crate::runner::{DownTarget, Migrator, RunOptions, UpTarget};
use sea_orm_migration::MigratorTrait;
use serde::Serialize;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How many targets run at once unless told: enough to hide each one's round trips, few enough
/// for a small database server's connection limit.
pub const DEFAULT_PARALLEL: usize = 4;

/// What a failed target does to the rest of the fleet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnError {
    /// No new target starts; running ones finish.
    #[default]
    Stop,
    /// Every target is tried.
    Continue,
}

/// How one target ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The command ran and succeeded.
    Ok,
    /// Already at head: skipped after one query.
    AtHead,
    Failed,
    /// Never started: the fleet stopped first.
    NotRun,
}

/// What a target's job reports when it succeeds.
#[derive(Debug, Clone, Default)]
pub struct Done {
    /// The newest applied version before and after.
    pub before: Option<String>,
    pub after: Option<String>,
    /// Migrations applied or reverted.
    pub migrations: usize,
    /// Migrations still pending afterwards.
    pub pending: usize,
    /// Skipped after one query: it was at head already.
    pub at_head: bool,
}

/// One target's line of the fleet's report.
#[derive(Debug, Clone, Serialize)]
pub struct TargetReport {
    /// The target with its password masked.
    pub target: String,
    pub before: Option<String>,
    pub after: Option<String>,
    pub migrations: usize,
    pub pending: usize,
    pub ms: u64,
    pub outcome: Outcome,
    /// The first line of the error, for a failed target.
    pub error: Option<String>,
}

/// Every target's report, in the order the targets were given.
#[derive(Debug, Clone, Serialize)]
pub struct FleetReport {
    pub targets: Vec<TargetReport>,
    pub total_ms: u64,
    /// The most connections open at once.
    pub peak_connections: usize,
}

impl FleetReport {
    /// Whether every target ended where the command was to take it.
    pub fn succeeded(&self) -> bool {
        self.targets.iter().all(|t| matches!(t.outcome, Outcome::Ok | Outcome::AtHead))
    }

    /// How many targets ended with `outcome`.
    pub fn count(&self, outcome: Outcome) -> usize {
        self.targets.iter().filter(|t| t.outcome == outcome).count()
    }
}

/// Counts while the fleet runs, for a progress display.
#[derive(Debug, Clone, Copy, Default)]
pub struct Tally {
    pub total: usize,
    pub finished: usize,
    pub failed: usize,
    pub running: usize,
}

/// What a fleet tells while it runs; every method does nothing unless overridden.
pub trait FleetProgress: Send + Sync {
    fn started(&self, _target: &Target, _tally: Tally) {}
    fn finished(&self, _report: &TargetReport, _tally: Tally) {}
}

/// A progress that says nothing.
pub struct Quiet;

impl FleetProgress for Quiet {}

/// One command over many targets; see the module docs.
pub struct Fleet {
    targets: Vec<Target>,
    parallel: usize,
    on_error: OnError,
    canary: usize,
    connect_timeout: Duration,
    create_databases: bool,
}

impl Fleet {
    pub fn new(targets: Vec<Target>) -> Fleet {
        Fleet {
            targets,
            parallel: DEFAULT_PARALLEL,
            on_error: OnError::Stop,
            canary: 0,
            connect_timeout: Duration::from_secs(10),
            create_databases: false,
        }
    }

    /// Creates each target's database first where it does not exist (database per tenant).
    pub fn create_databases(mut self, create: bool) -> Fleet {
        self.create_databases = create;
        self
    }

    /// How many targets run at once (at least 1); also the most connections open at once.
    pub fn parallel(mut self, n: usize) -> Fleet {
        self.parallel = n.max(1);
        self
    }

    pub fn on_error(mut self, on_error: OnError) -> Fleet {
        self.on_error = on_error;
        self
    }

    /// Runs the first `n` targets before any other, and stops if one of them fails.
    pub fn canary(mut self, n: usize) -> Fleet {
        self.canary = n;
        self
    }

    pub fn connect_timeout(mut self, timeout: Duration) -> Fleet {
        self.connect_timeout = timeout;
        self
    }

    pub fn targets(&self) -> &[Target] {
        &self.targets
    }

    /// `up` on every target, each runner made by `configure` from a fresh one: targets at head
    /// are skipped after one query (for `UpTarget::All`).
    pub async fn up<M: MigratorTrait>(
        &self,
        target: &UpTarget,
        options: &RunOptions,
        configure: &(dyn Fn(Migrator) -> Migrator + Sync),
        progress: &dyn FleetProgress,
    ) -> FleetReport {
        let job = |session: Session, _: &Target| async move {
            let migrator = runner::<M>(session, configure)?;
            up_one(&migrator, target, options).await.map_err(|e| e.to_string())
        };
        self.run(true, job, progress).await
    }

    /// `down` on every target.
    pub async fn down<M: MigratorTrait>(
        &self,
        target: &DownTarget,
        options: &RunOptions,
        configure: &(dyn Fn(Migrator) -> Migrator + Sync),
        progress: &dyn FleetProgress,
    ) -> FleetReport {
        let job = |session: Session, _: &Target| async move {
            let migrator = runner::<M>(session, configure)?;
            down_one(&migrator, target, options).await.map_err(|e| e.to_string())
        };
        self.run(true, job, progress).await
    }

    /// Runs `job` on a session of every target (opened with the schema created when `writes`),
    /// as the fleet's settings say, and reports how each ended. The job's error is its first
    /// line, with the target's password masked.
    pub async fn run<F, Fut>(&self, writes: bool, job: F, progress: &dyn FleetProgress) -> FleetReport
    where
        F: Fn(Session, &Target) -> Fut + Sync,
        Fut: Future<Output = Result<Done, String>>,
    {
        let started = Instant::now();
        let shared = Shared {
            reports: Mutex::new(vec![None; self.targets.len()]),
            next: AtomicUsize::new(0),
            stop: AtomicBool::new(false),
            tally: Mutex::new(Tally { total: self.targets.len(), ..Tally::default() }),
            open: AtomicUsize::new(0),
            peak: AtomicUsize::new(0),
        };
        let settings = ConnectSettings { schema: None, create_schema: writes, connect_timeout: self.connect_timeout };
        let canary = self.canary.min(self.targets.len());
        let phases = [(0, canary, OnError::Stop), (canary, self.targets.len(), self.on_error)];
        for (from, to, on_error) in phases {
            if from == to || shared.stop.load(Ordering::SeqCst) {
                continue;
            }
            shared.next.store(from, Ordering::SeqCst);
            let workers = (0..self.parallel.min(to - from)).map(|_| self.worker(to, on_error, &settings, &job, &shared, progress));
            futures::future::join_all(workers).await;
        }
        let reports = shared.reports.into_inner().unwrap_or_else(|p| p.into_inner());
        let targets = reports
            .into_iter()
            .zip(&self.targets)
            .map(|(report, target)| report.unwrap_or_else(|| not_run(target)))
            .collect();
        FleetReport { targets, total_ms: started.elapsed().as_millis() as u64, peak_connections: shared.peak.into_inner() }
    }

    /// Takes targets below `end` one at a time until none is left or the fleet stops, keeping
    /// its connection for the next target on the same PostgreSQL database.
    async fn worker<F, Fut>(&self, end: usize, on_error: OnError, settings: &ConnectSettings, job: &F, shared: &Shared, progress: &dyn FleetProgress)
    where
        F: Fn(Session, &Target) -> Fut + Sync,
        Fut: Future<Output = Result<Done, String>>,
    {
        // The session kept from the last target: the target's index, how many it served, and it.
        let mut held: Option<(usize, usize, Session)> = None;
        loop {
            if shared.stop.load(Ordering::SeqCst) {
                break;
            }
            let i = shared.next.fetch_add(1, Ordering::SeqCst);
            if i >= end {
                break;
            }
            let target = &self.targets[i];
            progress.started(target, shared.count(|t| t.running += 1));
            let clock = Instant::now();
            let session = match held.take() {
                Some((at, served, session)) if reusable(&self.targets[at], served, target) && !session.is_lost() => {
                    switch(session, target, settings).await.map(|s| (served, s)).inspect_err(|_| shared.closed())
                }
                other => {
                    if let Some((_, _, old)) = other {
                        old.close().await;
                        shared.closed();
                    }
                    open(target, settings, self.create_databases).await.map(|s| (0, s)).inspect(|_| shared.connected())
                }
            };
            let result = match session {
                Ok((served, session)) => {
                    let done = job(session.clone(), target).await;
                    match done {
                        Ok(_) => held = Some((i, served + 1, session)),
                        Err(_) => {
                            session.close().await;
                            shared.closed();
                        }
                    }
                    done
                }
                Err(e) => Err(e),
            };
            let report = report(target, result, clock.elapsed());
            let failed = report.outcome == Outcome::Failed;
            if failed && on_error == OnError::Stop {
                shared.stop.store(true, Ordering::SeqCst);
            }
            let tally = shared.count(|t| {
                t.running -= 1;
                t.finished += 1;
                t.failed += usize::from(failed);
            });
            progress.finished(&report, tally);
            shared.reports.lock().unwrap_or_else(|p| p.into_inner())[i] = Some(report);
        }
        if let Some((_, _, session)) = held.take() {
            session.close().await;
            shared.closed();
        }
    }
}

/// What the workers share.
struct Shared {
    reports: Mutex<Vec<Option<TargetReport>>>,
    next: AtomicUsize,
    stop: AtomicBool,
    tally: Mutex<Tally>,
    /// Connections open now (one per worker at most), and the most at once.
    open: AtomicUsize,
    peak: AtomicUsize,
}

impl Shared {
    fn count(&self, change: impl FnOnce(&mut Tally)) -> Tally {
        let mut tally = self.tally.lock().unwrap_or_else(|p| p.into_inner());
        change(&mut tally);
        *tally
    }

    fn connected(&self) {
        let now = self.open.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(now, Ordering::SeqCst);
    }

    fn closed(&self) {
        self.open.fetch_sub(1, Ordering::SeqCst);
    }
}

/// How many targets one PostgreSQL connection serves before a fresh one: a server process
/// caches the catalogue entries of every table it touches, and one that has created the tables
/// of hundreds of schemas slows down (seen: half a gigabyte and three times the time per
/// schema after a thousand).
const TARGETS_PER_CONNECTION: usize = 32;

/// Whether a session on `held`, which has served `served` targets, can serve `next`: schemas
/// of the same PostgreSQL database.
fn reusable(held: &Target, served: usize, next: &Target) -> bool {
    held.url.backend() == Backend::Postgres
        && next.schema.is_some()
        && held.url.expose() == next.url.expose()
        && served < TARGETS_PER_CONNECTION
}

async fn open(target: &Target, settings: &ConnectSettings, create_database: bool) -> Result<Session, String> {
    if create_database {
        crate::runner::create_database(&target.url, settings).await.map_err(|e| e.to_string())?;
    }
    let settings = ConnectSettings { schema: target.schema.clone(), ..settings.clone() };
    Session::open(&target.url, &settings).await.map_err(|e| e.to_string())
}

async fn switch(session: Session, target: &Target, settings: &ConnectSettings) -> Result<Session, String> {
    let schema = target.schema.as_deref().unwrap_or_default();
    session.switch_schema(&target.url, schema, settings.create_schema).await.map_err(|e| e.to_string())?;
    Ok(session)
}

fn report(target: &Target, result: Result<Done, String>, took: Duration) -> TargetReport {
    let ms = took.as_millis() as u64;
    match result {
        Ok(done) => TargetReport {
            target: target.shown(),
            outcome: if done.at_head { Outcome::AtHead } else { Outcome::Ok },
            before: done.before,
            after: done.after,
            migrations: done.migrations,
            pending: done.pending,
            ms,
            error: None,
        },
        Err(words) => {
            let first = words.lines().next().unwrap_or_default();
            TargetReport { error: Some(target.url.redact(first)), outcome: Outcome::Failed, ms, ..not_run(target) }
        }
    }
}

fn not_run(target: &Target) -> TargetReport {
    TargetReport { target: target.shown(), before: None, after: None, migrations: 0, pending: 0, ms: 0, outcome: Outcome::NotRun, error: None }
}

/// A runner of `M`'s migrations on a target's `session`, as `configure` makes it; a fleet job's
/// first step.
pub fn runner<M: MigratorTrait>(session: Session, configure: &(dyn Fn(Migrator) -> Migrator + Sync)) -> Result<Migrator, String> {
    Migrator::new::<M>(session).map(configure).map_err(|e| e.to_string())
}

/// `up` on one target; at head already, one query and nothing else.
pub async fn up_one(migrator: &Migrator, target: &UpTarget, options: &RunOptions) -> Result<Done, crate::runner::Error> {
    let quick = migrator.quick_state().await;
    if *target == UpTarget::All && quick.at_head {
        return Ok(Done { before: quick.current.clone(), after: quick.current, at_head: true, ..Done::default() });
    }
    let report = migrator.up(target, options).await?;
    // `up` of everything leaves nothing pending, or fails; only a partial target needs a look.
    let pending = if *target == UpTarget::All { 0 } else { migrator.status().await?.pending.len() };
    Ok(Done { before: quick.current, after: report.current, migrations: report.steps.len(), pending, at_head: false })
}

/// `down` on one target.
pub async fn down_one(migrator: &Migrator, target: &DownTarget, options: &RunOptions) -> Result<Done, crate::runner::Error> {
    let before = migrator.quick_state().await.current;
    let report = migrator.down(target, options).await?;
    let pending = migrator.status().await?.pending.len();
    Ok(Done { before, after: report.current, migrations: report.steps.len(), pending, at_head: false })
}
