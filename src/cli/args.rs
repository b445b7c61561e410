//! The command line, as clap parses it.

use crate::db::Backend;
use crate::diff::Rename;
use crate::schema::Filter;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "migration",
    version,
    about = "Apply, inspect and manage schema migrations (seamigrate).",
    after_help = "Exit codes: 0 success, 1 failure or refusal, 2 usage error."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes; `--help` lists them after the command's own.
#[derive(Debug, Args)]
#[command(next_help_heading = "Global options")]
pub struct Global {
    /// Database URL; falls back to DATABASE_URL (also read from .env), then to
    /// sqlite://seamigrate.sqlite?mode=rwc, a file in the current directory created on first use
    #[arg(short = 'u', long, env = "DATABASE_URL", hide_env_values = true, global = true)]
    pub database_url: Option<String>,

    /// PostgreSQL schema to migrate (commands that write create it if missing)
    #[arg(short = 's', long, env = "DATABASE_SCHEMA", hide_env_values = true, global = true)]
    pub database_schema: Option<String>,

    /// Environment: development, test, staging or production; production turns on the guard
    #[arg(long, env = "APP_ENV", hide_env_values = true, default_value = "development", global = true)]
    pub env: String,

    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Text, global = true)]
    pub format: Format,

    /// Confirm destructive commands without asking
    #[arg(short = 'y', long, global = true)]
    pub yes: bool,

    /// Print only errors
    #[arg(short = 'q', long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Also print which database the command connects to
    #[arg(short = 'v', long, global = true)]
    pub verbose: bool,

    /// Seconds to wait for another run's migration lock (1 to 604800, a week)
    #[arg(long, default_value_t = 60, value_name = "SECONDS", global = true,
          value_parser = clap::value_parser!(u64).range(1..=604_800))]
    pub lock_timeout: u64,

    /// Seconds a migration's statement may wait for a table lock before the migration gives way
    /// to the application and is tried again (0 waits as long as it takes; up to 86400)
    #[arg(long, default_value_t = crate::runner::DEFAULT_LOCK_TIMEOUT.as_secs(), value_name = "SECONDS",
          global = true, value_parser = clap::value_parser!(u64).range(0..=86_400))]
    pub ddl_lock_timeout: u64,

    /// How many more times a migration that gave way is tried, after a growing pause (0 to 100)
    #[arg(long, default_value_t = crate::runner::DEFAULT_RETRIES, value_name = "N", global = true,
          value_parser = clap::value_parser!(u32).range(0..=100))]
    pub ddl_retries: u32,

    /// Seconds a migration's statement may run (1 to 604800) [default: no limit]
    #[arg(long, value_name = "SECONDS", global = true, value_parser = clap::value_parser!(u64).range(1..=604_800))]
    pub statement_timeout: Option<u64>,

    /// Seconds to keep retrying while the database is not reachable yet (starting up, say),
    /// 1 to 3600 [default: no retry]
    #[arg(long, value_name = "SECONDS", global = true, value_parser = clap::value_parser!(u64).range(1..=3_600))]
    pub wait_for_db: Option<u64>,

    /// Run the command (up, down, status, check, lint) over every target in FILE: a database URL
    /// per line, optionally followed by a PostgreSQL schema; ${VAR} is read from the environment
    #[arg(long, value_name = "FILE", global = true, conflicts_with = "targets_query")]
    pub targets: Option<PathBuf>,

    /// Run the command over the targets SQL lists when run on the -u database: one column of
    /// PostgreSQL schema names (of that database) or database URLs
    #[arg(long, value_name = "SQL", global = true)]
    pub targets_query: Option<String>,

    /// With --targets: how many targets run at once, each on one connection (1 to 256)
    #[arg(long, value_name = "N", default_value_t = crate::fleet::DEFAULT_PARALLEL as u16, global = true,
          value_parser = clap::value_parser!(u16).range(1..=256))]
    pub parallel: u16,

    /// With --targets: go on with the other targets after one fails [default: stop starting new ones]
    #[arg(long, global = true)]
    pub continue_on_error: bool,

    /// With --targets: run the first N targets before any other, and stop if one of them fails
    #[arg(long, value_name = "N", global = true, value_parser = clap::value_parser!(u32).range(1..))]
    pub canary: Option<u32>,

    /// Seconds to wait for the database server to answer (1 to 3600)
    #[arg(long, default_value_t = 10, value_name = "SECONDS", global = true,
          value_parser = clap::value_parser!(u64).range(1..=3_600))]
    pub connect_timeout: u64,
}

