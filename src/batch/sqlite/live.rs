//! A table's current definition, read from the live database through `sqlite_master` and the
//! table PRAGMAs, on the connection (or transaction) the migration runs on.

use super::spec::{Fk, Saved, Unique};
use crate::db::Backend;
use crate::schema::Check;
use crate::schema::sql_text;
use sea_orm::sea_query::ForeignKeyAction;
use sea_orm::{ConnectionTrait, DbBackend, DbErr, QueryResult, Statement, Value};
use std::collections::BTreeMap;

/// A table as SQLite describes it.
pub(super) struct Live {
    /// The name as stored (SQLite matches table names without regard to case).
    pub name: String,
    /// The bare words of its `CREATE TABLE` statement (see [`super::scan`]).
    pub words: Vec<String>,
    pub columns: Vec<LiveColumn>,
    pub uniques: Vec<Unique>,
    pub foreign_keys: Vec<Fk>,
    /// Indexes made by `CREATE INDEX`, with that statement.
    pub indexes: Vec<Saved>,
    pub triggers: Vec<Saved>,
    /// Its CHECK constraints, read from the `CREATE TABLE` (then `words` holds no `CHECK`; where
    /// they cannot be read, it does, and the table is refused).
    pub checks: Vec<Check>,
}

/// One row of `PRAGMA table_xinfo`.
pub(super) struct LiveColumn {
    pub name: String,
    /// The declared type, exactly as written; empty when none was.
    pub decl_type: String,
    pub not_null: bool,
    /// The default as SQL text, exactly as written.
    pub default: Option<String>,
    /// Position in the primary key, from 1; 0 when not part of it.
    pub pk: i64,
    /// Non-zero for generated (and virtual-table hidden) columns.
    pub hidden: i64,
}

/// Runs `sql` with `args` and returns every row.
pub(super) async fn rows<C: ConnectionTrait>(
    conn: &C,
    sql: &str,
    args: Vec<Value>,
) -> Result<Vec<QueryResult>, DbErr> {
    let stmt = Statement::from_sql_and_values(DbBackend::Sqlite, sql, args);
    conn.query_all_raw(stmt).await
}

/// The table called `table`, or `None` if there is none.
pub(super) async fn read<C: ConnectionTrait>(conn: &C, table: &str) -> Result<Option<Live>, DbErr> {
    let sql = "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name = ?1 COLLATE NOCASE";
    let Some(row) = rows(conn, sql, vec![table.into()]).await?.into_iter().next() else {
        return Ok(None);
    };
    let name: String = row.try_get_by_index(0)?;
    let create: Option<String> = row.try_get_by_index(1)?;
    let (uniques, indexes) = read_indexes(conn, &name).await?;
    let mut words = super::scan::bare_words(create.as_deref().unwrap_or_default());
    let read = create.as_deref().map(|sql| sql_text::table_text(sql, Backend::Sqlite, Backend::Sqlite));
    let checks = match read {
        Some(Ok(text)) => {
            words.retain(|w| w != "CHECK");
            text.checks
        }
        _ => Vec::new(),
    };
    Ok(Some(Live {
        words,
        checks,
        columns: read_columns(conn, &name).await?,
        foreign_keys: read_foreign_keys(conn, &name).await?,
        triggers: read_triggers(conn, &name).await?,
        uniques,
        indexes,
        name,
    }))
}

async fn read_columns<C: ConnectionTrait>(conn: &C, table: &str) -> Result<Vec<LiveColumn>, DbErr> {
    let sql = "SELECT name, type, \"notnull\", dflt_value, pk, hidden \
               FROM pragma_table_xinfo(?1) ORDER BY cid";
    let mut columns = Vec::new();
    for row in rows(conn, sql, vec![table.into()]).await? {
        columns.push(LiveColumn {
            name: row.try_get_by_index(0)?,
            decl_type: row.try_get_by_index::<Option<String>>(1)?.unwrap_or_default(),
            not_null: row.try_get_by_index::<i64>(2)? != 0,
            default: row.try_get_by_index(3)?,
            pk: row.try_get_by_index(4)?,
            hidden: row.try_get_by_index(5)?,
        });
    }
    Ok(columns)
}

/// The table's foreign keys; one whose parent columns are implied (`REFERENCES parent` alone)
/// gets the parent's primary key columns, so that it can be written out again.
async fn read_foreign_keys<C: ConnectionTrait>(conn: &C, table: &str) -> Result<Vec<Fk>, DbErr> {
    let sql = "SELECT id, \"table\", \"from\", \"to\", on_update, on_delete \
               FROM pragma_foreign_key_list(?1) ORDER BY id, seq";
    let mut by_id: BTreeMap<i64, Fk> = BTreeMap::new();
    for row in rows(conn, sql, vec![table.into()]).await? {
        let fk = by_id.entry(row.try_get_by_index(0)?).or_insert(Fk {
            columns: Vec::new(),
            ref_table: row.try_get_by_index(1)?,
            ref_columns: Vec::new(),
            on_update: action(&row.try_get_by_index::<String>(4)?),
            on_delete: action(&row.try_get_by_index::<String>(5)?),
        });
        fk.columns.push(row.try_get_by_index(2)?);
        if let Some(to) = row.try_get_by_index::<Option<String>>(3)? {
            fk.ref_columns.push(to);
        }
    }
    let mut fks: Vec<Fk> = by_id.into_values().collect();
    for fk in fks.iter_mut().filter(|fk| fk.ref_columns.is_empty()) {
        fk.ref_columns = primary_key(conn, &fk.ref_table).await?;
    }
    Ok(fks)
}

