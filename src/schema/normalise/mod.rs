//! Every difference between backends and sources, in one place. `normalise` maps a schema from
//! either source onto one canonical form for its backend, so that the same schema read from the
//! entities and from the database is `==`:
//!
//! - types: aliases resolved and each type mapped to what the backend stores ([`types`]);
//! - defaults: spellings, casts, quoting and literal forms unified ([`defaults`]); MySQL's
//!   decimal defaults rounded to the column's scale, as MySQL stores them;
//! - auto-increment: identity, `serial`/`nextval(...)`, `AUTO_INCREMENT` and SQLite's integer
//!   primary key are all `auto_increment`, and a sequence default is no default;
//! - nullability: primary-key columns are NOT NULL;
//! - indexes and foreign keys: names dropped (each source generates its own), the primary key's
//!   own index is not an index, MySQL's implied index on foreign-key columns is not an index,
//!   index options in the form the backend builds them ([`canonical_index`]), and both are
//!   sorted and deduplicated;
//! - foreign-key actions: MySQL's `NO ACTION` is its `RESTRICT`;
//! - enum types: only PostgreSQL has named ones; elsewhere they are column types;
//! - column order: by name, since it is not something a migration changes.

pub mod defaults;
pub mod types;

use super::model::{
    Check, Column, ColumnType, DefaultValue, EnumType, FkAction, ForeignKey, Generated, Index, IndexOptions,
    KeyOptions, Schema, Table, View,
};
use super::sql_text;
use crate::db::Backend;
use std::collections::BTreeMap;

/// `schema` in the canonical form for `backend`; see the module documentation for what that
/// covers. Names of indexes and foreign keys are gone from the result: keep `schema` for them.
pub fn normalise(schema: &Schema, backend: Backend) -> Schema {
    let tables = schema
        .tables
        .iter()
        .map(|(name, t)| (name.clone(), table(t, backend, &schema.enums)))
        .collect();
    let enums = match backend {
        Backend::Postgres => schema.enums.clone(),
        Backend::MySql | Backend::Sqlite => BTreeMap::new(),
    };
    let views = schema
        .views
        .iter()
        .map(|(name, v)| {
            let definition = sql_text::query(&v.definition, backend, backend).unwrap_or_else(|_| v.definition.clone());
            let view = View { name: v.name.clone(), definition, materialized: v.materialized && backend == Backend::Postgres };
            (name.clone(), view)
        })
        .collect();
    let extensions = match backend {
        Backend::Postgres => schema.extensions.clone(),
        Backend::MySql | Backend::Sqlite => Default::default(),
    };
    Schema { tables, enums, views, extensions }
}

fn table(t: &Table, backend: Backend, enums: &BTreeMap<String, EnumType>) -> Table {
    let mut columns: Vec<Column> = t
        .columns
        .iter()
        .map(|c| column(c, t, backend, enums))
        .collect();
    columns.sort_by(|a, b| a.name.cmp(&b.name));
    Table {
        name: t.name.clone(),
        columns,
        primary_key: t.primary_key.clone(),
        indexes: indexes(t, backend),
        foreign_keys: foreign_keys(t, backend),
        checks: checks(t, backend),
    }
}

/// The table's CHECK conditions, nameless, printed canonically (the sources print them so
/// already; a schema built by hand may not), sorted and deduplicated: a name says nothing of
/// what a check does, and each backend makes up its own.
fn checks(t: &Table, backend: Backend) -> Vec<Check> {
    let mut out: Vec<Check> = t.checks.iter().map(|c| Check { name: None, expression: canonical_condition(&c.expression, backend) }).collect();
    out.sort();
    out.dedup();
    out
}

