//! N runs started at once apply each migration exactly once; a run that cannot get the lock in
//! time gives up with a clear error.

use crate::fixtures::{CreateTable, table};
use crate::support::{TestDb, migrator};
use seamigrate::history::{Action, Outcome};
use seamigrate::runner::Progress;
use seamigrate::{RunOptions, UpTarget};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

const RUNS: usize = 4;

fn slow_list() -> Vec<Box<dyn sea_orm_migration::MigrationTrait>> {
    let slow = CreateTable { version: "m1_slow", table: "t_slow", extra: false, pause: Duration::from_millis(300) };
    vec![Box::new(slow), table("m2_b", "tb"), table("m3_c", "tc")]
}

#[derive(Default)]
struct CountWaits(AtomicUsize);

impl Progress for CountWaits {
    fn waiting_for_lock(&self, _: Duration, _: Option<&seamigrate::lock::Holder>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

async fn concurrent_runs_apply_each_once(db: TestDb) {
    let waits = Arc::new(CountWaits::default());
    let mut runs = Vec::new();
    for _ in 0..RUNS {
        let m = migrator(&db, slow_list()).await.progress(waits.clone());
        runs.push(tokio::spawn(async move {
            m.up(&UpTarget::All, &RunOptions::default()).await
        }));
    }
    let mut applied = 0;
    for run in runs {
        let report = run.await.unwrap().unwrap_or_else(|e| panic!("a concurrent run failed: {e}"));
        applied += report.steps.len();
    }
    assert_eq!(applied, 3, "each migration applied once across all runs");
    assert!(waits.0.load(Ordering::SeqCst) >= 1, "at least one run waited for the lock");
    let m = migrator(&db, slow_list()).await;
    let ups: Vec<_> = m
        .history(None)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == Action::Up && e.outcome == Outcome::Ok)
        .map(|e| e.version.unwrap_or_default())
        .collect();
    assert_eq!(ups, vec!["m1_slow", "m2_b", "m3_c"]);
}

async fn lock_timeout_is_a_clear_error(db: TestDb) {
    let holder = db.session().await;
    let guard = seamigrate::lock::acquire(&holder, "test", Duration::from_secs(5), &|_| {})
        .await
        .expect("first lock");
    let waits = Arc::new(CountWaits::default());
    let m = migrator(&db, slow_list())
        .await
        .lock_timeout(Duration::from_millis(600))
        .progress(waits.clone());
    let err = m.up(&UpTarget::All, &RunOptions::default()).await.unwrap_err();
    assert!(
        matches!(err, seamigrate::Error::Lock(seamigrate::lock::LockError::Timeout { .. })),
        "{err}"
    );
    assert!(err.to_string().contains("--lock-timeout"), "{err}");
    assert_eq!(waits.0.load(Ordering::SeqCst), 1, "said once that it waits");
    guard.release().await.unwrap();
    // Released: the next run goes through.
    m.up(&UpTarget::All, &RunOptions::default()).await.unwrap();
}

crate::on_each_backend!(concurrent_runs_apply_each_once, lock_timeout_is_a_clear_error);
