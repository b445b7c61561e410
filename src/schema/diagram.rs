//! Renders a [`Schema`] for people and tools, for `seamigrate schema`: a plain-text listing, a
//! Mermaid ER diagram (which GitHub renders in Markdown), a Graphviz graph, or JSON.
//!
//! Every format is deterministic: tables and enums in name order, columns, indexes and foreign
//! keys in the schema's own order, so the output can be diffed and kept as a golden file.

use super::model::{Column, ColumnType, DefaultValue, FkAction, ForeignKey, Schema, Table};

/// An output format of [`render`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One block per table, columns with their SQL types, then the enum types.
    Text,
    /// A Mermaid `erDiagram`, for Markdown on GitHub and elsewhere.
    Mermaid,
    /// A Graphviz `digraph`, for `dot -Tsvg`.
    Dot,
}

/// `schema` rendered as `format`, ending with a newline unless there is nothing to show.
pub fn render(schema: &Schema, format: Format) -> String {
    match format {
        Format::Text => text(schema),
        Format::Mermaid => mermaid(schema),
        Format::Dot => dot(schema),
    }
}

/// A column type as SQL-ish text, e.g. `varchar(255)`, `decimal(10,2)`, `enum user_role`,
/// `enum('a','b')`; backend-neutral, so it reads the same whichever database it came from.
pub fn type_name(ty: &ColumnType) -> String {
    match ty {
        ColumnType::Decimal {
            precision: Some(p),
            scale: Some(s),
        } => format!("decimal({p},{s})"),
        ColumnType::Decimal {
            precision: Some(p),
            scale: None,
        } => format!("decimal({p})"),
        ColumnType::String { len } => sized("varchar", *len),
        ColumnType::Char { len } => sized("char", *len),
        ColumnType::Binary { len } => sized("binary", *len),
        ColumnType::VarBinary { len } => sized("varbinary", *len),
        ColumnType::Enum(name) => format!("enum {}", ident(name)),
        ColumnType::InlineEnum(values) => format!("enum({})", quoted_list(values, ",")),
        ColumnType::Other(name) => name.clone(),
        fixed => fixed_type_name(fixed).to_owned(),
    }
}

/// The name of a type without its parameters ([`type_name`] writes those).
fn fixed_type_name(ty: &ColumnType) -> &'static str {
    match ty {
        ColumnType::TinyInt => "tinyint",
        ColumnType::SmallInt => "smallint",
        ColumnType::Integer => "integer",
        ColumnType::BigInt => "bigint",
        ColumnType::TinyUnsigned => "tinyint unsigned",
        ColumnType::SmallUnsigned => "smallint unsigned",
        ColumnType::Unsigned => "integer unsigned",
        ColumnType::BigUnsigned => "bigint unsigned",
        ColumnType::Float => "float",
        ColumnType::Double => "double",
        ColumnType::Decimal { .. } => "decimal",
        ColumnType::Boolean => "boolean",
        ColumnType::Text => "text",
        ColumnType::Blob => "blob",
        ColumnType::Date => "date",
        ColumnType::Time => "time",
        ColumnType::DateTime => "datetime",
        ColumnType::Timestamp => "timestamp",
        ColumnType::TimestampTz => "timestamptz",
        ColumnType::Uuid => "uuid",
        ColumnType::Json => "json",
        ColumnType::JsonBinary => "jsonb",
        ColumnType::String { .. } => "varchar",
        ColumnType::Char { .. } => "char",
        ColumnType::Binary { .. } => "binary",
        ColumnType::VarBinary { .. } => "varbinary",
        ColumnType::Enum(_) | ColumnType::InlineEnum(_) => "enum",
        ColumnType::Other(_) => "other",
    }
}

/// `base(len)`, or just `base` without a length.
fn sized(base: &str, len: Option<u32>) -> String {
    len.map_or_else(|| base.to_owned(), |n| format!("{base}({n})"))
}

