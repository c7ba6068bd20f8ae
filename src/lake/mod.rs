//! The Parquet lake (contract section 3): layout, atomic commits and the
//! manifest-driven readers.
//!
//! Layout, relative to the lake root:
//! - `<table>/load_month=YYYY-MM/part-0.parquet`: the public Hive-style
//!   partition that DuckDB, Spark, pandas and pyarrow glob;
//! - `_rejects/load_month=YYYY-MM/part-0.parquet`: the load's rejects;
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

/// The table name of the rejects partitions.
pub const REJECTS: &str = "_rejects";
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
            if !crate::ingest::discover::is_month(month) {
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
                    if !m.partitions.iter().any(|p| p.store == rel) {
                        let _ = fs::remove_file(e.path());
                    }
                }
            }
        }
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
    {
        let mut f = File::create(&tmp).map_err(write_err(&tmp))?;
        f.write_all(bytes).map_err(write_err(&tmp))?;
        f.sync_all().map_err(write_err(&tmp))?;
    }
    fs::rename(&tmp, path).map_err(write_err(path))?;
    sync_dir(dir);
    Ok(())
}

/// Make a rename durable. Best effort: not every platform can sync a folder.
fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}
