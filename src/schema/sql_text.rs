//! What SQL text says, read into the model: indexes from `CREATE INDEX` statements (as
//! PostgreSQL prints one with `pg_get_indexdef`, as SQLite keeps one in `sqlite_master`, and
//! as sea-query writes one declared beside the entities), CHECK constraints from their
//! conditions or from SQLite's `CREATE TABLE`. Expressions, predicates and conditions are
//! printed in one canonical form, so that the server's spelling and sea-query's compare equal: sqlparser's printing, with identifiers quoted only
//! where SQL needs it, function names in lower case, PostgreSQL's implicit casts to text left
//! out, and parentheses exactly where the expression's structure needs them.
//!
//! Hand-written on top of sqlparser because no crate compares SQL expressions for equivalence.

use super::model::{Check, Generated, Index, IndexOptions, KeyOptions};
use crate::db::Backend;
use sqlparser::ast::{
    BinaryOperator, CastKind, ColumnOption, DataType, Expr, GeneratedExpressionMode, Select, SelectItem, SetExpr,
    TableConstraint, TableFactor, TableWithJoins, UnaryOperator, visit_relations_mut, FunctionArg, FunctionArgExpr, FunctionArguments, Ident, ObjectNamePart,
    OrderBySort, Statement, Value, VisitMut, VisitorMut, visit_expressions_mut,
};
use sqlparser::dialect::{Dialect, MySqlDialect, PostgreSqlDialect, SQLiteDialect};
use sqlparser::parser::Parser;
use std::ops::ControlFlow;

/// The index that `sql`, one `CREATE INDEX` statement in `dialect`'s syntax, creates, with its
/// expressions printed for `backend` (its identifier quotes). The table is left aside.
pub(crate) fn parse(sql: &str, dialect: Backend, backend: Backend) -> Result<Index, String> {
    let parsed = Parser::parse_sql(dialect_of(dialect).as_ref(), sql).map_err(|e| e.to_string())?;
    let Some(Statement::CreateIndex(create)) = parsed.into_iter().next() else {
        return Err("not a CREATE INDEX statement".into());
    };
    let mut index = Index {
        name: create.name.as_ref().and_then(|n| n.0.last()).map(part_name),
        unique: create.unique,
        ..Index::default()
    };
    let mut keys = Vec::new();
    for column in create.columns {
        let order = column.column.options;
        let (part, prefix) = key_part(column.column.expr, backend);
        index.columns.push(part);
        keys.push(KeyOptions {
            descending: matches!(order.sort, Some(OrderBySort::Desc)),
            operator_class: column.operator_class.map(|c| c.to_string().to_lowercase()),
            prefix,
        });
    }
    let keys = KeyOptions::tidy(keys);
    index.options = IndexOptions {
        method: create.using.map(|m| m.to_string().to_lowercase()).filter(|m| m != "btree"),
        keys,
        predicate: create.predicate.map(|p| canonical(p, backend)),
        include: create.include.into_iter().map(|i| i.value).collect(),
        nulls_not_distinct: create.nulls_distinct == Some(false),
    };
    Ok(index)
}

/// The statements in `sql`, parsed for `dialect`.
pub(crate) fn statements(sql: &str, dialect: Backend) -> Result<Vec<Statement>, String> {
    let parse = |sql: &str| Parser::parse_sql(dialect_of(dialect).as_ref(), sql);
    // SQLite takes any type name with one or two numbers, and sea-query writes `real(12, 2)`
    // there, which sqlparser does not know; read as `decimal(12, 2)`, it means the same there.
    let parsed = parse(sql).or_else(|e| parse(&sql.replace("real(", "decimal(").replace("REAL(", "DECIMAL(")).map_err(|_| e));
    parsed.map_err(|e| e.to_string())
}

