//! Ingest: monthly drops become validated, typed rows. This module reads
//! and validates (no writes, no polars); `encode` turns the rows into the
//! lake's frames and `load` commits them to the lake. A drop is handled in two passes: first every file of the run is
//! checked for readability (encoding, header, required columns, XLSX
//! structure), then each drop is validated and committed in turn.

pub mod discover;
#[cfg(feature = "engine")]
pub mod encode;
pub mod header;
#[cfg(feature = "engine")]
pub mod load;
pub mod owners;
pub mod read;
mod records;
pub mod rows;
pub mod stream;
pub mod summary;
pub mod validate;
pub mod xlsx;

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use crate::config::{hex, Config};
use crate::error::{read_err, Error, FileProblem, Result};
use crate::schema::{Schemas, TableSchema};
use discover::{Drop, DropFile};
use header::Mapping;
use rows::{FileStats, ValidatedTable};
use validate::Validator;

/// What happened to one input file.
#[derive(Debug, Clone, PartialEq)]
pub struct FileResult {
    pub name: String,
    pub table: Option<String>,
    pub encoding: String,
    pub bytes: u64,
    pub sha256: String,
    /// The file's modification time (ns since 1970) as it was read, when
    /// it had not changed for `SETTLED` before: a later run trusts the
    /// file unchanged while its size and this time still match
    /// (`same_files`). None when the file was written just before it was
    /// read, so that a change within the same clock tick is not missed.
    pub modified_ns: Option<i64>,
    pub stats: FileStats,
    pub warnings: Vec<String>,
    /// The most frequent problems: (count, example reason).
    pub top_reasons: Vec<(u64, String)>,
}

/// A drop read and validated in memory, ready to be written.
#[derive(Debug, Clone)]
pub struct PreparedDrop {
    pub month: String,
    pub files: Vec<FileResult>,
    /// One per table the drop holds, in schema order.
    pub tables: Vec<ValidatedTable>,
}

impl PreparedDrop {
    pub fn rejects(&self) -> impl Iterator<Item = &rows::Reject> {
        self.tables.iter().flat_map(|t| &t.rejects)
    }
}

/// A file opened far enough to know its table and columns.
pub struct Opened<'b, 's> {
    pub sheet: read::Sheet<'b>,
    /// None for an empty file whose name names no table.
    pub table: Option<&'s TableSchema>,
    /// None for an empty file.
    pub mapping: Option<Mapping>,
    pub warnings: Vec<String>,
}

/// Decode a file's bytes, find its table and map its header. `name` is the
/// file name: its extension gives the format, its stem may name the table.
pub fn open<'b, 's>(
    schemas: &'s Schemas,
    config: &Config,
    name: &str,
    bytes: &'b [u8],
) -> std::result::Result<Opened<'b, 's>, FileProblem> {
    let file = DropFile { path: name.into(), name: name.to_string() };
    let sheet = read::open(file.format()?, bytes, &config.limits)?;
    find_table(schemas, &file, sheet)
}

/// Find a read sheet's table and map its header.
fn find_table<'b, 's>(
    schemas: &'s Schemas,
    file: &DropFile,
    sheet: read::Sheet<'b>,
) -> std::result::Result<Opened<'b, 's>, FileProblem> {
    if sheet.is_empty() {
        let table = discover::table_by_stem(schemas, file.stem());
        let warning = match table {
            Some(_) => "empty file: nothing to load this month".to_string(),
            None => "empty file whose name names no table: ignored".to_string(),
        };
        let mut warnings = sheet.warnings.clone();
        warnings.push(warning);
        return Ok(Opened { sheet, table, mapping: None, warnings });
    }
    let header = sheet.header()?;
    let table = discover::table_for(schemas, file, &header)?;
    let mapping = header::map_header(table, &header)?;
    if !mapping.blank.is_empty() {
        check_blank_fields(&sheet, &mapping.blank)?;
    }
    let mut warnings = sheet.warnings.clone();
    warnings.extend(mapping.unknown.iter().map(|c| format!("unknown column `{c}` ignored")));
    Ok(Opened { sheet, table: Some(table), mapping: Some(mapping), warnings })
}

/// A drop file as read: whole, or a large plain UTF-8 CSV file scanned,
/// to be read in windows (`stream`).
enum Source {
    Whole(Vec<u8>),
    Scanned(std::fs::File, stream::Scan),
}

