//! The definition a rebuild creates: the live table's, edited by one change, then written out
//! as a sea-query `CREATE TABLE` (so that a new column renders exactly as it would anywhere
//! else), with the table's other indexes and triggers kept as SQLite stored them.

use super::live::{Live, LiveColumn};
use crate::batch::BatchError;
use crate::schema::Check;
use sea_orm::sea_query::{
    Alias, ColumnDef, Expr, ForeignKey, ForeignKeyAction, ForeignKeyCreateStatement, Index,
    Table, TableCreateStatement,
};

/// A table definition being edited for a rebuild.
pub(crate) struct TableSpec {
    pub name: String,
    pub columns: Vec<SpecColumn>,
    /// Primary key columns in key order.
    pub primary_key: Vec<String>,
    /// Declared with AUTOINCREMENT (which SQLite allows on a sole INTEGER primary key only).
    pub autoincrement: bool,
    pub uniques: Vec<Unique>,
    pub foreign_keys: Vec<Fk>,
    pub indexes: Vec<Saved>,
    pub triggers: Vec<Saved>,
    /// CHECK constraints, as conditions in canonical form; all table constraints once rebuilt.
    pub checks: Vec<Check>,
}

/// A column of the new table and the old column its values come from, if any.
pub(crate) struct SpecColumn {
    pub name: String,
    pub def: ColumnDef,
    pub copy_from: Option<String>,
}

/// A UNIQUE constraint, by the name of its automatic index.
pub(crate) struct Unique {
    pub name: String,
    pub columns: Vec<String>,
}

/// A foreign key; SQLite keeps no names for them.
pub(crate) struct Fk {
    pub columns: Vec<String>,
    pub ref_table: String,
    pub ref_columns: Vec<String>,
    pub on_update: Option<ForeignKeyAction>,
    pub on_delete: Option<ForeignKeyAction>,
}

/// An index or trigger, with the statement that recreates it.
pub(crate) struct Saved {
    pub name: String,
    pub sql: String,
    /// The named columns an index covers (empty for triggers).
    pub columns: Vec<String>,
}

/// Words of a `CREATE TABLE` for what PRAGMAs do not describe, and what each one means (a
/// CHECK whose conditions were read is described: [`super::live::Live::checks`]).
const UNDESCRIBED: [(&str, &str); 8] = [
    ("CHECK", "a CHECK constraint"),
    ("COLLATE", "a COLLATE clause"),
    ("DEFERRABLE", "a DEFERRABLE foreign key"),
    ("CONFLICT", "an ON CONFLICT clause"),
    ("WITHOUT", "the WITHOUT ROWID option"),
    ("STRICT", "the STRICT option"),
    ("GENERATED", "a generated column"),
    ("VIRTUAL", "a virtual table or column"),
];

impl TableSpec {
    /// The definition of `live`, refusing a table with something a rebuild would lose.
    pub(super) fn from_live(live: Live) -> Result<TableSpec, BatchError> {
        let unsupported = |feature| BatchError::Unsupported {
            table: live.name.clone(),
            feature,
        };
        if let Some((_, feature)) = UNDESCRIBED.iter().find(|(w, _)| live.words.iter().any(|x| x == w)) {
            return Err(unsupported(feature));
        }
        if live.columns.iter().any(|c| c.hidden != 0) {
            return Err(unsupported("a generated column"));
        }
        let mut key: Vec<(i64, String)> = live
            .columns
            .iter()
            .filter(|c| c.pk > 0)
            .map(|c| (c.pk, c.name.clone()))
            .collect();
        key.sort();
        Ok(TableSpec {
            autoincrement: live.words.iter().any(|w| w == "AUTOINCREMENT"),
            primary_key: key.into_iter().map(|(_, name)| name).collect(),
            columns: live.columns.iter().map(live_column).collect(),
            name: live.name,
            uniques: live.uniques,
            foreign_keys: live.foreign_keys,
            indexes: live.indexes,
            triggers: live.triggers,
            checks: live.checks,
        })
    }

    /// The `CREATE TABLE` statement of this definition, for a table called `name`.
    pub(super) fn create_statement(&self, name: &str) -> TableCreateStatement {
        let mut create = Table::create();
        create.table(Alias::new(name));
        let sole_key = match self.primary_key.as_slice() {
            [only] => Some(only.as_str()),
            _ => None,
        };
        for column in &self.columns {
            let mut def = column.def.clone();
            if sole_key.is_some_and(|k| k.eq_ignore_ascii_case(&column.name)) {
                def.primary_key();
                if self.autoincrement {
                    def.auto_increment();
                }
            }
            create.col(def);
        }
        if self.primary_key.len() > 1 {
            create.primary_key(&mut index_on(&self.primary_key));
        }
        for unique in &self.uniques {
            create.index(index_on(&unique.columns).unique());
        }
        for fk in &self.foreign_keys {
            create.foreign_key(&mut fk.statement(name));
        }
        for check in &self.checks {
            let condition = Expr::cust(check.expression.clone());
            match &check.name {
                Some(name) => create.check((Alias::new(name), condition)),
                None => create.check(condition),
            };
        }
        create
    }

    /// The (new, old) names of the columns whose values are copied.
    pub(super) fn copied(&self) -> Vec<(&str, &str)> {
        self.columns
            .iter()
            .filter_map(|c| Some((c.name.as_str(), c.copy_from.as_deref()?)))
            .collect()
    }

    /// The position of `column`, which SQLite matches without regard to case.
    pub(crate) fn position(&self, column: &str) -> Result<usize, BatchError> {
        self.columns
            .iter()
            .position(|c| c.name.eq_ignore_ascii_case(column))
            .ok_or_else(|| BatchError::NoSuchColumn {
                table: self.name.clone(),
                column: column.to_string(),
            })
    }
}

impl Fk {
    /// This foreign key as sea-query writes it inside `CREATE TABLE table`.
    pub(crate) fn statement(&self, table: &str) -> ForeignKeyCreateStatement {
        let mut fk = ForeignKey::create();
        fk.from_tbl(Alias::new(table)).to_tbl(Alias::new(&self.ref_table));
        for column in &self.columns {
            fk.from_col(Alias::new(column));
        }
        for column in &self.ref_columns {
            fk.to_col(Alias::new(column));
        }
        if let Some(action) = self.on_delete {
            fk.on_delete(action);
        }
        if let Some(action) = self.on_update {
            fk.on_update(action);
        }
        fk
    }
}

/// A live column as a sea-query definition: its declared type, NOT NULL and default, all
/// exactly as SQLite stored them.
fn live_column(c: &LiveColumn) -> SpecColumn {
    let mut def = ColumnDef::new(Alias::new(&c.name));
    if !c.decl_type.is_empty() {
        def.custom(Alias::new(&c.decl_type));
    }
    if c.not_null {
        def.not_null();
    }
    if let Some(default) = &c.default {
        def.default(Expr::cust(default.clone()));
    }
    SpecColumn {
        name: c.name.clone(),
        def,
        copy_from: Some(c.name.clone()),
    }
}

fn index_on(columns: &[String]) -> sea_orm::sea_query::IndexCreateStatement {
    let mut index = Index::create();
    for column in columns {
        index.col(Alias::new(column));
    }
    index
}
