//! `seamigrate`: schema migrations for sea-orm services.
//!
//! Migrations stay ordinary [`sea_orm_migration::MigrationTrait`] values; this crate runs them
//! with what a production deploy needs and the stock runner lacks: a database-wide lock, a
//! checksum of every applied migration, one transaction per migration where the backend allows
//! it (and an honest `dirty` mark where it does not), an event log, and a guard against
//! destroying a production database by accident.
//!
//! The layers, from the bottom up:
//! - [`db`]: database URLs (with the password masked wherever one is printed) and connections.
//! - [`capture`]: the SQL a migration would send, learned without touching a database.
//! - [`history`]: the tables that record what is applied and everything that happened.
//! - [`lock`]: one run at a time per database.
//! - [`runner`]: plans and executes `up`, `down`, `stamp`, `fresh`, ...; the library API;
//!   [`ddl`]: the lock wait limits a migration declares for itself.
//! - [`backfill`]: changing every row of a large table from a migration, in short batches
//!   that resume where a killed run stopped.
//! - [`batch`]: helpers migrations call where a backend cannot change a table in place
//!   (SQLite's table rebuild), so that one migration serves every backend.
//! - [`apply`]: one schema change made on a live database, through those same statements.
//! - [`backup`]: dumps before risky changes (each backend's own tool), and restores.
//! - [`task`]: data operations an application runs whenever it needs to, under the lock.
//! - [`fleet`]: one command over many databases or tenant schemas, in parallel.
//! - [`cli`]: the command line a migration crate's `main.rs` hands over to.
//!
//! Beside the runner, the `autogenerate` pipeline flows one way: [`schema`] (a backend-neutral
//! model, read from the entities and from a live database) -> `diff` -> code generation.

pub mod apply;
pub mod backfill;
pub mod backup;
pub mod batch;
pub mod capture;
pub mod cli;
pub mod codegen;
pub mod db;
pub mod ddl;
pub mod diff;
pub mod fleet;
pub mod history;
pub mod lint;
pub mod lock;
pub mod runner;
pub mod schema;
pub mod task;

pub use db::{Backend, DatabaseUrl};
pub use runner::{
    DownTarget, Environment, Error, MigrationState, Migrator, Report, ResolveAs, RunOptions,
    StampTarget, StartupOptions, Status, UpOptions, UpTarget, ensure_up_to_date, ensure_up_to_date_with,
};
