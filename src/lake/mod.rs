//! The Parquet lake (contract section 3): layout, atomic commits and the
//! manifest-driven readers.
//!
//! Layout, relative to the lake root:
//! - `<table>/load_month=YYYY-MM/part-0.parquet`: the public Hive-style
//!   partition that DuckDB, Spark, pandas and pyarrow glob;
//! - `_rejects/load_month=YYYY-MM/part-0.parquet`: the load's rejects;
//! - `_unit_dates/load_month=YYYY-MM/part-0.parquet`: the load's units
//!   counted by product line, sale date and install date, kept with the
//!   load (in its commit) so that a run reads them instead of grouping
//!   every unit again (`frame::unit_dates_schema`);
//! - `_unit_keys/load_month=YYYY-MM/part-0.parquet`: the 64-bit hashes of
//!   the load's serials, sorted, kept in its commit so that a run can tell
//!   that no serial was loaded twice without reading every serial
//!   (`frame::unit_keys_schema`);
//! - `_manifests/YYYY-MM.json`: the load manifest, the commit point;
//! - `_store/<table>/load_month=YYYY-MM/<sha256>.parquet`: immutable,
//!   content-named copies (hard links to the public files) that manifests
//!   point at and qfb's own readers read.
//!
//! A load writes its store files first, then commits by renaming its
//! manifest into place, then publishes each public partition by renaming a
//! hard link over it. A kill before the manifest rename leaves the previous
//! load in force; after it, the next run of qfb finishes the publishing
//! (`heal`). Every file appears by rename, so no reader sees half of one.
//!
//! A store file that a new load supersedes is not deleted at once: a qfb
//! reader that read the previous manifest a moment before may still be
//! opening it. Publishing stamps the superseded file's time, and a writer
//! deletes it only `READER_GRACE` later (`collect_garbage`).

pub mod frame;
pub mod manifest;
pub mod read;

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::config::hex;
use crate::error::{read_err, write_err, Error, Result};
pub use manifest::{Manifest, ManifestFile, Partition};

/// How long a superseded store file is kept for readers of the manifest
/// that listed it. A qfb reader reads a load's files within seconds to
/// minutes of reading its manifest; an hour leaves a wide margin and costs
/// only the disk of the months reloaded in it.
pub const READER_GRACE: std::time::Duration = std::time::Duration::from_secs(3600);

/// The table name of the rejects partitions.
pub const REJECTS: &str = "_rejects";
/// The table name of the units-by-dates partitions.
pub const UNIT_DATES: &str = "_unit_dates";
/// The table name of the units' key-hash partitions.
pub const UNIT_KEYS: &str = "_unit_keys";

/// A table that qfb derives (rejects, units by dates, key hashes), not an input
/// table: its name starts with `_`.
pub fn is_derived(table: &str) -> bool {
    table.starts_with('_')
}
const PUBLIC_FILE: &str = "part-0.parquet";

#[derive(Debug, Clone)]
pub struct Lake {
    pub root: PathBuf,
}

/// One table's partition of a load, ready to write.
pub struct PartitionData {
    pub table: String,
    pub rows: u64,
    pub parquet: Vec<u8>,
}

impl Lake {
    pub fn new(root: impl Into<PathBuf>) -> Lake {
        Lake { root: root.into() }
    }

    fn manifest_path(&self, month: &str) -> PathBuf {
        self.root.join("_manifests").join(format!("{month}.json"))
    }

    fn public_dir(&self, table: &str, month: &str) -> PathBuf {
        self.root.join(table).join(format!("load_month={month}"))
    }

