//! `autogenerate NAME` and `check`: compare the entities with the live database.
//!
//! Both refuse to compare a database that is not at head: the difference would re-state the
//! pending migrations. `check` reports; `autogenerate` drafts a migration from the difference,
//! asking about likely renames on a terminal.

use super::args::Format;
use super::confirm::ask_yes_no;
use super::console::Console;
use super::error::CliError;
use super::generate;
use super::render;
use crate::codegen::{Note, Runs, migration_file};
use crate::diff::{self, Diff, DiffOptions, Rename};
use crate::runner::{MigrationState, Migrator};
use crate::schema::uncompared::{set_aside, uncompared};
use crate::schema::{self, EntitySet, Filter, Schema};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;

/// What to compare, and how.
pub struct Compare<'a> {
    pub entities: Option<&'a EntitySet>,
    pub filter: Filter,
    pub renames: Vec<Rename>,
    /// `check --strict`: what is not compared fails the check too.
    pub strict: bool,
}

struct Compared {
    live: Schema,
    wanted: Schema,
    diff: Diff,
    /// What the live database holds that is not compared, each described.
    not_compared: Vec<String>,
}

async fn compare(migrator: &Migrator, request: &Compare<'_>) -> Result<Compared, CliError> {
    let entities = request.entities.ok_or(CliError::NoEntities)?;
    let status = migrator.status().await?;
    if !status.is_up_to_date {
        return Err(CliError::NotAtHead {
            pending: status.pending.clone(),
            dirty: status.versions_in(MigrationState::Dirty),
            modified: status.versions_in(MigrationState::Modified),
        });
    }
    let backend = migrator.backend();
    let schema_error = |e: schema::SchemaError| CliError::Schema(e.to_string());
    let mut live = schema::discover(migrator.connection(), &request.filter).await.map_err(schema_error)?;
    let wanted = request.filter.apply(entities.schema(backend));
    let uncompared = uncompared(migrator.connection(), &request.filter).await.map_err(schema_error)?;
    set_aside(&mut live, &uncompared);
    let options = DiffOptions::new(backend).with_renames(request.renames.clone());
    let diff = diff::try_diff(&live, &wanted, &options).map_err(|e| CliError::Rename(e.to_string()))?;
    let not_compared = uncompared.iter().map(|u| u.describe()).collect();
    Ok(Compared { live, wanted, diff, not_compared })
}

#[derive(Serialize)]
struct CheckReport {
    in_sync: bool,
    differences: Vec<String>,
    /// What the database holds that `check` does not compare (views, triggers,
    /// extensions, ...).
    not_compared: Vec<String>,
}

/// Exit 0 when the database is at head and matches the entities; otherwise an error listing
/// what differs.
pub async fn check(
    migrator: &Migrator,
    request: &Compare<'_>,
    console: &Console,
    format: Format,
) -> Result<(), CliError> {
    let compared = compare(migrator, request).await?;
    let differences = compared.diff.describe();
    let not_compared = compared.not_compared;
    let refused = request.strict && !not_compared.is_empty();
    if format == Format::Json && differences.is_empty() && !refused {
        render::json(console, &CheckReport { in_sync: true, differences: vec![], not_compared: not_compared.clone() });
    } else if format != Format::Json {
        if differences.is_empty() {
            console.out("The database is at head and matches the entities.");
        } else {
            console.out(format!("The database differs from the entities ({}):", differences.len()));
            for line in &differences {
                console.out(format!("  {line}"));
            }
        }
        if !not_compared.is_empty() {
            console.out(format!("Not compared ({}):", not_compared.len()));
            for line in &not_compared {
                console.out(format!("  {line}"));
            }
        }
    }
    if !differences.is_empty() {
        return Err(CliError::Drift { differences, listed: format != Format::Json, not_compared });
    }
    if refused {
        return Err(CliError::NotCompared { not_compared, listed: format != Format::Json });
    }
    Ok(())
}

