//! Names for new indexes and foreign keys that the wanted schema leaves unnamed: derived from
//! the table and columns so that the same schema always gets the same names, and short enough
//! for every backend (PostgreSQL cuts identifiers at 63 bytes, MySQL refuses more than 64).

use crate::schema::{Check, ForeignKey, Index};
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;

/// The longest identifier generated, in bytes: PostgreSQL's limit, the lowest of the backends.
pub const MAX_IDENTIFIER_LEN: usize = 63;

/// The name for `index` on `table`: `idx_<table>_<col>_<col>`, or `uq_...` for a unique one.
pub fn index_name(table: &str, index: &Index) -> String {
    let prefix = if index.unique { "uq" } else { "idx" };
    fit_identifier(&join(prefix, table, &index.columns))
}

/// The name for the CHECK constraint `check` on `table`: `ck_<table>_` and the words of its
/// condition, e.g. `ck_users_email_like` for `email LIKE '%@%'`.
pub fn check_name(table: &str, check: &Check) -> String {
    let words: Vec<String> = check
        .expression
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty() && !w.chars().all(|c| c.is_ascii_digit()))
        .map(str::to_lowercase)
        .collect();
    fit_identifier(&join("ck", table, &words))
}

/// The name for `foreign_key` on `table`: `fk_<table>_<col>_<col>`.
pub fn foreign_key_name(table: &str, foreign_key: &ForeignKey) -> String {
    fit_identifier(&join("fk", table, &foreign_key.columns))
}

/// `name` if it fits in [`MAX_IDENTIFIER_LEN`] bytes; otherwise its beginning followed by `_`
/// and 8 hex digits of its SHA-256, so that long names that share a beginning stay distinct.
pub fn fit_identifier(name: &str) -> String {
    if name.len() <= MAX_IDENTIFIER_LEN {
        return name.to_owned();
    }
    let hash = Sha256::digest(name.as_bytes());
    let suffix: String = hash.iter().take(4).map(|b| format!("{b:02x}")).collect();
    let mut cut = MAX_IDENTIFIER_LEN - suffix.len() - 1;
    while !name.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}_{suffix}", &name[..cut])
}

/// `<prefix>_<table>_<col>_<col>`; an expression key part adds the words it is made of, so
/// `(lower(email))` gives `lower_email`.
fn join(prefix: &str, table: &str, columns: &[String]) -> String {
    let mut name = format!("{prefix}_{table}");
    for column in columns {
        let words = column.split(|c: char| !(c.is_alphanumeric() || c == '_')).filter(|w| !w.is_empty());
        for word in words {
            name.push('_');
            name.push_str(word);
        }
    }
    name
}

/// Generated names not yet used in either schema: a name already taken gets `_2`, `_3`, ...
#[derive(Debug, Default)]
pub(crate) struct NameGen {
    taken: BTreeSet<String>,
}

impl NameGen {
    /// A generator that avoids every name in `taken`.
    pub(crate) fn new(taken: impl IntoIterator<Item = String>) -> Self {
        NameGen { taken: taken.into_iter().collect() }
    }

    /// `base` (already fitted), or the first free `base_<n>`; the result is taken from now on.
    pub(crate) fn fresh(&mut self, base: String) -> String {
        let mut name = base.clone();
        let mut n = 2;
        while self.taken.contains(&name) {
            name = fit_identifier(&format!("{base}_{n}"));
            n += 1;
        }
        self.taken.insert(name.clone());
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::FkAction;

    fn index(columns: &[&str], unique: bool) -> Index {
        Index { name: None, columns: columns.iter().map(|c| c.to_string()).collect(), unique, ..Index::default() }
    }

    #[test]
    fn names_follow_table_and_columns() {
        assert_eq!(index_name("users", &index(&["email"], false)), "idx_users_email");
        assert_eq!(index_name("users", &index(&["tenant_id", "email"], true)), "uq_users_tenant_id_email");
        let fk = ForeignKey {
            name: None,
            columns: vec!["tenant_id".into()],
            ref_table: "tenants".into(),
            ref_columns: vec!["id".into()],
            on_delete: FkAction::Cascade,
            on_update: FkAction::NoAction,
        };
        assert_eq!(foreign_key_name("users", &fk), "fk_users_tenant_id");
    }

    #[test]
    fn long_names_are_cut_with_a_hash() {
        let long = "a_really_long_table_name_for_testing";
        let a = index_name(long, &index(&["first_long_column_name", "second_long_column"], false));
        let b = index_name(long, &index(&["first_long_column_name", "second_long_column_x"], false));
        assert_eq!(a.len(), MAX_IDENTIFIER_LEN);
        assert_eq!(b.len(), MAX_IDENTIFIER_LEN);
        assert_ne!(a, b);
        assert!(a.starts_with("idx_a_really_long_table_name"));
        assert_eq!(a, index_name(long, &index(&["first_long_column_name", "second_long_column"], false)));
    }

    #[test]
    fn cutting_respects_characters() {
        let name = "é".repeat(40);
        let fitted = fit_identifier(&name);
        assert!(fitted.len() <= MAX_IDENTIFIER_LEN);
        assert!(fitted.starts_with("éé"));
    }

    #[test]
    fn taken_names_get_a_number() {
        let mut names = NameGen::new(["idx_users_email".to_string()]);
        assert_eq!(names.fresh("idx_users_email".into()), "idx_users_email_2");
        assert_eq!(names.fresh("idx_users_email".into()), "idx_users_email_3");
        assert_eq!(names.fresh("idx_users_name".into()), "idx_users_name");
    }
}
