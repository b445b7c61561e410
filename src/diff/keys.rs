//! Indexes and foreign keys: compared in canonical form (names aside), emitted with the names
//! the SQL needs: a dropped one by its name in the database, a new one by its name in the
//! wanted schema, or a generated one.

use super::change::Change;
use super::names::{NameGen, foreign_key_name, index_name};
use crate::db::Backend;
use crate::schema::normalise::{canonical_index, implied_by_foreign_key};
use crate::schema::{ForeignKey, Index, Schema, Table, normalise};
use std::collections::{BTreeMap, BTreeSet};

/// `fk` in canonical form for `backend`, as [`normalise`] makes it.
pub(crate) fn canonical_fk(fk: &ForeignKey, backend: Backend) -> ForeignKey {
    let table = Table {
        name: String::new(),
        columns: Vec::new(),
        primary_key: Vec::new(),
        indexes: Vec::new(),
        foreign_keys: vec![fk.clone()],
        ..Table::default()
    };
    let schema = Schema { tables: BTreeMap::from([(String::new(), table)]), ..Schema::default() };
    let normal = normalise(&schema, backend).tables.into_values().flat_map(|t| t.foreign_keys).next();
    normal.unwrap_or_else(|| ForeignKey { name: None, ..fk.clone() })
}

/// The name `source` gives to the index that is `normal` in canonical form.
pub(crate) fn index_source_name(source: &Table, normal: &Index, backend: Backend) -> Option<String> {
    let same = |i: &&Index| canonical_index(i, backend) == *normal;
    source.indexes.iter().find(same).and_then(|i| i.name.clone())
}

/// The name `source` gives to the foreign key that is `normal` in canonical form.
pub(crate) fn fk_source_name(source: &Table, normal: &ForeignKey, backend: Backend) -> Option<String> {
    let same = |f: &&ForeignKey| canonical_fk(f, backend) == *normal;
    source.foreign_keys.iter().find(same).and_then(|f| f.name.clone())
}

/// The index and foreign key changes that take table `name` from `from` to `to` (both source
/// tables, columns already renamed): drops first, then additions.
pub(crate) fn key_changes(name: &str, from: &Table, to: &Table, backend: Backend, names: &mut NameGen) -> Vec<Change> {
    let mut changes = Vec::new();
    let (have, want) = (fk_groups(from, backend), fk_groups(to, backend));
    for (fk, sources) in have.iter().filter(|(fk, _)| !want.contains_key(*fk)) {
        for source in sources {
            let foreign_key = ForeignKey { name: source.name.clone(), ..fk.clone() };
            changes.push(Change::DropForeignKey { table: name.to_owned(), foreign_key });
        }
    }
    let dropped: Vec<&ForeignKey> = have.iter().filter(|(fk, _)| !want.contains_key(*fk)).flat_map(|(_, s)| s.iter().copied()).collect();
    let gone = indexes_dropped_with(from, &dropped, backend);
    let (have_ix, want_ix) = (index_groups(from, to, backend), index_groups(to, from, backend));
    let kept = |sources: &[&Index]| sources.iter().any(|s| !gone.contains(s));
    for (index, sources) in have_ix.iter().filter(|(i, _)| !want_ix.contains_key(*i)) {
        for source in sources.iter().filter(|s| !gone.contains(s)) {
            let index = Index { name: source.name.clone(), ..index.clone() };
            changes.push(Change::DropIndex { table: name.to_owned(), index });
        }
    }
    for (index, sources) in want_ix.iter().filter(|(i, _)| !have_ix.get(*i).is_some_and(|s| kept(s))) {
        let given = sources.iter().find_map(|s| s.name.clone());
        let name_it = given.unwrap_or_else(|| names.fresh(index_name(name, index)));
        let index = Index { name: Some(name_it), ..index.clone() };
        changes.push(Change::AddIndex { table: name.to_owned(), index });
    }
    for (fk, sources) in want.iter().filter(|(fk, _)| !have.contains_key(*fk)) {
        let given = sources.iter().find_map(|s| s.name.clone());
        let name_it = given.unwrap_or_else(|| names.fresh(foreign_key_name(name, fk)));
        let foreign_key = ForeignKey { name: Some(name_it), ..fk.clone() };
        changes.push(Change::AddForeignKey { table: name.to_owned(), foreign_key });
    }
    changes
}

/// The indexes of `from` that dropping the foreign keys `dropped` takes with them: on MySQL,
/// the index MySQL made for a key when it was added (named after it, plain, on exactly its
/// columns), which `batch::drop_foreign_key` drops with the key, as adding the key made it.
/// No change drops them; one adds the index again where the wanted table has it.
fn indexes_dropped_with<'a>(from: &'a Table, dropped: &[&ForeignKey], backend: Backend) -> Vec<&'a Index> {
    if backend != Backend::MySql {
        return Vec::new();
    }
    let made_for = |i: &Index, f: &ForeignKey| f.name.is_some() && i.name == f.name && !i.unique && i.columns == f.columns;
    from.indexes.iter().filter(|i| dropped.iter().any(|f| made_for(i, f))).collect()
}

