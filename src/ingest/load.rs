//! `qfb ingest`: check every file of the run, then validate and commit each
//! changed drop to the lake. A drop whose files, configuration and schemas
//! are unchanged since its last load is skipped.

use std::path::PathBuf;

use chrono::{SecondsFormat, Utc};

use crate::config::Config;
use crate::cores::on_every_core;
use crate::error::{Error, Result};
use crate::ingest::{check_drop, discover, encode, file_len, fingerprint, owners, prepare_drop, PreparedDrop};
use crate::lake::{frame, is_derived, Lake, Manifest, ManifestFile, PartitionData, REJECTS, UNIT_DATES, UNIT_KEYS};
use crate::schema::Schemas;

#[derive(Debug, Clone)]
pub struct Options {
    pub input: PathBuf,
    pub lake: PathBuf,
    /// Only this load month.
    pub month: Option<String>,
    /// Load even drops that are unchanged since their last load.
    pub force: bool,
    /// Let a reload shrink or drop a table that the month's last load had.
    pub allow_shrink: bool,
}

#[derive(Debug, Default)]
pub struct Outcome {
    pub loaded: Vec<PreparedDrop>,
    /// Load months skipped because nothing changed.
    pub skipped: Vec<String>,
}

/// Progress callbacks: total bytes to read, then each file as it is done.
pub trait Progress: Sync {
    fn start(&self, total_bytes: u64);
    fn file(&self, month: &str, name: &str, bytes: u64);
}

impl Progress for () {
    fn start(&self, _: u64) {}
    fn file(&self, _: &str, _: &str, _: u64) {}
}

pub fn run(opts: &Options, schemas: &Schemas, config: &Config, progress: &dyn Progress) -> Result<Outcome> {
    let drops = discover::find_drops(&opts.input, opts.month.as_deref())?;
    let lake = Lake::new(&opts.lake);
    let _lock = lake.lock()?;
    lake.heal()?;
    lake.collect_garbage()?;
    let config_hash = config.hash();
    let schema_hash = Schemas::hash();

    // First pass: which drops changed, and can every file of those be read?
    let started = std::time::Instant::now();
    let mut planned = Vec::new();
    let mut outcome = Outcome::default();
    // Whether each drop is as last loaded, on every core: it hashes every
    // file of the drops that look unchanged (11 GB at 100M units).
    let is_unchanged = |drop: &discover::Drop| -> Result<bool> {
        Ok(match lake.manifest(&drop.month)? {
            Some(m) => m.config_hash == config_hash && m.schema_hash == schema_hash && same_files(drop, &m)?,
            None => false,
        })
    };
    let unchanged = on_every_core(&drops, is_unchanged);
    for (drop, unchanged) in drops.into_iter().zip(unchanged) {
        if unchanged? && !opts.force {
            outcome.skipped.push(drop.month.clone());
            continue;
        }
        planned.push(drop);
    }
    let mut problems = Vec::new();
    for found in on_every_core(&planned, |drop| check_drop(drop, schemas, config)) {
        problems.extend(found?);
    }
    problems.sort_by(|a, b| a.0.cmp(&b.0));
    if !problems.is_empty() {
        return Err(Error::UnreadableFiles {
            count: problems.len(),
            list: problems.iter().map(|(p, e)| format!("`{p}`: {e}")).collect(),
        });
    }

    tracing::debug!("checked {} drops in {:?}", planned.len(), started.elapsed());
    // Second pass: workers take drops from a queue, largest first, and
    // validate and encode them; this thread commits each as it is ready.
    // Loads are independent (latest load wins by load month, not by commit
    // order), so a large first drop does not hold the others back, and at
    // most one drop per worker is in memory.
    let size = |d: &discover::Drop| d.files.iter().map(|f| file_len(&f.path)).sum::<u64>();
    planned.sort_by_key(|d| std::cmp::Reverse(size(d)));
    progress.start(planned.iter().map(size).sum());
    let next = std::sync::atomic::AtomicUsize::new(0);
    let failed = std::sync::atomic::AtomicBool::new(false);
    let (tx, rx) = std::sync::mpsc::sync_channel::<Result<(PreparedDrop, Vec<PartitionData>)>>(0);
    let workers = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).clamp(1, planned.len().max(1));
    let planned = &planned;
    std::thread::scope(|scope| -> Result<()> {
        for _ in 0..workers {
            let (tx, next, failed) = (tx.clone(), &next, &failed);
            scope.spawn(move || loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= planned.len() || failed.load(std::sync::atomic::Ordering::Relaxed) {
                    return;
                }
                let drop = &planned[i];
                let result = prepare_drop(drop, schemas, config, |f, bytes| progress.file(&drop.month, &f.name, bytes))
                    .and_then(|mut prepared| {
                        let parts = encode(&mut prepared, schemas)?;
                        Ok((prepared, parts))
                    });
                if tx.send(result).is_err() {
                    return;
                }
            });
        }
        drop(tx);
        for result in rx {
            match result.and_then(|(prepared, parts)| {
                if !opts.allow_shrink {
                    check_shrink(&lake, &prepared.month, &parts)?;
                }
                commit(&lake, &prepared, parts, &config_hash, &schema_hash)?;
                Ok(prepared)
            }) {
                Ok(prepared) => outcome.loaded.push(prepared),
                Err(e) => {
                    // Stop handing out drops; the loads committed so far
                    // stay (each is whole), the rest are not touched.
                    failed.store(true, std::sync::atomic::Ordering::Relaxed);
                    return Err(e);
                }
            }
        }
        Ok(())
    })?;
    outcome.loaded.sort_by(|a, b| a.month.cmp(&b.month));
    resolve_owners(&lake, schemas, &mut outcome.loaded)?;
    Ok(outcome)
}

