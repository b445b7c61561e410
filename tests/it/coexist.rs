//! seamigrate keeps the stock runner's `seaql_migrations` in step with its own history: either
//! runner can follow the other without re-running anything, and migrations that read or write
//! the stock table run on a database seamigrate created.

use crate::support::TestDb;
use sea_orm::{ConnectionTrait, DatabaseConnection};
use sea_orm_migration::MigratorTrait;
use seamigrate::history::Action;
use seamigrate::{DownTarget, Migrator, RunOptions, UpTarget};

/// [`Marker`](crate::fixtures::Marker) migrations for either runner, and one that clears rows
/// of the stock runner's table.
mod markers {
    use crate::fixtures::Marker;
    use sea_orm_migration::prelude::*;

    /// The first `N` markers, for the stock runner and for seamigrate alike.
    pub struct Markers<const N: usize>;

    impl<const N: usize> MigratorTrait for Markers<N> {
        fn migrations() -> Vec<Box<dyn MigrationTrait>> {
            (1..=N).map(|n| Box::new(Marker::new(n, format!("m{n:03}_marker"), "coexist_marker")) as Box<dyn MigrationTrait>).collect()
        }
    }

    /// The first marker, then [`ClearsStockTable`].
    pub struct Clearing;

    impl MigratorTrait for Clearing {
        fn migrations() -> Vec<Box<dyn MigrationTrait>> {
            vec![Box::new(Marker::new(1, "m001_marker".into(), "coexist_marker")), Box::new(ClearsStockTable)]
        }
    }

    /// A migration of the kind real projects have: it clears rows of the stock runner's table,
    /// and records itself there.
    pub struct ClearsStockTable;

    impl MigrationName for ClearsStockTable {
        fn name(&self) -> &str {
            "m002_clears_stock_table"
        }
    }

    #[async_trait::async_trait]
    impl MigrationTrait for ClearsStockTable {
        async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
            let db = manager.get_connection();
            db.execute_unprepared("DELETE FROM seaql_migrations WHERE version LIKE 'm000%'").await?;
            db.execute_unprepared("SELECT COUNT(*) FROM seaql_migrations").await?;
            // Some write their own row, as they did for the stock runner: the runner's keeps it.
            let now = chrono::Utc::now().timestamp();
            let own = format!("INSERT INTO seaql_migrations (version, applied_at) VALUES ('m002_clears_stock_table', {now})");
            db.execute_unprepared(&own).await.map(drop)
        }
    }
}

use markers::Markers;

/// The versions in `seaql_migrations`, in order; each `applied_at` must be a plausible time in
/// seconds (the stock runner's unit).
async fn stock_rows(conn: &DatabaseConnection) -> Vec<String> {
    let rows = conn
        .query_all_raw(sea_orm::Statement::from_string(
            conn.get_database_backend(),
            "SELECT version, applied_at FROM seaql_migrations ORDER BY version",
        ))
        .await
        .expect("seaql_migrations is there");
    let now = chrono::Utc::now().timestamp();
    rows.iter()
        .map(|row| {
            let applied_at: i64 = row.try_get("", "applied_at").unwrap();
            assert!((now - 86_400..=now + 60).contains(&applied_at), "applied_at {applied_at} is in seconds");
            row.try_get("", "version").unwrap()
        })
        .collect()
}

async fn seamigrate<const N: usize>(db: &TestDb) -> Migrator {
    Migrator::new::<Markers<N>>(db.connect().await).unwrap()
}

/// seamigrate first: the stock runner then sees seamigrate's migrations as applied, runs only
/// the new one, and seamigrate in turn takes that one over.
async fn stock_runner_follows_seamigrate(db: TestDb) {
    let conn = db.connect().await;
    seamigrate::<2>(&db).await.up(&UpTarget::All, &RunOptions::default()).await.unwrap();
    assert_eq!(stock_rows(&conn).await, ["m001_marker", "m002_marker"]);
    let pending = Markers::<3>::get_pending_migrations(&conn).await.unwrap();
    let pending: Vec<_> = pending.iter().map(|m| m.name().to_string()).collect();
    assert_eq!(pending, ["m003_marker"], "the stock runner sees seamigrate's migrations");
    Markers::<3>::up(&conn, None).await.expect("the stock runner runs only the new migration");

    let m = seamigrate::<3>(&db).await;
    assert!(m.status().await.unwrap().is_up_to_date, "seamigrate sees the stock runner's migration");
    let report = m.up(&UpTarget::All, &RunOptions::default()).await.unwrap();
    assert!(report.steps.is_empty(), "nothing re-ran: {:?}", report.steps);
    let adopted = m.history(None).await.unwrap().into_iter().filter(|e| e.action == Action::Adopt).collect::<Vec<_>>();
    assert_eq!(adopted.len(), 1);
    assert_eq!(adopted[0].version.as_deref(), Some("m003_marker"));

    m.down(&DownTarget::Steps(1), &RunOptions::default()).await.unwrap();
    assert_eq!(stock_rows(&conn).await, ["m001_marker", "m002_marker"], "down removes the stock row too");
    let pending = Markers::<3>::get_pending_migrations(&conn).await.unwrap();
    assert_eq!(pending.len(), 1);
}

crate::on_each_backend!(stock_runner_follows_seamigrate);

/// The stock runner first: seamigrate adopts its rows, applies the rest, and the stock runner
/// takes over again with nothing to do; a database seamigrate installed before it kept the
/// stock table gets one, filled, on its next run.
async fn seamigrate_follows_stock_runner(db: TestDb) {
    let conn = db.connect().await;
    Markers::<1>::up(&conn, None).await.unwrap();
    let report = seamigrate::<2>(&db).await.up(&UpTarget::All, &RunOptions::default()).await.unwrap();
    let ran: Vec<_> = report.steps.iter().map(|s| s.version.as_str()).collect();
    assert_eq!(ran, ["m002_marker"]);
    assert_eq!(stock_rows(&conn).await, ["m001_marker", "m002_marker"]);
    assert!(Markers::<2>::get_pending_migrations(&conn).await.unwrap().is_empty());
    Markers::<2>::up(&conn, None).await.expect("the stock runner has nothing to do");

    conn.execute_unprepared("DROP TABLE seaql_migrations").await.unwrap();
    let m = seamigrate::<2>(&db).await;
    m.up(&UpTarget::All, &RunOptions::default()).await.unwrap();
    assert_eq!(stock_rows(&conn).await, ["m001_marker", "m002_marker"], "the stock table is back, in step");
}

crate::on_each_backend!(seamigrate_follows_stock_runner);

/// A migration that deletes from and reads `seaql_migrations` runs on a database seamigrate
/// creates from nothing; the table holds the stock runner's exact columns.
async fn migrations_reading_the_stock_table_run(db: TestDb) {
    let conn = db.connect().await;
    let m = Migrator::new::<markers::Clearing>(db.connect().await).unwrap();
    let report = m.up(&UpTarget::All, &RunOptions::default()).await.unwrap();
    assert_eq!(report.steps.len(), 2);
    assert_eq!(stock_rows(&conn).await, ["m001_marker", "m002_clears_stock_table"]);
    // The stock runner reads the table through its own entity: its columns are the stock ones.
    let applied = markers::Clearing::get_applied_migrations(&conn).await.unwrap();
    assert_eq!(applied.len(), 2);
}

crate::on_each_backend!(migrations_reading_the_stock_table_run);