/// Whether `name` needs no quoting anywhere: ASCII letters, digits and `_`, not led by a digit.
fn is_plain(name: &str) -> bool {
    name.chars().next().is_some_and(|c| !c.is_ascii_digit())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `name` for the text format: as-is when plain, else double-quoted as in SQL.
fn ident(name: &str) -> String {
    if is_plain(name) {
        name.to_owned()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

/// `names` as identifiers separated by `, `.
fn ident_list(names: &[String]) -> String {
    names
        .iter()
        .map(|n| ident(n))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `values` as single-quoted SQL strings separated by `sep`.
fn quoted_list(values: &[String], sep: &str) -> String {
    values
        .iter()
        .map(|v| sql_string(v))
        .collect::<Vec<_>>()
        .join(sep)
}

/// `value` as a single-quoted SQL string literal.
fn sql_string(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

// ---- text ------------------------------------------------------------------------------------

/// One block per table, then one block of enum types, separated by blank lines.
fn text(schema: &Schema) -> String {
    let mut blocks: Vec<String> = schema.tables.values().map(text_table).collect();
    if !schema.enums.is_empty() {
        blocks.push(text_enums(schema));
    }
    blocks.join("\n")
}

/// A table's block: its columns, then a composite primary key, indexes and foreign keys.
fn text_table(table: &Table) -> String {
    let single_pk = match table.primary_key.as_slice() {
        [only] => Some(only.as_str()),
        _ => None,
    };
    let mut out = format!("table {}\n", ident(&table.name));
    for col in &table.columns {
        out += &text_column(col, single_pk == Some(col.name.as_str()));
    }
    if table.primary_key.len() > 1 {
        out += &format!("  primary key ({})\n", ident_list(&table.primary_key));
    }
    for index in &table.indexes {
        let kind = if index.unique { "unique" } else { "index" };
        let name = index.name.as_deref().map(|n| ident(n) + " ");
        let cols = ident_list(&index.columns);
        out += &format!("  {kind} {}({cols})\n", name.unwrap_or_default());
    }
    for fk in &table.foreign_keys {
        out += &text_foreign_key(fk);
    }
    out
}

/// A column's line: name, type, then `not null`, `default`, `auto increment`, `primary key`.
fn text_column(col: &Column, primary_key: bool) -> String {
    let mut line = format!("  {} {}", ident(&col.name), type_name(&col.ty));
    if !col.nullable {
        line += " not null";
    }
    if let Some(default) = &col.default {
        line += &format!(" default {}", default_sql(default));
    }
    if col.auto_increment {
        line += " auto increment";
    }
    if primary_key {
        line += " primary key";
    }
    line + "\n"
}

/// A default as SQL: literals quoted, `current_timestamp`, expressions as written.
fn default_sql(value: &DefaultValue) -> String {
    match value {
        DefaultValue::Null => "null".to_owned(),
        DefaultValue::Bool(b) => b.to_string(),
        DefaultValue::Int(i) => i.to_string(),
        DefaultValue::Float(f) => f.clone(),
        DefaultValue::Str(s) => sql_string(s),
        DefaultValue::CurrentTimestamp => "current_timestamp".to_owned(),
        DefaultValue::Expr(e) => e.clone(),
    }
}

/// `  foreign key [name ](cols) -> table (cols)`, with its actions unless they are NO ACTION.
fn text_foreign_key(fk: &ForeignKey) -> String {
    let name = fk.name.as_deref().map(|n| ident(n) + " ");
    let mut line = format!(
        "  foreign key {}({}) -> {} ({})",
        name.unwrap_or_default(),
        ident_list(&fk.columns),
        ident(&fk.ref_table),
        ident_list(&fk.ref_columns),
    );
    for (event, action) in [("delete", fk.on_delete), ("update", fk.on_update)] {
        if action != FkAction::NoAction {
            line += &format!(" on {event} {}", action.sql());
        }
    }
    line + "\n"
}


/// One line per enum type: `enum name: 'a', 'b'`.
fn text_enums(schema: &Schema) -> String {
    let lines = schema.enums.values().map(|e| {
        let values = quoted_list(&e.values, ", ");
        format!("enum {}: {values}\n", ident(&e.name))
    });
    lines.collect()
}

// ---- shared by the diagrams -----------------------------------------------------------------

/// `PK`, `FK` and `UK` (alone unique), in that order, for each that `col` of `table` is.
fn key_markers(table: &Table, col: &Column) -> Vec<&'static str> {
    let keys = [
        (table.primary_key.contains(&col.name), "PK"),
        (is_fk_column(table, &col.name), "FK"),
        (is_unique_column(table, &col.name), "UK"),
    ];
    keys.into_iter()
        .filter(|(on, _)| *on)
        .map(|(_, k)| k)
        .collect()
}

/// Whether `column` is one of `table`'s foreign-key columns.
fn is_fk_column(table: &Table, column: &str) -> bool {
    table
        .foreign_keys
        .iter()
        .any(|fk| fk.columns.iter().any(|c| c == column))
}

/// Whether `column` alone is unique: it has a single-column unique index.
fn is_unique_column(table: &Table, column: &str) -> bool {
    (table.indexes.iter()).any(|i| i.unique && i.columns.len() == 1 && i.columns[0] == column)
}

/// Whether at most one row of `table` can reference any one parent row through `fk`: its
/// columns are exactly those of a unique index or of the primary key (in any order).
fn is_one_to_one(table: &Table, fk: &ForeignKey) -> bool {
    let same = |cols: &[String]| {
        cols.len() == fk.columns.len() && fk.columns.iter().all(|c| cols.contains(c))
    };
    (!table.primary_key.is_empty() && same(&table.primary_key))
        || (table.indexes.iter()).any(|i| i.unique && same(&i.columns))
}

/// Whether a row of `table` may reference no parent through `fk`: one of its columns is nullable.
fn is_optional(table: &Table, fk: &ForeignKey) -> bool {
    (fk.columns.iter()).any(|c| table.column(c).is_none_or(|col| col.nullable))
}

// ---- mermaid ---------------------------------------------------------------------------------

/// Words the Mermaid ER lexer takes as keywords (case-insensitively) wherever an entity name
/// may stand, so an entity so named must be quoted.
const MERMAID_KEYWORDS: &[&str] = &[
    "erdiagram",
    "end",
    "class",
    "classdef",
    "style",
    "subgraph",
    "direction",
    "acctitle",
    "accdescr",
    "title",
    "one",
    "only",
    "many",
    "zero",
    "to",
    "optionally",
    "u",
    "o",
];

/// An `erDiagram`: each table as an entity with its columns as attributes, then one
/// relationship per foreign key from the referenced table to the referencing one.
///
/// Attribute types and names must be single words of `[A-Za-z0-9_]` (not `PK`, `FK` or `UK`) in
/// every Mermaid version GitHub may run, so each run of other characters becomes one `_`:
/// `varchar(255)` is `varchar_255`, `decimal(10,2)` is `decimal_10_2`, `enum user_role` is
/// `enum_user_role`, an inline enum is `enum`. A renamed column keeps its name in the comment.
/// Entity names are quoted unless plain, as the grammar allows.
fn mermaid(schema: &Schema) -> String {
    let mut out = String::from("erDiagram\n");
    for table in schema.tables.values() {
        out += &mermaid_entity(table);
    }
    for table in schema.tables.values() {
        for fk in &table.foreign_keys {
            out += &mermaid_relationship(table, fk);
        }
    }
    out
}

/// `    name {`, one attribute line per column, `    }`.
fn mermaid_entity(table: &Table) -> String {
    let mut out = format!("    {} {{\n", mermaid_entity_name(&table.name));
    for col in &table.columns {
        out += &mermaid_attribute(table, col);
    }
    out + "    }\n"
}

/// `        type name [PK, FK, UK] ["comment"]`, the comment holding the column's real name in
/// single quotes when the attribute name had to differ, and `not null`.
fn mermaid_attribute(table: &Table, col: &Column) -> String {
    let ty = match &col.ty {
        ColumnType::InlineEnum(_) => "enum".to_owned(),
        ty => mermaid_word(&type_name(ty)),
    };
    let name = mermaid_word(&col.name);
    let mut line = format!("        {ty} {name}");
    let keys = key_markers(table, col);
    if !keys.is_empty() {
        line += &format!(" {}", keys.join(", "));
    }
    let mut notes = Vec::new();
    if name != col.name {
        notes.push(format!("'{}'", col.name.replace('"', "'")));
    }
    if !col.nullable {
        notes.push("not null".to_owned());
    }
    if !notes.is_empty() {
        line += &format!(" \"{}\"", notes.join(", "));
    }
    line + "\n"
}

/// `    parent ||--o{ child : "cols"`: `|o` on the parent side when the reference is optional,
/// `o|` on the child side when it is one-to-one.
fn mermaid_relationship(table: &Table, fk: &ForeignKey) -> String {
    let parent = if is_optional(table, fk) { "|o" } else { "||" };
    let child = if is_one_to_one(table, fk) { "o|" } else { "o{" };
    format!(
        "    {} {parent}--{child} {} : \"{}\"\n",
        mermaid_entity_name(&fk.ref_table),
        mermaid_entity_name(&table.name),
        fk.columns.join(", ").replace('"', "'"),
    )
}

/// An entity name: as-is when plain and not a keyword, else in double quotes, with the
/// characters a quoted name may not hold (`"`, `%`, `\`, line breaks) replaced by `_`.
fn mermaid_entity_name(name: &str) -> String {
    let keyword = MERMAID_KEYWORDS.contains(&name.to_ascii_lowercase().as_str());
    if is_plain(name) && !keyword {
        return name.to_owned();
    }
    let bad = |c: char| matches!(c, '"' | '%' | '\\') || c.is_control();
    let inner: String = name.chars().map(|c| if bad(c) { '_' } else { c }).collect();
    format!("\"{}\"", if inner.is_empty() { "_" } else { &inner })
}

/// `text` as one attribute word: runs of characters outside `[A-Za-z0-9_]` become one `_`, a
/// leading digit gets a `_` before it, and the key words `PK`, `FK`, `UK` a `_` after.
fn mermaid_word(text: &str) -> String {
    let parts = text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'));
    let mut word = parts
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("_");
    if word.is_empty() || word.starts_with(|c: char| c.is_ascii_digit()) {
        word.insert(0, '_');
    }
    if ["pk", "fk", "uk"].contains(&word.to_ascii_lowercase().as_str()) {
        word.push('_');
    }
    word
}

// ---- dot -------------------------------------------------------------------------------------

/// A Graphviz `digraph`: each table a node with an HTML-like table label, one row per column
/// (name, type, keys) whose name cell is a port, and one edge per foreign key from the
/// referencing column to the referenced one.
fn dot(schema: &Schema) -> String {
    let mut out = String::from("digraph schema {\n    rankdir=LR;\n    node [shape=plaintext];\n");
    for table in schema.tables.values() {
        out += &dot_node(table);
    }
    for table in schema.tables.values() {
        for fk in &table.foreign_keys {
            let from = dot_endpoint(schema, &table.name, fk.columns.first());
            let to = dot_endpoint(schema, &fk.ref_table, fk.ref_columns.first());
            out += &format!("    {from} -> {to};\n");
        }
    }
    out + "}\n"
}

/// A table's node: a header row with its name, then a row per column.
fn dot_node(table: &Table) -> String {
    let mut out = format!(
        "    {} [label=<<table border=\"0\" cellborder=\"1\" cellspacing=\"0\" cellpadding=\"4\">\n\
         \x20       <tr><td colspan=\"3\" bgcolor=\"lightgrey\"><b>{}</b></td></tr>\n",
        dot_id(&table.name),
        html(&table.name),
    );
    for col in &table.columns {
        out += &dot_row(table, col);
    }
    out + "    </table>>];\n"
}

/// A column's row: its name (the port edges attach to), type, and key markers.
fn dot_row(table: &Table, col: &Column) -> String {
    let keys = key_markers(table, col);
    let ty = type_name(&col.ty) + if col.nullable { "" } else { " not null" };
    format!(
        "        <tr><td port=\"{name}\" align=\"left\">{name}</td>\
         <td align=\"left\">{}</td><td>{}</td></tr>\n",
        html(&ty),
        keys.join(", "),
        name = html(&col.name),
    )
}

/// `"table":"column"` when the table is drawn and has the column, else just `"table"`.
fn dot_endpoint(schema: &Schema, table: &str, column: Option<&String>) -> String {
    let drawn = column.filter(|c| schema.table(table).is_some_and(|t| t.column(c).is_some()));
    match drawn {
        Some(column) => format!("{}:{}", dot_id(table), dot_id(column)),
        None => dot_id(table),
    }
}

/// `name` as a quoted DOT identifier.
fn dot_id(name: &str) -> String {
    format!("\"{}\"", name.replace('\\', "\\\\").replace('"', "\\\""))
}

/// `text` escaped for an HTML-like label or attribute value.
fn html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out += "&amp;",
            '<' => out += "&lt;",
            '>' => out += "&gt;",
            '"' => out += "&quot;",
            c => out.push(c),
        }
    }
    out
}


#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::model::{EnumType, Index};

    fn column(name: &str, ty: ColumnType, nullable: bool) -> Column {
        Column {
            name: name.to_owned(),
            ty,
            nullable,
            default: None,
            auto_increment: false, generated: None,
        }
    }

    fn names(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| n.to_string()).collect()
    }

    fn fk(columns: &[&str], ref_table: &str, on_delete: FkAction) -> ForeignKey {
        ForeignKey {
            name: None,
            columns: names(columns),
            ref_table: ref_table.to_owned(),
            ref_columns: names(&["id"]),
            on_delete,
            on_update: FkAction::NoAction,
        }
    }

    fn index(name: Option<&str>, columns: &[&str], unique: bool) -> Index {
        Index {
            name: name.map(str::to_owned),
            columns: names(columns),
            unique,
            ..Index::default()
        }
    }

    /// `tenants` 1—n `users` (nullable), `users` 1—1 `user profiles` (unique, composite PK).
    fn schema() -> Schema {
        let tenants = Table {
            name: "tenants".into(),
            columns: vec![
                Column {
                    auto_increment: true,
                    ..column("id", ColumnType::BigInt, false)
                },
                column("name", ColumnType::String { len: Some(255) }, false),
            ],
            primary_key: names(&["id"]),
            indexes: vec![index(Some("uq_tenants_name"), &["name"], true)],
            foreign_keys: vec![], checks: Vec::new(),
        };
        let users = Table {
            name: "users".into(),
            columns: vec![
                Column {
                    auto_increment: true,
                    ..column("id", ColumnType::BigInt, false)
                },
                column("tenant_id", ColumnType::BigInt, true),
                column("email", ColumnType::String { len: Some(255) }, false),
                Column {
                    default: Some(DefaultValue::Str("member".into())),
                    ..column("role", ColumnType::Enum("user_role".into()), false)
                },
                Column {
                    default: Some(DefaultValue::Int(0)),
                    ..column("balance", decimal(10, 2), false)
                },
            ],
            primary_key: names(&["id"]),
            indexes: vec![index(
                Some("idx_users_tenant_email"),
                &["tenant_id", "email"],
                false,
            )],
            foreign_keys: vec![fk(&["tenant_id"], "tenants", FkAction::SetNull)], checks: Vec::new(),
        };
        let profiles = Table {
            name: "user profiles".into(),
            columns: vec![
                column("tenant_id", ColumnType::BigInt, false),
                column("user_id", ColumnType::BigInt, false),
                column("display name", ColumnType::Text, true),
                Column {
                    default: Some(DefaultValue::CurrentTimestamp),
                    ..column("updated_at", ColumnType::TimestampTz, false)
                },
                column(
                    "status",
                    ColumnType::InlineEnum(names(&["active", "it's gone"])),
                    true,
                ),
            ],
            primary_key: names(&["tenant_id", "user_id"]),
            indexes: vec![index(None, &["user_id"], true)],
            foreign_keys: vec![
                fk(&["tenant_id"], "tenants", FkAction::NoAction),
                ForeignKey {
                    on_update: FkAction::Restrict,
                    ..fk(&["user_id"], "users", FkAction::Cascade)
                },
            ], checks: Vec::new(),
        };
        let role = EnumType {
            name: "user_role".into(),
            values: names(&["admin", "member"]),
        };
        Schema {
            tables: [tenants, users, profiles]
                .into_iter()
                .map(|t| (t.name.clone(), t))
                .collect(),
            enums: [("user_role".to_owned(), role)].into_iter().collect(), views: Default::default(), extensions: Default::default(),
        }
    }

    fn decimal(precision: u32, scale: u32) -> ColumnType {
        ColumnType::Decimal {
            precision: Some(precision),
            scale: Some(scale),
        }
    }

    /// Panics unless each of `expected` is a whole line of `output`.
    fn assert_lines(output: &str, expected: &[&str]) {
        for line in expected {
            assert!(
                output.lines().any(|l| l == *line),
                "missing line {line:?} in:\n{output}"
            );
        }
    }

    #[test]
    fn text_lists_tables_in_name_order_then_enums() {
        let expected = "\
table tenants
  id bigint not null auto increment primary key
  name varchar(255) not null
  unique uq_tenants_name (name)

table \"user profiles\"
  tenant_id bigint not null
  user_id bigint not null
  \"display name\" text
  updated_at timestamptz not null default current_timestamp
  status enum('active','it''s gone')
  primary key (tenant_id, user_id)
  unique (user_id)
  foreign key (tenant_id) -> tenants (id)
  foreign key (user_id) -> users (id) on delete cascade on update restrict

table users
  id bigint not null auto increment primary key
  tenant_id bigint
  email varchar(255) not null
  role enum user_role not null default 'member'
  balance decimal(10,2) not null default 0
  index idx_users_tenant_email (tenant_id, email)
  foreign key (tenant_id) -> tenants (id) on delete set null

enum user_role: 'admin', 'member'
";
        assert_eq!(render(&schema(), Format::Text), expected);
    }

    #[test]
    fn mermaid_marks_keys_and_cardinalities() {
        let out = render(&schema(), Format::Mermaid);
        assert_eq!(out.lines().next(), Some("erDiagram"));
        assert_lines(
            &out,
            &[
                "    tenants {",
                "        bigint id PK \"not null\"",
                "        varchar_255 name UK \"not null\"",
                "    \"user profiles\" {",
                "        bigint tenant_id PK, FK \"not null\"",
                "        bigint user_id PK, FK, UK \"not null\"",
                "        text display_name \"'display name'\"",
                "        timestamptz updated_at \"not null\"",
                "        enum status",
                "        enum_user_role role \"not null\"",
                "        decimal_10_2 balance \"not null\"",
                "        bigint tenant_id FK",
                "    tenants ||--o{ \"user profiles\" : \"tenant_id\"",
                "    users ||--o| \"user profiles\" : \"user_id\"",
                "    tenants |o--o{ users : \"tenant_id\"",
            ],
        );
    }

    #[test]
    fn mermaid_quotes_keyword_and_odd_entity_names_and_renames_key_words() {
        assert_eq!(mermaid_entity_name("end"), "\"end\"");
        assert_eq!(mermaid_entity_name("2fa codes"), "\"2fa codes\"");
        assert_eq!(mermaid_entity_name("a\"b%c"), "\"a_b_c\"");
        assert_eq!(mermaid_word("pk"), "pk_");
        assert_eq!(mermaid_word("2fa"), "_2fa");
        assert_eq!(mermaid_word("enum('a','b')"), "enum_a_b");
    }

    #[test]
    fn dot_draws_html_tables_and_port_edges() {
        let out = render(&schema(), Format::Dot);
        assert_lines(
            &out,
            &[
                "digraph schema {",
                "    node [shape=plaintext];",
                "    \"user profiles\" [label=<<table border=\"0\" cellborder=\"1\" \
                 cellspacing=\"0\" cellpadding=\"4\">",
                "        <tr><td colspan=\"3\" bgcolor=\"lightgrey\"><b>user profiles</b></td></tr>",
                "        <tr><td port=\"user_id\" align=\"left\">user_id</td>\
                 <td align=\"left\">bigint not null</td><td>PK, FK, UK</td></tr>",
                "    \"users\":\"tenant_id\" -> \"tenants\":\"id\";",
                "    \"user profiles\":\"user_id\" -> \"users\":\"id\";",
                "}",
            ],
        );
    }

    #[test]
    fn dot_escapes_html() {
        assert_eq!(html("a<b> & \"c\""), "a&lt;b&gt; &amp; &quot;c&quot;");
        assert_eq!(dot_id("a\"b\\"), "\"a\\\"b\\\\\"");
    }

    #[test]
    fn type_names() {
        let cases = [
            (ColumnType::String { len: Some(255) }, "varchar(255)"),
            (ColumnType::String { len: None }, "varchar"),
            (ColumnType::Integer, "integer"),
            (ColumnType::BigUnsigned, "bigint unsigned"),
            (decimal(10, 2), "decimal(10,2)"),
            (ColumnType::Enum("user role".into()), "enum \"user role\""),
            (ColumnType::Other("inet".into()), "inet"),
        ];
        for (ty, name) in cases {
            assert_eq!(type_name(&ty), name);
        }
    }
}
