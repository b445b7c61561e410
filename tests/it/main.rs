//! Integration tests against real SQLite, PostgreSQL and MySQL/MariaDB databases; see
//! `support` for how backends are chosen.

mod support;

mod adopt;
mod bad_input;
mod busy_table;
mod checks;
mod autogen_property;
mod autogen_cli;
mod backup;
mod baseline;
mod cli;
mod codegen;
mod coexist;
mod concurrency;
mod database;
mod diagrams;
mod drafts;
mod drift;
mod failures;
mod extensions;
mod fixtures;
mod fleet;
mod generated;
mod guard;
mod index_options;
mod init;
mod lint;
mod lock_loss;
mod masking;
mod not_compared;
mod messages;
mod outside_transaction;
mod policy;
mod probes;
mod reference;
mod runner_basics;
mod schema;
mod secrets;
mod servers;
mod scratch;
mod sql_preview;
mod sqlite_rebuild;
mod tls;
mod views;
mod watch;
