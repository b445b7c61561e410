//! The batch loop: each batch and its checkpoint in one short transaction, paced as asked.

use super::checkpoint::{self, Advance};
use super::keyset::{self, KeyKind, Keyset};
use super::{Backfill, Job, Row, Summary, Tick, Update};
use crate::db::connect::db_words;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, Statement, TransactionTrait};
use std::time::{Duration, Instant};

/// How many more times a batch that waited too long for a lock is tried.
const GIVE_WAY_TRIES: u32 = 5;

/// What each batch does to its rows.
pub(super) enum Work<'f> {
    /// `UPDATE ... SET <assignments>` over the batch's key range.
    Set(&'f str),
    /// Each row read, and what the closure returns for it written back.
    Rows { columns: &'f [&'f str], each: &'f mut (dyn FnMut(&Row<'_>) -> Result<Update, DbErr> + Send) },
}

/// One batch's outcome.
struct Batch {
    walked: u64,
    changed: u64,
    /// The last key it covered; `None` for a last batch of the SQL form, which goes to the end.
    last: Option<Vec<String>>,
    finished: bool,
}

/// Where the walk is, and what it reports.
struct Walker<'a> {
    spec: &'a Backfill,
    conn: &'a DatabaseConnection,
    job: &'a Job,
    keys: Keyset,
    started: Instant,
    done: u64,
    estimate: Option<u64>,
}

pub(super) async fn walk(spec: &Backfill, conn: &DatabaseConnection, job: &Job, mut work: Work<'_>) -> Result<Summary, DbErr> {
    let backend = conn.get_database_backend();
    let name = spec.name();
    let failed = |what: &str, err: DbErr| {
        DbErr::Migration(format!("backfill `{name}` of table `{}` failed {what}: {}", spec.table, db_words(&err)))
    };
    conn.execute_unprepared(&checkpoint::create_table(backend)).await.map_err(|e| failed("creating its checkpoint table", e))?;
    let saved = checkpoint::read(conn, &job.version, job.direction, name).await.map_err(|e| failed("reading its checkpoint", e))?;
    let mut summary = Summary { resumed: saved.as_ref().is_some_and(|c| c.rows_done > 0), ..Summary::default() };
    if saved.as_ref().is_some_and(|c| c.finished) {
        summary.already_done = true;
        return Ok(summary);
    }
    let kinds = key_kinds(conn, spec).await.map_err(|e| failed("reading its key", e))?;
    let keys = Keyset { backend, table: spec.table.clone(), columns: spec.key.clone(), kinds };
    let (mut last, done, estimate) = match &saved {
        Some(c) => (c.last_key.as_deref().and_then(keyset::decode), c.rows_done, c.rows_estimate),
        None => {
            let estimate = estimate(conn, &keys, spec.filter.as_deref()).await.map_err(|e| failed("counting its rows", e))?;
            let start = checkpoint::start(backend, &job.version, job.direction, name, estimate);
            conn.execute_unprepared(&start).await.map_err(|e| failed("recording its start", e))?;
            (None, 0, estimate)
        }
    };
    let mut walker = Walker {
        spec,
        conn,
        job,
        keys,
        started: Instant::now(),
        done: u64::try_from(done).unwrap_or(0),
        estimate: estimate.and_then(|e| u64::try_from(e).ok()),
    };
    let mut size = spec.batch_size;
    loop {
        if let Some(limit) = spec.max_replica_lag {
            walker.wait_for_replicas(limit).await?;
        }
        let began = Instant::now();
        let after = match &last {
            Some(key) => format!("after key {}", keyset::encode(key)),
            None => "in its first batch".to_string(),
        };
        let batch = walker.batch_giving_way(last.as_deref(), size, &mut work).await.map_err(|e| match e {
            DbErr::Migration(words) => DbErr::Migration(format!("backfill `{name}`: {words}")),
            e => DbErr::Migration(format!(
                "backfill `{name}` of table `{}` failed {after}: {}; the rows before it are done and \
                 checkpointed, so fix the cause and run the command again to continue",
                spec.table,
                db_words(&e)
            )),
        })?;
        summary.walked += batch.walked;
        summary.changed += batch.changed;
        summary.batches += 1;
        walker.done += batch.walked;
        walker.report(batch.finished);
        if batch.finished {
            break;
        }
        last = batch.last;
        size = next_size(size, spec.batch_size, spec.max_batch_time, began.elapsed());
        if !spec.pause.is_zero() {
            tokio::time::sleep(spec.pause).await;
        }
    }
    if !job.managed {
        // No runner forgets it once the migration is done; the finished row served its purpose.
        let forget = checkpoint::remove(backend, &job.version, job.direction, name);
        conn.execute_unprepared(&forget).await.map_err(|e| failed("clearing its checkpoint", e))?;
    }
    Ok(summary)
}

