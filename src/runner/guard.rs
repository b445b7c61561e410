//! The production guard: which commands may run in which environment, and what they need.

use super::Error;
use serde::Serialize;
use std::fmt;
use std::str::FromStr;

/// Where the database lives, from `--env` or `APP_ENV`; development unless said otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    #[default]
    Development,
    Test,
    Staging,
    Production,
}

impl FromStr for Environment {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "development" | "dev" | "local" => Ok(Environment::Development),
            "test" | "testing" | "ci" => Ok(Environment::Test),
            "staging" | "stage" => Ok(Environment::Staging),
            "production" | "prod" => Ok(Environment::Production),
            other => Err(format!(
                "unknown environment '{other}'; use development, test, staging or production"
            )),
        }
    }
}

impl fmt::Display for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Environment::Development => "development",
            Environment::Test => "test",
            Environment::Staging => "staging",
            Environment::Production => "production",
        })
    }
}

/// The commands the guard knows about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Guarded {
    /// Reverts migrations: needs a yes in production.
    Down,
    /// Drops or empties the whole schema: never in production, a yes elsewhere.
    Wipe(&'static str),
}

pub(crate) fn check(env: Environment, command: Guarded, confirmed: bool) -> Result<(), Error> {
    match command {
        Guarded::Wipe("database drop") if env == Environment::Production => Err(Error::Refused {
            command: "database drop",
            env,
            reason: "it destroys the whole database and is never allowed in production, whatever \
                     the flags"
                .into(),
        }),
        Guarded::Wipe(name) if env == Environment::Production => Err(Error::Refused {
            command: name,
            env,
            reason: "it destroys data and is never allowed in production, whatever the flags; \
                     use `down` to revert specific migrations"
                .into(),
        }),
        Guarded::Wipe(name) if !confirmed => Err(Error::Refused {
            command: name,
            env,
            reason: "it destroys data; confirm on a terminal or pass --yes".into(),
        }),
        Guarded::Down if env == Environment::Production && !confirmed => Err(Error::Refused {
            command: "down",
            env,
            reason: "reverting migrations may destroy data; pass --yes to confirm".into(),
        }),
        _ => Ok(()),
    }
}

/// Creates the database `url` names unless it exists (`database create`, `up
/// --create-database`); whether it was created.
pub async fn create_database(url: &crate::db::DatabaseUrl, settings: &crate::db::ConnectSettings) -> Result<bool, Error> {
    Ok(crate::db::database::create(url, settings).await?)
}

/// Drops the database `url` names, if it exists: never in production, and elsewhere only when
/// `confirmed`; whether it was there.
pub async fn drop_database(
    url: &crate::db::DatabaseUrl,
    settings: &crate::db::ConnectSettings,
    env: Environment,
    confirmed: bool,
) -> Result<bool, Error> {
    check(env, Guarded::Wipe("database drop"), confirmed)?;
    Ok(crate::db::database::drop(url, settings).await?)
}
