//! Each kind of change, with its name, description and warnings.

use super::super::testkit::{column, enum_type, fk, index, not_null, schema, table};
use super::{PG, checked_diff, pg_diff};
use crate::db::Backend;
use crate::diff::{Change, DiffOptions, Severity, diff};
use crate::schema::{ColumnType as T, DefaultValue, FkAction, Schema, Table};

fn users(columns: Vec<crate::schema::Column>) -> Table {
    table("users", columns)
}

fn email(len: u32) -> crate::schema::Column {
    column("email", T::String { len: Some(len) })
}

#[test]
fn same_schema_spelled_differently_is_no_difference() {
    let mut live = users(vec![column("email", T::Other("character varying(255)".into())), column("n", T::Other("int4".into()))]);
    live.columns[2].default = Some(DefaultValue::Expr("'3'::integer".into()));
    live.columns.reverse();
    let mut wanted = users(vec![email(255), column("n", T::Integer)]);
    wanted.columns[2].default = Some(DefaultValue::Int(3));
    let d = diff(&schema(vec![live]), &schema(vec![wanted]), &DiffOptions::new(PG));
    assert!(d.is_empty(), "{:?}", d.describe());
}

#[test]
fn create_and_drop_table() {
    let d = pg_diff(&Schema::default(), &schema(vec![users(vec![email(255)])]));
    assert_eq!(d.describe(), ["create table users (2 columns)"]);
    assert!(d.warnings.is_empty());
    let d = pg_diff(&schema(vec![users(vec![email(255)])]), &Schema::default());
    assert_eq!(d.describe(), ["drop table users"]);
    assert_eq!(d.warnings[0].message, "drops table users and its rows");
    assert_eq!(d.warnings[0].severity, Severity::Destructive);
}

#[test]
fn add_and_drop_column() {
    let mut last_login = column("last_login", T::TimestampTz);
    let d = pg_diff(&schema(vec![users(vec![])]), &schema(vec![users(vec![last_login.clone()])]));
    assert_eq!(d.describe(), ["add column users.last_login (TIMESTAMP WITH TIME ZONE, null)"]);
    assert!(d.warnings.is_empty());
    last_login.nullable = false;
    let d = pg_diff(&schema(vec![users(vec![])]), &schema(vec![users(vec![last_login])]));
    assert_eq!(d.warnings[0].message, "adds users.last_login NOT NULL without a default: fails if the table holds rows");
    let d = pg_diff(&schema(vec![users(vec![column("name", T::Text)])]), &schema(vec![users(vec![])]));
    assert_eq!(d.describe(), ["drop column users.name"]);
    assert_eq!(d.warnings[0].message, "drops column users.name and its data");
}

#[test]
fn widening_a_type_is_no_warning_narrowing_is() {
    let d = pg_diff(&schema(vec![users(vec![email(255)])]), &schema(vec![users(vec![email(320)])]));
    assert_eq!(d.describe(), ["alter column users.email: type VARCHAR(255) -> VARCHAR(320)"]);
    assert!(d.warnings.is_empty());
    let d = pg_diff(&schema(vec![users(vec![email(255)])]), &schema(vec![users(vec![email(100)])]));
    assert_eq!(d.warnings[0].message, "narrows users.email from VARCHAR(255) to VARCHAR(100): longer values fail or are cut");
    let d = pg_diff(&schema(vec![users(vec![column("n", T::Text)])]), &schema(vec![users(vec![column("n", T::Integer)])]));
    assert_eq!(d.warnings[0].message, "changes type of users.n from TEXT to INTEGER: values that do not convert fail");
    let d = pg_diff(&schema(vec![users(vec![column("n", T::Integer)])]), &schema(vec![users(vec![column("n", T::BigInt)])]));
    assert!(d.warnings.is_empty());
}

#[test]
fn nullability_and_default() {
    let nick = column("nickname", T::Text);
    let d = pg_diff(&schema(vec![users(vec![nick.clone()])]), &schema(vec![users(vec![not_null(nick.clone())])]));
    assert_eq!(d.describe(), ["alter column users.nickname: null -> not null"]);
    assert_eq!(d.warnings[0].message, "makes users.nickname NOT NULL without a default: fails if any row holds NULL");
    let mut with_default = nick.clone();
    with_default.default = Some(DefaultValue::Str("it's".into()));
    let d = pg_diff(&schema(vec![users(vec![nick])]), &schema(vec![users(vec![with_default])]));
    assert_eq!(d.describe(), ["alter column users.nickname: default none -> 'it''s'"]);
    assert!(d.warnings.is_empty());
}

#[test]
fn auto_increment_is_a_change_of_the_column() {
    let mut plain = users(vec![]);
    plain.columns[0].auto_increment = false;
    let d = pg_diff(&schema(vec![plain]), &schema(vec![users(vec![])]));
    assert_eq!(d.describe(), ["alter column users.id: type INTEGER -> INTEGER auto-increment"]);
    assert_eq!(d.warnings.len(), 1);
}

#[test]
fn column_order_is_no_difference() {
    let a = users(vec![column("a", T::Text), column("b", T::Text)]);
    let mut b = a.clone();
    b.columns.reverse();
    assert!(diff(&schema(vec![a]), &schema(vec![b]), &DiffOptions::new(PG)).is_empty());
}

