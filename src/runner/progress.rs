//! What a run tells its caller while it works.

use crate::capture::Direction;
use crate::lock::Holder;
use std::time::Duration;

/// Receives progress; the CLI prints it, a library user may log it. Every method defaults to
/// doing nothing.
pub trait Progress: Send + Sync {
    /// Another run holds the lock (`holder`, when it can be seen); this one waits up to
    /// `timeout`.
    fn waiting_for_lock(&self, _timeout: Duration, _holder: Option<&Holder>) {}
    /// The lock was free, but the run that held it last never released it: it was killed or
    /// crashed, and what it was doing may be unfinished (SQLite, whose lock file names it).
    fn stale_lock(&self, _holder: &Holder) {}
    fn started(&self, _version: &str, _direction: Direction) {}
    fn finished(&self, _version: &str, _direction: Direction, _ms: i64) {}
    /// A backup was taken (by production `up` before its first migration, or by `restore`).
    fn backed_up(&self, _backup: &crate::backup::Backup) {}
    /// A statement of `version` waited too long for a lock; the migration was rolled back and
    /// is tried again (try `attempt` of `of`) after `pause`; `why` names who held the lock.
    /// A backfill of the running migration finished a batch (and, `finished`, its last).
    fn backfill(&self, _tick: &crate::backfill::Tick<'_>) {}
    fn gave_way(&self, _version: &str, _direction: Direction, _attempt: u32, _of: u32, _pause: Duration, _why: &str) {}
}

/// Progress that goes nowhere.
pub struct Silent;

impl Progress for Silent {}
