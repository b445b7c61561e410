//! The schema model: the reference entities and the database the reference migrations build
//! read as the same schema on every backend once normalised; normalisation rules one by one;
//! history tables and filters.

use crate::support::{Kind, TestDb, run};
use entity::{certificates, clusters, credentials, services, tenants, users};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use seamigrate::db::{ConnectSettings, connect};
use seamigrate::schema::normalise::{defaults, types};
use seamigrate::schema::{
    Column, ColumnType, DefaultValue, EntitySet, EnumType, Filter, FkAction, ForeignKey, Index,
    Schema, SchemaError, Table, discover, normalise,
};
use seamigrate::{Backend, Migrator, RunOptions, UpTarget};
use std::collections::BTreeMap;

const REFERENCE_TABLES: [&str; 6] = [
    "certificates",
    "clusters",
    "credentials",
    "services",
    "tenants",
    "users",
];

fn reference_entities() -> EntitySet {
    EntitySet::new()
        .register(tenants::Entity)
        .register(users::Entity)
        .register(clusters::Entity)
        .register(services::Entity)
        .register(certificates::Entity)
        .register(credentials::Entity)
}

async fn migrated(conn: DatabaseConnection) -> DatabaseConnection {
    let m = Migrator::new::<migration::Migrator>(conn).unwrap();
    m.up(&UpTarget::All, &RunOptions::default()).await.unwrap();
    m.connection().clone()
}

/// The reference entities, with the composite index their attributes cannot declare, read as
/// the schema the reference migrations build.
async fn entities_match_the_migrated_database(db: TestDb) {
    let backend = db.kind.backend();
    let conn = migrated(db.connect().await).await;
    let live = discover(&conn, &Filter::all()).await.unwrap();
    let actual = normalise(&live, backend);
    let wanted = normalise(&migration::entities().schema(backend), backend);
    let composite = Index { name: None, columns: vec!["cluster_id".into(), "is_active".into()], unique: false, ..Default::default() };
    assert!(wanted.tables["services"].indexes.contains(&composite), "declared beside the entities");
    assert!(!reference_entities().schema(backend).tables["services"]
        .indexes
        .iter()
        .any(|i| i.columns == composite.columns));

    let differences = differences(&wanted, &actual);
    assert!(
        differences.is_empty(),
        "{backend}: entities (-) and database (+) differ:\n{}",
        differences.join("\n")
    );
    assert_eq!(wanted, actual);
    assert_eq!(actual.tables.keys().collect::<Vec<_>>(), REFERENCE_TABLES);
}

/// The source schema keeps the names a diff needs to drop or alter an index or a constraint.
async fn discovered_schema_keeps_names(db: TestDb) {
    let conn = migrated(db.connect().await).await;
    let live = discover(&conn, &Filter::all()).await.unwrap();
    let tenants = &live.tables["tenants"];
    assert_eq!(tenants.primary_key, ["id"]);
    let names: Vec<_> = tenants
        .indexes
        .iter()
        .filter_map(|i| i.name.as_deref())
        .collect();
    assert!(names.contains(&"idx_tenants_is_active"), "{names:?}");
    let credentials = &live.tables["credentials"];
    let unique = credentials
        .indexes
        .iter()
        .find(|i| i.unique && i.columns.len() == 2)
        .unwrap();
    assert_eq!(
        unique.name.as_deref(),
        Some("uq_credentials_tenant_id_provider")
    );
    assert_eq!(unique.columns, ["tenant_id", "provider"]);
    let fk = &credentials.foreign_keys[0];
    assert_eq!(
        (fk.ref_table.as_str(), fk.on_delete),
        ("tenants", FkAction::Cascade)
    );
    let fk_name = if db.kind == Kind::Sqlite {
        None
    } else {
        Some("fk_credentials_tenant_id")
    };
    assert_eq!(
        fk.name.as_deref(),
        fk_name,
        "SQLite keeps inline foreign keys anonymous"
    );
}

