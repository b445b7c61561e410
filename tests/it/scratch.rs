//! Generated code really compiles and runs: a scratch copy of the workspace, with representative
//! entity changes, drafts its migration with `autogenerate`, builds it and applies it on every
//! enabled backend.
//!
//! SLOW: this test runs `cargo build -p migration --offline` on a copy of the workspace. The
//! first run compiles every dependency into `<target>/scratch-workspace` (minutes); later runs
//! rebuild only the three workspace crates (the copied files keep their modification times,
//! so an unchanged `src/` is not even recompiled) and take well under a minute. The copy has
//! a target directory of its own because sharing the project's would overwrite the project's
//! own `entity`/`migration` artifacts (cargo gives workspace crates the same metadata hash
//! whichever directory the workspace is in) and would contend for the build lock.
//!
//! The copy (root `Cargo.toml` without its test and bench targets, `Cargo.lock`, `src/`,
//! `entity/`, `migration/`) gets these entity changes:
//!
//! - `users.last_login`: a new nullable column (`Option<DateTimeUtc>`);
//! - `tenants.plan`: a new `NOT NULL` column with a default (`'free'`), on a table with rows;
//! - `users.totp_secret`: dropped;
//! - `users.password_hash`: widened from `VARCHAR(255)` to `VARCHAR(512)` (a SQLite rebuild);
//! - `services.auth_type`: `NOT NULL` made nullable (a SQLite rebuild);
//! - `services.port`: `indexed` added;
//! - `api_keys`: a new entity, with a foreign key to `tenants`, registered in `entity` and in
//!   `migration::entities()`.
//!
//! (The reference entities have no enum, so no enum change.) Then, on the first enabled
//! backend (SQLite unless excluded): `up` to the reference head, seed rows, `check` fails (the
//! entities differ), `autogenerate representative_changes -y` writes the draft, the binary is
//! rebuilt, and `up` / `check` (clean) / `down` / `check` (fails: the draft is pending) / `up` /
//! `check` (clean) run, with the rows and the schema checked after each step. On every other
//! enabled backend the same drafted file runs the same sequence (its first `check` fails as
//! "not at head"). Every backend gets a fresh database of its own. A failing step prints the
//! binary's output and the draft; a failing `cargo build` fails the test.
//!
//! `SEAMIGRATE_TEST_SCRATCH_DRAFT_ON=postgres` (or `mysql`) drafts on that backend instead, to
//! check that a draft written against any backend serves the others. (Drafting on MySQL fails
//! at the time of writing: the draft spells out MySQL's `ON UPDATE RESTRICT`, which PostgreSQL
//! then reports as differing from the entities' NO ACTION.)

use crate::support::{self, Kind, TestDb};
use sea_orm::{ConnectionTrait, DatabaseConnection, QueryResult, Statement};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

/// The name given to `autogenerate`.
const DRAFT: &str = "representative_changes";

