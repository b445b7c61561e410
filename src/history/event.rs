//! Entries of the event log.

use serde::Serialize;

/// What the runner did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Up,
    Down,
    Stamp,
    /// One migration's record settled by hand: after a dirty failure, an edit, or a lost file.
    Resolve,
    Adopt,
    Fresh,
    /// The database was replaced by a backup's content.
    Restore,
    /// An application's task ran (`task NAME`).
    Task,
}

/// How it ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Ok,
    /// Failed and rolled back: nothing changed.
    Failed,
    /// Failed part way where nothing could be rolled back: the migration is marked dirty.
    Dirty,
    /// Gave way to the application (a statement waited too long for a lock), was rolled back,
    /// and is tried again.
    Retried,
}

macro_rules! text_enum {
    ($ty:ty { $($variant:ident = $text:literal),* $(,)? }) => {
        impl $ty {
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),* }
            }

            pub(crate) fn parse(text: &str) -> Option<Self> {
                match text { $($text => Some(Self::$variant),)* _ => None }
            }
        }
    };
}

text_enum!(Action { Up = "up", Down = "down", Stamp = "stamp", Resolve = "resolve", Adopt = "adopt", Fresh = "fresh", Restore = "restore", Task = "task" });
text_enum!(Outcome { Ok = "ok", Failed = "failed", Dirty = "dirty", Retried = "retried" });

/// An event to append.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub action: Action,
    pub version: Option<String>,
    pub outcome: Outcome,
    pub duration_ms: Option<i64>,
    pub message: Option<String>,
}

impl NewEvent {
    pub fn ok(action: Action, version: impl Into<String>, duration_ms: i64) -> Self {
        NewEvent {
            action,
            version: Some(version.into()),
            outcome: Outcome::Ok,
            duration_ms: Some(duration_ms),
            message: None,
        }
    }
}

/// An event as stored.
#[derive(Debug, Clone, Serialize)]
pub struct Event {
    pub id: i32,
    pub at: String,
    pub action: Action,
    pub version: Option<String>,
    pub outcome: Outcome,
    pub duration_ms: Option<i64>,
    /// `user@host` of whoever ran the command.
    pub actor: String,
    pub message: Option<String>,
}

/// `user@host` of this process, for the event log.
pub(crate) fn actor() -> String {
    let user = ["USER", "USERNAME", "LOGNAME"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
        .unwrap_or_else(|| "unknown".into());
    let host = gethostname::gethostname().to_string_lossy().into_owned();
    let mut actor = format!("{user}@{host}");
    actor.truncate(255);
    actor
}
