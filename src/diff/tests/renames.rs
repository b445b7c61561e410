//! Declared renames and rename candidates.

use super::super::testkit::{column, fk, schema, table};
use super::PG;
use crate::diff::{Change, DiffOptions, apply_all, inverse_of, Rename, RenameError, check_renames, diff, rename_candidates, try_diff};
use crate::schema::{ColumnType as T, Schema, normalise};

fn users_with(name: &str, ty: T) -> Schema {
    let mut posts = table("posts", vec![column("user_id", T::Integer)]);
    posts.foreign_keys.push(fk("fk_posts_user", &["user_id"], "users"));
    schema(vec![table("users", vec![column(name, ty)]), posts])
}

fn renames(texts: &[&str]) -> DiffOptions {
    let parsed = texts.iter().map(|t| t.parse::<Rename>()).collect::<Result<Vec<_>, _>>();
    DiffOptions::new(PG).with_renames(parsed.unwrap_or_else(|e| panic!("{e}")))
}

#[test]
fn undeclared_rename_is_a_drop_and_an_add_with_a_candidate() {
    let (a, b) = (users_with("name", T::Text), users_with("full_name", T::Text));
    let d = diff(&a, &b, &DiffOptions::new(PG));
    assert_eq!(d.describe(), ["add column users.full_name (TEXT, null)", "drop column users.name"]);
    let candidates = rename_candidates(&d);
    assert_eq!(candidates.len(), 1);
    assert_eq!(candidates[0].question(), "users.name -> users.full_name: rename? [y/N]");
    assert_eq!((candidates[0].drop_index, candidates[0].add_index), (1, 0));
    // The CLI re-runs the diff with the accepted answer.
    let again = diff(&a, &b, &DiffOptions::new(PG).with_renames([candidates[0].rename.clone()]));
    assert_eq!(again.describe(), ["rename column users.name -> full_name"]);
    assert!(again.warnings.is_empty());
}

#[test]
fn a_column_of_another_type_is_no_candidate() {
    let d = diff(&users_with("name", T::Text), &users_with("age", T::Integer), &DiffOptions::new(PG));
    assert!(rename_candidates(&d).is_empty());
}

#[test]
fn declared_column_rename_then_compares_the_renamed_column() {
    let (a, b) = (users_with("name", T::String { len: Some(50) }), users_with("full_name", T::Text));
    let d = diff(&a, &b, &renames(&["users.name=full_name"]));
    assert_eq!(d.describe(), ["rename column users.name -> full_name", "alter column users.full_name: type VARCHAR(50) -> TEXT"]);
    // The way back renames first too, so it is the inverse in effect, not change by change.
    let back = diff(&b, &a, &renames(&["users.full_name=name"]));
    assert_eq!(back.describe(), ["rename column users.full_name -> name", "alter column users.name: type TEXT -> VARCHAR(50)"]);
    let undone = apply_all(&b, &inverse_of(&d.changes)).unwrap_or_else(|e| panic!("{e}"));
    let reversed = apply_all(&b, &back.changes).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(normalise(&undone, PG), normalise(&a, PG));
    assert_eq!(normalise(&reversed, PG), normalise(&a, PG));
}

#[test]
fn declared_table_rename_keeps_references() {
    let a = users_with("name", T::Text);
    let mut b = a.clone();
    if let Some(mut users) = b.tables.remove("users") {
        users.name = "accounts".into();
        b.tables.insert("accounts".into(), users);
    }
    if let Some(posts) = b.tables.get_mut("posts") {
        posts.foreign_keys[0].ref_table = "accounts".into();
    }
    let undeclared = diff(&a, &b, &DiffOptions::new(PG));
    let candidates = rename_candidates(&undeclared);
    assert_eq!(candidates.iter().map(|c| c.rename.to_string()).collect::<Vec<_>>(), ["users=accounts"]);
    let d = diff(&a, &b, &renames(&["users=accounts"]));
    assert_eq!(d.describe(), ["rename table users -> accounts"]);
}

#[test]
fn column_rename_may_name_the_old_table() {
    let a = users_with("name", T::Text);
    let mut b = users_with("full_name", T::Text);
    if let Some(mut users) = b.tables.remove("users") {
        users.name = "accounts".into();
        b.tables.insert("accounts".into(), users);
    }
    b.tables.remove("posts");
    let mut a = a;
    a.tables.remove("posts");
    let d = diff(&a, &b, &renames(&["users.name=full_name", "users=accounts"]));
    assert_eq!(d.describe(), ["rename table users -> accounts", "rename column accounts.name -> full_name"]);
}

#[test]
fn renames_that_do_not_fit_are_refused_or_left_out() {
    let (a, b) = (users_with("name", T::Text), users_with("full_name", T::Text));
    let bad = renames(&["users.nome=full_name"]);
    assert!(matches!(check_renames(&bad.renames, &a, &b), Err(RenameError::NoColumn { .. })));
    assert!(try_diff(&a, &b, &bad).is_err());
    assert_eq!(diff(&a, &b, &bad).changes.len(), 2);
    let unwanted = renames(&["users.name=nickname"]);
    assert!(matches!(check_renames(&unwanted.renames, &a, &b), Err(RenameError::NotWanted { .. })));
    let taken = renames(&["users=posts"]);
    assert!(matches!(check_renames(&taken.renames, &a, &b), Err(RenameError::Exists { .. })));
    let good = renames(&["users.name=full_name"]);
    assert!(try_diff(&a, &b, &good).is_ok_and(|d| matches!(d.changes[..], [Change::RenameColumn { .. }])));
}

#[test]
fn candidates_that_share_an_object_conflict() {
    let a = schema(vec![table("users", vec![column("a", T::Text), column("b", T::Text)])]);
    let b = schema(vec![table("users", vec![column("x", T::Text), column("y", T::Text)])]);
    let candidates = rename_candidates(&diff(&a, &b, &DiffOptions::new(PG)));
    assert_eq!(candidates.len(), 4);
    assert!(candidates[0].conflicts_with(&candidates[1]));
    let disjoint = candidates.iter().filter(|c| !c.conflicts_with(&candidates[0])).count();
    assert_eq!(disjoint, 1);
}
