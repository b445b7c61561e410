//! The schema a migration leaves behind, worked out from the statements it sends: what `up
//! --sql`, `lint` and a SQLite rebuild read for the next pending migration, whose
//! `has_table`, `has_column` and `has_index` must see what the ones before it created.
//!
//! Hand-written on sqlparser because nothing else applies DDL to a schema model without a
//! database. It knows the statements migrations send (sea-query's DDL and the common raw SQL
//! of the three backends); any other statement (data, grants, functions) changes nothing here.

use super::model::{Check, Column, EnumType, FkAction, ForeignKey, Generated, Index, Schema, Table, View};
use super::normalise::{defaults, types::resolve};
use super::sql_text;
use crate::db::Backend;
use sqlparser::ast::{
    AlterColumnOperation, AlterIndexOperation, AlterTableOperation, ColumnDef, ColumnOption, CreateTable, Expr,
    GeneratedExpressionMode, IndexColumn, ObjectName, ObjectType, ReferentialAction, RenameTableNameKind, Statement,
    TableConstraint, UserDefinedTypeRepresentation,
};
use std::collections::BTreeMap;

/// `schema` after `statements` (each as the backend would receive it, possibly several in one).
pub(crate) fn replay(schema: &Schema, statements: &[String], backend: Backend) -> Schema {
    let mut schema = schema.clone();
    for sql in statements {
        for statement in sql_text::statements(sql, backend).unwrap_or_default() {
            apply(&mut schema, statement, backend);
        }
    }
    schema
}

fn apply(schema: &mut Schema, statement: Statement, backend: Backend) {
    match statement {
        Statement::CreateTable(create) => {
            let name = bare(&create.name);
            if !(create.if_not_exists && schema.tables.contains_key(&name)) {
                let table = create_table(create, backend, &schema.enums);
                schema.tables.insert(name, table);
            }
        }
        Statement::AlterTable(alter) => {
            let mut name = bare(&alter.name);
            for operation in alter.operations {
                if let Some(to) = alter_table(schema, &name, operation, backend) {
                    name = to;
                }
            }
        }
        Statement::RenameTable(renames) => {
            for rename in renames {
                rename_table(schema, &bare(&rename.old_name), bare(&rename.new_name));
            }
        }
        Statement::Drop { object_type, names, table, .. } => {
            for name in names.iter().map(bare) {
                match object_type {
                    ObjectType::Table => drop(schema.tables.remove(&name)),
                    ObjectType::View | ObjectType::MaterializedView => drop(schema.views.remove(&name)),
                    ObjectType::Index => drop_index(schema, table.as_ref().map(bare), &name),
                    ObjectType::Type => drop(schema.enums.remove(&name)),
                    _ => {}
                }
            }
        }
        Statement::CreateIndex(ref create) => {
            let table = bare(&create.table_name);
            let index = sql_text::parse(&statement.to_string(), backend, backend);
            if let (Some(t), Ok(index)) = (schema.tables.get_mut(&table), index) {
                t.indexes.push(index);
            }
        }
        Statement::AlterIndex { name, operation: AlterIndexOperation::RenameIndex { index_name } } => {
            let (from, to) = (bare(&name), bare(&index_name));
            let found = schema.tables.values_mut().flat_map(|t| t.indexes.iter_mut()).find(|i| i.name.as_deref() == Some(&from));
            if let Some(index) = found {
                index.name = Some(to);
            }
        }
        Statement::CreateView(create) => {
            let name = bare(&create.name);
            let definition = sql_text::query(&create.query.to_string(), backend, backend).unwrap_or_else(|_| create.query.to_string());
            schema.views.insert(name.clone(), View { name, definition, materialized: create.materialized });
        }
        Statement::CreateType { name, representation: Some(UserDefinedTypeRepresentation::Enum { labels }) } => {
            let name = bare(&name);
            let values = labels.into_iter().map(|l| l.value).collect();
            schema.enums.insert(name.clone(), EnumType { name, values });
        }
        Statement::CreateExtension(create) => {
            schema.extensions.insert(create.name.value);
        }
        Statement::DropExtension(dropped) => {
            for name in dropped.names {
                schema.extensions.remove(&name.value);
            }
        }
        _ => {}
    }
}