async fn history_tables_are_left_out(db: TestDb) {
    // seamigrate creates the stock runner's table too.
    let conn = migrated(db.connect().await).await;
    for table in [
        "seamigrate_migrations",
        "seamigrate_events",
        "seaql_migrations",
    ] {
        assert!(
            crate::support::has_table(&conn, table).await,
            "{table} exists"
        );
    }
    let live = discover(&conn, &Filter::all()).await.unwrap();
    assert_eq!(live.tables.keys().collect::<Vec<_>>(), REFERENCE_TABLES);
    let asked_for = Filter::only(["seamigrate_migrations", "seaql_migrations", "users"]);
    let live = discover(&conn, &asked_for).await.unwrap();
    assert_eq!(
        live.tables.keys().collect::<Vec<_>>(),
        ["users"],
        "not even when asked for"
    );
}

async fn filters_choose_tables(db: TestDb) {
    let conn = migrated(db.connect().await).await;
    let names = |s: Schema| s.tables.into_keys().collect::<Vec<_>>();
    let only = discover(&conn, &Filter::only(["users", "tenants", "nonexistent"]))
        .await
        .unwrap();
    assert_eq!(names(only), ["tenants", "users"]);
    let except = discover(&conn, &Filter::all().except(["users", "services"]))
        .await
        .unwrap();
    assert_eq!(
        names(except),
        ["certificates", "clusters", "credentials", "tenants"]
    );
    let both = Filter::only(["users", "tenants"]).except(["users"]);
    assert_eq!(names(discover(&conn, &both).await.unwrap()), ["tenants"]);
    // The same filter applies to the entities' schema.
    let entities = Filter::all()
        .except(["users"])
        .apply(reference_entities().schema(db.kind.backend()));
    assert_eq!(names(entities).len(), 5);
}

/// An entity using what the reference ones do not: an enum, CHAR, small and tiny integers,
/// floats, VARCHAR without length, naive date and time types, binary data, a composite unique
/// key and a self-referencing foreign key without actions.
mod gadgets {
    use sea_orm::entity::prelude::*;

    #[derive(Debug, Clone, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
    #[sea_orm(rs_type = "String", db_type = "Enum", enum_name = "mood")]
    pub enum Mood {
        #[sea_orm(string_value = "happy")]
        Happy,
        #[sea_orm(string_value = "sad")]
        Sad,
    }

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "gadgets")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub mood: Mood,
        #[sea_orm(default_value = 0.5)]
        pub ratio: f64,
        pub weight: f32,
        #[sea_orm(column_type = "Char(Some(3))", unique_key = "code_kind")]
        pub code: String,
        #[sea_orm(unique_key = "code_kind")]
        pub kind: i16,
        #[sea_orm(default_value = 7)]
        pub big: i64,
        pub tiny: i8,
        #[sea_orm(default_value = false)]
        pub flag: bool,
        #[sea_orm(column_type = "String(StringLen::None)", nullable)]
        pub label: Option<String>,
        #[sea_orm(column_type = "Text", default_value = "n/a")]
        pub note: String,
        pub made: DateTime,
        pub day: Date,
        pub at: Time,
        pub bytes: Vec<u8>,
        #[sea_orm(indexed)]
        pub owner: i32,
        pub parent_id: Option<i64>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(belongs_to = "Entity", from = "Column::ParentId", to = "Column::Id")]
        Parent,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