/// The primary key columns of `table`, in key order.
async fn primary_key<C: ConnectionTrait>(conn: &C, table: &str) -> Result<Vec<String>, DbErr> {
    let sql = "SELECT name FROM pragma_table_info(?1) WHERE pk > 0 ORDER BY pk";
    rows(conn, sql, vec![table.into()])
        .await?
        .iter()
        .map(|r| r.try_get_by_index(0))
        .collect()
}

/// A foreign key action as SQLite spells it; `None` for `NO ACTION`, the default.
fn action(spelled: &str) -> Option<ForeignKeyAction> {
    match spelled.to_ascii_uppercase().as_str() {
        "CASCADE" => Some(ForeignKeyAction::Cascade),
        "SET NULL" => Some(ForeignKeyAction::SetNull),
        "SET DEFAULT" => Some(ForeignKeyAction::SetDefault),
        "RESTRICT" => Some(ForeignKeyAction::Restrict),
        _ => None,
    }
}

/// UNIQUE constraints (their automatic indexes) and `CREATE INDEX` indexes; the primary key's
/// own index belongs to the key.
async fn read_indexes<C: ConnectionTrait>(
    conn: &C,
    table: &str,
) -> Result<(Vec<Unique>, Vec<Saved>), DbErr> {
    let sql = "SELECT l.name, l.origin, m.sql FROM pragma_index_list(?1) l \
               LEFT JOIN sqlite_master m ON m.type = 'index' AND m.name = l.name";
    let (mut uniques, mut indexes) = (Vec::new(), Vec::new());
    for row in rows(conn, sql, vec![table.into()]).await? {
        let name: String = row.try_get_by_index(0)?;
        let origin: String = row.try_get_by_index(1)?;
        let columns = index_columns(conn, &name).await?;
        match (origin.as_str(), row.try_get_by_index::<Option<String>>(2)?) {
            ("u", _) => uniques.push(Unique { name, columns }),
            ("c", Some(sql)) => indexes.push(Saved { name, sql, columns }),
            _ => {}
        }
    }
    Ok((uniques, indexes))
}

/// The named columns of an index, in index order (expressions have no name and are left out).
async fn index_columns<C: ConnectionTrait>(conn: &C, index: &str) -> Result<Vec<String>, DbErr> {
    let sql = "SELECT name FROM pragma_index_info(?1) WHERE name IS NOT NULL ORDER BY seqno";
    rows(conn, sql, vec![index.into()])
        .await?
        .iter()
        .map(|r| r.try_get_by_index(0))
        .collect()
}

async fn read_triggers<C: ConnectionTrait>(conn: &C, table: &str) -> Result<Vec<Saved>, DbErr> {
    let sql = "SELECT name, sql FROM sqlite_master \
               WHERE type = 'trigger' AND tbl_name = ?1 COLLATE NOCASE AND sql IS NOT NULL";
    let mut triggers = Vec::new();
    for row in rows(conn, sql, vec![table.into()]).await? {
        triggers.push(Saved {
            name: row.try_get_by_index(0)?,
            sql: row.try_get_by_index(1)?,
            columns: Vec::new(),
        });
    }
    Ok(triggers)
}

/// `table` of the schema model as SQLite would describe it: for a migration being captured
/// (`up --sql`, `lint`), which cannot read the database, so that its rebuild renders from the
/// schema it starts from. Declared types, defaults and indexes are written as seamigrate's own
/// statements write them; every index is a `CREATE INDEX` (the model does not tell a UNIQUE
/// constraint from a unique index).
pub(super) fn from_model(table: &crate::schema::Table, enums: &std::collections::BTreeMap<String, crate::schema::EnumType>) -> Live {
    use crate::apply::build;
    use sea_orm::sea_query::{SqliteQueryBuilder, TableBuilder};
    let columns = table
        .columns
        .iter()
        .map(|c| {
            let def = build::column_def(c, enums);
            let mut decl_type = String::new();
            if let Some(ty) = def.get_column_type() {
                TableBuilder::prepare_column_type(&SqliteQueryBuilder, ty, &mut decl_type);
            }
            let default = build::default_expr(c.default.as_ref().unwrap_or(&crate::schema::DefaultValue::Null)).map(|e| {
                let select = sea_orm::sea_query::Query::select().expr(e).to_owned();
                select.to_string(SqliteQueryBuilder).trim_start_matches("SELECT ").to_string()
            });
            let pk = table.primary_key.iter().position(|k| k == &c.name).map_or(0, |i| i as i64 + 1);
            LiveColumn { name: c.name.clone(), decl_type, not_null: !c.nullable, default, pk, hidden: 0 }
        })
        .collect();
    let action = |a: crate::schema::FkAction| match a {
        crate::schema::FkAction::NoAction => None,
        other => Some(build::fk_action(other)),
    };
    let foreign_keys = table
        .foreign_keys
        .iter()
        .map(|f| Fk {
            columns: f.columns.clone(),
            ref_table: f.ref_table.clone(),
            ref_columns: f.ref_columns.clone(),
            on_update: action(f.on_update),
            on_delete: action(f.on_delete),
        })
        .collect();
    let indexes = table
        .indexes
        .iter()
        .map(|i| Saved {
            name: build::index_name(&table.name, i),
            sql: crate::batch::sqlite_index_sql(&build::index(&table.name, i)),
            columns: i.columns.clone(),
        })
        .collect();
    let checks = table.checks.clone();
    Live { name: table.name.clone(), words: Vec::new(), columns, uniques: Vec::new(), foreign_keys, indexes, triggers: Vec::new(), checks }
}
