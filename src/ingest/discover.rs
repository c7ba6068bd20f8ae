//! Finding the drops under an input root, their files, and each file's
//! table: by file stem (English or Chinese name), else by header (the one
//! table whose required columns are all present).

use std::path::{Path, PathBuf};

use crate::error::{read_err, Error, FileProblem, Result};
use crate::ingest::header::header_fits;
use crate::ingest::read::Format;
use crate::schema::{Schemas, TableSchema};

/// One monthly drop folder.
#[derive(Debug, Clone)]
pub struct Drop {
    /// The load month, `YYYY-MM`, from the folder name.
    pub month: String,
    pub dir: PathBuf,
    /// Data files in file-name order (hidden files are skipped).
    pub files: Vec<DropFile>,
}

#[derive(Debug, Clone)]
pub struct DropFile {
    pub path: PathBuf,
    /// The file name, as recorded in the manifest and rejects.
    pub name: String,
}

impl DropFile {
    pub fn stem(&self) -> &str {
        Path::new(&self.name).file_stem().and_then(|s| s.to_str()).unwrap_or("")
    }

    pub fn format(&self) -> std::result::Result<Format, FileProblem> {
        let ext = Path::new(&self.name).extension().and_then(|s| s.to_str()).unwrap_or("");
        Format::from_extension(ext)
    }
}

/// The drops under `root`, oldest first; only `month` when given.
pub fn find_drops(root: &Path, month: Option<&str>) -> Result<Vec<Drop>> {
    let entries = std::fs::read_dir(root).map_err(read_err(root))?;
    let mut drops = Vec::new();
    for entry in entries {
        let entry = entry.map_err(read_err(root))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if !crate::month::is_month(&name) || !entry.path().is_dir() {
            continue;
        }
        if month.is_some_and(|m| m != name) {
            continue;
        }
        drops.push(read_drop(&entry.path(), &name)?);
    }
    drops.sort_by(|a, b| a.month.cmp(&b.month));
    match (drops.is_empty(), month) {
        (true, Some(m)) => Err(Error::NoSuchDrop { path: root.to_path_buf(), month: m.to_string() }),
        (true, None) => Err(Error::NoDrops { path: root.to_path_buf() }),
        _ => Ok(drops),
    }
}

/// One drop folder. `month` is its load month.
pub fn read_drop(dir: &Path, month: &str) -> Result<Drop> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(read_err(dir))? {
        let entry = entry.map_err(read_err(dir))?;
        // A name that is not UTF-8 would be recorded lossily: two such
        // files could share one name in the manifest.
        let name = entry.file_name().into_string().map_err(|_| Error::NonUtf8Name { path: entry.path() })?;
        // Hidden files (.DS_Store, editor swap files) and sub-folders are
        // not part of a drop.
        if name.starts_with('.') || name.starts_with("~$") || !entry.path().is_file() {
            continue;
        }
        files.push(DropFile { path: entry.path(), name });
    }
    files.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(Drop { month: month.to_string(), dir: dir.to_path_buf(), files })
}

/// The table named by a file's stem, if any.
pub fn table_by_stem<'s>(schemas: &'s Schemas, stem: &str) -> Option<&'s TableSchema> {
    let stem = stem.trim().to_lowercase();
    schemas.tables.iter().find(|t| t.stems.iter().any(|s| s.to_lowercase() == stem))
}

/// The table of a file: by stem, else the one table whose required columns
/// the header holds.
pub fn table_for<'s>(
    schemas: &'s Schemas,
    file: &DropFile,
    header: &[String],
) -> std::result::Result<&'s TableSchema, FileProblem> {
    if let Some(t) = table_by_stem(schemas, file.stem()) {
        return Ok(t);
    }
    let fits: Vec<&TableSchema> = schemas.tables.iter().filter(|t| header_fits(t, header)).collect();
    match fits.as_slice() {
        [one] => Ok(one),
        [] => Err(FileProblem::NoTableMatch { expected: schemas.tables.iter().map(|t| t.table.clone()).collect() }),
        many => Err(FileProblem::AmbiguousTable { tables: many.iter().map(|t| t.table.clone()).collect() }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_by_stem_and_by_header() {
        let s = Schemas::load().unwrap();
        assert_eq!(table_by_stem(&s, "维修记录").unwrap().table, "repairs");
        assert_eq!(table_by_stem(&s, "Repairs").unwrap().table, "repairs");
        let f = DropFile { path: "x/export_01.csv".into(), name: "export_01.csv".into() };
        let header: Vec<String> =
            ["回访编号", "维修单号", "回访时间", "回访方式", "是否联系上"].map(String::from).into();
        assert_eq!(table_for(&s, &f, &header).unwrap().table, "visits");
        let header: Vec<String> = ["a", "b"].map(String::from).into();
        assert!(matches!(table_for(&s, &f, &header), Err(FileProblem::NoTableMatch { .. })));
    }
}
