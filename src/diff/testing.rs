//! Random schemas, and random variations of them, that stay consistent (keys, indexes and
//! foreign keys name columns that exist) and realistic (key columns are NOT NULL; only a sole
//! integer key is auto-increment), spelled in the various ways the sources spell things.
//!
//! Seeded ([`Rng`]), so that a failing case repeats. Used by the model-level property test of
//! this module and, through the `test-support` feature, by the integration test that runs the
//! same pairs on real databases; not part of the API.

use crate::schema::{
    Check, Column, ColumnType, DefaultValue, EnumType, FkAction, ForeignKey, Index, IndexOptions, KeyOptions, Schema,
    Table,
};
use std::collections::BTreeSet;

const TABLES: [&str; 7] = ["t0", "t1", "t2", "t3", "t4", "t5", "t6"];
const COLUMNS: [&str; 8] = ["c0", "c1", "c2", "c3", "c4", "c5", "c6", "c7"];
const ENUMS: [&str; 2] = ["e0", "e1"];
const VALUES: [&str; 4] = ["a", "b", "c", "d"];
const ACTIONS: [FkAction; 5] = [FkAction::NoAction, FkAction::Restrict, FkAction::Cascade, FkAction::SetNull, FkAction::SetDefault];

/// A consistent random schema with 1 to 5 tables.
pub fn random_schema(rng: &mut Rng) -> Schema {
    let mut schema = Schema::default();
    for name in ENUMS {
        if rng.chance(50) {
            schema.enums.insert(name.to_string(), random_enum(rng, name));
        }
    }
    let count = 1 + rng.below(5);
    let names: Vec<String> = TABLES[..count].iter().map(|s| s.to_string()).collect();
    for name in &names {
        let table = random_table(rng, name, &names, &schema);
        schema.tables.insert(name.clone(), table);
    }
    repair(&mut schema);
    schema
}

fn random_enum(rng: &mut Rng, name: &str) -> EnumType {
    let mut values: Vec<String> = VALUES.iter().filter(|_| rng.chance(60)).map(|v| v.to_string()).collect();
    if values.is_empty() {
        values.push("a".into());
    }
    if rng.chance(20) {
        values.reverse();
    }
    EnumType { name: name.into(), values }
}

fn random_type(rng: &mut Rng, schema: &Schema) -> ColumnType {
    use ColumnType as T;
    let enums: Vec<&String> = schema.enums.keys().collect();
    if !enums.is_empty() && rng.chance(10) {
        return T::Enum(rng.pick(&enums).to_string());
    }
    let len = |rng: &mut Rng| *rng.pick(&[None, Some(50), Some(100), Some(255)]);
    match rng.below(16) {
        0 => T::Integer,
        1 => T::BigInt,
        2 => T::SmallInt,
        3 => T::Unsigned,
        4 => T::String { len: len(rng) },
        5 => T::Text,
        6 => T::Boolean,
        7 => T::Timestamp,
        8 => T::TimestampTz,
        9 => T::DateTime,
        10 => T::Decimal { precision: Some(10), scale: *rng.pick(&[None, Some(2)]) },
        11 => T::Uuid,
        12 => T::Json,
        13 => T::JsonBinary,
        14 => T::Other(rng.pick(&["inet", "tinyint(1)", "character varying(20)", "int8"]).to_string()),
        _ => T::Char { len: len(rng) },
    }
}

fn random_column(rng: &mut Rng, name: &str, schema: &Schema) -> Column {
    let ty = random_type(rng, schema);
    let default = random_default(rng, &ty);
    Column { name: name.into(), ty, nullable: rng.chance(50), default, auto_increment: false, generated: None }
}