/// What `check` must list while the draft is not applied (the start of each line).
const DIFFERENCES: &[&str] = &[
    "create enum type api_key_scope ('read', 'write')",
    "create table api_keys",
    "add column tenants.plan",
    "add column users.last_login",
    "drop column users.totp_secret",
    "alter column users.password_hash",
    "alter column services.auth_type",
    "add index idx_services_port on services (port)",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drafted_migration_builds_and_runs_on_every_backend() {
    let backends: Vec<Kind> = drafting_order()
        .into_iter()
        .filter(|k| support::enabled(*k))
        .collect();
    assert!(!backends.is_empty(), "SEAMIGRATE_TEST_BACKENDS names no backend");

    let mut scratch = Scratch::copy_workspace();
    scratch.edit_entities();
    let reference = scratch.registered_versions();
    let head = reference.last().expect("the reference app has migrations").clone();
    scratch.build("edited entities");

    for (i, kind) in backends.into_iter().enumerate() {
        let scratch = &mut scratch;
        let head = head.as_str();
        support::run(kind, |db| async move { exercise(scratch, db, i == 0, head).await }).await;
    }
    let versions = scratch.registered_versions();
    assert_eq!(versions.len(), reference.len() + 1, "exactly one migration was drafted: {versions:?}");
}

/// The backends in the order they run; the first one drafts the migration. SQLite first, unless
/// `SEAMIGRATE_TEST_SCRATCH_DRAFT_ON` (sqlite, postgres or mysql) names another.
fn drafting_order() -> Vec<Kind> {
    let mut order = vec![Kind::Sqlite, Kind::Postgres, Kind::Mysql];
    if let Ok(name) = std::env::var("SEAMIGRATE_TEST_SCRATCH_DRAFT_ON") {
        let first = match name.trim().to_ascii_lowercase().as_str() {
            "sqlite" => Kind::Sqlite,
            "postgres" => Kind::Postgres,
            "mysql" => Kind::Mysql,
            other => panic!("SEAMIGRATE_TEST_SCRATCH_DRAFT_ON={other}: expected sqlite, postgres or mysql"),
        };
        order.retain(|k| *k != first);
        order.insert(0, first);
    }
    order
}

/// The whole sequence on one backend; `first` drafts the migration and rebuilds the binary.
async fn exercise(scratch: &mut Scratch, db: TestDb, first: bool, head: &str) {
    let kind = db.kind;
    eprintln!("scratch: {kind:?}{}", if first { " (drafts the migration)" } else { "" });
    scratch.ok(&db, &["up", "--to", head]);
    seed(&db).await;
    let rows = snapshot(&db).await;

    let check = scratch.cli(&db, &["check"]);
    if first {
        scratch.assert_differences(&check);
        let dir = scratch.root.join("migration/src");
        let dir = dir.to_str().expect("UTF-8 path");
        let drafted = scratch.ok(&db, &["-y", "autogenerate", DRAFT, "--dir", dir]);
        assert!(drafted.stdout.starts_with("Wrote "), "{}", scratch.explain(&drafted));
        scratch.find_draft();
        scratch.assert_draft();
        scratch.build("with the draft");
    } else {
        scratch.assert_not_at_head(&check);
    }

    let up = scratch.ok(&db, &["up"]);
    after_up(scratch, &db, &rows, &up).await;
    let clean = scratch.ok(&db, &["check"]);
    let in_sync = "The database is at head and matches the entities.\n";
    assert_eq!(clean.stdout, in_sync, "{}", scratch.explain(&clean));

    let down = scratch.ok(&db, &["down"]);
    after_down(scratch, &db, &rows, &down).await;
    let check = scratch.cli(&db, &["check"]);
    scratch.assert_not_at_head(&check);

    scratch.ok(&db, &["up"]);
    scratch.ok(&db, &["check"]);
    assert_eq!(snapshot(&db).await, rows, "{kind:?}: the rows after the second up");
}

/// Rows in the tables the draft changes, so that defaults fill and rebuilds copy real data.
async fn seed(db: &TestDb) {
    let conn = db.connect().await;
    for sql in [
        "INSERT INTO tenants (id, code, name, storage_quota_bytes, file_count_limit) \
         VALUES (1, 'acme', 'Acme', 1000000, 100), (2, 'globex', 'Globex', 2000000, 200)",
        "INSERT INTO users (id, tenant_id, email, username, password_hash, totp_secret, display_name) \
         VALUES (1, 1, 'ann@example.com', 'ann', 'hash-ann', 'totp-ann', 'Ann')",
        "INSERT INTO users (id, tenant_id, email, username, password_hash) \
         VALUES (2, NULL, 'bob@example.com', 'bob', 'hash-bob')",
        "INSERT INTO clusters (id, tenant_id, name, created_by) VALUES (1, 1, 'eu-1', 1)",
        "INSERT INTO services (id, cluster_id, name, host, port, auth_type, created_by) \
         VALUES (1, 1, 'api', 'api.internal', 443, 'mtls', 1), (2, 1, 'db', 'db.internal', 5432, 'password', 2)",
    ] {
        exec(&conn, sql).await;
    }
    let _ = conn.close().await;
}

/// The seeded rows, in the columns every version of the schema has.
async fn snapshot(db: &TestDb) -> Vec<String> {
    let conn = db.connect().await;
    let mut rows = Vec::new();
    for sql in [
        "SELECT id, code, name, storage_quota_bytes, file_count_limit FROM tenants ORDER BY id",
        "SELECT id, tenant_id, email, username, password_hash, display_name FROM users ORDER BY id",
        "SELECT id, tenant_id, name, created_by FROM clusters ORDER BY id",
        "SELECT id, cluster_id, name, host, port, auth_type, created_by FROM services ORDER BY id",
    ] {
        rows.extend(query(&conn, sql).await);
    }
    let _ = conn.close().await;
    rows
}

async fn after_up(scratch: &Scratch, db: &TestDb, rows: &[String], up: &Outcome) {
    let why = scratch.explain(up);
    assert_eq!(snapshot(db).await, rows, "the rows survive up\n{why}");
    let conn = db.connect().await;
    let plan = query(&conn, "SELECT id, plan FROM tenants ORDER BY id").await;
    assert_eq!(plan, ["1|free", "2|free"], "the NOT NULL column's default filled the rows\n{why}");
    let last_login = query(&conn, "SELECT id, last_login FROM users ORDER BY id").await;
    assert_eq!(last_login, ["1|NULL", "2|NULL"], "{why}");
    // auth_type takes NULL now; the row goes again so that `down` can restore NOT NULL.
    exec(
        &conn,
        "INSERT INTO services (id, cluster_id, name, host, port, auth_type, created_by) \
         VALUES (3, 1, 'tmp', 'tmp.internal', 1, NULL, 1)",
    )
    .await;
    exec(&conn, "DELETE FROM services WHERE id = 3").await;
    let key = "INSERT INTO api_keys (id, tenant_id, key_hash, usage_count, scope) VALUES (1, 1, 'k1', 5000000000, 'write')";
    exec(&conn, key).await;
    let keys = query(&conn, "SELECT id, tenant_id, key_hash, label FROM api_keys").await;
    assert_eq!(keys, ["1|1|k1|NULL"], "{why}");
    let orphan = "INSERT INTO api_keys (id, tenant_id, key_hash, scope) VALUES (2, 999, 'k2', 'read')";
    let refused = conn.execute_unprepared(orphan).await;
    assert!(refused.is_err(), "the foreign key to tenants refuses an unknown tenant\n{why}");
    let manager = sea_orm_migration::SchemaManager::new(&conn);
    assert!(!manager.has_column("users", "totp_secret").await.expect("catalog"), "{why}");
    let _ = conn.close().await;
}

async fn after_down(scratch: &Scratch, db: &TestDb, rows: &[String], down: &Outcome) {
    let why = scratch.explain(down);
    assert_eq!(snapshot(db).await, rows, "the rows survive down\n{why}");
    let conn = db.connect().await;
    assert!(!support::has_table(&conn, "api_keys").await, "{why}");
    let manager = sea_orm_migration::SchemaManager::new(&conn);
    assert!(!manager.has_column("tenants", "plan").await.expect("catalog"), "{why}");
    assert!(!manager.has_column("users", "last_login").await.expect("catalog"), "{why}");
    // The dropped column comes back, empty: its data went with `up`.
    let totp = query(&conn, "SELECT id, totp_secret FROM users ORDER BY id").await;
    assert_eq!(totp, ["1|NULL", "2|NULL"], "{why}");
    let _ = conn.close().await;
}

async fn exec(conn: &DatabaseConnection, sql: &str) {
    if let Err(e) = conn.execute_unprepared(sql).await {
        panic!("{sql}: {e}");
    }
}

/// The rows of `sql`, each as its cells joined with `|` (NULL as `NULL`).
async fn query(conn: &DatabaseConnection, sql: &str) -> Vec<String> {
    let stmt = Statement::from_string(conn.get_database_backend(), sql);
    let rows = conn.query_all_raw(stmt).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    rows.iter()
        .map(|row| {
            let cells: Vec<String> = (0..row.column_names().len()).map(|i| cell(row, i, sql)).collect();
            cells.join("|")
        })
        .collect()
}

/// One cell as text, whatever its type among those the queries above select.
fn cell(row: &QueryResult, i: usize, sql: &str) -> String {
    fn text<T: ToString>(v: Option<T>) -> String {
        v.map_or_else(|| "NULL".to_string(), |v| v.to_string())
    }
    if let Ok(v) = row.try_get_by_index::<Option<String>>(i) {
        return text(v);
    }
    if let Ok(v) = row.try_get_by_index::<Option<i32>>(i) {
        return text(v);
    }
    if let Ok(v) = row.try_get_by_index::<Option<i64>>(i) {
        return text(v);
    }
    if let Ok(v) = row.try_get_by_index::<Option<chrono::DateTime<chrono::FixedOffset>>>(i) {
        return text(v);
    }
    if let Ok(v) = row.try_get_by_index::<Option<chrono::NaiveDateTime>>(i) {
        return text(v);
    }
    panic!("{sql}: column {i} has a type this test does not read");
}

/// One run of the scratch binary.
struct Outcome {
    args: String,
    code: i32,
    stdout: String,
    stderr: String,
}

/// The copy of the workspace, its target directory and (once written) the drafted file.
struct Scratch {
    _dir: tempfile::TempDir,
    root: PathBuf,
    target: PathBuf,
    draft: Option<PathBuf>,
}

impl Scratch {
    /// Copies what `cargo build -p migration` needs; the root manifest loses its test and
    /// bench targets (their sources are not copied) and keeps everything else.
    fn copy_workspace() -> Scratch {
        let project = Path::new(env!("CARGO_MANIFEST_DIR"));
        let dir = tempfile::Builder::new().prefix("seamigrate-scratch-").tempdir().expect("temp dir");
        let root = dir.path().to_path_buf();
        for name in ["src", "entity", "migration"] {
            copy_tree(&project.join(name), &root.join(name));
        }
        copy_file(&project.join("Cargo.lock"), &root.join("Cargo.lock"));
        let manifest = fs::read_to_string(project.join("Cargo.toml")).expect("read Cargo.toml");
        let minimal = without_targets(&manifest);
        assert!(minimal.contains("[workspace]") && minimal.contains("[package]"), "{minimal}");
        assert!(!manifest.contains("[profile.dev]") || minimal.contains("[profile.dev]"), "{minimal}");
        fs::write(root.join("Cargo.toml"), minimal).expect("write Cargo.toml");
        // `<target>/tmp` is CARGO_TARGET_TMPDIR; the copy builds beside it.
        let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
        let target = tmp.parent().unwrap_or(tmp).join("scratch-workspace");
        Scratch { _dir: dir, root, target, draft: None }
    }

    /// The representative changes, as edits of the copied sources.
    fn edit_entities(&self) {
        let entity = self.root.join("entity/src");
        let users = entity.join("users.rs");
        edit(
            &users,
            "    pub display_name: Option<String>,\n}",
            "    pub display_name: Option<String>,\n    pub last_login: Option<DateTimeUtc>,\n}",
        );
        edit(
            &users,
            "    #[sea_orm(column_type = \"String(StringLen::N(255))\", nullable)]\n    pub totp_secret: Option<String>,\n",
            "",
        );
        edit(
            &users,
            "    #[sea_orm(column_type = \"String(StringLen::N(255))\")]\n    pub password_hash: String,",
            "    #[sea_orm(column_type = \"String(StringLen::N(512))\")]\n    pub password_hash: String,",
        );
        edit(
            &entity.join("tenants.rs"),
            "    pub file_count_limit: i32,\n",
            "    pub file_count_limit: i32,\n    \
             #[sea_orm(column_type = \"String(StringLen::N(32))\", default_value = \"free\")]\n    \
             pub plan: String,\n",
        );
        let services = entity.join("services.rs");
        edit(
            &services,
            "    #[sea_orm(column_type = \"String(StringLen::N(255))\")]\n    pub auth_type: String,",
            "    #[sea_orm(column_type = \"String(StringLen::N(255))\", nullable)]\n    pub auth_type: Option<String>,",
        );
        edit(&services, "    pub port: i32,", "    #[sea_orm(indexed)]\n    pub port: i32,");
        fs::write(entity.join("api_keys.rs"), API_KEYS).expect("write api_keys.rs");
        edit(&entity.join("lib.rs"), "pub mod certificates;", "pub mod api_keys;\npub mod certificates;");
        edit(
            &self.root.join("migration/src/lib.rs"),
            "        .register(credentials::Entity)\n",
            "        .register(credentials::Entity)\n        .register(api_keys::Entity)\n",
        );
    }

    /// The versions `migration/src/lib.rs` registers, in order.
    fn registered_versions(&self) -> Vec<String> {
        let lib = fs::read_to_string(self.root.join("migration/src/lib.rs")).expect("read lib.rs");
        lib.lines()
            .filter_map(|l| l.trim().strip_prefix("Box::new(")?.strip_suffix("::Migration),"))
            .map(str::to_string)
            .collect()
    }

    /// `cargo build -p migration --offline` in the copy; any failure fails the test.
    fn build(&self, what: &str) {
        let started = Instant::now();
        let output = Command::new(env!("CARGO"))
            .args(["build", "-p", "migration", "--offline", "--manifest-path"])
            .arg(self.root.join("Cargo.toml"))
            .current_dir(&self.root)
            .env("CARGO_TARGET_DIR", &self.target)
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", env!("CARGO")));
        assert!(
            output.status.success(),
            "cargo build of the scratch workspace ({what}) failed: {}\n{}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr),
            self.draft_text()
        );
        eprintln!("scratch: build ({what}) took {:.1?}", started.elapsed());
    }

    fn binary(&self) -> PathBuf {
        self.target.join("debug").join(format!("migration{}", std::env::consts::EXE_SUFFIX))
    }

    /// Runs the scratch binary on `db` with `args`, from the copy's root.
    fn cli(&self, db: &TestDb, args: &[&str]) -> Outcome {
        let mut command = Command::new(self.binary());
        command
            .args(["-u", &db.url])
            .args(args)
            .current_dir(&self.root)
            .stdin(Stdio::null());
        for var in ["DATABASE_URL", "DATABASE_SCHEMA", "APP_ENV"] {
            command.env_remove(var);
        }
        let output = tokio::task::block_in_place(|| command.output())
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", self.binary().display()));
        Outcome {
            args: format!("{:?} {}", db.kind, args.join(" ")),
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// As [`Scratch::cli`], which must exit 0.
    fn ok(&self, db: &TestDb, args: &[&str]) -> Outcome {
        let outcome = self.cli(db, args);
        assert_eq!(outcome.code, 0, "{}", self.explain(&outcome));
        outcome
    }

    /// `check` failed listing every change of [`DIFFERENCES`] and nothing else.
    fn assert_differences(&self, check: &Outcome) {
        assert_eq!(check.code, 1, "{}", self.explain(check));
        let listed: Vec<&str> = check.stdout.lines().filter_map(|l| l.strip_prefix("  ")).collect();
        for want in DIFFERENCES {
            let found = listed.iter().any(|l| l.starts_with(want));
            assert!(found, "`check` misses `{want}`\n{}", self.explain(check));
        }
        assert_eq!(listed.len(), DIFFERENCES.len(), "{}", self.explain(check));
    }

    /// `check` failed because the draft is pending.
    fn assert_not_at_head(&self, check: &Outcome) {
        assert_eq!(check.code, 1, "{}", self.explain(check));
        let version = self.draft_version();
        let pending = format!("error: the database is not at head: 1 migration(s) pending ({version})");
        assert!(check.stderr.starts_with(&pending), "{}", self.explain(check));
    }

    /// The drafted migration's version (its file name without `.rs`).
    fn draft_version(&self) -> String {
        let draft = self.draft.as_ref().expect("the draft is written");
        draft.file_stem().and_then(|s| s.to_str()).expect("UTF-8 file name").to_string()
    }

    fn find_draft(&mut self) {
        let dir = self.root.join("migration/src");
        let suffix = format!("_{DRAFT}.rs");
        let found: Vec<PathBuf> = fs::read_dir(&dir)
            .expect("read migration/src")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.to_string_lossy().ends_with(&suffix))
            .collect();
        assert_eq!(found.len(), 1, "one drafted file in {}: {found:?}", dir.display());
        self.draft = found.into_iter().next();
    }

    /// What a reviewer would look for: the warning on the drop, the SQLite-safe helpers.
    fn assert_draft(&self) {
        let source = self.draft_text();
        for want in [
            "// WARNING: drops column users.totp_secret and its data",
            "seamigrate::batch::change_column(",
            "seamigrate::batch::drop_column(",
            "fn down(",
        ] {
            assert!(source.contains(want), "the draft lacks `{want}`\n{source}");
        }
    }

    fn draft_text(&self) -> String {
        match &self.draft {
            Some(path) => {
                let text = fs::read_to_string(path).unwrap_or_else(|e| format!("(unreadable: {e})"));
                format!("--- drafted {} ---\n{text}", path.display())
            }
            None => "(no draft written yet)".to_string(),
        }
    }

    fn explain(&self, outcome: &Outcome) -> String {
        format!(
            "`migration {}` exited {}\n--- stdout ---\n{}--- stderr ---\n{}{}",
            outcome.args,
            outcome.code,
            outcome.stdout,
            outcome.stderr,
            self.draft_text()
        )
    }
}

/// The new entity: a table with a foreign key to `tenants`, a unique column and defaults.
const API_KEYS: &str = r#"//! The `api_keys` table: a tenant's API keys (added by the scratch-workspace test).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "api_keys")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub tenant_id: i32,
    #[sea_orm(column_type = "String(StringLen::N(255))", unique)]
    pub key_hash: String,
    #[sea_orm(column_type = "String(StringLen::N(255))", nullable)]
    pub label: Option<String>,
    #[sea_orm(default_value = true)]
    pub is_active: bool,
    #[sea_orm(default_expr = "Expr::current_timestamp()")]
    pub created_at: DateTimeWithTimeZone,
    pub expires_at: Option<DateTimeWithTimeZone>,
    /// 64-bit: SQLite stores every integer alike, so a draft made there must still say BIGINT.
    #[sea_orm(default_value = 0)]
    pub usage_count: i64,
    /// An enum type: PostgreSQL's own type, MySQL's ENUM, SQLite's text.
    pub scope: Scope,
}

#[derive(Clone, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "Enum", enum_name = "api_key_scope")]
pub enum Scope {
    #[sea_orm(string_value = "read")]
    Read,
    #[sea_orm(string_value = "write")]
    Write,
}


#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::tenants::Entity",
        from = "Column::TenantId",
        to = "super::tenants::Column::Id",
        on_delete = "Cascade",
        fk_name = "fk_api_keys_tenant_id"
    )]
    Tenants,
}

