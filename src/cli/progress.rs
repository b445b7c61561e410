//! What the CLI says while a run works: on standard error, a line when a migration starts, an
//! elapsed-time spinner for one that runs more than two seconds on a terminal (elsewhere a line
//! after two seconds, then every ten), the lock it waits for and who holds it, each time a
//! migration gives way;
//! on standard output, a line when each migration ends. With `-q` or `--format json` only the
//! notices about the lock and a migration giving way remain (on standard error).

use super::console::Console;
use crate::capture::Direction;
use crate::lock::Holder;
use crate::runner::{Progress, StepReport};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// When a running migration gets its spinner, and how often the plain line repeats.
const SPINNER_AFTER: Duration = Duration::from_secs(2);
const PLAIN_EVERY: Duration = Duration::from_secs(10);
/// How often a backfill's progress gets a line where there is no terminal.
const BACKFILL_EVERY: Duration = Duration::from_secs(5);

pub struct CliProgress {
    console: Console,
    /// No line per migration (`-q`, `--format json`).
    quiet: bool,
    json: bool,
    running: Mutex<Option<Running>>,
    /// What finished, for a JSON report of a run that fails part way.
    done: Mutex<Vec<StepReport>>,
    /// When a backfill's progress last had a line of its own (no terminal).
    backfill_said: Mutex<Option<Instant>>,
}

/// The migration in progress and what shows it.
struct Running {
    ticker: tokio::task::JoinHandle<()>,
    spinner: Arc<Mutex<Option<ProgressBar>>>,
}

impl CliProgress {
    pub fn new(console: Console, quiet: bool, json: bool) -> Self {
        CliProgress { console, quiet: quiet || json, json, running: Mutex::new(None), done: Mutex::default(), backfill_said: Mutex::default() }
    }

    /// The migrations that finished so far.
    pub fn done(&self) -> Vec<StepReport> {
        self.done.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Writes a line to standard error, clear of the spinner.
    fn say(&self, line: String) {
        let running = self.running.lock().unwrap_or_else(|p| p.into_inner());
        let spinner = running.as_ref().and_then(|r| r.spinner.lock().unwrap_or_else(|p| p.into_inner()).clone());
        match spinner {
            Some(spinner) => spinner.suspend(|| self.console.err(&line)),
            None => self.console.err(&line),
        }
    }

    fn stop(&self) {
        if let Some(running) = self.running.lock().unwrap_or_else(|p| p.into_inner()).take() {
            running.ticker.abort();
            if let Some(spinner) = running.spinner.lock().unwrap_or_else(|p| p.into_inner()).take() {
                spinner.finish_and_clear();
            }
        }
    }
}

/// `backfill `users`: 45,000 of ~100,000 rows (45%), 12,000 rows/s, about 5s left`.
fn backfill_words(tick: &crate::backfill::Tick<'_>) -> String {
    use super::render::thousands;
    let mut words = format!("backfill `{}`: {} ", tick.name, thousands(tick.done));
    match tick.estimate.filter(|e| *e > 0) {
        Some(total) if !tick.finished => {
            let left = total.saturating_sub(tick.done);
            words.push_str(&format!("of ~{} rows ({:.0}%)", thousands(total), (tick.done as f64 * 100.0 / total as f64).min(100.0)));
            words.push_str(&format!(", {} rows/s", thousands(tick.rate as u64)));
            if tick.rate > 0.0 {
                words.push_str(&format!(", about {}s left", (left as f64 / tick.rate).ceil() as u64));
            }
        }
        _ if tick.finished => words.push_str(&format!("rows done ({} rows/s)", thousands(tick.rate as u64))),
        _ => words.push_str(&format!("rows, {} rows/s", thousands(tick.rate as u64))),
    }
    words
}

fn verb(direction: Direction) -> (&'static str, &'static str) {
    match direction {
        Direction::Up => ("applying", "applied "),
        Direction::Down => ("reverting", "reverted"),
    }
}

impl Progress for CliProgress {
    fn waiting_for_lock(&self, timeout: Duration, holder: Option<&Holder>) {
        let who = holder.map_or_else(|| "another run".to_string(), |h| h.to_string());
        self.say(format!("waiting for the migration lock held by {who} (giving up after {}s)...", timeout.as_secs()));
    }

