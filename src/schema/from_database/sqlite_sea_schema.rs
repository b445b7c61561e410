//! A test, and only a test: the SQLite discovery of `sqlite.rs` must read exactly the `Schema`
//! that sea-schema's discovery (`SchemaDiscovery::discover_with`, as seamigrate used it before,
//! kept here verbatim) reads, on the reference schema, on a schema of SQLite's corner cases and
//! on random schemas.

use super::{failed, sqlx_words};
use crate::db::Backend;
use crate::db::connect::db_words;
use crate::schema::SchemaError;
use crate::schema::model::{Column, DefaultValue, FkAction, ForeignKey, Index, Schema, Table};
use crate::schema::normalise::defaults;
use crate::schema::statement;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use sea_schema::sqlite::SqliteDiscoveryError;
use sea_schema::sqlite::def::{
    ColumnInfo, DefaultType, ForeignKeyAction, ForeignKeysInfo, TableDef,
};
use sea_schema::sqlite::discovery::SchemaDiscovery;

/// The discovery seamigrate used before `sqlite.rs`, through sea-schema's.
async fn discover_with_sea_schema(conn: &DatabaseConnection) -> Result<Schema, SchemaError> {
    let found = SchemaDiscovery::discover_with(conn).await.map_err(|e| {
        let reason = match e {
            SqliteDiscoveryError::SqlxError(e) => sqlx_words(e),
            other => other.to_string(),
        };
        failed(Backend::Sqlite, "reading tables", reason)
    })?;
    let mut schema = Schema::default();
    for def in found
        .tables
        .into_iter()
        .filter(|t| !t.name.starts_with("sqlite_"))
    {
        let mut table = table(def);
        read_defaults(conn, &mut table).await?;
        schema.tables.insert(table.name.clone(), table);
    }
    // Indexes made by CREATE INDEX; those of UNIQUE constraints came with their table.
    for index in found.indexes {
        if let Some(table) = schema.tables.get_mut(&index.table_name) {
            let unique = index.unique;
            table.indexes.push(Index {
                name: Some(index.index_name),
                columns: index.columns,
                unique,
            });
        }
    }
    Ok(schema)
}

/// Sets the defaults of `table`'s columns from `PRAGMA table_info`, whose `dflt_value` is the
/// default's SQL text. sea-schema's reading of it drops every quote, so that `'it''s'` reads as
/// `its`, `''` as no default at all and `'12'` as the number 12.
async fn read_defaults(conn: &DatabaseConnection, table: &mut Table) -> Result<(), SchemaError> {
    let sql = "SELECT name, dflt_value FROM pragma_table_info(?1)";
    let stmt = Statement::from_sql_and_values(DbBackend::Sqlite, sql, [table.name.as_str().into()]);
    let step = "reading column defaults";
    let rows = conn
        .query_all_raw(stmt)
        .await
        .map_err(|e| failed(Backend::Sqlite, step, db_words(&e)))?;
    for row in rows {
        let read = |i| row.try_get_by_index::<Option<String>>(i);
        let (name, sql) = read(0)
            .and_then(|name| Ok((name, read(1)?)))
            .map_err(|e| failed(Backend::Sqlite, step, db_words(&e)))?;
        let column = table
            .columns
            .iter_mut()
            .find(|c| Some(&c.name) == name.as_ref());
        if let Some(column) = column {
            column.default = sql.as_deref().map(defaults::parse_sql);
        }
    }
    Ok(())
}

fn table(def: TableDef) -> Table {
    let primary_key = def
        .columns
        .iter()
        .filter(|c| c.primary_key)
        .map(|c| c.name.clone())
        .collect();
    let auto_increment = def.auto_increment;
    Table {
        columns: def
            .columns
            .into_iter()
            .map(|c| column(c, auto_increment))
            .collect(),
        primary_key,
        indexes: def
            .constraints
            .into_iter()
            .map(|u| Index {
                name: Some(u.index_name),
                columns: u.columns,
                unique: u.unique,
            })
            .collect(),
        foreign_keys: def.foreign_keys.into_iter().map(foreign_key).collect(),
        name: def.name,
    }
}