/// The condition `sql` (in `dialect`'s syntax), printed canonically for `backend`.
pub(crate) fn expression(sql: &str, dialect: Backend, backend: Backend) -> Result<String, String> {
    let dialect = dialect_of(dialect);
    let parsed = Parser::new(dialect.as_ref()).try_with_sql(sql).and_then(|mut p| p.parse_expr());
    parsed.map(|e| canonical(e, backend)).map_err(|e| e.to_string())
}

/// What a `CREATE TABLE` says that SQLite keeps no other record of: its CHECK constraints (table
/// and column ones alike) and its generated columns' expressions.
#[derive(Debug, Default)]
pub(crate) struct TableText {
    pub checks: Vec<Check>,
    /// Generated columns by name; VIRTUAL unless said STORED, as on SQLite and MySQL.
    pub generated: Vec<(String, Generated)>,
}

/// [`TableText`] of the `CREATE TABLE` statement `sql`.
pub(crate) fn table_text(sql: &str, dialect: Backend, backend: Backend) -> Result<TableText, String> {
    let Some(Statement::CreateTable(create)) = statements(sql, dialect)?.into_iter().next() else {
        return Err("not a CREATE TABLE statement".into());
    };
    let mut checks = Vec::new();
    let mut generated = Vec::new();
    for column in create.columns {
        for option in column.options {
            match option.option {
                ColumnOption::Check(check) => {
                    let name = option.name.map(|n| n.value);
                    checks.push(Check { name, expression: canonical(*check.expr, backend) });
                }
                ColumnOption::Generated { generation_expr: Some(expr), generation_expr_mode, .. } => {
                    let stored = matches!(generation_expr_mode, Some(GeneratedExpressionMode::Stored));
                    generated.push((column.name.value.clone(), Generated { expression: canonical(expr, backend), stored }));
                }
                _ => {}
            }
        }
    }
    for constraint in create.constraints {
        if let TableConstraint::Check(check) = constraint {
            let name = check.name.map(|n| n.value);
            checks.push(Check { name, expression: canonical(*check.expr, backend) });
        }
    }
    Ok(TableText { checks, generated })
}

/// A view's query `sql` (in `dialect`'s syntax, or a whole `CREATE VIEW`), printed canonically
/// for `backend`: as expressions are, with table names without their database, and, in a
/// query on one table, columns without the table's name and without an alias that repeats
/// the column's name (PostgreSQL prints `users.id`, MariaDB `` `db`.`users`.`id` AS `id` ``).
pub(crate) fn query(sql: &str, dialect: Backend, backend: Backend) -> Result<String, String> {
    let dialect = dialect_of(dialect);
    let trimmed = sql.trim().trim_end_matches(';');
    let parsed = Parser::parse_sql(dialect.as_ref(), trimmed).map_err(|e| e.to_string())?;
    let mut query = match parsed.into_iter().next() {
        Some(Statement::Query(query)) => query,
        Some(Statement::CreateView(view)) => view.query,
        _ => return Err("not a query".into()),
    };
    let quote = if backend == Backend::MySql { '`' } else { '"' };
    let _ = visit_relations_mut(&mut query, |name| {
        if let Some(last) = name.0.last().and_then(|p| p.as_ident()).map(|i| ident_for(&i.value, quote)) {
            name.0 = vec![ObjectNamePart::Identifier(last)];
        }
        ControlFlow::<()>::Continue(())
    });
    if let SetExpr::Select(select) = query.body.as_mut() {
        unqualify(select);
    }
    let _ = visit_expressions_mut(&mut query, |e| {
        simplify(e, backend);
        ControlFlow::<()>::Continue(())
    });
    let mut idents = Idents { quote };
    let _ = query.visit(&mut idents);
    Ok(query.to_string())
}