fn random_table(rng: &mut Rng, name: &str, tables: &[String], schema: &Schema) -> Table {
    let id_type = rng.pick(&[ColumnType::Integer, ColumnType::BigInt, ColumnType::Other("serial".into())]).clone();
    let mut id = Column { name: "id".into(), ty: id_type, nullable: false, default: None, auto_increment: rng.chance(70), generated: None };
    if rng.chance(15) {
        id.default = Some(DefaultValue::Expr(format!("nextval('{name}_id_seq'::regclass)")));
    }
    let mut columns = vec![id];
    for c in COLUMNS {
        if rng.chance(45) {
            columns.push(random_column(rng, c, schema));
        }
    }
    let mut table = Table { name: name.into(), columns, primary_key: vec!["id".into()], indexes: vec![], foreign_keys: vec![], checks: vec![] };
    for _ in 0..rng.below(4) {
        add_random_index(rng, &mut table);
    }
    for _ in 0..rng.below(3) {
        add_random_fk(rng, &mut table, tables);
    }
    if rng.side_chance(15) {
        add_random_check(rng, &mut table);
    }
    if rng.chance(15) {
        table.primary_key = random_key(rng, &table);
    }
    table
}

fn other_columns(table: &Table) -> Vec<String> {
    table.columns.iter().filter(|c| c.name != "id").map(|c| c.name.clone()).collect()
}

fn random_key(rng: &mut Rng, table: &Table) -> Vec<String> {
    let others = other_columns(table);
    match rng.below(3) {
        0 => Vec::new(),
        1 if !others.is_empty() => vec!["id".into(), rng.pick(&others).clone()],
        _ => vec!["id".into()],
    }
}

fn fresh_name(rng: &mut Rng, prefix: &str, table: &str) -> String {
    format!("{prefix}_{table}_{}", rng.next_u64() % 1_000_000)
}

fn add_random_index(rng: &mut Rng, table: &mut Table) {
    let others = other_columns(table);
    if others.is_empty() {
        return;
    }
    let mut columns = vec![rng.pick(&others).clone()];
    if rng.chance(30) {
        let second = rng.pick(&others).clone();
        if second != columns[0] {
            columns.push(second);
        }
    }
    if rng.chance(10) {
        columns = table.primary_key.clone();
    }
    let unique = rng.chance(40);
    let name = fresh_name(rng, "ix", &table.name);
    let mut options = IndexOptions::default();
    if rng.chance(20) {
        options.keys = columns.iter().map(|_| KeyOptions { descending: rng.chance(50), ..KeyOptions::default() }).collect();
    }
    if rng.chance(10) {
        // In the canonical form discovery reads (MySQL has no partial indexes: normalised away).
        options.predicate = Some(format!("{} IS NOT NULL", columns[0]));
    }
    table.indexes.push(Index { name: Some(name), columns, unique, options });
}

/// A CHECK on `id`, which every table has and every row meets (ids start at 1).
fn add_random_check(rng: &mut Rng, table: &mut Table) {
    let n = Rng::step(&mut rng.1);
    let name = format!("ck_{}_{}", table.name, n % 1_000_000);
    table.checks.push(Check { name: Some(name), expression: format!("id >= {}", (n >> 32) % 2) });
}

fn add_random_fk(rng: &mut Rng, table: &mut Table, tables: &[String]) {
    let others = other_columns(table);
    if others.is_empty() || tables.is_empty() {
        return;
    }
    let column = rng.pick(&others).clone();
    let fk = ForeignKey {
        name: Some(fresh_name(rng, "fk", &table.name)),
        columns: vec![column.clone()],
        ref_table: rng.pick(tables).clone(),
        ref_columns: vec!["id".into()],
        on_delete: *rng.pick(&ACTIONS),
        on_update: *rng.pick(&ACTIONS),
    };
    table.foreign_keys.push(fk);
    if rng.chance(30) {
        // MySQL's index on a foreign key's columns, as discovery reports it.
        let name = fresh_name(rng, "ix", &table.name);
        table.indexes.push(Index { name: Some(name), columns: vec![column], ..Index::default() });
    }
}

/// `schema` changed in 0 to 5 random ways, then made consistent again.
pub fn mutate(rng: &mut Rng, schema: &Schema) -> Schema {
    let mut out = schema.clone();
    for _ in 0..rng.below(6) {
        mutate_once(rng, &mut out);
    }
    repair(&mut out);
    out
}