impl Source {
    /// `hash`: the file's SHA-256 will be wanted (`sha256`).
    fn read(f: &DropFile, hash: bool) -> Result<Source> {
        if f.format().ok() == Some(read::Format::Csv) && file_len(&f.path) >= stream::STREAM_FROM {
            let file = std::fs::File::open(&f.path).map_err(read_err(&f.path))?;
            let scan = stream::scan(&file, hash).map_err(read_err(&f.path))?;
            if scan.plain.is_some() {
                return Ok(Source::Scanned(file, scan));
            }
        }
        Ok(Source::Whole(std::fs::read(&f.path).map_err(read_err(&f.path))?))
    }

    fn open<'b, 's>(
        &'b self,
        schemas: &'s Schemas,
        config: &Config,
        f: &DropFile,
    ) -> std::result::Result<Opened<'b, 's>, FileProblem> {
        match self {
            Source::Whole(bytes) => open(schemas, config, &f.name, bytes),
            Source::Scanned(file, scan) => {
                let s = stream::Stream::new(file, scan, stream::WINDOW).expect("only plain UTF-8 is scanned");
                find_table(schemas, f, read::stream(s))
            }
        }
    }

    fn bytes(&self) -> u64 {
        match self {
            Source::Whole(bytes) => bytes.len() as u64,
            Source::Scanned(_, scan) => scan.bytes,
        }
    }

    fn sha256(&self) -> String {
        match self {
            Source::Whole(bytes) => hex(&Sha256::digest(bytes)),
            Source::Scanned(_, scan) => scan.sha256.clone().expect("read with its hash"),
        }
    }

    /// Room for every row at once: for a CSV file its line count (a bound
    /// on its records), else rows are rarely shorter than 60 bytes. The key
    /// index is sized from it, and at 26M rows an estimate twice too large
    /// is a gigabyte of index.
    fn rows_bound(&self, xlsx: bool) -> usize {
        match self {
            Source::Whole(bytes) if xlsx => bytes.len() / 60,
            Source::Whole(bytes) => memchr::memchr_iter(b'\n', bytes).count() + 1,
            Source::Scanned(_, scan) => scan.line_feeds as usize + 1,
        }
    }
}

pub(crate) fn file_len(path: &std::path::Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

/// A field with no header may be left over from a merged or deleted header
/// cell: if any row holds a value there, that value would be dropped (and
/// the column it belongs to read as empty, a money column as 0.00), so the
/// file cannot be read as it is.
fn check_blank_fields(sheet: &read::Sheet<'_>, blank: &[usize]) -> std::result::Result<(), FileProblem> {
    let mut found = None;
    sheet.rows(|row| {
        if found.is_some() || row.defect.is_some() {
            return;
        }
        for &i in blank {
            if let Some(v) = row.fields.get(i).map(|v| v.trim()).filter(|v| !v.is_empty()) {
                found = Some((i, row.line, crate::text::truncate(v, 40)));
                return;
            }
        }
    })?;
    match found {
        Some((i, line, value)) => Err(FileProblem::BlankHeaderWithData { field: i + 1, line, value }),
        None => Ok(()),
    }
}

/// How long a file must have been unmodified before its modification time
/// is trusted to tell a later change: file systems stamp times in ticks
/// (milliseconds on Linux, two seconds on FAT), and a file rewritten
/// within the tick it was read in keeps its time.
const SETTLED: std::time::Duration = std::time::Duration::from_secs(2);

/// A file's modification time, in nanoseconds since 1970.
pub fn modified_ns(path: &std::path::Path) -> Option<i64> {
    nanos(std::fs::metadata(path).ok()?.modified().ok()?)
}

/// `modified_ns` of a file that had been settled for `SETTLED` by now (a
/// time in the future, a skewed clock, is not settled).
fn settled_ns(path: &std::path::Path) -> Option<i64> {
    let t = std::fs::metadata(path).ok()?.modified().ok()?;
    (t.elapsed().ok()? >= SETTLED).then(|| nanos(t)).flatten()
}

fn nanos(t: std::time::SystemTime) -> Option<i64> {
    i64::try_from(t.duration_since(std::time::UNIX_EPOCH).ok()?.as_nanos()).ok()
}

/// The (file name, SHA-256) pairs of a drop, sorted, for change detection.
/// Each file is streamed through one buffer (`stream::scan`): a monthly
/// run may hash unchanged drops again, and reading each whole (a gigabyte
/// at 10M units) cost as much in fresh pages as the hashing did.
pub fn fingerprint(drop: &Drop) -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    for f in &drop.files {
        let file = std::fs::File::open(&f.path).map_err(read_err(&f.path))?;
        let scan = stream::scan(&file, true).map_err(read_err(&f.path))?;
        out.push((f.name.clone(), scan.sha256.expect("scanned with its hash")));
    }
    out.sort();
    Ok(out)
}

