//! Turning results into text for people or JSON for machines.

use super::args::Format;
use super::console::Console;
use crate::history::Event;
use crate::lint::{Finding, Severity};
use crate::runner::{MigrationState, Preview, Report, Status};
use serde::Serialize;

/// Prints each migration as it finishes, and the lock wait, in text mode.
pub fn json(console: &Console, value: &impl Serialize) {
    match serde_json::to_string_pretty(value) {
        Ok(text) => console.out(text),
        Err(e) => console.err(format!("error: could not render JSON: {e}")),
    }
}

pub fn report(console: &Console, format: Format, command: &str, report: &Report) {
    if format == Format::Json {
        return json(console, report);
    }
    let at = report.current.as_deref().unwrap_or("base (nothing applied)");
    let count = report.steps.len();
    let line = match (&report.message, command) {
        (Some(message), _) if count == 0 => format!("{}; the database is at {at}", capitalise(message)),
        _ => format!(
            "{} {count} migration{} in {} ms; the database is at {at}",
            match command {
                "down" | "reset" => "Reverted",
                "refresh" => "Ran",
                _ => "Applied",
            },
            if count == 1 { "" } else { "s" },
            report.total_ms
        ),
    };
    console.out(line);
}

/// `up --sql` / `down --sql`: a comment header per migration, then its statements, each ending
/// in `;`; a migration that cannot be rendered says why instead.
pub fn previews(console: &Console, format: Format, previews: &[Preview]) {
    if format == Format::Json {
        return json(console, &serde_json::json!({ "migrations": previews }));
    }
    if previews.is_empty() {
        console.out("-- nothing to run");
    }
    for (i, preview) in previews.iter().enumerate() {
        let blank = if i == 0 { "" } else { "\n" };
        console.out(format!("{blank}-- {} ({})", preview.version, preview.direction));
        match &preview.unrenderable {
            Some(why) => console.out(format!("-- not shown: {why}")),
            None if preview.statements.is_empty() => console.out("-- (no statements)"),
            None => {
                for statement in &preview.statements {
                    console.out(format!("{statement};"));
                }
            }
        }
    }
}