/// Applies one `ALTER TABLE` operation to `table`; the table's new name when it renames it.
fn alter_table(schema: &mut Schema, table: &str, operation: AlterTableOperation, backend: Backend) -> Option<String> {
    if let AlterTableOperation::RenameTable { table_name: RenameTableNameKind::To(to) | RenameTableNameKind::As(to) } = &operation {
        let to = bare(to);
        rename_table(schema, table, to.clone());
        return Some(to);
    }
    let enums = schema.enums.clone();
    let t = schema.tables.get_mut(table)?;
    match operation {
        AlterTableOperation::AddColumn { column_def, if_not_exists, .. } if !(if_not_exists && t.column(&column_def.name.value).is_some()) => {
            add_column(t, column_def, backend, &enums);
        }
        AlterTableOperation::DropColumn { column_names, .. } => {
            for column in column_names {
                drop_column(t, &column.value);
            }
        }
        AlterTableOperation::RenameColumn { old_column_name, new_column_name } => {
            rename_column(t, &old_column_name.value, &new_column_name.value);
        }
        AlterTableOperation::ChangeColumn { old_name, new_name, data_type, options, .. } => {
            rename_column(t, &old_name.value, &new_name.value);
            let options = options.into_iter().map(|option| sqlparser::ast::ColumnOptionDef { name: None, option }).collect();
            replace_column(t, ColumnDef { name: new_name, data_type, options }, backend, &enums);
        }
        AlterTableOperation::ModifyColumn { col_name, data_type, options, .. } => {
            let options = options.into_iter().map(|option| sqlparser::ast::ColumnOptionDef { name: None, option }).collect();
            replace_column(t, ColumnDef { name: col_name, data_type, options }, backend, &enums);
        }
        AlterTableOperation::AlterColumn { column_name, op } => {
            let column = t.columns.iter_mut().find(|c| c.name == column_name.value)?;
            match op {
                AlterColumnOperation::SetNotNull => column.nullable = false,
                AlterColumnOperation::DropNotNull => column.nullable = true,
                AlterColumnOperation::SetDefault { value } => column.default = Some(defaults::parse_sql(&value.to_string())),
                AlterColumnOperation::DropDefault => column.default = None,
                AlterColumnOperation::SetDataType { data_type, .. } => column.ty = type_of(&data_type, backend, &enums),
                _ => {}
            }
        }
        AlterTableOperation::AddConstraint { constraint, .. } => add_constraint(t, constraint, backend),
        AlterTableOperation::DropConstraint { name, .. } => {
            let name = Some(name.value);
            t.indexes.retain(|i| i.name != name);
            t.foreign_keys.retain(|f| f.name != name);
            t.checks.retain(|c| c.name != name);
        }
        AlterTableOperation::DropForeignKey { name, .. } => t.foreign_keys.retain(|f| f.name.as_deref() != Some(&name.value)),
        AlterTableOperation::DropIndex { name } => t.indexes.retain(|i| i.name.as_deref() != Some(&name.value)),
        AlterTableOperation::DropPrimaryKey { .. } => t.primary_key.clear(),
        _ => {}
    }
    None
}

fn create_table(create: CreateTable, backend: Backend, enums: &BTreeMap<String, EnumType>) -> Table {
    // `CREATE TABLE ... AS SELECT` (a SQLite rebuild's copy of the rows) lists no columns; the
    // copy is only there until the same migration drops it.
    let mut table = Table { name: bare(&create.name), ..Table::default() };
    for column in create.columns {
        add_column(&mut table, column, backend, enums);
    }
    for constraint in create.constraints {
        add_constraint(&mut table, constraint, backend);
    }
    table
}

fn add_column(table: &mut Table, def: ColumnDef, backend: Backend, enums: &BTreeMap<String, EnumType>) {
    let (column, constraints) = column(def, backend, enums);
    table.columns.push(column);
    for constraint in constraints {
        add_constraint(table, constraint, backend);
    }
}