fn mutate_once(rng: &mut Rng, schema: &mut Schema) {
    let names: Vec<String> = schema.tables.keys().cloned().collect();
    let Some(target) = (!names.is_empty()).then(|| rng.pick(&names).clone()) else { return };
    match rng.below(12) {
        0 => {
            let free: Vec<&str> = TABLES.iter().copied().filter(|t| !schema.tables.contains_key(*t)).collect();
            if let Some(name) = (!free.is_empty()).then(|| *rng.pick(&free)) {
                let mut all = names.clone();
                all.push(name.into());
                let table = random_table(rng, name, &all, schema);
                schema.tables.insert(name.into(), table);
            }
        }
        1 if names.len() > 1 => {
            schema.tables.remove(&target);
        }
        2 => mutate_enums(rng, schema),
        n => {
            let snapshot = schema.clone();
            if let Some(table) = schema.tables.get_mut(&target) {
                mutate_table(rng, table, n, &names, &snapshot);
            }
        }
    }
}

fn mutate_enums(rng: &mut Rng, schema: &mut Schema) {
    let name = *rng.pick(&ENUMS);
    match (schema.enums.contains_key(name), rng.below(2)) {
        (true, 0) => {
            schema.enums.remove(name);
        }
        _ => {
            schema.enums.insert(name.into(), random_enum(rng, name));
        }
    }
}

fn mutate_table(rng: &mut Rng, table: &mut Table, kind: usize, tables: &[String], schema: &Schema) {
    if rng.side_chance(15) {
        match table.checks.is_empty() {
            true => add_random_check(rng, table),
            false => table.checks.clear(),
        }
    }
    let others = other_columns(table);
    let pick_column = |rng: &mut Rng| (!others.is_empty()).then(|| rng.pick(&others).clone());
    match kind {
        3 => {
            let free: Vec<&str> = COLUMNS.iter().copied().filter(|c| table.column(c).is_none()).collect();
            if !free.is_empty() {
                let name = *rng.pick(&free);
                table.columns.push(random_column(rng, name, schema));
            }
        }
        4 => {
            if let Some(c) = pick_column(rng) {
                table.columns.retain(|col| col.name != c);
            }
        }
        5 => {
            let column = pick_column(rng);
            alter_column(rng, table, column, schema)
        }
        6 => add_random_index(rng, table),
        7 => drop_random(rng, &mut table.indexes),
        8 => add_random_fk(rng, table, tables),
        9 => drop_random(rng, &mut table.foreign_keys),
        10 => table.primary_key = random_key(rng, table),
        _ => tweak_keys(rng, table),
    }
}

fn alter_column(rng: &mut Rng, table: &mut Table, name: Option<String>, schema: &Schema) {
    let Some(column) = name.and_then(|n| table.columns.iter_mut().find(|c| c.name == n)) else { return };
    match rng.below(3) {
        0 => {
            column.ty = random_type(rng, schema);
            column.default = random_default(rng, &column.ty);
        }
        1 => column.nullable = !column.nullable,
        _ => column.default = random_default(rng, &column.ty),
    }
}

fn drop_random<T>(rng: &mut Rng, items: &mut Vec<T>) {
    if !items.is_empty() {
        let at = rng.below(items.len());
        items.remove(at);
    }
}

/// Renames an index (no difference), flips an index's uniqueness, changes a foreign key's
/// action, or flips `id`'s auto-increment.
fn tweak_keys(rng: &mut Rng, table: &mut Table) {
    let name = fresh_name(rng, "renamed", &table.name);
    match rng.below(4) {
        0 => table.indexes.iter_mut().take(1).for_each(|i| i.name = Some(name.clone())),
        1 => table.indexes.iter_mut().take(1).for_each(|i| i.unique = !i.unique),
        2 => table.foreign_keys.iter_mut().take(1).for_each(|f| f.on_delete = *rng.pick(&ACTIONS)),
        _ => table.columns.iter_mut().take(1).for_each(|c| c.auto_increment = !c.auto_increment),
    }
}

/// Makes `schema` consistent: see the module documentation.
fn repair(schema: &mut Schema) {
    let snapshot = schema.clone();
    for table in schema.tables.values_mut() {
        repair_table(table, &snapshot);
    }
}

