//! The model's own `apply`.

use super::super::testkit::{column, fk, index, schema, table};
use crate::diff::{ApplyError, Change, apply, apply_all};
use crate::schema::{ColumnType as T, Index};

#[test]
fn renaming_a_column_renames_it_everywhere() {
    let mut users = table("users", vec![column("name", T::Text)]);
    users.indexes.push(index("ix_name", &["name"], false));
    users.primary_key = vec!["id".into(), "name".into()];
    let mut posts = table("posts", vec![column("author", T::Text)]);
    let mut by_name = fk("fk_author", &["author"], "users");
    by_name.ref_columns = vec!["name".into()];
    posts.foreign_keys.push(by_name);
    let before = schema(vec![users, posts]);
    let rename = Change::RenameColumn { table: "users".into(), from: "name".into(), to: "login".into() };
    let after = apply(&before, &rename).unwrap_or_else(|e| panic!("{e}"));
    let users = &after.tables["users"];
    assert!(users.column("login").is_some() && users.column("name").is_none());
    assert_eq!(users.primary_key, ["id", "login"]);
    assert_eq!(users.indexes[0].columns, ["login"]);
    assert_eq!(after.tables["posts"].foreign_keys[0].ref_columns, ["login"]);
    let back = apply(&after, &rename.inverse()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(back, before);
}

#[test]
fn renaming_a_table_moves_references() {
    let mut posts = table("posts", vec![column("user_id", T::Integer)]);
    posts.foreign_keys.push(fk("fk", &["user_id"], "users"));
    let before = schema(vec![table("users", vec![]), posts]);
    let after = apply(&before, &Change::RenameTable { from: "users".into(), to: "accounts".into() });
    let after = after.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(after.tables["accounts"].name, "accounts");
    assert_eq!(after.tables["posts"].foreign_keys[0].ref_table, "accounts");
}

#[test]
fn drops_find_by_name_then_by_content() {
    let mut users = table("users", vec![column("a", T::Text)]);
    users.indexes.push(index("first", &["a"], false));
    users.indexes.push(index("second", &["a"], false));
    let before = schema(vec![users]);
    let drop = |name: Option<&str>| Change::DropIndex {
        table: "users".into(),
        index: Index { name: name.map(Into::into), columns: vec!["a".into()], ..Index::default() },
    };
    let by_name = apply(&before, &drop(Some("second"))).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(by_name.tables["users"].indexes[0].name.as_deref(), Some("first"));
    let by_content = apply(&before, &drop(None)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(by_content.tables["users"].indexes.len(), 1);
}

#[test]
fn changes_that_do_not_fit_are_errors() {
    let s = schema(vec![table("users", vec![])]);
    let missing = Change::DropColumn { table: "users".into(), column: column("nope", T::Text) };
    assert!(matches!(apply(&s, &missing), Err(ApplyError::NoColumn { .. })));
    let twice = Change::CreateTable { table: table("users", vec![]) };
    assert_eq!(apply(&s, &twice), Err(ApplyError::TableExists("users".into())));
    let no_table = Change::AddColumn { table: "ghost".into(), column: column("a", T::Text) };
    assert_eq!(apply_all(&s, &[no_table]), Err(ApplyError::NoTable("ghost".into())));
}