/// Replaces the column of `def`'s name with `def` (MySQL's `MODIFY`/`CHANGE`), in place.
fn replace_column(table: &mut Table, def: ColumnDef, backend: Backend, enums: &BTreeMap<String, EnumType>) {
    let (column, constraints) = column(def, backend, enums);
    match table.columns.iter_mut().find(|c| c.name == column.name) {
        Some(old) => *old = column,
        None => table.columns.push(column),
    }
    for constraint in constraints {
        add_constraint(table, constraint, backend);
    }
}

/// The column `def` declares and the constraints written inline on it, as table constraints.
fn column(def: ColumnDef, backend: Backend, enums: &BTreeMap<String, EnumType>) -> (Column, Vec<TableConstraint>) {
    let serial = def.data_type.to_string().to_ascii_lowercase().contains("serial");
    let mut column = Column {
        name: def.name.value.clone(),
        ty: type_of(&def.data_type, backend, enums),
        nullable: true,
        default: None,
        auto_increment: serial,
        generated: None,
    };
    let mut constraints = Vec::new();
    let this = || vec![IndexColumn { column: sqlparser::ast::OrderByExpr { expr: Expr::Identifier(def.name.clone()), options: Default::default(), with_fill: None }, operator_class: None }];
    for option in def.options {
        match option.option {
            ColumnOption::NotNull => column.nullable = false,
            ColumnOption::Null => column.nullable = true,
            ColumnOption::Default(value) => column.default = Some(defaults::parse_sql(&value.to_string())),
            ColumnOption::PrimaryKey(mut key) => {
                column.nullable = false;
                key.columns = this();
                constraints.push(TableConstraint::PrimaryKey(key));
            }
            ColumnOption::Unique(mut unique) => {
                unique.columns = this();
                constraints.push(TableConstraint::Unique(unique));
            }
            ColumnOption::ForeignKey(mut key) => {
                key.columns = vec![def.name.clone()];
                constraints.push(TableConstraint::ForeignKey(key));
            }
            ColumnOption::Check(mut check) => {
                check.name = check.name.or(option.name);
                constraints.push(TableConstraint::Check(check));
            }
            ColumnOption::Generated { generation_expr: Some(expr), generation_expr_mode, .. } => {
                let stored = backend == Backend::Postgres || matches!(generation_expr_mode, Some(GeneratedExpressionMode::Stored));
                column.generated = Some(Generated { expression: sql_text::canonical(expr, backend), stored });
            }
            ColumnOption::Generated { generation_expr: None, .. } => column.auto_increment = true,
            ColumnOption::DialectSpecific(tokens) => {
                let words = tokens.iter().map(|t| t.to_string().to_ascii_uppercase()).collect::<Vec<_>>();
                if words.iter().any(|w| w == "AUTO_INCREMENT" || w == "AUTOINCREMENT") {
                    column.auto_increment = true;
                }
            }
            _ => {}
        }
    }
    (column, constraints)
}

/// The model type of `ty`, an enum's name without its quotes.
fn type_of(ty: &sqlparser::ast::DataType, backend: Backend, enums: &BTreeMap<String, EnumType>) -> super::model::ColumnType {
    resolve(&ty.to_string().replace(['"', '`'], ""), backend, enums)
}