fn repair_table(table: &mut Table, schema: &Schema) {
    let has = |t: &Table, cols: &[String]| cols.iter().all(|c| t.column(c).is_some());
    let key = table.primary_key.clone();
    table.primary_key.retain(|c| table.columns.iter().any(|col| &col.name == c));
    if table.primary_key != key {
        table.primary_key = vec!["id".into()];
    }
    let this = table.clone();
    // An index on the primary key of a table that has none would have no columns.
    table.indexes.retain(|i| !i.columns.is_empty() && has(&this, &i.columns));
    table.checks.retain(|_| this.column("id").is_some());
    table.foreign_keys.retain(|f| {
        let target = if f.ref_table == this.name { Some(&this) } else { schema.table(&f.ref_table) };
        has(&this, &f.columns) && target.is_some_and(|t| has(t, &f.ref_columns))
    });
    dedup_keys(table);
    let sole_key = (table.primary_key.len() == 1).then(|| table.primary_key[0].clone());
    for column in &mut table.columns {
        let in_key = table.primary_key.contains(&column.name);
        column.nullable &= !in_key;
        let integer = matches!(column.ty, ColumnType::Integer | ColumnType::BigInt) || column.ty == ColumnType::Other("serial".into());
        column.auto_increment &= sole_key.as_deref() == Some(column.name.as_str()) && integer;
        if matches!(&column.ty, ColumnType::Other(n) if n == "serial") && !column.auto_increment {
            column.ty = ColumnType::Integer;
        }
        if matches!(&column.default, Some(DefaultValue::Expr(e)) if e.starts_with("nextval")) && !column.auto_increment {
            column.default = None;
        }
        if let ColumnType::Enum(name) = &column.ty
            && !schema.enums.contains_key(name)
        {
            column.ty = ColumnType::Text;
        }
    }
}

/// One index per (columns, uniqueness) and one foreign key per (columns, target); unique names.
fn dedup_keys(table: &mut Table) {
    let mut seen = BTreeSet::new();
    table.indexes.retain(|i| seen.insert((i.columns.clone(), i.unique)));
    let mut seen = BTreeSet::new();
    table.foreign_keys.retain(|f| seen.insert((f.columns.clone(), f.ref_table.clone(), f.ref_columns.clone())));
    let mut names = BTreeSet::new();
    table.indexes.retain(|i| names.insert(i.name.clone()));
    table.foreign_keys.retain(|f| names.insert(f.name.clone()));
}

/// A small seeded generator (SplitMix64): the same seed, the same schemas.
/// SplitMix64, with a second stream for features added to the generator later, so that adding
/// one leaves the schemas of every earlier seed as they were.
pub struct Rng(u64, u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed, seed ^ 0x5EC0_4D57_4EA4_0001)
    }

    pub fn next_u64(&mut self) -> u64 {
        Self::step(&mut self.0)
    }

    fn step(state: &mut u64) -> u64 {
        *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = *state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// True with `percent` percent probability, drawn from the second stream.
    pub fn side_chance(&mut self, percent: u64) -> bool {
        Self::step(&mut self.1) % 100 < percent
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// True with `percent` percent probability.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// A default that suits `ty`, in one of the spellings the sources use.
fn random_default(rng: &mut Rng, ty: &ColumnType) -> Option<DefaultValue> {
    use ColumnType as T;
    if rng.chance(60) {
        return None;
    }
    Some(match ty {
        T::Integer | T::BigInt | T::SmallInt => match rng.below(3) {
            0 => DefaultValue::Int(rng.below(5) as i64),
            1 => DefaultValue::Expr(format!("({})", rng.below(5))),
            _ => DefaultValue::Str(rng.below(5).to_string()),
        },
        T::Boolean => match rng.below(2) {
            0 => DefaultValue::Bool(rng.chance(50)),
            _ => DefaultValue::Int(rng.below(2) as i64),
        },
        T::String { .. } | T::Text => match rng.below(2) {
            0 => DefaultValue::Str(rng.pick(&["x", "it's", ""]).to_string()),
            _ => DefaultValue::Expr("'TCP'::character varying".into()),
        },
        T::Decimal { .. } | T::Double => DefaultValue::Float(rng.pick(&["1.50", "2.0", "0.25"]).to_string()),
        T::TimestampTz | T::DateTime | T::Timestamp => DefaultValue::Expr(rng.pick(&["now()", "CURRENT_TIMESTAMP"]).to_string()),
        _ => DefaultValue::Null,
    })
}
