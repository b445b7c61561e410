//! Golden files of generated migrations, one per kind of change: `golden/codegen/<case>.rs`.
//! Set UPDATE_GOLDEN=1 to rewrite them after a deliberate change, then review the diff.

use seamigrate::codegen::{Note, Runs, migration_file};
use seamigrate::Backend;
use seamigrate::diff::{Change, DiffOptions, diff};
use seamigrate::schema::{
    Column, ColumnType, DefaultValue, EnumType, FkAction, ForeignKey, Index, Schema, Table,
};
use std::collections::BTreeMap;
use std::path::PathBuf;

fn column(name: &str, ty: ColumnType, nullable: bool) -> Column {
    Column { name: name.into(), ty, nullable, default: None, auto_increment: false, generated: None }
}

fn id() -> Column {
    Column { auto_increment: true, ..column("id", ColumnType::Integer, false) }
}

fn accounts() -> Table {
    Table {
        name: "accounts".into(),
        columns: vec![
            id(),
            column("tenant_id", ColumnType::Integer, false),
            column("email", ColumnType::String { len: Some(255) }, false),
            Column {
                default: Some(DefaultValue::Bool(true)),
                ..column("is_active", ColumnType::Boolean, false)
            },
            Column {
                default: Some(DefaultValue::CurrentTimestamp),
                ..column("created_at", ColumnType::TimestampTz, false)
            },
            column("status", ColumnType::Enum("account_status".into()), false),
        ],
        primary_key: vec!["id".into()],
        indexes: vec![Index {
            name: Some("uq_accounts_email".into()),
            columns: vec!["email".into()],
            unique: true,
            ..Default::default()
        }],
        foreign_keys: vec![tenant_fk()], checks: Vec::new(),
    }
}

fn tenant_fk() -> ForeignKey {
    ForeignKey {
        name: Some("fk_accounts_tenant_id".into()),
        columns: vec!["tenant_id".into()],
        ref_table: "tenants".into(),
        ref_columns: vec!["id".into()],
        on_delete: FkAction::Cascade,
        on_update: FkAction::NoAction,
    }
}

fn status_enum() -> EnumType {
    EnumType { name: "account_status".into(), values: vec!["active".into(), "closed".into()] }
}

fn cases() -> Vec<(&'static str, Vec<Change>, Vec<Note>)> {
    let last_login = column("last_login", ColumnType::TimestampTz, true);
    let email = column("email", ColumnType::String { len: Some(255) }, false);
    let wider = column("email", ColumnType::String { len: Some(320) }, false);
    let nickname = column("nickname", ColumnType::String { len: Some(64) }, true);
    let warn = |text: &str| vec![Note { change: 0, text: text.into() }];
    vec![
        (
            "create_table",
            vec![Change::CreateEnum { enum_type: status_enum() }, Change::CreateTable { table: accounts() }],
            vec![],
        ),
        ("drop_table", vec![Change::DropTable { table: accounts() }], warn("drops table accounts and its rows")),
        ("add_column", vec![Change::AddColumn { table: "accounts".into(), column: last_login.clone() }], vec![]),
        (
            "drop_column",
            vec![Change::DropColumn { table: "accounts".into(), column: nickname.clone() }],
            warn("drops column accounts.nickname and its data"),
        ),
        (
            "rename_column",
            vec![Change::RenameColumn { table: "accounts".into(), from: "name".into(), to: "full_name".into() }],
            vec![],
        ),
        ("rename_table", vec![Change::RenameTable { from: "accounts".into(), to: "members".into() }], vec![]),
        ("alter_column", vec![Change::AlterColumn { table: "accounts".into(), from: email, to: wider }], vec![]),
        (
            "indexes",
            vec![
                Change::AddIndex {
                    table: "accounts".into(),
                    index: Index { name: Some("idx_accounts_tenant_id_is_active".into()), columns: vec!["tenant_id".into(), "is_active".into()], unique: false, ..Default::default() },
                },
                Change::DropIndex {
                    table: "accounts".into(),
                    index: Index { name: Some("uq_accounts_email".into()), columns: vec!["email".into()], unique: true, ..Default::default() },
                },
            ],
            vec![],
        ),
        (
            "foreign_keys",
            vec![Change::AddForeignKey { table: "accounts".into(), foreign_key: tenant_fk() }],
            vec![],
        ),
        (
            "primary_key",
            vec![Change::AlterPrimaryKey {
                table: "accounts".into(),
                from: vec!["id".into()],
                to: vec!["tenant_id".into(), "email".into()],
            }],
            warn("sets the primary key of accounts to (tenant_id, email): fails if rows repeat or lack a value"),
        ),
        drafted("cycle", &Schema::default(), &two_tables_in_a_cycle()),
        drafted("not_null_without_default", &tenants_schema(), &{
            let mut wanted = tenants_schema();
            let tenants = wanted.tables.get_mut("tenants").unwrap();
            tenants.columns.push(column("plan", ColumnType::String { len: Some(32) }, false));
            wanted
        }),
        (
            "enums",
            vec![Change::AlterEnum {
                from: status_enum(),
                to: EnumType { name: "account_status".into(), values: vec!["active".into(), "closed".into(), "frozen".into()] },
            }],
            vec![],
        ),
    ]
}