impl Related<super::tenants::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Tenants.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
"#;

/// Replaces the one occurrence of `from` in the file at `path` with `to`.
fn edit(path: &Path, from: &str, to: &str) {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    assert_eq!(text.matches(from).count(), 1, "{}: anchor not found once: {from:?}", path.display());
    fs::write(path, text.replacen(from, to, 1)).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}

/// `manifest` without its `[[test]]`, `[[bench]]` and `[[example]]` sections.
fn without_targets(manifest: &str) -> String {
    let mut keep = true;
    let mut out = String::new();
    for line in manifest.lines() {
        let header = line.trim_start();
        if header.starts_with('[') {
            keep = !["[[test]]", "[[bench]]", "[[example]]"].iter().any(|t| header.starts_with(t));
        }
        if keep {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// Copies a source tree without `target/` and hidden entries, keeping modification times.
fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap_or_else(|e| panic!("create {}: {e}", to.display()));
    for entry in fs::read_dir(from).unwrap_or_else(|e| panic!("read {}: {e}", from.display())) {
        let entry = entry.expect("directory entry");
        let name = entry.file_name();
        if name == "target" || name.to_string_lossy().starts_with('.') {
            continue;
        }
        let kind = entry.file_type().expect("file type");
        if kind.is_dir() {
            copy_tree(&entry.path(), &to.join(&name));
        } else if kind.is_file() {
            copy_file(&entry.path(), &to.join(&name));
        }
    }
}

/// Copies a file with its modification time, so that cargo sees unchanged sources as such.
fn copy_file(from: &Path, to: &Path) {
    fs::copy(from, to).unwrap_or_else(|e| panic!("copy {}: {e}", from.display()));
    let modified = fs::metadata(from).and_then(|m| m.modified()).expect("mtime");
    let file = fs::File::options().write(true).open(to).expect("open the copy");
    file.set_modified(modified).expect("set mtime");
}
