//! qfb's readers of the lake. They read only the partitions that committed
//! manifests list, and apply "latest load wins": per key, the row of the
//! highest load month (within a load keys are already unique). For a
//! document table (feedback forms) the unit is the document: the lines of
//! a form's latest load replace all of its earlier lines.

use polars::prelude::*;

use crate::error::Result;
use crate::lake::{frame, Lake, Manifest};
use crate::schema::TableSchema;

/// The hive partition column added to every row read.
pub const LOAD_MONTH: &str = "load_month";

impl Lake {
    /// Every committed row of `table` (an input table or `_rejects`), with
    /// `load_month`, from loads up to `through` (inclusive) when given.
    pub fn scan(&self, table: &str, empty: Schema, through: Option<&str>) -> Result<LazyFrame> {
        let manifests = self.manifests()?;
        scan_manifests(self, &manifests, table, empty, through)
    }

    /// The rows of `table` that the loads of `months` committed, with
    /// `load_month` (the loads of other months are not read).
    pub fn scan_loads(&self, table: &str, empty: Schema, months: &[String]) -> Result<LazyFrame> {
        let manifests: Vec<Manifest> =
            self.manifests()?.into_iter().filter(|m| months.contains(&m.load_month)).collect();
        scan_manifests(self, &manifests, table, empty, None)
    }

    /// The current state of an input table: every load, latest load wins.
    pub fn current(&self, schema: &TableSchema) -> Result<LazyFrame> {
        self.current_through(schema, None, None)
    }

    /// The state as of load month `through` (every load when None), with
    /// only `columns` (and `load_month`) when given. Keyed tables come back
    /// materialised: the current state is read once and used many times.
    pub fn current_through(
        &self,
        schema: &TableSchema,
        through: Option<&str>,
        columns: Option<&[&str]>,
    ) -> Result<LazyFrame> {
        let all = self.scan(&schema.table, frame::table_schema(schema), through)?;
        latest_wins(with_key_columns(all, schema, columns), schema)
    }
}

/// `rows` with only `columns` and what [`latest_wins`] needs (the key, the
/// document and `load_month`); every column when None.
pub fn with_key_columns(rows: LazyFrame, schema: &TableSchema, columns: Option<&[&str]>) -> LazyFrame {
    let Some(cols) = columns else { return rows };
    let mut keep: Vec<&str> = Vec::new();
    for c in schema.key.iter().map(String::as_str).chain(schema.document.as_deref()).chain(cols.iter().copied()) {
        if !keep.contains(&c) {
            keep.push(c);
        }
    }
    if !keep.contains(&LOAD_MONTH) {
        keep.push(LOAD_MONTH);
    }
    rows.select(keep.into_iter().map(col).collect::<Vec<_>>())
}

/// The current state of `all`, every loaded row of `schema`'s table with
/// `load_month`, in load order: per key the latest row, per document the
/// lines of its latest load.
pub fn latest_wins(all: LazyFrame, schema: &TableSchema) -> Result<LazyFrame> {
    Ok(match (&schema.document, schema.key.as_slice()) {
        // A document's lines come as a set: keep every line of the
        // document's latest load.
        (Some(doc), _) => {
            let latest = col(LOAD_MONTH).max().over([col(doc.as_str())])?;
            all.filter(col(LOAD_MONTH).eq(latest))
        }
        (None, [key]) => {
            let df = all.collect()?;
            let keep = latest_rows(df.column(key)?.str()?);
            df.filter(&keep)?.lazy()
        }
        (None, keys) => {
            all.unique(Some(by_name(keys.iter().map(|k| k.as_str()), true, false)), UniqueKeepStrategy::Last)
        }
    })
}

impl Lake {
    /// Every loaded version of a single-keyed table, with `columns`, and
    /// the load months between which each was the current one:
    /// `valid_from` (its load) and `valid_to` (the next load of its key;
    /// null while it is the latest). The state as of load month O is then
    /// the rows with `valid_from <= O` and `valid_to` null or `> O`: one
    /// read serves the state at every past load month.
    pub fn versions(&self, schema: &TableSchema, columns: &[&str]) -> Result<DataFrame> {
        let [key] = schema.key.as_slice() else {
            return Err(crate::error::Error::Lake {
                path: self.root.clone(),
                message: format!("`{}` is not keyed by one column", schema.table),
            });
        };
        let mut keep: Vec<&str> = vec![key.as_str()];
        keep.extend(columns.iter().filter(|c| *c != key));
        keep.push(LOAD_MONTH);
        let df = self
            .scan(&schema.table, frame::table_schema(schema), None)?
            .select(keep.into_iter().map(col).collect::<Vec<_>>())
            .collect()?;
        let next = next_versions(df.column(key)?.str()?, df.column(LOAD_MONTH)?.str()?);
        let mut df = df.lazy().rename([LOAD_MONTH], ["valid_from"], true).collect()?;
        df.with_column(next.into_column())?;
        Ok(df)
    }
}