fn tenants_schema() -> Schema {
    let tenants = Table {
        name: "tenants".into(),
        columns: vec![id(), column("name", ColumnType::Text, false)],
        primary_key: vec!["id".into()],
        indexes: vec![],
        foreign_keys: vec![], checks: Vec::new(),
    };
    Schema { tables: BTreeMap::from([("tenants".to_string(), tenants)]), enums: BTreeMap::new(), views: Default::default(), extensions: Default::default() }
}

/// `parents` and `children` reference each other: one key must wait until both exist.
fn two_tables_in_a_cycle() -> Schema {
    let table = |name: &str, other: &str| Table {
        name: name.into(),
        columns: vec![id(), column("other_id", ColumnType::Integer, true)],
        primary_key: vec!["id".into()],
        indexes: vec![],
        foreign_keys: vec![ForeignKey {
            name: None,
            columns: vec!["other_id".into()],
            ref_table: other.into(),
            ref_columns: vec!["id".into()],
            on_delete: FkAction::SetNull,
            on_update: FkAction::Cascade,
        }], checks: Vec::new(),
    };
    let tables = [("parents", "children"), ("children", "parents")]
        .map(|(name, other)| (name.to_string(), table(name, other)));
    Schema { tables: BTreeMap::from(tables), enums: BTreeMap::new(), views: Default::default(), extensions: Default::default() }
}

/// A case drafted by the diff itself, from `live` to `wanted` on PostgreSQL, with its warnings.
fn drafted(name: &'static str, live: &Schema, wanted: &Schema) -> (&'static str, Vec<Change>, Vec<Note>) {
    let found = diff(live, wanted, &DiffOptions::new(Backend::Postgres));
    let notes = found.warnings.iter().map(|w| Note { change: w.change_index, text: w.message.clone() }).collect();
    (name, found.changes, notes)
}

#[test]
fn generated_migrations_match_golden_files() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/it/golden/codegen");
    let enums = BTreeMap::from([("account_status".to_string(), status_enum())]);
    for (name, changes, notes) in cases() {
        let summary = vec![format!("Drafted by `autogenerate` ({name})")];
        let text = migration_file(&changes, &notes, &enums, &summary, Runs::for_draft(&changes, Backend::Postgres));
        let path = dir.join(format!("{name}.rs"));
        if std::env::var_os("UPDATE_GOLDEN").is_some() {
            std::fs::write(&path, &text).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&path)
            .unwrap_or_else(|_| panic!("missing golden file codegen/{name}.rs; run with UPDATE_GOLDEN=1"));
        assert_eq!(text, expected, "generated code differs from golden/codegen/{name}.rs");
    }
}
