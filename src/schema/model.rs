//! The schema model: plain data describing tables, columns, keys, indexes and enum types, with
//! nothing backend-specific in its shape, so that schemas read from entities and from a live
//! database can be held side by side and, once normalised, compared with `==`.

use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// A database schema: its tables and its named enum types, each keyed by name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Schema {
    /// The tables, keyed by table name.
    pub tables: BTreeMap<String, Table>,
    /// Named enum types (PostgreSQL `CREATE TYPE ... AS ENUM`), keyed by type name. MySQL's
    /// column-level `ENUM(...)` is a column type instead: [`ColumnType::InlineEnum`].
    pub enums: BTreeMap<String, EnumType>,
    /// Views and materialized views, keyed by name.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub views: BTreeMap<String, View>,
    /// PostgreSQL extensions installed in the database (`pg_trgm`), by name; `plpgsql`, which
    /// every database has, is not one of them.
    #[serde(skip_serializing_if = "BTreeSet::is_empty")]
    pub extensions: BTreeSet<String>,
}

/// A view: a named query, stored as the query (or, materialized, as its rows).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct View {
    pub name: String,
    /// The query, printed canonically ([`crate::schema::sql_text::query`]).
    pub definition: String,
    /// A PostgreSQL materialized view.
    pub materialized: bool,
}

impl Schema {
    /// The table called `name`, if there is one.
    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.get(name)
    }
}

/// One table: its columns in order, primary key, secondary indexes, foreign keys and CHECK
/// constraints.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Table {
    pub name: String,
    /// The columns in table order (by name once normalised: column order is not a difference).
    pub columns: Vec<Column>,
    /// The primary key's columns in key order; empty for a table without one.
    pub primary_key: Vec<String>,
    /// Secondary indexes, unique constraints included (as unique indexes); never the primary key.
    pub indexes: Vec<Index>,
    pub foreign_keys: Vec<ForeignKey>,
    /// Table and column CHECK constraints alike (a column's is a table's on that column).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<Check>,
}

impl Table {
    /// The column called `name`, if there is one.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}

/// One column: what it holds, whether it may be NULL, what it defaults to, and whether the
/// database assigns its values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Column {
    pub name: String,
    pub ty: ColumnType,
    pub nullable: bool,
    /// `None` when the column has no default; an explicit `DEFAULT NULL` is `Some(Null)` until
    /// normalised, when it becomes `None`.
    pub default: Option<DefaultValue>,
    /// Values are assigned by the database: PostgreSQL identity or `serial`, MySQL
    /// `AUTO_INCREMENT`, SQLite's integer primary key.
    pub auto_increment: bool,
    /// A generated column's expression: its values are computed, never written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub generated: Option<Generated>,
}

/// How a generated column computes its values.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Generated {
    /// The expression, printed canonically ([`crate::schema::sql_text`]).
    pub expression: String,
    /// Stored in the row (`STORED`) rather than computed when read (`VIRTUAL`).
    pub stored: bool,
}

/// A column's type, named independently of any backend.
///
/// Both sources are read into these variants as faithfully as they allow; `normalise` then
/// maps each onto what the backend actually stores, e.g. `TinyInt` to `SmallInt` on
/// PostgreSQL, `Timestamp` to `TimestampTz` on MySQL, every integer to `Integer` on SQLite.
/// Types outside this list are `Other`, named by their (lower-case) SQL name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum ColumnType {
    TinyInt,
    SmallInt,
    Integer,
    BigInt,
    TinyUnsigned,
    SmallUnsigned,
    Unsigned,
    BigUnsigned,
    /// Single precision (`real`, `float`).
    Float,
    /// Double precision.
    Double,
    Decimal {
        precision: Option<u32>,
        scale: Option<u32>,
    },
    Boolean,
    /// `VARCHAR(len)`; `len: None` is a VARCHAR without a length.
    String {
        len: Option<u32>,
    },
    /// `CHAR(len)`.
    Char {
        len: Option<u32>,
    },
    Text,
    /// Fixed-length binary, `BINARY(len)`.
    Binary {
        len: Option<u32>,
    },
    /// Variable-length binary, `VARBINARY(len)`.
    VarBinary {
        len: Option<u32>,
    },
    /// Unbounded binary: `bytea`, `blob`.
    Blob,
    Date,
    Time,
    /// A date and time without a time zone.
    DateTime,
    /// SQL's plain `TIMESTAMP`, whose meaning depends on the backend (no time zone on
    /// PostgreSQL and SQLite, a UTC instant on MySQL); never left after normalisation.
    Timestamp,
    /// A point in time: PostgreSQL `timestamp with time zone`, MySQL `timestamp`.
    TimestampTz,
    Uuid,
    Json,
    /// PostgreSQL `jsonb`.
    JsonBinary,
    /// A named enum type, described in [`Schema::enums`].
    Enum(String),
    /// MySQL's column-level `ENUM('a', 'b')`, with its values in order.
    InlineEnum(Vec<String>),
    /// Any other type, by its SQL name in lower case, e.g. `inet`, `money`, `mediumtext`.
    Other(String),
}

