//! A test, and only a test: the PostgreSQL discovery of `postgres.rs` must read exactly the
//! `Schema` that the discovery before it read (kept here verbatim: its columns query calls
//! `information_schema`'s `_pg_numeric_precision`, `_pg_char_max_length`, ... helper functions
//! and casts each type name to `regtype`; its queries ran one after the other), on the reference
//! schema, on a schema of PostgreSQL's corner cases and on random schemas. The tests need a
//! PostgreSQL server (`SEAMIGRATE_TEST_POSTGRES_URL`, default
//! postgres://postgres@127.0.0.1:5432/postgres); without one they are skipped, saying so, unless
//! `SEAMIGRATE_TEST_BACKENDS` names postgres.

use super::{current_schema, failed, sqlx_words, type_word};
use crate::db::Backend;
use crate::db::connect::db_words;
use crate::schema::SchemaError;
use crate::schema::model::{
    Column, ColumnType, DefaultValue, EnumType, FkAction, ForeignKey, Index, Schema, Table,
};
use sea_orm::sea_query::{Alias, IntoIden};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, QueryResult, Statement};
use sea_schema::postgres::def::{ColumnDefault, ColumnInfo, Type};
use sea_schema::postgres::discovery::SchemaDiscovery;
use sea_schema::postgres::query::{ColumnQueryResult, SchemaQueryBuilder};
use std::collections::{BTreeMap, HashMap};

const PG: Backend = Backend::Postgres;

/// The discovery seamigrate used before the columns query stopped calling
/// `information_schema`'s helper functions and the queries ran concurrently.
async fn discover_with_information_schema(
    conn: &DatabaseConnection,
) -> Result<Schema, SchemaError> {
    let schema_name = current_schema(conn, PG, "SELECT current_schema()").await?;
    let found = SchemaDiscovery::new_no_exec(&schema_name)
        .discover_enums_with(conn)
        .await
        .map_err(|e| failed(PG, "reading enum types", sqlx_words(e)))?;
    let mut schema = Schema::default();
    for e in found {
        let name = e.typename;
        schema.enums.insert(
            name.clone(),
            EnumType {
                name,
                values: e.values,
            },
        );
    }
    let enum_values: HashMap<String, Vec<String>> = schema
        .enums
        .values()
        .map(|e| (e.name.clone(), e.values.clone()))
        .collect();
    let mut columns = columns(conn, &schema_name, &enum_values).await?;
    let mut keys = keys(conn, &schema_name).await?;
    let mut indexes = indexes(conn, &schema_name).await?;
    for name in table_names(conn, &schema_name).await? {
        let keys = keys.remove(&name).unwrap_or_default();
        let table = Table {
            columns: columns.remove(&name).unwrap_or_default(),
            primary_key: keys.primary_key,
            indexes: indexes.remove(&name).unwrap_or_default(),
            foreign_keys: keys.foreign_keys,
            name,
        };
        schema.tables.insert(table.name.clone(), table);
    }
    Ok(schema)
}

/// The rows `sql` returns with `schema` as its one parameter; `step` names it in an error.
async fn rows(
    conn: &DatabaseConnection,
    sql: &str,
    schema: &str,
    step: &'static str,
) -> Result<Vec<QueryResult>, SchemaError> {
    let stmt = Statement::from_sql_and_values(DbBackend::Postgres, sql, [schema.into()]);
    conn.query_all_raw(stmt)
        .await
        .map_err(|e| failed(PG, step, db_words(&e)))
}

/// The error of reading a value of a row while `step`.
fn reading(step: &'static str) -> impl Fn(DbErr) -> SchemaError {
    move |e| failed(PG, step, db_words(&e))
}

/// The base tables of `schema`, as sea-schema lists them (leaving out inheriting tables and
/// partitions).
async fn table_names(conn: &DatabaseConnection, schema: &str) -> Result<Vec<String>, SchemaError> {
    let step = "reading tables";
    let query = SchemaQueryBuilder::default().query_tables(Alias::new(schema).into_iden());
    let stmt = DbBackend::Postgres.build(&query);
    let rows = conn.query_all_raw(stmt).await.map_err(reading(step))?;
    rows.iter()
        .map(|row| row.try_get("", "table_name").map_err(reading(step)))
        .collect()
}

