//! The autogenerate diff on real databases: random pairs of schemas (A, B) from the seeded
//! generator of the model-level property test (`seamigrate::diff::testing`), restricted to what
//! each backend can hold ([`restrict`]). Per pair, on one database per backend that is wiped
//! between cases:
//!
//! 1. A is created through `apply::apply` (the diff from the empty schema) and must read back
//!    as A;
//! 2. two rows go into each of A's tables where no change of the pair can legitimately refuse
//!    them ([`row_plan`]);
//! 3. the diff from the live database to B is applied change by change through `apply::apply`
//!    (in one transaction where the backend has transactional DDL) and the database must then
//!    read as B;
//! 4. the inverse changes must bring back A;
//! 5. after 3 and after 4, those rows are all there, with the same values in every column that
//!    both schemas have with the same type.
//!
//! `SEAMIGRATE_PROPERTY_PAIRS=N` runs N pairs per backend (default [`DEFAULT_PAIRS`]);
//! `SEAMIGRATE_PROPERTY_SEED=S` starts at seed S instead of [`DEFAULT_SEED`]. Case `i` uses seed
//! `S + i`, and a failure names it: `SEAMIGRATE_PROPERTY_SEED=<seed> SEAMIGRATE_PROPERTY_PAIRS=1`
//! repeats exactly that case.

use crate::on_each_backend;
use crate::support::TestDb;
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, Statement, TransactionTrait,
};
use sea_orm_migration::SchemaManager;
use seamigrate::Backend;
use seamigrate::diff::testing::{Rng, mutate, random_schema};
use seamigrate::diff::{Change, DiffOptions, diff, inverse_of};
use seamigrate::schema::normalise::types;
use seamigrate::schema::{EnumType, 
    Column, ColumnType, Filter, FkAction, Schema, Table, discover, normalise,
};
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

const DEFAULT_PAIRS: usize = 200;
const DEFAULT_SEED: u64 = 0x5EA_D1FF_0000;
/// Rows per table that takes rows: two, so that unique indexes and keys are exercised.
const ROWS: usize = 2;

/// The first seed and the number of pairs, from the environment.
fn settings() -> (u64, usize) {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    let seed = var("SEAMIGRATE_PROPERTY_SEED").map(|v| {
        let v = v.trim();
        let hex = v.strip_prefix("0x").map(|h| u64::from_str_radix(h, 16));
        hex.unwrap_or_else(|| v.parse())
            .expect("SEAMIGRATE_PROPERTY_SEED is a number")
    });
    let pairs = var("SEAMIGRATE_PROPERTY_PAIRS").map(|v| {
        v.trim()
            .parse()
            .expect("SEAMIGRATE_PROPERTY_PAIRS is a number")
    });
    (seed.unwrap_or(DEFAULT_SEED), pairs.unwrap_or(DEFAULT_PAIRS))
}

/// What the cases did, to check that they did something.
#[derive(Default)]
struct Tally {
    differing: usize,
    changes: usize,
    tables_with_rows: usize,
    /// Time spent wiping, applying changes and reading the schema back.
    wiping: Duration,
    applying: Duration,
    discovering: Duration,
}

async fn random_pairs_round_trip_on_the_database(db: TestDb) {
    let backend = db.kind.backend();
    let conn = single_connection(&db).await;
    let (first_seed, pairs) = settings();
    let started = Instant::now();
    let mut tally = Tally::default();
    for case in 0..pairs {
        let seed = first_seed + case as u64;
        let (a, b) = pair(seed, backend);
        if let Err(why) = run_case(&conn, backend, &a, &b, &mut tally).await {
            panic!(
                "{backend}: case {case} failed (repeat with SEAMIGRATE_PROPERTY_SEED={seed} \
                 SEAMIGRATE_PROPERTY_PAIRS=1)\n{why}\nA = {a:#?}\nB = {b:#?}"
            );
        }
    }
    eprintln!(
        "{backend}: {pairs} pairs in {:.1?} (wiping {:.1?}, applying {:.1?}, discovering {:.1?}): \
         {} differed, {} changes applied, {} tables held rows",
        started.elapsed(),
        tally.wiping,
        tally.applying,
        tally.discovering,
        tally.differing,
        tally.changes,
        tally.tables_with_rows
    );
    if pairs >= 20 {
        assert!(
            tally.differing > pairs / 2,
            "only {} of {pairs} pairs differ",
            tally.differing
        );
        assert!(
            tally.tables_with_rows > pairs / 2,
            "rows went into {} tables only",
            tally.tables_with_rows
        );
    }
}

