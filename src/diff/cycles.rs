//! The order in which a set of tables can be created when they reference each other: each after
//! the tables it references. Foreign keys that form a cycle cannot be created with their
//! tables; they are split off, to be added once all the tables exist (or, for tables being
//! dropped, dropped before any of them).

use crate::schema::{ForeignKey, Table};
use std::collections::{BTreeMap, BTreeSet};

/// `tables` in creation order, and the foreign keys (with their table's name) that were taken
/// out of them to break cycles. A table's references to itself are no cycle and stay, except
/// those to columns other than its primary key: the unique index they need is created after
/// the table. The result depends only on the tables, so creating and dropping the same set
/// agree.
pub(crate) fn creation_order(tables: Vec<Table>) -> (Vec<Table>, Vec<(String, ForeignKey)>) {
    let mut pending: BTreeMap<String, Table> = tables.into_iter().map(|t| (t.name.clone(), t)).collect();
    let mut ordered = Vec::new();
    let mut deferred: Vec<(String, ForeignKey)> = pending.values_mut().flat_map(self_references_to_indexes).collect();
    while !pending.is_empty() {
        let ready = pending.values().find(|t| waits_on(t, &pending).next().is_none()).map(|t| t.name.clone());
        match ready.and_then(|name| pending.remove(&name)) {
            Some(table) => ordered.push(table),
            None => deferred.extend(break_cycle(&mut pending)),
        }
    }
    (ordered, deferred)
}

/// Takes out of `table` its references to itself that lean on a unique index rather than on
/// its primary key (which `CREATE TABLE` makes before its foreign keys), and returns them.
fn self_references_to_indexes(table: &mut Table) -> Vec<(String, ForeignKey)> {
    let (name, key) = (table.name.clone(), table.primary_key.clone());
    let (taken, kept) = std::mem::take(&mut table.foreign_keys)
        .into_iter()
        .partition(|f| f.ref_table == name && f.ref_columns != key);
    table.foreign_keys = kept;
    taken.into_iter().map(|f| (name.clone(), f)).collect()
}

/// The other pending tables `table` references.
fn waits_on<'a>(table: &'a Table, pending: &'a BTreeMap<String, Table>) -> impl Iterator<Item = &'a str> {
    let refs = table.foreign_keys.iter().map(|f| f.ref_table.as_str());
    refs.filter(move |r| *r != table.name && pending.contains_key(*r))
}

/// Takes out of the first table (by name) that lies on a cycle its foreign keys that lead back
/// to it, and returns them.
fn break_cycle(pending: &mut BTreeMap<String, Table>) -> Vec<(String, ForeignKey)> {
    let on_cycle = pending.keys().find(|name| waits_on(&pending[*name], pending).any(|r| reaches(pending, r, name)));
    let Some(name) = on_cycle.or_else(|| pending.keys().next()).cloned() else { return Vec::new() };
    let fks = &pending[&name].foreign_keys;
    let waits = |f: &ForeignKey| f.ref_table != name && pending.contains_key(&f.ref_table);
    let mut cut: Vec<bool> = fks.iter().map(|f| waits(f) && reaches(pending, &f.ref_table, &name)).collect();
    if !cut.contains(&true) {
        // Only when no table is on a cycle, which cannot be while none is ready: give up all.
        cut = fks.iter().map(waits).collect();
    }
    let Some(table) = pending.get_mut(&name) else { return Vec::new() };
    let mut taken = Vec::new();
    for (fk, cut) in std::mem::take(&mut table.foreign_keys).into_iter().zip(cut) {
        if cut {
            taken.push((name.clone(), fk));
        } else {
            table.foreign_keys.push(fk);
        }
    }
    taken
}

/// Whether `goal` can be reached from `start` following references between pending tables.
fn reaches(pending: &BTreeMap<String, Table>, start: &str, goal: &str) -> bool {
    let mut seen = BTreeSet::new();
    let mut stack = vec![start];
    while let Some(name) = stack.pop() {
        if name == goal {
            return true;
        }
        if !seen.insert(name) {
            continue;
        }
        if let Some(table) = pending.get(name) {
            stack.extend(waits_on(table, pending));
        }
    }
    false
}
