//! Seals the credentials a database stored in plaintext before encryption at rest came in
//! (`entity::sealed`): every secret column of every row, a batch at a time, resumable. It needs
//! `CREDENTIALS_KEY` and refuses to start without a valid one; down() opens them again.

use crate::credentials;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        seamigrate::lint::allow("backfill", "the migration is its backfill alone");
        let keys = credentials::keys(manager)?;
        credentials::seal_plaintext(manager, keys.as_ref()).await.map(drop)
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        seamigrate::lint::allow("backfill", "the migration is its backfill alone");
        let keys = credentials::keys(manager)?;
        credentials::open_all(manager, keys.as_ref()).await.map(drop)
    }
}