on_each_backend!(random_pairs_round_trip_on_the_database);

/// One connection for the whole test, so that session settings (foreign key checks, SQLite's
/// PRAGMAs) apply to the statements that follow them.
async fn single_connection(db: &TestDb) -> DatabaseConnection {
    let mut options = ConnectOptions::new(db.url.clone());
    options
        .max_connections(1)
        .min_connections(1)
        .sqlx_logging(false);
    Database::connect(options)
        .await
        .expect("connect to the test database")
}

/// The pair of case `seed`: A and a variation B of it, both restricted to what `backend` holds;
/// in a quarter of the cases B has no names for its indexes and foreign keys, as entities
/// often have none.
fn pair(seed: u64, backend: Backend) -> (Schema, Schema) {
    let mut rng = Rng::new(seed);
    let a = restrict(random_schema(&mut rng), backend);
    let mut b = restrict(mutate(&mut rng, &a), backend);
    if rng.chance(25) {
        for table in b.tables.values_mut() {
            table.indexes.iter_mut().for_each(|i| i.name = None);
            table.foreign_keys.iter_mut().for_each(|f| f.name = None);
        }
    }
    (a, b)
}

// ---------------------------------------------------------------------------------------------
// What each backend can hold. The generator makes schemas for any backend; each restriction
// below removes only what the database itself cannot represent, and says why.
// ---------------------------------------------------------------------------------------------

/// `schema` without what `backend` cannot hold.
fn restrict(mut schema: Schema, backend: Backend) -> Schema {
    for table in schema.tables.values_mut() {
        for column in &mut table.columns {
            native_type(column, backend);
        }
        drop_unindexable(table, backend, &schema.enums);
        // MySQL refuses a CHECK on an AUTO_INCREMENT column (the generator's are on `id`).
        if backend == Backend::MySql {
            table.checks.clear();
        }
    }
    let snapshot = schema.clone();
    for table in schema.tables.values_mut() {
        table
            .foreign_keys
            .retain(|f| referenced_key_exists(&snapshot, &f.ref_table, &f.ref_columns, backend));
        comparable_foreign_key_types(table, &snapshot, backend);
        supported_actions(table, backend);
    }
    schema
}

/// Type names of another backend: PostgreSQL has no `tinyint(1)` (MySQL's spelling of a
/// boolean, which it becomes); MySQL/MariaDB has no `inet` (PostgreSQL's address type, which
/// becomes a VARCHAR). SQLite takes any type name.
fn native_type(column: &mut Column, backend: Backend) {
    let ColumnType::Other(name) = &column.ty else {
        return;
    };
    match (backend, name.as_str()) {
        (Backend::Postgres, "tinyint(1)") => column.ty = ColumnType::Boolean,
        (Backend::MySql, "inet") => column.ty = ColumnType::String { len: Some(50) },
        _ => {}
    }
}

/// Keys and indexes on types the backend cannot index: MySQL indexes TEXT, BLOB and JSON
/// columns only with a prefix length, which the model cannot say; PostgreSQL's `json` (unlike
/// `jsonb`) has no btree operator class. Such indexes go; such a primary key becomes `id`.
fn drop_unindexable(
    table: &mut Table,
    backend: Backend,
    enums: &BTreeMap<String, seamigrate::schema::EnumType>,
) {
    let unindexable = |name: &String| {
        let Some(column) = table.column(name) else {
            return false;
        };
        let ty = types::normalise(&column.ty, backend, enums);
        match backend {
            Backend::MySql => matches!(ty, ColumnType::Text | ColumnType::Json | ColumnType::Blob),
            Backend::Postgres => ty == ColumnType::Json,
            Backend::Sqlite => false,
        }
    };
    let indexes: Vec<_> = table
        .indexes
        .iter()
        .filter(|i| !i.columns.iter().any(unindexable))
        .cloned()
        .collect();
    let key_ok = !table.primary_key.iter().any(unindexable);
    table.indexes = indexes;
    if !key_ok {
        table.primary_key = vec!["id".into()];
    }
}