/// What sea-schema's column query reads from `information_schema.columns`, for every table of
/// the schema at once, in column order. The view's own definition, read straight from the
/// catalogue: the view checks column privileges and works out each column's true type and
/// modifier a dozen times per row, which made it 220 ms for 5,000 columns, a third of that here.
const COLUMNS: &str = "\
SELECT c.relname::text AS table_name, a.attname::text AS column_name,
  CASE WHEN t.typtype = 'd' THEN
         CASE WHEN bt.typelem <> 0 AND bt.typlen = -1 THEN 'ARRAY'
              WHEN nbt.nspname = 'pg_catalog' THEN format_type(t.typbasetype, NULL)
              ELSE 'USER-DEFINED' END
       ELSE
         CASE WHEN t.typelem <> 0 AND t.typlen = -1 THEN 'ARRAY'
              WHEN nt.nspname = 'pg_catalog' THEN format_type(a.atttypid, NULL)
              ELSE 'USER-DEFINED' END
  END AS data_type,
  CASE WHEN a.attgenerated = '' THEN pg_get_expr(ad.adbin, ad.adrelid) END AS column_default,
  CASE WHEN a.attgenerated <> '' THEN pg_get_expr(ad.adbin, ad.adrelid) END
    AS generation_expression,
  CASE WHEN a.attnotnull OR (t.typtype = 'd' AND t.typnotnull) THEN 'NO' ELSE 'YES' END
    AS is_nullable,
  CASE WHEN a.attidentity IN ('a', 'd') THEN 'YES' ELSE 'NO' END AS is_identity,
  information_schema._pg_numeric_precision(tt.id, tt.mod)::int4 AS numeric_precision,
  information_schema._pg_numeric_precision_radix(tt.id, tt.mod)::int4 AS numeric_precision_radix,
  information_schema._pg_numeric_scale(tt.id, tt.mod)::int4 AS numeric_scale,
  information_schema._pg_char_max_length(tt.id, tt.mod)::int4 AS character_maximum_length,
  information_schema._pg_char_octet_length(tt.id, tt.mod)::int4 AS character_octet_length,
  information_schema._pg_datetime_precision(tt.id, tt.mod)::int4 AS datetime_precision,
  information_schema._pg_interval_type(tt.id, tt.mod)::text AS interval_type,
  NULL::int4 AS interval_precision,
  COALESCE(bt.typname, t.typname)::text AS udt_name,
  CAST(CONCAT('\"', COALESCE(bt.typname, t.typname), '\"')::regtype AS text) AS udt_name_regtype
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace nc ON nc.oid = c.relnamespace
JOIN pg_type t ON t.oid = a.atttypid
JOIN pg_namespace nt ON nt.oid = t.typnamespace
LEFT JOIN pg_type bt ON t.typtype = 'd' AND bt.oid = t.typbasetype
LEFT JOIN pg_namespace nbt ON nbt.oid = bt.typnamespace
CROSS JOIN LATERAL (SELECT
    CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE a.atttypid END AS id,
    CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE a.atttypmod END AS mod) AS tt
LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
WHERE nc.nspname = $1 AND a.attnum > 0 AND NOT a.attisdropped
  AND c.relkind IN ('r', 'v', 'f', 'p')
ORDER BY c.relname, a.attnum";

/// The columns of `schema`'s tables, by table name, read as sea-schema reads them.
async fn columns(
    conn: &DatabaseConnection,
    schema: &str,
    enums: &HashMap<String, Vec<String>>,
) -> Result<BTreeMap<String, Vec<Column>>, SchemaError> {
    let step = "reading columns";
    let mut found: BTreeMap<String, Vec<Column>> = BTreeMap::new();
    for row in rows(conn, COLUMNS, schema, step).await? {
        let table: String = row.try_get("", "table_name").map_err(reading(step))?;
        let result = column_query_result(&row).map_err(reading(step))?;
        found
            .entry(table)
            .or_default()
            .push(column(result.parse(enums)));
    }
    Ok(found)
}

