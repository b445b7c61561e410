//! TLS settings in a URL: the parameters each backend reads (libpq's names for PostgreSQL,
//! MySQL's for MySQL/MariaDB; sqlx reads both and their aliases), the files they name, and what
//! to tell someone whose TLS connection failed.

use super::connect::ConnectError;
use super::url::{Backend, DatabaseUrl};

/// The TLS parameters of a URL, under their canonical names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tls {
    /// `sslmode` (PostgreSQL: disable, allow, prefer, require, verify-ca, verify-full) or
    /// `ssl-mode` (MySQL: DISABLED, PREFERRED, REQUIRED, VERIFY_CA, VERIFY_IDENTITY).
    pub mode: Option<String>,
    /// The CA certificate to verify the server with.
    pub ca: Option<String>,
    /// The client certificate and key, for servers that ask for one.
    pub cert: Option<String>,
    pub key: Option<String>,
}

impl Tls {
    pub fn of(url: &DatabaseUrl) -> Tls {
        let mut tls = Tls::default();
        for (key, value) in url.query_pairs() {
            let slot = match key.to_ascii_lowercase().as_str() {
                "sslmode" | "ssl-mode" => &mut tls.mode,
                "sslrootcert" | "ssl-root-cert" | "ssl-ca" | "sslca" => &mut tls.ca,
                "sslcert" | "ssl-cert" => &mut tls.cert,
                "sslkey" | "ssl-key" => &mut tls.key,
                _ => continue,
            };
            *slot = Some(value);
        }
        tls
    }

    /// Whether the mode refuses a connection without TLS.
    pub fn required(&self) -> bool {
        self.mode.as_deref().is_some_and(|m| {
            !matches!(m.to_ascii_lowercase().as_str(), "disable" | "disabled" | "allow" | "prefer" | "preferred")
        })
    }

    /// Whether the mode checks the server's certificate (`verify-ca`/`VERIFY_CA` and up).
    pub fn verifies(&self) -> bool {
        self.mode.as_deref().is_some_and(|m| m.to_ascii_lowercase().starts_with("verify"))
    }

    /// Whether the mode also checks the host name (`verify-full`/`VERIFY_IDENTITY`).
    pub fn verifies_host(&self) -> bool {
        self.mode
            .as_deref()
            .is_some_and(|m| matches!(m.to_ascii_lowercase().as_str(), "verify-full" | "verify_identity"))
    }
}

/// Fails, naming the parameter and the path, when a file the URL's TLS parameters name cannot
/// be read: the driver's own error says only "No such file or directory".
pub fn check_files(url: &DatabaseUrl) -> Result<(), ConnectError> {
    let tls = Tls::of(url);
    let names = names(url.backend());
    for (name, path) in [(names.ca, &tls.ca), (names.cert, &tls.cert), (names.key, &tls.key)] {
        let Some(path) = path else { continue };
        if let Err(e) = std::fs::File::open(path) {
            return Err(ConnectError {
                url: url.masked(),
                reason: format!("the {name} file '{path}' cannot be read: {e}"),
                hint: "check the path in the URL, and that this user may read the file",
            });
        }
    }
    Ok(())
}

/// The parameter names a user writes for `backend`.
struct Names {
    ca: &'static str,
    cert: &'static str,
    key: &'static str,
}

fn names(backend: Backend) -> Names {
    match backend {
        Backend::MySql => Names { ca: "ssl-ca", cert: "ssl-cert", key: "ssl-key" },
        _ => Names { ca: "sslrootcert", cert: "sslcert", key: "sslkey" },
    }
}

/// What to do about a TLS failure, from the driver's or the server's words (lower case).
pub fn hint(lower: &str, backend: Backend) -> Option<&'static str> {
    let mysql = backend == Backend::MySql;
    Some(if lower.contains("unknownissuer") || lower.contains("unknown issuer") || lower.contains("self-signed") {
        if mysql {
            "the server's certificate is not signed by a CA this machine trusts; name the CA that signed it with ssl-ca=/path/to/ca.pem"
        } else {
            "the server's certificate is not signed by a CA this machine trusts; name the CA that signed it with sslrootcert=/path/to/ca.pem"
        }
    } else if lower.contains("not valid for name") || lower.contains("notvalidforname") {
        if mysql {
            "the server's certificate was issued for another host name; connect by the name it names, or use ssl-mode=VERIFY_CA to check the CA alone"
        } else {
            "the server's certificate was issued for another host name; connect by the name it names, or use sslmode=verify-ca to check the CA alone"
        }
    } else if lower.contains("expired") || lower.contains("notvalidyet") {
        "the server's certificate has expired (or is not valid yet); renew it, or check this machine's clock"
    } else if lower.contains("server does not support tls") || lower.contains("does not support ssl") {
        if mysql {
            "the server offers no TLS, which this ssl-mode demands; enable TLS on the server, or on a network you trust use ssl-mode=PREFERRED"
        } else {
            "the server offers no TLS, which this sslmode demands; enable TLS on the server (ssl = on), or on a network you trust use sslmode=prefer"
        }
    } else if lower.contains("unknown value") && (lower.contains("ssl_mode") || lower.contains("ssl-mode")) {
        if mysql {
            "ssl-mode takes DISABLED, PREFERRED, REQUIRED, VERIFY_CA or VERIFY_IDENTITY"
        } else {
            "sslmode takes disable, prefer, require, verify-ca or verify-full"
        }
    } else if lower.contains("certificate") && (lower.contains("client") || lower.contains("requires a valid")) {
        if mysql {
            "the server asks for a client certificate; add ssl-cert=/path/to/client.pem&ssl-key=/path/to/client.key"
        } else {
            "the server asks for a client certificate; add sslcert=/path/to/client.crt&sslkey=/path/to/client.key"
        }
    } else if lower.contains("pg_hba.conf") && lower.contains("no encryption") {
        "the server accepts only encrypted connections from here; add sslmode=require (or verify-full with sslrootcert) to the URL"
    } else if lower.contains("tls") || lower.contains("ssl") || lower.contains("certificate") {
        "the TLS connection failed; check the URL's TLS parameters and the server's certificate"
    } else {
        return None;
    })
}
