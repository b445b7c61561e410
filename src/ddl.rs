//! What a migration declares about its own DDL limits, for a migration that needs more (or less)
//! than the run's `--ddl-lock-timeout` and `--ddl-retries`: call these at the top of `up()` (or
//! `down()`). The runner reads them beforehand, when it captures the migration's SQL (as it
//! does for its checksum); against a database they do nothing, and they never change the
//! checksum.
//!
//! ```
//! # use std::time::Duration;
//! // A migration that rewrites a large table: let it wait up to 30 s for its lock, twice.
//! seamigrate::ddl::lock_timeout(Some(Duration::from_secs(30)));
//! seamigrate::ddl::retries(2);
//! ```

use std::time::Duration;

/// How long this migration's statements may wait for a lock; `None` waits as long as it takes.
pub fn lock_timeout(limit: Option<Duration>) {
    crate::capture::declare_limits(|d| d.lock_timeout = Some(limit));
}

/// How many more times this migration is tried when a statement gives way.
pub fn retries(count: u32) {
    crate::capture::declare_limits(|d| d.retries = Some(count));
}
