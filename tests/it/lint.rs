//! `lint`: every rule with a migration that breaks it and one that does not, on each backend,
//! against a database where the tables the migrations touch already exist; acknowledgement;
//! the production gate of `up`.

use crate::cli::cli;
use crate::on_each_backend;
use crate::support::{Kind, TestDb};
use sea_orm::sea_query::{
    DeleteStatement, Expr, ForeignKeyCreateStatement, IndexCreateStatement, Query,
    TableAlterStatement, TableCreateStatement, TableDropStatement, TableTruncateStatement,
    UpdateStatement,
};
use sea_orm_migration::prelude::*;
use seamigrate::lint::Finding;
use seamigrate::runner::LintScope;
use seamigrate::{Migrator, RunOptions, UpTarget};

on_each_backend!(every_rule_has_a_positive_and_a_negative_case, acknowledged_findings_do_not_fail);

/// One statement of a test migration.
#[derive(Clone)]
enum Op {
    Create(TableCreateStatement),
    Alter(TableAlterStatement),
    Drop(TableDropStatement),
    Truncate(TableTruncateStatement),
    Index(IndexCreateStatement),
    ForeignKey(ForeignKeyCreateStatement),
    Delete(DeleteStatement),
    Update(UpdateStatement),
    Sql(&'static str),
}

async fn run(manager: &SchemaManager<'_>, op: &Op) -> Result<(), DbErr> {
    match op.clone() {
        Op::Create(s) => manager.execute(s).await,
        Op::Alter(s) => manager.execute(s).await,
        Op::Drop(s) => manager.execute(s).await,
        Op::Truncate(s) => manager.execute(s).await,
        Op::Index(s) => manager.execute(s).await,
        Op::ForeignKey(s) => manager.execute(s).await,
        Op::Delete(s) => manager.execute(s).await,
        Op::Update(s) => manager.execute(s).await,
        Op::Sql(sql) => manager.get_connection().execute_unprepared(sql).await.map(|_| ()),
    }
}

/// A migration made of `up` and `down` statements, acknowledging `allow` rules in `up()`.
struct Scripted {
    version: &'static str,
    up: Vec<Op>,
    down: Vec<Op>,
    allow: &'static [&'static str],
}

