//! Database URLs: which backend they name, which database, and a form that is safe to print.

use serde::Serialize;
use std::fmt;

/// The URL used when none is given: an SQLite file in the current directory, created on first
/// use, so `up` works on a fresh machine with nothing configured.
pub const DEFAULT_URL: &str = "sqlite://seamigrate.sqlite?mode=rwc";

/// The three database families sea-orm supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    Postgres,
    MySql,
    Sqlite,
}

impl Backend {
    /// Whether DDL statements take part in transactions, so that a failed migration can be
    /// rolled back whole. MySQL and MariaDB commit implicitly before and after each DDL statement.
    pub fn has_transactional_ddl(self) -> bool {
        !matches!(self, Backend::MySql)
    }

    pub fn from_sea_orm(backend: sea_orm::DbBackend) -> Self {
        match backend {
            sea_orm::DbBackend::Postgres => Backend::Postgres,
            sea_orm::DbBackend::MySql => Backend::MySql,
            _ => Backend::Sqlite,
        }
    }

    pub fn to_sea_orm(self) -> sea_orm::DbBackend {
        match self {
            Backend::Postgres => sea_orm::DbBackend::Postgres,
            Backend::MySql => sea_orm::DbBackend::MySql,
            Backend::Sqlite => sea_orm::DbBackend::Sqlite,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Backend::Postgres => "PostgreSQL",
            Backend::MySql => "MySQL/MariaDB",
            Backend::Sqlite => "SQLite",
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A URL that cannot be used, described with its password masked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    #[error(
        "invalid database URL '{url}': {reason}; expected postgres://user:password@host:5432/db, \
         mysql://user:password@host:3306/db or sqlite://path/to/file.sqlite?mode=rwc"
    )]
    Malformed { url: String, reason: String },
    #[error(
        "unsupported database URL scheme '{scheme}' in '{url}'; use postgres://, mysql://, \
         mariadb:// or sqlite://"
    )]
    UnsupportedScheme { url: String, scheme: String },
    #[error("the database URL '{url}' names no database; add one after the host, as in {example}")]
    NoDatabase { url: String, example: String },
}

/// A parsed database URL. The raw text (with its password) is only handed to the driver;
/// everything printed goes through [`DatabaseUrl::masked`] or [`DatabaseUrl::redact`].
#[derive(Clone)]
pub struct DatabaseUrl {
    raw: String,
    backend: Backend,
    database: String,
    password: Option<String>,
    /// Host and port of a network server, for a quick reachability probe.
    address: Option<(String, u16)>,
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("DatabaseUrl").field(&self.masked()).finish()
    }
}

impl DatabaseUrl {
    pub fn parse(raw: &str) -> Result<Self, UrlError> {
        let raw = raw.trim();
        let masked = mask_password(raw);
        let Some((scheme, _)) = raw.split_once(':') else {
            return Err(UrlError::Malformed {
                url: masked,
                reason: "it has no scheme".into(),
            });
        };
        match scheme.to_ascii_lowercase().as_str() {
            "sqlite" => Ok(Self::sqlite(raw)),
            "postgres" | "postgresql" => Self::server(raw, Backend::Postgres),
            "mysql" | "mariadb" => Self::server(raw, Backend::MySql),
            other => Err(UrlError::UnsupportedScheme {
                url: masked,
                scheme: other.to_string(),
            }),
        }
    }