/// Records are never deleted, only corrected (contract section 1), so a
/// reload may not leave a table with fewer rows than the month's last load
/// had, nor without a table it had: an emptied drop folder or a missing file
/// would silently delete a month. `--allow-shrink` says it is meant.
pub fn check_shrink(lake: &Lake, month: &str, parts: &[PartitionData]) -> Result<()> {
    let Some(previous) = lake.manifest(month)? else { return Ok(()) };
    let mut shrunk = Vec::new();
    for before in previous.partitions.iter().filter(|p| !is_derived(&p.table) && p.rows > 0) {
        let after = parts.iter().find(|p| p.table == before.table).map(|p| p.rows).unwrap_or(0);
        if after < before.rows {
            shrunk.push((before.table.clone(), before.rows, after));
        }
    }
    if shrunk.is_empty() {
        Ok(())
    } else {
        Err(Error::Shrink { month: month.to_string(), tables: shrunk })
    }
}

/// True when the drop holds exactly the files of its last load. Names and
/// sizes are compared first, so a changed drop is not hashed twice. A file
/// whose size and modification time are those recorded when it was
/// loaded (settled then, see `FileResult::modified_ns`) is taken as
/// unchanged without hashing it, as make, rsync and git do; any other
/// drop is hashed. `--force` reloads regardless.
fn same_files(drop: &discover::Drop, m: &Manifest) -> Result<bool> {
    let mut sized: Vec<(String, u64)> = drop.files.iter().map(|f| (f.name.clone(), file_len(&f.path))).collect();
    let mut recorded: Vec<(String, u64)> = m.files.iter().map(|f| (f.name.clone(), f.bytes)).collect();
    sized.sort();
    recorded.sort();
    if sized != recorded {
        return Ok(false);
    }
    let stamped = |f: &discover::DropFile| {
        let recorded = m.files.iter().find(|r| r.name == f.name).and_then(|r| r.modified_ns);
        recorded.is_some() && recorded == crate::ingest::modified_ns(&f.path)
    };
    if drop.files.iter().all(stamped) {
        return Ok(true);
    }
    Ok(fingerprint(drop)? == m.fingerprint())
}

/// The Parquet partitions of one prepared drop: one per table, the units
/// by dates (`UNIT_DATES`) and their serials' hashes (`UNIT_KEYS`) when it
/// has units, and rejects.
/// The validated columns are released as each table is encoded: only the
/// counts and rejects are needed after this.
pub fn encode(prepared: &mut PreparedDrop, schemas: &Schemas) -> Result<Vec<PartitionData>> {
    let mut parts = Vec::new();
    for t in &mut prepared.tables {
        let schema = schemas.get(&t.table).expect("validated tables come from the schemas");
        let rows = t.rows() as u64;
        let mut df = encode::table_frame(schema, t)?;
        if t.table == "units" {
            let mut dates = frame::unit_dates(&df)?;
            let rows = dates.height() as u64;
            parts.push(PartitionData {
                table: UNIT_DATES.to_string(),
                rows,
                parquet: frame::parquet_bytes(&mut dates)?,
            });
            let mut keys = frame::unit_keys(&df)?;
            parts.push(PartitionData {
                table: UNIT_KEYS.to_string(),
                rows: keys.height() as u64,
                parquet: frame::parquet_bytes_plain(&mut keys)?,
            });
        }
        parts.push(PartitionData { table: t.table.clone(), rows, parquet: frame::parquet_bytes(&mut df)? });
    }
    // The rejects as sent: a visit's station is its repair's, found when
    // read (`owners`), since the repair may come in another drop.
    let rejects: Vec<_> = prepared.rejects().cloned().collect();
    let mut df = encode::rejects_frame(&rejects)?;
    parts.push(PartitionData {
        table: REJECTS.to_string(),
        rows: rejects.len() as u64,
        parquet: frame::parquet_bytes(&mut df)?,
    });
    Ok(parts)
}

/// Give the loaded drops' rejects that name a repair its station, from
/// the lake once every drop of the run is in (`owners::lake_stations`).
fn resolve_owners(lake: &Lake, schemas: &Schemas, loaded: &mut [PreparedDrop]) -> Result<()> {
    let all: Vec<_> = loaded.iter().flat_map(|d| d.rejects()).collect();
    let wanted = owners::wanted(&all);
    if wanted.is_empty() {
        return Ok(());
    }
    let stations = owners::lake_stations(lake, schemas, &wanted)?;
    for d in loaded {
        owners::resolve(d, &stations);
    }
    Ok(())
}

/// Write one prepared drop: its partitions, then its manifest.
pub fn commit(
    lake: &Lake,
    prepared: &PreparedDrop,
    parts: Vec<PartitionData>,
    config_hash: &str,
    schema_hash: &str,
) -> Result<Manifest> {
    let manifest = Manifest {
        load_month: prepared.month.clone(),
        loaded_at: Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true),
        qfb_version: env!("CARGO_PKG_VERSION").to_string(),
        config_hash: config_hash.to_string(),
        schema_hash: schema_hash.to_string(),
        files: prepared
            .files
            .iter()
            .map(|f| ManifestFile {
                name: f.name.clone(),
                table: f.table.clone(),
                encoding: f.encoding.clone(),
                bytes: f.bytes,
                sha256: f.sha256.clone(),
                modified_ns: f.modified_ns,
                rows_read: f.stats.rows_read,
                rows_loaded: f.stats.rows_loaded,
                rows_rejected: f.stats.rows_rejected,
                fields_nulled: f.stats.fields_nulled,
                warnings: f.warnings.clone(),
            })
            .collect(),
        partitions: Vec::new(),
    };
    lake.commit(manifest, parts)
}
