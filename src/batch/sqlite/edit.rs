//! The edits a rebuild makes to a table definition, one for each change SQLite cannot make in
//! place. Each keeps the rest of the table as it is.

use super::spec::{Fk, SpecColumn, TableSpec};
use crate::batch::BatchError;
use crate::batch::def::without_key;
use crate::schema::Check;
use sea_orm::sea_query::ColumnDef;

impl TableSpec {
    /// Gives the column `def` names the definition `def`, keeping its values, its place and its
    /// part in the table's keys, indexes and foreign keys.
    pub(crate) fn replace_column(&mut self, def: &ColumnDef) -> Result<(), BatchError> {
        let at = self.position(&def.get_column_name())?;
        let column = &mut self.columns[at];
        column.name = def.get_column_name();
        column.def = without_key(def);
        Ok(())
    }

    /// Adds a column without values (each row gets its default). Its key flags count only
    /// where the table has no primary key yet.
    pub(crate) fn add_column(&mut self, def: &ColumnDef) {
        let name = def.get_column_name();
        let flags = def.get_column_spec();
        if flags.primary_key && self.primary_key.is_empty() {
            self.primary_key = vec![name.clone()];
            self.autoincrement = flags.auto_increment;
        }
        self.columns.push(SpecColumn {
            name,
            def: without_key(def),
            copy_from: None,
        });
    }

    /// Removes `column` with what involves it, as PostgreSQL does: the primary key, UNIQUE
    /// constraints, foreign keys and indexes on it. An expression index using it makes the
    /// rebuild fail when the index is recreated.
    pub(crate) fn drop_column(&mut self, column: &str) -> Result<(), BatchError> {
        let at = self.position(column)?;
        let name = self.columns.remove(at).name;
        let on = |columns: &[String]| columns.iter().any(|c| c.eq_ignore_ascii_case(&name));
        if on(&self.primary_key) {
            self.primary_key.clear();
            self.autoincrement = false;
        }
        self.uniques.retain(|u| !on(&u.columns));
        self.foreign_keys.retain(|f| !on(&f.columns));
        self.indexes.retain(|i| !on(&i.columns));
        // As PostgreSQL drops a CHECK on a dropped column.
        let mentions = |c: &Check| c.expression.split(|ch: char| !(ch.is_alphanumeric() || ch == '_')).any(|w| w.eq_ignore_ascii_case(&name));
        self.checks.retain(|c| !mentions(c));
        Ok(())
    }

    /// Adds the CHECK constraint `check`.
    pub(crate) fn add_check(&mut self, check: Check) {
        self.checks.push(check);
    }

    /// Removes the CHECK constraint called `name`, or, SQLite keeping column checks nameless,
    /// the one whose condition is `expression`.
    pub(crate) fn drop_check(&mut self, name: &str, expression: &str) -> Result<(), BatchError> {
        let at = self.checks.iter().position(|c| c.name.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(name)))
            .or_else(|| self.checks.iter().position(|c| c.expression == expression));
        match at {
            Some(at) => {
                self.checks.remove(at);
                Ok(())
            }
            None => Err(BatchError::NoSuchCheck { table: self.name.clone(), name: name.to_owned() }),
        }
    }

    /// Adds `fk`, whose columns must exist.
    pub(crate) fn add_foreign_key(&mut self, fk: Fk) -> Result<(), BatchError> {
        for column in &fk.columns {
            self.position(column)?;
        }
        self.foreign_keys.push(fk);
        Ok(())
    }

    /// Removes the foreign key `fk` describes: the one on its columns, or among several, the
    /// one that also references what `fk` does. `name` is for the error when none (or more
    /// than one) is found, as SQLite keeps no names to choose by.
    pub(crate) fn drop_foreign_key(&mut self, name: &str, fk: &Fk) -> Result<(), BatchError> {
        let on_columns = |f: &Fk| same(&f.columns, &fk.columns);
        let references = |f: &Fk| {
            f.ref_table.eq_ignore_ascii_case(&fk.ref_table) && same(&f.ref_columns, &fk.ref_columns)
        };
        let mut found: Vec<usize> = (0..self.foreign_keys.len())
            .filter(|&i| on_columns(&self.foreign_keys[i]))
            .collect();
        if found.len() > 1 {
            found.retain(|&i| references(&self.foreign_keys[i]));
        }
        let (table, name, columns) = (self.name.clone(), name.to_string(), fk.columns.join(", "));
        match found.as_slice() {
            [only] => {
                self.foreign_keys.remove(*only);
                Ok(())
            }
            [] => Err(BatchError::NoSuchForeignKey { table, name, columns }),
            many => Err(BatchError::AmbiguousForeignKey {
                table,
                name,
                columns,
                count: many.len(),
            }),
        }
    }

    /// Makes `columns` the primary key (none: no primary key). AUTOINCREMENT stays only while
    /// the key is the same single column.
    pub(crate) fn set_primary_key(&mut self, columns: &[String]) -> Result<(), BatchError> {
        let mut key = Vec::new();
        for column in columns {
            key.push(self.columns[self.position(column)?].name.clone());
        }
        self.autoincrement = self.autoincrement && same(&key, &self.primary_key) && key.len() == 1;
        self.primary_key = key;
        Ok(())
    }

    /// Removes the UNIQUE constraint whose automatic index is `index`; false if none is.
    pub(crate) fn drop_unique(&mut self, index: &str) -> bool {
        let before = self.uniques.len();
        self.uniques.retain(|u| !u.name.eq_ignore_ascii_case(index));
        self.uniques.len() < before
    }
}

/// Whether two lists name the same columns in the same order (SQLite ignores case).
fn same(a: &[String], b: &[String]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.eq_ignore_ascii_case(y))
}
