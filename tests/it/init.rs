//! `init` in a Cargo project that has sea-orm entities but no migrations: the migration crate
//! it writes builds, runs `up`, and `check` compares the project's entities; a stock sea-orm
//! migration crate is converted instead; nothing is ever overwritten.

use crate::cli::cli;
use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};

const ACCOUNTS: &str = r#"use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "accounts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub email: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
"#;

/// Writes `text` to `path` under `root`, creating its directory.
fn write(root: &Path, path: &str, text: &str) {
    let path = root.join(path);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

/// A project as teams have one: an application crate and an `entity` crate, no migrations.
fn project(root: &Path) {
    let write = |path: &str, text: &str| write(root, path, text);
    write("Cargo.toml", "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n# the application's own\n[dependencies]\nentity = { path = \"entity\" }\n");
    write("src/main.rs", "fn main() {}\n");
    write(
        "entity/Cargo.toml",
        "[package]\nname = \"entity\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n[dependencies]\nsea-orm = { version = \"2.0.4\", default-features = false, features = [\"macros\"] }\n",
    );
    write("entity/src/lib.rs", "pub mod accounts;\n");
    write("entity/src/accounts.rs", ACCOUNTS);
    let lock = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.lock");
    fs::copy(lock, root.join("Cargo.lock")).unwrap();
}

fn repo() -> &'static str {
    env!("CARGO_MANIFEST_DIR")
}

#[tokio::test]
async fn init_creates_a_migration_crate_that_builds_and_runs() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    project(root);
    let root_arg = root.to_str().unwrap();
    let (code, out, err) = cli(&["init", "--dir", root_arg, "--seamigrate-path", repo()]).await;
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("Created the migration crate; 1 entity registered:"), "{out}");
    let manifest = fs::read_to_string(root.join("Cargo.toml")).unwrap();
    assert!(manifest.contains("members = [\".\", \"migration\"]") && manifest.contains("# the application's own"), "{manifest}");
    let lib = fs::read_to_string(root.join("migration/src/lib.rs")).unwrap();
    assert!(lib.contains(".register(entity::accounts::Entity)"), "{lib}");
    assert!(lib.contains("_initial::Migration),"), "{lib}");
    let main = fs::read_to_string(root.join("migration/src/main.rs")).unwrap();
    assert!(main.contains("seamigrate::cli::main_with_entities::<migration::Migrator>(migration::entities())"));

    let (code, _, err) = cli(&["init", "--dir", root_arg]).await;
    assert_eq!(code, 1);
    assert!(err.contains("already hands over to seamigrate"), "{err}");

    // It builds, applies its first migration, and `check` sees the project's entity.
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let target = tmp.parent().unwrap_or(tmp).join("scratch-workspace");
    let built = Command::new(env!("CARGO"))
        .args(["build", "-p", "migration", "--offline"])
        .current_dir(root)
        .env("CARGO_TARGET_DIR", &target)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(built.status.success(), "{}", String::from_utf8_lossy(&built.stderr));
    let binary = target.join("debug/migration");
    let url = format!("sqlite://{}/app.sqlite?mode=rwc", root.display());
    let run = |args: &[&str]| Command::new(&binary).arg("-u").arg(&url).args(args).current_dir(root).output().unwrap();
    let up = run(&["up"]);
    assert!(up.status.success(), "{}", String::from_utf8_lossy(&up.stderr));
    let check = run(&["check"]);
    let said = String::from_utf8_lossy(&check.stdout);
    assert_eq!(check.status.code(), Some(1));
    assert!(said.contains("create table accounts"), "{said}");
}

#[tokio::test]
async fn init_converts_a_stock_migration_crate() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    project(root);
    let write = |path: &str, text: &str| write(root, path, text);
    write("migration/Cargo.toml", "[package]\nname = \"migration\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n[dependencies]\nsea-orm-migration = \"2.0\"\n");
    write("migration/src/main.rs", "use sea_orm_migration::prelude::*;\n\n#[tokio::main]\nasync fn main() {\n    cli::run_cli(migration::Migrator).await;\n}\n");
    write("migration/src/lib.rs", "pub use sea_orm_migration::prelude::*;\n\npub struct Migrator;\n\n#[async_trait::async_trait]\nimpl MigratorTrait for Migrator {\n    fn migrations() -> Vec<Box<dyn MigrationTrait>> {\n        vec![]\n    }\n}\n");
    let (code, out, err) = cli(&["init", "--dir", root.to_str().unwrap()]).await;
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("Converted the stock migration crate"), "{out}");
    let main = fs::read_to_string(root.join("migration/src/main.rs")).unwrap();
    assert!(main.contains("seamigrate::cli::main_with_entities"), "{main}");
    let lib = fs::read_to_string(root.join("migration/src/lib.rs")).unwrap();
    assert!(lib.contains("pub fn entities()") && lib.contains(".register(entity::accounts::Entity)"), "{lib}");
    let manifest = fs::read_to_string(root.join("migration/Cargo.toml")).unwrap();
    assert!(manifest.contains("seamigrate = { version = ") && manifest.contains("entity = { path = \"../entity\" }"), "{manifest}");
    assert!(manifest.contains("sea-orm-migration = \"2.0\""), "the stock dependency is kept: {manifest}");
}

#[tokio::test]
async fn init_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    project(root);
    fs::create_dir_all(root.join("migration")).unwrap();
    fs::write(root.join("migration/notes.txt"), "mine").unwrap();
    let (code, _, err) = cli(&["init", "--dir", root.to_str().unwrap()]).await;
    assert_eq!(code, 1);
    assert!(err.contains("never overwrites"), "{err}");
    assert_eq!(fs::read_to_string(root.join("migration/notes.txt")).unwrap(), "mine");
    let (code, _, err) = cli(&["init", "--dir", root.join("nowhere").to_str().unwrap()]).await;
    assert_eq!(code, 1);
    assert!(err.starts_with("error: no Cargo.toml in"), "{err}");
}
