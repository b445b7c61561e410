//! The difference between two schemas as an ordered list of [`Change`]s: the second layer of
//! `autogenerate`, between the schema model ([`crate::schema`]) and the code generator.
//!
//! - [`diff`]: compares the live schema with the wanted one (normalised for one backend) and
//!   returns the changes, in dependency order ([`order`]), with [`Warning`]s for the risky ones.
//! - Renames are never guessed: declared ones ([`Rename`], in [`DiffOptions`]) are applied before
//!   comparing; [`rename_candidates`] lists drop/add pairs worth asking the user about.
//! - [`apply`]: a change applied to the model, to check a diff or preview a migration.
//!
//! ```ignore
//! let options = DiffOptions::new(Backend::Postgres).with_renames(["users.name=full_name".parse()?]);
//! let diff = diff(&live, &entities.schema(Backend::Postgres), &options);
//! for line in diff.describe() { println!("{line}"); }
//! ```

mod apply_model;
mod candidates;
mod change;
mod clashes;
mod compare;
mod cycles;
mod describe;
mod keys;
mod names;
mod options;
mod order;
mod portable;
mod rename;
mod warnings;
mod widen;

#[cfg(test)]
mod property_tests;
#[cfg(any(test, feature = "test-support"))]
#[doc(hidden)]
pub mod testing;
#[cfg(test)]
mod testkit;
#[cfg(test)]
mod tests;

pub use apply_model::{ApplyError, apply, apply_all, apply_in_place};
pub use candidates::{RenameCandidate, rename_candidates};
pub use change::{Change, inverse_of};
pub use compare::{diff, try_diff};
pub use names::{MAX_IDENTIFIER_LEN, check_name, fit_identifier, foreign_key_name, index_name};
pub use options::DiffOptions;
pub use order::order;
pub use rename::{ParseRenameError, Rename, RenameError, check_renames};
pub use warnings::{Severity, Warning, warnings};
pub use widen::{TypeChange, classify as classify_type_change};

use serde::Serialize;

/// What [`diff`] found: the changes in the order to run them, and what to look at first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Diff {
    pub changes: Vec<Change>,
    /// Zero or more per change, each pointing at its change by index.
    pub warnings: Vec<Warning>,
}

impl Diff {
    /// Whether the two schemas are the same: nothing to migrate.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// One line per change, in order, e.g. `drop index idx_users_email on users`.
    pub fn describe(&self) -> Vec<String> {
        self.changes.iter().map(Change::describe).collect()
    }

    /// The warnings about the change at `index`.
    pub fn warnings_for(&self, index: usize) -> impl Iterator<Item = &Warning> {
        self.warnings.iter().filter(move |w| w.change_index == index)
    }
}
