//! Property tests on random pairs of schemas (seeded, so a failure repeats): a schema does not
//! differ from itself; a diff, applied in its order to the model, reaches the wanted schema
//! without using anything before it exists; its inverse leads back; and the diff the other way
//! round is made of the inverses.

use super::testing::{Rng, mutate, random_schema};
use super::testkit::{replay, sorted, unnamed};
use super::{Change, DiffOptions, diff, inverse_of};
use crate::db::Backend;
use crate::schema::{Schema, normalise};

const PAIRS: usize = 400;
const BACKENDS: [Backend; 3] = [Backend::Postgres, Backend::MySql, Backend::Sqlite];

#[test]
fn random_pairs_diff_apply_and_invert() {
    let mut rng = Rng::new(0x5EA_0013);
    let mut changed = 0;
    for case in 0..PAIRS {
        let backend = BACKENDS[case % BACKENDS.len()];
        let a = random_schema(&mut rng);
        let mut b = mutate(&mut rng, &a);
        if rng.chance(25) {
            b = strip_names(b);
        }
        let context = format!("case {case} on {backend}\nA = {a:#?}\nB = {b:#?}");
        if let Err(why) = check_pair(&a, &b, backend) {
            panic!("{why}\n{context}");
        }
        changed += usize::from(!diff(&a, &b, &DiffOptions::new(backend)).is_empty());
    }
    assert!(changed > PAIRS / 2, "only {changed} of {PAIRS} pairs differ: the generator is too timid");
}

fn check_pair(a: &Schema, b: &Schema, backend: Backend) -> Result<(), String> {
    let options = DiffOptions::new(backend);
    for s in [a, b] {
        let same = diff(s, s, &options);
        if !same.is_empty() {
            return Err(format!("a schema differs from itself: {:#?}", same.describe()));
        }
    }
    let forward = diff(a, b, &options);
    let lines = forward.describe().join("\n");
    if forward.warnings.iter().any(|w| w.change_index >= forward.changes.len()) {
        return Err(format!("a warning points past the changes:\n{lines}"));
    }
    let reached = replay(a, &forward.changes, backend).map_err(|e| format!("forward: {e}\n{lines}"))?;
    if normalise(&reached, backend) != normalise(b, backend) {
        let rest = diff(&reached, b, &options).describe().join("\n");
        return Err(format!("A + diff is not B; still differs by:\n{rest}\nafter:\n{lines}"));
    }
    if !diff(&reached, b, &options).is_empty() {
        return Err(format!("A + diff still differs from B\n{lines}"));
    }
    let back = replay(&reached, &inverse_of(&forward.changes), backend).map_err(|e| format!("inverse: {e}\n{lines}"))?;
    if normalise(&back, backend) != normalise(a, backend) {
        let rest = diff(&back, a, &options).describe().join("\n");
        return Err(format!("A + diff + inverse is not A; still differs by:\n{rest}\nafter:\n{lines}"));
    }
    check_names(a, &forward.changes)?;
    check_reverse(a, b, &options, &forward.changes)
}

/// diff(B, A) is made of the inverses of diff(A, B), names aside: a new index or foreign key
/// may get a generated name where its own would clash.
fn check_reverse(a: &Schema, b: &Schema, options: &DiffOptions, forward: &[Change]) -> Result<(), String> {
    let backward = diff(b, a, options).changes;
    let expected = sorted(forward.iter().map(Change::inverse).map(unnamed).map(|c| one_integer(c, options.backend)));
    let actual = sorted(backward.into_iter().map(unnamed).map(|c| one_integer(c, options.backend)));
    if expected != actual {
        return Err(format!("diff(B, A) is not the inverse of diff(A, B):\nexpected {expected:#?}\nactual {actual:#?}"));
    }
    Ok(())
}

/// `change` with the integer widths a SQLite draft writes as the wanted side's set aside: there
/// a change keeps the entity's width on both sides (`portable::sqlite_integers`), so the
/// diff back keeps the other width, and the two are inverses as SQLite stores them.
fn one_integer(mut change: Change, backend: Backend) -> Change {
    if let Change::AlterColumn { from, to, .. } = &mut change
        && super::portable::sqlite_integers(backend, &from.ty, &to.ty)
    {
        from.ty = crate::schema::ColumnType::Integer;
        to.ty = crate::schema::ColumnType::Integer;
    }
    change
}

/// Drops name what `from` calls them; new indexes and foreign keys are named.
fn check_names(from: &Schema, changes: &[Change]) -> Result<(), String> {
    let from_names: Vec<Option<String>> = from
        .tables
        .values()
        .flat_map(|t| t.indexes.iter().map(|i| i.name.clone()).chain(t.foreign_keys.iter().map(|f| f.name.clone())))
        .collect();
    for change in changes {
        let (name, dropped) = match change {
            Change::DropIndex { index, .. } => (&index.name, true),
            Change::DropForeignKey { foreign_key, .. } => (&foreign_key.name, true),
            Change::AddIndex { index, .. } => (&index.name, false),
            Change::AddForeignKey { foreign_key, .. } => (&foreign_key.name, false),
            _ => continue,
        };
        let fits = if dropped { from_names.contains(name) } else { name.is_some() };
        if !fits {
            return Err(format!("{} has the wrong name", change.describe()));
        }
    }
    Ok(())
}

/// `schema` with index and foreign key names gone, as SQLite leaves inline foreign keys.
fn strip_names(mut schema: Schema) -> Schema {
    for table in schema.tables.values_mut() {
        table.indexes.iter_mut().for_each(|i| i.name = None);
        table.foreign_keys.iter_mut().for_each(|f| f.name = None);
    }
    schema
}

