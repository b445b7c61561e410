//! Everything that can stop a run, each worded for the person who has to act on it.

use crate::capture::Direction;
use crate::db::{Backend, ConnectError};
use crate::lock::LockError;
use sea_orm::DbErr;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Connect(#[from] ConnectError),

    #[error(transparent)]
    Lock(#[from] LockError),

    #[error("{what} failed: {words}")]
    Database { what: String, words: String },

    #[error("migration {version} failed ({direction}) on {backend}: {words}; {consequence}")]
    MigrationFailed {
        version: String,
        direction: Direction,
        backend: Backend,
        words: String,
        /// The migration may be partly applied and is marked dirty.
        dirty: bool,
        consequence: String,
    },

    #[error(
        "migration {version} is dirty: it failed part way and may be half done, so nothing \
         more runs until that is settled; repair the schema by hand, then run `resolve {version} \
         --as applied` if the database now has its changes, or `resolve {version} --as pending` \
         if it does not"
    )]
    Dirty { version: String },

    #[error(
        "applied migration(s) changed since they ran: {}; their up() now emits different SQL \
         from what was applied. Restore the original code, or accept the new code with \
         `resolve <version> --as applied` (re-records its checksum), or pass --allow-modified \
         to go on anyway",
        .versions.join(", ")
    )]
    Modified { versions: Vec<String> },

    #[error(
        "pending migration(s) sort before the newest applied one ({newest}): {}; this usually \
         follows a merge of two branches. Check that they do not conflict with what is applied, \
         then pass --allow-out-of-order to apply them",
        .versions.join(", ")
    )]
    OutOfOrder {
        versions: Vec<String>,
        newest: String,
    },

    #[error(
        "cannot revert {version}: it is applied but its code is missing from the migration \
         list; restore its file, or forget it with `resolve {version} --as pending` if its \
         changes are gone too"
    )]
    MissingCrossed { version: String },

    #[error("unknown migration version '{given}'{}", suggest(.suggestions))]
    UnknownVersion {
        given: String,
        suggestions: Vec<String>,
    },

    #[error("migration version {0} appears twice in the migration list; give each a unique name")]
    Duplicate(String),

    #[error(
        "cannot resolve {version} as applied: it is not in the migration list, so there is no \
         code to record; restore its file, or resolve it as pending"
    )]
    ResolveUnknownCode { version: String },

    #[error("{command} refused in {env}: {reason}")]
    Refused {
        command: &'static str,
        env: super::Environment,
        reason: String,
    },

    #[error(
        "the database is not up to date and this is {env}, where migrations are not applied at \
         start-up: pending {}; run `up` as part of the deploy",
        .pending.join(", ")
    )]
    NotUpToDate {
        env: super::Environment,
        pending: Vec<String>,
    },
}

fn suggest(suggestions: &[String]) -> String {
    match suggestions {
        [] => "; run `status` to list the versions".into(),
        [one] => format!("; did you mean {one}?"),
        many => format!("; closest: {}", many.join(", ")),
    }
}

impl Error {
    /// A closure that wraps a database error with what was being done.
    pub(crate) fn db(what: impl Into<String>) -> impl FnOnce(DbErr) -> Error {
        let what = what.into();
        move |err| Error::Database {
            what,
            words: crate::db::connect::db_words(&err),
        }
    }

    /// Whether the failure was a refusal (nothing was attempted) rather than a failure.
    pub fn is_refusal(&self) -> bool {
        matches!(
            self,
            Error::Dirty { .. }
                | Error::Modified { .. }
                | Error::OutOfOrder { .. }
                | Error::MissingCrossed { .. }
                | Error::ResolveUnknownCode { .. }
                | Error::Refused { .. }
                | Error::NotUpToDate { .. }
        )
    }
}