/// Whether a foreign key may reference `columns` of `table`: PostgreSQL requires a primary key
/// or unique constraint on exactly those columns, and SQLite the same (it reports a "foreign
/// key mismatch" on every write otherwise); InnoDB only requires an index that starts with
/// them.
fn referenced_key_exists(
    schema: &Schema,
    table: &str,
    columns: &[String],
    backend: Backend,
) -> bool {
    let Some(t) = schema.table(table) else {
        return false;
    };
    match backend {
        Backend::MySql => {
            let starts = |key: &[String]| key.starts_with(columns);
            starts(&t.primary_key) || t.indexes.iter().any(|i| starts(&i.columns))
        }
        Backend::Postgres | Backend::Sqlite => {
            // A partial unique index is no key a foreign key can reference.
            let key = |i: &&seamigrate::schema::Index| i.unique && i.columns == columns && i.options.predicate.is_none();
            t.primary_key == columns || t.indexes.iter().any(|i| key(&i))
        }
    }
}

/// A foreign key's columns must be comparable with the referenced ones: PostgreSQL needs
/// integers to reference an integer key, MySQL/MariaDB exactly the same integer type (size and
/// sign). Such a column takes the referenced type (and loses a default of another type); a
/// column that two foreign keys would want of different types keeps only the first key.
/// SQLite compares any types.
fn comparable_foreign_key_types(table: &mut Table, schema: &Schema, backend: Backend) {
    if backend == Backend::Sqlite {
        return;
    }
    let enums = &schema.enums;
    let mut forced: BTreeMap<String, ColumnType> = BTreeMap::new();
    let mut keep = Vec::new();
    for fk in std::mem::take(&mut table.foreign_keys) {
        let source = if fk.ref_table == table.name {
            Some(&*table)
        } else {
            schema.table(&fk.ref_table)
        };
        let Some(wanted) = source
            .and_then(|t| t.column(&fk.ref_columns[0]))
            .map(|c| types::normalise(&c.ty, backend, enums))
        else {
            continue;
        };
        let column = &fk.columns[0];
        if forced.get(column).is_some_and(|ty| *ty != wanted) {
            continue;
        }
        let Some(col) = table.columns.iter_mut().find(|c| &c.name == column) else {
            continue;
        };
        let have = types::normalise(&col.ty, backend, enums);
        let integer = |t: &ColumnType| {
            matches!(
                t,
                ColumnType::SmallInt | ColumnType::Integer | ColumnType::BigInt
            )
        };
        let fits = match backend {
            Backend::Postgres => integer(&have) && integer(&wanted),
            _ => have == wanted,
        };
        if !fits {
            col.ty = wanted.clone();
            col.default = None;
        }
        forced.insert(column.clone(), wanted);
        keep.push(fk);
    }
    table.foreign_keys = keep;
}