/// In a SELECT from one table without joins, columns named without the table (the only one
/// they can belong to), and without an alias that only repeats the column's name.
fn unqualify(select: &mut Select) {
    let [TableWithJoins { relation: TableFactor::Table { name, alias, .. }, joins }] = select.from.as_slice() else { return };
    if !joins.is_empty() {
        return;
    }
    let mut owners: Vec<String> = name.0.last().map(|p| p.to_string().trim_matches(['"', '`']).to_owned()).into_iter().collect();
    owners.extend(alias.as_ref().map(|a| a.name.value.clone()));
    let _ = visit_expressions_mut(select, |e| {
        if let Expr::CompoundIdentifier(parts) = e
            && parts.len() >= 2
            && owners.contains(&parts[parts.len() - 2].value)
            && let Some(column) = parts.last().cloned()
        {
            *e = Expr::Identifier(column);
        }
        ControlFlow::<()>::Continue(())
    });
    for item in &mut select.projection {
        if let SelectItem::ExprWithAlias { expr: Expr::Identifier(column), alias } = item
            && column.value == alias.value
        {
            *item = SelectItem::UnnamedExpr(Expr::Identifier(column.clone()));
        }
    }
}

fn dialect_of(backend: Backend) -> Box<dyn Dialect> {
    match backend {
        Backend::Postgres => Box::new(PostgreSqlDialect {}),
        Backend::MySql => Box::new(MySqlDialect {}),
        Backend::Sqlite => Box::new(SQLiteDialect {}),
    }
}

fn part_name(part: &ObjectNamePart) -> String {
    match part.as_ident() {
        Some(ident) => ident.value.clone(),
        None => part.to_string(),
    }
}

/// One key part: a column by name, a MySQL prefix (`name (10)`, which parses as a call), or an
/// expression in parentheses.
fn key_part(expr: Expr, backend: Backend) -> (String, Option<u32>) {
    match expr {
        Expr::Identifier(ident) => (ident.value, None),
        Expr::Nested(inner) if matches!(*inner, Expr::Identifier(_)) => key_part(*inner, backend),
        Expr::Function(ref call) => match (call.name.0.as_slice(), prefix_length(&call.args)) {
            ([name], Some(len)) => (part_name(name), Some(len)),
            _ => (format!("({})", canonical(expr, backend)), None),
        },
        other => (format!("({})", canonical(other, backend)), None),
    }
}

/// The length in `name (10)`: one integer argument.
fn prefix_length(args: &FunctionArguments) -> Option<u32> {
    let FunctionArguments::List(list) = args else { return None };
    match list.args.as_slice() {
        [FunctionArg::Unnamed(FunctionArgExpr::Expr(Expr::Value(v)))] => match &v.value {
            Value::Number(n, _) => n.parse().ok(),
            _ => None,
        },
        _ => None,
    }
}

/// `expr` printed canonically for `backend` (see the module's comment).
pub(crate) fn canonical(mut expr: Expr, backend: Backend) -> String {
    let quote = if backend == Backend::MySql { '`' } else { '"' };
    let _ = visit_expressions_mut(&mut expr, |e| {
        simplify(e, backend);
        ControlFlow::<()>::Continue(())
    });
    let mut idents = Idents { quote };
    let _ = expr.visit(&mut idents);
    expr.to_string()
}

/// One node, its children already simplified: parentheses and casts to text dropped, then
/// put back around the operands whose structure needs them.
fn simplify(e: &mut Expr, backend: Backend) {
    let placeholder = || Expr::Value(Value::Null.into());
    match e {
        Expr::Nested(inner) => *e = std::mem::replace(inner.as_mut(), placeholder()),
        Expr::Cast { kind: CastKind::DoubleColon, data_type, expr, .. } if is_text(data_type) => {
            *e = std::mem::replace(expr.as_mut(), placeholder());
        }
        Expr::BinaryOp { left, right, op } => {
            let (own, associative) = (binary(op), matches!(op, BinaryOperator::And | BinaryOperator::Or));
            group(left, own, false);
            group(right, own, !associative);
        }
        Expr::UnaryOp { expr, op } => {
            let own = if *op == UnaryOperator::Not { NOT } else { ATOM };
            group(expr, own, false);
        }
        Expr::IsNull(expr) | Expr::IsNotNull(expr) | Expr::IsTrue(expr) | Expr::IsFalse(expr)
        | Expr::IsNotTrue(expr) | Expr::IsNotFalse(expr) => group(expr, COMPARISON, true),
        Expr::Function(call) => {
            for part in &mut call.name.0 {
                if let Some(ident) = part.as_ident() {
                    // A function's name is never quoted: `lower` is a keyword, yet a name here.
                    let name = ident.value.to_lowercase();
                    *part = ObjectNamePart::Identifier(Ident::new(synonym(&name, backend).unwrap_or(&name)));
                }
            }
        }
        _ => {}
    }
}

