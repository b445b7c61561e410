//! The production guard and the start-up API.

use crate::fixtures::table;
use crate::support::{TestDb, has_table, migrator};
use seamigrate::{DownTarget, Environment, Error, RunOptions, UpTarget};

fn two() -> Vec<Box<dyn sea_orm_migration::MigrationTrait>> {
    vec![table("m1_a", "ta"), table("m2_b", "tb")]
}

async fn production_refuses_destruction(db: TestDb) {
    let m = migrator(&db, two()).await.environment(Environment::Production);
    let yes = RunOptions { confirmed: true, ..RunOptions::default() };
    // Production `up` backs up first; this test is about what it refuses (see policy.rs).
    let no_backup = RunOptions { backup: seamigrate::runner::BackupChoice::Skip, ..RunOptions::default() };
    m.up(&UpTarget::All, &no_backup).await.unwrap();
    for err in [
        m.fresh(&yes).await.unwrap_err(),
        m.reset(&yes).await.unwrap_err(),
        m.refresh(&yes).await.unwrap_err(),
    ] {
        assert!(matches!(err, Error::Refused { .. }), "{err}");
        assert!(err.to_string().contains("never allowed in production"), "{err}");
    }
    let err = m.down(&DownTarget::Steps(1), &RunOptions::default()).await.unwrap_err();
    assert!(err.to_string().contains("--yes"), "{err}");
    assert!(has_table(m.connection(), "tb").await, "nothing was reverted");
    m.down(&DownTarget::Steps(1), &yes).await.unwrap();
    assert!(!has_table(m.connection(), "tb").await);
}

async fn development_needs_confirmation(db: TestDb) {
    let m = migrator(&db, two()).await;
    m.up(&UpTarget::All, &RunOptions::default()).await.unwrap();
    let err = m.fresh(&RunOptions::default()).await.unwrap_err();
    assert!(err.to_string().contains("--yes"), "{err}");
    let yes = RunOptions { confirmed: true, ..RunOptions::default() };
    m.connection()
        .execute_unprepared("CREATE TABLE stray (id INTEGER PRIMARY KEY)")
        .await
        .unwrap();
    let report = m.fresh(&yes).await.unwrap();
    assert_eq!(report.steps.len(), 2);
    assert!(!has_table(m.connection(), "stray").await, "fresh drops every table");
    assert!(has_table(m.connection(), "ta").await);
    let reset = m.reset(&yes).await.unwrap();
    assert_eq!(reset.steps.len(), 2);
    assert!(!has_table(m.connection(), "ta").await);
    m.refresh(&yes).await.unwrap();
    assert!(m.status().await.unwrap().is_up_to_date);
    // The event log survives fresh.
    let actions: Vec<_> = m.history(None).await.unwrap().iter().map(|e| e.action.as_str()).collect();
    assert!(actions.starts_with(&["up", "up", "fresh", "up", "up"]), "{actions:?}");
}

async fn ensure_up_to_date_at_start_up(db: TestDb) {
    let conn = db.connect().await;
    let err = seamigrate::ensure_up_to_date::<migration::Migrator>(&conn, Environment::Production)
        .await
        .unwrap_err();
    let Error::NotUpToDate { pending, .. } = &err else { panic!("expected NotUpToDate, got {err}") };
    assert_eq!(pending.len(), 3);
    assert!(err.to_string().contains("m20250101_000001_create_reference_schema"), "{err}");
    assert!(!has_table(&conn, "tenants").await);
    let status = seamigrate::ensure_up_to_date::<migration::Migrator>(&conn, Environment::Development)
        .await
        .unwrap();
    assert!(status.is_up_to_date);
    assert!(has_table(&conn, "tenants").await);
    let status = seamigrate::ensure_up_to_date::<migration::Migrator>(&conn, Environment::Production)
        .await
        .unwrap();
    assert!(status.is_up_to_date);
    let json = serde_json::to_value(&status).unwrap();
    assert_eq!(json["is_up_to_date"], true);
    assert_eq!(json["pending"].as_array().map(Vec::len), Some(0));
}

use sea_orm::ConnectionTrait;

crate::on_each_backend!(
    production_refuses_destruction,
    development_needs_confirmation,
    ensure_up_to_date_at_start_up
);