/// A table created by sea-orm from an entity reads back as that entity.
async fn entity_created_tables_read_back(db: TestDb) {
    let backend = db.kind.backend();
    let conn = db.connect().await;
    let helper = sea_orm::Schema::new(conn.get_database_backend());
    for create_type in helper.create_enum_from_entity(gadgets::Entity) {
        conn.execute(&create_type).await.unwrap();
    }
    conn.execute(&helper.create_table_from_entity(gadgets::Entity))
        .await
        .unwrap();
    for index in helper.create_index_from_entity(gadgets::Entity) {
        conn.execute(&index).await.unwrap();
    }
    let entities = EntitySet::new().register(gadgets::Entity).schema(backend);
    let wanted = normalise(&entities, backend);
    let actual = normalise(&discover(&conn, &Filter::all()).await.unwrap(), backend);
    let differences = differences(&wanted, &actual);
    assert!(
        differences.is_empty(),
        "{backend}: entities (-) and database (+) differ:\n{}",
        differences.join("\n")
    );
    assert_eq!(wanted, actual);
    let mood = &actual.tables["gadgets"].column("mood").unwrap().ty;
    match backend {
        Backend::Postgres => {
            assert_eq!(mood, &ColumnType::Enum("mood".into()));
            assert_eq!(actual.enums["mood"].values, ["happy", "sad"]);
        }
        Backend::MySql => assert_eq!(
            mood,
            &ColumnType::InlineEnum(vec!["happy".into(), "sad".into()])
        ),
        Backend::Sqlite => assert_eq!(mood, &ColumnType::Text),
    }
}

crate::on_each_backend!(
    entities_match_the_migrated_database,
    entity_created_tables_read_back,
    discovered_schema_keeps_names,
    history_tables_are_left_out,
    filters_choose_tables,
);

/// Discovery reads the schema the connection's `search_path` names, and only that one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_reads_the_current_schema() {
    run(Kind::Postgres, |db: TestDb| async move {
        let settings = ConnectSettings {
            schema: Some("tenant_a".into()),
            create_schema: true,
            ..ConnectSettings::default()
        };
        let in_tenant_a = migrated(connect(&db.parsed_url(), &settings).await.unwrap()).await;
        let public = db.connect().await;
        public
            .execute_unprepared(
                "CREATE TABLE users (x int); CREATE INDEX idx_public_x ON users (x)",
            )
            .await
            .unwrap();

        let live = discover(&in_tenant_a, &Filter::all()).await.unwrap();
        assert_eq!(live.tables.keys().collect::<Vec<_>>(), REFERENCE_TABLES);
        let users = &live.tables["users"];
        assert!(users.column("x").is_none() && users.column("email").is_some());
        assert!(
            users
                .indexes
                .iter()
                .all(|i| i.name.as_deref() != Some("idx_public_x"))
        );
        let wanted = normalise(
            &reference_entities().schema(Backend::Postgres),
            Backend::Postgres,
        );
        assert_eq!(
            normalise(&live, Backend::Postgres).tables["users"],
            wanted.tables["users"]
        );

        let live = discover(&public, &Filter::all()).await.unwrap();
        assert_eq!(live.tables.keys().collect::<Vec<_>>(), ["users"]);
        let idx = &live.tables["users"].indexes;
        assert_eq!(
            idx,
            &[Index {
                name: Some("idx_public_x".into()),
                columns: vec!["x".into()],
                unique: false,
                ..Default::default()
            }]
        );
    })
    .await
}