impl MigrationName for Scripted {
    fn name(&self) -> &str {
        self.version
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Scripted {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for rule in self.allow {
            seamigrate::lint::allow(rule, "intended by the test");
        }
        for op in &self.up {
            run(manager, op).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for op in &self.down {
            run(manager, op).await?;
        }
        Ok(())
    }
}

fn a(name: &str) -> Alias {
    Alias::new(name)
}

/// `accounts` and `archive`, created by the base migration everything else is linted against.
fn base() -> Scripted {
    let accounts = Table::create()
        .table(a("accounts"))
        .col(ColumnDef::new(a("id")).integer().not_null().auto_increment().primary_key())
        .col(ColumnDef::new(a("email")).string_len(100).not_null())
        .col(ColumnDef::new(a("note")).text().null())
        .col(ColumnDef::new(a("age")).integer().null())
        .to_owned();
    let archive = Table::create()
        .table(a("archive"))
        .col(ColumnDef::new(a("id")).integer().not_null().auto_increment().primary_key())
        .to_owned();
    let drop = |t: &str| Op::Drop(Table::drop().table(a(t)).to_owned());
    Scripted {
        version: "m00_base",
        up: vec![Op::Create(accounts), Op::Create(archive)],
        down: vec![drop("accounts"), drop("archive")],
        allow: &[],
    }
}

fn alter(change: impl FnOnce(&mut TableAlterStatement)) -> Op {
    let mut stmt = Table::alter();
    stmt.table(a("accounts"));
    change(&mut stmt);
    Op::Alter(stmt.to_owned())
}

fn add_column(def: ColumnDef) -> Op {
    alter(|s| {
        s.add_column(def);
    })
}

fn drop_column(name: &str) -> Op {
    alter(|s| {
        s.drop_column(a(name));
    })
}

fn index(name: &str, table: &str) -> Op {
    Op::Index(Index::create().name(name).table(a(table)).col(a("id")).to_owned())
}

/// Each case: a migration, and the rule ids `lint` must report for it on `kind`.
fn cases(kind: Kind) -> Vec<(Scripted, Vec<&'static str>)> {
    let pg = kind == Kind::Postgres;
    let only_pg = |rules: Vec<&'static str>| if pg { rules } else { vec![] };
    let restore_note = add_column(ColumnDef::new(a("note")).text().null().to_owned());
    let mut cases = vec![
        (
            Scripted { version: "m01_drop_table", up: vec![Op::Drop(Table::drop().table(a("archive")).to_owned())], down: vec![], allow: &[] },
            vec!["drop-table", "empty-down"],
        ),
        (
            Scripted { version: "m02_drop_column", up: vec![drop_column("note")], down: vec![restore_note.clone()], allow: &[] },
            vec!["drop-column"],
        ),
        (
            Scripted {
                version: "m03_delete_all",
                up: vec![Op::Delete(Query::delete().from_table(a("accounts")).to_owned())],
                down: vec![],
                allow: &[],
            },
            vec!["delete-without-where", "empty-down"],
        ),
        (
            Scripted {
                version: "m04_delete_some",
                up: vec![Op::Delete(Query::delete().from_table(a("accounts")).and_where(Expr::col(a("age")).lt(0)).to_owned())],
                down: vec![],
                allow: &[],
            },
            vec!["empty-down"],
        ),
        (
            Scripted {
                version: "m05_update_all",
                up: vec![Op::Update(Query::update().table(a("accounts")).value(a("age"), 1).to_owned())],
                down: vec![Op::Update(Query::update().table(a("accounts")).value(a("age"), 0).and_where(Expr::col(a("id")).eq(1)).to_owned())],
                allow: &[],
            },
            vec!["update-without-where"],
        ),
        (
            Scripted {
                version: "m06_not_null_without_default",
                up: vec![add_column(ColumnDef::new(a("score")).integer().not_null().to_owned())],
                down: vec![drop_column("score")],
                allow: &[],
            },
            vec!["not-null-without-default"],
        ),
        (
            Scripted {
                version: "m07_not_null_with_default",
                up: vec![add_column(ColumnDef::new(a("rank")).integer().not_null().default(0).to_owned())],
                down: vec![drop_column("rank")],
                allow: &[],
            },
            vec![],
        ),
        (
            Scripted { version: "m08_index_on_existing_table", up: vec![index("idx_accounts_id", "accounts")], down: vec![], allow: &[] },
            [only_pg(vec!["index-without-concurrently"]), vec!["empty-down"]].concat(),
        ),
        (
            Scripted {
                version: "m09_table_and_index_left_behind",
                up: vec![
                    Op::Create(Table::create().table(a("fresh")).col(ColumnDef::new(a("id")).integer().not_null().primary_key()).to_owned()),
                    index("idx_fresh_id", "fresh"),
                    add_column(ColumnDef::new(a("nick")).string_len(20).null().to_owned()),
                ],
                down: vec![drop_column("nick")],
                allow: &[],
            },
            vec!["incomplete-down"],
        ),
    ];
    let scratch = Table::create()
        .table(a("scratch"))
        .col(ColumnDef::new(a("id")).integer().not_null().primary_key())
        .col(ColumnDef::new(a("total")).integer().not_null())
        .to_owned();
    cases.push((
        Scripted {
            version: "m14_only_new_tables",
            up: vec![
                Op::Create(scratch),
                index("idx_scratch_id", "scratch"),
                Op::Delete(Query::delete().from_table(a("scratch")).to_owned()),
                Op::Drop(Table::drop().table(a("scratch")).to_owned()),
            ],
            down: vec![Op::Update(Query::update().table(a("accounts")).value(a("age"), 0).and_where(Expr::col(a("id")).eq(0)).to_owned())],
            allow: &[],
        },
        vec![],
    ));
    if kind != Kind::Sqlite {
        // SQLite alters no column type in place (a rebuild does), and has no TRUNCATE.
        let narrower = ColumnDef::new(a("email")).string_len(50).not_null().to_owned();
        let wider = ColumnDef::new(a("email")).string_len(200).not_null().to_owned();
        let modify = |def: ColumnDef| alter(|s| { s.modify_column(def); });
        cases.push((
            Scripted { version: "m10_narrow", up: vec![modify(narrower.clone())], down: vec![modify(wider.clone())], allow: &[] },
            // email is NOT NULL already: the SET NOT NULL that modify_column writes scans nothing.
            [vec!["narrowing-type"], only_pg(vec!["type-change-rewrite"])].concat(),
        ));
        cases.push((
            Scripted { version: "m11_widen", up: vec![modify(wider)], down: vec![modify(narrower)], allow: &[] },
            only_pg(vec!["type-change-rewrite"]),
        ));
        // age may be NULL: making it NOT NULL scans the table under its lock.
        let age = |def: &mut ColumnDef| def.integer().to_owned();
        let age_not_null = age(ColumnDef::new(a("age")).not_null());
        let age_null = age(ColumnDef::new(a("age")).null());
        cases.push((
            Scripted { version: "m15_age_not_null", up: vec![modify(age_not_null)], down: vec![modify(age_null)], allow: &[] },
            only_pg(vec!["type-change-rewrite", "set-not-null"]),
        ));
        cases.push((
            Scripted { version: "m12_truncate", up: vec![Op::Truncate(Table::truncate().table(a("archive")).to_owned())], down: vec![], allow: &[] },
            vec!["truncate", "empty-down"],
        ));
        let fk = ForeignKey::create()
            .name("fk_accounts_age")
            .from(a("accounts"), a("age"))
            .to(a("archive"), a("id"))
            .to_owned();
        let drop_fk = alter(|s| { s.drop_foreign_key(a("fk_accounts_age")); });
        cases.push((
            Scripted { version: "m13_foreign_key", up: vec![Op::ForeignKey(fk)], down: vec![drop_fk], allow: &[] },
            only_pg(vec!["foreign-key-without-not-valid"]),
        ));
        let add_check = Op::Sql("ALTER TABLE accounts ADD CONSTRAINT ck_accounts_age CHECK (age >= 0)");
        let drop_check = Op::Sql("ALTER TABLE accounts DROP CONSTRAINT ck_accounts_age");
        cases.push((
            Scripted { version: "m16_check", up: vec![add_check], down: vec![drop_check], allow: &[] },
            only_pg(vec!["check-without-not-valid"]),
        ));
    }
    cases
}

fn rules(findings: &[Finding], version: &str) -> Vec<&'static str> {
    let mut ids: Vec<&'static str> = findings.iter().filter(|f| f.version == version).map(|f| f.rule.id()).collect();
    ids.sort();
    ids
}

async fn applied_base(db: &TestDb, rest: Vec<Box<dyn MigrationTrait>>) -> Migrator {
    let mut all: Vec<Box<dyn MigrationTrait>> = vec![Box::new(base())];
    all.extend(rest);
    let migrator = Migrator::from_migrations(db.connect().await, all).expect("migrations");
    migrator.up(&UpTarget::Steps(1), &RunOptions::default()).await.expect("base applied");
    migrator
}

async fn every_rule_has_a_positive_and_a_negative_case(db: TestDb) {
    let (migrations, expected): (Vec<Scripted>, Vec<Vec<&str>>) = cases(db.kind).into_iter().unzip();
    let versions: Vec<&str> = migrations.iter().map(|m| m.version).collect();
    let boxed = migrations.into_iter().map(|m| Box::new(m) as Box<dyn MigrationTrait>).collect();
    let migrator = applied_base(&db, boxed).await;
    let findings = migrator.lint(&LintScope::Pending).await.expect("lint");
    for (version, mut want) in versions.iter().zip(expected) {
        want.sort();
        assert_eq!(rules(&findings, version), want, "{version} on {:?}: {findings:#?}", db.kind);
    }
    let base_findings = migrator.lint(&LintScope::Version("m00".into())).await.expect("lint one");
    assert!(base_findings.is_empty(), "{base_findings:#?}");
    let drop = findings.iter().find(|f| f.rule.id() == "drop-column").expect("drop-column");
    assert_eq!(drop.message, "drops column accounts.note and its data");
    assert!(drop.statement.as_deref().is_some_and(|s| s.contains("DROP COLUMN")), "{drop:?}");
    assert!(!drop.acknowledged);
}

async fn acknowledged_findings_do_not_fail(db: TestDb) {
    let intended = Scripted {
        version: "m01_drop_note",
        up: vec![drop_column("note")],
        down: vec![add_column(ColumnDef::new(a("note")).text().null().to_owned())],
        allow: &["drop-column"],
    };
    let migrator = applied_base(&db, vec![Box::new(intended)]).await;
    let findings = migrator.lint(&LintScope::Pending).await.expect("lint");
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert!(findings[0].acknowledged);
    migrator.up(&UpTarget::All, &RunOptions::default()).await.expect("allow() does nothing on a database");
}

/// The reference migrations are clean, and `lint` exits 0 on them; the seal migration's two
/// backfills are described in words (acknowledged: the migration is its backfill alone); JSON
/// lists findings.
#[tokio::test]
async fn reference_migrations_lint_clean() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}/db.sqlite?mode=rwc", dir.path().display());
    let (code, out, err) = cli(&["-u", &url, "lint", "--all"]).await;
    assert_eq!(code, 0, "{err}");
    assert!(out.ends_with("0 error(s), 0 warning(s), 2 acknowledged\n"), "{out}");
    assert!(out.contains("[backfill] m20250401_000003_seal_credentials: backfill `seal credentials`: each row of \"credentials\""), "{out}");
    let (code, out, _) = cli(&["-u", &url, "--format", "json", "lint"]).await;
    assert_eq!(code, 0);
    let json = serde_json::from_str::<serde_json::Value>(&out).expect("JSON");
    let rules: Vec<&str> = json["findings"].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap()).collect();
    assert_eq!(rules, ["backfill", "backfill"], "{out}");
}