    /// All committed manifests, oldest load month first.
    pub fn manifests(&self) -> Result<Vec<Manifest>> {
        let dir = self.root.join("_manifests");
        if !dir.exists() {
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        for entry in fs::read_dir(&dir).map_err(read_err(&dir))? {
            let path = entry.map_err(read_err(&dir))?.path();
            let Some(month) = path.file_name().and_then(|n| n.to_str()).and_then(|n| n.strip_suffix(".json")) else {
                continue;
            };
            if !crate::month::is_month(month) {
                continue;
            }
            out.push(self.read_manifest(&path)?);
        }
        out.sort_by(|a, b| a.load_month.cmp(&b.load_month));
        Ok(out)
    }

    pub fn manifest(&self, month: &str) -> Result<Option<Manifest>> {
        let path = self.manifest_path(month);
        if !path.exists() {
            return Ok(None);
        }
        self.read_manifest(&path).map(Some)
    }

    fn read_manifest(&self, path: &Path) -> Result<Manifest> {
        let text = fs::read_to_string(path).map_err(read_err(path))?;
        serde_json::from_str(&text)
            .map_err(|e| Error::Lake { path: path.to_path_buf(), message: format!("unreadable manifest: {e}") })
    }

    /// Take the lake's writer lock, held until the returned file drops.
    /// The lock is advisory and dies with the process.
    pub fn lock(&self) -> Result<File> {
        fs::create_dir_all(&self.root).map_err(write_err(&self.root))?;
        let path = self.root.join("_lock");
        let f = File::options().create(true).truncate(false).write(true).open(&path).map_err(write_err(&path))?;
        f.try_lock().map_err(|_| Error::Lake {
            path: self.root.clone(),
            message: "another qfb is writing this lake; try again when it has finished".into(),
        })?;
        Ok(f)
    }

    /// Commit one load: store files, then the manifest, then the public
    /// partitions. `manifest.partitions` is filled in here.
    pub fn commit(&self, mut manifest: Manifest, parts: Vec<PartitionData>) -> Result<Manifest> {
        let month = manifest.load_month.clone();
        manifest.partitions.clear();
        for p in parts {
            let sha = hex(&Sha256::digest(&p.parquet));
            let store_rel = format!("_store/{}/load_month={month}/{}.parquet", p.table, &sha[..32]);
            let store = self.root.join(&store_rel);
            if !store.exists() {
                write_atomic(&store, &p.parquet)?;
            }
            // Listed again (a reload back to earlier content): no longer superseded.
            let _ = fs::remove_file(store.with_extension("superseded"));
            manifest.partitions.push(Partition {
                path: format!("{}/load_month={month}/{PUBLIC_FILE}", p.table),
                store: store_rel,
                table: p.table,
                rows: p.rows,
                sha256: sha,
            });
        }
        let json = serde_json::to_vec_pretty(&manifest).expect("manifest serialises");
        write_atomic(&self.manifest_path(&month), &json)?;
        self.publish(&manifest)?;
        Ok(manifest)
    }

    /// Make the public partitions of `m`'s month match `m`, and drop store
    /// files no manifest needs. Idempotent: safe to run at any time.
    pub fn publish(&self, m: &Manifest) -> Result<()> {
        let month = &m.load_month;
        for p in &m.partitions {
            let public = self.root.join(&p.path);
            let store = self.root.join(&p.store);
            if same_file(&public, &store) {
                continue;
            }
            let dir = public.parent().expect("partition path has a folder");
            fs::create_dir_all(dir).map_err(write_err(dir))?;
            let tmp = dir.join(format!(".{PUBLIC_FILE}.tmp"));
            let _ = fs::remove_file(&tmp);
            if fs::hard_link(&store, &tmp).is_err() {
                // A file system without hard links: a copy is just as whole.
                fs::copy(&store, &tmp).map_err(write_err(&tmp))?;
            }
            fs::rename(&tmp, &public).map_err(write_err(&public))?;
            sync_dir(dir);
        }
        // Tables this load no longer has lose their partition for the month.
        for table in self.tables_on_disk()? {
            if m.partition(&table).is_none() {
                let dir = self.public_dir(&table, month);
                if dir.exists() {
                    fs::remove_dir_all(&dir).map_err(write_err(&dir))?;
                }
            }
            let store_dir = self.root.join("_store").join(&table).join(format!("load_month={month}"));
            if let Ok(entries) = fs::read_dir(&store_dir) {
                for e in entries.flatten() {
                    let rel = format!("_store/{table}/load_month={month}/{}", e.file_name().to_string_lossy());
                    let parquet = e.path().extension().is_some_and(|x| x == "parquet");
                    if parquet
                        && !m.partitions.iter().any(|p| p.store == rel)
                        && !e.path().with_extension("superseded").exists()
                    {
                        supersede(&e.path());
                    }
                }
            }
        }
        Ok(())
    }

    /// Delete store files that no committed manifest lists and that were
    /// superseded more than `READER_GRACE` ago, and the leftovers of
    /// interrupted writers. Run by a writer, under the lock.
    pub fn collect_garbage(&self) -> Result<()> {
        let listed: std::collections::HashSet<String> =
            self.manifests()?.iter().flat_map(|m| m.partitions.iter().map(|p| p.store.clone())).collect();
        let store = self.root.join("_store");
        let mut files = Vec::new();
        walk(&store, &mut files);
        let now = std::time::SystemTime::now();
        for path in files {
            let Ok(rel) = path.strip_prefix(&self.root) else { continue };
            let rel = rel.to_string_lossy().replace('\\', "/");
            if !rel.ends_with(".parquet") || listed.contains(&rel) {
                continue;
            }
            // Superseded: its stamp says since when. Never listed (a load
            // killed before its commit): its own time says when written.
            let stamp = path.with_extension("superseded");
            let since = fs::metadata(&stamp).or_else(|_| fs::metadata(&path)).and_then(|m| m.modified());
            let old = since.ok().and_then(|t| now.duration_since(t).ok()).is_some_and(|age| age > READER_GRACE);
            if old {
                let _ = fs::remove_file(&path);
                let _ = fs::remove_file(&stamp);
            }
        }
        let mut all = Vec::new();
        walk(&self.root, &mut all);
        for path in all {
            if path.extension().is_some_and(|e| e == "superseded") && !path.with_extension("parquet").exists() {
                let _ = fs::remove_file(&path);
            }
        }
        remove_leftovers_below(&self.root);
        Ok(())
    }

    /// Finish publishing after an interrupted load: every committed
    /// manifest's partitions are made public.
    pub fn heal(&self) -> Result<()> {
        for m in self.manifests()? {
            self.publish(&m)?;
        }
        Ok(())
    }

    /// Table folders present under the lake root (inputs and `_rejects`).
    fn tables_on_disk(&self) -> Result<Vec<String>> {
        let mut out = Vec::new();
        for dir in [self.root.clone(), self.root.join("_store")] {
            let Ok(entries) = fs::read_dir(&dir) else { continue };
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                let keep =
                    e.path().is_dir() && !matches!(name.as_str(), "_manifests" | "_store") && !out.contains(&name);
                if keep {
                    out.push(name);
                }
            }
        }
        Ok(out)
    }
}