/// How tightly an operator binds, loosest first.
const OR: u8 = 1;
const AND: u8 = 2;
const NOT: u8 = 3;
const COMPARISON: u8 = 4;
const ADDITION: u8 = 5;
const MULTIPLICATION: u8 = 6;
const ATOM: u8 = 9;

/// The binding of a binary operator.
fn binary(op: &BinaryOperator) -> u8 {
    match op {
        BinaryOperator::Or => OR,
        BinaryOperator::And => AND,
        BinaryOperator::Plus | BinaryOperator::Minus | BinaryOperator::StringConcat => ADDITION,
        BinaryOperator::Multiply | BinaryOperator::Divide | BinaryOperator::Modulo => MULTIPLICATION,
        _ => COMPARISON,
    }
}

/// The binding of the operator at the top of `e` ([`ATOM`] for none).
fn binding(e: &Expr) -> u8 {
    match e {
        Expr::BinaryOp { op, .. } => binary(op),
        Expr::UnaryOp { op: UnaryOperator::Not, .. } => NOT,
        Expr::IsNull(_) | Expr::IsNotNull(_) | Expr::IsTrue(_) | Expr::IsFalse(_) | Expr::IsNotTrue(_)
        | Expr::IsNotFalse(_) | Expr::Like { .. } | Expr::ILike { .. } | Expr::InList { .. } | Expr::Between { .. } => {
            COMPARISON
        }
        _ => ATOM,
    }
}

/// The name MariaDB prints a function under that is another's synonym on MySQL/MariaDB: it
/// stores `lower(x)` as `lcase(x)` and `length(x)` as `octet_length(x)`.
fn synonym(name: &str, backend: Backend) -> Option<&'static str> {
    if backend != Backend::MySql {
        return None;
    }
    match name {
        "lcase" => Some("lower"),
        "ucase" => Some("upper"),
        "octet_length" => Some("length"),
        "character_length" => Some("char_length"),
        "substr" => Some("substring"),
        _ => None,
    }
}

/// Puts `operand` of an operator binding `own` in parentheses where printing it bare would
/// read differently: it binds more loosely, or as tightly on the side where order matters.
fn group(operand: &mut Box<Expr>, own: u8, strict: bool) {
    let theirs = binding(operand);
    if theirs < own || (strict && theirs == own && theirs != ATOM) {
        let inner = std::mem::replace(operand.as_mut(), Expr::Value(Value::Null.into()));
        **operand = Expr::Nested(Box::new(inner));
    }
}

fn is_text(ty: &DataType) -> bool {
    matches!(ty, DataType::Text | DataType::Varchar(_) | DataType::CharacterVarying(_))
}

/// Requotes every identifier: bare where it is a plain lower-case name and no keyword.
struct Idents {
    quote: char,
}

impl VisitorMut for Idents {
    type Break = ();

    fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        match expr {
            Expr::Identifier(ident) => *ident = ident_for(&ident.value, self.quote),
            Expr::CompoundIdentifier(parts) => {
                for ident in parts.iter_mut() {
                    *ident = ident_for(&ident.value, self.quote);
                }
            }
            _ => {}
        }
        ControlFlow::Continue(())
    }
}