#[test]
fn indexes_keep_database_names_and_get_generated_ones() {
    let mut live = users(vec![email(255)]);
    live.indexes.push(index("users_email_idx", &["email"], false));
    let mut wanted = users(vec![email(255)]);
    let mut unique = index("", &["email"], true);
    unique.name = None;
    wanted.indexes.push(unique);
    let d = pg_diff(&schema(vec![live]), &schema(vec![wanted]));
    assert_eq!(d.describe(), ["drop index users_email_idx on users", "add unique index uq_users_email on users (email)"]);
    assert_eq!(d.warnings[0].change_index, 1);
    assert_eq!(d.warnings[0].message, "adds unique index uq_users_email on users (email): fails if rows repeat a value");
}

#[test]
fn a_new_name_that_stays_taken_is_replaced() {
    // MySQL keeps its index on a foreign key's columns; the wanted unique one may not reuse it.
    let mut posts = table("posts", vec![column("user_id", T::Integer)]);
    posts.foreign_keys.push(fk("fk_posts_user", &["user_id"], "users"));
    let mut live = posts.clone();
    live.indexes.push(index("ix_user", &["user_id"], false));
    let mut wanted = posts;
    wanted.indexes.push(index("ix_user", &["user_id"], true));
    let d = checked_diff(&schema(vec![users(vec![]), live]), &schema(vec![users(vec![]), wanted]), Backend::MySql);
    assert_eq!(d.describe(), ["add unique index uq_posts_user_id on posts (user_id)"]);
}

#[test]
fn foreign_keys_changed_are_dropped_and_added() {
    let mut posts = table("posts", vec![column("user_id", T::Integer)]);
    posts.foreign_keys.push(fk("posts_user_id_fkey", &["user_id"], "users"));
    let mut wanted = posts.clone();
    wanted.foreign_keys[0].name = None;
    wanted.foreign_keys[0].on_delete = FkAction::Cascade;
    let d = pg_diff(&schema(vec![users(vec![]), posts]), &schema(vec![users(vec![]), wanted]));
    assert_eq!(
        d.describe(),
        ["drop foreign key posts_user_id_fkey on posts", "add foreign key fk_posts_user_id on posts (user_id) -> users (id) on delete cascade"]
    );
}

#[test]
fn mysql_index_of_a_foreign_key_goes_with_it() {
    let mut posts = table("posts", vec![column("user_id", T::Integer)]);
    posts.foreign_keys.push(fk("fk_posts_user", &["user_id"], "users"));
    posts.indexes.push(index("fk_posts_user", &["user_id"], false));
    let mut without_index = posts.clone();
    without_index.indexes.clear();
    let (live, wanted) = (schema(vec![users(vec![]), posts.clone()]), schema(vec![users(vec![]), without_index]));
    assert!(checked_diff(&live, &wanted, Backend::MySql).is_empty());
    let mut neither = posts;
    neither.indexes.clear();
    neither.foreign_keys.clear();
    // The index MySQL made for the key (named after it) goes with the key: `drop_foreign_key`
    // drops it, as adding the key made it, so no change of its own drops it (one would fail).
    // Outside the model, which keeps indexes and keys apart: no replay here.
    let d = diff(&live, &schema(vec![users(vec![]), neither]), &DiffOptions::new(Backend::MySql));
    assert_eq!(d.describe(), ["drop foreign key fk_posts_user on posts"]);
}

#[test]
fn primary_key_changes() {
    let a = users(vec![not_null(column("tenant", T::Integer))]);
    let mut b = a.clone();
    b.primary_key.push("tenant".into());
    b.columns[0].auto_increment = false;
    let d = pg_diff(&schema(vec![a]), &schema(vec![b]));
    assert_eq!(d.describe()[1], "alter primary key of users: (id) -> (id, tenant)");
}

#[test]
fn enum_types() {
    let mut wanted = schema(vec![users(vec![column("mood", T::Enum("mood".into()))])]);
    wanted.enums.insert("mood".into(), enum_type("mood", &["happy", "sad"]));
    let d = pg_diff(&Schema::default(), &wanted);
    assert_eq!(d.describe(), ["create enum type mood ('happy', 'sad')", "create table users (2 columns)"]);
    let mut grown = wanted.clone();
    grown.enums.insert("mood".into(), enum_type("mood", &["happy", "ok"]));
    let d = pg_diff(&wanted, &grown);
    assert_eq!(d.describe(), ["alter enum type mood: add 'ok'; remove 'sad'"]);
    assert_eq!(d.warnings[0].message, "removes sad from enum type mood: rows holding them fail");
    let d = pg_diff(&wanted, &Schema::default());
    assert_eq!(d.describe(), ["drop table users", "drop enum type mood"]);
    // MySQL spells enums inline: a changed enum is a changed column.
    let d = checked_diff(&wanted, &grown, Backend::MySql);
    assert_eq!(d.describe(), ["alter column users.mood: type ENUM('happy', 'sad') -> ENUM('happy', 'ok')"]);
    assert!(matches!(d.changes[0], Change::AlterColumn { .. }));
}