fn add_constraint(table: &mut Table, constraint: TableConstraint, backend: Backend) {
    match constraint {
        TableConstraint::PrimaryKey(key) => table.primary_key = key.columns.iter().filter_map(column_name).collect(),
        TableConstraint::Unique(unique) => table.indexes.push(Index {
            name: unique.name.or(unique.index_name).map(|n| n.value),
            columns: unique.columns.iter().filter_map(column_name).collect(),
            unique: true,
            ..Index::default()
        }),
        TableConstraint::Index(index) => table.indexes.push(Index {
            name: index.name.map(|n| n.value),
            columns: index.columns.iter().filter_map(column_name).collect(),
            ..Index::default()
        }),
        TableConstraint::ForeignKey(key) => table.foreign_keys.push(ForeignKey {
            name: key.name.map(|n| n.value),
            columns: key.columns.into_iter().map(|c| c.value).collect(),
            ref_table: bare(&key.foreign_table),
            ref_columns: key.referred_columns.into_iter().map(|c| c.value).collect(),
            on_delete: action(key.on_delete),
            on_update: action(key.on_update),
        }),
        TableConstraint::Check(check) => {
            let expression = sql_text::canonical(*check.expr, backend);
            table.checks.push(Check { name: check.name.map(|n| n.value), expression });
        }
        _ => {}
    }
}

fn drop_column(table: &mut Table, column: &str) {
    table.columns.retain(|c| c.name != column);
    table.primary_key.retain(|c| c != column);
    table.indexes.retain(|i| !i.columns.iter().any(|c| c == column));
    table.foreign_keys.retain(|f| !f.columns.iter().any(|c| c == column));
}

fn rename_column(table: &mut Table, from: &str, to: &str) {
    let rename = |c: &mut String| {
        if c == from {
            *c = to.to_string();
        }
    };
    table.columns.iter_mut().for_each(|c| rename(&mut c.name));
    table.primary_key.iter_mut().for_each(rename);
    table.indexes.iter_mut().flat_map(|i| i.columns.iter_mut()).for_each(rename);
    table.foreign_keys.iter_mut().flat_map(|f| f.columns.iter_mut()).for_each(rename);
}

fn rename_table(schema: &mut Schema, from: &str, to: String) {
    if let Some(mut table) = schema.tables.remove(from) {
        table.name = to.clone();
        schema.tables.insert(to.clone(), table);
    }
    for key in schema.tables.values_mut().flat_map(|t| t.foreign_keys.iter_mut()) {
        if key.ref_table == from {
            key.ref_table = to.clone();
        }
    }
}

/// Drops the index `name` of `table`, or of whichever table holds it (PostgreSQL and SQLite
/// name no table).
fn drop_index(schema: &mut Schema, table: Option<String>, name: &str) {
    for (_, t) in schema.tables.iter_mut().filter(|(n, _)| table.as_ref().is_none_or(|t| t == *n)) {
        t.indexes.retain(|i| i.name.as_deref() != Some(name));
    }
}

fn column_name(column: &IndexColumn) -> Option<String> {
    match &column.column.expr {
        Expr::Identifier(ident) => Some(ident.value.clone()),
        Expr::CompoundIdentifier(parts) => parts.last().map(|i| i.value.clone()),
        _ => None,
    }
}

fn action(action: Option<ReferentialAction>) -> FkAction {
    match action {
        Some(ReferentialAction::Restrict) => FkAction::Restrict,
        Some(ReferentialAction::Cascade) => FkAction::Cascade,
        Some(ReferentialAction::SetNull) => FkAction::SetNull,
        Some(ReferentialAction::SetDefault) => FkAction::SetDefault,
        Some(ReferentialAction::NoAction) | None => FkAction::NoAction,
    }
}

