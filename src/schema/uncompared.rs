//! What a live schema holds that the model does not compare, named so that `check` and
//! `autogenerate` can say so instead of being silently equal: triggers, comments, collations
//! other than the default, PostgreSQL sequences owned by no column, PostgreSQL indexes with an
//! explicit NULLS FIRST/LAST that is not the default, and MySQL indexes on expressions (indexes are
//! otherwise compared whole: method, order, operator classes, expressions, predicate, INCLUDE,
//! NULLS NOT DISTINCT, prefixes; CHECK constraints, generated columns, views and extensions are
//! compared too).
//! One catalogue query per backend.

use super::SchemaError;
use super::filter::Filter;
use super::model::Schema;
use crate::db::Backend;
use sea_orm::ConnectionTrait;
use serde::Serialize;

/// One object the comparison leaves out, and what kind of object it is.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Uncompared {
    /// e.g. `trigger`, `NULLS FIRST/LAST index`, `expression index`.
    pub kind: String,
    /// Its name.
    pub name: String,
    /// The table it belongs to, when it belongs to one.
    pub table: Option<String>,
}

impl Uncompared {
    /// Whether this is an index: one the model would read as a plain list of columns.
    pub fn is_index(&self) -> bool {
        self.kind.ends_with("index")
    }

    /// As `check` lists it: `gin index idx_users_name on users`.
    pub fn describe(&self) -> String {
        match (&self.table, self.name.is_empty()) {
            (Some(table), true) => format!("{} on {table}", self.kind),
            (Some(table), false) => format!("{} {} on {table}", self.kind, self.name),
            (None, _) => format!("{} {}", self.kind, self.name),
        }
    }
}

const POSTGRES: &str = "WITH ns AS (SELECT oid FROM pg_namespace WHERE nspname = current_schema()) \
    SELECT 'NULLS FIRST/LAST index', ic.relname::text, cl.relname::text \
      FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_class cl ON cl.oid = i.indrelid \
      WHERE cl.relnamespace = (SELECT oid FROM ns) \
      AND EXISTS (SELECT 1 FROM unnest(i.indoption::int2[]) o WHERE o IN (1, 2)) \
    UNION ALL SELECT 'trigger', t.tgname::text, cl.relname::text FROM pg_trigger t \
      JOIN pg_class cl ON cl.oid = t.tgrelid WHERE NOT t.tgisinternal AND cl.relnamespace = (SELECT oid FROM ns) \
    UNION ALL SELECT 'sequence owned by no column', s.relname::text, NULL FROM pg_class s \
      WHERE s.relkind = 'S' AND s.relnamespace = (SELECT oid FROM ns) AND NOT EXISTS (SELECT 1 FROM pg_depend d \
        WHERE d.classid = 'pg_class'::regclass AND d.objid = s.oid AND d.deptype IN ('a', 'i')) \
    UNION ALL SELECT 'column with a collation', a.attname::text, cl.relname::text FROM pg_attribute a \
      JOIN pg_class cl ON cl.oid = a.attrelid WHERE cl.relnamespace = (SELECT oid FROM ns) AND cl.relkind IN ('r', 'p') \
      AND a.attnum > 0 AND NOT a.attisdropped AND a.attcollation NOT IN (0, 100) \
    UNION ALL SELECT CASE WHEN d.objsubid = 0 THEN 'table comment' ELSE 'column comment' END, \
        CASE WHEN d.objsubid = 0 THEN cl.relname::text ELSE a.attname::text END, \
        CASE WHEN d.objsubid = 0 THEN NULL ELSE cl.relname::text END \
      FROM pg_description d JOIN pg_class cl ON cl.oid = d.objoid AND d.classoid = 'pg_class'::regclass \
      LEFT JOIN pg_attribute a ON a.attrelid = cl.oid AND a.attnum = d.objsubid \
      WHERE cl.relnamespace = (SELECT oid FROM ns) AND cl.relkind IN ('r', 'p')";