/// One row of [`COLUMNS`] as sea-schema's own column query would have returned it.
fn column_query_result(row: &QueryResult) -> Result<ColumnQueryResult, DbErr> {
    Ok(ColumnQueryResult {
        column_name: row.try_get("", "column_name")?,
        column_type: row.try_get("", "data_type")?,
        column_default: row.try_get("", "column_default")?,
        column_generated: row.try_get("", "generation_expression")?,
        is_nullable: row.try_get("", "is_nullable")?,
        is_identity: row.try_get("", "is_identity")?,
        numeric_precision: row.try_get("", "numeric_precision")?,
        numeric_precision_radix: row.try_get("", "numeric_precision_radix")?,
        numeric_scale: row.try_get("", "numeric_scale")?,
        character_maximum_length: row.try_get("", "character_maximum_length")?,
        character_octet_length: row.try_get("", "character_octet_length")?,
        datetime_precision: row.try_get("", "datetime_precision")?,
        interval_type: row.try_get("", "interval_type")?,
        interval_precision: row.try_get("", "interval_precision")?,
        udt_name: row.try_get("", "udt_name")?,
        udt_name_regtype: row.try_get("", "udt_name_regtype")?,
    })
}

fn column(info: ColumnInfo) -> Column {
    Column {
        ty: column_type(&info.col_type),
        nullable: info.not_null.is_none(),
        default: info.default.map(default_value),
        auto_increment: info.is_identity,
        name: info.name,
    }
}

fn column_type(ty: &Type) -> ColumnType {
    let len = |l: Option<u16>| l.map(u32::from);
    match ty {
        Type::SmallInt | Type::SmallSerial => ColumnType::SmallInt,
        Type::Integer | Type::Serial => ColumnType::Integer,
        Type::BigInt | Type::BigSerial => ColumnType::BigInt,
        Type::Decimal(a) | Type::Numeric(a) => ColumnType::Decimal {
            precision: len(a.precision),
            scale: len(a.scale),
        },
        Type::Real => ColumnType::Float,
        Type::DoublePrecision => ColumnType::Double,
        Type::Varchar(a) => ColumnType::String { len: len(a.length) },
        Type::Char(a) => ColumnType::Char { len: len(a.length) },
        Type::Text => ColumnType::Text,
        Type::Bytea => ColumnType::Blob,
        Type::Timestamp(_) => ColumnType::DateTime,
        Type::TimestampWithTimeZone(_) => ColumnType::TimestampTz,
        Type::Date => ColumnType::Date,
        Type::Time(_) => ColumnType::Time,
        Type::Boolean => ColumnType::Boolean,
        Type::Uuid => ColumnType::Uuid,
        Type::Json => ColumnType::Json,
        Type::JsonBinary => ColumnType::JsonBinary,
        Type::Enum(e) => ColumnType::Enum(e.typename.clone()),
        Type::Unknown(name) => ColumnType::Other(name.clone()),
        other => ColumnType::Other(type_word(other)),
    }
}

/// A `nextval(...)` default stays an expression here; `normalise` reads it as auto-increment.
fn default_value(default: ColumnDefault) -> DefaultValue {
    match default {
        ColumnDefault::Int(n) => DefaultValue::Int(n),
        ColumnDefault::Real(f) => DefaultValue::Float(f.to_string()),
        ColumnDefault::String(s) => DefaultValue::Str(s),
        ColumnDefault::Bool(b) => DefaultValue::Bool(b),
        ColumnDefault::CurrentTimestamp => DefaultValue::CurrentTimestamp,
        ColumnDefault::AutoIncrement(sql) | ColumnDefault::Expression(sql) => {
            DefaultValue::Expr(sql)
        }
    }
}