/// For each row, the load month of its key's next version (None for the
/// latest). Rows come oldest load first, as `scan` concatenates them.
fn next_versions(keys: &StringChunked, loads: &StringChunked) -> StringChunked {
    let loads: Vec<Option<&str>> = loads.iter().collect();
    let mut next: Vec<Option<&str>> = vec![None; keys.len()];
    each_next_row(keys, |prev, row| next[prev] = loads[row]);
    StringChunked::from_iter_options("valid_to".into(), next.into_iter())
}

/// Which rows hold the latest version of their key. Loads are concatenated
/// oldest first and keys are unique within a load, so the last row of a key
/// is its latest load. Found from sorted key hashes (`keys::each_next`)
/// without copying a key: at 10M unit serials a hash table of rows was
/// three times faster than polars' `unique`, and sorting is faster still
/// once the keys outgrow the cache.
pub fn latest_rows(keys: &StringChunked) -> BooleanChunked {
    let mut keep = vec![true; keys.len()];
    each_next_row(keys, |prev, _| keep[prev] = false);
    BooleanChunked::from_slice("keep".into(), &keep)
}

/// `keys::each_next` over a string column's rows (null keys match none).
fn each_next_row(keys: &StringChunked, next: impl FnMut(usize, usize)) {
    use std::hash::BuildHasher;
    let hasher = foldhash::fast::FixedState::default();
    let values: Vec<Option<&str>> = keys.iter().collect();
    let hashes = values.iter().enumerate().filter_map(|(r, v)| v.map(|v| (hasher.hash_one(v), r as u32))).collect();
    crate::keys::each_next(hashes, |a, b| values[a] == values[b], next);
}

fn scan_manifests(
    lake: &Lake,
    manifests: &[Manifest],
    table: &str,
    empty: Schema,
    through: Option<&str>,
) -> Result<LazyFrame> {
    let mut frames = Vec::new();
    let current_schemas = crate::schema::Schemas::hash();
    for m in manifests {
        if through.is_some_and(|t| m.load_month.as_str() > t) {
            continue;
        }
        let Some(p) = m.partition(table) else { continue };
        let path = lake.root.join(&p.store);
        let mut lf = LazyFrame::scan_parquet(PlRefPath::try_from_path(&path)?, ScanArgsParquet::default())?;
        if table == crate::lake::REJECTS || m.schema_hash != current_schemas {
            // A load made under older schemas (before `units.sale_price`,
            // say) or before the rejects gained `station_id` and
            // `repair_id` lacks those columns: read as nulls, so that
            // `qfb report` works before `qfb run` re-ingests it.
            let have = lf.collect_schema()?;
            for (name, dtype) in empty.iter() {
                if have.get(name).is_none() {
                    lf = lf.with_column(lit(NULL).cast(dtype.clone()).alias(name.clone()));
                }
            }
            // In the current column order, so that old and new loads stack.
            lf = lf.select(empty.iter_names().map(|n| col(n.clone())).collect::<Vec<_>>());
        }
        frames.push(lf.with_column(lit(m.load_month.clone()).alias(LOAD_MONTH)));
    }
    if frames.is_empty() {
        let mut df = DataFrame::empty_with_schema(&empty);
        df.with_column(Column::new_empty(LOAD_MONTH.into(), &DataType::String))?;
        return Ok(df.lazy());
    }
    Ok(concat(frames, UnionArgs::default())?)
}

/// True when no value of the string column `key` of `rows` occurs twice,
/// proved from 64-bit hashes of the keys in one streaming pass: the keys
/// themselves are never held. Equal hashes answer false, which a caller
/// takes as "maybe" (a hash collision, or a key that was loaded twice).
/// At 10M keys this costs a fifth of polars' `n_unique` on the strings.
pub fn keys_distinct(rows: LazyFrame, key: &str) -> Result<bool> {
    use std::sync::{Arc, Mutex};
    let started = std::time::Instant::now();
    let hashes: Arc<Mutex<Vec<u64>>> = Arc::default();
    let sink = hashes.clone();
    let name = key.to_string();
    let callback = move |df: DataFrame| -> PolarsResult<bool> {
        let keys = df.column(&name)?.str()?;
        let mut local: Vec<u64> = keys.iter().flatten().map(|k| frame::key_hash(k.as_bytes())).collect();
        sink.lock().expect("not poisoned").append(&mut local);
        Ok(false)
    };
    let plan =
        rows.select([col(key)]).sink_batches(PlanCallback::Rust(SpecialEq::new(Arc::new(callback))), false, None)?;
    plan.collect_with_engine(Engine::Streaming)?;
    let hashes = std::mem::take(&mut *hashes.lock().expect("not poisoned"));
    let (n, distinct) = (hashes.len(), hashes_distinct(hashes));
    tracing::debug!("{n} keys of `{key}` hashed: distinct {distinct}, in {:?}", started.elapsed());
    Ok(distinct)
}

