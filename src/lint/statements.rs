//! Rules on single statements of `up()`: destructive ones, ones that lock a busy PostgreSQL
//! table, and ones likely to fail on existing rows.

use super::Raw;
use super::rules::Rule;
use crate::db::Backend;
use crate::diff::{TypeChange, classify_type_change};
use crate::schema::{ColumnType, Schema, normalise};
use sqlparser::ast::{
    AlterColumnOperation, AlterTableOperation, ColumnDef, ColumnOption, DataType, FromTable,
    ObjectName, ObjectType, Statement, TableConstraint,
};
use sqlparser::dialect::{Dialect, MySqlDialect, PostgreSqlDialect, SQLiteDialect};
use sqlparser::parser::Parser;
use std::collections::BTreeSet;

/// What the rules need to know besides the statement.
struct Context {
    backend: Backend,
    /// The database's schema before the migration, normalised, when known.
    live: Option<Schema>,
    /// Tables created earlier in the same migration: empty, so nothing there is risky.
    created: BTreeSet<String>,
    /// Tables a SQLite rebuild is replacing (their rows were copied aside): their drop is no
    /// loss, and their new definition is judged against the old one.
    rebuilding: BTreeSet<String>,
}

impl Context {
    fn is_new(&self, table: &str) -> bool {
        self.created.contains(table)
    }

    /// Whether the live column is NOT NULL already (then SET NOT NULL scans nothing new).
    fn is_not_null(&self, table: &str, column: &str) -> bool {
        let live = self.live.as_ref().and_then(|l| l.table(table)?.column(column).cloned());
        live.is_some_and(|c| !c.nullable)
    }

    fn old_type(&self, table: &str, column: &str) -> Option<ColumnType> {
        let live = self.live.as_ref()?;
        Some(live.table(table)?.column(column)?.ty.clone())
    }
}

/// The findings in `statements`, in order. Statements the parser does not know are skipped:
/// sea-query renders a regular subset of SQL, so that is rare, and never an error.
pub(crate) fn check(statements: &[String], backend: Backend, live: Option<&Schema>) -> Vec<Raw> {
    let mut cx = Context {
        backend,
        live: live.map(|s| normalise(s, backend)),
        created: BTreeSet::new(),
        rebuilding: BTreeSet::new(),
    };
    let mut found = Vec::new();
    for sql in statements {
        let parsed = parse(sql, backend);
        let block = parsed.len() > 1;
        for statement in parsed {
            // Inside a block of several (raw SQL), the finding quotes its own statement.
            let quoted = if block { statement.to_string() } else { sql.clone() };
            found.extend(rules(&statement, &mut cx).into_iter().map(|(rule, message)| Raw {
                rule,
                statement: Some(quoted.clone()),
                message,
            }));
        }
    }
    found
}

/// `sql` parsed for `backend`; nothing if it does not parse.
pub(crate) fn parse(sql: &str, backend: Backend) -> Vec<Statement> {
    let dialect: &dyn Dialect = match backend {
        Backend::Postgres => &PostgreSqlDialect {},
        Backend::MySql => &MySqlDialect {},
        Backend::Sqlite => &SQLiteDialect {},
    };
    Parser::parse_sql(dialect, sql).unwrap_or_default()
}

/// A table or index name without quotes or schema.
pub(crate) fn name(object: &ObjectName) -> String {
    bare(&object.to_string())
}

/// `text` (a possibly qualified, quoted name) without quotes or schema.
fn bare(text: &str) -> String {
    let text = text.replace(['"', '`'], "");
    text.rsplit('.').next().unwrap_or_default().to_string()
}

fn rules(statement: &Statement, cx: &mut Context) -> Vec<(Rule, String)> {
    match statement {
        Statement::CreateTable(create) => {
            let table = name(&create.name);
            if let (Some(rebuilt), Some(_)) = (table.strip_prefix(crate::batch::sqlite::HOLD), &create.query) {
                cx.rebuilding.insert(rebuilt.to_string());
            }
            if cx.rebuilding.contains(&table) {
                return rebuilt(&table, &create.columns, cx);
            }
            cx.created.insert(table);
            Vec::new()
        }
        Statement::Drop { object_type: ObjectType::Table, names, .. } => names
            .iter()
            .filter(|n| !cx.is_new(&name(n)) && !cx.rebuilding.contains(&name(n)))
            .map(|n| (Rule::DropTable, format!("drops table {} and all its rows", name(n))))
            .collect(),
        Statement::Truncate(truncate) => truncate
            .table_names
            .iter()
            .filter(|t| !cx.is_new(&name(&t.name)))
            .map(|t| (Rule::Truncate, format!("truncates table {}: every row is deleted", name(&t.name))))
            .collect(),
        Statement::Delete(delete) if delete.selection.is_none() => {
            let table = match &delete.from {
                FromTable::WithFromKeyword(t) | FromTable::WithoutKeyword(t) => t.first().map(|t| t.relation.to_string()),
            };
            let table = bare(&table.unwrap_or_default());
            if cx.is_new(&table) {
                return Vec::new();
            }
            vec![(Rule::DeleteWithoutWhere, format!("DELETE without WHERE removes every row of {table}"))]
        }
        Statement::Update(update) if update.selection.is_none() => {
            let table = bare(&update.table.relation.to_string());
            if cx.is_new(&table) {
                return Vec::new();
            }
            vec![(Rule::UpdateWithoutWhere, format!("UPDATE without WHERE changes every row of {table}"))]
        }
        Statement::CreateIndex(index) => {
            let table = name(&index.table_name);
            let busy = cx.backend == Backend::Postgres && !index.concurrently && !cx.is_new(&table);
            let what = index.name.as_ref().map(name).unwrap_or_default();
            busy.then(|| {
                (Rule::IndexWithoutConcurrently, format!("creates index {what} on {table} without CONCURRENTLY: writes to {table} wait until it is built"))
            })
            .into_iter()
            .collect()
        }
        Statement::AlterTable(alter) => {
            let table = name(&alter.name);
            if cx.is_new(&table) {
                return Vec::new();
            }
            alter.operations.iter().flat_map(|op| alter_rules(&table, op, cx)).collect()
        }
        _ => Vec::new(),
    }
}

