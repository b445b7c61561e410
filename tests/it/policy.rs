//! The production rules hold for a program that calls the library as much as for the CLI: `up`
//! refuses pending migrations with lint errors nobody acknowledged, and backs up before its
//! first migration; a runner given only a pool is told it needs the URL for that backup.

use crate::fixtures::table;
use crate::support::{TestDb, has_table};
use sea_orm_migration::prelude::*;
use seamigrate::runner::BackupChoice;
use seamigrate::{Environment, Error, Migrator, RunOptions, UpTarget};

/// Drops the table the first migration made: destructive, and not acknowledged.
struct DropIt;

impl MigrationName for DropIt {
    fn name(&self) -> &str {
        "m2_drop"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for DropIt {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Alias::new("t_kept")).to_owned()).await
    }
}

fn list() -> Vec<Box<dyn MigrationTrait>> {
    vec![table("m1_table", "t_kept"), Box::new(DropIt)]
}

async fn production_rules_hold_for_the_library(db: TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let options = RunOptions { backup: BackupChoice::Dir(dir.path().to_path_buf()), ..RunOptions::default() };
    let m = Migrator::from_migrations(db.session().await, list()).unwrap().environment(Environment::Production);
    m.up(&UpTarget::To("m1_table".into()), &options).await.unwrap();
    let first = std::fs::read_dir(dir.path()).unwrap().count();
    assert_eq!(first, 2, "a dump and its metadata before the first migration");

    let err = m.up(&UpTarget::All, &options).await.unwrap_err();
    let Error::LintRefused { errors, .. } = &err else { panic!("expected LintRefused, got {err}") };
    assert_eq!(errors[0].version, "m2_drop");
    assert!(err.to_string().contains("--allow-destructive"), "{err}");
    assert!(has_table(m.connection(), "t_kept").await, "nothing ran");

    let allowed = RunOptions { allow_destructive: true, ..options.clone() };
    let report = m.up(&UpTarget::All, &allowed).await.unwrap();
    let backup = report.backup.expect("a backup before the migration");
    assert!(backup.dump.exists());
    assert_eq!(backup.metadata.schema_version.as_deref(), Some("m1_table"));
    assert!(!has_table(m.connection(), "t_kept").await);

    // A pool alone: no URL for the dump tool.
    let pending = Migrator::from_migrations(db.connect().await, vec![table("m1_table", "t_kept"), table("m3_more", "t_more")])
        .unwrap()
        .environment(Environment::Production);
    let err = pending.up(&UpTarget::All, &RunOptions::default()).await.unwrap_err();
    assert!(matches!(err, Error::NoUrlForBackup), "{err}");
    let url = db.parsed_url();
    let with_url = Migrator::from_migrations(db.connect().await, vec![table("m1_table", "t_kept"), table("m3_more", "t_more")])
        .unwrap()
        .environment(Environment::Production)
        .url(url);
    let skip = RunOptions { backup: BackupChoice::Skip, ..RunOptions::default() };
    assert!(with_url.up(&UpTarget::All, &skip).await.unwrap().backup.is_none(), "skipped when asked");
}

crate::on_each_backend!(production_rules_hold_for_the_library);
