//! A failing migration leaves no trace where DDL is transactional, and a `dirty` mark where it
//! is not; a dirty mark blocks every later run until `stamp` clears it.

use crate::fixtures::{failing, table};
use crate::support::{Kind, TestDb, has_table, migrator, states};
use seamigrate::history::{Action, Outcome};
use seamigrate::runner::ResolveAs;
use seamigrate::{DownTarget, Error, RunOptions, UpTarget};

async fn failing_migration(db: TestDb) {
    let m = migrator(&db, vec![table("m1_ok", "t_ok"), failing("m2_bad", "t_bad")]).await;
    let err = m.up(&UpTarget::All, &RunOptions::default()).await.unwrap_err();
    let Error::MigrationFailed { version, dirty, words, .. } = &err else {
        panic!("expected MigrationFailed, got {err}");
    };
    assert_eq!(version, "m2_bad");
    assert!(!words.is_empty());
    // The statement the database refused is quoted, shortened to one line.
    assert!(words.contains("(in `CREATE TABLE"), "{words}");
    let message = err.to_string();
    assert!(message.contains("m2_bad"), "{message}");
    assert!(has_table(m.connection(), "t_ok").await, "the good migration stays applied");
    let events = m.history(None).await.unwrap();
    let last = events.last().unwrap();
    assert_eq!((last.action, last.version.as_deref()), (Action::Up, Some("m2_bad")));

    if db.kind == Kind::Mysql {
        assert!(*dirty);
        assert_eq!(last.outcome, Outcome::Dirty);
        assert!(
            message.contains("resolve m2_bad --as applied") && message.contains("resolve m2_bad --as pending"),
            "{message}"
        );
        assert_eq!(states(&m).await[1], ("m2_bad".into(), "dirty"));
        assert!(!m.status().await.unwrap().is_up_to_date);
        // Half applied: the first CREATE TABLE committed on its own.
        assert!(has_table(m.connection(), "t_bad").await);
        for refused in [
            m.up(&UpTarget::All, &RunOptions::default()).await.unwrap_err(),
            m.down(&DownTarget::Steps(1), &RunOptions::default()).await.unwrap_err(),
        ] {
            let Error::Dirty { version } = &refused else {
                panic!("expected Dirty, got {refused}");
            };
            assert_eq!(version, "m2_bad");
            assert!(refused.to_string().contains("resolve m2_bad --as pending"), "{refused}");
        }
        // The manual repair, then the command the message named.
        m.connection()
            .execute_unprepared("DROP TABLE t_bad")
            .await
            .unwrap();
        m.resolve("m2_bad", ResolveAs::Pending).await.unwrap();
        assert_eq!(states(&m).await[1], ("m2_bad".into(), "pending"));
        assert_eq!(m.history(Some(1)).await.unwrap()[0].action, Action::Resolve);
    } else {
        assert!(!*dirty);
        assert_eq!(last.outcome, Outcome::Failed);
        assert!(message.contains("rolled back"), "{message}");
        assert!(!has_table(m.connection(), "t_bad").await, "rolled back whole");
        assert_eq!(
            states(&m).await,
            vec![("m1_ok".into(), "applied"), ("m2_bad".into(), "pending")]
        );
        let rows = seamigrate::history::HistoryStore::on(m.connection()).applied().await.unwrap();
        assert_eq!(rows.len(), 1, "no history row for the failed migration");
    }
}

async fn no_down_is_explained(db: TestDb) {
    struct UpOnly;
    impl sea_orm_migration::MigrationName for UpOnly {
        fn name(&self) -> &str {
            "m1_up_only"
        }
    }
    #[async_trait::async_trait]
    impl sea_orm_migration::MigrationTrait for UpOnly {
        async fn up(&self, _: &sea_orm_migration::SchemaManager) -> Result<(), sea_orm::DbErr> {
            Ok(())
        }
    }
    let m = migrator(&db, vec![Box::new(UpOnly)]).await;
    m.up(&UpTarget::All, &RunOptions::default()).await.unwrap();
    let err = m.down(&DownTarget::Steps(1), &RunOptions::default()).await.unwrap_err();
    assert!(err.to_string().contains("has no down()"), "{err}");
    assert!(matches!(err, Error::MigrationFailed { dirty: false, .. }), "nothing ran: {err}");
    assert_eq!(states(&m).await, vec![("m1_up_only".into(), "applied")]);
}

/// Fills a table, then fails on a second insert: a migration of data alone.
struct DataOnly;

impl sea_orm_migration::MigrationName for DataOnly {
    fn name(&self) -> &str {
        "m2_data"
    }
}

#[async_trait::async_trait]
impl sea_orm_migration::MigrationTrait for DataOnly {
    async fn up(&self, manager: &sea_orm_migration::SchemaManager) -> Result<(), sea_orm::DbErr> {
        let conn = manager.get_connection();
        conn.execute_unprepared("INSERT INTO t_ok (id, name) VALUES (1, 'kept?')").await?;
        conn.execute_unprepared("INSERT INTO t_ok (id, name) VALUES (1, 'twice')").await?;
        Ok(())
    }
}

/// Fails before sending anything.
struct RefusesAtOnce;

impl sea_orm_migration::MigrationName for RefusesAtOnce {
    fn name(&self) -> &str {
        "m3_refuses"
    }
}

#[async_trait::async_trait]
impl sea_orm_migration::MigrationTrait for RefusesAtOnce {
    async fn up(&self, _: &sea_orm_migration::SchemaManager) -> Result<(), sea_orm::DbErr> {
        Err(sea_orm::DbErr::Custom("refused: a precondition does not hold".into()))
    }
}

/// Dirty means a statement that commits had run: on every backend, a failed migration of data
/// alone, or one that fails before its first statement, leaves nothing behind and no dirty mark.
async fn untouched_failures_are_not_dirty(db: TestDb) {
    let m = migrator(&db, vec![table("m1_ok", "t_ok"), Box::new(DataOnly)]).await;
    let err = m.up(&UpTarget::All, &RunOptions::default()).await.unwrap_err();
    assert!(matches!(err, Error::MigrationFailed { dirty: false, .. }), "{err}");
    let message = err.to_string();
    assert!(message.contains("rolled back") || message.contains("nothing was changed"), "{message}");
    let rows = m
        .connection()
        .query_all_raw(sea_orm::Statement::from_string(m.connection().get_database_backend(), "SELECT id FROM t_ok"))
        .await
        .unwrap();
    assert!(rows.is_empty(), "the first insert was undone with the second");
    assert_eq!(states(&m).await, vec![("m1_ok".into(), "applied"), ("m2_data".into(), "pending")]);
    assert_eq!(m.history(Some(1)).await.unwrap()[0].outcome, Outcome::Failed);

    let m = migrator(&db, vec![table("m1_ok", "t_ok"), Box::new(RefusesAtOnce)]).await;
    let err = m.up(&UpTarget::All, &RunOptions::default()).await.unwrap_err();
    assert!(matches!(err, Error::MigrationFailed { dirty: false, .. }), "{err}");
    assert!(err.to_string().contains("a precondition does not hold"), "{err}");
    assert_eq!(states(&m).await[1], ("m3_refuses".into(), "pending"));
}

use sea_orm::ConnectionTrait;

crate::on_each_backend!(failing_migration, no_down_is_explained, untouched_failures_are_not_dirty);