/// The reference application plus a migration that drops a column, for the production gate.
struct Dangerous;

#[async_trait::async_trait]
impl MigratorTrait for Dangerous {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        let drop = Scripted {
            version: "m01_drop_note",
            up: vec![drop_column("note")],
            down: vec![add_column(ColumnDef::new(a("note")).text().null().to_owned())],
            allow: &[],
        };
        vec![Box::new(base()), Box::new(drop)]
    }
}

#[tokio::test]
async fn production_up_refuses_unacknowledged_errors() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}/db.sqlite?mode=rwc", dir.path().display());
    let run = |args: Vec<&'static str>| {
        let url = url.clone();
        async move {
            let console = seamigrate::cli::Console::buffered();
            let mut argv = vec!["migration".to_string(), "-u".into(), url];
            argv.extend(args.into_iter().map(String::from));
            let code = seamigrate::cli::run::<Dangerous, _>(argv, &console).await;
            let (out, err) = console.output();
            (code, out, err)
        }
    };
    assert_eq!(run(vec!["up", "-n", "1", "-q"]).await.0, 0);
    let (code, _, err) = run(vec!["--env", "production", "up"]).await;
    assert_eq!(code, 1);
    assert_eq!(
        err,
        "error: up refused in production: the pending migrations have 1 lint error(s) (first: \
         m01_drop_note: drops column accounts.note and its data); fix them, acknowledge an \
         intended one with seamigrate::lint::allow(\"<rule>\", \"<why>\") in its migration, or \
         pass --allow-destructive\n"
    );
    let (code, out, _) = run(vec!["lint"]).await;
    assert_eq!(code, 1);
    assert!(out.starts_with("error [drop-column] m01_drop_note: drops column accounts.note and its data\n"), "{out}");
    let (code, _, err) = run(vec!["--env", "production", "up", "--allow-destructive", "--no-backup"]).await;
    assert_eq!(code, 0, "{err}");
}
