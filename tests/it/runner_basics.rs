//! Targets of up and down, status, current and the event log.

use crate::fixtures::table;
use crate::support::{TestDb, has_table, migrator, states};
use seamigrate::history::{Action, Outcome};
use seamigrate::{DownTarget, Error, RunOptions, UpTarget};

fn three() -> Vec<Box<dyn sea_orm_migration::MigrationTrait>> {
    vec![table("m1_a", "ta"), table("m2_b", "tb"), table("m3_c", "tc")]
}

async fn targets(db: TestDb) {
    let m = migrator(&db, three()).await;
    let opts = RunOptions::default();
    let report = m.up(&UpTarget::Steps(1), &opts).await.unwrap();
    assert_eq!(report.steps.len(), 1);
    assert_eq!(report.current.as_deref(), Some("m1_a"));
    m.up(&UpTarget::To("m2".into()), &opts).await.unwrap();
    assert_eq!(m.status().await.unwrap().current.as_deref(), Some("m2_b"));
    assert!(has_table(m.connection(), "tb").await);
    assert!(!has_table(m.connection(), "tc").await);
    m.up(&UpTarget::All, &opts).await.unwrap();
    let status = m.status().await.unwrap();
    assert!(status.is_up_to_date);
    assert!(status.pending.is_empty());
    assert_eq!(status.head.as_deref(), Some("m3_c"));

    let nothing = m.up(&UpTarget::All, &opts).await.unwrap();
    assert!(nothing.steps.is_empty());
    assert_eq!(nothing.message.as_deref(), Some("nothing to apply"));

    let one = m.down(&DownTarget::default(), &opts).await.unwrap();
    assert_eq!(one.steps[0].version, "m3_c");
    assert!(!has_table(m.connection(), "tc").await);
    m.up(&UpTarget::All, &opts).await.unwrap();
    m.down(&DownTarget::Steps(2), &opts).await.unwrap();
    assert_eq!(m.status().await.unwrap().current.as_deref(), Some("m1_a"));
    m.up(&UpTarget::All, &opts).await.unwrap();
    m.down(&DownTarget::To("m1_a".into()), &opts).await.unwrap();
    assert_eq!(
        states(&m).await,
        vec![("m1_a".into(), "applied"), ("m2_b".into(), "pending"), ("m3_c".into(), "pending")]
    );
    m.down(&DownTarget::Base, &opts).await.unwrap();
    let status = m.status().await.unwrap();
    assert_eq!(status.current, None);
    assert_eq!(status.pending.len(), 3);
    assert!(!has_table(m.connection(), "ta").await);
}

async fn unknown_versions_name_the_closest(db: TestDb) {
    let m = migrator(&db, three()).await;
    let err = m.up(&UpTarget::To("m2_bb".into()), &RunOptions::default()).await.unwrap_err();
    match &err {
        Error::UnknownVersion { given, suggestions } => {
            assert_eq!(given, "m2_bb");
            assert_eq!(suggestions.first().map(String::as_str), Some("m2_b"));
        }
        other => panic!("expected UnknownVersion, got {other}"),
    }
    assert!(err.to_string().contains("m2_b"), "{err}");
    let err = m.down(&DownTarget::To("nope".into()), &RunOptions::default()).await.unwrap_err();
    assert!(matches!(err, Error::UnknownVersion { .. }), "{err}");
    // Nothing ran.
    assert!(!has_table(m.connection(), "ta").await);
}

async fn event_log_records_every_action(db: TestDb) {
    let m = migrator(&db, three()).await;
    let opts = RunOptions::default();
    m.up(&UpTarget::All, &opts).await.unwrap();
    m.down(&DownTarget::Steps(1), &opts).await.unwrap();
    m.stamp(&seamigrate::StampTarget::Version("m3_c".into())).await.unwrap();
    let events = m.history(None).await.unwrap();
    let summary: Vec<(Action, Option<&str>, Outcome)> = events
        .iter()
        .map(|e| (e.action, e.version.as_deref(), e.outcome))
        .collect();
    assert_eq!(
        summary,
        vec![
            (Action::Up, Some("m1_a"), Outcome::Ok),
            (Action::Up, Some("m2_b"), Outcome::Ok),
            (Action::Up, Some("m3_c"), Outcome::Ok),
            (Action::Down, Some("m3_c"), Outcome::Ok),
            (Action::Stamp, Some("m3_c"), Outcome::Ok),
        ]
    );
    assert!(events.iter().all(|e| e.actor.contains('@')));
    assert!(events[0].duration_ms.is_some());
    let last_two = m.history(Some(2)).await.unwrap();
    assert_eq!(last_two.len(), 2);
    assert_eq!(last_two[1].action, Action::Stamp);
    // Stamping recorded m3_c as applied without running it.
    assert!(!has_table(m.connection(), "tc").await);
    assert_eq!(m.status().await.unwrap().current.as_deref(), Some("m3_c"));
}

async fn status_is_read_only(db: TestDb) {
    let m = migrator(&db, three()).await;
    let status = m.status().await.unwrap();
    assert_eq!(status.pending, vec!["m1_a", "m2_b", "m3_c"]);
    assert!(!status.is_up_to_date);
    assert!(!has_table(m.connection(), seamigrate::history::MIGRATIONS_TABLE).await);
    assert!(m.history(None).await.unwrap().is_empty());
}

crate::on_each_backend!(
    targets,
    unknown_versions_name_the_closest,
    event_log_records_every_action,
    status_is_read_only
);