/// A table's primary key and foreign keys.
#[derive(Default)]
struct Keys {
    primary_key: Vec<String>,
    foreign_keys: Vec<ForeignKey>,
}

/// Every column of every primary and foreign key in `schema`, in key order, with the column it
/// references and the actions (`pg_constraint`'s one-letter codes) for a foreign key.
const KEYS: &str = "\
SELECT t.relname::text AS table_name, c.conname::text AS constraint_name,
       c.contype::text AS kind, a.attname::text AS column_name,
       r.relname::text AS ref_table, ra.attname::text AS ref_column,
       c.confdeltype::text AS on_delete, c.confupdtype::text AS on_update
FROM pg_constraint c
JOIN pg_class t ON t.oid = c.conrelid
JOIN pg_namespace s ON s.oid = t.relnamespace
CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, n)
JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
LEFT JOIN pg_class r ON r.oid = c.confrelid
LEFT JOIN pg_attribute ra ON ra.attrelid = c.confrelid AND ra.attnum = c.confkey[k.n]
WHERE s.nspname = $1 AND c.contype IN ('p', 'f')
ORDER BY t.relname, c.conname, k.n";

/// The primary and foreign keys of `schema`'s tables, by table name.
async fn keys(
    conn: &DatabaseConnection,
    schema: &str,
) -> Result<BTreeMap<String, Keys>, SchemaError> {
    let step = "reading keys";
    let get = |row: &QueryResult, column: &str| -> Result<String, SchemaError> {
        row.try_get("", column).map_err(reading(step))
    };
    let mut found: BTreeMap<String, Keys> = BTreeMap::new();
    for row in rows(conn, KEYS, schema, step).await? {
        let keys = found.entry(get(&row, "table_name")?).or_default();
        let column = get(&row, "column_name")?;
        if get(&row, "kind")? == "p" {
            keys.primary_key.push(column);
            continue;
        }
        let name = get(&row, "constraint_name")?;
        let ref_column = get(&row, "ref_column")?;
        match keys.foreign_keys.last_mut() {
            Some(last) if last.name.as_deref() == Some(name.as_str()) => {
                last.columns.push(column);
                last.ref_columns.push(ref_column);
            }
            _ => keys.foreign_keys.push(ForeignKey {
                name: Some(name),
                columns: vec![column],
                ref_table: get(&row, "ref_table")?,
                ref_columns: vec![ref_column],
                on_delete: action(&get(&row, "on_delete")?),
                on_update: action(&get(&row, "on_update")?),
            }),
        }
    }
    Ok(found)
}

/// A foreign key action by its `pg_constraint` code.
fn action(code: &str) -> FkAction {
    match code {
        "r" => FkAction::Restrict,
        "c" => FkAction::Cascade,
        "n" => FkAction::SetNull,
        "d" => FkAction::SetDefault,
        _ => FkAction::NoAction,
    }
}

/// Every key column of every index in `schema` but the primary keys', in index order; an
/// expression column is given by its expression.
const INDEXES: &str = "\
SELECT t.relname::text AS table_name, i.relname::text AS index_name, x.indisunique AS is_unique,
       COALESCE(a.attname, pg_get_indexdef(x.indexrelid, k.n, true))::text AS column_name
FROM pg_index x
JOIN pg_class i ON i.oid = x.indexrelid
JOIN pg_class t ON t.oid = x.indrelid
JOIN pg_namespace s ON s.oid = t.relnamespace
CROSS JOIN LATERAL generate_series(1, x.indnkeyatts) AS k(n)
LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = x.indkey[k.n - 1] AND a.attnum > 0
WHERE s.nspname = $1 AND NOT x.indisprimary
ORDER BY t.relname, i.relname, k.n";