    fn sqlite(raw: &str) -> Self {
        let rest = raw["sqlite:".len()..].trim_start_matches("//");
        let path = rest.split('?').next().unwrap_or_default();
        let database = std::path::Path::new(path)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.to_string());
        DatabaseUrl {
            raw: raw.to_string(),
            backend: Backend::Sqlite,
            database,
            password: None,
            address: None,
        }
    }

    fn server(raw: &str, backend: Backend) -> Result<Self, UrlError> {
        let masked = mask_password(raw);
        let parsed = url::Url::parse(raw).map_err(|e| UrlError::Malformed {
            url: masked.clone(),
            reason: e.to_string(),
        })?;
        if parsed.host_str().unwrap_or_default().is_empty() {
            return Err(UrlError::Malformed {
                url: masked,
                reason: "it names no host".into(),
            });
        }
        let database = percent_decode(parsed.path().trim_start_matches('/'));
        if database.is_empty() {
            let example = match backend {
                Backend::Postgres => "postgres://user:password@localhost:5432/app",
                _ => "mysql://user:password@localhost:3306/app",
            };
            return Err(UrlError::NoDatabase {
                url: masked,
                example: example.into(),
            });
        }
        let password = parsed.password().map(percent_decode);
        let default_port = if backend == Backend::Postgres { 5432 } else { 3306 };
        let address = parsed
            .host_str()
            .filter(|h| !h.starts_with('%') && !h.starts_with('/'))
            .map(|h| (h.trim_matches(['[', ']']).to_string(), parsed.port().unwrap_or(default_port)));
        let raw = if parsed.scheme() == "mariadb" {
            format!("mysql{}", &raw["mariadb".len()..])
        } else {
            raw.to_string()
        };
        Ok(DatabaseUrl {
            raw,
            backend,
            database,
            password,
            address,
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The database (or, for SQLite, the file) the URL names.
    pub fn database(&self) -> &str {
        &self.database
    }

    /// The URL with its password replaced by `***`.
    pub fn masked(&self) -> String {
        mask_password(&self.raw)
    }

    /// The raw URL, password included: for the driver only, never for output.
    pub fn expose(&self) -> &str {
        &self.raw
    }

    /// `text` with this URL's password masked, for messages that come from elsewhere (a
    /// driver's error, say): inside any URL, and on its own where it is long enough (8
    /// characters) not to be mistaken for ordinary words such as a version or a user name.
    pub fn redact(&self, text: &str) -> String {
        let out = text.replace(&self.raw, &self.masked());
        let mut out: String = out
            .split_inclusive(char::is_whitespace)
            .map(mask_password)
            .collect();
        if let Some(password) = self.password.as_deref().filter(|p| p.chars().count() >= 8) {
            out = replace_word(&out, password, "***");
        }
        out
    }

    /// Host and port of the server, when the URL names one over TCP.
    pub fn address(&self) -> Option<(&str, u16)> {
        self.address.as_ref().map(|(h, p)| (h.as_str(), *p))
    }

    /// The SQLite file, if this is a file-backed SQLite URL.
    pub fn sqlite_file(&self) -> Option<&str> {
        if self.backend != Backend::Sqlite {
            return None;
        }
        let rest = self.raw["sqlite:".len()..].trim_start_matches("//");
        let path = rest.split('?').next().unwrap_or_default();
        (!path.is_empty() && !path.contains(":memory:")).then_some(path)
    }
}

/// Masks the password of anything that looks like a URL, even one too malformed to parse:
/// everything between the first `:` after `scheme://` and the last `@` of the authority.
pub fn mask_password(raw: &str) -> String {
    let Some(start) = raw.find("://").map(|i| i + 3) else {
        return raw.to_string();
    };
    let authority_end = raw[start..]
        .find(['/', '?', '#'])
        .map_or(raw.len(), |i| start + i);
    let authority = &raw[start..authority_end];
    let Some(at) = authority.rfind('@') else {
        return raw.to_string();
    };
    let Some(colon) = authority[..at].find(':') else {
        return raw.to_string();
    };
    format!(
        "{}{}:***{}",
        &raw[..start],
        &authority[..colon],
        &raw[start + at..]
    )
}

/// `text` with each occurrence of `word` that is not part of a longer word replaced.
fn replace_word(text: &str, word: &str, with: &str) -> String {
    let is_word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(word) {
        let before = rest[..at].chars().next_back().or(out.chars().next_back());
        let after = rest[at + word.len()..].chars().next();
        out.push_str(&rest[..at]);
        out.push_str(if is_word(before) || is_word(after) { word } else { with });
        rest = &rest[at + word.len()..];
    }
    out.push_str(rest);
    out
}

/// Decodes `%XX` escapes; user names, passwords and database names may carry them.
fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_passwords_in_good_and_broken_urls() {
        assert_eq!(
            mask_password("postgres://app:s3cret@db:5432/app"),
            "postgres://app:***@db:5432/app"
        );
        assert_eq!(
            mask_password("mysql://root:p@ss@host/db?x=1"),
            "mysql://root:***@host/db?x=1"
        );
        assert_eq!(mask_password("postgres://app@db/app"), "postgres://app@db/app");
        assert_eq!(mask_password("postgres://:pw@db/app"), "postgres://:***@db/app");
        assert_eq!(mask_password("sqlite://x.sqlite"), "sqlite://x.sqlite");
    }

    #[test]
    fn parses_backends_and_database_names() {
        let pg = DatabaseUrl::parse("postgresql://u:p%40ssword1@localhost/my%20db").unwrap();
        assert_eq!(pg.backend(), Backend::Postgres);
        assert_eq!(pg.database(), "my db");
        assert_eq!(pg.redact("boom p@ssword1 boom"), "boom *** boom");
        assert_eq!(
            pg.redact("see mysql://x:short@h/db and postgres://y:pw@h/db"),
            "see mysql://x:***@h/db and postgres://y:***@h/db"
        );
        let short = DatabaseUrl::parse("postgres://postgres:m2025@localhost/db").unwrap();
        assert_eq!(short.redact("m20250101_x"), "m20250101_x");
        let wordy = DatabaseUrl::parse("postgres://u:display_name@localhost/db").unwrap();
        assert_eq!(wordy.redact("m2_add_display_name: display_name"), "m2_add_display_name: ***");
        let maria = DatabaseUrl::parse("mariadb://root@127.0.0.1:3306/app").unwrap();
        assert_eq!(maria.backend(), Backend::MySql);
        assert!(maria.expose().starts_with("mysql://"));
        let lite = DatabaseUrl::parse("sqlite://data/app.sqlite?mode=rwc").unwrap();
        assert_eq!(lite.database(), "app.sqlite");
        assert_eq!(lite.sqlite_file(), Some("data/app.sqlite"));
        assert_eq!(DatabaseUrl::parse("sqlite::memory:").unwrap().sqlite_file(), None);
    }

    #[test]
    fn rejects_bad_urls_without_showing_the_password() {
        let err = DatabaseUrl::parse("postgres://u:hunter2@/").unwrap_err();
        assert!(!err.to_string().contains("hunter2"), "{err}");
        let err = DatabaseUrl::parse("oracle://u:hunter2@h/db").unwrap_err();
        assert!(matches!(err, UrlError::UnsupportedScheme { .. }));
        assert!(!err.to_string().contains("hunter2"));
        let err = DatabaseUrl::parse("postgres://u:hunter2@host").unwrap_err();
        assert!(matches!(err, UrlError::NoDatabase { .. }), "{err}");
        assert!(matches!(
            DatabaseUrl::parse("nonsense").unwrap_err(),
            UrlError::Malformed { .. }
        ));
    }
}
