//! `generate NAME`: a new, empty migration file from a template, registered in the migration
//! crate's `lib.rs`.
//!
//! Registration edits `lib.rs` as text: it adds `mod <version>;` after the last `mod m...;`
//! line and `Box::new(<version>::Migration),` after the last such entry (or right after
//! `vec![`). That is the layout sea-orm's own template and this project use; a `lib.rs` laid
//! out otherwise is left alone and the message says what to add by hand.

use std::fs;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    #[error(
        "invalid migration name '{0}': use lowercase letters, digits and underscores, starting \
         with a letter (e.g. add_last_login)"
    )]
    BadName(String),
    #[error(
        "cannot find the migration crate: neither migration/src/lib.rs nor src/lib.rs exists \
         here; run from the workspace root or pass --dir"
    )]
    NoCrate,
    #[error("cannot read {path}: {source}; check --dir")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot write {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error(
        "cannot register a new migration in {lib}: its layout is not the usual `mod m...;` \
         lines and a `vec![Box::new(...::Migration), ...]` list; nothing was written. Add \
         `mod {version};` and `Box::new({version}::Migration),` by hand, or restore that layout"
    )]
    Unregistered {
        lib: String,
        version: String,
    },
}

/// What was created.
#[derive(Debug, serde::Serialize)]
pub struct Generated {
    pub version: String,
    pub file: PathBuf,
    pub lib: PathBuf,
}

const TEMPLATE: &str = r#"use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Describe the change with sea-query builders so it runs on every backend, e.g.
        // manager.alter_table(Table::alter().table(...).add_column(...).to_owned()).await
        let _ = manager;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Undo exactly what up() did, in reverse order.
        let _ = manager;
        Ok(())
    }
}
"#;

/// Writes the empty template as migration `name`.
pub fn generate(
    name: &str,
    dir: Option<&Path>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Generated, GenerateError> {
    write(name, dir, now, TEMPLATE)
}

/// Refuses a migration name that is not snake_case starting with a letter.
pub fn check_name(name: &str) -> Result<(), GenerateError> {
    let valid = name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if valid { Ok(()) } else { Err(GenerateError::BadName(name.to_string())) }
}

/// Writes `source` as a new migration `name` and registers it in the crate's `lib.rs`.
pub fn write(
    name: &str,
    dir: Option<&Path>,
    now: chrono::DateTime<chrono::Utc>,
    source: &str,
) -> Result<Generated, GenerateError> {
    check_name(name)?;
    let dir = match dir {
        Some(dir) => dir.to_path_buf(),
        None => find_crate().ok_or(GenerateError::NoCrate)?,
    };
    let version = format!("m{}_{name}", now.format("%Y%m%d_%H%M%S"));
    let file = dir.join(format!("{version}.rs"));
    let lib = dir.join("lib.rs");
    let io = |path: &Path| {
        let path = path.display().to_string();
        move |source| GenerateError::Io { path, source }
    };
    let lib_source = fs::read_to_string(&lib).map_err(|source| GenerateError::Read {
        path: lib.display().to_string(),
        source,
    })?;
    let registered = register(&lib_source, &version).ok_or_else(|| GenerateError::Unregistered {
        lib: lib.display().to_string(),
        version: version.clone(),
    })?;
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&file)
        .and_then(|mut f| std::io::Write::write_all(&mut f, source.as_bytes()))
        .map_err(io(&file))?;
    fs::write(&lib, registered).map_err(io(&lib))?;
    Ok(Generated { version, file, lib })
}

fn find_crate() -> Option<PathBuf> {
    ["migration/src", "src"]
        .iter()
        .map(PathBuf::from)
        .find(|dir| dir.join("lib.rs").is_file())
}

/// `lib.rs` with the new migration registered, or `None` if its layout is not recognised.
pub fn register(source: &str, version: &str) -> Option<String> {
    if !source.contains("MigratorTrait") {
        return None;
    }
    let mut lines: Vec<String> = source.lines().map(str::to_string).collect();
    let is_mod = |l: &str| {
        let l = l.trim();
        l.strip_prefix("mod m")
            .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()) && rest.ends_with(';'))
    };
    let is_entry = |l: &str| l.trim_start().starts_with("Box::new(");
    let entry_at = match lines.iter().rposition(|l| is_entry(l)) {
        Some(i) => i,
        None => lines.iter().position(|l| l.trim_end().ends_with("vec!["))?,
    };
    let indent = match lines.iter().rposition(|l| is_entry(l)) {
        Some(i) => lines[i][..lines[i].len() - lines[i].trim_start().len()].to_string(),
        None => format!("{}    ", &lines[entry_at][..lines[entry_at].len() - lines[entry_at].trim_start().len()]),
    };
    lines.insert(entry_at + 1, format!("{indent}Box::new({version}::Migration),"));
    let mod_at = lines
        .iter()
        .rposition(|l| is_mod(l))
        .or_else(|| lines.iter().rposition(|l| l.starts_with("pub use") || l.starts_with("use ")))?;
    lines.insert(mod_at + 1, format!("mod {version};"));
    let mut text = lines.join("\n");
    text.push('\n');
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::register;

    #[test]
    fn registers_after_the_last_migration() {
        let lib = "pub use sea_orm_migration::prelude::*;\n\nmod m1_a;\n\npub struct Migrator;\n\nimpl MigratorTrait for Migrator {\n    fn migrations() -> Vec<Box<dyn MigrationTrait>> {\n        vec![\n            Box::new(m1_a::Migration),\n        ]\n    }\n}\n";
        let out = register(lib, "m2_b").unwrap();
        assert!(out.contains("mod m1_a;\nmod m2_b;\n"), "{out}");
        assert!(out.contains("            Box::new(m1_a::Migration),\n            Box::new(m2_b::Migration),\n        ]"), "{out}");
    }

    #[test]
    fn registers_into_an_empty_list() {
        let lib = "pub use sea_orm_migration::prelude::*;\n\npub struct Migrator;\n\nimpl MigratorTrait for Migrator {\n    fn migrations() -> Vec<Box<dyn MigrationTrait>> {\n        vec![\n        ]\n    }\n}\n";
        let out = register(lib, "m2_b").unwrap();
        assert!(out.contains("pub use sea_orm_migration::prelude::*;\nmod m2_b;\n"), "{out}");
        assert!(out.contains("        vec![\n            Box::new(m2_b::Migration),\n"), "{out}");
        assert!(register("fn main() {}", "m2_b").is_none());
    }
}