const MYSQL: &str = "SELECT 'expression index', CAST(INDEX_NAME AS CHAR), CAST(TABLE_NAME AS CHAR) \
      FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND COLUMN_NAME IS NULL \
    UNION ALL SELECT 'trigger', CAST(TRIGGER_NAME AS CHAR), CAST(EVENT_OBJECT_TABLE AS CHAR) \
      FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE() \
    UNION ALL SELECT 'column with a collation', CAST(c.COLUMN_NAME AS CHAR), CAST(c.TABLE_NAME AS CHAR) \
      FROM information_schema.COLUMNS c JOIN information_schema.TABLES t \
      ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME \
      WHERE c.TABLE_SCHEMA = DATABASE() AND c.COLLATION_NAME <> t.TABLE_COLLATION \
    UNION ALL SELECT 'table with a collation', CAST(t.TABLE_NAME AS CHAR), CAST(NULL AS CHAR) \
      FROM information_schema.TABLES t JOIN information_schema.SCHEMATA s ON s.SCHEMA_NAME = t.TABLE_SCHEMA \
      WHERE t.TABLE_SCHEMA = DATABASE() AND t.TABLE_TYPE = 'BASE TABLE' AND t.TABLE_COLLATION <> s.DEFAULT_COLLATION_NAME \
    UNION ALL SELECT 'column comment', CAST(COLUMN_NAME AS CHAR), CAST(TABLE_NAME AS CHAR) \
      FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND COLUMN_COMMENT <> '' \
    UNION ALL SELECT 'table comment', CAST(TABLE_NAME AS CHAR), CAST(NULL AS CHAR) \
      FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' AND TABLE_COMMENT <> ''";

const SQLITE: &str = "SELECT 'trigger', name, tbl_name FROM sqlite_master WHERE type = 'trigger' \
    UNION ALL SELECT 'table with COLLATE clauses', name, NULL FROM sqlite_master \
      WHERE type = 'table' AND instr(upper(sql), ' COLLATE ') > 0";

/// What the database behind `conn` holds that the model does not compare, for the tables
/// `filter` accepts (objects of no table always), in kind and name order.
pub async fn uncompared(conn: &sea_orm::DatabaseConnection, filter: &Filter) -> Result<Vec<Uncompared>, SchemaError> {
    let backend = Backend::from_sea_orm(conn.get_database_backend());
    let sql = match backend {
        Backend::Postgres => POSTGRES,
        Backend::MySql => MYSQL,
        Backend::Sqlite => SQLITE,
    };
    let failed = |e: sea_orm::DbErr| SchemaError::Discovery {
        backend,
        step: "listing what is not compared",
        reason: crate::db::connect::db_words(&e),
    };
    let rows = conn
        .query_all_raw(sea_orm::Statement::from_string(conn.get_database_backend(), sql))
        .await
        .map_err(failed)?;
    let text = |row: &sea_orm::QueryResult, i| row.try_get_by_index::<Option<String>>(i).map(Option::unwrap_or_default);
    let read: Result<Vec<Uncompared>, sea_orm::DbErr> = rows
        .iter()
        .map(|row| Ok(Uncompared { kind: text(row, 0)?, name: text(row, 1)?, table: Some(text(row, 2)?).filter(|t| !t.is_empty()) }))
        .collect();
    let mut found: Vec<Uncompared> = read
        .map_err(failed)?
        .into_iter()
        .filter(|u| {
            let owner = u.table.as_deref().unwrap_or(&u.name);
            filter.accepts(owner)
        })
        .filter(|u| !u.name.starts_with("sqlite_autoindex_"))
        .collect();
    found.sort();
    found.dedup_by(|a, b| a.name == b.name && a.table == b.table && a.is_index() && b.is_index());
    Ok(found)
}

/// `live` without the indexes `uncompared` names, so that none is drafted as a change (no
/// `drop index` for an index the entities cannot declare).
pub fn set_aside(live: &mut Schema, uncompared: &[Uncompared]) {
    for item in uncompared.iter().filter(|u| u.is_index()) {
        if let Some(t) = item.table.as_ref().and_then(|table| live.tables.get_mut(table)) {
            t.indexes.retain(|i| i.name.as_deref() != Some(item.name.as_str()));
        }
    }
}