/// A table, view, index or type name without quotes or schema.
fn bare(name: &ObjectName) -> String {
    crate::lint::bare_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::model::ColumnType;

    fn after(backend: Backend, statements: &[&str]) -> Schema {
        let statements: Vec<String> = statements.iter().map(|s| s.to_string()).collect();
        replay(&Schema::default(), &statements, backend)
    }

    fn names(table: &Table) -> Vec<&str> {
        table.columns.iter().map(|c| c.name.as_str()).collect()
    }

    #[test]
    fn postgres_ddl_is_replayed() {
        let s = after(Backend::Postgres, &[
            r#"CREATE TYPE "mood" AS ENUM ('ok', 'sad')"#,
            r#"CREATE TABLE "a" ("id" serial NOT NULL PRIMARY KEY, "name" varchar(40), "m" "mood" DEFAULT 'ok')"#,
            r#"CREATE TABLE "b" ("id" integer NOT NULL, "a_id" integer, CONSTRAINT "fk_b_a" FOREIGN KEY ("a_id") REFERENCES "a" ("id") ON DELETE CASCADE)"#,
            r#"CREATE UNIQUE INDEX "idx_a_name" ON "a" USING btree ("name") WHERE "name" IS NOT NULL"#,
            r#"ALTER TABLE "a" ADD COLUMN "extra" bigint NOT NULL DEFAULT 0, ALTER COLUMN "name" SET NOT NULL"#,
            r#"ALTER TABLE "a" RENAME COLUMN "name" TO "title""#,
            r#"ALTER INDEX "idx_a_name" RENAME TO "idx_a_title""#,
            r#"ALTER TABLE "a" RENAME TO "aa""#,
            r#"ALTER TABLE "aa" ADD CONSTRAINT "ck_extra" CHECK ("extra" >= 0)"#,
            r#"CREATE VIEW "v" AS SELECT "id" FROM "aa""#,
            "CREATE EXTENSION IF NOT EXISTS pg_trgm",
            r#"DROP TABLE "b""#,
        ]);
        let a = s.table("aa").expect("renamed");
        assert_eq!(names(a), ["id", "title", "m", "extra"]);
        assert!(a.column("id").unwrap().auto_increment && !a.column("title").unwrap().nullable);
        assert_eq!(a.column("m").unwrap().ty, ColumnType::Enum("mood".into()));
        assert_eq!(a.primary_key, ["id"]);
        let index = &a.indexes[0];
        assert_eq!((index.name.as_deref(), index.columns.as_slice(), index.unique), (Some("idx_a_title"), &["title".to_string()][..], true));
        assert!(index.options.predicate.is_some());
        assert_eq!(a.checks.len(), 1);
        assert!(s.table("a").is_none() && s.table("b").is_none());
        assert!(s.views.contains_key("v") && s.extensions.contains("pg_trgm"));
    }

    #[test]
    fn mysql_ddl_is_replayed() {
        let s = after(Backend::MySql, &[
            "CREATE TABLE `a` (`id` int NOT NULL AUTO_INCREMENT PRIMARY KEY, `name` varchar(40), `n` int, KEY `idx_n` (`n`))",
            "ALTER TABLE `a` MODIFY COLUMN `name` varchar(80) NOT NULL",
            "ALTER TABLE `a` DROP INDEX `idx_n`",
            "CREATE INDEX `idx_name` ON `a` (`name`)",
            "ALTER TABLE `a` DROP COLUMN `n`",
            "RENAME TABLE `a` TO `b`",
            "DROP INDEX `idx_name` ON `b`",
        ]);
        let b = s.table("b").expect("renamed");
        assert_eq!(names(b), ["id", "name"]);
        assert!(b.column("id").unwrap().auto_increment);
        assert_eq!(b.column("name").unwrap().ty, ColumnType::String { len: Some(80) });
        assert!(!b.column("name").unwrap().nullable);
        assert!(b.indexes.is_empty(), "{:?}", b.indexes);
    }

    #[test]
    fn sqlite_rebuild_is_replayed() {
        let s = after(Backend::Sqlite, &[
            r#"CREATE TABLE "t" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "price" real(12, 2), CHECK ("price" > 0))"#,
            r#"CREATE TABLE "_seamigrate_hold_t" AS SELECT "id", "price" FROM "t""#,
            r#"DROP TABLE "t""#,
            r#"CREATE TABLE "t" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "price" real(12, 2), "note" text)"#,
            r#"INSERT INTO "t" ("id", "price") SELECT "id", "price" FROM "_seamigrate_hold_t""#,
            r#"DROP TABLE "_seamigrate_hold_t""#,
        ]);
        assert_eq!(s.tables.len(), 1, "{:?}", s.tables.keys());
        let t = s.table("t").unwrap();
        assert_eq!(names(t), ["id", "price", "note"]);
        assert!(t.checks.is_empty() && t.column("id").unwrap().auto_increment);
    }
}
