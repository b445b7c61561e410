//! The order changes run in, so that nothing is used before it exists or removed while still in
//! use: renames first (later changes use the new names); enum types before the tables that use
//! them; foreign keys and indexes dropped before the columns and tables they involve; tables
//! dropped referencing-first and created referenced-first; columns added and tightened before a
//! primary key that needs them, loosened and dropped after; indexes before the foreign keys that
//! lean on them; enum types dropped last. The order of `inverse_of` the result is then just as
//! sound, since each step's inverse undoes what the step made possible.

use super::change::Change;
use super::cycles::creation_order;

/// `changes` in dependency order. Tables created (or dropped) together that reference each
/// other in a cycle are created without the foreign keys that close it, which are added after
/// all of them (for drops: dropped before any of them); so the result may hold more changes.
/// Changes of the same kind keep their relative order.
pub fn order(changes: Vec<Change>) -> Vec<Change> {
    let mut created = Vec::new();
    let mut dropped = Vec::new();
    let mut rest = Vec::new();
    for change in changes {
        match change {
            Change::CreateTable { table } => created.push(table),
            Change::DropTable { table } => dropped.push(table),
            other => rest.push(other),
        }
    }
    let (created, deferred) = creation_order(created);
    rest.extend(created.into_iter().map(|table| Change::CreateTable { table }));
    rest.extend(deferred.into_iter().map(|(table, foreign_key)| Change::AddForeignKey { table, foreign_key }));
    let (dropped, deferred) = creation_order(dropped);
    rest.extend(deferred.into_iter().map(|(table, foreign_key)| Change::DropForeignKey { table, foreign_key }));
    rest.extend(dropped.into_iter().rev().map(|table| Change::DropTable { table }));
    rest.sort_by_key(phase);
    drop_before_readding(&mut rest);
    rest
}

/// A column dropped and added again under its name (a generated column whose expression
/// changes, or a column that becomes or stops being generated) is dropped just before it is
/// added, rather than after, as other dropped columns are.
fn drop_before_readding(changes: &mut Vec<Change>) {
    let mut i = 0;
    while i < changes.len() {
        if let Change::AddColumn { table, column } = &changes[i] {
            let same = |c: &Change| matches!(c, Change::DropColumn { table: t, column: d } if t == table && d.name == column.name);
            if let Some(j) = changes[i..].iter().position(same).map(|j| j + i) {
                let dropped = changes.remove(j);
                changes.insert(i, dropped);
                i += 1;
            }
        }
        i += 1;
    }
}

/// The steps of a migration, in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Phase {
    /// Views first: they stand on the tables and columns the rest may change.
    DropView,
    RenameTable,
    RenameColumn,
    /// Before the types, indexes and operator classes that come from it.
    CreateExtension,
    CreateEnum,
    GrowEnum,
    DropForeignKey,
    DropIndex,
    DropCheck,
    DropTable,
    CreateTable,
    AddColumn,
    AlterColumn,
    AlterPrimaryKey,
    /// NOT NULL lifted: only once the column has left the primary key.
    LoosenColumn,
    DropColumn,
    AddIndex,
    AddForeignKey,
    /// Once every column it names is there, as the rows will stay.
    AddCheck,
    /// Once every table and column they read is there.
    CreateView,
    /// Values removed: once no new definition needs them.
    ShrinkEnum,
    DropEnum,
    DropExtension,
}

fn phase(change: &Change) -> Phase {
    use Change::*;
    match change {
        RenameTable { .. } => Phase::RenameTable,
        RenameColumn { .. } => Phase::RenameColumn,
        CreateEnum { .. } => Phase::CreateEnum,
        AlterEnum { from, to } if from.values.iter().all(|v| to.values.contains(v)) => Phase::GrowEnum,
        AlterEnum { .. } => Phase::ShrinkEnum,
        DropForeignKey { .. } => Phase::DropForeignKey,
        DropIndex { .. } => Phase::DropIndex,
        DropTable { .. } => Phase::DropTable,
        CreateTable { .. } => Phase::CreateTable,
        AddColumn { .. } => Phase::AddColumn,
        AlterColumn { from, to, .. } if !from.nullable && to.nullable => Phase::LoosenColumn,
        AlterColumn { .. } => Phase::AlterColumn,
        AlterPrimaryKey { .. } => Phase::AlterPrimaryKey,
        DropColumn { .. } => Phase::DropColumn,
        AddIndex { .. } => Phase::AddIndex,
        AddForeignKey { .. } => Phase::AddForeignKey,
        DropCheck { .. } => Phase::DropCheck,
        DropView { .. } => Phase::DropView,
        CreateExtension { .. } => Phase::CreateExtension,
        DropExtension { .. } => Phase::DropExtension,
        CreateView { .. } => Phase::CreateView,
        AddCheck { .. } => Phase::AddCheck,
        DropEnum { .. } => Phase::DropEnum,
    }
}
