//! Indexes and foreign keys: compared in canonical form (names aside), emitted with the names
//! the SQL needs: a dropped one by its name in the database, a new one by its name in the
//! wanted schema, or a generated one.

use super::change::Change;
use super::names::{NameGen, foreign_key_name, index_name};
use crate::db::Backend;
use crate::schema::{ForeignKey, Index, Schema, Table, normalise};
use std::collections::BTreeMap;

/// `fk` in canonical form for `backend`, as [`normalise`] makes it.
pub(crate) fn canonical_fk(fk: &ForeignKey, backend: Backend) -> ForeignKey {
    let table = Table {
        name: String::new(),
        columns: Vec::new(),
        primary_key: Vec::new(),
        indexes: Vec::new(),
        foreign_keys: vec![fk.clone()],
    };
    let schema = Schema { tables: BTreeMap::from([(String::new(), table)]), enums: BTreeMap::new() };
    let normal = normalise(&schema, backend).tables.into_values().flat_map(|t| t.foreign_keys).next();
    normal.unwrap_or_else(|| ForeignKey { name: None, ..fk.clone() })
}

/// `index` without its name: its canonical form.
fn canonical_index(index: &Index) -> Index {
    Index { name: None, ..index.clone() }
}

/// The name `source` gives to the index that is `normal` in canonical form.
pub(crate) fn index_source_name(source: &Table, normal: &Index) -> Option<String> {
    let same = |i: &&Index| i.columns == normal.columns && i.unique == normal.unique;
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
    let (have_ix, want_ix) = (index_groups(from, to, backend), index_groups(to, from, backend));
    for (index, sources) in have_ix.iter().filter(|(i, _)| !want_ix.contains_key(*i)) {
        for source in sources {
            let index = Index { name: source.name.clone(), ..index.clone() };
            changes.push(Change::DropIndex { table: name.to_owned(), index });
        }
    }
    for (index, sources) in want_ix.iter().filter(|(i, _)| !have_ix.contains_key(*i)) {
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
    let has_fk = |t: &Table, columns: &[String]| t.foreign_keys.iter().any(|f| f.columns == columns);
    let implied = |i: &Index| {
        backend == Backend::MySql && !i.unique && has_fk(side, &i.columns) && has_fk(other, &i.columns)
    };
    let mut groups: BTreeMap<Index, Vec<&Index>> = BTreeMap::new();
    for index in &side.indexes {
        let primary = index.unique && index.columns == side.primary_key && index.columns == other.primary_key;
        if !primary && !implied(index) {
            groups.entry(canonical_index(index)).or_default().push(index);
        }
    }
    groups
}
