//! How long a migration's statements may wait for a table lock (and run), and how often a
//! migration that gave way to the application is tried again.
//!
//! A DDL statement that waits for a lock makes every later query on that table wait behind it:
//! a correct migration stalls the application for as long as some long transaction keeps the
//! table. With a lock wait limit the statement gives up instead, its migration is rolled back
//! (where the backend allows it), the application's queries go through, and the migration is
//! tried again after a pause.

use crate::db::Backend;
use std::time::Duration;

/// The limits for a run; [`DdlLimits::default`] is what the CLI uses without flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DdlLimits {
    /// How long one statement may wait for a lock; `None` waits for as long as it takes.
    pub lock_timeout: Option<Duration>,
    /// How many more times a migration that hit the lock wait limit is tried.
    pub retries: u32,
    /// How long one statement may run; `None` for no limit.
    pub statement_timeout: Option<Duration>,
}

/// Five seconds: short enough that the queries queued behind a waiting statement are not an
/// outage, long enough for a lock held by an ordinary short transaction to be released.
pub const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(5);
pub const DEFAULT_RETRIES: u32 = 5;

impl Default for DdlLimits {
    fn default() -> Self {
        DdlLimits { lock_timeout: Some(DEFAULT_LOCK_TIMEOUT), retries: DEFAULT_RETRIES, statement_timeout: None }
    }
}

/// What a migration declares for itself in code, read when it is captured (see
/// [`crate::ddl`]); each is `None` when not declared.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Declared {
    pub lock_timeout: Option<Option<Duration>>,
    pub retries: Option<u32>,
}

impl DdlLimits {
    /// These limits with a migration's own declarations applied.
    pub fn with(self, declared: Declared) -> DdlLimits {
        DdlLimits {
            lock_timeout: declared.lock_timeout.unwrap_or(self.lock_timeout),
            retries: declared.retries.unwrap_or(self.retries),
            ..self
        }
    }

    /// The statements that set these limits for a whole session.
    pub(crate) fn session_sql(&self, backend: Backend) -> Vec<String> {
        let ms = |d: Option<Duration>| d.map_or(0, |d| d.as_millis().max(1));
        match backend {
            Backend::Postgres => vec![
                format!("SET lock_timeout = {}", ms(self.lock_timeout)),
                format!("SET statement_timeout = {}", ms(self.statement_timeout)),
            ],
            Backend::MySql => {
                let secs = self.lock_timeout.map_or(31_536_000, |d| d.as_secs().max(1));
                let mut sql = vec![format!("SET SESSION lock_wait_timeout = {secs}, innodb_lock_wait_timeout = {secs}")];
                if let Some(limit) = self.statement_timeout {
                    // MariaDB's variable; MySQL's `max_execution_time` limits SELECT alone.
                    sql.push(format!("SET SESSION max_statement_time = {}", limit.as_secs_f64()));
                }
                sql
            }
            Backend::Sqlite => vec![format!(
                "PRAGMA busy_timeout = {}",
                self.lock_timeout.map_or(i32::MAX as u128, |d| d.as_millis().max(1))
            )],
        }
    }

    /// The statement that sets the lock wait limit inside one migration's transaction, where
    /// it differs from the session's (PostgreSQL; elsewhere the session's is changed).
    pub(crate) fn migration_sql(&self, backend: Backend) -> String {
        let ms = self.lock_timeout.map_or(0, |d| d.as_millis().max(1));
        match backend {
            Backend::Postgres => format!("SET LOCAL lock_timeout = {ms}"),
            _ => self.session_sql(backend).remove(0),
        }
    }
}

/// The pause before try `attempt` (2, 3, ...): half a second doubled each time up to 15 s,
/// with a quarter of jitter either way, so that runs on several databases do not retry in step.
pub(crate) fn backoff(attempt: u32) -> Duration {
    let base = 0.5 * 2f64.powi(attempt.saturating_sub(2).min(5) as i32);
    let jitter = 0.75 + rand_unit() * 0.5;
    Duration::from_secs_f64((base * jitter).min(15.0))
}

/// A number in [0, 1) from the clock: jitter needs no better randomness.
fn rand_unit() -> f64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    f64::from(nanos % 1_000_000) / 1_000_000.0
}
