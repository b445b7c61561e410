//! The comparison itself: two source schemas, compared in normalised form, give the changes
//! that take the first to the second.
//!
//! Changes carry normalised definitions (what the backend stores, one spelling per thing), with
//! the source names of indexes and foreign keys put back, and tables' columns in source order;
//! then what they create is given the wanted schema's own types and actions ([`portable`]).

use super::clashes::avoid_clashes;
use super::keys::{fk_source_name, index_source_name, key_changes, keys_to_refit};
use super::names::{NameGen, check_name, foreign_key_name, index_name};
use super::options::DiffOptions;
use super::order::order;
use super::portable::portable;
use super::rename::{RenameError, apply_declared, check_renames};
use super::warnings::warnings;
use super::{Change, Diff};
use crate::db::Backend;
use crate::schema::normalise::canonical_condition;
use crate::schema::{Check, Column, Schema, Table, normalise};

/// The changes that take `from` (the live database) to `to` (what the entities describe), in an
/// order that respects dependencies, with a warning for each that may lose data or fail on it.
/// Declared renames that do not fit are left out; [`try_diff`] refuses them instead.
pub fn diff(from: &Schema, to: &Schema, options: &DiffOptions) -> Diff {
    let to = &entities_on_views(from, to);
    let (from, mut changes) = apply_declared(from, to, &options.renames);
    let backend = options.backend;
    let sides = Sides { backend, from: &from, to, nf: normalise(&from, backend), nt: normalise(to, backend) };
    let mut names = NameGen::new(all_names(&from).chain(all_names(to)));
    changes.extend(enum_changes(&sides.nf, &sides.nt));
    changes.extend(view_changes(&sides.nf, &sides.nt));
    let added = sides.nt.extensions.difference(&sides.nf.extensions);
    changes.extend(added.map(|name| Change::CreateExtension { name: name.clone() }));
    let removed = sides.nf.extensions.difference(&sides.nt.extensions);
    changes.extend(removed.map(|name| Change::DropExtension { name: name.clone() }));
    changes.extend(table_changes(&sides, &mut names));
    let refits = keys_to_refit(&from, &changes, backend, &mut names);
    changes.extend(refits);
    avoid_clashes(&mut changes, &from, &mut names);
    let changes = order(changes);
    let warnings = warnings(&changes);
    portable(Diff { changes, warnings }, to, &from, backend)
}

/// [`diff`], refusing declared renames that do not fit (see [`check_renames`]) instead of
/// leaving them out: for a CLI that takes renames from the user.
pub fn try_diff(from: &Schema, to: &Schema, options: &DiffOptions) -> Result<Diff, RenameError> {
    check_renames(&options.renames, from, to)?;
    Ok(diff(from, to, options))
}

/// Both schemas, as given and normalised.
struct Sides<'a> {
    backend: Backend,
    from: &'a Schema,
    to: &'a Schema,
    nf: Schema,
    nt: Schema,
}

fn all_names(schema: &Schema) -> impl Iterator<Item = String> + '_ {
    schema.tables.values().flat_map(|t| {
        let indexes = t.indexes.iter().filter_map(|i| i.name.clone());
        let checks = t.checks.iter().filter_map(|c| c.name.clone());
        indexes.chain(t.foreign_keys.iter().filter_map(|f| f.name.clone())).chain(checks)
    })
}

/// `to` with each table that is a view in `from` (and no table there) taken for that view: an
/// entity mapped onto a view, whose table is no table to create, and whose view is kept as it
/// is unless `to` declares it.
fn entities_on_views(from: &Schema, to: &Schema) -> Schema {
    let mut to = to.clone();
    for (name, view) in &from.views {
        if from.tables.contains_key(name) || to.tables.remove(name).is_none() {
            continue;
        }
        to.views.entry(name.clone()).or_insert_with(|| view.clone());
    }
    to
}

/// Views dropped, created, and dropped and created again where the query or its kind changes.
fn view_changes(nf: &Schema, nt: &Schema) -> Vec<Change> {
    let mut changes = Vec::new();
    for (name, have) in &nf.views {
        if nt.views.get(name) != Some(have) {
            changes.push(Change::DropView { view: have.clone() });
        }
    }
    for (name, wanted) in &nt.views {
        if nf.views.get(name) != Some(wanted) {
            changes.push(Change::CreateView { view: wanted.clone() });
        }
    }
    changes
}

fn enum_changes(nf: &Schema, nt: &Schema) -> Vec<Change> {
    let mut changes = Vec::new();
    for (name, wanted) in &nt.enums {
        match nf.enums.get(name) {
            None => changes.push(Change::CreateEnum { enum_type: wanted.clone() }),
            Some(have) if have != wanted => {
                changes.push(Change::AlterEnum { from: have.clone(), to: wanted.clone() })
            }
            Some(_) => {}
        }
    }
    let dropped = nf.enums.values().filter(|e| !nt.enums.contains_key(&e.name));
    changes.extend(dropped.map(|e| Change::DropEnum { enum_type: e.clone() }));
    changes
}

