//! Drafts say exactly what changed: a widened PostgreSQL column is one `TYPE` clause (no
//! identity, default or NOT NULL churn, so lint finds nothing to warn about), and a changed
//! default on SQLite is no type change, so down() keeps the entity's own integer type.

use sea_orm_migration::prelude::*;
use seamigrate::Backend;
use seamigrate::capture::{Direction, capture};
use seamigrate::diff::{Change, DiffOptions, diff};
use seamigrate::schema::{Column, ColumnType, DefaultValue, Schema, Table};

/// Widens `accounts.email` from VARCHAR(255) to VARCHAR(320), as a draft does.
struct Widen;

impl MigrationName for Widen {
    fn name(&self) -> &str {
        "m1_widen_email"
    }
}

fn email(len: u32) -> ColumnDef {
    ColumnDef::new(Alias::new("email")).string_len(len).not_null().to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Widen {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        Ok(seamigrate::batch::change_column(manager, Alias::new("accounts"), email(255), email(320)).await?)
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        Ok(seamigrate::batch::change_column(manager, Alias::new("accounts"), email(320), email(255)).await?)
    }
}

#[tokio::test]
async fn widening_a_postgres_column_is_one_clause() {
    let up = capture(&Widen, Direction::Up, Backend::Postgres).await.expect("renders without a database");
    assert_eq!(up.statements.len(), 1, "{:?}", up.statements);
    assert!(up.statements[0].contains("TYPE varchar(320)"), "{:?}", up.statements);
    let findings = seamigrate::lint::lint(&Widen, Backend::Postgres, None).await;
    assert!(findings.iter().all(|f| f.rule.id() != "set-not-null"), "{findings:?}");
}

fn table(ty: ColumnType, default: i64) -> Schema {
    let column = |name: &str, ty: ColumnType, default: Option<DefaultValue>| Column {
        name: name.into(),
        ty,
        nullable: false,
        default,
        auto_increment: false, generated: None,
    };
    let table = Table {
        name: "quotas".into(),
        columns: vec![column("id", ColumnType::Integer, None), column("limit", ty, Some(DefaultValue::Int(default)))],
        primary_key: vec!["id".into()],
        indexes: vec![],
        foreign_keys: vec![], checks: Vec::new(),
    };
    Schema { tables: [("quotas".to_string(), table)].into(), enums: Default::default(), views: Default::default(), extensions: Default::default() }
}

#[test]
fn a_changed_default_on_sqlite_keeps_the_entitys_integer_type() {
    // Read from SQLite, the column was declared BIGINT; the entity says i32 (INTEGER).
    let live = table(ColumnType::BigInt, 10);
    let wanted = table(ColumnType::Integer, 20);
    let found = diff(&live, &wanted, &DiffOptions::new(Backend::Sqlite));
    let [Change::AlterColumn { from, to, .. }] = found.changes.as_slice() else {
        panic!("one altered column expected: {:?}", found.changes);
    };
    assert_eq!((&from.ty, &to.ty), (&ColumnType::Integer, &ColumnType::Integer), "down() restores the entity's type");
    assert!(found.describe().iter().all(|d| !d.contains("BIGINT")), "{:?}", found.describe());
}

/// The whole-definition helper says SET NOT NULL every time; lint judges it against the live
/// column, so a column that is NOT NULL already draws no warning.
struct WholeDefinition;

impl MigrationName for WholeDefinition {
    fn name(&self) -> &str {
        "m2_whole_definition"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for WholeDefinition {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        Ok(seamigrate::batch::alter_column(manager, Alias::new("accounts"), email(320)).await?)
    }
}

#[tokio::test]
async fn set_not_null_is_judged_against_the_live_column() {
    let live = |nullable: bool| {
        let column = Column { name: "email".into(), ty: ColumnType::String { len: Some(255) }, nullable, default: None, auto_increment: false, generated: None };
        let table = Table { name: "accounts".into(), columns: vec![column], primary_key: vec![], indexes: vec![], foreign_keys: vec![], checks: Vec::new() };
        Schema { tables: [("accounts".to_string(), table)].into(), enums: Default::default(), views: Default::default(), extensions: Default::default() }
    };
    let warned = async |nullable: bool| {
        let findings = seamigrate::lint::lint(&WholeDefinition, Backend::Postgres, Some(&live(nullable))).await;
        findings.iter().any(|f| f.rule.id() == "set-not-null")
    };
    assert!(!warned(false).await, "already NOT NULL: nothing to warn about");
    assert!(warned(true).await, "NULL before: SET NOT NULL scans the table");
}

/// A migration with no down() of its own is told as such, not as one that reads the database.
struct UpOnly;

impl MigrationName for UpOnly {
    fn name(&self) -> &str {
        "m3_up_only"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for UpOnly {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.create_table(sea_orm_migration::prelude::Table::create().table(Alias::new("t")).col(ColumnDef::new(Alias::new("id")).integer().primary_key()).to_owned()).await
    }
}

#[tokio::test]
async fn a_missing_down_is_reported_as_such() {
    for backend in [Backend::Postgres, Backend::MySql, Backend::Sqlite] {
        let findings = seamigrate::lint::lint(&UpOnly, backend, None).await;
        let ids: Vec<&str> = findings.iter().map(|f| f.rule.id()).collect();
        assert_eq!(ids, ["empty-down"], "{backend:?}: {findings:?}");
        assert!(findings[0].message.contains("has no down()"), "{findings:?}");
    }
}

/// A raw SQL block of several statements: a finding quotes the one statement it is about.
struct RawBlock;

impl MigrationName for RawBlock {
    fn name(&self) -> &str {
        "m4_raw_block"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for RawBlock {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let block = "CREATE TABLE scratch (id INTEGER PRIMARY KEY); UPDATE accounts SET email = 'x'; DROP TABLE scratch";
        manager.get_connection().execute_unprepared(block).await.map(drop)
    }
}

#[tokio::test]
async fn a_finding_in_a_raw_block_quotes_its_statement() {
    let findings = seamigrate::lint::lint(&RawBlock, Backend::Postgres, None).await;
    let update = findings.iter().find(|f| f.rule.id() == "update-without-where").expect("the UPDATE is found");
    assert_eq!(update.statement.as_deref(), Some("UPDATE accounts SET email = 'x'"), "{findings:#?}");
}