/// First pass: every file's readability problems, without validating rows.
pub fn check_drop(drop: &Drop, schemas: &Schemas, config: &Config) -> Result<Vec<(String, FileProblem)>> {
    let mut problems = Vec::new();
    for f in &drop.files {
        let source = Source::read(f, false)?;
        if let Err(p) = source.open(schemas, config, f) {
            problems.push((f.path.display().to_string(), p));
        }
    }
    Ok(problems)
}

/// Second pass: read and validate every file of a drop, in file-name
/// order. Fails on the first unreadable file. Drops, not tables, are
/// spread over the cores (`load::run`): validating a drop's tables on
/// cores of their own saved under a tenth of a second on the monthly
/// run's one drop, and nothing measurable at scale, where every core is
/// busy with drops already.
pub fn prepare_drop(
    drop: &Drop,
    schemas: &Schemas,
    config: &Config,
    mut progress: impl FnMut(&DropFile, u64),
) -> Result<PreparedDrop> {
    let mut validators: BTreeMap<usize, Validator> = BTreeMap::new();
    let mut files = Vec::new();
    for f in &drop.files {
        let settled = settled_ns(&f.path);
        let source = Source::read(f, true)?;
        let unreadable = |problem| Error::Unreadable { path: f.path.clone(), problem };
        let opened = source.open(schemas, config, f).map_err(unreadable)?;
        let mut result = FileResult {
            name: f.name.clone(),
            table: opened.table.map(|t| t.table.clone()),
            encoding: opened.sheet.encoding.to_string(),
            bytes: source.bytes(),
            sha256: source.sha256(),
            modified_ns: None,
            stats: FileStats { name: f.name.clone(), ..FileStats::default() },
            warnings: opened.warnings,
            top_reasons: Vec::new(),
        };
        if let Some(table) = opened.table {
            let ti = schemas.tables.iter().position(|t| t.table == table.table).expect("table from schemas");
            let v = match validators.entry(ti) {
                std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::btree_map::Entry::Vacant(e) => e.insert(Validator::new(table, config)?),
            };
            match opened.mapping {
                Some(m) => {
                    v.reserve(source.rows_bound(result.encoding == "xlsx"));
                    v.begin_file(&f.name, m);
                    opened.sheet.rows(|row| v.push(&row)).map_err(unreadable)?;
                }
                None => v.empty_file(&f.name),
            }
        }
        // Trusted only if the file did not change while it was read.
        result.modified_ns = settled.filter(|&t| modified_ns(&f.path) == Some(t));
        progress(f, result.bytes);
        result.stats.name = f.name.clone();
        files.push(result);
    }
    let tables: Vec<ValidatedTable> = validators.into_values().map(Validator::finish).collect();
    // The validators own the per-file counts (a later file can supersede an
    // earlier file's row); copy them to the file results.
    for t in &tables {
        for s in &t.files {
            if let Some(r) = files.iter_mut().find(|r| r.name == s.name) {
                r.stats = s.clone();
                r.top_reasons = top_reasons(t.rejects.iter().filter(|x| x.source_file == s.name), 3);
            }
        }
    }
    Ok(PreparedDrop { month: drop.month.clone(), files, tables })
}

/// The `n` most frequent (table, column, rule) problems, each with the
/// count and its first reason as the example; ties by first appearance.
pub fn top_reasons<'a>(rejects: impl Iterator<Item = &'a rows::Reject>, n: usize) -> Vec<(u64, String)> {
    let mut groups: Vec<((Option<&str>, &str), u64, String)> = Vec::new();
    for r in rejects {
        let k = (r.column.as_deref(), r.rule);
        match groups.iter_mut().find(|g| g.0 == k) {
            Some(g) => g.1 += 1,
            None => groups.push((k, 1, r.reason.clone())),
        }
    }
    groups.sort_by_key(|g| std::cmp::Reverse(g.1));
    groups.into_iter().take(n).map(|(_, c, reason)| (c, reason)).collect()
}