/// Output format. `mermaid` and `dot` are diagrams, for `schema` and `autogenerate --preview`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
    Mermaid,
    Dot,
}

impl Format {
    /// Whether this is a diagram format (`mermaid`, `dot`).
    pub fn is_diagram(self) -> bool {
        matches!(self, Format::Mermaid | Format::Dot)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ResolveAsArg {
    Applied,
    Pending,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply pending migrations (all, -n N, or --to VERSION)
    Up {
        /// Apply only the next N pending migrations (1 or more)
        #[arg(short = 'n', long, conflicts_with = "to", value_parser = clap::value_parser!(u32).range(1..))]
        steps: Option<u32>,
        /// Apply pending migrations up to and including VERSION
        #[arg(long, value_name = "VERSION")]
        to: Option<String>,
        /// Apply pending migrations that sort before the newest applied one
        #[arg(long)]
        allow_out_of_order: bool,
        /// Go on although applied migrations were edited since they ran
        #[arg(long)]
        allow_modified: bool,
        /// In production, apply although `lint` finds errors that are not acknowledged
        #[arg(long)]
        allow_destructive: bool,
        /// In production, skip the backup `up` takes before the first migration
        #[arg(long)]
        no_backup: bool,
        /// Directory for that backup [default: $SEAMIGRATE_BACKUP_DIR, else backups/]
        #[arg(long, value_name = "DIR", conflicts_with = "no_backup")]
        backup_dir: Option<PathBuf>,
        /// Create the database first if it does not exist (PostgreSQL, MySQL/MariaDB, SQLite)
        #[arg(long, conflicts_with = "sql")]
        create_database: bool,
        #[command(flatten)]
        sql: SqlOnly,
    },
    /// Revert applied migrations (one by default, -n N, --to VERSION, or --to base)
    Down {
        /// Revert the newest N applied migrations (1 or more)
        #[arg(short = 'n', long, conflicts_with = "to", value_parser = clap::value_parser!(u32).range(1..))]
        steps: Option<u32>,
        /// Revert everything above VERSION (which stays applied); `base` reverts everything
        #[arg(long, value_name = "VERSION|base")]
        to: Option<String>,
        #[command(flatten)]
        sql: SqlOnly,
    },
    /// Show every migration's state and a summary
    Status,
    /// Run one of the application's tasks under the migration lock (resumable); without NAME,
    /// list them
    Task {
        /// The task to run
        name: Option<String>,
    },
    /// Print the schema from the entities or the live database: text, or --format json,
    /// mermaid (an ER diagram GitHub renders) or dot (Graphviz)
    Schema {
        /// Where to read it: the registered entities, or the live database [default: entities
        /// when the binary registers them, else database]
        #[arg(long, value_enum)]
        from: Option<SchemaSource>,
        #[command(flatten)]
        tables: TableFilter,
    },
    /// Create or drop the database the URL names
    Database {
        #[command(subcommand)]
        action: DatabaseAction,
    },
    /// Print the newest applied version
    Current,
    /// Show the event log: every up, down, stamp and failure
    History {
        /// Show only the newest N events (1 to 1000000000)
        #[arg(short = 'n', long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=1_000_000_000))]
        limit: Option<u64>,
    },
    /// Record the database as being at VERSION (or base) without running anything
    Stamp {
        #[arg(value_name = "VERSION|base")]
        version: String,
    },
    /// Record one migration as applied or pending without running it (after a repair)
    Resolve {
        version: String,
        /// What the database holds: `applied` (its changes are there) or `pending` (they are not)
        #[arg(long = "as", value_enum)]
        resolve_as: ResolveAsArg,
    },
    /// Drop every table, then apply every migration (never in production)
    Fresh,
    /// Revert every migration, then apply them all again (never in production)
    Refresh,
    /// Revert every migration (never in production)
    Reset,
    /// Add seamigrate to this Cargo project: create the migration crate (or convert a stock one)
    Init {
        /// The project's root [default: the current directory]
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
        /// Depend on seamigrate at this path instead of its published version
        #[arg(long, value_name = "PATH")]
        seamigrate_path: Option<PathBuf>,
    },
    /// Write a new, empty migration and register it in the migration crate's lib.rs
    Generate {
        /// Name in snake_case, e.g. add_last_login
        name: String,
        /// Directory of the migration crate's sources [default: migration/src, else src]
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// Draft a migration from the difference between the entities and the database (at head)
    Autogenerate {
        /// Name in snake_case, e.g. add_last_login
        name: String,
        /// Print the drafted file instead of writing it
        #[arg(long)]
        preview: bool,
        /// Declare a rename: `TABLE.COLUMN=NEW_COLUMN` or `TABLE=NEW_TABLE` (repeatable)
        #[arg(long = "rename", value_name = "OLD=NEW")]
        renames: Vec<Rename>,
        /// Directory of the migration crate's sources [default: migration/src, else src]
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
        #[command(flatten)]
        tables: TableFilter,
    },
    /// Write a migration that creates the live database's schema, and record the database as at
    /// it (to start managing a database that has tables but no migrations)
    Baseline {
        /// Name in snake_case, e.g. initial_schema
        name: String,
        /// Print the migration instead of writing it (and record nothing)
        #[arg(long)]
        preview: bool,
        /// Directory of the migration crate's sources [default: migration/src, else src]
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
        #[command(flatten)]
        tables: TableFilter,
    },
    /// Check migrations for dangerous statements (pending ones by default)
    Lint {
        /// Lint only this migration
        #[arg(conflicts_with = "all")]
        version: Option<String>,
        /// Lint every migration, applied or not
        #[arg(long)]
        all: bool,
    },
    /// Exit 0 when the database is at head and matches the entities; 1 with the differences
    Check {
        #[command(flatten)]
        tables: TableFilter,
        /// Fail too when the database holds what is not compared (views, CHECK constraints,
        /// partial or GIN indexes, ...), instead of only listing it
        #[arg(long)]
        strict: bool,
    },
    /// Dump the database to a timestamped file (with checksummed metadata) [default DIR: backups/]
    Backup {
        /// Directory for the dump [default: $SEAMIGRATE_BACKUP_DIR, else backups/]
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Days until `backups prune` may remove it (1 to 36500)
        #[arg(long, value_name = "DAYS", default_value_t = crate::backup::DEFAULT_RETENTION_DAYS,
              value_parser = clap::value_parser!(u32).range(1..=36_500))]
        keep_days: u32,
    },
    /// List the backups in a directory; `backups prune` removes the expired ones
    Backups {
        /// Directory of the backups [default: $SEAMIGRATE_BACKUP_DIR, else backups/]
        #[arg(long, visible_alias = "out", value_name = "DIR", global = true)]
        dir: Option<PathBuf>,
        #[command(subcommand)]
        action: Option<BackupsAction>,
    },
    /// Replace the database's content with a backup (verified; the current state is saved first)
    Restore {
        /// The dump to restore (its metadata FILE.json must be beside it)
        file: PathBuf,
        /// Directory for the safety backup of the current state [default: as for backup]
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum BackupsAction {
    /// Delete expired backups (dump and metadata) and print what was removed
    Prune {
        /// Remove those created more than DAYS days ago, 1 to 36500 [default: each backup's own
        /// expires_at]
        #[arg(long, value_name = "DAYS", value_parser = clap::value_parser!(u32).range(1..=36_500))]
        keep_days: Option<u32>,
    },
}

/// `--sql`: print the statements instead of running them.
#[derive(Debug, Clone, Args)]
pub struct SqlOnly {
    /// Print the SQL the chosen migrations would run, in order, and change nothing
    #[arg(long)]
    pub sql: bool,
    /// With --sql: render for this backend without connecting to any database
    #[arg(long, value_enum, requires = "sql", value_name = "BACKEND")]
    pub backend: Option<BackendArg>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BackendArg {
    Postgres,
    Mysql,
    Sqlite,
}

impl From<BackendArg> for Backend {
    fn from(arg: BackendArg) -> Self {
        match arg {
            BackendArg::Postgres => Backend::Postgres,
            BackendArg::Mysql => Backend::MySql,
            BackendArg::Sqlite => Backend::Sqlite,
        }
    }
}

/// Which tables `autogenerate` and `check` compare.
#[derive(Debug, Clone, Args)]
pub struct TableFilter {
    /// Compare only these tables (repeatable)
    #[arg(long = "include-table", value_name = "TABLE")]
    pub include: Vec<String>,
    /// Leave these tables out of the comparison (repeatable)
    #[arg(long = "exclude-table", value_name = "TABLE")]
    pub exclude: Vec<String>,
}

impl TableFilter {
    pub fn to_filter(&self) -> Filter {
        let filter = if self.include.is_empty() { Filter::all() } else { Filter::only(self.include.clone()) };
        filter.except(self.exclude.clone())
    }
}

#[derive(Debug, Clone, Copy, Subcommand)]
pub enum DatabaseAction {
    /// Create the database unless it exists
    Create,
    /// Drop the database if it exists (never in production; asks for its name unless --yes)
    Drop,
}

/// Where `schema` reads the schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SchemaSource {
    Entities,
    Database,
}
