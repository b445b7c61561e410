//! Turning a target into the ordered list of migrations to run, or a refusal that says why not.

use super::catalog::Catalog;
use super::state::{MigrationState, Status};
use super::{Error, RunOptions};
use crate::capture::Direction;

/// How far `up` goes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum UpTarget {
    /// Every pending migration.
    #[default]
    All,
    /// The next N pending migrations.
    Steps(u32),
    /// Pending migrations up to and including this version.
    To(String),
}

/// How far `down` goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DownTarget {
    /// The newest N applied migrations.
    Steps(u32),
    /// Everything applied above this version; the version itself stays applied.
    To(String),
    /// Everything.
    Base,
}

impl Default for DownTarget {
    fn default() -> Self {
        DownTarget::Steps(1)
    }
}

/// What `resolve` records a migration as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResolveAs {
    /// Its changes are in the database: record it applied, clean, with its current checksum.
    Applied,
    /// Its changes are not in the database: remove its record.
    Pending,
}

/// Where `stamp` puts the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StampTarget {
    Version(String),
    Base,
}

/// Refuses to go on while a migration is dirty, naming it and how to clear the mark.
pub(crate) fn refuse_dirty(status: &Status) -> Result<(), Error> {
    match status
        .migrations
        .iter()
        .find(|m| m.state == MigrationState::Dirty)
    {
        Some(dirty) => Err(Error::Dirty {
            version: dirty.version.clone(),
        }),
        None => Ok(()),
    }
}

/// The migration stopped part way through a backfill, and the direction it was going in.
fn unfinished(status: &Status) -> Option<(&str, Direction)> {
    status
        .migrations
        .iter()
        .find(|m| m.state == MigrationState::InProgress)
        .map(|m| (m.version.as_str(), m.direction.unwrap_or(Direction::Up)))
}

/// Refuses while a migration's backfill is unfinished (an application starting in production,
/// which applies nothing, cannot finish it).
pub(crate) fn refuse_in_progress(status: &Status) -> Result<(), Error> {
    match unfinished(status) {
        Some((version, direction)) => Err(Error::Unfinished { version: version.to_string(), direction }),
        None => Ok(()),
    }
}

/// Refuses to go on in `direction` while a migration's backfill is unfinished in the other.
fn refuse_unfinished(status: &Status, direction: Direction) -> Result<Option<String>, Error> {
    match unfinished(status) {
        Some((version, going)) if going == direction => Ok(Some(version.to_string())),
        Some((version, going)) => Err(Error::Unfinished { version: version.to_string(), direction: going }),
        None => Ok(None),
    }
}

/// The migrations to apply: one stopped part way through a backfill first (it resumes), then
/// the pending ones.
pub(crate) fn plan_up(
    status: &Status,
    catalog: &Catalog,
    target: &UpTarget,
    options: &RunOptions,
) -> Result<Vec<String>, Error> {
    refuse_dirty(status)?;
    let resumed = refuse_unfinished(status, Direction::Up)?;
    let mut chosen = choose_up(status, catalog, target, options)?;
    if let Some(version) = resumed {
        chosen.insert(0, version);
        if let UpTarget::Steps(n) = target {
            chosen.truncate(*n as usize);
        }
    }
    Ok(chosen)
}

/// What `up` would apply, dirty or not: `--sql` shows it even while a migration is dirty, as
/// that is when one wants to read it.
pub(crate) fn choose_up(
    status: &Status,
    catalog: &Catalog,
    target: &UpTarget,
    options: &RunOptions,
) -> Result<Vec<String>, Error> {
    let modified = status.versions_in(MigrationState::Modified);
    if !modified.is_empty() && !options.allow_modified {
        return Err(Error::Modified { versions: modified });
    }
    let limit = match target {
        UpTarget::To(given) => Some(Catalog::resolve(
            given,
            catalog.versions(),
        )?),
        _ => None,
    };
    let mut chosen: Vec<String> = status
        .pending
        .iter()
        .filter(|v| limit.as_deref().is_none_or(|l| v.as_str() <= l))
        .cloned()
        .collect();
    if let UpTarget::Steps(n) = target {
        chosen.truncate(*n as usize);
    }
    let out_of_order: Vec<String> = status
        .versions_in(MigrationState::OutOfOrder)
        .into_iter()
        .filter(|v| chosen.contains(v))
        .collect();
    if !out_of_order.is_empty() && !options.allow_out_of_order {
        return Err(Error::OutOfOrder {
            versions: out_of_order,
            newest: status.current.clone().unwrap_or_default(),
        });
    }
    Ok(chosen)
}

/// The migrations to revert, newest first.
pub(crate) fn plan_down(status: &Status, target: &DownTarget) -> Result<Vec<String>, Error> {
    refuse_dirty(status)?;
    refuse_unfinished(status, Direction::Down)?;
    choose_down(status, target)
}

/// What `down` would revert, dirty or not (see [`choose_up`]).
pub(crate) fn choose_down(status: &Status, target: &DownTarget) -> Result<Vec<String>, Error> {
    let applied: Vec<&super::state::MigrationStatus> = status
        .migrations
        .iter()
        .rev()
        .filter(|m| m.state.is_applied())
        .collect();
    let chosen: Vec<_> = match target {
        DownTarget::Steps(n) => applied.into_iter().take(*n as usize).collect(),
        DownTarget::Base => applied,
        DownTarget::To(given) => {
            let known = status.migrations.iter().map(|m| m.version.as_str());
            let version = Catalog::resolve(given, known)?;
            applied
                .into_iter()
                .filter(|m| m.version > version)
                .collect()
        }
    };
    if let Some(missing) = chosen
        .iter()
        .find(|m| m.state == MigrationState::Missing)
    {
        return Err(Error::MissingCrossed {
            version: missing.version.clone(),
        });
    }
    Ok(chosen.into_iter().map(|m| m.version.clone()).collect())
}
