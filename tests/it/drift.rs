//! Code and history that disagree: modified, out-of-order and missing migrations, and `stamp`.

use crate::fixtures::{CreateTable, table};
use crate::support::{TestDb, has_table, migrator, states};
use sea_orm::ConnectionTrait;
use seamigrate::runner::ResolveAs;
use seamigrate::{DownTarget, Error, RunOptions, StampTarget, UpTarget};
use std::time::Duration;

async fn modified_is_detected(db: TestDb) {
    let m = migrator(&db, vec![table("m1_a", "ta")]).await;
    m.up(&UpTarget::All, &RunOptions::default()).await.unwrap();
    let edited = CreateTable { version: "m1_a", table: "ta", extra: true, pause: Duration::ZERO };
    let m = migrator(&db, vec![Box::new(edited), table("m2_b", "tb")]).await;
    assert_eq!(states(&m).await[0], ("m1_a".into(), "modified"));
    let err = m.up(&UpTarget::All, &RunOptions::default()).await.unwrap_err();
    assert!(matches!(&err, Error::Modified { versions } if versions == &["m1_a"]), "{err}");
    assert!(!has_table(m.connection(), "tb").await);
    let anyway = RunOptions { allow_modified: true, ..RunOptions::default() };
    m.up(&UpTarget::All, &anyway).await.unwrap();
    assert!(has_table(m.connection(), "tb").await);
    assert!(!m.status().await.unwrap().is_up_to_date, "an edited migration is not up to date");
    // Resolving records the new code as the reference, and touches nothing else.
    m.resolve("m1_a", ResolveAs::Applied).await.unwrap();
    assert_eq!(states(&m).await, vec![("m1_a".into(), "applied"), ("m2_b".into(), "applied")]);
    assert!(m.status().await.unwrap().is_up_to_date);
}

async fn out_of_order_needs_a_flag(db: TestDb) {
    let m = migrator(&db, vec![table("m1_a", "ta"), table("m3_c", "tc")]).await;
    m.up(&UpTarget::All, &RunOptions::default()).await.unwrap();
    let merged = vec![table("m1_a", "ta"), table("m2_b", "tb"), table("m3_c", "tc")];
    let m = migrator(&db, merged).await;
    assert_eq!(states(&m).await[1], ("m2_b".into(), "out-of-order"));
    assert_eq!(m.status().await.unwrap().pending, vec!["m2_b"]);
    let err = m.up(&UpTarget::All, &RunOptions::default()).await.unwrap_err();
    assert!(matches!(&err, Error::OutOfOrder { versions, newest } if versions == &["m2_b"] && newest == "m3_c"), "{err}");
    let allow = RunOptions { allow_out_of_order: true, ..RunOptions::default() };
    let report = m.up(&UpTarget::All, &allow).await.unwrap();
    assert_eq!(report.current.as_deref(), Some("m3_c"), "the newest applied is still current");
    assert!(has_table(m.connection(), "tb").await);
    assert!(m.status().await.unwrap().is_up_to_date);
}

async fn missing_blocks_down(db: TestDb) {
    let m = migrator(&db, vec![table("m1_a", "ta"), table("m2_b", "tb")]).await;
    m.up(&UpTarget::All, &RunOptions::default()).await.unwrap();
    let m = migrator(&db, vec![table("m1_a", "ta")]).await;
    assert_eq!(states(&m).await, vec![("m1_a".into(), "applied"), ("m2_b".into(), "missing")]);
    let err = m.down(&DownTarget::Steps(1), &RunOptions::default()).await.unwrap_err();
    assert!(matches!(&err, Error::MissingCrossed { version } if version == "m2_b"), "{err}");
    assert!(has_table(m.connection(), "ta").await);
    assert!(m.status().await.unwrap().is_up_to_date, "missing code does not block start-up");
    let err = m.resolve("m2_b", ResolveAs::Applied).await.unwrap_err();
    assert!(matches!(err, Error::ResolveUnknownCode { .. }), "{err}");
    // Forgetting it is the way out, once its table is dropped by hand.
    m.connection().execute_unprepared("DROP TABLE tb").await.unwrap();
    m.resolve("m2_b", ResolveAs::Pending).await.unwrap();
    assert_eq!(states(&m).await, vec![("m1_a".into(), "applied")]);
    m.down(&DownTarget::Steps(1), &RunOptions::default()).await.unwrap();
}

async fn stamp_baselines_without_running(db: TestDb) {
    let m = migrator(&db, vec![table("m1_a", "ta"), table("m2_b", "tb"), table("m3_c", "tc")]).await;
    let report = m.stamp(&StampTarget::Version("m2_b".into())).await.unwrap();
    assert_eq!(report.current.as_deref(), Some("m2_b"));
    assert!(report.steps.is_empty());
    assert_eq!(
        states(&m).await,
        vec![("m1_a".into(), "applied"), ("m2_b".into(), "applied"), ("m3_c".into(), "pending")]
    );
    assert!(!has_table(m.connection(), "ta").await, "stamp runs nothing");
    m.up(&UpTarget::All, &RunOptions::default()).await.unwrap();
    assert!(has_table(m.connection(), "tc").await);
    assert!(!has_table(m.connection(), "ta").await);
    m.stamp(&StampTarget::Base).await.unwrap();
    assert_eq!(m.status().await.unwrap().pending.len(), 3);
    let err = m.stamp(&StampTarget::Version("m9".into())).await.unwrap_err();
    assert!(matches!(err, Error::UnknownVersion { .. }));
}

crate::on_each_backend!(
    modified_is_detected,
    out_of_order_needs_a_flag,
    missing_blocks_down,
    stamp_baselines_without_running
);
