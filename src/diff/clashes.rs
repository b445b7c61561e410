//! New index and foreign key names must not clash with names that stay in the database: the
//! wanted schema may reuse a name for something else (an index made unique keeps its name),
//! while the database keeps the old one (MySQL's index on a foreign key's columns, say).

use super::change::Change;
use super::names::{NameGen, foreign_key_name, index_name};
use crate::schema::{Schema, Table};
use std::collections::BTreeSet;

/// Which namespace a name lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Index,
    ForeignKey,
}

/// Gives a generated name to each new index or foreign key in `changes` whose name is that of
/// one in `from` that `changes` do not drop, or of another new one.
pub(crate) fn avoid_clashes(changes: &mut [Change], from: &Schema, names: &mut NameGen) {
    let dropped = dropped_names(changes);
    let mut kept: BTreeSet<(Kind, String)> = from.tables.values().flat_map(table_names).collect();
    kept.retain(|n| !dropped.contains(n));
    for change in changes.iter_mut() {
        match change {
            Change::AddIndex { table, index } => {
                let fallback = index_name(table, index);
                settle(&mut index.name, Kind::Index, fallback, &mut kept, names);
            }
            Change::AddForeignKey { table, foreign_key } => {
                let fallback = foreign_key_name(table, foreign_key);
                settle(&mut foreign_key.name, Kind::ForeignKey, fallback, &mut kept, names);
            }
            Change::CreateTable { table } => settle_table(table, &mut kept, names),
            _ => {}
        }
    }
}

fn settle_table(table: &mut Table, kept: &mut BTreeSet<(Kind, String)>, names: &mut NameGen) {
    for index in &mut table.indexes {
        let fallback = index_name(&table.name, index);
        settle(&mut index.name, Kind::Index, fallback, kept, names);
    }
    for fk in &mut table.foreign_keys {
        let fallback = foreign_key_name(&table.name, fk);
        settle(&mut fk.name, Kind::ForeignKey, fallback, kept, names);
    }
}

/// Replaces `name` by a fresh one based on `fallback` if it is taken, then takes it.
fn settle(name: &mut Option<String>, kind: Kind, fallback: String, kept: &mut BTreeSet<(Kind, String)>, names: &mut NameGen) {
    let Some(current) = name.as_mut() else { return };
    if kept.contains(&(kind, current.clone())) {
        *current = names.fresh(fallback);
    }
    kept.insert((kind, current.clone()));
}

fn table_names(table: &Table) -> impl Iterator<Item = (Kind, String)> + '_ {
    let indexes = table.indexes.iter().filter_map(|i| i.name.clone()).map(|n| (Kind::Index, n));
    indexes.chain(table.foreign_keys.iter().filter_map(|f| f.name.clone()).map(|n| (Kind::ForeignKey, n)))
}

fn dropped_names(changes: &[Change]) -> BTreeSet<(Kind, String)> {
    let mut dropped = BTreeSet::new();
    for change in changes {
        match change {
            Change::DropIndex { index, .. } => dropped.extend(index.name.clone().map(|n| (Kind::Index, n))),
            Change::DropForeignKey { foreign_key, .. } => {
                dropped.extend(foreign_key.name.clone().map(|n| (Kind::ForeignKey, n)))
            }
            Change::DropTable { table } => dropped.extend(table_names(table)),
            _ => {}
        }
    }
    dropped
}
