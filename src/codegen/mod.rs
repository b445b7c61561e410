//! Code generation: a list of [`Change`]s becomes a migration file in Rust, with sea-query
//! builders and `DeriveIden` enums, that compiles as it is and serves every backend.
//!
//! up() holds the changes in order; down() holds their inverses in reverse order. Warnings
//! from the diff (destructive or data-dependent changes) become comments above the statement
//! they concern. The text is passed through rustfmt when it is installed.

mod column;
mod idents;
mod statement;

use crate::db::Backend;
use crate::diff::{Change, inverse_of};
use crate::schema::EnumType;
use idents::Idents;
use std::collections::BTreeMap;
use std::io::Write;
use std::process::{Command, Stdio};

/// A warning to print as a comment above the change at `change` (an index into the changes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub change: usize,
    pub text: String,
}

/// How a drafted migration's statements run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Runs {
    /// In one transaction where the backend allows it: the runner's default.
    #[default]
    InTransaction,
    /// Outside a transaction, with each index built and dropped `CONCURRENTLY` on PostgreSQL,
    /// so that writes to the table go on while it is built.
    Concurrently,
}

impl Runs {
    /// How the draft of `changes` for `backend` runs: concurrently when it only adds and drops
    /// indexes on PostgreSQL (tables it creates carry their own indexes), since a plain build
    /// there blocks every write to the table until it ends; in a transaction otherwise, which
    /// keeps a draft of several changes all or nothing.
    pub fn for_draft(changes: &[Change], backend: Backend) -> Runs {
        let indexes_only = changes.iter().all(|c| matches!(c, Change::AddIndex { .. } | Change::DropIndex { .. }));
        if backend == Backend::Postgres && !changes.is_empty() && indexes_only {
            Runs::Concurrently
        } else {
            Runs::InTransaction
        }
    }
}

/// The source of a migration applying `changes`, running as `runs` says. `enums` describes
/// every enum type a column may use (both schemas' types, for down()). `summary` lines head the
/// file.
pub fn migration_file(
    changes: &[Change],
    notes: &[Note],
    enums: &BTreeMap<String, EnumType>,
    summary: &[String],
    runs: Runs,
) -> String {
    let mut idents = Idents::default();
    let up = body(&mut idents, changes, notes, enums, runs);
    let down = body(&mut idents, &inverse_of(changes), &[], enums, runs);
    let uses_type = changes
        .iter()
        .any(|c| matches!(c, Change::CreateEnum { .. } | Change::DropEnum { .. }));
    let mut text = String::new();
    for line in summary {
        text.push_str(&format!("//! {line}\n"));
    }
    text.push_str("\nuse sea_orm_migration::prelude::*;\n");
    if uses_type {
        text.push_str("use sea_orm_migration::prelude::extension::postgres::Type;\n");
        text.push_str("use sea_orm_migration::sea_orm::DbBackend;\n");
    }
    let outside = match runs {
        Runs::InTransaction => "",
        Runs::Concurrently => {
            "// PostgreSQL builds an index CONCURRENTLY only outside a transaction.\n\
             fn use_transaction(&self) -> Option<bool> {\nSome(false)\n}\n\n"
        }
    };
    text.push_str(&format!(
        "\n#[derive(DeriveMigrationName)]\npub struct Migration;\n\n\
         #[async_trait::async_trait]\nimpl MigrationTrait for Migration {{\n{outside}\
         async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {{\n{up}Ok(())\n}}\n\n\
         async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {{\n{down}Ok(())\n}}\n}}\n"
    ));
    text.push_str(&idents.declarations());
    rustfmt(&text).unwrap_or(text)
}

fn body(
    idents: &mut Idents,
    changes: &[Change],
    notes: &[Note],
    enums: &BTreeMap<String, EnumType>,
    runs: Runs,
) -> String {
    let mut out = String::new();
    for (i, change) in changes.iter().enumerate() {
        for note in notes.iter().filter(|n| n.change == i) {
            out.push_str(&format!("// WARNING: {}\n", note.text));
        }
        out.push_str(&statement::render(idents, change, enums, runs));
    }
    out
}

/// `source` formatted by rustfmt, or `None` when rustfmt is missing or fails (the unformatted
/// text still compiles).
fn rustfmt(source: &str) -> Option<String> {
    let mut child = Command::new("rustfmt")
        .args(["--edition", "2024", "--emit", "stdout", "--quiet"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    child.stdin.take()?.write_all(source.as_bytes()).ok()?;
    let output = child.wait_with_output().ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8(output.stdout).ok())
        .flatten()
}
