//! The `rotate-credentials` task: after a new key is deployed as `CREDENTIALS_KEY` (the old one
//! moved to `CREDENTIALS_KEY_PREVIOUS`), re-seals every secret under the new key. Safe to run
//! again at any time: values already under the new key are left alone.

use crate::credentials;
use entity::sealed::Keys;
use sea_orm_migration::prelude::*;

pub struct RotateCredentials;

#[async_trait::async_trait]
impl seamigrate::task::Task for RotateCredentials {
    fn name(&self) -> &str {
        "rotate-credentials"
    }

    fn about(&self) -> &str {
        "re-seal every credential under CREDENTIALS_KEY (opening them with CREDENTIALS_KEY_PREVIOUS)"
    }

    async fn run(&self, manager: &SchemaManager<'_>) -> Result<String, DbErr> {
        let keys = Keys::from_env().map_err(|e| DbErr::Migration(e.to_string()))?;
        let resealed = credentials::reseal(manager, &keys).await?;
        let counts = credentials::values_by_key(manager.get_connection()).await?;
        Ok(format!(
            "re-sealed {resealed} value(s) under k{}; values by key now: {}",
            keys.current.id(),
            credentials::describe_counts(&counts)
        ))
    }
}
