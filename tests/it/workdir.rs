//! A fresh folder per test: write input files, run the real binary, read
//! the lake back. On failure the assertion shows the exit status, stdout
//! and stderr.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use polars::prelude::*;
use qfb::lake::Lake;
use qfb::schema::Schemas;

pub struct Workdir {
    pub dir: tempfile::TempDir,
}

pub struct Run {
    pub output: Output,
}

impl Run {
    pub fn code(&self) -> i32 {
        self.output.status.code().unwrap_or(-1)
    }
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).into_owned()
    }
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }
    /// Assert the exit status, showing everything when it differs.
    pub fn expect(self, code: i32) -> Run {
        assert_eq!(self.code(), code, "exit status\n--- stdout\n{}\n--- stderr\n{}", self.stdout(), self.stderr());
        self
    }
}

impl Workdir {
    pub fn new() -> Workdir {
        Workdir { dir: tempfile::tempdir().expect("temp dir") }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Write a file (folders created), relative to the work folder.
    pub fn write(&self, rel: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, bytes).unwrap();
        p
    }

    /// Run `qfb` with `args` in the work folder.
    pub fn qfb(&self, args: &[&str]) -> Run {
        let output =
            Command::new(env!("CARGO_BIN_EXE_qfb")).args(args).current_dir(self.dir.path()).output().expect("run qfb");
        Run { output }
    }

    /// `qfb ingest --input in --lake lake`.
    pub fn ingest(&self) -> Run {
        self.qfb(&["ingest", "--input", "in", "--lake", "lake"])
    }

    pub fn lake(&self) -> Lake {
        Lake::new(self.path("lake"))
    }

    /// An input table's current state, sorted by its key.
    pub fn table(&self, table: &str) -> DataFrame {
        let schemas = Schemas::load().unwrap();
        let schema = schemas.get(table).unwrap();
        let keys: Vec<PlSmallStr> = schema.key.iter().map(|k| k.as_str().into()).collect();
        self.lake().current(schema).unwrap().sort(keys, SortMultipleOptions::default()).collect().unwrap()
    }

    /// Every reject of every load as (file, line, column, rule, action, reason).
    pub fn rejects(&self) -> Vec<(String, i64, Option<String>, String, String, String)> {
        let df = self.lake().scan("_rejects", qfb::lake::frame::rejects_schema(), None).unwrap().collect().unwrap();
        let s = |c: &str| df.column(c).unwrap().str().unwrap().clone();
        let (file, col, rule, action, reason) = (s("source_file"), s("column"), s("rule"), s("action"), s("reason"));
        let line = df.column("line").unwrap().i64().unwrap().clone();
        (0..df.height())
            .map(|i| {
                (
                    file.get(i).unwrap().to_string(),
                    line.get(i).unwrap(),
                    col.get(i).map(String::from),
                    rule.get(i).unwrap().to_string(),
                    action.get(i).unwrap().to_string(),
                    reason.get(i).unwrap().to_string(),
                )
            })
            .collect()
    }

    /// The manifest of a load month as JSON.
    pub fn manifest(&self, month: &str) -> serde_json::Value {
        let text = std::fs::read_to_string(self.path(&format!("lake/_manifests/{month}.json"))).unwrap();
        serde_json::from_str(&text).unwrap()
    }

    /// Every file under `rel` with its bytes, sorted by path.
    pub fn snapshot(&self, rel: &str) -> Vec<(PathBuf, Vec<u8>)> {
        fn walk(dir: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) {
            let Ok(entries) = std::fs::read_dir(dir) else { return };
            for e in entries.flatten() {
                let p = e.path();
                if p.is_dir() {
                    walk(&p, out);
                } else {
                    out.push((p.clone(), std::fs::read(&p).unwrap()));
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.path(rel), &mut out);
        out.sort();
        out
    }
}

/// A string column's values.
pub fn strs(df: &DataFrame, col: &str) -> Vec<Option<String>> {
    let ca = df.column(col).unwrap().str().unwrap().clone();
    (0..ca.len()).map(|i| ca.get(i).map(String::from)).collect()
}

/// An Int64 column's values.
pub fn ints(df: &DataFrame, col: &str) -> Vec<Option<i64>> {
    let ca = df.column(col).unwrap().i64().unwrap().clone();
    (0..ca.len()).map(|i| ca.get(i)).collect()
}

/// A Date or Datetime column formatted as text.
pub fn texts(df: &DataFrame, col: &str) -> Vec<Option<String>> {
    let s = df.column(col).unwrap().cast(&DataType::String).unwrap();
    let ca = s.str().unwrap().clone();
    (0..ca.len()).map(|i| ca.get(i).map(String::from)).collect()
}

pub fn some(v: &[&str]) -> Vec<Option<String>> {
    v.iter().map(|s| Some(s.to_string())).collect()
}
