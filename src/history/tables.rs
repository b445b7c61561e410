//! Definitions of the history tables.

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

pub(crate) fn create_migrations_table() -> TableCreateStatement {
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

pub(crate) fn create_events_table() -> TableCreateStatement {
    Table::create()
        .table(SeamigrateEvents::Table)
        .if_not_exists()
        .col(
            ColumnDef::new(SeamigrateEvents::Id)
                .integer()
                .not_null()
                .auto_increment()
                .primary_key(),
        )
        .col(ColumnDef::new(SeamigrateEvents::At).string_len(40).not_null())
        .col(ColumnDef::new(SeamigrateEvents::Action).string_len(16).not_null())
        .col(ColumnDef::new(SeamigrateEvents::Version).string_len(255).null())
        .col(ColumnDef::new(SeamigrateEvents::Outcome).string_len(16).not_null())
        .col(ColumnDef::new(SeamigrateEvents::DurationMs).big_integer().null())
        .col(ColumnDef::new(SeamigrateEvents::Actor).string_len(255).not_null())
        .col(ColumnDef::new(SeamigrateEvents::Message).text().null())
        .to_owned()
}