    fn stale_lock(&self, holder: &Holder) {
        {
            self.say(format!(
                "note: the run that last held the migration lock, {holder}, never released it: it was \
                 killed or crashed, so what it was doing may be unfinished; see `status` and `history`"
            ));
        }
    }

    fn started(&self, version: &str, direction: Direction) {
        if self.quiet {
            return;
        }
        let (doing, _) = verb(direction);
        self.say(format!("{doing} {version}..."));
        let spinner: Arc<Mutex<Option<ProgressBar>>> = Arc::default();
        let (console, shown, line) = (self.console.clone(), Arc::clone(&spinner), format!("{doing} {version}"));
        let terminal = self.console.stderr_is_terminal();
        let ticker = tokio::spawn(async move {
            let started = Instant::now();
            if terminal {
                tokio::time::sleep(SPINNER_AFTER).await;
                let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
                let style = ProgressStyle::with_template("{spinner} {msg} ({elapsed})").unwrap_or_else(|_| ProgressStyle::default_spinner());
                bar.set_style(style);
                bar.set_message(line);
                bar.enable_steady_tick(Duration::from_millis(200));
                *shown.lock().unwrap_or_else(|p| p.into_inner()) = Some(bar);
                return;
            }
            tokio::time::sleep(SPINNER_AFTER).await;
            loop {
                console.err(format!("still {line} ({}s)", started.elapsed().as_secs()));
                tokio::time::sleep(PLAIN_EVERY).await;
            }
        });
        *self.running.lock().unwrap_or_else(|p| p.into_inner()) = Some(Running { ticker, spinner });
    }

    fn gave_way(&self, _version: &str, _direction: Direction, attempt: u32, of: u32, pause: Duration, why: &str) {
        {
            self.say(format!("{why}; trying again in {:.1}s (try {attempt} of {of})", pause.as_secs_f64()));
        }
    }

    fn backfill(&self, tick: &crate::backfill::Tick<'_>) {
        if self.quiet {
            return;
        }
        let doing = if tick.version.starts_with("task:") { "running" } else { verb(tick.direction).0 };
        let line = format!("{doing} {}: {}", tick.version, backfill_words(tick));
        if tick.finished {
            *self.backfill_said.lock().unwrap_or_else(|p| p.into_inner()) = None;
            return self.say(line);
        }
        let running = self.running.lock().unwrap_or_else(|p| p.into_inner());
        let spinner = running.as_ref().and_then(|r| r.spinner.lock().unwrap_or_else(|p| p.into_inner()).clone());
        drop(running);
        if let Some(spinner) = spinner {
            return spinner.set_message(line);
        }
        if self.console.stderr_is_terminal() {
            return;
        }
        let mut said = self.backfill_said.lock().unwrap_or_else(|p| p.into_inner());
        if said.is_none_or(|at| at.elapsed() >= BACKFILL_EVERY) {
            *said = Some(Instant::now());
            drop(said);
            self.say(line);
        }
    }

    fn backed_up(&self, made: &crate::backup::Backup) {
        let m = &made.metadata;
        let line = match m.reason {
            crate::backup::Reason::BeforeRestore => {
                format!("saved the current state to {} before restoring", made.dump.display())
            }
            _ => format!(
                "backed up database '{}' to {} before applying (schema version {})",
                m.database,
                made.dump.display(),
                m.schema_version.as_deref().unwrap_or("base")
            ),
        };
        // Standard output holds the JSON document, or the lines of what was done.
        if self.json || m.reason == crate::backup::Reason::BeforeRestore {
            self.say(line);
        } else if !self.quiet {
            self.console.out(line);
        }
    }

    fn finished(&self, version: &str, direction: Direction, ms: i64) {
        self.stop();
        self.done.lock().unwrap_or_else(|p| p.into_inner()).push(StepReport { version: version.to_string(), direction, ms });
        if !self.quiet {
            let (_, done) = verb(direction);
            self.console.out(format!("{done} {version} ({ms} ms)"));
        }
    }
}

impl Drop for CliProgress {
    fn drop(&mut self) {
        self.stop();
    }
}
