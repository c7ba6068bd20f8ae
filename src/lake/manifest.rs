//! The load manifest, `<lake>/_manifests/YYYY-MM.json`: one per load month,
//! the commit point of a load. It lists every input file (SHA-256, counts,
//! warnings) and every partition the load wrote. qfb's own readers read
//! only partitions that a committed manifest lists.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    pub load_month: String,
    /// When the load was committed (UTC, RFC 3339). The only field that
    /// differs between two loads of the same drop.
    pub loaded_at: String,
    pub qfb_version: String,
    /// SHA-256 of the configuration in force.
    pub config_hash: String,
    /// SHA-256 of the embedded table schemas.
    pub schema_hash: String,
    pub files: Vec<ManifestFile>,
    pub partitions: Vec<Partition>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ManifestFile {
    pub name: String,
    /// None for an empty file whose name names no table.
    pub table: Option<String>,
    /// `utf-8`, `utf-8-bom`, `gb18030` or `xlsx`.
    pub encoding: String,
    pub bytes: u64,
    pub sha256: String,
    /// The file's modification time when it was loaded (ns since 1970),
    /// recorded only for a file that had been settled for a while: with
    /// `bytes`, what lets a later run skip hashing an unchanged drop.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified_ns: Option<i64>,
    pub rows_read: u64,
    pub rows_loaded: u64,
    pub rows_rejected: u64,
    pub fields_nulled: u64,
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Partition {
    /// An input table, or `_rejects`.
    pub table: String,
    /// The public Hive-style file, relative to the lake root.
    pub path: String,
    /// The immutable copy qfb reads, relative to the lake root.
    pub store: String,
    pub rows: u64,
    pub sha256: String,
}

impl Manifest {
    pub fn partition(&self, table: &str) -> Option<&Partition> {
        self.partitions.iter().find(|p| p.table == table)
    }

    /// The (file name, SHA-256) pairs that decide whether a drop changed.
    pub fn fingerprint(&self) -> Vec<(String, String)> {
        let mut v: Vec<_> = self.files.iter().map(|f| (f.name.clone(), f.sha256.clone())).collect();
        v.sort();
        v
    }
}
