//! Identifiers in generated code: one `DeriveIden` enum per table, with a variant per column.
//!
//! `DeriveIden` turns `enum UserRoles { Table, CreatedAt }` into `user_roles` and
//! `created_at` with heck's snake case; a name that does not survive that round trip gets an
//! explicit `#[sea_orm(iden = "...")]`.

use heck::{ToSnakeCase, ToUpperCamelCase};
use std::collections::{BTreeMap, BTreeSet};

/// The tables and columns a migration names, collected while rendering it.
#[derive(Debug, Default)]
pub struct Idents {
    tables: BTreeMap<String, BTreeSet<String>>,
}

impl Idents {
    /// `Enum::Table` for `table`.
    pub fn table(&mut self, table: &str) -> String {
        self.tables.entry(table.to_string()).or_default();
        format!("{}::Table", enum_name(table))
    }

    /// `Enum::Variant` for `column` of `table`.
    pub fn column(&mut self, table: &str, column: &str) -> String {
        self.tables
            .entry(table.to_string())
            .or_default()
            .insert(column.to_string());
        format!("{}::{}", enum_name(table), variant_name(column))
    }

    /// The enum declarations, one per table, in name order.
    pub fn declarations(&self) -> String {
        let mut out = String::new();
        for (table, columns) in &self.tables {
            let name = enum_name(table);
            out.push_str("\n#[derive(DeriveIden)]\n");
            if name.to_snake_case() != *table {
                out.push_str(&format!("#[sea_orm(iden = {table:?})]\n"));
            }
            out.push_str(&format!("enum {name} {{\n    Table,\n"));
            for column in columns {
                let variant = variant_name(column);
                if variant.to_snake_case() != *column {
                    out.push_str(&format!("    #[sea_orm(iden = {column:?})]\n"));
                }
                out.push_str(&format!("    {variant},\n"));
            }
            out.push_str("}\n");
        }
        out
    }
}

fn enum_name(table: &str) -> String {
    rust_ident(&table.to_upper_camel_case(), "T")
}

fn variant_name(column: &str) -> String {
    let name = rust_ident(&column.to_upper_camel_case(), "C");
    // `Table` is the table itself in a DeriveIden enum.
    if name == "Table" { "TableColumn".into() } else { name }
}

/// `name` as a Rust identifier: never empty, never starting with a digit.
fn rust_ident(name: &str, prefix: &str) -> String {
    let cleaned: String = name.chars().filter(|c| c.is_alphanumeric() || *c == '_').collect();
    match cleaned.chars().next() {
        None => prefix.to_string(),
        Some(c) if c.is_ascii_digit() => format!("{prefix}{cleaned}"),
        Some(_) => cleaned,
    }
}

#[cfg(test)]
mod tests {
    use super::Idents;

    #[test]
    fn declares_enums_with_explicit_names_where_needed() {
        let mut idents = Idents::default();
        assert_eq!(idents.column("users", "last_login"), "Users::LastLogin");
        assert_eq!(idents.table("users"), "Users::Table");
        assert_eq!(idents.column("Audit Log", "table"), "AuditLog::TableColumn");
        let text = idents.declarations();
        assert!(text.contains("enum Users {\n    Table,\n    LastLogin,\n}"), "{text}");
        assert!(text.contains("#[sea_orm(iden = \"Audit Log\")]\nenum AuditLog"), "{text}");
        assert!(text.contains("    #[sea_orm(iden = \"table\")]\n    TableColumn,"), "{text}");
    }
}
