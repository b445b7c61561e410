//! One change to a schema, as plain data, carrying enough of both sides that it can be undone:
//! the generator writes a migration's down() from the inverses of its up() changes, in reverse.

use crate::schema::{Check, Column, EnumType, ForeignKey, Index, Table, View};
use serde::Serialize;

/// A single schema change. Index and foreign key names are the ones to use in SQL: for a new
/// one, the name the generator chose; for an existing one, its name in the database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Change {
    /// A new table, with its columns, primary key, indexes and foreign keys.
    CreateTable { table: Table },
    /// A table dropped, described in full so that its inverse can recreate it.
    DropTable { table: Table },
    RenameTable { from: String, to: String },
    AddColumn { table: String, column: Column },
    DropColumn { table: String, column: Column },
    RenameColumn { table: String, from: String, to: String },
    /// Type, nullability or default changed; `from` and `to` carry the same name.
    AlterColumn { table: String, from: Column, to: Column },
    /// The primary key's columns changed; an empty list is a table without one.
    AlterPrimaryKey { table: String, from: Vec<String>, to: Vec<String> },
    AddIndex { table: String, index: Index },
    DropIndex { table: String, index: Index },
    AddForeignKey { table: String, foreign_key: ForeignKey },
    DropForeignKey { table: String, foreign_key: ForeignKey },
    AddCheck { table: String, check: Check },
    DropCheck { table: String, check: Check },
    /// A PostgreSQL extension installed or removed, by name.
    CreateExtension { name: String },
    DropExtension { name: String },
    /// A view created; a changed query is a drop and a create.
    CreateView { view: View },
    DropView { view: View },
    CreateEnum { enum_type: EnumType },
    DropEnum { enum_type: EnumType },
    /// Values added to or removed from a PostgreSQL enum type.
    AlterEnum { from: EnumType, to: EnumType },
}

impl Change {
    /// The change that undoes this one.
    pub fn inverse(&self) -> Change {
        use Change::*;
        match self.clone() {
            CreateTable { table } => DropTable { table },
            DropTable { table } => CreateTable { table },
            RenameTable { from, to } => RenameTable { from: to, to: from },
            AddColumn { table, column } => DropColumn { table, column },
            DropColumn { table, column } => AddColumn { table, column },
            RenameColumn { table, from, to } => RenameColumn { table, from: to, to: from },
            AlterColumn { table, from, to } => AlterColumn { table, from: to, to: from },
            AlterPrimaryKey { table, from, to } => AlterPrimaryKey { table, from: to, to: from },
            AddIndex { table, index } => DropIndex { table, index },
            DropIndex { table, index } => AddIndex { table, index },
            AddForeignKey { table, foreign_key } => DropForeignKey { table, foreign_key },
            DropForeignKey { table, foreign_key } => AddForeignKey { table, foreign_key },
            AddCheck { table, check } => DropCheck { table, check },
            DropCheck { table, check } => AddCheck { table, check },
            CreateExtension { name } => DropExtension { name },
            DropExtension { name } => CreateExtension { name },
            CreateView { view } => DropView { view },
            DropView { view } => CreateView { view },
            CreateEnum { enum_type } => DropEnum { enum_type },
            DropEnum { enum_type } => CreateEnum { enum_type },
            AlterEnum { from, to } => AlterEnum { from: to, to: from },
        }
    }

    /// The table this change is about, if it is about one.
    pub fn table(&self) -> Option<&str> {
        use Change::*;
        match self {
            CreateTable { table } | DropTable { table } => Some(&table.name),
            RenameTable { to, .. } => Some(to),
            AddColumn { table, .. }
            | DropColumn { table, .. }
            | RenameColumn { table, .. }
            | AlterColumn { table, .. }
            | AlterPrimaryKey { table, .. }
            | AddIndex { table, .. }
            | DropIndex { table, .. }
            | AddForeignKey { table, .. }
            | DropForeignKey { table, .. }
            | AddCheck { table, .. }
            | DropCheck { table, .. } => Some(table),
            CreateEnum { .. } | DropEnum { .. } | AlterEnum { .. } | CreateView { .. } | DropView { .. }
            | CreateExtension { .. } | DropExtension { .. } => None,
        }
    }

    /// Whether applying this change may destroy data that exists now.
    pub fn is_destructive(&self) -> bool {
        use Change::*;
        match self {
            // A generated column holds nothing its expression cannot compute again.
            DropColumn { column, .. } => column.generated.is_none(),
            DropTable { .. } => true,
            AlterEnum { from, to } => from.values.iter().any(|v| !to.values.contains(v)),
            DropEnum { .. } => true,
            _ => false,
        }
    }
}

/// The changes of a down() for `up`: each one's inverse, in reverse order.
pub fn inverse_of(up: &[Change]) -> Vec<Change> {
    up.iter().rev().map(Change::inverse).collect()
}
