//! Definitions of the history tables.

use sea_orm::DbBackend;
use sea_orm_migration::prelude::*;

pub const MIGRATIONS_TABLE: &str = "seamigrate_migrations";
pub const EVENTS_TABLE: &str = "seamigrate_events";

#[derive(DeriveIden, Clone, Copy)]
pub(crate) enum SeamigrateMigrations {
    Table,
    Version,
    AppliedAt,
    ExecutionMs,
    Checksum,
    Dirty,
}

#[derive(DeriveIden, Clone, Copy)]
pub(crate) enum SeamigrateEvents {
    Table,
    Id,
    At,
    Action,
    Version,
    Outcome,
    DurationMs,
    Actor,
    Message,
}

/// The statements that create both tables on `backend`. On SQLite, where every page a commit
/// touches costs journal writes, the applied rows live in their primary key's own b-tree
/// (`WITHOUT ROWID`) and events take the row id as their id without `AUTOINCREMENT`'s counter
/// table: a migration's record touches two pages instead of four.
pub(crate) fn create_tables(backend: DbBackend) -> [String; 2] {
    let mut migrations = backend.build(&create_migrations_table()).to_string();
    if backend == DbBackend::Sqlite {
        migrations.push_str(" WITHOUT ROWID");
    }
    let events = backend.build(&create_events_table(backend)).to_string();
    [migrations, events]
}

fn create_migrations_table() -> TableCreateStatement {
    Table::create()
        .table(SeamigrateMigrations::Table)
        .if_not_exists()
        .col(
            ColumnDef::new(SeamigrateMigrations::Version)
                .string_len(255)
                .not_null()
                .primary_key(),
        )
        .col(ColumnDef::new(SeamigrateMigrations::AppliedAt).string_len(40).not_null())
        .col(ColumnDef::new(SeamigrateMigrations::ExecutionMs).big_integer().not_null())
        .col(ColumnDef::new(SeamigrateMigrations::Checksum).string_len(64).null())
        .col(
            ColumnDef::new(SeamigrateMigrations::Dirty)
                .boolean()
                .not_null()
                .default(false),
        )
        .to_owned()
}

fn create_events_table(backend: DbBackend) -> TableCreateStatement {
    let mut id = ColumnDef::new(SeamigrateEvents::Id);
    id.integer().not_null().primary_key();
    if backend != DbBackend::Sqlite {
        // On SQLite an INTEGER PRIMARY KEY is the row id, numbered on insert.
        id.auto_increment();
    }
    Table::create()
        .table(SeamigrateEvents::Table)
        .if_not_exists()
        .col(id)
        .col(ColumnDef::new(SeamigrateEvents::At).string_len(40).not_null())
        .col(ColumnDef::new(SeamigrateEvents::Action).string_len(16).not_null())
        .col(ColumnDef::new(SeamigrateEvents::Version).string_len(255).null())
        .col(ColumnDef::new(SeamigrateEvents::Outcome).string_len(16).not_null())
        .col(ColumnDef::new(SeamigrateEvents::DurationMs).big_integer().null())
        .col(ColumnDef::new(SeamigrateEvents::Actor).string_len(255).not_null())
        .col(ColumnDef::new(SeamigrateEvents::Message).text().null())
        .to_owned()
}