/// The new definition of a table a SQLite rebuild replaces, judged as the `ALTER`s it stands
/// for: columns it no longer has are dropped, new NOT NULL ones need a default, and a column's
/// type must not narrow.
fn rebuilt(table: &str, columns: &[ColumnDef], cx: &Context) -> Vec<(Rule, String)> {
    let old = cx.live.as_ref().and_then(|l| l.table(table)).cloned();
    let mut found = Vec::new();
    if let Some(old) = &old {
        for gone in old.columns.iter().filter(|c| !columns.iter().any(|n| n.name.value.eq_ignore_ascii_case(&c.name))) {
            found.push((Rule::DropColumn, format!("drops column {table}.{} and its data", gone.name)));
        }
    }
    for column in columns {
        let existed = old.as_ref().is_some_and(|o| o.column(&column.name.value).is_some());
        if existed {
            found.extend(type_change(table, &column.name.value, &column.data_type, cx));
        } else if not_null_without_default(column) {
            found.push((
                Rule::NotNullWithoutDefault,
                format!("adds {table}.{} NOT NULL without a default: fails if {table} has rows", column.name.value),
            ));
        }
    }
    found
}

fn alter_rules(table: &str, op: &AlterTableOperation, cx: &Context) -> Vec<(Rule, String)> {
    let pg = cx.backend == Backend::Postgres;
    match op {
        AlterTableOperation::DropColumn { column_names, .. } => column_names
            .iter()
            .map(|c| (Rule::DropColumn, format!("drops column {table}.{} and its data", c.value)))
            .collect(),
        AlterTableOperation::AddColumn { column_def, .. } if not_null_without_default(column_def) => vec![(
            Rule::NotNullWithoutDefault,
            format!("adds {table}.{} NOT NULL without a default: fails if {table} has rows", column_def.name.value),
        )],
        AlterTableOperation::AlterColumn { column_name, op: AlterColumnOperation::SetNotNull }
            if pg && !cx.is_not_null(table, &column_name.value) => vec![(
            Rule::SetNotNull,
            format!("sets {table}.{} NOT NULL: {table} is scanned under an exclusive lock", column_name.value),
        )],
        AlterTableOperation::AlterColumn { column_name, op: AlterColumnOperation::SetDataType { data_type, .. } } => {
            let mut found = type_change(table, &column_name.value, data_type, cx);
            if pg {
                let what = format!("{table}.{}", column_name.value);
                found.push((Rule::TypeChangeRewrite, format!("changes the type of {what}: {table} may be rewritten under an exclusive lock")));
            }
            found
        }
        AlterTableOperation::ModifyColumn { col_name, data_type, .. } => type_change(table, &col_name.value, data_type, cx),
        AlterTableOperation::AddConstraint { constraint: TableConstraint::ForeignKey(fk), not_valid: false } if pg => {
            let key = fk.name.as_ref().map(|n| n.value.clone()).unwrap_or_default();
            vec![(
                Rule::ForeignKeyWithoutNotValid,
                format!("adds foreign key {key} on {table} without NOT VALID: {table} and the referenced table are locked while every row is checked"),
            )]
        }
        AlterTableOperation::AddConstraint { constraint: TableConstraint::Check(check), not_valid: false } if pg => {
            let name = check.name.as_ref().map(|n| n.value.clone()).unwrap_or_default();
            vec![(
                Rule::CheckWithoutNotValid,
                format!("adds CHECK constraint {name} on {table} without NOT VALID: {table} is locked while every row is checked"),
            )]
        }
        _ => Vec::new(),
    }
}

fn not_null_without_default(column: &ColumnDef) -> bool {
    let has = |wanted: fn(&ColumnOption) -> bool| column.options.iter().any(|o| wanted(&o.option));
    let not_null = has(|o| matches!(o, ColumnOption::NotNull | ColumnOption::PrimaryKey(_)));
    let filled = has(|o| {
        matches!(o, ColumnOption::Default(_) | ColumnOption::Generated { .. })
            || o.to_string().to_ascii_uppercase().contains("AUTO_INCREMENT")
    });
    let serial = column.data_type.to_string().to_ascii_lowercase().contains("serial");
    not_null && !filled && !serial
}

/// A narrowing type change, when the column's current type is known.
fn type_change(table: &str, column: &str, to: &DataType, cx: &Context) -> Vec<(Rule, String)> {
    let Some(from) = cx.old_type(table, column) else {
        return Vec::new();
    };
    let enums = cx.live.as_ref().map(|l| l.enums.clone()).unwrap_or_default();
    let resolved = crate::schema::normalise::types::resolve(&to.to_string(), cx.backend, &enums);
    let to_type = crate::schema::normalise::types::normalise(&resolved, cx.backend, &enums);
    match classify_type_change(&from, &to_type) {
        TypeChange::Narrows(reason) => vec![(
            Rule::NarrowingType,
            format!("narrows {table}.{column} to {to}: {reason}"),
        )],
        _ => Vec::new(),
    }
}
