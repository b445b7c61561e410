//! Tasks: data operations an application runs whenever it needs to, not once like a migration
//! (re-encrypting every secret under a new key, say). A task runs under the migration lock,
//! its backfills resume from their checkpoints when a run is cut off, and each run is logged
//! in the event log. The CLI runs one with `task NAME`.

use sea_orm::DbErr;
use sea_orm_migration::SchemaManager;
use std::sync::Arc;

/// One task an application offers.
#[async_trait::async_trait]
pub trait Task: Send + Sync {
    /// The name `task NAME` runs it by.
    fn name(&self) -> &str;
    /// One line on what it does, for `task` without a name.
    fn about(&self) -> &str;
    /// Does the work on the run's connection (outside any transaction, so that backfills can
    /// commit batch by batch), and says in one line what it did.
    async fn run(&self, manager: &SchemaManager<'_>) -> Result<String, DbErr>;
}

/// The tasks an application offers, in the order it lists them.
#[derive(Clone, Default)]
pub struct Tasks {
    tasks: Vec<Arc<dyn Task>>,
}

impl Tasks {
    pub fn new() -> Self {
        Tasks::default()
    }

    pub fn with(mut self, task: impl Task + 'static) -> Self {
        self.tasks.push(Arc::new(task));
        self
    }

    pub fn get(&self, name: &str) -> Option<&dyn Task> {
        self.tasks.iter().find(|t| t.name() == name).map(|t| t.as_ref())
    }

    pub fn iter(&self) -> impl Iterator<Item = &dyn Task> {
        self.tasks.iter().map(|t| t.as_ref())
    }

    pub fn is_empty(&self) -> bool {
        self.tasks.is_empty()
    }
}

/// The version a task's checkpoints and events are kept under.
pub(crate) fn version(name: &str) -> String {
    format!("task:{name}")
}

/// What one run of a task did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TaskReport {
    pub task: String,
    /// The task's own one-line account.
    pub report: String,
    pub ms: i64,
}