fn table_changes(s: &Sides, names: &mut NameGen) -> Vec<Change> {
    let mut changes = Vec::new();
    for (name, normal) in s.nf.tables.iter().filter(|(n, _)| !s.nt.tables.contains_key(*n)) {
        let Some(source) = s.from.table(name) else { continue };
        changes.push(Change::DropTable { table: whole_table(source, normal, s.backend, None) });
    }
    for (name, wanted) in &s.nt.tables {
        let Some(source_to) = s.to.table(name) else { continue };
        match (s.nf.table(name), s.from.table(name)) {
            (Some(have), Some(source_from)) => {
                changes.extend(column_changes(name, have, wanted, source_to));
                if have.primary_key != wanted.primary_key {
                    let (from, to) = (have.primary_key.clone(), wanted.primary_key.clone());
                    changes.push(Change::AlterPrimaryKey { table: name.clone(), from, to });
                }
                changes.extend(key_changes(name, source_from, source_to, s.backend, names));
                changes.extend(check_changes(name, source_from, source_to, s.backend, names));
            }
            _ => changes.push(Change::CreateTable {
                table: whole_table(source_to, wanted, s.backend, Some(names)),
            }),
        }
    }
    changes
}

/// CHECK constraints dropped from and added to table `name` (both source tables), compared by
/// condition: a dropped one by its name in the database, a new one by its declared name or a
/// generated one.
fn check_changes(name: &str, from: &Table, to: &Table, backend: Backend, names: &mut NameGen) -> Vec<Change> {
    let mut changes = Vec::new();
    let canonical = |c: &Check| canonical_condition(&c.expression, backend);
    let has = |t: &Table, c: &Check| t.checks.iter().any(|x| canonical(x) == canonical(c));
    for check in from.checks.iter().filter(|c| !has(to, c)) {
        changes.push(Change::DropCheck { table: name.to_owned(), check: check.clone() });
    }
    for check in to.checks.iter().filter(|c| !has(from, c)) {
        let named = check.name.clone().unwrap_or_else(|| names.fresh(check_name(name, check)));
        changes.push(Change::AddCheck { table: name.to_owned(), check: Check { name: Some(named), ..check.clone() } });
    }
    changes
}

/// Added, dropped and altered columns of one table; `order` is the wanted table as given, whose
/// column order new columns follow.
fn column_changes(table: &str, have: &Table, wanted: &Table, order: &Table) -> Vec<Change> {
    let mut changes = Vec::new();
    for column in in_source_order(wanted, order) {
        match have.column(&column.name) {
            None => changes.push(Change::AddColumn { table: table.to_owned(), column }),
            // No backend alters what a generated column computes (nor makes one of a column
            // that holds values): the column is dropped and added again.
            Some(old) if old.generated != column.generated => {
                changes.push(Change::DropColumn { table: table.to_owned(), column: old.clone() });
                changes.push(Change::AddColumn { table: table.to_owned(), column });
            }
            Some(old) if *old != column => {
                changes.push(Change::AlterColumn { table: table.to_owned(), from: old.clone(), to: column })
            }
            Some(_) => {}
        }
    }
    for old in have.columns.iter().filter(|c| wanted.column(&c.name).is_none()) {
        changes.push(Change::DropColumn { table: table.to_owned(), column: old.clone() });
    }
    changes
}

/// `normal`'s columns in the order `source` has them (any it lacks at the end).
fn in_source_order(normal: &Table, source: &Table) -> Vec<Column> {
    let mut columns: Vec<Column> = source.columns.iter().filter_map(|c| normal.column(&c.name).cloned()).collect();
    let rest = normal.columns.iter().filter(|c| source.column(&c.name).is_none());
    columns.extend(rest.cloned());
    columns
}

/// `normal` (a normalised table) with its columns in source order and the source's names for
/// its indexes and foreign keys; where the source has none, a generated one if `names` is given.
fn whole_table(source: &Table, normal: &Table, backend: Backend, mut names: Option<&mut NameGen>) -> Table {
    let mut table = normal.clone();
    table.columns = in_source_order(normal, source);
    let name = table.name.clone();
    for index in &mut table.indexes {
        index.name = index_source_name(source, index, backend);
        if let (None, Some(names)) = (&index.name, names.as_deref_mut()) {
            index.name = Some(names.fresh(index_name(&name, index)));
        }
    }
    for check in &mut table.checks {
        let same = source.checks.iter().find(|c| canonical_condition(&c.expression, backend) == check.expression);
        check.name = same.and_then(|c| c.name.clone());
    }
    for fk in &mut table.foreign_keys {
        fk.name = fk_source_name(source, fk, backend);
        if let (None, Some(names)) = (&fk.name, names.as_deref_mut()) {
            fk.name = Some(names.fresh(foreign_key_name(&name, fk)));
        }
    }
    table
}
