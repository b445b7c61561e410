//! A database managed by the stock sea-orm runner is adopted as it is: nothing re-runs.

use crate::support::{TestDb, has_table};
use sea_orm_migration::MigratorTrait;
use seamigrate::history::Action;
use seamigrate::{Migrator, RunOptions, UpTarget};

async fn adopts_the_stock_runner(db: TestDb) {
    let conn = db.connect().await;
    migration::Migrator::up(&conn, Some(1)).await.expect("stock runner applies the first migration");
    let m = Migrator::new::<migration::Migrator>(db.connect().await).unwrap();
    let status = m.status().await.unwrap();
    assert_eq!(status.current.as_deref(), Some("m20250101_000001_create_reference_schema"));
    assert_eq!(status.pending, vec!["m20250301_000002_add_user_display_name"]);
    let report = m.up(&UpTarget::All, &RunOptions::default()).await.unwrap();
    let applied: Vec<_> = report.steps.iter().map(|s| s.version.as_str()).collect();
    assert_eq!(applied, vec!["m20250301_000002_add_user_display_name"], "nothing re-ran");
    let events = m.history(None).await.unwrap();
    assert_eq!(events[0].action, Action::Adopt);
    assert!(has_table(&conn, "seaql_migrations").await, "the stock table is left in place");
    let states: Vec<_> = m.status().await.unwrap().migrations.iter().map(|m| m.state.as_str()).collect();
    assert_eq!(states, vec!["applied", "applied"]);
}

crate::on_each_backend!(adopts_the_stock_runner);