/// The indexes of `schema`'s tables (unique constraints included), by table name.
async fn indexes(
    conn: &DatabaseConnection,
    schema: &str,
) -> Result<BTreeMap<String, Vec<Index>>, SchemaError> {
    let step = "reading indexes";
    let mut found: BTreeMap<String, Vec<Index>> = BTreeMap::new();
    for row in rows(conn, INDEXES, schema, step).await? {
        let table: String = row.try_get("", "table_name").map_err(reading(step))?;
        let index: String = row.try_get("", "index_name").map_err(reading(step))?;
        let column: String = row.try_get("", "column_name").map_err(reading(step))?;
        let unique: bool = row.try_get("", "is_unique").map_err(reading(step))?;
        let indexes = found.entry(table).or_default();
        match indexes.last_mut() {
            Some(last) if last.name.as_deref() == Some(index.as_str()) => last.columns.push(column),
            _ => indexes.push(Index {
                name: Some(index),
                columns: vec![column],
                unique,
            }),
        }
    }
    Ok(found)
}

mod tests {
    use super::discover_with_information_schema;
    use crate::Backend;
    use crate::db::{ConnectSettings, DatabaseUrl, connect, mask_password};
    use crate::diff::testing::{Rng, mutate, random_schema};
    use crate::diff::{DiffOptions, diff};
    use crate::schema::from_database::postgres;
    use crate::schema::model::{ColumnType, Schema};
    use futures::FutureExt;
    use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
    use sea_orm_migration::{MigratorTrait, SchemaManager};
    use std::future::Future;
    use std::panic::AssertUnwindSafe;
    use std::time::Duration;