/// A column default, as a value where it is one and as SQL text where it is an expression.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum DefaultValue {
    Null,
    Bool(bool),
    Int(i64),
    /// A non-integer number, as written (normalised: no trailing zeros after the point).
    Float(String),
    /// A string literal, unquoted.
    Str(String),
    /// The current date and time: `CURRENT_TIMESTAMP`, `now()`, `current_timestamp()`.
    CurrentTimestamp,
    /// Any other SQL expression, as text.
    Expr(String),
}

/// A secondary index; a unique constraint is a unique index.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Index {
    /// The name in the source; `None` once normalised, as names are generated differently by
    /// each source and say nothing about what the index does. Keep the source schema for names.
    pub name: Option<String>,
    /// The key parts in index order: column names, or an expression in parentheses as
    /// [`crate::schema::sql_text`] prints it canonically, e.g. `(lower(email))`.
    pub columns: Vec<String>,
    pub unique: bool,
    /// How the index is built beyond a list of ascending columns: default for a plain b-tree.
    #[serde(skip_serializing_if = "IndexOptions::is_plain")]
    pub options: IndexOptions,
}

impl Index {
    /// Whether the key part `part` of [`Index::columns`] is an expression rather than a column.
    pub fn is_expression(part: &str) -> bool {
        part.starts_with('(')
    }

    /// Whether the index is a plain b-tree over ascending columns.
    pub fn is_plain(&self) -> bool {
        self.options.is_plain()
    }
}

/// What makes an index more than a list of ascending columns. Each field is in canonical form
/// once normalised: a backend's default (b-tree, ascending, the type's default operator class)
/// is its `Default`, so that two indexes that behave the same compare equal.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct IndexOptions {
    /// The access method in lower case (`gin`, `gist`, `hash`, `brin`, `fulltext`, `spatial`);
    /// `None` for a b-tree.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Per key part, in key order; empty where every part is plain (ascending, no operator
    /// class, no prefix).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub keys: Vec<KeyOptions>,
    /// A partial index's `WHERE` predicate, printed canonically.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub predicate: Option<String>,
    /// PostgreSQL `INCLUDE` columns, stored in the index but not part of its key.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub include: Vec<String>,
    /// PostgreSQL 15's `NULLS NOT DISTINCT`: a unique index that allows one NULL only.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub nulls_not_distinct: bool,
}

impl IndexOptions {
    /// Whether these are a plain b-tree's options, as read (`btree` said or left unsaid).
    pub fn is_plain(&self) -> bool {
        matches!(self.method.as_deref(), None | Some("btree"))
            && KeyOptions::all_plain(&self.keys)
            && self.predicate.is_none()
            && self.include.is_empty()
            && !self.nulls_not_distinct
    }
}

/// How one key part of an index is stored.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct KeyOptions {
    pub descending: bool,
    /// A PostgreSQL operator class other than the type's default, e.g. `gin_trgm_ops`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operator_class: Option<String>,
    /// A MySQL prefix length: only the first `n` characters are indexed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prefix: Option<u32>,
}

impl KeyOptions {
    /// Whether every key part of `keys` is plain (ascending, no operator class, no prefix).
    pub fn all_plain(keys: &[KeyOptions]) -> bool {
        keys.iter().all(|k| *k == KeyOptions::default())
    }

    /// `keys`, or none where every part is plain: [`IndexOptions::keys`]' canonical form.
    pub fn tidy(keys: Vec<KeyOptions>) -> Vec<KeyOptions> {
        if Self::all_plain(&keys) { Vec::new() } else { keys }
    }
}

/// A CHECK constraint: a condition every row must meet.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Check {
    /// The constraint name, where the source has one (SQLite's column checks and a declared
    /// check may have none); `None` once normalised.
    pub name: Option<String>,
    /// The condition, printed canonically ([`crate::schema::sql_text`]).
    pub expression: String,
}

/// A foreign key from `columns` of this table to `ref_columns` of `ref_table`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ForeignKey {
    /// The constraint name, where the source has one (SQLite keeps inline foreign keys
    /// anonymous); `None` once normalised.
    pub name: Option<String>,
    pub columns: Vec<String>,
    pub ref_table: String,
    pub ref_columns: Vec<String>,
    pub on_delete: FkAction,
    pub on_update: FkAction,
}

/// What a foreign key does when the referenced row is deleted or updated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum FkAction {
    /// The SQL default when no action is given.
    NoAction,
    Restrict,
    Cascade,
    SetNull,
    SetDefault,
}

impl FkAction {
    /// The action as SQL says it, in lower case (`set null`).
    pub fn sql(self) -> &'static str {
        match self {
            FkAction::NoAction => "no action",
            FkAction::Restrict => "restrict",
            FkAction::Cascade => "cascade",
            FkAction::SetNull => "set null",
            FkAction::SetDefault => "set default",
        }
    }
}

/// A named enum type and its values in declaration order (the order is part of the type).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EnumType {
    pub name: String,
    pub values: Vec<String>,
}
