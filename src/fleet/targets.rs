//! The databases a fleet command runs over: read from a targets file (a URL per line, with an
//! optional PostgreSQL schema, `${VAR}` taken from the environment) or from a query on a
//! database that lists its tenants.

use crate::db::{Backend, DatabaseUrl, UrlError};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use std::fmt;

/// One database, or one PostgreSQL schema of a database, to migrate.
#[derive(Clone)]
pub struct Target {
    pub url: DatabaseUrl,
    /// The PostgreSQL schema (schema-per-tenant); `None` for the URL's default.
    pub schema: Option<String>,
}

impl Target {
    pub fn new(url: DatabaseUrl, schema: Option<String>) -> Target {
        Target { url, schema }
    }

    /// The target as reports show it: the URL with its password masked, and the schema.
    pub fn shown(&self) -> String {
        match &self.schema {
            Some(schema) => format!("{} {schema}", self.url.masked()),
            None => self.url.masked(),
        }
    }
}

impl fmt::Debug for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.shown())
    }
}

/// The targets could not be read.
#[derive(Debug, thiserror::Error)]
pub enum TargetsError {
    #[error("line {line} of the targets file uses ${{{name}}}, which is not set; export it, or write the value in the file")]
    MissingVariable { line: usize, name: String },
    #[error("line {line} of the targets file: {source}")]
    Url {
        line: usize,
        #[source]
        source: UrlError,
    },
    #[error("line {line} of the targets file names schema '{schema}' on a {backend} URL; schemas are PostgreSQL's, so give each database its own URL")]
    SchemaOffPostgres { line: usize, schema: String, backend: Backend },
    #[error("line {line} of the targets file has {count} words; write a URL, optionally followed by a PostgreSQL schema name")]
    TooManyWords { line: usize, count: usize },
    #[error("the targets list is empty; add a URL per line (lines starting with # are comments)")]
    Empty,
    #[error("the targets query failed: {words}; check the SQL, which runs on the -u database and returns one column of schema names or URLs")]
    Query { words: String },
    #[error("row {row} of the targets query: {reason}")]
    QueryRow { row: usize, reason: String },
}

/// The targets of a targets file's `text`: each line not empty and not starting with `#` is a
/// URL, optionally followed by a PostgreSQL schema name. `${VAR}` is replaced by `var(VAR)`
/// (the environment, in the CLI), so that passwords stay out of the file.
pub fn parse_targets(text: &str, var: impl Fn(&str) -> Option<String>) -> Result<Vec<Target>, TargetsError> {
    let mut targets = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line_no = i + 1;
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let expanded = expand(line, line_no, &var)?;
        let words: Vec<&str> = expanded.split_whitespace().collect();
        let (url, schema) = match words.as_slice() {
            [url] => (*url, None),
            [url, schema] => (*url, Some(schema.to_string())),
            _ => return Err(TargetsError::TooManyWords { line: line_no, count: words.len() }),
        };
        let url = DatabaseUrl::parse(url).map_err(|source| TargetsError::Url { line: line_no, source })?;
        if let Some(schema) = schema.as_ref().filter(|_| url.backend() != Backend::Postgres) {
            return Err(TargetsError::SchemaOffPostgres { line: line_no, schema: schema.clone(), backend: url.backend() });
        }
        targets.push(Target { url, schema });
    }
    if targets.is_empty() {
        return Err(TargetsError::Empty);
    }
    Ok(targets)
}

/// `line` with every `${NAME}` replaced by its value. A `$` not followed by `{` stays as it is
/// (a password may hold one).
fn expand(line: &str, line_no: usize, var: &impl Fn(&str) -> Option<String>) -> Result<String, TargetsError> {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(at) = rest.find("${") {
        let Some(end) = rest[at..].find('}') else { break };
        let name = &rest[at + 2..at + end];
        let value = var(name).ok_or_else(|| TargetsError::MissingVariable { line: line_no, name: name.to_string() })?;
        out.push_str(&rest[..at]);
        out.push_str(&value);
        rest = &rest[at + end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// The targets `sql` lists when run on `db` (reached at `url`): one column, each value a
/// PostgreSQL schema of that database, or a URL of its own.
pub async fn query_targets(db: &DatabaseConnection, url: &DatabaseUrl, sql: &str) -> Result<Vec<Target>, TargetsError> {
    let stmt = Statement::from_string(db.get_database_backend(), sql.to_string());
    let rows = db.query_all_raw(stmt).await.map_err(|e| TargetsError::Query { words: url.redact(&e.to_string()) })?;
    let mut targets = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        let value: String = row
            .try_get_by_index(0)
            .map_err(|e| TargetsError::QueryRow { row: i + 1, reason: format!("its first column is not text ({e})") })?;
        let value = value.trim();
        let target = if value.contains("://") || value.starts_with("sqlite:") {
            let url = DatabaseUrl::parse(value).map_err(|e| TargetsError::QueryRow { row: i + 1, reason: e.to_string() })?;
            Target { url, schema: None }
        } else if url.backend() == Backend::Postgres && !value.is_empty() {
            Target { url: url.clone(), schema: Some(value.to_string()) }
        } else {
            let reason = format!("'{}' is neither a URL nor, on PostgreSQL, a schema name", crate::db::shorten(value, 60));
            return Err(TargetsError::QueryRow { row: i + 1, reason });
        };
        targets.push(target);
    }
    if targets.is_empty() {
        return Err(TargetsError::Empty);
    }
    Ok(targets)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        (name == "PW").then(|| "s3cr$t".to_string())
    }

    #[test]
    fn lines_urls_schemas_and_variables() {
        let text = "# tenants\n\npostgres://app:${PW}@db1/main tenant_a\n  mysql://root@db2/t2  \nsqlite://x.db\n";
        let targets = parse_targets(text, env).unwrap();
        assert_eq!(targets.len(), 3);
        assert_eq!(targets[0].schema.as_deref(), Some("tenant_a"));
        assert_eq!(targets[0].url.password(), Some("s3cr$t"));
        assert!(!targets[0].shown().contains("s3cr"), "{}", targets[0].shown());
        assert_eq!(targets[1].url.backend(), Backend::MySql);
    }

    #[test]
    fn errors_name_the_line() {
        let missing = parse_targets("postgres://a@h/d\npostgres://a:${NOPE}@h/d", env).unwrap_err().to_string();
        assert!(missing.contains("line 2") && missing.contains("NOPE"), "{missing}");
        let schema = parse_targets("mysql://a@h/d tenant", env).unwrap_err().to_string();
        assert!(schema.contains("line 1") && schema.contains("PostgreSQL"), "{schema}");
        let words = parse_targets("postgres://a@h/d s extra", env).unwrap_err().to_string();
        assert!(words.contains("3 words"), "{words}");
        assert!(matches!(parse_targets("# only a comment\n", env), Err(TargetsError::Empty)));
        let url = parse_targets("postgres://a:pw@h/d\nnot a url", env).unwrap_err().to_string();
        assert!(url.contains("line 2"), "{url}");
    }
}
