//! Generated columns are compared by expression and kind (STORED or VIRTUAL): a table created
//! with one reads back with it, its values computed; another expression is a difference that is
//! drafted as the column dropped and added again (never an `alter column`), and applying that
//! draft gives the new expression. The entity side declares one with `EntitySet::generated`.

use crate::support::{Kind, TestDb};
use sea_orm::{ConnectionTrait, Statement};
use sea_orm_migration::SchemaManager;
use seamigrate::diff::{Change, DiffOptions, diff};
use seamigrate::schema::{Column, ColumnType, Filter, Generated, Schema, Table, discover, normalise};

crate::on_each_backend!(generated_columns_are_compared_and_redrafted);

fn notes(expression: &str, stored: bool) -> Schema {
    let column = |name: &str, ty| Column { name: name.into(), ty, nullable: false, default: None, auto_increment: false, generated: None };
    let computed = Column {
        nullable: true,
        generated: Some(Generated { expression: expression.into(), stored }),
        ..column("body_key", ColumnType::String { len: Some(100) })
    };
    let table = Table {
        name: "notes".into(),
        columns: vec![column("id", ColumnType::Integer), column("body", ColumnType::String { len: Some(100) }), computed],
        primary_key: vec!["id".into()],
        ..Table::default()
    };
    Schema { tables: [("notes".to_owned(), table)].into(), enums: Default::default(), views: Default::default(), extensions: Default::default() }
}

async fn generated_columns_are_compared_and_redrafted(db: TestDb) {
    let backend = db.kind.backend();
    // PostgreSQL has STORED ones only; SQLite cannot add a STORED one to an existing table.
    let stored = db.kind == Kind::Postgres;
    let conn = db.connect().await;
    let manager = SchemaManager::new(&conn);
    let first = notes("lower(body)", stored);
    let enums = Default::default();
    seamigrate::apply::apply(&manager, &Change::CreateTable { table: first.tables["notes"].clone() }, &enums).await.unwrap();
    let live = discover(&conn, &Filter::only(["notes"])).await.unwrap();
    assert_eq!(normalise(&live, backend), normalise(&first, backend), "read back as created");
    assert!(diff(&live, &first, &DiffOptions::new(backend)).is_empty());

    conn.execute_unprepared("INSERT INTO notes (id, body) VALUES (1, 'Hello')").await.unwrap();
    let read = |sql: &'static str| conn.query_one_raw(Statement::from_string(conn.get_database_backend(), sql));
    let row = read("SELECT body_key FROM notes").await.unwrap().unwrap();
    assert_eq!(row.try_get_by_index::<String>(0).unwrap(), "hello", "computed by the database");

    let second = notes("upper(body)", stored);
    let drafted = diff(&live, &second, &DiffOptions::new(backend));
    let described = drafted.describe();
    assert_eq!(described.len(), 2, "dropped and added again, never altered: {described:?}");
    assert!(described[0].starts_with("drop column notes.body_key") && described[1].starts_with("add column notes.body_key"), "{described:?}");
    assert!(!drafted.changes.iter().any(Change::is_destructive), "the values can be computed again");
    for change in &drafted.changes {
        seamigrate::apply::apply(&manager, change, &enums).await.unwrap_or_else(|e| panic!("{change:?}: {e}"));
    }
    let live = discover(&conn, &Filter::only(["notes"])).await.unwrap();
    assert!(diff(&live, &second, &DiffOptions::new(backend)).is_empty(), "{:?}", diff(&live, &second, &DiffOptions::new(backend)).describe());
    let row = read("SELECT body_key FROM notes").await.unwrap().unwrap();
    assert_eq!(row.try_get_by_index::<String>(0).unwrap(), "HELLO");
}
