//! The SQL of a keyset walk: rows after the last key done, in key order, a batch at a time.
//! Written by hand rather than through sea-query because the key is compared as a row value
//! (`(a, b) > (1, 'x')`), and on MySQL/MariaDB spelled out, where row values do not use the index.

use sea_orm::DbBackend;
use sea_orm::sea_query::{MysqlQueryBuilder, PostgresQueryBuilder, QueryBuilder, SqliteQueryBuilder, Value};

/// How a key column's values are written back into SQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum KeyKind {
    /// Written as a number.
    Integer,
    /// Written as a quoted string, which the server reads as the column's type (text, UUID,
    /// date...).
    Text,
}

/// A table's key and how to write SQL about it.
#[derive(Debug, Clone)]
pub(super) struct Keyset {
    pub backend: DbBackend,
    pub table: String,
    pub columns: Vec<String>,
    pub kinds: Vec<KeyKind>,
}

impl Keyset {
    pub fn ident(&self, name: &str) -> String {
        ident(self.backend, name)
    }

    pub fn table(&self) -> String {
        self.ident(&self.table)
    }

    /// The key columns, read as text (`__k0`, `__k1`, ...), whatever their types.
    pub fn key_texts(&self) -> String {
        let cast = if self.backend == DbBackend::MySql { "CHAR" } else { "TEXT" };
        self.columns
            .iter()
            .enumerate()
            .map(|(i, c)| format!("CAST({} AS {cast}) AS {}", self.ident(c), self.ident(&format!("__k{i}"))))
            .collect::<Vec<_>>()
            .join(", ")
    }

    pub fn order_by(&self) -> String {
        self.columns.iter().map(|c| self.ident(c)).collect::<Vec<_>>().join(", ")
    }

    /// The key's values as SQL literals; `None` if a value the walk read back is not what its
    /// kind says (never expected: the values come from the table).
    fn literals(&self, key: &[String]) -> Option<Vec<String>> {
        key.iter()
            .zip(&self.kinds)
            .map(|(v, kind)| match kind {
                KeyKind::Integer => v.parse::<i128>().ok().map(|n| n.to_string()),
                KeyKind::Text => Some(literal(self.backend, &Value::String(Some(v.clone())))),
            })
            .collect()
    }

    /// Rows after `key` (`>`), or up to and including it (`<=`).
    pub fn compare(&self, key: &[String], after: bool) -> Option<String> {
        let values = self.literals(key)?;
        let columns: Vec<String> = self.columns.iter().map(|c| self.ident(c)).collect();
        let (strict, last) = if after { (">", ">") } else { ("<", "<=") };
        if columns.len() == 1 {
            return Some(format!("{} {last} {}", columns[0], values[0]));
        }
        if self.backend != DbBackend::MySql {
            return Some(format!("({}) {last} ({})", columns.join(", "), values.join(", ")));
        }
        // a > x OR (a = x AND (b > y OR (b = y AND c > z))), from the last column outwards.
        let n = columns.len();
        let mut sql = format!("{} {last} {}", columns[n - 1], values[n - 1]);
        for i in (0..n - 1).rev() {
            sql = format!("{c} {strict} {v} OR ({c} = {v} AND ({sql}))", c = columns[i], v = values[i]);
        }
        Some(format!("({sql})"))
    }

    /// The one row with this key.
    pub fn equals(&self, key: &[String]) -> Option<String> {
        let values = self.literals(key)?;
        let pairs: Vec<String> = self.columns.iter().zip(values).map(|(c, v)| format!("{} = {v}", self.ident(c))).collect();
        Some(pairs.join(" AND "))
    }

    /// The key of a row the walk read (`__k0`, ...).
    pub fn key_of(&self, row: &sea_orm::QueryResult) -> Result<Vec<String>, sea_orm::DbErr> {
        (0..self.columns.len()).map(|i| row.try_get::<String>("", &format!("__k{i}"))).collect()
    }
}

/// `name` quoted as an identifier for `backend`.
pub(super) fn ident(backend: DbBackend, name: &str) -> String {
    crate::batch::def::quote_for(backend, name)
}

/// `value` as an SQL literal for `backend`, escaped by sea-query.
pub(super) fn literal(backend: DbBackend, value: &Value) -> String {
    match backend {
        DbBackend::MySql => MysqlQueryBuilder.value_to_string(value),
        DbBackend::Postgres => PostgresQueryBuilder.value_to_string(value),
        _ => SqliteQueryBuilder.value_to_string(value),
    }
}

/// Encodes a key for the checkpoint: a JSON array of its values as text.
pub(super) fn encode(key: &[String]) -> String {
    serde_json::to_string(key).unwrap_or_default()
}

pub(super) fn decode(text: &str) -> Option<Vec<String>> {
    serde_json::from_str(text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keyset(backend: DbBackend, kinds: Vec<KeyKind>) -> Keyset {
        let columns = (0..kinds.len()).map(|i| ["a", "b", "c"][i].to_string()).collect();
        Keyset { backend, table: "t".into(), columns, kinds }
    }

    #[test]
    fn one_column_compares_plainly() {
        let k = keyset(DbBackend::Postgres, vec![KeyKind::Integer]);
        assert_eq!(k.compare(&["42".into()], true).unwrap(), r#""a" > 42"#);
        assert_eq!(k.compare(&["42".into()], false).unwrap(), r#""a" <= 42"#);
        assert!(k.compare(&["4x".into()], true).is_none());
    }

    #[test]
    fn row_values_where_they_use_the_index() {
        let k = keyset(DbBackend::Sqlite, vec![KeyKind::Integer, KeyKind::Text]);
        assert_eq!(k.compare(&["1".into(), "o'k".into()], true).unwrap(), r#"("a", "b") > (1, 'o''k')"#);
    }

    #[test]
    fn mysql_spells_composite_keys_out() {
        let k = keyset(DbBackend::MySql, vec![KeyKind::Integer, KeyKind::Integer, KeyKind::Integer]);
        assert_eq!(
            k.compare(&["1".into(), "2".into(), "3".into()], true).unwrap(),
            "(`a` > 1 OR (`a` = 1 AND (`b` > 2 OR (`b` = 2 AND (`c` > 3)))))"
        );
        assert_eq!(
            k.compare(&["1".into(), "2".into(), "3".into()], false).unwrap(),
            "(`a` < 1 OR (`a` = 1 AND (`b` < 2 OR (`b` = 2 AND (`c` <= 3)))))"
        );
    }

    #[test]
    fn keys_round_trip() {
        let key = vec!["7".to_string(), "a\"b".to_string()];
        assert_eq!(decode(&encode(&key)), Some(key));
    }
}
