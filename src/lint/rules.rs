//! The rules: their ids (used by [`super::allow`]), severities and fix hints.

use serde::Serialize;

/// How bad a finding is. `Error` fails `lint` (exit 1) and, in production, `up`, unless
/// acknowledged; `Warning` is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

/// What a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rule {
    DropTable,
    DropColumn,
    Truncate,
    DeleteWithoutWhere,
    UpdateWithoutWhere,
    NarrowingType,
    NotNullWithoutDefault,
    IndexWithoutConcurrently,
    ForeignKeyWithoutNotValid,
    CheckWithoutNotValid,
    TypeChangeRewrite,
    SetNotNull,
    EmptyDown,
    IncompleteDown,
    Unreadable,
    /// A backfill (`seamigrate::backfill`), described in words: it has no SQL to show.
    Backfill,
}

impl Rule {
    /// The id used in output and in [`super::allow`].
    pub fn id(self) -> &'static str {
        use Rule::*;
        match self {
            DropTable => "drop-table",
            DropColumn => "drop-column",
            Truncate => "truncate",
            DeleteWithoutWhere => "delete-without-where",
            UpdateWithoutWhere => "update-without-where",
            NarrowingType => "narrowing-type",
            NotNullWithoutDefault => "not-null-without-default",
            IndexWithoutConcurrently => "index-without-concurrently",
            ForeignKeyWithoutNotValid => "foreign-key-without-not-valid",
            CheckWithoutNotValid => "check-without-not-valid",
            TypeChangeRewrite => "type-change-rewrite",
            SetNotNull => "set-not-null",
            EmptyDown => "empty-down",
            IncompleteDown => "incomplete-down",
            Unreadable => "unreadable",
            Backfill => "backfill",
        }
    }

    /// Destroying data and failing on existing rows are errors; locks and reversibility warn.
    pub fn severity(self) -> Severity {
        use Rule::*;
        match self {
            DropTable | DropColumn | Truncate | DeleteWithoutWhere | UpdateWithoutWhere
            | NarrowingType | NotNullWithoutDefault => Severity::Error,
            _ => Severity::Warning,
        }
    }

    pub fn hint(self) -> &'static str {
        use Rule::*;
        match self {
            DropTable | DropColumn => {
                "back up first and make sure no code still uses it; if intended, acknowledge it with seamigrate::lint::allow"
            }
            Truncate | DeleteWithoutWhere | UpdateWithoutWhere => {
                "add a WHERE clause for the rows meant; if every row is meant, acknowledge it with seamigrate::lint::allow"
            }
            NarrowingType => "check that every value fits the new type first, or widen instead",
            NotNullWithoutDefault => {
                "give the column a default, or add it nullable, backfill it, then set NOT NULL"
            }
            IndexWithoutConcurrently => {
                "on a busy table use CREATE INDEX CONCURRENTLY in a migration with use_transaction() = Some(false)"
            }
            ForeignKeyWithoutNotValid => {
                "add the key NOT VALID, then VALIDATE CONSTRAINT in a later migration, to avoid a long lock"
            }
            CheckWithoutNotValid => {
                "add the check NOT VALID, then VALIDATE CONSTRAINT in a later migration, to avoid a long lock"
            }
            TypeChangeRewrite => {
                "the table is rewritten under an exclusive lock: run it in a quiet window, or add a new column and backfill"
            }
            SetNotNull => {
                "the table is scanned under an exclusive lock: add a CHECK (col IS NOT NULL) NOT VALID constraint and validate it first"
            }
            EmptyDown => "write a down() that reverses up(), or acknowledge that it cannot be reversed",
            IncompleteDown => "make down() undo everything up() creates",
            Unreadable => "the migration reads the database while it runs; review its SQL by hand",
            Backfill => {
                "it runs outside a transaction, a batch at a time, and after a kill up() runs again from the top: keep other statements out of this migration, or make them safe to repeat"
            }
        }
    }
}