fn column(c: &Column, t: &Table, backend: Backend, enums: &BTreeMap<String, EnumType>) -> Column {
    let ty = types::normalise(&c.ty, backend, enums);
    let sequence =
        matches!(&c.default, Some(DefaultValue::Expr(sql)) if defaults::is_sequence(sql));
    // SQLite: a sole INTEGER primary key is the rowid, which is assigned with or without
    // AUTOINCREMENT (which only stops ids from being reused).
    let rowid = backend == Backend::Sqlite
        && ty == ColumnType::Integer
        && t.primary_key == [c.name.as_str()];
    let default = match &c.default {
        Some(d) if !sequence => defaults::normalise(d, &ty),
        _ => None,
    };
    let default = match (backend, &ty) {
        (Backend::MySql, ColumnType::Decimal { scale: Some(s), .. }) => {
            default.map(|d| defaults::rounded_to_scale(d, *s))
        }
        _ => default,
    };
    // A generated column has no default and is never assigned: its expression is what it is.
    // PostgreSQL's are all STORED.
    let generated = c.generated.as_ref().map(|g| Generated {
        expression: canonical_condition(&g.expression, backend),
        stored: g.stored || backend == Backend::Postgres,
    });
    let computed = generated.is_some();
    Column {
        name: c.name.clone(),
        auto_increment: !computed && (c.auto_increment || sequence || types::is_serial(&c.ty) || rowid),
        // A generated column's nullability is its expression's, and is not compared.
        nullable: computed || (c.nullable && !t.primary_key.contains(&c.name)),
        default: default.filter(|_| !computed),
        ty,
        generated,
    }
}

fn indexes(t: &Table, backend: Backend) -> Vec<Index> {
    // The primary key's own unique index (MySQL's PRIMARY, SQLite's autoindex) is the key.
    let is_primary = |i: &Index| i.unique && i.columns == t.primary_key && i.is_plain();
    let mut out: Vec<Index> = t
        .indexes
        .iter()
        .map(|i| canonical_index(i, backend))
        .filter(|i| !is_primary(i) && !implied_by_foreign_key(i, t, backend))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// A CHECK condition (or any SQL expression) printed canonically for `backend`; as given where
/// it does not parse.
pub(crate) fn canonical_condition(text: &str, backend: Backend) -> String {
    sql_text::expression(text, backend, backend).unwrap_or_else(|_| text.to_owned())
}

/// Whether `index` is one MySQL keeps on `table` whatever is asked: MySQL requires an index on
/// foreign-key columns and creates one when none serves, so a plain index on exactly a foreign
/// key's columns is there whether or not anyone asked for it.
pub(crate) fn implied_by_foreign_key(index: &Index, table: &Table, backend: Backend) -> bool {
    backend == Backend::MySql
        && !index.unique
        && index.is_plain()
        && table.foreign_keys.iter().any(|f| f.columns == index.columns)
}

/// `index` without its name, its options as `backend` builds them: a b-tree is the default
/// method (and InnoDB builds a b-tree when asked for a hash), a key part without order,
/// operator class or prefix is plain, and what `backend` does not have is not there (operator
/// classes, INCLUDE and NULLS NOT DISTINCT outside PostgreSQL, prefixes outside MySQL, partial
/// indexes on MySQL, methods on SQLite).
pub(crate) fn canonical_index(index: &Index, backend: Backend) -> Index {
    let (pg, my) = (backend == Backend::Postgres, backend == Backend::MySql);
    let o = &index.options;
    let method = match (backend, o.method.as_deref()) {
        (Backend::Sqlite, _) | (_, Some("btree")) | (Backend::MySql, Some("hash")) => None,
        (Backend::MySql, Some("rtree")) => Some("spatial".to_owned()),
        (_, m) => m.map(str::to_owned),
    };
    let fulltext = method.as_deref() == Some("fulltext");
    let keys: Vec<KeyOptions> = o
        .keys
        .iter()
        .map(|k| KeyOptions {
            descending: k.descending && !fulltext,
            operator_class: k.operator_class.clone().filter(|_| pg),
            prefix: k.prefix.filter(|_| my),
        })
        .collect();
    let keys = KeyOptions::tidy(keys);
    let options = IndexOptions {
        method,
        keys,
        predicate: o.predicate.clone().filter(|_| !my),
        include: if pg { o.include.clone() } else { Vec::new() },
        nulls_not_distinct: o.nulls_not_distinct && pg,
    };
    Index { name: None, columns: index.columns.clone(), unique: index.unique, options }
}

fn foreign_keys(t: &Table, backend: Backend) -> Vec<ForeignKey> {
    // InnoDB checks NO ACTION immediately, exactly as RESTRICT, and MariaDB reports either.
    let action = |a: FkAction| match (backend, a) {
        (Backend::MySql, FkAction::NoAction) => FkAction::Restrict,
        _ => a,
    };
    let mut out: Vec<_> = t
        .foreign_keys
        .iter()
        .map(|f| ForeignKey {
            name: None,
            on_delete: action(f.on_delete),
            on_update: action(f.on_update),
            ..f.clone()
        })
        .collect();
    out.sort();
    out.dedup();
    out
}