/// As [`check`], printing nothing: the error says what differs.
pub async fn differences(migrator: &Migrator, request: &Compare<'_>) -> Result<(), CliError> {
    let compared = compare(migrator, request).await?;
    let differences = compared.diff.describe();
    let not_compared = compared.not_compared;
    if !differences.is_empty() {
        return Err(CliError::Drift { differences, listed: false, not_compared });
    }
    if request.strict && !not_compared.is_empty() {
        return Err(CliError::NotCompared { not_compared, listed: false });
    }
    Ok(())
}

/// Options of `autogenerate`.
pub struct Draft<'a> {
    pub name: &'a str,
    pub preview: bool,
    pub dir: Option<&'a Path>,
    pub interactive: bool,
}

#[derive(Serialize)]
struct DraftReport {
    changes: Vec<String>,
    warnings: Vec<String>,
    written: Option<generate::Generated>,
    source: Option<String>,
}

pub async fn autogenerate(
    migrator: &Migrator,
    mut request: Compare<'_>,
    draft: &Draft<'_>,
    console: &Console,
    format: Format,
) -> Result<(), CliError> {
    let mut compared = compare(migrator, &request).await?;
    if draft.interactive {
        let accepted = ask_about_renames(&compared.diff, console);
        if !accepted.is_empty() {
            request.renames.extend(accepted);
            compared = compare(migrator, &request).await?;
        }
    }
    if format != Format::Json {
        for item in &compared.not_compared {
            console.err(format!("not compared (left as it is): {item}"));
        }
    }
    let diff = &compared.diff;
    if diff.is_empty() {
        if format == Format::Json {
            render::json(console, &DraftReport { changes: vec![], warnings: vec![], written: None, source: None });
        } else {
            console.out("No differences between the entities and the database; nothing was written.");
        }
        return Ok(());
    }
    let mut notes: Vec<Note> = diff
        .warnings
        .iter()
        .map(|w| Note { change: w.change_index, text: w.message.clone() })
        .collect();
    for candidate in diff::rename_candidates(diff) {
        notes.push(Note {
            change: candidate.drop_index,
            text: format!(
                "this drop may be a rename ({}); if so, re-run with --rename {} to keep the data",
                candidate.rename.summary(),
                candidate.rename
            ),
        });
    }
    if draft.preview && format.is_diagram() {
        console.out(before_and_after(&compared, format).trim_end());
        return Ok(());
    }
    let runs = Runs::for_draft(&diff.changes, migrator.backend());
    let source = migration_file(&diff.changes, &notes, &all_enums(&compared), &header(draft.name, diff), runs);
    let written = if draft.preview {
        None
    } else {
        Some(generate::write(draft.name, draft.dir, chrono::Utc::now(), &source)?)
    };
    let changes = diff.describe();
    let warnings: Vec<String> = notes.iter().map(|n| n.text.clone()).collect();
    if format == Format::Json {
        let source = draft.preview.then(|| source.clone());
        render::json(console, &DraftReport { changes, warnings, written, source });
        return Ok(());
    }
    if draft.preview {
        console.out(source.trim_end());
    }
    console.err(format!("{} change(s):", changes.len()));
    for change in &changes {
        console.err(format!("  {change}"));
    }
    for warning in &warnings {
        console.err(format!("warning: {warning}"));
    }

    if let Some(made) = &written {
        console.out(format!(
            "Wrote {} and registered {} in {}; review it before you apply it",
            made.file.display(),
            made.version,
            made.lib.display()
        ));
    }
    Ok(())
}

/// Asks about each likely rename, skipping those that an accepted one rules out.
fn ask_about_renames(diff: &Diff, console: &Console) -> Vec<Rename> {
    let mut accepted: Vec<diff::RenameCandidate> = Vec::new();
    for candidate in diff::rename_candidates(diff) {
        if accepted.iter().any(|a| a.conflicts_with(&candidate)) {
            continue;
        }
        if ask_yes_no(console, &format!("{}: rename?", candidate.rename.summary())) {
            accepted.push(candidate);
        }
    }
    accepted.into_iter().map(|c| c.rename).collect()
}

