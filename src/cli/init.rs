//! `init`: adds seamigrate to an existing Cargo project in one step. It creates the `migration`
//! crate (its `main.rs` hands over to seamigrate with the project's entities registered, and a
//! first, empty migration), or, where a stock sea-orm migration crate is there already, points
//! that crate's `main.rs` at seamigrate and adds the entity registration; then it adds the
//! crate to the workspace. It never overwrites a file it did not expect to find.
//!
//! Manifests are edited with `toml_edit`, which keeps their comments and layout.

use super::generate;
use std::fs;
use std::path::{Path, PathBuf};
use toml_edit::{Array, DocumentMut, InlineTable, Item, Table, Value, value};

/// Why `init` did nothing.
#[derive(Debug, thiserror::Error)]
pub enum InitError {
    #[error("no Cargo.toml in {0}; run `init` at the root of the Cargo project (or pass --dir)")]
    NoProject(PathBuf),
    #[error(
        "{0} exists and is not a sea-orm migration crate; `init` never overwrites it. Move it \
         aside, or set seamigrate up by hand (see docs/adopting.md)"
    )]
    Occupied(PathBuf),
    #[error("{0} already hands over to seamigrate; nothing to do")]
    AlreadySetUp(PathBuf),
    #[error("cannot {what} {path}: {source}")]
    Io { what: &'static str, path: PathBuf, source: std::io::Error },
    #[error("cannot read {path} as TOML: {reason}; fix the manifest, then run `init` again")]
    Manifest { path: PathBuf, reason: String },
    #[error(transparent)]
    Generate(#[from] generate::GenerateError),
}

/// What `init` is asked to do.
pub struct InitOptions {
    /// The project's root (where its `Cargo.toml` is).
    pub root: PathBuf,
    /// Depend on seamigrate at this path instead of its published version.
    pub seamigrate_path: Option<PathBuf>,
}

/// What `init` did.
#[derive(Debug, Default, serde::Serialize)]
pub struct Initialised {
    pub created: Vec<PathBuf>,
    pub changed: Vec<PathBuf>,
    /// The entities registered, as Rust paths (`entity::users::Entity`).
    pub entities: Vec<String>,
    /// Whether a stock migration crate was converted rather than a new one created.
    pub converted: bool,
}

/// Where the project's entities are: the crate that holds them (its name and its path from
/// the migration crate) and the module each one is in.
struct Entities {
    krate: String,
    path: String,
    modules: Vec<String>,
}

pub fn init(options: &InitOptions) -> Result<Initialised, InitError> {
    let root = &options.root;
    let manifest = root.join("Cargo.toml");
    if !manifest.is_file() {
        return Err(InitError::NoProject(root.clone()));
    }
    let entities = find_entities(root)?;
    let crate_dir = root.join("migration");
    let mut done = Initialised {
        entities: entities.iter().flat_map(|e| e.modules.iter().map(|m| format!("{}::{m}::Entity", e.krate))).collect(),
        ..Initialised::default()
    };
    let main = crate_dir.join("src/main.rs");
    if crate_dir.join("Cargo.toml").is_file() && main.is_file() {
        let text = read(&main)?;
        if text.contains("seamigrate::cli") {
            return Err(InitError::AlreadySetUp(main));
        }
        if !text.contains("run_cli") {
            return Err(InitError::Occupied(crate_dir));
        }
        convert(&crate_dir, entities.as_ref(), options, &mut done)?;
    } else if crate_dir.exists() {
        return Err(InitError::Occupied(crate_dir));
    } else {
        create(root, &crate_dir, entities.as_ref(), options, &mut done)?;
    }
    if add_member(&manifest)? {
        done.changed.push(manifest);
    }
    Ok(done)
}

/// A new `migration` crate: manifest, `lib.rs` with the entity registration, a one-line
/// `main.rs`, and a first, empty migration (registered as `generate` registers one).
fn create(
    root: &Path,
    dir: &Path,
    entities: Option<&Entities>,
    options: &InitOptions,
    done: &mut Initialised,
) -> Result<(), InitError> {
    let src = dir.join("src");
    fs::create_dir_all(&src).map_err(io("create", &src))?;
    let mut manifest = DocumentMut::new();
    let mut package = Table::new();
    package["name"] = value("migration");
    package["version"] = value("0.1.0");
    package["edition"] = value(edition(root)?);
    package["publish"] = value(false);
    manifest["package"] = Item::Table(package);
    manifest["dependencies"] = Item::Table(Table::new());
    add_dependencies(&mut manifest, entities, options);
    write(&dir.join("Cargo.toml"), &manifest.to_string(), done)?;
    write(&src.join("lib.rs"), &lib_rs(entities), done)?;
    write(&src.join("main.rs"), MAIN_RS, done)?;
    let first = generate::generate("initial", Some(&src), chrono::Utc::now())?;
    done.created.push(first.file);
    Ok(())
}

/// A stock migration crate: its `main.rs` hands over to seamigrate, its `lib.rs` gains the
/// entity registration, its manifest the dependencies.
fn convert(dir: &Path, entities: Option<&Entities>, options: &InitOptions, done: &mut Initialised) -> Result<(), InitError> {
    done.converted = true;
    let manifest_path = dir.join("Cargo.toml");
    let mut manifest = parse(&manifest_path)?;
    add_dependencies(&mut manifest, entities, options);
    fs::write(&manifest_path, manifest.to_string()).map_err(io("write", &manifest_path))?;
    done.changed.push(manifest_path);
    let lib = dir.join("src/lib.rs");
    let text = read(&lib)?;
    if !text.contains("fn entities()") {
        let text = format!("{}\n{}", text.trim_end(), entities_fn(entities));
        fs::write(&lib, text).map_err(io("write", &lib))?;
        done.changed.push(lib);
    }
    let main = dir.join("src/main.rs");
    fs::write(&main, MAIN_RS).map_err(io("write", &main))?;
    done.changed.push(main);
    Ok(())
}

const MAIN_RS: &str = "fn main() {\n    seamigrate::cli::main_with_entities::<migration::Migrator>(migration::entities())\n}\n";

fn lib_rs(entities: Option<&Entities>) -> String {
    format!(
        "pub use sea_orm_migration::prelude::*;\n\n/// This project's migrations, oldest first.\npub struct Migrator;\n\n\
         #[async_trait::async_trait]\nimpl MigratorTrait for Migrator {{\n    fn migrations() -> Vec<Box<dyn MigrationTrait>> {{\n        \
         vec![\n        ]\n    }}\n}}\n\n{}",
        entities_fn(entities)
    )
}

/// `pub fn entities()`, registering each entity found (none when none was found).
fn entities_fn(entities: Option<&Entities>) -> String {
    let mut out = String::from(
        "/// The entities `autogenerate` and `check` compare the database with; declare here what\n\
         /// their attributes cannot (composite indexes) with `.index(...)`.\n\
         pub fn entities() -> seamigrate::schema::EntitySet {\n    seamigrate::schema::EntitySet::new()",
    );
    for e in entities.iter() {
        for module in &e.modules {
            out.push_str(&format!("\n        .register({}::{module}::Entity)", e.krate.replace('-', "_")));
        }
    }
    out.push_str("\n}\n");
    out
}

fn add_dependencies(manifest: &mut DocumentMut, entities: Option<&Entities>, options: &InitOptions) {
    let deps = manifest["dependencies"].or_insert(Item::Table(Table::new()));
    let mut seamigrate = InlineTable::new();
    match &options.seamigrate_path {
        Some(path) => seamigrate.insert("path", path.display().to_string().into()),
        None => seamigrate.insert("version", env!("CARGO_PKG_VERSION").into()),
    };
    deps["seamigrate"] = value(seamigrate);
    if deps.get("sea-orm-migration").is_none() {
        let mut stock = InlineTable::new();
        stock.insert("version", "2.0".into());
        stock.insert("default-features", false.into());
        let features: Array = ["sqlx-postgres", "sqlx-mysql", "sqlx-sqlite", "runtime-tokio-rustls"].into_iter().collect();
        stock.insert("features", Value::Array(features));
        deps["sea-orm-migration"] = value(stock);
    }
    if let Some(e) = entities
        && deps.get(&e.krate).is_none()
    {
        let mut path = InlineTable::new();
        path.insert("path", e.path.as_str().into());
        deps[e.krate.as_str()] = value(path);
    }
}

/// Adds `migration` to the workspace's members (making the project a workspace if it is a
/// single package); whether the manifest changed.
fn add_member(manifest_path: &Path) -> Result<bool, InitError> {
    let mut manifest = parse(manifest_path)?;
    let is_package = manifest.get("package").is_some();
    let workspace = manifest["workspace"].or_insert(Item::Table(Table::new()));
    let members = workspace["members"].or_insert(value(Array::new()));
    let Some(list) = members.as_array_mut() else {
        return Err(InitError::Manifest { path: manifest_path.into(), reason: "workspace.members is not a list".into() });
    };
    if list.iter().any(|m| m.as_str() == Some("migration")) {
        return Ok(false);
    }
    if is_package && !list.iter().any(|m| m.as_str() == Some(".")) {
        list.push(".");
    }
    list.push("migration");
    fs::write(manifest_path, manifest.to_string()).map_err(io("write", manifest_path))?;
    Ok(true)
}

/// The entities: an `entity` (or `entities`) crate beside the migration crate, else the
/// project's own `src/entity` (or `src/entities`) module. An entity is a file with
/// `DeriveEntityModel` in it; its module is the file's name.
fn find_entities(root: &Path) -> Result<Option<Entities>, InitError> {
    for name in ["entity", "entities"] {
        let manifest = root.join(name).join("Cargo.toml");
        if manifest.is_file() {
            let krate = package_name(&manifest)?.unwrap_or_else(|| name.to_string());
            let modules = entity_modules(&root.join(name).join("src"))?;
            return Ok(Some(Entities { krate: krate.replace('-', "_"), path: format!("../{name}"), modules }));
        }
    }
    for name in ["entity", "entities"] {
        let dir = root.join("src").join(name);
        if dir.is_dir() {
            let Some(krate) = package_name(&root.join("Cargo.toml"))? else { continue };
            let modules = entity_modules(&dir)?.into_iter().map(|m| format!("{name}::{m}")).collect();
            return Ok(Some(Entities { krate: krate.replace('-', "_"), path: "..".into(), modules }));
        }
    }
    Ok(None)
}

fn entity_modules(dir: &Path) -> Result<Vec<String>, InitError> {
    let mut modules = Vec::new();
    let entries = fs::read_dir(dir).map_err(io("list", dir))?;
    for entry in entries {
        let path = entry.map_err(io("list", dir))?.path();
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_string();
        let rust = path.extension().is_some_and(|e| e == "rs");
        if rust && !["lib", "mod", "prelude"].contains(&stem.as_str()) && read(&path)?.contains("DeriveEntityModel") {
            modules.push(stem);
        }
    }
    modules.sort();
    Ok(modules)
}

fn package_name(manifest: &Path) -> Result<Option<String>, InitError> {
    let doc = parse(manifest)?;
    Ok(doc.get("package").and_then(|p| p.get("name")).and_then(Item::as_str).map(str::to_string))
}

/// The project's edition, for the new crate: its package's, its workspace's, else 2021.
fn edition(root: &Path) -> Result<String, InitError> {
    let doc = parse(&root.join("Cargo.toml"))?;
    let own = doc.get("package").and_then(|p| p.get("edition")).and_then(Item::as_str);
    let shared = doc.get("workspace").and_then(|w| w.get("package")).and_then(|p| p.get("edition")).and_then(Item::as_str);
    Ok(own.or(shared).unwrap_or("2021").to_string())
}

fn parse(path: &Path) -> Result<DocumentMut, InitError> {
    read(path)?
        .parse::<DocumentMut>()
        .map_err(|e| InitError::Manifest { path: path.into(), reason: e.message().to_string() })
}

fn read(path: &Path) -> Result<String, InitError> {
    fs::read_to_string(path).map_err(io("read", path))
}

fn write(path: &Path, text: &str, done: &mut Initialised) -> Result<(), InitError> {
    fs::write(path, text).map_err(io("write", path))?;
    done.created.push(path.to_path_buf());
    Ok(())
}

fn io(what: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> InitError {
    let path = path.to_path_buf();
    move |source| InitError::Io { what, path, source }
}