impl Walker<'_> {
    /// One batch in its own transaction: the checkpoint row touched first (taking the write
    /// lock before reading), the rows after `last` changed, the checkpoint advanced, commit.
    /// [`Walker::batch`], tried again after a growing pause when a statement waited too long
    /// for a lock the application held (the run's lock wait limit): a batch gives way to the
    /// application, as a migration does.
    async fn batch_giving_way(&self, last: Option<&[String]>, size: u64, work: &mut Work<'_>) -> Result<Batch, DbErr> {
        let backend = crate::db::Backend::from_sea_orm(self.keys.backend);
        let mut tries = 0;
        loop {
            match self.batch(last, size, work).await {
                Err(e) if tries < GIVE_WAY_TRIES && crate::runner::busy::is_lock_timeout(&e, backend) => {
                    tries += 1;
                    tokio::time::sleep(crate::runner::limits::backoff(tries + 1)).await;
                }
                other => return other,
            }
        }
    }

    /// One batch in its own transaction, rolled back if any of it fails.
    async fn batch(&self, last: Option<&[String]>, size: u64, work: &mut Work<'_>) -> Result<Batch, DbErr> {
        let txn = self.conn.begin().await?;
        match self.batch_in(&txn, last, size, work).await {
            Ok(batch) => {
                txn.commit().await?;
                Ok(batch)
            }
            Err(e) => {
                let _ = txn.rollback().await;
                Err(e)
            }
        }
    }

    async fn batch_in(&self, txn: &sea_orm::DatabaseTransaction, last: Option<&[String]>, size: u64, work: &mut Work<'_>) -> Result<Batch, DbErr> {
        let backend = self.keys.backend;
        let (version, direction, name) = (&self.job.version, self.job.direction, self.spec.name());
        txn.execute_unprepared(&checkpoint::touch(backend, version, direction, name)).await?;
        let mut conditions = Vec::new();
        if let Some(last) = last {
            conditions.push(self.keys.compare(last, true).ok_or_else(|| corrupt(last))?);
        }
        if let Some(filter) = &self.spec.filter {
            conditions.push(format!("({filter})"));
        }
        let batch = match work {
            Work::Set(assignments) => self.set_batch(txn, &conditions, size, assignments).await?,
            Work::Rows { columns, each } => self.rows_batch(txn, &conditions, size, columns, &mut **each).await?,
        };
        let key = batch.last.as_deref().map(keyset::encode);
        let advance = Advance {
            last_key: key.as_deref(),
            walked: i64::try_from(batch.walked).unwrap_or(i64::MAX),
            changed: i64::try_from(batch.changed).unwrap_or(i64::MAX),
            finished: batch.finished,
        };
        txn.execute_unprepared(&checkpoint::advance(backend, version, direction, name, &advance)).await?;
        Ok(batch)
    }

    /// The SQL form: the batch's upper key found by an index walk of `size` rows, then one
    /// UPDATE over the range.
    async fn set_batch<C: ConnectionTrait>(&self, txn: &C, conditions: &[String], size: u64, assignments: &str) -> Result<Batch, DbErr> {
        let k = &self.keys;
        let upper_sql = format!(
            "SELECT {} FROM {}{} ORDER BY {} LIMIT 1 OFFSET {}",
            k.key_texts(),
            k.table(),
            where_clause(conditions),
            k.order_by(),
            size - 1
        );
        let upper = match query(txn, k.backend, &upper_sql).await?.first() {
            Some(row) => Some(k.key_of(row)?),
            None => None,
        };
        let mut range = conditions.to_vec();
        if let Some(upper) = &upper {
            range.push(k.compare(upper, false).ok_or_else(|| corrupt(upper))?);
        }
        let update = format!("UPDATE {} SET {assignments}{}", k.table(), where_clause(&range));
        let changed = txn.execute_unprepared(&update).await?.rows_affected();
        Ok(Batch {
            walked: if upper.is_some() { size } else { changed },
            changed,
            finished: upper.is_none(),
            last: upper,
        })
    }

    /// The code form: the batch's rows read (and locked where the backend can), each given to
    /// the closure, the changed ones written back in one round trip.
    async fn rows_batch<C: ConnectionTrait>(
        &self,
        txn: &C,
        conditions: &[String],
        size: u64,
        columns: &[&str],
        each: &mut (dyn FnMut(&Row<'_>) -> Result<Update, DbErr> + Send),
    ) -> Result<Batch, DbErr> {
        let k = &self.keys;
        let wanted: Vec<String> = columns.iter().map(|c| k.ident(c)).collect();
        let lock = if k.backend == DbBackend::Sqlite { "" } else { " FOR UPDATE" };
        let select = format!(
            "SELECT {}{}{} FROM {}{} ORDER BY {} LIMIT {size}{lock}",
            k.key_texts(),
            if wanted.is_empty() { "" } else { ", " },
            wanted.join(", "),
            k.table(),
            where_clause(conditions),
            k.order_by(),
        );
        let rows = query(txn, k.backend, &select).await?;
        let mut updates = Vec::new();
        let mut last = None;
        for result in rows.iter() {
            let key = k.key_of(result)?;
            let row = Row { result };
            let update = each(&row).map_err(|e| match e {
                DbErr::Migration(words) | DbErr::Custom(words) => {
                    DbErr::Migration(format!("the row with key {}: {words}", keyset::encode(&key)))
                }
                other => other,
            })?;
            if !update.is_empty() {
                let set: Vec<String> = update
                    .values
                    .iter()
                    .map(|(c, v)| format!("{} = {}", k.ident(c), keyset::literal(k.backend, v)))
                    .collect();
                let at = k.equals(&key).ok_or_else(|| corrupt(&key))?;
                updates.push(format!("UPDATE {} SET {} WHERE {at}", k.table(), set.join(", ")));
            }
            last = Some(key);
        }
        if !updates.is_empty() {
            txn.execute_unprepared(&updates.join(";\n")).await?;
        }
        let walked = rows.len() as u64;
        Ok(Batch { walked, changed: updates.len() as u64, last, finished: walked < size })
    }

    fn report(&self, finished: bool) {
        let Some(progress) = &self.job.progress else { return };
        let secs = self.started.elapsed().as_secs_f64();
        let tick = Tick {
            version: &self.job.version,
            direction: self.job.direction,
            name: self.spec.name(),
            done: self.done,
            estimate: self.estimate,
            rate: if secs > 0.0 { self.done as f64 / secs } else { 0.0 },
            finished,
        };
        progress.backfill(&tick);
    }

    /// Waits while a PostgreSQL replica lags more than `limit`; stops at the checkpoint when
    /// it keeps lagging.
    async fn wait_for_replicas(&self, limit: Duration) -> Result<(), DbErr> {
        if self.keys.backend != DbBackend::Postgres {
            return Ok(());
        }
        let patience = (limit * 10).max(Duration::from_secs(60));
        let since = Instant::now();
        loop {
            let lag = replica_lag(self.conn).await?;
            if lag <= limit {
                return Ok(());
            }
            if since.elapsed() >= patience {
                return Err(DbErr::Migration(format!(
                    "backfill `{}` stopped: a replica's replay lag ({:.1}s) stayed over the limit \
                     ({:.1}s) for {}s; {} rows are done and checkpointed; run the command again \
                     once the replicas catch up",
                    self.spec.name(),
                    lag.as_secs_f64(),
                    limit.as_secs_f64(),
                    patience.as_secs(),
                    self.done
                )));
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }
}

/// The next batch's size: halved after a batch slower than `max_time`, grown by half after one
/// faster than half of it, never above `most` nor below one row.
pub(super) fn next_size(size: u64, most: u64, max_time: Option<Duration>, took: Duration) -> u64 {
    let Some(max_time) = max_time else { return size };
    if took > max_time {
        (size / 2).max(1)
    } else if took * 2 < max_time {
        (size + size / 2).max(size + 1).min(most)
    } else {
        size
    }
}

/// How the key's values are written back into SQL: integers as numbers, anything else quoted.
/// Read from the first row (the values of an empty table are never written back).
async fn key_kinds(conn: &DatabaseConnection, spec: &Backfill) -> Result<Vec<KeyKind>, DbErr> {
    let backend = conn.get_database_backend();
    let columns: Vec<String> = spec.key.iter().map(|c| keyset::ident(backend, c)).collect();
    let sql = format!("SELECT {} FROM {} LIMIT 1", columns.join(", "), keyset::ident(backend, &spec.table));
    let rows = query(conn, backend, &sql).await?;
    let Some(row) = rows.first() else { return Ok(vec![KeyKind::Text; spec.key.len()]) };
    Ok((0..spec.key.len())
        .map(|i| {
            let integer = row.try_get_by_index::<i64>(i).is_ok()
                || row.try_get_by_index::<i32>(i).is_ok()
                || row.try_get_by_index::<i16>(i).is_ok()
                || row.try_get_by_index::<u64>(i).is_ok()
                || row.try_get_by_index::<u32>(i).is_ok();
            if integer { KeyKind::Integer } else { KeyKind::Text }
        })
        .collect())
}

/// About how many rows the walk covers: counted when a condition narrows it, else the
/// catalogue's estimate where the server keeps one (counting a large table takes long).
async fn estimate(conn: &DatabaseConnection, keys: &Keyset, filter: Option<&str>) -> Result<Option<i64>, DbErr> {
    let backend = keys.backend;
    let count = format!(
        "SELECT COUNT(*) FROM {}{}",
        keys.table(),
        filter.map(|f| format!(" WHERE ({f})")).unwrap_or_default()
    );
    let catalogue = match backend {
        _ if filter.is_some() => None,
        DbBackend::Postgres => Some(format!(
            "SELECT CAST(reltuples AS BIGINT) FROM pg_class WHERE oid = to_regclass({})",
            keyset::literal(backend, &keys.table().into())
        )),
        DbBackend::MySql => Some(format!(
            "SELECT CAST(TABLE_ROWS AS SIGNED) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() \
             AND TABLE_NAME = {}",
            keyset::literal(backend, &keys.table.clone().into())
        )),
        _ => None,
    };
    if let Some(sql) = catalogue {
        let found = query(conn, backend, &sql).await?.first().and_then(|r| r.try_get_by_index::<Option<i64>>(0).ok().flatten());
        // PostgreSQL says -1 for a table never analysed, and a fresh table's 0 may be stale.
        if let Some(rows) = found.filter(|r| *r > 0) {
            return Ok(Some(rows));
        }
    }
    Ok(query(conn, backend, &count).await?.first().and_then(|r| r.try_get_by_index::<i64>(0).ok()))
}

/// The largest replay lag of the replicas streaming from this PostgreSQL server.
async fn replica_lag(conn: &DatabaseConnection) -> Result<Duration, DbErr> {
    let sql = "SELECT CAST(COALESCE(MAX(EXTRACT(EPOCH FROM replay_lag)), 0) AS DOUBLE PRECISION) FROM pg_stat_replication";
    let rows = query(conn, DbBackend::Postgres, sql).await?;
    let secs = rows.first().and_then(|r| r.try_get_by_index::<f64>(0).ok()).unwrap_or(0.0);
    Ok(Duration::from_secs_f64(secs.max(0.0)))
}

async fn query<C: ConnectionTrait>(conn: &C, backend: DbBackend, sql: &str) -> Result<Vec<sea_orm::QueryResult>, DbErr> {
    conn.query_all_raw(Statement::from_string(backend, sql)).await
}

fn where_clause(conditions: &[String]) -> String {
    if conditions.is_empty() { String::new() } else { format!(" WHERE {}", conditions.join(" AND ")) }
}

/// A checkpointed key that cannot be written back as its kind: the checkpoint was edited by
/// hand, or the key's column changed type since the backfill started.
fn corrupt(key: &[String]) -> DbErr {
    DbErr::Migration(format!(
        "its checkpoint's key {} does not fit the key's columns (was the checkpoint edited, or a \
         key column's type changed?); see `seamigrate_backfills`",
        keyset::encode(key)
    ))
}

#[cfg(test)]
mod tests {
    use super::next_size;
    use std::time::Duration;

    #[test]
    fn batch_size_adapts_to_the_time_limit() {
        let limit = Some(Duration::from_millis(100));
        assert_eq!(next_size(1000, 1000, None, Duration::from_secs(5)), 1000);
        assert_eq!(next_size(1000, 1000, limit, Duration::from_millis(150)), 500);
        assert_eq!(next_size(500, 1000, limit, Duration::from_millis(20)), 750);
        assert_eq!(next_size(900, 1000, limit, Duration::from_millis(20)), 1000);
        assert_eq!(next_size(1, 1000, limit, Duration::from_millis(500)), 1);
        assert_eq!(next_size(1, 1000, limit, Duration::from_millis(1)), 2);
    }
}