/// [`keys_distinct`] for the units' serials, from the hashes that each
/// load kept (`_unit_keys`) instead of the serials: at 10M units a tenth
/// of the bytes, and no hashing. None when a load with units kept none (a
/// lake from an older qfb): then the caller reads the serials.
pub fn kept_keys_distinct(lake: &Lake, manifests: &[Manifest]) -> Result<Option<bool>> {
    use crate::lake::UNIT_KEYS;
    if manifests.iter().any(|m| m.partition("units").is_some() && m.partition(UNIT_KEYS).is_none()) {
        return Ok(None);
    }
    let started = std::time::Instant::now();
    let df = scan_manifests(lake, manifests, UNIT_KEYS, frame::unit_keys_schema(), None)?
        .select([col(frame::UNIT_KEY_HASH)])
        .collect()?;
    let column = df.column(frame::UNIT_KEY_HASH)?.u64()?;
    let runs: Vec<&[u64]> = column.downcast_iter().map(|chunk| chunk.values().as_slice()).collect();
    let distinct = sorted_runs_distinct(&runs);
    tracing::debug!("{} kept serial hashes: distinct {distinct}, in {:?}", column.len(), started.elapsed());
    Ok(Some(distinct))
}

/// True when no two of `hashes` are equal. The stable sort finds sorted
/// runs and merges them.
fn hashes_distinct(mut hashes: Vec<u64>) -> bool {
    hashes.sort();
    hashes.windows(2).all(|w| w[0] != w[1])
}

/// [`hashes_distinct`] of the values of `runs`, each ascending (a load's
/// kept hashes, or a piece of them): the hash space is cut into sixteen
/// ranges, and each core merges the runs' pieces of its ranges, which fit
/// in its cache. A run that is not ascending (never written by qfb) sends
/// everything to one sort.
fn sorted_runs_distinct(runs: &[&[u64]]) -> bool {
    if !runs.iter().all(|r| r.is_sorted()) {
        return hashes_distinct(runs.concat());
    }
    const BITS: u32 = 4;
    let ranges: Vec<u64> = (0..1u64 << BITS).collect();
    let start = |r: u64| move |run: &[u64]| run.partition_point(|&h| h >> (64 - BITS) < r);
    let distinct = crate::cores::on_every_core(&ranges, |&r| {
        let mut piece = Vec::new();
        for run in runs {
            piece.extend_from_slice(&run[start(r)(run)..start(r + 1)(run)]);
        }
        hashes_distinct(piece)
    });
    distinct.into_iter().all(|d| d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_hash_runs_find_a_value_in_two_runs_in_any_range() {
        let top = |r: u64| r << 60;
        let a = [1, top(3), top(3) + 7, top(15), u64::MAX];
        let b = [2, top(3) + 8, top(4) - 1, top(9)];
        assert!(sorted_runs_distinct(&[&a, &b]));
        assert!(sorted_runs_distinct(&[]));
        // Repeated in the first range, at a range's first value, just
        // below a range edge, at the very top: each found.
        for v in [1, top(3), top(4) - 1, u64::MAX] {
            let c = [v];
            assert!(!sorted_runs_distinct(&[&a, &b, &c]), "{v:#x}");
        }
        // Within one run, too (two equal serials in one load never occur,
        // but the check does not rely on it).
        assert!(!sorted_runs_distinct(&[&[5, 5]]));
        // A run out of order is sorted whole, not cut by binary search.
        assert!(!sorted_runs_distinct(&[&[top(9), 1], &[top(9)]]));
        assert!(sorted_runs_distinct(&[&[top(9), 1], &[top(8)]]));
    }

    #[test]
    fn keys_distinct_finds_a_repeated_key() {
        let keys = |v: &[&str]| df!["serial" => v.to_vec()].unwrap().lazy();
        assert!(keys_distinct(keys(&["SN1", "SN2", "SN3"]), "serial").unwrap());
        assert!(!keys_distinct(keys(&["SN1", "SN2", "SN1"]), "serial").unwrap());
        assert!(keys_distinct(keys(&[]), "serial").unwrap());
    }

    #[test]
    fn each_version_is_valid_until_the_next_load_of_its_key() {
        let keys = StringChunked::from_slice("k".into(), &["a", "b", "a", "c", "a"]);
        let loads = StringChunked::from_slice("l".into(), &["2026-01", "2026-01", "2026-03", "2026-03", "2026-05"]);
        let next: Vec<Option<String>> = next_versions(&keys, &loads).iter().map(|x| x.map(String::from)).collect();
        let s = |x: &str| Some(x.to_string());
        assert_eq!(next, [s("2026-03"), None, s("2026-05"), None, None]);
    }

    #[test]
    fn the_last_row_of_each_key_wins_across_chunks() {
        let mut keys = StringChunked::from_slice("k".into(), &["a", "b", "c"]);
        keys.append(&StringChunked::from_slice("k".into(), &["b", "d", "a", "b"])).unwrap();
        let mask = latest_rows(&keys);
        let keep: Vec<bool> = (0..mask.len()).map(|i| mask.get(i).unwrap()).collect();
        assert_eq!(keep, [false, false, true, false, true, true, true]);
    }
}