/// `lint`: each finding with its severity, migration, statement and fix, then a count.
pub fn findings(console: &Console, format: Format, findings: &[Finding]) {
    if format == Format::Json {
        return json(console, &serde_json::json!({ "findings": findings }));
    }
    for f in findings {
        let ack = if f.acknowledged { " (acknowledged)" } else { "" };
        let severity = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        console.out(format!("{severity}{ack} [{}] {}: {}", f.rule.id(), f.version, f.message));
        if let Some(statement) = &f.statement {
            console.out(format!("    statement: {statement}"));
        }
        console.out(format!("    fix: {}", f.hint));
    }
    let count = |s: Severity| findings.iter().filter(|f| f.severity == s && !f.acknowledged).count();
    let acknowledged = findings.iter().filter(|f| f.acknowledged).count();
    console.out(format!(
        "{} error(s), {} warning(s), {acknowledged} acknowledged",
        count(Severity::Error),
        count(Severity::Warning)
    ));
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

pub fn status(console: &Console, format: Format, status: &Status) {
    if format == Format::Json {
        return json(console, status);
    }
    let rows: Vec<[String; 4]> = status
        .migrations
        .iter()
        .map(|m| {
            [
                m.version.clone(),
                m.state.as_str().to_string(),
                m.applied_at.clone().unwrap_or_else(|| "-".into()),
                m.execution_ms.map_or_else(|| "-".into(), |ms| format!("{ms} ms")),
            ]
        })
        .collect();
    table(console, ["VERSION", "STATE", "APPLIED AT", "DURATION"], &rows);
    console.out(summary(status));
    for line in backfill_lines(status) {
        console.out(line);
    }
    if let Some(run) = &status.in_progress {
        console.out(format!("a run is in progress: {run}"));
    }
    if let Some(run) = &status.unfinished_run {
        console.out(format!(
            "the last run that held the migration lock never released it: {run}; it was killed or crashed, so what it was doing may be unfinished (see `history`)"
        ));
    }
}

/// The application's tasks, a line each.
pub fn tasks(console: &Console, format: Format, tasks: &crate::task::Tasks) {
    if format == Format::Json {
        let list: Vec<serde_json::Value> =
            tasks.iter().map(|t| serde_json::json!({ "name": t.name(), "about": t.about() })).collect();
        return json(console, &list);
    }
    if tasks.is_empty() {
        return console.out("this program offers no tasks");
    }
    let rows: Vec<[String; 2]> = tasks.iter().map(|t| [t.name().to_string(), t.about().to_string()]).collect();
    table(console, ["TASK", "WHAT IT DOES"], &rows);
}

/// What a task run did.
pub fn task(console: &Console, format: Format, report: &crate::task::TaskReport) {
    if format == Format::Json {
        return json(console, report);
    }
    console.out(format!("task {}: {} ({} ms)", report.task, report.report, report.ms));
}

/// A line per backfill of a migration in progress: how far it got.
fn backfill_lines(status: &Status) -> Vec<String> {
    status
        .backfills
        .iter()
        .map(|c| {
            let done = u64::try_from(c.rows_done).unwrap_or(0);
            let of = match c.rows_estimate.and_then(|e| u64::try_from(e).ok()) {
                Some(total) if c.finished => format!(" of ~{}, finished", thousands(total)),
                Some(total) if total > 0 => {
                    format!(" of ~{} ({:.0}%)", thousands(total), (done as f64 * 100.0 / total as f64).min(100.0))
                }
                _ if c.finished => ", finished".to_string(),
                _ => String::new(),
            };
            format!(
                "backfill `{}` of {} ({}): {} rows done{of}, last batch at {}",
                c.name,
                c.version,
                c.direction,
                thousands(done),
                c.updated_at
            )
        })
        .collect()
}

/// `1234567` as `1,234,567`.
pub(crate) fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The summary line under `status`.
pub fn summary(status: &Status) -> String {
    let mut counts: Vec<(String, usize)> = Vec::new();
    for m in &status.migrations {
        let state = m.state.as_str().to_string();
        match counts.iter_mut().find(|(s, _)| *s == state) {
            Some((_, n)) => *n += 1,
            None => counts.push((state, 1)),
        }
    }
    let counts = counts
        .iter()
        .map(|(s, n)| format!("{n} {s}"))
        .collect::<Vec<_>>()
        .join(", ");
    let verdict = if status.is_up_to_date {
        "up to date".to_string()
    } else {
        let mut reasons = Vec::new();
        if !status.pending.is_empty() {
            reasons.push(format!("{} to apply", status.pending.len()));
        }
        for state in [MigrationState::Dirty, MigrationState::Modified] {
            for version in status.versions_in(state) {
                reasons.push(format!("{version} is {}", state.as_str()));
            }
        }
        for m in status.migrations.iter().filter(|m| m.state == MigrationState::InProgress) {
            let direction = m.direction.unwrap_or(crate::capture::Direction::Up);
            reasons.push(format!("{} stopped part way through its {direction}(); `{direction}` resumes it", m.version));
        }
        format!("not up to date: {}", reasons.join(", "))
    };
    format!(
        "{}; current {}, head {}; {verdict}",
        if counts.is_empty() { "no migrations".to_string() } else { counts },
        status.current.as_deref().unwrap_or("base"),
        status.head.as_deref().unwrap_or("none"),
    )
}

pub fn current(console: &Console, format: Format, status: &Status) {
    if format == Format::Json {
        #[derive(Serialize)]
        struct Current<'a> {
            current: Option<&'a str>,
            head: Option<&'a str>,
            is_up_to_date: bool,
        }
        return json(
            console,
            &Current {
                current: status.current.as_deref(),
                head: status.head.as_deref(),
                is_up_to_date: status.is_up_to_date,
            },
        );
    }
    console.out(status.current.as_deref().unwrap_or("base"));
}

pub fn history(console: &Console, format: Format, events: &[Event]) {
    if format == Format::Json {
        return json(console, &serde_json::json!({ "events": events }));
    }
    if events.is_empty() {
        return console.out("No events recorded yet.");
    }
    let rows: Vec<[String; 7]> = events
        .iter()
        .map(|e| {
            [
                e.at.clone(),
                e.action.as_str().to_string(),
                e.version.clone().unwrap_or_else(|| "-".into()),
                e.outcome.as_str().to_string(),
                e.duration_ms.map_or_else(|| "-".into(), |ms| format!("{ms} ms")),
                e.actor.clone(),
                e.message.clone().unwrap_or_default(),
            ]
        })
        .collect();
    table(
        console,
        ["AT", "ACTION", "VERSION", "OUTCOME", "DURATION", "BY", "MESSAGE"],
        &rows,
    );
}

fn table<const N: usize>(console: &Console, header: [&str; N], rows: &[[String; N]]) {
    let mut widths = header.map(str::len);
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: [&str; N]| {
        let mut text = String::new();
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            if i + 1 == N {
                text.push_str(cell);
            } else {
                text.push_str(&format!("{cell:<w$}  "));
            }
        }
        text.trim_end().to_string()
    };
    console.out(line(header));
    for row in rows {
        console.out(line(row.each_ref().map(String::as_str)));
    }
}

/// The schema renderer's format for the output format asked for; `None` for JSON, which is
/// the model serialised.
pub fn diagram_format(format: Format) -> Option<crate::schema::diagram::Format> {
    use crate::schema::diagram::Format as D;
    match format {
        Format::Text => Some(D::Text),
        Format::Json => None,
        Format::Mermaid => Some(D::Mermaid),
        Format::Dot => Some(D::Dot),
    }
}
