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
    /// As given (trimmed): what a user may see echoed by other programs, so redacted too.
    given: String,
    /// What the driver gets: the user and password percent-encoded.
    raw: String,
    masked: String,
    backend: Backend,
    database: String,
    /// The password, decoded, and as written in the URL.
    password: Option<(String, String)>,
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
        let scheme = raw.split_once(':').map_or("", |(s, _)| s);
        let known = is_scheme(scheme)
            && (raw[scheme.len()..].starts_with("://") || scheme.eq_ignore_ascii_case("sqlite"));
        if !known {
            return Err(UrlError::Malformed {
                url: UNPARSEABLE.into(),
                reason: "it does not start with a scheme such as postgres://".into(),
            });
        }
        match scheme.to_ascii_lowercase().as_str() {
            "sqlite" => Ok(Self::sqlite(raw)),
            "postgres" | "postgresql" => Self::server(raw, Backend::Postgres),
            "mysql" | "mariadb" => Self::server(raw, Backend::MySql),
            other => Err(UrlError::UnsupportedScheme {
                url: mask_password(raw),
                scheme: shorten(other, 20),
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
            given: raw.to_string(),
            raw: raw.to_string(),
            masked: shorten(raw, MAX_SHOWN),
            backend: Backend::Sqlite,
            database,
            password: None,
            address: None,
        }
    }

    fn server(given: &str, backend: Backend) -> Result<Self, UrlError> {
        let Some(parts) = Split::of(given) else {
            return Err(UrlError::Malformed {
                url: unparseable(given),
                reason: "no host can be told apart in it (write it as scheme://user:password@host:port/database)".into(),
            });
        };
        let masked = parts.masked(true);
        let raw = parts.canonical();
        let parsed = url::Url::parse(&raw).map_err(|e| UrlError::Malformed {
            url: masked.clone(),
            reason: e.to_string(),
        })?;
        if parsed.host_str().unwrap_or_default().is_empty() {
            return Err(UrlError::Malformed { url: masked, reason: "it names no host".into() });
        }
        let database = percent_decode(parsed.path().trim_start_matches('/'));
        if database.is_empty() {
            let example = match backend {
                Backend::Postgres => "postgres://user:password@localhost:5432/app",
                _ => "mysql://user:password@localhost:3306/app",
            };
            return Err(UrlError::NoDatabase { url: masked, example: example.into() });
        }
        let default_port = if backend == Backend::Postgres { 5432 } else { 3306 };
        let address = parsed
            .host_str()
            .filter(|h| !h.starts_with('%') && !h.starts_with('/'))
            .map(|h| (h.trim_matches(['[', ']']).to_string(), parsed.port().unwrap_or(default_port)));
        let raw = if parsed.scheme() == "mariadb" {
            format!("mysql{}", &raw["mariadb".len()..])
        } else {
            raw
        };
        Ok(DatabaseUrl {
            given: given.to_string(),
            raw,
            masked,
            backend,
            database,
            password: parts.password.map(|p| (percent_decode(p), p.to_string())),
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

    /// The database's name as messages show it: shortened when it is very long.
    pub fn database_shown(&self) -> String {
        shorten(&self.database, MAX_NAME_SHOWN)
    }

    /// The URL with its password replaced by `***` (and a very long one shortened).
    pub fn masked(&self) -> String {
        self.masked.clone()
    }

    /// The URL as the driver gets it, password included: for the driver only, never for output.
    pub fn expose(&self) -> &str {
        &self.raw
    }

    /// The password, decoded: for a tool's private input only, never for output.
    pub fn password(&self) -> Option<&str> {
        self.password.as_ref().map(|(decoded, _)| decoded.as_str())
    }

    /// `text` with this URL's password masked, for messages that come from elsewhere (a
    /// driver's error, say): the URL itself in any of its forms, the password wherever it stands
    /// between a `:` and an `@`, on its own where it is long enough (8 characters) not to be
    /// mistaken for ordinary words such as a version or a user name, and any other URL's.
    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_string();
        for form in [&self.given, &self.raw] {
            if !form.is_empty() {
                out = out.replace(form.as_str(), &self.masked);
            }
        }
        if let Some((decoded, written)) = &self.password {
            let encoded = encode_userinfo(decoded);
            for form in [decoded, written, &encoded] {
                if form.is_empty() {
                    continue;
                }
                out = out.replace(&format!(":{form}@"), ":***@");
                if form.chars().count() >= 8 {
                    out = replace_word(&out, form, "***");
                }
            }
        }
        mask_urls(&out)
    }

    /// The query parameters, decoded (none for SQLite).
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        if self.backend == Backend::Sqlite {
            return Vec::new();
        }
        url::Url::parse(&self.raw)
            .map(|u| u.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect())
            .unwrap_or_default()
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

/// What is shown of a URL none of whose parts can be told apart.
const UNPARSEABLE: &str = "<unparseable URL>";
/// The longest URL or name messages show whole.
const MAX_SHOWN: usize = 200;
const MAX_NAME_SHOWN: usize = 64;

/// A server URL split into its parts by hand: a password pasted as it is may hold any of
/// `@ : / ? # %`, which a standard URL parser reads as delimiters (and would then show part of
/// the password as a host or a path).
struct Split<'a> {
    scheme: &'a str,
    user: Option<&'a str>,
    password: Option<&'a str>,
    /// `host[:port]`, as written.
    host: &'a str,
    /// Path, query and fragment, as written.
    rest: &'a str,
}

impl<'a> Split<'a> {
    /// The user information ends at the last `@` that a host follows (and before which the
    /// user name holds no `/ ? #`); everything before it up to the first `:` is the user, the
    /// rest the password. An `@` inside a query parameter must therefore be written `%40`.
    fn of(url: &'a str) -> Option<Split<'a>> {
        let (scheme, after) = url.split_once("://")?;
        if !is_scheme(scheme) {
            return None;
        }
        let userinfo_like: Vec<usize> = after
            .match_indices('@')
            .map(|(i, _)| i)
            .filter(|&i| !after[..i].split(':').next().unwrap_or_default().contains(['/', '?', '#']))
            .collect();
        let followed_by_host = |i: &usize, empty: bool| host_len(&after[i + 1..]).is_some_and(|n| empty || n > 0);
        let userinfo_end = match userinfo_like.iter().rev().find(|i| followed_by_host(i, false)) {
            Some(&i) => Some(i),
            // A host left out (a local socket): only the last `@` can end the user information.
            None => userinfo_like.last().copied().filter(|i| followed_by_host(i, true)),
        };
        if userinfo_end.is_none() && !userinfo_like.is_empty() {
            // User information with nothing like a host after it: nothing can be shown safely.
            return None;
        }
        let (userinfo, hostpart) = match userinfo_end {
            Some(i) => (Some(&after[..i]), &after[i + 1..]),
            None => (None, after),
        };
        let host_end = host_len(hostpart)?;
        // Another `@` after the host means the split may have been made inside the password:
        // show none of it rather than part of it.
        if userinfo.is_some() && hostpart.contains('@') {
            return None;
        }
        let (user, password) = match userinfo.map(|u| u.split_once(':').ok_or(u)) {
            Some(Ok((user, password))) => (Some(user), Some(password)),
            Some(Err(user)) => (Some(user), None),
            None => (None, None),
        };
        Some(Split { scheme, user, password, host: &hostpart[..host_end], rest: &hostpart[host_end..] })
    }

    /// The URL with the user and password percent-encoded, as drivers and tools read it.
    fn canonical(&self) -> String {
        let userinfo = match (self.user, self.password) {
            (Some(user), Some(password)) => format!(
                "{}:{}@",
                encode_userinfo(&percent_decode(user)),
                encode_userinfo(&percent_decode(password))
            ),
            (Some(user), None) => format!("{}@", encode_userinfo(&percent_decode(user))),
            _ => String::new(),
        };
        format!("{}://{userinfo}{}{}", self.scheme, self.host, self.rest)
    }

    /// The URL with its password masked, and very long parts shortened when `short`.
    fn masked(&self, short: bool) -> String {
        let cut = |text: &str, max: usize| if short { shorten(text, max) } else { text.to_string() };
        let userinfo = match (self.user, self.password) {
            (Some(user), Some(_)) => format!("{}:***@", cut(user, MAX_NAME_SHOWN)),
            (Some(user), None) => format!("{}@", cut(user, MAX_NAME_SHOWN)),
            _ => String::new(),
        };
        let (path, query) = self.rest.split_once('?').map_or((self.rest, None), |(p, q)| (p, Some(q)));
        let path = match path.strip_prefix('/') {
            Some(name) => format!("/{}", cut(name, MAX_NAME_SHOWN)),
            None => cut(path, MAX_NAME_SHOWN),
        };
        let mut shown = format!("{}://{userinfo}{}{path}", self.scheme, cut(self.host, MAX_NAME_SHOWN));
        if let Some(query) = query {
            shown.push('?');
            shown.push_str(&cut(&mask_query(query), MAX_SHOWN));
        }
        shown
    }
}

fn is_scheme(s: &str) -> bool {
    s.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && s.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
}

/// The length of the `host[:port]` at the start of `text`, when the end, a path, a query or a
/// fragment follows it.
fn host_len(text: &str) -> Option<usize> {
    let mut end = if text.starts_with('[') {
        text.find(']')? + 1
    } else {
        text.find(|c: char| !(c.is_ascii_alphanumeric() || "-._~%".contains(c))).unwrap_or(text.len())
    };
    if let Some(port) = text[end..].strip_prefix(':') {
        end += 1 + port.find(|c: char| !c.is_ascii_digit()).unwrap_or(port.len());
    }
    matches!(text[end..].chars().next(), None | Some('/' | '?' | '#')).then_some(end)
}

/// Query parameters whose values are secrets.
const SECRET_PARAMS: &[&str] = &["password", "sslpassword"];

fn mask_query(query: &str) -> String {
    query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((key, _)) if SECRET_PARAMS.contains(&key.to_ascii_lowercase().as_str()) => format!("{key}=***"),
            _ => pair.to_string(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// What is shown of a URL that cannot be split: its scheme, never the rest.
fn unparseable(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, _)) if is_scheme(scheme) => format!("{scheme}://{UNPARSEABLE}"),
        _ => UNPARSEABLE.into(),
    }
}

/// Masks the password of one URL: the user information as [`DatabaseUrl`] finds it, and
/// secret query parameters; a URL too malformed to split shows only its scheme. Text without
/// `://` is returned as it is.
pub fn mask_password(raw: &str) -> String {
    mask_one(raw, true)
}

fn mask_one(raw: &str, short: bool) -> String {
    if !raw.contains("://") {
        return raw.to_string();
    }
    match Split::of(raw) {
        Some(parts) => parts.masked(short),
        None => unparseable(raw),
    }
}

/// Masks every URL in free text: each runs from its scheme to the next white space or quote.
pub fn mask_urls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("://") {
        let start = rest[..at]
            .char_indices()
            .rev()
            .take_while(|(_, c)| c.is_ascii_alphanumeric() || "+-.".contains(*c))
            .last()
            .map_or(at, |(i, _)| i);
        let end = rest[at..]
            .find(|c: char| c.is_whitespace() || "'\"`<>".contains(c))
            .map_or(rest.len(), |i| at + i);
        out.push_str(&rest[..start]);
        let url = &rest[start..end];
        out.push_str(&if is_scheme(&rest[start..at]) { mask_one(url, false) } else { url.to_string() });
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// `text` cut to `max` characters, saying how long it was.
pub(crate) fn shorten(text: &str, max: usize) -> String {
    let count = text.chars().count();
    if count <= max {
        return text.to_string();
    }
    let head: String = text.chars().take(max).collect();
    format!("{head}…({count} characters)")
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

/// Decodes `%XX` escapes; user names, passwords and database names may carry them. A `%` that
/// starts no escape stays as it is, and so does text whose escapes do not decode to UTF-8 (a
/// password pasted as it is that happens to hold `%fe`).
fn percent_decode(s: &str) -> String {
    match percent_encoding::percent_decode_str(s).decode_utf8() {
        Ok(decoded) => decoded.into_owned(),
        Err(_) => s.to_string(),
    }
}

/// Everything but unreserved characters, percent-encoded, as user information must be.
fn encode_userinfo(s: &str) -> String {
    const SET: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~');
    percent_encoding::utf8_percent_encode(s, SET).to_string()
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
    fn passwords_pasted_as_they_are() {
        for password in ["a/b#c?d!", "k:/%9wXy@ho", "p@ss@word", "fünf€ 🔑!", "x@h/y?z#w", "50%offer!"] {
            let given = format!("postgres://app:{password}@db.internal:5432/app?sslmode=require");
            let url = DatabaseUrl::parse(&given).unwrap_or_else(|e| panic!("{password}: {e}"));
            assert_eq!(url.masked(), "postgres://app:***@db.internal:5432/app?sslmode=require");
            assert_eq!(url.password(), Some(password));
            assert_eq!(url.database(), "app");
            assert_eq!(url.address(), Some(("db.internal", 5432)));
            let parsed = url::Url::parse(url.expose()).unwrap();
            assert_eq!(percent_decode(parsed.password().unwrap()), password, "the driver gets it whole");
            let words = format!("error connecting to {given}: bad password {password}");
            assert!(!url.redact(&words).contains(password), "{}", url.redact(&words));
        }
        // Written encoded, it means the same.
        let url = DatabaseUrl::parse("mysql://root:p%40ss%2Fw@h/db").unwrap();
        assert_eq!(url.password(), Some("p@ss/w"));
    }

    #[test]
    fn nothing_of_an_unparseable_url_is_echoed() {
        for given in ["postgres://u:se/cr@et!@bad host/db", "postgres://u:a@b/c@bad host/db", "u:secret@host/db"] {
            let err = DatabaseUrl::parse(given).unwrap_err().to_string();
            assert!(!err.contains("se/cr") && !err.contains("secret") && !err.contains("b/c"), "{err}");
        }
        assert_eq!(mask_password("postgres://u:a@b/c@bad host/db"), "postgres://<unparseable URL>");
        let long = format!("postgres://u:pw@h/{}", "d".repeat(10_000));
        let err = DatabaseUrl::parse(&format!("{long}?x=%zz%")).map(|u| u.masked()).unwrap_or_else(|e| e.to_string());
        assert!(err.len() < 400, "{} characters", err.len());
        assert!(DatabaseUrl::parse(&long).unwrap().database_shown().contains("(10000 characters)"));
    }

    #[test]
    fn secret_query_parameters_and_urls_in_text_are_masked() {
        assert_eq!(
            mask_password("postgres://h/db?user=u&password=hunter22&sslmode=require"),
            "postgres://h/db?user=u&password=***&sslmode=require"
        );
        assert_eq!(
            mask_urls("unexpected argument 'mysql://root:p@ss@h/db' found"),
            "unexpected argument 'mysql://root:***@h/db' found"
        );
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
