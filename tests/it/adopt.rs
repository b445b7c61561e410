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
    assert_eq!(status.pending, vec!["m20250301_000002_add_user_display_name", "m20250401_000003_seal_credentials"]);
    let report = m.up(&UpTarget::All, &RunOptions::default()).await.unwrap();
    let applied: Vec<_> = report.steps.iter().map(|s| s.version.as_str()).collect();
    assert_eq!(applied, vec!["m20250301_000002_add_user_display_name", "m20250401_000003_seal_credentials"], "nothing re-ran");
    let events = m.history(None).await.unwrap();
    assert_eq!(events[0].action, Action::Adopt);
    assert!(has_table(&conn, "seaql_migrations").await, "the stock table is left in place");
    let states: Vec<_> = m.status().await.unwrap().migrations.iter().map(|m| m.state.as_str()).collect();
    assert_eq!(states, vec!["applied", "applied", "applied"]);
}

crate::on_each_backend!(adopts_the_stock_runner);

/// Stock-runner migrations for the kill trials: the first creates a table, each inserts its own
/// number into it, so running one twice fails on the primary key.
mod stock {
    use crate::fixtures::Marker;
    use sea_orm_migration::prelude::*;

    /// How many the stock runner applies before seamigrate takes over; one more is pending.
    pub const APPLIED: usize = 30;

    pub struct Stock;

    impl MigratorTrait for Stock {
        fn migrations() -> Vec<Box<dyn MigrationTrait>> {
            (1..=APPLIED + 1)
                .map(|n| Box::new(Marker::new(n, format!("m{n:03}_marker"), "adopt_marker")) as Box<dyn MigrationTrait>)
                .collect()
        }
    }
}

pub(crate) const CHILD_URL: &str = "SEAMIGRATE_TEST_ADOPT_CHILD_URL";

/// The process `adoption_survives_kill_9` starts and kills, when this test binary is run with
/// `CHILD_URL` set ([`crate::children`]): it adopts the stock runner's records and applies the
/// one pending migration, saying when it starts and when it is done.
pub(crate) async fn adoption_child(url: &str) {
    crate::children::up_between_ready_and_done(url, |s| Migrator::new::<stock::Stock>(s).unwrap()).await;
}

/// Starts the child on `db` and kills it (SIGKILL) `delay` after it says it is ready, or lets it
/// finish when `delay` is `None`. Returns whether it finished, and how long it ran.
async fn child_run(db: &TestDb, delay: Option<std::time::Duration>) -> (bool, std::time::Duration) {
    crate::children::run_child(CHILD_URL, &db.url, &[], delay).await
}

/// A `kill -9` at a random moment of the first run on a stock-runner database never hides the
/// stock runner's records: afterwards `status` shows them applied and `up` runs only what is
/// pending (`SEAMIGRATE_ADOPT_TRIALS` trials per backend, 20 by default).
async fn adoption_survives_kill_9(db: TestDb) {
    use sea_orm_migration::MigratorTrait as _;
    let trials: usize = std::env::var("SEAMIGRATE_ADOPT_TRIALS").ok().and_then(|v| v.parse().ok()).unwrap_or(20);
    // The first three runs are not killed: the shortest of them sets the window the kills are
    // spread over (the first runs on a machine are slower than the rest).
    const CALIBRATION: usize = 3;
    let mut window = std::time::Duration::MAX;
    let (mut killed, mut finished) = (0, 0);
    for trial in 0..trials + CALIBRATION {
        let fresh = db.sibling().await;
        let conn = fresh.connect().await;
        stock::Stock::up(&conn, Some(stock::APPLIED as u32)).await.expect("the stock runner applies");
        let delay = (trial >= CALIBRATION).then(|| window.mul_f64(rand::random::<f64>()));
        let (done, ran) = child_run(&fresh, delay).await;
        if trial < CALIBRATION {
            assert!(done, "the child finishes when not killed");
            window = window.min(ran);
        } else if done {
            finished += 1;
        } else {
            killed += 1;
        }
        let m = Migrator::new::<stock::Stock>(fresh.connect().await).unwrap();
        let status = m.status().await.unwrap();
        let applied = status.migrations.iter().filter(|s| s.state.is_applied()).count();
        assert!(applied >= stock::APPLIED, "trial {trial}: only {applied} of {} shown applied", stock::APPLIED);
        let report = m.up(&UpTarget::All, &RunOptions::default()).await.unwrap_or_else(|e| panic!("trial {trial}: {e}"));
        assert!(report.steps.len() <= 1, "trial {trial}: re-ran {:?}", report.steps);
        let adopts = m.history(None).await.unwrap().iter().filter(|e| e.action == Action::Adopt).count();
        assert_eq!(adopts, 1, "trial {trial}: adopted once");
        assert!(m.status().await.unwrap().is_up_to_date);
        let _ = conn.close().await;
        fresh.destroy().await;
    }
    eprintln!("{:?}: {trials} kill -9 trials over a {window:?} run: {killed} killed part way, {finished} finished first", db.kind);
    assert!(killed * 4 >= trials, "too few kills landed during the run ({killed})");
}

crate::on_each_backend!(adoption_survives_kill_9);