/// A `search_path` naming no existing schema leaves nothing to read: said, not an empty schema.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_without_a_current_schema_is_an_error() {
    run(Kind::Postgres, |db: TestDb| async move {
        let settings = ConnectSettings {
            schema: Some("missing".into()),
            ..ConnectSettings::default()
        };
        let conn = connect(&db.parsed_url(), &settings).await.unwrap();
        let err = discover(&conn, &Filter::all()).await.unwrap_err();
        assert!(
            matches!(
                err,
                SchemaError::NoCurrentSchema {
                    backend: Backend::Postgres,
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(err.to_string().contains("search_path"), "{err}");
    })
    .await
}

// ---- normalisation, without a database ----

fn resolved(name: &str, backend: Backend) -> ColumnType {
    types::normalise(&ColumnType::Other(name.into()), backend, &BTreeMap::new())
}

#[test]
fn type_aliases() {
    use Backend::{MySql, Postgres, Sqlite};
    use ColumnType as T;
    let string = |len| T::String { len };
    let cases = [
        ("int4", Postgres, T::Integer),
        ("integer", Postgres, T::Integer),
        ("INT", MySql, T::Integer),
        ("int(11)", MySql, T::Integer),
        ("int8", Postgres, T::BigInt),
        ("bigint", Sqlite, T::Integer),
        ("int unsigned", MySql, T::Unsigned),
        ("int2", Postgres, T::SmallInt),
        ("tinyint", Postgres, T::SmallInt),
        ("bool", Postgres, T::Boolean),
        ("boolean", Sqlite, T::Boolean),
        ("tinyint(1)", MySql, T::Boolean),
        ("tinyint(4)", MySql, T::TinyInt),
        ("character varying(255)", Postgres, string(Some(255))),
        ("varchar", Postgres, string(None)),
        ("varchar", MySql, string(Some(255))),
        ("character", Postgres, T::Char { len: Some(1) }),
        ("timestamptz", Postgres, T::TimestampTz),
        ("timestamp with time zone", Postgres, T::TimestampTz),
        ("timestamp", Postgres, T::DateTime),
        ("timestamp without time zone", Postgres, T::DateTime),
        ("timestamp", MySql, T::TimestampTz),
        ("timestamp_with_timezone_text", Sqlite, T::TimestampTz),
        ("timestamp_text", Sqlite, T::DateTime),
        ("float", Postgres, T::Double),
        ("float4", Postgres, T::Float),
        ("float", MySql, T::Float),
        (
            "numeric(10)",
            Postgres,
            T::Decimal {
                precision: Some(10),
                scale: Some(0),
            },
        ),
        (
            "decimal",
            MySql,
            T::Decimal {
                precision: Some(10),
                scale: Some(0),
            },
        ),
        ("jsonb", MySql, T::Json),
        ("jsonb", Postgres, T::JsonBinary),
        ("uuid_text", Sqlite, T::Uuid),
        ("bytea", Postgres, T::Blob),
        ("serial", Postgres, T::Integer),
        ("citext", Postgres, T::Other("citext".into())),
        (
            "enum('a','it''s')",
            MySql,
            T::InlineEnum(vec!["a".into(), "it's".into()]),
        ),
    ];
    for (name, backend, expected) in cases {
        assert_eq!(resolved(name, backend), expected, "{name} on {backend}");
    }
}

#[test]
fn types_map_to_what_the_backend_stores() {
    use ColumnType as T;
    let on = |ty: T, backend| types::normalise(&ty, backend, &BTreeMap::new());
    assert_eq!(on(T::TinyUnsigned, Backend::Postgres), T::SmallInt);
    assert_eq!(on(T::Unsigned, Backend::Postgres), T::BigInt);
    assert_eq!(on(T::Unsigned, Backend::MySql), T::Unsigned);
    assert_eq!(on(T::Uuid, Backend::MySql), T::Binary { len: Some(16) });
    assert_eq!(
        on(T::VarBinary { len: Some(8) }, Backend::Postgres),
        T::Blob
    );
    assert_eq!(on(T::SmallInt, Backend::Sqlite), T::Integer);
    assert_eq!(on(T::Timestamp, Backend::Sqlite), T::DateTime);
    let enums = BTreeMap::from([(
        "mood".to_string(),
        EnumType {
            name: "mood".into(),
            values: vec!["ok".into()],
        },
    )]);
    assert_eq!(
        types::normalise(&T::Other("mood".into()), Backend::Postgres, &enums),
        T::Enum("mood".into())
    );
    let inline = T::InlineEnum(vec!["ok".into()]);
    assert_eq!(
        types::normalise(&T::Enum("mood".into()), Backend::MySql, &enums),
        inline
    );
}

#[test]
fn default_spellings() {
    use ColumnType as T;
    use DefaultValue as D;
    let expr = |sql: &str| D::Expr(sql.into());
    let string = T::String { len: Some(255) };
    let cases = [
        (expr("now()"), T::TimestampTz, Some(D::CurrentTimestamp)),
        (
            expr("CURRENT_TIMESTAMP"),
            T::TimestampTz,
            Some(D::CurrentTimestamp),
        ),
        (
            expr("current_timestamp()"),
            T::TimestampTz,
            Some(D::CurrentTimestamp),
        ),
        (
            expr("'TCP'::character varying"),
            string.clone(),
            Some(D::Str("TCP".into())),
        ),
        (expr("'it''s'::text"), T::Text, Some(D::Str("it's".into()))),
        (expr("'TCP'"), string.clone(), Some(D::Str("TCP".into()))),
        (expr("NULL::character varying"), string.clone(), None),
        (expr("NULL"), T::Integer, None),
        (D::Null, T::Integer, None),
        (expr("true"), T::Boolean, Some(D::Bool(true))),
        (D::Int(1), T::Boolean, Some(D::Bool(true))),
        (D::Int(0), T::Boolean, Some(D::Bool(false))),
        (D::Str("1".into()), T::Boolean, Some(D::Bool(true))),
        (D::Str("TRUE".into()), T::Boolean, Some(D::Bool(true))),
        (D::Str("false".into()), T::Boolean, Some(D::Bool(false))),
        (expr("(3)"), T::Integer, Some(D::Int(3))),
        (expr("(-1)::integer"), T::Integer, Some(D::Int(-1))),
        (D::Str("30".into()), T::Integer, Some(D::Int(30))),
        (
            expr("'3.50'::numeric"),
            T::Decimal {
                precision: Some(10),
                scale: Some(2),
            },
            Some(D::Float("3.5".into())),
        ),
        (D::Int(3), T::Double, Some(D::Float("3".into()))),
        (
            D::Float("2.50".into()),
            T::Double,
            Some(D::Float("2.5".into())),
        ),
        (D::Int(1), string.clone(), Some(D::Str("1".into()))),
        (expr("now()::date"), T::Date, Some(expr("now()::date"))),
        (
            expr("gen_random_uuid()"),
            T::Uuid,
            Some(expr("gen_random_uuid()")),
        ),
        (expr("'a' || 'b'"), T::Text, Some(expr("'a' || 'b'"))),
    ];
    for (default, ty, expected) in cases {
        assert_eq!(
            defaults::normalise(&default, &ty),
            expected,
            "{default:?} for {ty:?}"
        );
    }
    assert!(defaults::is_sequence("nextval('users_id_seq'::regclass)"));
    assert!(!defaults::is_sequence("'nextval'"));
}

fn column(name: &str, ty: ColumnType, nullable: bool, default: Option<DefaultValue>) -> Column {
    Column {
        name: name.into(),
        ty,
        nullable,
        default,
        auto_increment: false, generated: None,
    }
}

fn table(columns: Vec<Column>, indexes: Vec<Index>, foreign_keys: Vec<ForeignKey>) -> Schema {
    let t = Table {
        name: "t".into(),
        columns,
        primary_key: vec!["id".into()],
        indexes,
        foreign_keys, checks: Vec::new(),
    };
    Schema {
        tables: BTreeMap::from([("t".into(), t)]),
        enums: BTreeMap::new(), views: Default::default(), extensions: Default::default(),
    }
}

fn index(name: &str, columns: &[&str], unique: bool) -> Index {
    Index {
        name: Some(name.into()),
        columns: columns.iter().map(|c| c.to_string()).collect(),
        unique,
        ..Default::default()
    }
}

fn fk(name: Option<&str>, on_delete: FkAction) -> ForeignKey {
    ForeignKey {
        name: name.map(Into::into),
        columns: vec!["parent_id".into()],
        ref_table: "p".into(),
        ref_columns: vec!["id".into()],
        on_delete,
        on_update: FkAction::NoAction,
    }
}

/// The same table as PostgreSQL and MySQL report it and as the entities say it.
#[test]
fn keys_indexes_and_auto_increment() {
    use ColumnType as T;
    let sequence = Some(DefaultValue::Expr("nextval('t_id_seq'::regclass)".into()));
    let postgres = table(
        vec![
            column("parent_id", T::Integer, false, None),
            column("id", T::Other("int4".into()), true, sequence),
        ],
        vec![
            index("t_parent_id_key", &["parent_id"], true),
            index("t_pkey", &["id"], true),
        ],
        vec![fk(Some("fk_t_parent"), FkAction::Restrict)],
    );
    let mysql = table(
        vec![
            Column {
                auto_increment: true,
                ..column("id", T::Integer, false, None)
            },
            column("parent_id", T::Integer, false, Some(DefaultValue::Null)),
        ],
        vec![
            index("parent_id", &["parent_id"], true),
            index("fk_t_parent", &["parent_id"], false),
        ],
        vec![fk(Some("fk_t_parent"), FkAction::Restrict)],
    );
    let entities = table(
        vec![
            Column {
                auto_increment: true,
                ..column("id", T::Integer, false, None)
            },
            column("parent_id", T::Integer, false, None),
        ],
        vec![Index {
            name: None,
            columns: vec!["parent_id".into()],
            unique: true,
            ..Default::default()
        }],
        vec![fk(Some("fk-t-p"), FkAction::Restrict)],
    );
    let pg = normalise(&postgres, Backend::Postgres);
    assert_eq!(pg, normalise(&entities, Backend::Postgres));
    let t = &pg.tables["t"];
    assert_eq!(
        t.columns[0],
        Column {
            auto_increment: true,
            ..column("id", T::Integer, false, None)
        }
    );
    assert_eq!(
        t.indexes,
        [Index {
            name: None,
            columns: vec!["parent_id".into()],
            unique: true,
            ..Default::default()
        }]
    );
    assert_eq!(t.foreign_keys[0].name, None);
    assert_eq!(
        normalise(&mysql, Backend::MySql),
        normalise(&entities, Backend::MySql)
    );
}

#[test]
fn mysql_no_action_is_restrict() {
    let no_action = table(vec![], vec![], vec![fk(None, FkAction::NoAction)]);
    let restrict = table(vec![], vec![], vec![fk(None, FkAction::Restrict)]);
    assert_eq!(
        normalise(&no_action, Backend::MySql),
        normalise(&restrict, Backend::MySql)
    );
    assert_ne!(
        normalise(&no_action, Backend::Postgres),
        normalise(&restrict, Backend::Postgres)
    );
}

#[test]
fn sqlite_integer_primary_key_is_auto_increment() {
    let rowid = table(
        vec![column("id", ColumnType::BigInt, false, None)],
        vec![],
        vec![],
    );
    let t = &normalise(&rowid, Backend::Sqlite).tables["t"];
    assert!(t.columns[0].auto_increment && t.columns[0].ty == ColumnType::Integer);
    assert!(!normalise(&rowid, Backend::Postgres).tables["t"].columns[0].auto_increment);
}

#[test]
fn enums_are_named_types_on_postgres_only() {
    let mut schema = table(
        vec![column("mood", ColumnType::Enum("mood".into()), true, None)],
        vec![],
        vec![],
    );
    let mood = EnumType {
        name: "mood".into(),
        values: vec!["happy".into(), "sad".into()],
    };
    schema.enums.insert("mood".into(), mood);
    let pg = normalise(&schema, Backend::Postgres);
    assert_eq!(pg.enums.len(), 1);
    assert_eq!(
        pg.tables["t"].columns[0].ty,
        ColumnType::Enum("mood".into())
    );
    let my = normalise(&schema, Backend::MySql);
    assert!(my.enums.is_empty());
    assert_eq!(
        my.tables["t"].columns[0].ty,
        ColumnType::InlineEnum(vec!["happy".into(), "sad".into()])
    );
    assert_eq!(
        normalise(&schema, Backend::Sqlite).tables["t"].columns[0].ty,
        ColumnType::Text
    );
}

#[test]
fn entity_set_ignores_a_second_registration() {
    let set = EntitySet::new()
        .register(users::Entity)
        .register(users::Entity)
        .register(tenants::Entity);
    assert_eq!(set.table_names(), ["users", "tenants"]);
    let schema = set.schema(Backend::Postgres);
    let users = &schema.tables["users"];
    assert_eq!(users.primary_key, ["id"]);
    assert!(
        users
            .column("id")
            .is_some_and(|c| c.auto_increment && !c.nullable)
    );
    assert!(users.column("tenant_id").is_some_and(|c| c.nullable));
    let fk = &users.foreign_keys[0];
    assert_eq!(
        (fk.name.as_deref(), fk.on_delete, fk.on_update),
        (
            Some("fk_users_tenant_id"),
            FkAction::Restrict,
            FkAction::NoAction
        )
    );
}

#[test]
fn filter_accepts() {
    let f = Filter::all();
    assert!(f.accepts("users"));
    for history in seamigrate::schema::HISTORY_TABLES {
        assert!(!f.accepts(history));
    }
    let f = Filter::only(["users"]).except(["tenants"]);
    assert!(f.accepts("users") && !f.accepts("tenants") && !f.accepts("clusters"));
}

// ---- a readable difference for failed comparisons ----

fn differences(wanted: &Schema, actual: &Schema) -> Vec<String> {
    let mut out = Vec::new();
    for name in wanted
        .tables
        .keys()
        .chain(actual.tables.keys())
        .collect::<std::collections::BTreeSet<_>>()
    {
        match (wanted.tables.get(name), actual.tables.get(name)) {
            (Some(w), Some(a)) => table_differences(w, a, &mut out),
            (Some(_), None) => out.push(format!("- table {name}")),
            (None, Some(_)) => out.push(format!("+ table {name}")),
            (None, None) => {}
        }
    }
    if wanted.enums != actual.enums {
        out.push(format!(
            "- enums {:?}\n+ enums {:?}",
            wanted.enums, actual.enums
        ));
    }
    out
}

fn table_differences(w: &Table, a: &Table, out: &mut Vec<String>) {
    let t = &w.name;
    for c in &w.columns {
        match a.column(&c.name) {
            Some(other) if other == c => {}
            Some(other) => out.push(format!("  {t}.{}:\n- {c:?}\n+ {other:?}", c.name)),
            None => out.push(format!("- column {t}.{}: {c:?}", c.name)),
        }
    }
    for c in a.columns.iter().filter(|c| w.column(&c.name).is_none()) {
        out.push(format!("+ column {t}.{}: {c:?}", c.name));
    }
    if w.primary_key != a.primary_key {
        out.push(format!(
            "  {t} primary key:\n- {:?}\n+ {:?}",
            w.primary_key, a.primary_key
        ));
    }
    only_in(t, "index", &w.indexes, &a.indexes, out);
    only_in(t, "foreign key", &w.foreign_keys, &a.foreign_keys, out);
}

fn only_in<T: PartialEq + std::fmt::Debug>(
    t: &str,
    what: &str,
    w: &[T],
    a: &[T],
    out: &mut Vec<String>,
) {
    out.extend(
        w.iter()
            .filter(|x| !a.contains(x))
            .map(|x| format!("- {what} on {t}: {x:?}")),
    );
    out.extend(
        a.iter()
            .filter(|x| !w.contains(x))
            .map(|x| format!("+ {what} on {t}: {x:?}")),
    );
}

/// A draft names a new foreign key `fk_<table>_<columns>`, as the documentation says, not by
/// sea-orm's own `fk-<table>-<column>`.
#[test]
fn entity_foreign_keys_take_the_documented_name() {
    let schema = seamigrate::schema::EntitySet::new().register(gadgets::Entity).schema(seamigrate::Backend::Postgres);
    let fk = &schema.table("gadgets").expect("gadgets").foreign_keys[0];
    assert_eq!(fk.name, None, "sea-orm's made-up name is forgotten");
    assert_eq!(seamigrate::apply::build::foreign_key_name("gadgets", fk), "fk_gadgets_parent_id");
}