/// The tables a draft touches, as they are and as they will be: two diagrams under Markdown
/// headings (fenced for Mermaid, so the text pastes into a pull request as it is).
fn before_and_after(compared: &Compared, format: Format) -> String {
    let touched: Vec<&str> = compared.diff.changes.iter().filter_map(|c| c.table()).collect();
    let only = |schema: &Schema| {
        let mut schema = schema.clone();
        schema.tables.retain(|name, _| touched.contains(&name.as_str()));
        schema
    };
    let diagram_format = render::diagram_format(format).unwrap_or(schema::diagram::Format::Text);
    let draw = |s: &Schema| schema::diagram::render(&only(s), diagram_format);
    let (before, after) = (draw(&compared.live), draw(&compared.wanted));
    match format {
        Format::Mermaid => format!("### Before\n\n```mermaid\n{before}```\n\n### After\n\n```mermaid\n{after}```\n"),
        _ => format!("// before\n{before}\n// after\n{after}"),
    }
}

fn all_enums(compared: &Compared) -> BTreeMap<String, schema::EnumType> {
    let mut enums = compared.live.enums.clone();
    enums.extend(compared.wanted.enums.clone());
    enums
}

fn header(name: &str, diff: &Diff) -> Vec<String> {
    let mut lines = vec![
        format!("{name}: drafted by `autogenerate` from the difference between the entities"),
        "and the database. Review it before you apply it.".to_string(),
        String::new(),
    ];
    lines.extend(diff.describe().into_iter().map(|d| format!("- {d}")));
    lines
}

/// `baseline NAME`: writes a migration that creates the database's current schema, and records
/// the database as at it, so a database that has tables but no migrations comes under
/// management without running anything.
pub async fn baseline(
    migrator: &Migrator,
    filter: &Filter,
    draft: &Draft<'_>,
    console: &Console,
    format: Format,
) -> Result<(), CliError> {
    migrator.check_baseline().await?;
    let schema_error = |e: schema::SchemaError| CliError::Schema(e.to_string());
    let mut live = schema::discover(migrator.connection(), filter).await.map_err(schema_error)?;
    // What the model cannot say (views, triggers, extensions) is left out of the
    // baseline, and named, rather than written wrongly.
    let left_out = uncompared(migrator.connection(), filter).await.map_err(schema_error)?;
    set_aside(&mut live, &left_out);
    for item in &left_out {
        console.err(format!("not in the baseline (keep it with raw SQL if you need it): {}", item.describe()));
    }
    if live.tables.is_empty() {
        return Err(CliError::Schema(
            "the database has no tables, so there is nothing to take a baseline of; write \
             migrations with `generate` or `autogenerate` instead"
                .into(),
        ));
    }
    let diff = diff::diff(&Schema::default(), &live, &diff::DiffOptions::new(migrator.backend()));
    let header = vec![
        format!("{}: a baseline written by `baseline` from the live database: it creates", draft.name),
        "the schema the database had when seamigrate began to manage it; that database is".into(),
        "recorded as at this migration, so it never runs there. Review it before you commit it.".into(),
    ];
    let source = migration_file(&diff.changes, &[], &live.enums, &header, Runs::InTransaction);
    let written = if draft.preview {
        None
    } else {
        let made = generate::write(draft.name, draft.dir, chrono::Utc::now(), &source)?;
        migrator.record_baseline(&made.version).await?;
        Some(made)
    };
    let changes = diff.describe();
    if format == Format::Json {
        let source = draft.preview.then(|| source.clone());
        render::json(console, &DraftReport { changes, warnings: vec![], written, source });
        return Ok(());
    }
    if draft.preview {
        console.out(source.trim_end());
        return Ok(());
    }
    if let Some(made) = &written {
        console.out(format!(
            "Wrote {} ({} change(s)) and registered {} in {}; the database is recorded as at it. \
             Rebuild the migration binary, then `check` should be clean",
            made.file.display(),
            changes.len(),
            made.version,
            made.lib.display()
        ));
    }
    Ok(())
}