/// `table_autoincrement`: the table was declared with AUTOINCREMENT, which SQLite only allows
/// on an INTEGER PRIMARY KEY.
fn column(info: ColumnInfo, table_autoincrement: bool) -> Column {
    Column {
        ty: statement::column_type(&info.r#type),
        nullable: !info.not_null,
        default: default_value(info.default_value),
        auto_increment: table_autoincrement && info.primary_key,
        name: info.name,
    }
}

fn default_value(default: DefaultType) -> Option<DefaultValue> {
    match default {
        DefaultType::Integer(n) => Some(DefaultValue::Int(n)),
        DefaultType::Float(f) => Some(DefaultValue::Float(f.to_string())),
        DefaultType::String(s) => Some(DefaultValue::Str(s)),
        DefaultType::Null => Some(DefaultValue::Null),
        DefaultType::Unspecified => None,
        DefaultType::CurrentTimestamp => Some(DefaultValue::CurrentTimestamp),
    }
}

/// SQLite foreign keys declared inline have no name.
fn foreign_key(fk: ForeignKeysInfo) -> ForeignKey {
    ForeignKey {
        name: None,
        columns: fk.from,
        ref_table: fk.table,
        ref_columns: fk.to,
        on_delete: action(&fk.on_delete),
        on_update: action(&fk.on_update),
    }
}

fn action(action: &ForeignKeyAction) -> FkAction {
    match action {
        ForeignKeyAction::NoAction => FkAction::NoAction,
        ForeignKeyAction::Restrict => FkAction::Restrict,
        ForeignKeyAction::SetNull => FkAction::SetNull,
        ForeignKeyAction::SetDefault => FkAction::SetDefault,
        ForeignKeyAction::Cascade => FkAction::Cascade,
    }
}

mod tests {
    use super::discover_with_sea_schema;
    use crate::Backend;
    use crate::diff::testing::{Rng, mutate, random_schema};
    use crate::diff::{DiffOptions, diff};
    use crate::schema::from_database::sqlite;
    use crate::schema::model::Schema;
    use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection};
    use sea_orm_migration::{MigratorTrait, SchemaManager};

    /// A fresh SQLite database in a temporary directory, on one connection.
    async fn database(dir: &tempfile::TempDir, name: &str) -> DatabaseConnection {
        let url = format!("sqlite://{}?mode=rwc", dir.path().join(name).display());
        let mut options = ConnectOptions::new(url);
        options.max_connections(1).sqlx_logging(false);
        Database::connect(options).await.expect("connect")
    }

    /// Both readings of the database behind `conn`; the test fails where they differ.
    async fn assert_same(conn: &DatabaseConnection, what: &str) -> Schema {
        let old = discover_with_sea_schema(conn)
            .await
            .expect("sea-schema's discovery");
        let new = sqlite::discover(conn)
            .await
            .expect("seamigrate's discovery");
        assert_eq!(new, old, "{what}: the two discoveries differ");
        new
    }

    #[tokio::test]
    async fn reads_the_reference_schema_as_sea_schema_did() {
        let dir = tempfile::tempdir().expect("temp dir");
        let conn = database(&dir, "reference.sqlite").await;
        migration::Migrator::up(&conn, None)
            .await
            .expect("migrations");
        let schema = assert_same(&conn, "reference schema").await;
        assert!(schema.tables.len() >= 6, "{schema:#?}");
    }

    /// SQLite's corner cases: AUTOINCREMENT, composite and text primary keys, UNIQUE
    /// constraints (one of several columns), a composite primary key without NOT NULL, created and unique indexes, multi-column foreign
    /// keys with actions, quoted and expression defaults, generated columns, type spellings
    /// with lengths, WITHOUT ROWID, a table without a primary key, odd names.
    const CORNER_CASES: &str = r#"
CREATE TABLE parent (id INTEGER PRIMARY KEY AUTOINCREMENT, code varchar(20) NOT NULL UNIQUE,
  note text DEFAULT 'it''s', empty text DEFAULT '', twelve text DEFAULT '12', n integer DEFAULT 7,
  f real DEFAULT 1.50, neg integer DEFAULT -3, nul text DEFAULT NULL,
  ts datetime_text DEFAULT CURRENT_TIMESTAMP, expr integer DEFAULT (1 + 2),
  b boolean NOT NULL DEFAULT 0, d decimal(12, 2), r real(10, 3), blob_col blob(16), c char(3),
  vb varbinary_blob(8), u uuid_text, j json_text, odd "weird type", untyped,
  UNIQUE (code, n), UNIQUE (f));
CREATE TABLE child (a integer NOT NULL, b text NOT NULL, parent_id integer, code varchar(20),
  g integer GENERATED ALWAYS AS (a * 2) VIRTUAL, s text GENERATED ALWAYS AS (b || 'x') STORED,
  PRIMARY KEY (b, a),
  FOREIGN KEY (parent_id) REFERENCES parent (id) ON DELETE CASCADE ON UPDATE SET NULL,
  FOREIGN KEY (code, parent_id) REFERENCES parent (code, n) ON DELETE RESTRICT);
CREATE INDEX idx_child_code ON child (code, parent_id);
CREATE INDEX idx_parent_n ON parent (n, f);
CREATE UNIQUE INDEX idx_child_parent ON child (parent_id) WHERE parent_id IS NOT NULL;
CREATE TABLE "Mixed Case" (k text PRIMARY KEY, v "decimal") WITHOUT ROWID;
CREATE TABLE nokey (x integer, y text UNIQUE, z integer REFERENCES "Mixed Case" (k));
CREATE INDEX "idx odd" ON "Mixed Case" (v DESC);
CREATE TABLE loose (p integer, q text, r text, PRIMARY KEY (q, p), UNIQUE (r, q));
CREATE TABLE implicit_ref (id integer PRIMARY KEY, p integer REFERENCES parent);
CREATE VIEW v AS SELECT * FROM parent;
"#;

    #[tokio::test]
    async fn reads_sqlite_corner_cases_as_sea_schema_did() {
        let dir = tempfile::tempdir().expect("temp dir");
        let conn = database(&dir, "corners.sqlite").await;
        for statement in CORNER_CASES.split(';').filter(|s| !s.trim().is_empty()) {
            conn.execute_unprepared(statement).await.expect(statement);
        }
        // sea-schema panics on a foreign key that names no parent column: compare without it.
        let new = sqlite::discover(&conn)
            .await
            .expect("seamigrate's discovery");
        let implicit = &new.tables["implicit_ref"].foreign_keys[0];
        assert_eq!(implicit.ref_columns, ["id"]);
        conn.execute_unprepared("DROP TABLE implicit_ref")
            .await
            .expect("drop");
        conn.execute_unprepared("ANALYZE").await.expect("analyze");
        let schema = assert_same(&conn, "corner cases").await;
        assert_eq!(schema.tables.len(), 5, "{schema:#?}");
    }

    /// Random schemas of the diff's property test, created through `apply`, then changed by a
    /// random mutation (which rebuilds tables); a seed whose changes SQLite refuses is skipped.
    #[tokio::test]
    async fn reads_random_schemas_as_sea_schema_did() {
        let options = DiffOptions::new(Backend::Sqlite);
        let dir = tempfile::tempdir().expect("temp dir");
        let mut compared = 0;
        for seed in 0..60u64 {
            let mut rng = Rng::new(0x5EA_D15C_0000 + seed);
            let a = random_schema(&mut rng);
            let b = mutate(&mut rng, &a);
            let conn = database(&dir, &format!("random{seed}.sqlite")).await;
            for wanted in [&a, &b] {
                let live = assert_same(&conn, &format!("seed {seed}")).await;
                let manager = SchemaManager::new(&conn);
                let mut applied = true;
                for change in diff(&live, wanted, &options).changes {
                    applied &= crate::apply::apply(&manager, &change, &wanted.enums)
                        .await
                        .is_ok();
                }
                if !applied {
                    break;
                }
                assert_same(&conn, &format!("seed {seed}")).await;
                compared += 1;
            }
        }
        assert!(compared >= 80, "only {compared} random schemas compared");
    }
}
