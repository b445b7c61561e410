//! What a run tells its caller while it works.

use crate::capture::Direction;
use std::time::Duration;

/// Receives progress; the CLI prints it, a library user may log it. Every method defaults to
/// doing nothing.
pub trait Progress: Send + Sync {
    /// Another run holds the lock; this one waits up to `timeout`.
    fn waiting_for_lock(&self, _timeout: Duration) {}
    fn started(&self, _version: &str, _direction: Direction) {}
    fn finished(&self, _version: &str, _direction: Direction, _ms: i64) {}
    /// A statement of `version` waited too long for a lock; the migration was rolled back and
    /// is tried again (try `attempt` of `of`) after `pause`; `why` names who held the lock.
    fn gave_way(&self, _version: &str, _direction: Direction, _attempt: u32, _of: u32, _pause: Duration, _why: &str) {}
}

/// Progress that goes nowhere.
pub struct Silent;

impl Progress for Silent {}