fn ident_for(name: &str, quote: char) -> Ident {
    let plain = name.chars().next().is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if plain && !RESERVED.contains(&name) { Ident::new(name) } else { Ident::with_quote(quote, name) }
}

/// Words the backends reserve, which a column named so must be quoted as (PostgreSQL's
/// reserved key words and MySQL's and SQLite's common ones). sqlparser's keyword list also
/// holds words such as `id` and `name` that no backend quotes, so it cannot serve here.
const RESERVED: &[&str] = &[
    "all", "analyse", "analyze", "and", "any", "array", "as", "asc", "asymmetric", "between", "both", "by", "case",
    "cast", "check", "collate", "column", "constraint", "create", "cross", "current_date", "current_time",
    "current_timestamp", "current_user", "default", "delete", "desc", "distinct", "do", "else", "end", "except",
    "exists", "false", "fetch", "for", "foreign", "from", "full", "grant", "group", "having", "in", "index", "inner",
    "insert", "intersect", "into", "is", "join", "key", "lateral", "leading", "left", "like", "limit", "natural",
    "not", "null", "offset", "on", "only", "or", "order", "outer", "primary", "references", "returning", "right",
    "select", "some", "table", "then", "to", "trailing", "true", "union", "unique", "update", "user", "using",
    "values", "when", "where", "window", "with",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn pg(sql: &str) -> Index {
        parse(sql, Backend::Postgres, Backend::Postgres).unwrap()
    }

    #[test]
    fn the_server_s_spelling_and_sea_query_s_compare_equal() {
        let server = pg("CREATE UNIQUE INDEX i ON public.t USING btree (lower((email)::text)) WHERE ((status)::text = 'active'::text)");
        let declared = pg(r#"CREATE UNIQUE INDEX "i" ON "t" (LOWER("email")) WHERE "status" = 'active'"#);
        let canonical = |i: &Index| crate::schema::normalise::canonical_index(i, Backend::Postgres);
        assert_eq!(canonical(&server), canonical(&declared));
        assert_eq!(server.columns, ["(lower(email))"]);
        assert_eq!(server.options.predicate.as_deref(), Some("status = 'active'"));
    }

    #[test]
    fn grouping_that_changes_the_meaning_is_kept() {
        let a = pg("CREATE INDEX i ON t (a) WHERE (a = 1 AND b = 2) OR c = 3");
        let b = pg("CREATE INDEX i ON t (a) WHERE a = 1 AND (b = 2 OR c = 3)");
        assert_ne!(a.options.predicate, b.options.predicate);
        let c = pg("CREATE INDEX i ON t (a) WHERE (((a = 1) AND (b = 2)) OR (c = 3))");
        assert_eq!(a.options.predicate, c.options.predicate);
    }

    #[test]
    fn method_order_operator_class_include_and_nulls_are_read() {
        let i = pg("CREATE UNIQUE INDEX i ON public.t USING gin (name gin_trgm_ops, b DESC) INCLUDE (c) NULLS NOT DISTINCT");
        assert_eq!(i.options.method.as_deref(), Some("gin"));
        assert_eq!(i.options.keys[0].operator_class.as_deref(), Some("gin_trgm_ops"));
        assert!(i.options.keys[1].descending);
        assert_eq!(i.options.include, ["c"]);
        assert!(i.options.nulls_not_distinct);
    }

    #[test]
    fn sqlite_tables_with_numeric_types_are_read() {
        let sql = "CREATE TABLE t (id integer, c real(12, 2), CHECK (id >= 0))";
        let text = table_text(sql, Backend::Sqlite, Backend::Sqlite).unwrap();
        assert_eq!(text.checks[0].expression, "id >= 0");
    }

    #[test]
    fn a_prefix_length_is_a_key_option() {
        let i = parse(r#"CREATE INDEX "i" ON "t" ("name" (10))"#, Backend::Postgres, Backend::MySql).unwrap();
        assert_eq!(i.columns, ["name"]);
        assert_eq!(i.options.keys[0].prefix, Some(10));
    }
}