/// InnoDB accepts `SET DEFAULT` in the syntax but ignores it (the key is stored without an
/// action), and refuses `SET NULL` on a NOT NULL column: both become the default action there.
fn supported_actions(table: &mut Table, backend: Backend) {
    if backend != Backend::MySql {
        return;
    }
    let columns = table.columns.clone();
    for fk in &mut table.foreign_keys {
        let not_null = fk.columns.iter().any(|c| {
            columns.iter().any(|col| &col.name == c && !col.nullable)
                || table.primary_key.contains(c)
        });
        for action in [&mut fk.on_delete, &mut fk.on_update] {
            if *action == FkAction::SetDefault || (*action == FkAction::SetNull && not_null) {
                *action = FkAction::NoAction;
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// One case.
// ---------------------------------------------------------------------------------------------

async fn run_case(
    conn: &DatabaseConnection,
    backend: Backend,
    a: &Schema,
    b: &Schema,
    tally: &mut Tally,
) -> Result<(), String> {
    let options = DiffOptions::new(backend);
    let clock = Instant::now();
    wipe(conn, backend)
        .await
        .map_err(|e| format!("wiping the database: {e}"))?;
    tally.wiping += clock.elapsed();
    let create = diff(&Schema::default(), a, &options);
    apply_all(conn, backend, &create.changes, &a.enums, tally)
        .await
        .map_err(|e| format!("creating A: {e}"))?;
    let live = read_as(conn, a, &options, "A as created", tally).await?;

    let plan = row_plan(&normalise(a, backend), &normalise(b, backend), backend);
    insert_rows(conn, backend, &plan, &normalise(a, backend))
        .await
        .map_err(|e| format!("inserting rows into A: {e}"))?;
    let before = snapshot(conn, backend, &plan).await?;
    tally.tables_with_rows += plan.len();

    let forward = diff(&live, b, &options);
    let listed = describe(&forward.changes);
    tally.differing += usize::from(!forward.is_empty());
    tally.changes += forward.changes.len();
    apply_all(conn, backend, &forward.changes, &b.enums, tally)
        .await
        .map_err(|e| format!("applying A -> B: {e}\nchanges:\n{listed}"))?;
    read_as(conn, b, &options, "A + diff", tally)
        .await
        .map_err(|e| format!("{e}\nafter:\n{listed}"))?;
    let kept = kept_columns(&normalise(a, backend), &normalise(b, backend), &plan);
    check_rows(conn, backend, &kept, &before, "after A -> B")
        .await
        .map_err(|e| format!("{e}\nchanges:\n{listed}"))?;

    let inverse = inverse_of(&forward.changes);
    let back = describe(&inverse);
    tally.changes += inverse.len();
    let context = format!("inverse:\n{back}\nforward:\n{listed}");
    apply_all(conn, backend, &inverse, &a.enums, tally)
        .await
        .map_err(|e| format!("applying the inverse B -> A: {e}\n{context}"))?;
    read_as(conn, a, &options, "A + diff + inverse", tally)
        .await
        .map_err(|e| format!("{e}\n{context}"))?;
    check_rows(conn, backend, &kept, &before, "after B -> A")
        .await
        .map_err(|e| format!("{e}\n{context}"))
}

fn describe(changes: &[Change]) -> String {
    changes
        .iter()
        .enumerate()
        .map(|(i, c)| format!("  {i}: {}", c.describe()))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The live schema, which must not differ from `wanted`.
async fn read_as(
    conn: &DatabaseConnection,
    wanted: &Schema,
    options: &DiffOptions,
    what: &str,
    tally: &mut Tally,
) -> Result<Schema, String> {
    let clock = Instant::now();
    let live = discover(conn, &Filter::all())
        .await
        .map_err(|e| format!("discovering {what}: {e}"))?;
    tally.discovering += clock.elapsed();
    let rest = diff(&live, wanted, options);
    if !rest.is_empty() {
        return Err(format!(
            "{what} still differs from what it should be by:\n{}\nlive = {live:#?}",
            describe(&rest.changes)
        ));
    }
    Ok(live)
}

/// Applies `changes` in order through `apply::apply`, in one transaction where the backend's
/// DDL is transactional (MySQL/MariaDB commits each DDL statement).
async fn apply_all(
    conn: &DatabaseConnection,
    backend: Backend,
    changes: &[Change],
    enums: &BTreeMap<String, EnumType>,
    tally: &mut Tally,
) -> Result<(), String> {
    let clock = Instant::now();
    let done = apply_each(conn, backend, changes, enums).await;
    tally.applying += clock.elapsed();
    done
}

async fn apply_each(
    conn: &DatabaseConnection,
    backend: Backend,
    changes: &[Change],
    enums: &BTreeMap<String, EnumType>,
) -> Result<(), String> {
    let failed = |i: usize, c: &Change, e: sea_orm::DbErr| {
        format!("change {i} ({}) failed: {e}", c.describe())
    };
    if backend == Backend::MySql {
        let manager = SchemaManager::new(conn);
        for (i, change) in changes.iter().enumerate() {
            seamigrate::apply::apply(&manager, change, enums)
                .await
                .map_err(|e| failed(i, change, e))?;
        }
        return Ok(());
    }
    // On SQLite as the runner runs a migration that rebuilds a table others reference: foreign
    // keys off outside the transaction, checked before commit (so CASCADE and SET NULL
    // references keep their rows).
    let sqlite = backend == Backend::Sqlite;
    if sqlite {
        exec(conn, "PRAGMA foreign_keys = OFF").await?;
    }
    let txn = conn.begin().await.map_err(|e| format!("begin: {e}"))?;
    {
        let manager = SchemaManager::new(&txn);
        for (i, change) in changes.iter().enumerate() {
            seamigrate::apply::apply(&manager, change, enums)
                .await
                .map_err(|e| failed(i, change, e))?;
        }
        if sqlite {
            let violations = strings(&txn, "SELECT \"table\", parent FROM pragma_foreign_key_check", 2).await?;
            if let Some(first) = violations.first() {
                return Err(format!("foreign key check before commit: {first:?}"));
            }
        }
    }
    txn.commit().await.map_err(|e| format!("commit: {e}"))?;
    if sqlite {
        exec(conn, "PRAGMA foreign_keys = ON").await?;
    }
    Ok(())
}

async fn exec(conn: &impl ConnectionTrait, sql: &str) -> Result<(), String> {
    conn.execute_unprepared(sql)
        .await
        .map(|_| ())
        .map_err(|e| format!("{sql}: {e}"))
}

/// The rows `sql` returns, each as its first `width` values as text.
async fn strings(
    conn: &impl ConnectionTrait,
    sql: &str,
    width: usize,
) -> Result<Vec<Vec<Option<String>>>, String> {
    let stmt = Statement::from_string(conn.get_database_backend(), sql);
    let rows = conn
        .query_all_raw(stmt)
        .await
        .map_err(|e| format!("{sql}: {e}"))?;
    rows.iter()
        .map(|row| {
            (0..width)
                .map(|i| {
                    row.try_get_by_index::<Option<String>>(i)
                        .map_err(|e| format!("{sql}: {e}"))
                })
                .collect()
        })
        .collect()
}

/// Drops every table (and PostgreSQL type) so that the next case starts empty.
async fn wipe(conn: &DatabaseConnection, backend: Backend) -> Result<(), String> {
    match backend {
        Backend::Postgres => exec(conn, "DROP SCHEMA public CASCADE; CREATE SCHEMA public").await,
        Backend::MySql => {
            let tables = strings(
                conn,
                "SELECT table_name FROM information_schema.tables WHERE table_schema = database()",
                1,
            )
            .await?;
            exec(conn, "SET FOREIGN_KEY_CHECKS = 0").await?;
            for name in tables.into_iter().flatten().flatten() {
                exec(conn, &format!("DROP TABLE `{name}`")).await?;
            }
            exec(conn, "SET FOREIGN_KEY_CHECKS = 1").await
        }
        Backend::Sqlite => {
            let sql =
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'";
            let tables = strings(conn, sql, 1).await?;
            exec(conn, "PRAGMA foreign_keys = OFF").await?;
            for name in tables.into_iter().flatten().flatten() {
                exec(conn, &format!("DROP TABLE \"{name}\"")).await?;
            }
            exec(conn, "PRAGMA foreign_keys = ON").await
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Rows.
// ---------------------------------------------------------------------------------------------

/// The rows to insert: per table, per column of A, the type of its values, or `None` for NULL.
type RowPlan = BTreeMap<String, Vec<(String, Option<ColumnType>)>>;

/// Which of A's tables take rows, and what goes in each column, so that no change of the pair
/// (nor of its inverse) can legitimately refuse them; `na` and `nb` are A and B normalised.
///
/// Row `k` (1, 2) holds `k` in its own type in each column (so values are distinct: unique
/// indexes and keys hold), and references row `k` of the referenced table. A column holds NULL
/// instead where a value could not survive: its type changes, or it references a table that
/// takes no rows or is not in both schemas (the key would be added while that table is empty);
/// if it must not be NULL the table takes no rows. Neither does a table that gains (or, on the
/// way back, regains) a column the rows cannot fill: NOT NULL without a default, or in a key, a
/// unique index or a foreign key (filled with one default, rows clash or reference nothing).
fn row_plan(na: &Schema, nb: &Schema, backend: Backend) -> RowPlan {
    let mut takers: BTreeSet<String> = na.tables.keys().cloned().collect();
    loop {
        let plan: RowPlan = takers
            .iter()
            .filter_map(|t| table_plan(t, na, nb, &takers, backend).map(|p| (t.clone(), p)))
            .collect();
        if plan.len() == takers.len() {
            return plan;
        }
        takers = plan.into_keys().collect();
    }
}

fn table_plan(
    name: &str,
    na: &Schema,
    nb: &Schema,
    takers: &BTreeSet<String>,
    backend: Backend,
) -> Option<Vec<(String, Option<ColumnType>)>> {
    let ta = na.table(name)?;
    let tb = nb.table(name);
    if let Some(tb) = tb {
        let added_ok = tb
            .columns
            .iter()
            .filter(|c| ta.column(&c.name).is_none())
            .all(|c| fillable(c, tb));
        let dropped_ok = ta
            .columns
            .iter()
            .filter(|c| tb.column(&c.name).is_none())
            .all(|c| fillable(c, ta));
        if !added_ok || !dropped_ok {
            return None;
        }
    }
    ta.columns
        .iter()
        .map(|c| cell(c, ta, tb, na, nb, takers, backend))
        .collect()
}

/// Whether existing rows can take `column` when it is added to `table` (with its default).
fn fillable(column: &Column, table: &Table) -> bool {
    let name = &column.name;
    let constrained = table
        .indexes
        .iter()
        .any(|i| i.unique && i.columns.contains(name))
        || table.foreign_keys.iter().any(|f| f.columns.contains(name));
    let filled = column.nullable || column.default.is_some() || column.auto_increment;
    !table.primary_key.contains(name)
        && filled
        && (!constrained || (column.nullable && column.default.is_none()))
}

/// What column `c` of A's table `ta` holds: `Some(Some(type))` values, `Some(None)` NULL, `None`
/// if the table cannot take rows.
fn cell(
    c: &Column,
    ta: &Table,
    tb: Option<&Table>,
    na: &Schema,
    nb: &Schema,
    takers: &BTreeSet<String>,
    backend: Backend,
) -> Option<(String, Option<ColumnType>)> {
    let cb = tb.and_then(|t| t.column(&c.name));
    let may_be_null = c.nullable && cb.is_none_or(|b| b.nullable);
    let fks = ta
        .foreign_keys
        .iter()
        .chain(tb.iter().flat_map(|t| &t.foreign_keys));
    let mut refs = fks.filter(|f| f.columns.contains(&c.name)).peekable();
    let referencing = refs.peek().is_some();
    let refs_ok = refs.all(|f| takers.contains(&f.ref_table) && (tb.is_none() || nb.tables.contains_key(&f.ref_table)));
    // SQLite compares a reference with the key in the referencing column's own affinity where
    // the key is not the rowid: only an integer column can hold a value matching an integer id.
    let comparable = !referencing || backend != Backend::Sqlite || c.ty == ColumnType::Integer;
    let type_kept = cb.is_none_or(|b| b.ty == c.ty);
    let enum_ok = enum_values_fit(c, ta, tb, na, nb, backend);
    // A referencing column holds the integer id it references.
    let value_type = if referencing {
        ColumnType::Integer
    } else {
        c.ty.clone()
    };
    match (refs_ok && comparable && type_kept && enum_ok, may_be_null) {
        (true, _) => Some((c.name.clone(), Some(value_type))),
        (false, true) => Some((c.name.clone(), None)),
        (false, false) => None,
    }
}

/// The values of the enum `ty` is, in A (`None` if it is no enum).
fn enum_values<'a>(ty: &'a ColumnType, schema: &'a Schema) -> Option<&'a [String]> {
    match ty {
        ColumnType::Enum(name) => schema.enums.get(name).map(|e| e.values.as_slice()),
        ColumnType::InlineEnum(values) => Some(values),
        _ => None,
    }
}

/// An enum column's rows hold distinct values where a key or a unique index needs them, and
/// values that B's enum (PostgreSQL's named type, which may change under the column) has too.
fn enum_values_fit(
    c: &Column,
    ta: &Table,
    tb: Option<&Table>,
    na: &Schema,
    nb: &Schema,
    backend: Backend,
) -> bool {
    let Some(values) = enum_values(&c.ty, na) else {
        return true;
    };
    let unique_in = |t: &Table| {
        t.primary_key.contains(&c.name)
            || t.indexes
                .iter()
                .any(|i| i.unique && i.columns.contains(&c.name))
    };
    if values.len() < ROWS && (unique_in(ta) || tb.is_some_and(unique_in)) {
        return false;
    }
    if backend != Backend::Postgres || tb.and_then(|t| t.column(&c.name)).is_none() {
        return true;
    }
    let Some(after) = enum_values(&c.ty, nb) else {
        return false;
    };
    (1..=ROWS).all(|k| after.contains(&values[(k - 1) % values.len()]))
}

/// Row `k`'s value for a column of (normalised) type `ty`, as an SQL literal.
fn literal(ty: &ColumnType, k: usize, backend: Backend, na: &Schema) -> String {
    use ColumnType as T;
    if let Some(values) = enum_values(ty, na) {
        return format!("'{}'", values[(k - 1) % values.len()]);
    }
    let binary = || match backend {
        Backend::Postgres => format!("'\\x{k:02x}'"),
        _ => format!("X'{k:02x}'"),
    };
    match ty {
        T::Boolean => (if k == 1 { "TRUE" } else { "FALSE" }).into(),
        T::Date => format!("'2024-01-0{k}'"),
        T::Time => format!("'10:00:0{k}'"),
        T::DateTime | T::Timestamp | T::TimestampTz => format!("'2024-01-0{k} 10:00:00'"),
        T::Uuid => format!("'00000000-0000-0000-0000-00000000000{k}'"),
        T::Json | T::JsonBinary => format!("'{{\"k\": {k}}}'"),
        T::Binary { .. } | T::VarBinary { .. } | T::Blob => binary(),
        T::Other(name) if name == "inet" => format!("'10.0.0.{k}'"),
        T::String { .. } | T::Char { .. } | T::Text | T::Other(_) => format!("'{k}'"),
        _ => k.to_string(),
    }
}

fn quote(backend: Backend, name: &str) -> String {
    match backend {
        Backend::MySql => format!("`{name}`"),
        _ => format!("\"{name}\""),
    }
}

/// Inserts the planned rows, with foreign keys unchecked while they go in (tables may reference
/// each other both ways); every reference is to a row that is there by the end.
async fn insert_rows(
    conn: &DatabaseConnection,
    backend: Backend,
    plan: &RowPlan,
    na: &Schema,
) -> Result<(), String> {
    if plan.is_empty() {
        return Ok(());
    }
    if backend == Backend::MySql {
        exec(conn, "SET FOREIGN_KEY_CHECKS = 0").await?;
    }
    let txn = conn.begin().await.map_err(|e| format!("begin: {e}"))?;
    match backend {
        Backend::Postgres => exec(&txn, "SET LOCAL session_replication_role = replica").await?,
        Backend::Sqlite => exec(&txn, "PRAGMA defer_foreign_keys = ON").await?,
        Backend::MySql => {}
    }
    for (table, cells) in plan {
        let names: Vec<String> = cells.iter().map(|(c, _)| quote(backend, c)).collect();
        let rows: Vec<String> = (1..=ROWS)
            .map(|k| {
                let values: Vec<String> = cells
                    .iter()
                    .map(|(_, ty)| {
                        ty.as_ref()
                            .map_or("NULL".into(), |t| literal(t, k, backend, na))
                    })
                    .collect();
                format!("({})", values.join(", "))
            })
            .collect();
        let sql = format!(
            "INSERT INTO {} ({}) VALUES {}",
            quote(backend, table),
            names.join(", "),
            rows.join(", ")
        );
        exec(&txn, &sql).await?;
    }
    txn.commit().await.map_err(|e| format!("commit: {e}"))?;
    if backend == Backend::MySql {
        exec(conn, "SET FOREIGN_KEY_CHECKS = 1").await?;
    }
    Ok(())
}

/// Per table that takes rows, the columns whose values must survive: those A and B both have,
/// with the same type.
fn kept_columns(na: &Schema, nb: &Schema, plan: &RowPlan) -> BTreeMap<String, Vec<String>> {
    let mut kept = BTreeMap::new();
    for table in plan.keys() {
        let (Some(ta), Some(tb)) = (na.table(table), nb.table(table)) else {
            continue;
        };
        let same = ta
            .columns
            .iter()
            .filter(|c| tb.column(&c.name).is_some_and(|b| b.ty == c.ty));
        kept.insert(table.clone(), same.map(|c| c.name.clone()).collect());
    }
    kept
}

/// Every column of every table that takes rows.
type Snapshot = BTreeMap<String, Columns>;

async fn snapshot(
    conn: &DatabaseConnection,
    backend: Backend,
    plan: &RowPlan,
) -> Result<Snapshot, String> {
    let mut out = Snapshot::new();
    for (table, cells) in plan {
        let columns: Vec<String> = cells.iter().map(|(c, _)| c.clone()).collect();
        out.insert(
            table.clone(),
            read_columns(conn, backend, table, &columns).await?,
        );
    }
    Ok(out)
}

/// A table's row count, and the values of some of its columns as text, rows in `id` order.
struct Columns {
    rows: usize,
    values: BTreeMap<String, Vec<Option<String>>>,
}

async fn read_columns(
    conn: &DatabaseConnection,
    backend: Backend,
    table: &str,
    columns: &[String],
) -> Result<Columns, String> {
    let as_text = |c: &String| match backend {
        Backend::Postgres => format!("{}::text", quote(backend, c)),
        Backend::MySql => format!("HEX({})", quote(backend, c)),
        Backend::Sqlite => format!("CAST({} AS TEXT)", quote(backend, c)),
    };
    // A constant first, so that the list is never empty: the rows count even without columns.
    let list: Vec<String> = std::iter::once("'row'".to_string())
        .chain(columns.iter().map(as_text))
        .collect();
    let sql = format!(
        "SELECT {} FROM {} ORDER BY {}",
        list.join(", "),
        quote(backend, table),
        quote(backend, "id")
    );
    let rows = strings(conn, &sql, list.len()).await?;
    let mut out = Columns {
        rows: rows.len(),
        values: BTreeMap::new(),
    };
    for (i, c) in columns.iter().enumerate() {
        out.values
            .insert(c.clone(), rows.iter().map(|r| r[i + 1].clone()).collect());
    }
    Ok(out)
}

/// The tables that took rows and are in both schemas still hold them, with the values of their
/// kept columns unchanged.
async fn check_rows(
    conn: &DatabaseConnection,
    backend: Backend,
    kept: &BTreeMap<String, Vec<String>>,
    before: &Snapshot,
    when: &str,
) -> Result<(), String> {
    for (table, columns) in kept {
        let now = read_columns(conn, backend, table, columns).await?;
        if now.rows != ROWS {
            return Err(format!(
                "{when}: table {table} holds {} rows instead of {ROWS}",
                now.rows
            ));
        }
        for column in columns {
            let (was, is) = (&before[table].values[column], &now.values[column]);
            if was != is {
                return Err(format!(
                    "{when}: {table}.{column} held {was:?} and now holds {is:?}"
                ));
            }
        }
    }
    Ok(())
}