    fn server_url() -> String {
        std::env::var("SEAMIGRATE_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
    }

    /// Whether `SEAMIGRATE_TEST_BACKENDS` makes PostgreSQL required, so that no server fails.
    fn required() -> bool {
        std::env::var("SEAMIGRATE_TEST_BACKENDS")
            .is_ok_and(|list| list.split(',').any(|k| k.trim() == "postgres"))
    }

    /// Runs `body` on a fresh database with a random name, connected as seamigrate connects
    /// (a pool of a few connections), then drops the database, even if `body` panics.
    async fn on_fresh_database<F, Fut>(body: F)
    where
        F: FnOnce(DatabaseConnection) -> Fut,
        Fut: Future<Output = ()>,
    {
        let server = server_url();
        let connected = tokio::time::timeout(Duration::from_secs(3), Database::connect(&server));
        let admin = match connected.await {
            Ok(Ok(admin)) => admin,
            failed if required() => panic!("PostgreSQL is required but unreachable: {failed:?}"),
            _ => {
                eprintln!("note: skipped: no PostgreSQL at {}", mask_password(&server));
                return;
            }
        };
        let name = format!("seamigrate_u_{:016x}", rand::random::<u64>());
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .expect("create the test database");
        let base = server.rsplit_once('/').map_or(server.as_str(), |(b, _)| b);
        let url = DatabaseUrl::parse(&format!("{base}/{name}")).expect("url");
        let conn = connect(&url, &ConnectSettings::default())
            .await
            .expect("connect to the test database");
        let outcome = AssertUnwindSafe(body(conn.clone())).catch_unwind().await;
        let _ = conn.close().await;
        let drop = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
        let _ = admin.execute_unprepared(&drop).await;
        let _ = admin.close().await;
        if let Err(panic) = outcome {
            std::panic::resume_unwind(panic);
        }
    }

    /// Both readings of the database behind `conn`; the test fails where they differ.
    async fn assert_same(conn: &DatabaseConnection, what: &str) -> Schema {
        let old = discover_with_information_schema(conn)
            .await
            .expect("the discovery before");
        let new = postgres::discover(conn)
            .await
            .expect("seamigrate's discovery");
        assert_eq!(new, old, "{what}: the two discoveries differ");
        new
    }

    #[tokio::test]
    async fn reads_the_reference_schema_as_before() {
        on_fresh_database(|conn| async move {
            migration::Migrator::up(&conn, None)
                .await
                .expect("migrations");
            let schema = assert_same(&conn, "reference schema").await;
            assert!(schema.tables.len() >= 6, "{schema:#?}");
        })
        .await;
    }

    /// PostgreSQL's corner cases: every type the model knows, with and without a length,
    /// precision or scale (a negative scale too), types it does not (arrays, bit strings,
    /// intervals, network and geometric types, a composite type, domains), enums (one with an
    /// odd name), serial and identity columns, a generated column, defaults of every kind,
    /// composite primary keys, unique constraints, expression, partial, descending and covering
    /// indexes, multi-column foreign keys with every action, a dropped column, a partitioned
    /// table and its partition, an inheriting table, a view, odd names, and a table in another
    /// schema.
    const CORNER_CASES: &str = r#"
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TYPE "odd enum" AS ENUM ('a b', 'c''d');
CREATE DOMAIN positive AS integer CHECK (VALUE > 0);
CREATE DOMAIN short_text AS varchar(12) NOT NULL;
CREATE DOMAIN int_list AS integer[];
CREATE DOMAIN price AS numeric(9, 3);
CREATE TYPE pair AS (a integer, b text);
CREATE TABLE parent (id serial PRIMARY KEY, big bigserial, small smallserial,
  code varchar(20) NOT NULL, unbounded varchar, c char(3), c1 char, gone integer,
  n numeric(12, 2) DEFAULT 1.50, n_p numeric(7), n_free numeric, d decimal(5, 5),
  r real DEFAULT 1.5, dp double precision DEFAULT -2.25, si smallint DEFAULT -3,
  i integer DEFAULT 7, bi bigint DEFAULT 9000000000,
  t text DEFAULT 'it''s', empty text DEFAULT '', twelve text DEFAULT '12',
  b boolean NOT NULL DEFAULT false, b2 boolean DEFAULT true, by bytea,
  ts timestamp(3) DEFAULT now(), ts0 timestamp(0), tstz timestamptz DEFAULT CURRENT_TIMESTAMP,
  tstz2 timestamp(2) with time zone, dt date DEFAULT CURRENT_DATE, tm time(4), tmtz timetz,
  iv interval, iv2 interval day to second(3), iv3 interval year, iv4 interval(2),
  u uuid DEFAULT gen_random_uuid(), j json, jb jsonb DEFAULT '{}'::jsonb,
  m mood DEFAULT 'ok', oe "odd enum", moods mood[], ints integer[], texts text[][],
  vcs varchar(5)[], p positive, st short_text, il int_list, pr price, pa pair,
  bits bit(8), vbits varbit(16), bit1 bit, inet_col inet, mac macaddr, cash money, pt point,
  rng int4range, xml_col xml, tsv tsvector, UNIQUE (code, i), UNIQUE (u));
ALTER TABLE parent DROP COLUMN gone;
CREATE TABLE ident (a integer GENERATED ALWAYS AS IDENTITY,
  b bigint GENERATED BY DEFAULT AS IDENTITY (START WITH 10),
  g integer GENERATED ALWAYS AS (a * 2) STORED, PRIMARY KEY (b));
CREATE TABLE child (a integer NOT NULL, b text NOT NULL, parent_id integer,
  code varchar(20), pi integer DEFAULT 1, PRIMARY KEY (b, a),
  CONSTRAINT fk_parent FOREIGN KEY (parent_id) REFERENCES parent (id)
    ON DELETE CASCADE ON UPDATE SET NULL,
  CONSTRAINT fk_code FOREIGN KEY (code, pi) REFERENCES parent (code, i)
    ON DELETE RESTRICT ON UPDATE CASCADE,
  CONSTRAINT fk_default FOREIGN KEY (pi) REFERENCES parent (id) ON DELETE SET DEFAULT);
CREATE INDEX idx_child_code ON child (code, parent_id);
CREATE UNIQUE INDEX idx_child_parent ON child (parent_id) WHERE parent_id IS NOT NULL;
CREATE INDEX idx_lower ON child (lower(code), a);
CREATE INDEX idx_desc ON parent (n DESC, c);
CREATE INDEX idx_include ON parent (code) INCLUDE (t);
CREATE TABLE "Mixed Case" ("Key" text PRIMARY KEY, "Value" numeric(3, -1));
CREATE TABLE nokey (x integer, y text UNIQUE, z text REFERENCES "Mixed Case" ("Key"));
CREATE INDEX "idx odd" ON "Mixed Case" ("Value");
CREATE TABLE part (id integer, at date, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
CREATE TABLE part_2024 PARTITION OF part FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE base (id integer PRIMARY KEY);
CREATE TABLE inherits_base (extra text) INHERITS (base);
CREATE VIEW v AS SELECT * FROM parent;
CREATE SCHEMA other;
CREATE TABLE other.elsewhere (id integer PRIMARY KEY, parent_id integer REFERENCES parent (id))
"#;

    #[tokio::test]
    async fn reads_postgres_corner_cases_as_before() {
        on_fresh_database(|conn| async move {
            for statement in CORNER_CASES.split(';').filter(|s| !s.trim().is_empty()) {
                conn.execute_unprepared(statement).await.expect(statement);
            }
            let schema = assert_same(&conn, "corner cases").await;
            let parent = &schema.tables["parent"];
            let ty = |name: &str| {
                &parent
                    .columns
                    .iter()
                    .find(|c| c.name == name)
                    .expect(name)
                    .ty
            };
            let decimal = ColumnType::Decimal {
                precision: Some(12),
                scale: Some(2),
            };
            assert_eq!(ty("n"), &decimal);
            assert_eq!(ty("code"), &ColumnType::String { len: Some(20) });
            assert_eq!(ty("c"), &ColumnType::Char { len: Some(3) });
            assert_eq!(ty("m"), &ColumnType::Enum("mood".into()));
            assert_eq!(ty("moods"), &ColumnType::Other("array".into()));
            assert!(!parent.columns.iter().any(|c| c.name == "gone"));
            assert!(schema.tables.contains_key("part"), "{schema:#?}");
            assert!(!schema.tables.contains_key("elsewhere"));
            assert_eq!(schema.tables["child"].foreign_keys.len(), 3);
        })
        .await;
    }

    /// `schema` without its foreign keys: the generator does not keep to PostgreSQL's rules for
    /// them (a unique key of the same types on the other side), so most of them would fail.
    /// The corner cases have foreign keys of every kind.
    fn without_foreign_keys(mut schema: Schema) -> Schema {
        for table in schema.tables.values_mut() {
            table.foreign_keys.clear();
        }
        schema
    }

    /// Random schemas of the diff's property test without their foreign keys, created through
    /// `apply` in a fresh `public` schema each, then changed by a random mutation. Where a
    /// change fails, the schema is compared as far as the changes went and the seed stops.
    #[tokio::test]
    async fn reads_random_schemas_as_before() {
        on_fresh_database(|conn| async move {
            let options = DiffOptions::new(Backend::Postgres);
            let (mut compared, mut tables) = (0, 0);
            for seed in 0..40u64 {
                conn.execute_unprepared("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
                    .await
                    .expect("a fresh public schema");
                let mut rng = Rng::new(0x9_D15C_0000 + seed);
                let a = without_foreign_keys(random_schema(&mut rng));
                let b = without_foreign_keys(mutate(&mut rng, &a));
                for wanted in [&a, &b] {
                    let live = assert_same(&conn, &format!("seed {seed}")).await;
                    let manager = SchemaManager::new(&conn);
                    let mut applied = true;
                    for change in diff(&live, wanted, &options).changes {
                        applied &= crate::apply::apply(&manager, &change, &wanted.enums)
                            .await
                            .is_ok();
                    }
                    let live = assert_same(&conn, &format!("seed {seed}")).await;
                    tables += live.tables.len();
                    compared += 1;
                    if !applied {
                        break;
                    }
                }
            }
            assert!(compared >= 60, "only {compared} random schemas compared");
            assert!(tables >= 120, "only {tables} tables in the random schemas");
        })
        .await;
    }
}
