//! Code generation: a list of [`Change`]s becomes a migration file in Rust, with sea-query
//! builders and `DeriveIden` enums, that compiles as it is and serves every backend.
//!
//! up() holds the changes in order; down() holds their inverses in reverse order. Warnings
//! from the diff (destructive or data-dependent changes) become comments above the statement
//! they concern. The text is passed through rustfmt when it is installed.

mod column;
mod idents;
mod statement;

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

/// The source of a migration applying `changes`. `enums` describes every enum type a column
/// may use (both schemas' types, for down()). `summary` lines head the file.
pub fn migration_file(
    changes: &[Change],
    notes: &[Note],
    enums: &BTreeMap<String, EnumType>,
    summary: &[String],
) -> String {
    let mut idents = Idents::default();
    let up = body(&mut idents, changes, notes, enums);
    let down = body(&mut idents, &inverse_of(changes), &[], enums);
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
    text.push_str(&format!(
        "\n#[derive(DeriveMigrationName)]\npub struct Migration;\n\n\
         #[async_trait::async_trait]\nimpl MigrationTrait for Migration {{\n\
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
) -> String {
    let mut out = String::new();
    for (i, change) in changes.iter().enumerate() {
        for note in notes.iter().filter(|n| n.change == i) {
            out.push_str(&format!("// WARNING: {}\n", note.text));
        }
        out.push_str(&statement::render(idents, change, enums));
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