/// Record that a store file was superseded now, beside it (its own times
/// are those of its writing).
fn supersede(path: &Path) {
    let _ = fs::write(path.with_extension("superseded"), b"");
}

/// Every file below `dir`, recursively.
fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        if e.file_type().is_ok_and(|t| t.is_dir()) {
            walk(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// The process id in a leftover's name: `.<name>.<pid>.tmp`,
/// `.<name>.new-<pid>` or `.<name>.old-<pid>`, as `write_atomic` and the
/// report's folder swap name them.
fn leftover_pid(name: &str) -> Option<u32> {
    if !name.starts_with('.') {
        return None;
    }
    if let Some(rest) = name.strip_suffix(".tmp") {
        return rest.rsplit('.').next()?.parse().ok();
    }
    let (_, pid) = name.rsplit_once(".new-").or_else(|| name.rsplit_once(".old-"))?;
    pid.parse().ok()
}

/// True while process `pid` runs (Linux: its `/proc` entry). Elsewhere a
/// leftover counts as abandoned once it is older than `READER_GRACE`.
fn alive(pid: u32, path: &Path) -> bool {
    if pid == std::process::id() {
        return true;
    }
    if Path::new("/proc/self").exists() {
        return Path::new("/proc").join(pid.to_string()).exists();
    }
    let age = fs::metadata(path).and_then(|m| m.modified()).ok().and_then(|t| t.elapsed().ok());
    age.is_none_or(|a| a < READER_GRACE)
}

/// Remove what killed or failed writers left in `dir`: temporary files and
/// half-swapped folders whose process is gone. A run calls it before it
/// writes there, so a full disk is not made fuller by them.
pub fn remove_leftovers(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(pid) = leftover_pid(&name) else { continue };
        let path = e.path();
        if alive(pid, &path) {
            continue;
        }
        tracing::debug!("removing leftover `{}`", path.display());
        let _ = if path.is_dir() { fs::remove_dir_all(&path) } else { fs::remove_file(&path) };
    }
}

/// `remove_leftovers` in `dir` and every folder below it.
pub fn remove_leftovers_below(dir: &Path) {
    remove_leftovers(dir);
    let Ok(entries) = fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        if e.file_type().is_ok_and(|t| t.is_dir()) {
            remove_leftovers_below(&e.path());
        }
    }
}

fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (fs::metadata(a), fs::metadata(b)) {
            (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        match (fs::read(a), fs::read(b)) {
            (Ok(x), Ok(y)) => x == y,
            _ => false,
        }
    }
}

/// Write `bytes` to `path` so that readers see the old file or the new
/// one, never a part: write a hidden temp file, sync it, rename it.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().expect("a file path has a folder");
    fs::create_dir_all(dir).map_err(write_err(dir))?;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let written = File::create(&tmp).and_then(|mut f| {
        f.write_all(bytes)?;
        f.sync_all()
    });
    if let Err(e) = written.and_then(|_| fs::rename(&tmp, path)) {
        // A full disk must not be left fuller by half a file.
        let _ = fs::remove_file(&tmp);
        return Err(write_err(path)(e));
    }
    sync_dir(dir);
    Ok(())
}

/// Make a rename durable. Best effort: not every platform can sync a folder.
fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}