/// `table`'s foreign keys by canonical form, each with its source foreign keys.
fn fk_groups(table: &Table, backend: Backend) -> BTreeMap<ForeignKey, Vec<&ForeignKey>> {
    let mut groups: BTreeMap<ForeignKey, Vec<&ForeignKey>> = BTreeMap::new();
    for fk in &table.foreign_keys {
        groups.entry(canonical_fk(fk, backend)).or_default().push(fk);
    }
    groups
}

/// `side`'s indexes by canonical form, each with its source indexes, leaving out the ones that
/// are not indexes of their own in either version: a unique index on the primary key that both
/// versions have, and on MySQL an index on the columns of a foreign key that both versions have
/// (MySQL keeps one there whatever is asked). Where only one version has that key, the index is
/// compared like any other, so that a change and its inverse both say what happens to it.
fn index_groups<'a>(side: &'a Table, other: &Table, backend: Backend) -> BTreeMap<Index, Vec<&'a Index>> {
    let implied = |i: &Index| implied_by_foreign_key(i, side, backend) && implied_by_foreign_key(i, other, backend);
    let mut groups: BTreeMap<Index, Vec<&Index>> = BTreeMap::new();
    for index in &side.indexes {
        let canonical = canonical_index(index, backend);
        let primary = canonical.unique && canonical.is_plain() && canonical.columns == side.primary_key && canonical.columns == other.primary_key;
        if !primary && !implied(&canonical) {
            groups.entry(canonical).or_default().push(index);
        }
    }
    groups
}

/// A drop and a re-add of each foreign key that `changes` keep but that cannot stay while they
/// run: one that references a primary key being changed, old or new (the key's index is what the foreign
/// key stands on, so no backend drops it from under one), and on MySQL one whose columns, or
/// referenced columns, change type (MySQL refuses to change the type of a column a foreign key
/// uses; PostgreSQL and SQLite change it under the key). `from` is the source current schema.
pub(crate) fn keys_to_refit(from: &Schema, changes: &[Change], backend: Backend, names: &mut NameGen) -> Vec<Change> {
    let retyped: BTreeSet<(&str, &str)> = changes
        .iter()
        .filter(|_| backend == Backend::MySql)
        .filter_map(|c| match c {
            Change::AlterColumn { table, from, to } if from.ty != to.ty => Some((table.as_str(), to.name.as_str())),
            _ => None,
        })
        .collect();
    let rekeyed: BTreeSet<(&str, &[String])> = changes
        .iter()
        .flat_map(|c| match c {
            Change::AlterPrimaryKey { table, from, to } => vec![(table.as_str(), from.as_slice()), (table.as_str(), to.as_slice())],
            _ => Vec::new(),
        })
        .collect();
    let dropped_tables: BTreeSet<&str> = changes
        .iter()
        .filter_map(|c| match c {
            Change::DropTable { table } => Some(table.name.as_str()),
            _ => None,
        })
        .collect();
    let already_dropped = |table: &str, fk: &ForeignKey| {
        changes.iter().any(|c| matches!(c, Change::DropForeignKey { table: t, foreign_key } if t == table && canonical_fk(foreign_key, backend) == canonical_fk(fk, backend)))
    };
    let mut out = Vec::new();
    for (name, table) in from.tables.iter().filter(|(n, _)| !dropped_tables.contains(n.as_str())) {
        for fk in &table.foreign_keys {
            let own = fk.columns.iter().any(|c| retyped.contains(&(name.as_str(), c.as_str())));
            let referenced = fk.ref_columns.iter().any(|c| retyped.contains(&(fk.ref_table.as_str(), c.as_str())));
            let on_old_key = rekeyed.contains(&(fk.ref_table.as_str(), fk.ref_columns.as_slice()));
            if !(own || referenced || on_old_key) || dropped_tables.contains(fk.ref_table.as_str()) || already_dropped(name, fk) {
                continue;
            }
            let canonical = canonical_fk(fk, backend);
            let new_name = fk.name.clone().unwrap_or_else(|| names.fresh(foreign_key_name(name, &canonical)));
            let dropped = ForeignKey { name: fk.name.clone(), ..canonical.clone() };
            out.push(Change::DropForeignKey { table: name.clone(), foreign_key: dropped });
            let added = ForeignKey { name: Some(new_name), ..canonical };
            out.push(Change::AddForeignKey { table: name.clone(), foreign_key: added });
        }
    }
    out
}
