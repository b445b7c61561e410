//! What a diff needs besides the two schemas.

use super::rename::Rename;
use crate::db::Backend;

/// How to compare: the backend both schemas are normalised for, and the renames the user
/// declared (see [`super::check_renames`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffOptions {
    /// The backend whose notion of "the same" applies (see [`crate::schema::normalise`]).
    pub backend: Backend,
    /// Applied to the current schema before comparing, in this order (tables first).
    pub renames: Vec<Rename>,
}

impl DiffOptions {
    /// Options for `backend`, without renames.
    pub fn new(backend: Backend) -> Self {
        DiffOptions { backend, renames: Vec::new() }
    }

    /// These options with `renames` declared as well.
    pub fn with_renames(mut self, renames: impl IntoIterator<Item = Rename>) -> Self {
        self.renames.extend(renames);
        self
    }
}
