//! Tests of the whole diff on hand-made schemas: each kind of change, names, warnings and
//! descriptions ([`kinds`]), renames ([`renames`]), order ([`ordering`]) and the model
//! ([`apply`]).

mod apply;
mod kinds;
mod ordering;
mod renames;

use super::testkit::{replay, sorted, unnamed};
use super::{Change, Diff, DiffOptions, diff};
use crate::db::Backend;
use crate::schema::Schema;

const PG: Backend = Backend::Postgres;

/// The diff from `a` to `b` on PostgreSQL, after checking that it replays on the model in its
/// order, that its inverse replays too, and that the diff back is made of its inverses (names
/// aside: a clash may rename a new index).
fn pg_diff(a: &Schema, b: &Schema) -> Diff {
    checked_diff(a, b, PG)
}

fn checked_diff(a: &Schema, b: &Schema, backend: Backend) -> Diff {
    let options = DiffOptions::new(backend);
    let forward = diff(a, b, &options);
    let reached = replay(a, &forward.changes, backend).unwrap_or_else(|e| panic!("{e}"));
    assert!(diff(&reached, b, &options).is_empty(), "{:#?}", forward.describe());
    replay(&reached, &super::inverse_of(&forward.changes), backend).unwrap_or_else(|e| panic!("inverse: {e}"));
    let back = diff(b, a, &options);
    let inverses = forward.changes.iter().map(Change::inverse).map(unnamed);
    assert_eq!(sorted(back.changes.into_iter().map(unnamed)), sorted(inverses));
    forward
}
