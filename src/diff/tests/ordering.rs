//! The order changes come in: foreign key chains, cycles, and what goes before what.

use super::super::testkit::{column, fk, index, schema, table};
use super::pg_diff;
use crate::diff::{Change, inverse_of, order};
use crate::schema::{ColumnType as T, Schema, Table};

/// `a_leaf` references `m_mid`, which references `z_root`: names opposite to the order.
fn chain() -> Schema {
    let mut leaf = table("a_leaf", vec![column("mid_id", T::Integer)]);
    leaf.foreign_keys.push(fk("fk_leaf_mid", &["mid_id"], "m_mid"));
    let mut mid = table("m_mid", vec![column("root_id", T::Integer)]);
    mid.foreign_keys.push(fk("fk_mid_root", &["root_id"], "z_root"));
    schema(vec![leaf, mid, table("z_root", vec![])])
}

fn tables_in(changes: &[Change]) -> Vec<String> {
    changes.iter().filter_map(|c| c.table().map(str::to_owned)).collect()
}

#[test]
fn foreign_key_chains_are_created_referenced_first_and_dropped_in_reverse() {
    let create = pg_diff(&Schema::default(), &chain());
    assert_eq!(tables_in(&create.changes), ["z_root", "m_mid", "a_leaf"]);
    let drop = pg_diff(&chain(), &Schema::default());
    assert_eq!(tables_in(&drop.changes), ["a_leaf", "m_mid", "z_root"]);
    assert_eq!(drop.changes, inverse_of(&create.changes));
}

fn cycle() -> Schema {
    let mut a = table("a", vec![column("b_id", T::Integer)]);
    a.foreign_keys.push(fk("fk_a_b", &["b_id"], "b"));
    let mut b = table("b", vec![column("a_id", T::Integer), column("parent_id", T::Integer)]);
    b.foreign_keys.push(fk("fk_b_a", &["a_id"], "a"));
    b.foreign_keys.push(fk("fk_b_parent", &["parent_id"], "b"));
    schema(vec![a, b])
}

#[test]
fn a_cycle_is_created_without_its_closing_key_which_is_added_after() {
    let d = pg_diff(&Schema::default(), &cycle());
    assert_eq!(
        d.describe(),
        ["create table a (2 columns)", "create table b (3 columns)", "add foreign key fk_a_b on a (b_id) -> b (id)"]
    );
    // A self-reference is no cycle: it stays in the table.
    let Change::CreateTable { table: b } = &d.changes[1] else { panic!("{:?}", d.changes[1]) };
    assert_eq!(b.foreign_keys.len(), 2);
    assert!(d.warnings.is_empty(), "the new tables are empty: {:?}", d.warnings);
    let drop = pg_diff(&cycle(), &Schema::default());
    assert_eq!(drop.describe(), ["drop foreign key fk_a_b on a", "drop table b", "drop table a"]);
}

#[test]
fn foreign_keys_and_indexes_go_before_what_they_involve() {
    let mut users = table("users", vec![column("email", T::Text)]);
    users.indexes.push(index("ix_email", &["email"], true));
    let mut posts = table("posts", vec![column("user_id", T::Integer)]);
    posts.foreign_keys.push(fk("fk_posts_user", &["user_id"], "users"));
    let a = schema(vec![users, posts]);
    let b = schema(vec![table("posts", vec![])]);
    let d = pg_diff(&a, &b);
    assert_eq!(
        d.describe(),
        ["drop foreign key fk_posts_user on posts", "drop table users", "drop column posts.user_id"]
    );
    let mut no_email = a.clone();
    if let Some(users) = no_email.tables.get_mut("users") {
        users.columns.retain(|c| c.name != "email");
        users.indexes.clear();
    }
    let d = pg_diff(&a, &no_email);
    assert_eq!(d.describe(), ["drop unique index ix_email on users", "drop column users.email"]);
}

#[test]
fn order_alone_sorts_any_list() {
    let tables: Vec<Table> = chain().tables.into_values().collect();
    let mut changes: Vec<Change> = tables.into_iter().map(|table| Change::CreateTable { table }).collect();
    changes.push(Change::CreateEnum { enum_type: crate::schema::EnumType { name: "e".into(), values: vec![] } });
    changes.insert(0, Change::RenameTable { from: "x".into(), to: "y".into() });
    let ordered = order(changes);
    let kinds: Vec<String> = ordered.iter().map(|c| c.describe()).collect();
    assert_eq!(
        kinds,
        ["rename table x -> y", "create enum type e ()", "create table z_root (1 column)", "create table m_mid (2 columns)", "create table a_leaf (2 columns)"]
    );
}

#[test]
fn a_column_leaves_the_key_before_it_may_hold_null() {
    let mut keyed = table("t", vec![crate::diff::testkit::not_null(column("k", T::Integer))]);
    keyed.primary_key = vec!["id".into(), "k".into()];
    keyed.columns[0].auto_increment = false;
    let mut loose = keyed.clone();
    loose.primary_key = vec!["id".into()];
    loose.columns[1].nullable = true;
    let d = pg_diff(&schema(vec![keyed]), &schema(vec![loose]));
    assert_eq!(d.describe(), ["alter primary key of t: (id, k) -> (id)", "alter column t.k: not null -> null"]);
}
