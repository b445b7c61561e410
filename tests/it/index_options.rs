//! Indexes are compared whole, never as if plain: method, key order, operator classes,
//! expressions, partial predicates, INCLUDE columns, NULLS NOT DISTINCT and prefix lengths,
//! each as the backend has it. A zoo of such indexes, made with raw SQL in the database and
//! declared beside the entities with sea-query, checks clean; each index declared with one
//! option changed fails `check`; and a draft of the zoo round-trips (up, check clean, down,
//! check names the indexes again), its code kept as a golden file per backend and compiled
//! into this test, so that what runs is the drafted code itself.

use crate::cli::golden;
use crate::support::{Kind, TestDb};
use entity::users;
use sea_orm::ConnectionTrait;
use sea_orm_migration::SchemaManager;
use sea_orm_migration::prelude::*;
use crate::autogen_cli::cli_with;
use seamigrate::codegen::Runs;
use seamigrate::diff::{DiffOptions, diff};
use seamigrate::schema::{EntitySet, Filter, discover};

crate::on_each_backend!(indexes_are_compared_whole, drafted_indexes_round_trip);

/// One index of the zoo: the SQL that makes it, its declaration, and declarations that each
/// differ from it in one option (with what they change).
struct Case {
    sql: &'static str,
    declared: IndexCreateStatement,
    variants: Vec<(&'static str, IndexCreateStatement)>,
}

fn index(name: &str) -> IndexCreateStatement {
    Index::create().name(name).table(users::Entity).to_owned()
}

fn zoo(kind: Kind) -> Vec<Case> {
    use users::Column as C;
    let desc = IndexOrder::Desc;
    let created_desc = Case {
        sql: "CREATE INDEX idx_users_created_at ON users (created_at DESC)",
        declared: index("idx_users_created_at").col((C::CreatedAt, desc.clone())).to_owned(),
        variants: vec![("ascending", index("idx_users_created_at").col(C::CreatedAt).to_owned())],
    };
    match kind {
        Kind::Postgres => vec![
            created_desc,
            lower_email(),
            partial_totp(vec![("another predicate", index("uq_users_totp_secret").unique().col(C::TotpSecret).and_where(Expr::col(C::TotpEnabled).eq(true)).to_owned())]),
            Case {
                sql: "CREATE INDEX idx_users_tenant_id ON users (tenant_id) INCLUDE (display_name)",
                declared: index("idx_users_tenant_id").col(C::TenantId).include(C::DisplayName).to_owned(),
                variants: vec![("no INCLUDE", index("idx_users_tenant_id").col(C::TenantId).to_owned())],
            },
            Case {
                sql: "CREATE UNIQUE INDEX uq_users_display_name ON users (display_name) NULLS NOT DISTINCT",
                declared: index("uq_users_display_name").unique().col(C::DisplayName).nulls_not_distinct().to_owned(),
                variants: vec![("NULLS DISTINCT", index("uq_users_display_name").unique().col(C::DisplayName).to_owned())],
            },
            Case {
                sql: "CREATE INDEX idx_users_password_hash ON users USING hash (password_hash)",
                declared: index("idx_users_password_hash").col(C::PasswordHash).index_type(IndexType::Hash).to_owned(),
                variants: vec![("b-tree", index("idx_users_password_hash").col(C::PasswordHash).to_owned())],
            },
            Case {
                sql: "CREATE INDEX idx_users_updated_at ON users USING brin (updated_at)",
                declared: index("idx_users_updated_at").col(C::UpdatedAt).index_type(IndexType::Custom("brin".into_iden())).to_owned(),
                variants: vec![("b-tree", index("idx_users_updated_at").col(C::UpdatedAt).to_owned())],
            },
            Case {
                sql: "CREATE INDEX idx_users_username_pattern ON users (username varchar_pattern_ops)",
                declared: index("idx_users_username_pattern").col(IndexColumn::from(C::Username).with_operator_class("varchar_pattern_ops")).to_owned(),
                variants: vec![("default operator class", index("idx_users_username_pattern").col(C::Username).to_owned())],
            },
        ],
        Kind::Mysql => vec![
            created_desc,
            Case {
                sql: "CREATE FULLTEXT INDEX ft_users_display_name ON users (display_name)",
                declared: index("ft_users_display_name").col(C::DisplayName).full_text().to_owned(),
                variants: vec![("b-tree", index("ft_users_display_name").col(C::DisplayName).to_owned())],
            },
            Case {
                sql: "CREATE INDEX idx_users_password_hash ON users (password_hash(10))",
                declared: index("idx_users_password_hash").col((C::PasswordHash, 10)).to_owned(),
                variants: vec![
                    ("whole column", index("idx_users_password_hash").col(C::PasswordHash).to_owned()),
                    ("another prefix", index("idx_users_password_hash").col((C::PasswordHash, 12)).to_owned()),
                ],
            },
        ],
        Kind::Sqlite => vec![
            created_desc,
            lower_email(),
            partial_totp(vec![]),
        ],
    }
}

/// An index on an expression (PostgreSQL and SQLite).
fn lower_email() -> Case {
    Case {
        sql: "CREATE INDEX idx_users_lower_email ON users (lower(email))",
        declared: index("idx_users_lower_email").col(Expr::cust("LOWER(\"email\")")).to_owned(),
        variants: vec![("another expression", index("idx_users_lower_email").col(Expr::cust("upper(email)")).to_owned())],
    }
}

/// A partial unique index (PostgreSQL and SQLite), with `more` variants.
fn partial_totp(more: Vec<(&'static str, IndexCreateStatement)>) -> Case {
    let plain = index("uq_users_totp_secret").unique().col(users::Column::TotpSecret).to_owned();
    let mut variants = vec![("no predicate", plain.clone())];
    variants.extend(more);
    Case {
        sql: "CREATE UNIQUE INDEX uq_users_totp_secret ON users (totp_secret) WHERE totp_secret IS NOT NULL",
        declared: plain.clone().and_where(Expr::col(users::Column::TotpSecret).is_not_null()).to_owned(),
        variants,
    }
}

/// The reference entities with `indexes` declared beside them.
fn entities(indexes: impl IntoIterator<Item = IndexCreateStatement>) -> EntitySet {
    indexes.into_iter().fold(migration::entities(), |set, index| set.index(users::Entity, index))
}

async fn indexes_are_compared_whole(db: TestDb) {
    let url = db.url.as_str();
    let cases = zoo(db.kind);
    let declared = entities(cases.iter().map(|c| c.declared.clone()));
    assert_eq!(cli_with(&declared, &["-u", url, "up", "-q"]).await.0, 0);
    let conn = db.connect().await;
    for case in &cases {
        conn.execute_unprepared(case.sql).await.unwrap_or_else(|e| panic!("{}: {e}", case.sql));
    }
    let (code, out, err) = cli_with(&declared, &["-u", url, "check", "--strict"]).await;
    assert_eq!(code, 0, "the zoo, declared as made, checks clean:\n{out}{err}");
    let (code, out, _) = cli_with(&migration::entities(), &["-u", url, "check"]).await;
    assert_ne!(code, 0, "undeclared, the zoo is a difference: {out}");
    for case in &cases {
        for (what, variant) in &case.variants {
            let others = cases.iter().filter(|c| c.sql != case.sql).map(|c| c.declared.clone());
            let set = entities(others.chain([variant.clone()]));
            let (code, out, err) = cli_with(&set, &["-u", url, "check"]).await;
            let name = variant.get_index_spec().get_name().unwrap_or_default();
            assert_ne!(code, 0, "{name} declared with {what} must differ from `{}`:\n{out}{err}", case.sql);
            assert!(out.contains(name) || err.contains(name), "{name} ({what}) is named:\n{out}{err}");
        }
    }
}

async fn drafted_indexes_round_trip(db: TestDb) {
    let url = db.url.as_str();
    let cases = zoo(db.kind);
    let declared = entities(cases.iter().map(|c| c.declared.clone()));
    assert_eq!(cli_with(&declared, &["-u", url, "up", "-q"]).await.0, 0);
    let conn = db.connect().await;
    let backend = db.kind.backend();
    let live = discover(&conn, &Filter::all()).await.unwrap();
    let wanted = declared.schema(backend);
    let options = DiffOptions::new(backend);
    let drafted = diff(&live, &wanted, &options);
    assert_eq!(drafted.changes.len(), cases.len(), "one index added per case: {:?}", drafted.describe());
    let enums = Default::default();
    let code = seamigrate::codegen::migration_file(&drafted.changes, &[], &enums, &[], Runs::for_draft(&drafted.changes, backend));
    golden(&format!("codegen/index_options_{}.rs", format!("{:?}", db.kind).to_lowercase()), &code);
    // The drafted code itself (the golden file, compiled into this test) runs up and down.
    let manager = SchemaManager::new(&conn);
    let draft = compiled(db.kind);
    // Only indexes: on PostgreSQL they are built concurrently, which needs no transaction.
    let outside = (db.kind == Kind::Postgres).then_some(false);
    assert_eq!(draft.use_transaction(), outside, "an index-only draft runs in a transaction except on PostgreSQL");
    draft.up(&manager).await.unwrap_or_else(|e| panic!("up: {e}"));
    let (code, out, err) = cli_with(&declared, &["-u", url, "check", "--strict"]).await;
    assert_eq!(code, 0, "applied, the draft leaves nothing to do:\n{out}{err}");
    draft.down(&manager).await.unwrap_or_else(|e| panic!("down: {e}"));
    let (code, out, err) = cli_with(&declared, &["-u", url, "check"]).await;
    assert_ne!(code, 0, "undone, the indexes are missing again:\n{out}{err}");
    for case in &cases {
        let name = case.declared.get_index_spec().get_name().unwrap_or_default();
        assert!(out.contains(name), "{name} missing from:\n{out}");
    }
}

/// The drafts of the zoo as compiled code: the golden files the test above compares against.
fn compiled(kind: Kind) -> Box<dyn MigrationTrait> {
    match kind {
        Kind::Postgres => Box::new(postgres_draft::Migration),
        Kind::Mysql => Box::new(mysql_draft::Migration),
        Kind::Sqlite => Box::new(sqlite_draft::Migration),
    }
}

mod postgres_draft {
    include!("golden/codegen/index_options_postgres.rs");
}

mod mysql_draft {
    include!("golden/codegen/index_options_mysql.rs");
}

mod sqlite_draft {
    include!("golden/codegen/index_options_sqlite.rs");
}

/// A unique index built concurrently over duplicates fails with the database's words; once
/// they are gone, running it again succeeds (on PostgreSQL, after dropping the invalid index
/// the failed build left), and it is dropped concurrently.
async fn concurrent_build_can_be_retried(db: TestDb) {
    let conn = db.connect().await;
    let manager = SchemaManager::new(&conn);
    let table = Table::create()
        .table(Alias::new("t_conc"))
        .col(ColumnDef::new(Alias::new("id")).integer().not_null().primary_key())
        .col(ColumnDef::new(Alias::new("code")).string_len(10).not_null())
        .to_owned();
    manager.create_table(table).await.unwrap();
    conn.execute_unprepared("INSERT INTO t_conc (id, code) VALUES (1, 'a'), (2, 'a')").await.unwrap();
    let index = || Index::create().name("uq_t_conc_code").table(Alias::new("t_conc")).col(Alias::new("code")).unique().to_owned();
    let failed = seamigrate::batch::create_index_concurrently(&manager, Alias::new("t_conc"), index()).await;
    let words = failed.expect_err("duplicates refuse a unique index").to_string();
    assert!(words.contains("t_conc") && !words.contains('\n'), "one line naming the table: {words}");
    conn.execute_unprepared("DELETE FROM t_conc WHERE id = 2").await.unwrap();
    seamigrate::batch::create_index_concurrently(&manager, Alias::new("t_conc"), index()).await.unwrap();
    assert!(manager.has_index("t_conc", "uq_t_conc_code").await.unwrap());
    let duplicate = conn.execute_unprepared("INSERT INTO t_conc (id, code) VALUES (3, 'a')").await;
    assert!(duplicate.is_err(), "the rebuilt index is valid and enforced");
    seamigrate::batch::drop_index_concurrently(&manager, Alias::new("t_conc"), "uq_t_conc_code").await.unwrap();
    assert!(!manager.has_index("t_conc", "uq_t_conc_code").await.unwrap());
}

crate::on_each_backend!(concurrent_build_can_be_retried);
