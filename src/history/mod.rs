//! The history store: which migrations are applied (with checksum, duration and a `dirty` mark)
//! and an append-only log of everything the runner did.
//!
//! Two tables, created on first use with sea-query so they look the same on every backend:
//! `seamigrate_migrations` (one row per applied migration) and `seamigrate_events`.
//! A database managed by the stock sea-orm runner is adopted from its `seaql_migrations` table.

mod adopt;
mod event;
mod store;
mod tables;

pub use adopt::{LegacyRow, Snapshot};
pub use event::{Action, Event, NewEvent, Outcome};
pub(crate) use event::actor;
pub use store::{AppliedRow, HistoryStore, Writes};
pub use tables::{EVENTS_TABLE, MIGRATIONS_TABLE};

/// The current time as stored: RFC 3339 in UTC with milliseconds, which also sorts as text.
pub fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}
