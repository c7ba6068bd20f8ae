//! Writers for generated drops: one file per (drop, table), in the style
//! chosen for it (English UTF-8 CSV, Chinese headers and codes, GB18030, or
//! XLSX). Cells are typed until rendered, so one record can be written in
//! any style. Headers come from the embedded schemas.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};

use crate::config::Config;
use crate::error::{write_err, Result};
use crate::schema::{Schemas, TableSchema};

/// A typed cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Null,
    Str(String),
    /// A code from a configured list; Chinese style writes its alias.
    Code(&'static str),
    Date(NaiveDate),
    DateTime(NaiveDateTime),
    Bool(bool),
    Int(i64),
    /// Cents.
    Money(i64),
    /// Written exactly as given, in every style (bad rows).
    Raw(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Canonical English headers and codes, ISO dates, UTF-8.
    English,
    /// Chinese headers, codes, booleans and 年月日 dates, UTF-8.
    Chinese,
    /// As `Chinese`, encoded in GB18030 (GBK for every GBK character).
    ChineseGb,
    /// English headers, first sheet of an XLSX workbook.
    Xlsx,
}

enum Sink {
    Csv(csv::Writer<BufWriter<File>>),
    /// Rows kept until the end: GB18030 text, or an XLSX sheet.
    Buffered(Vec<Vec<String>>),
}

struct Target {
    path: PathBuf,
    style: Style,
    sink: Sink,
    rows: u64,
    /// Raw text after the last record, with no line end (a cut-off line).
    tail: Option<String>,
}

/// All the files of all drops being generated.
pub struct Drops<'a> {
    root: PathBuf,
    schemas: &'a Schemas,
    zh: BTreeMap<&'static str, String>,
    targets: BTreeMap<(usize, &'static str), Target>,
    months: Vec<String>,
    styles: BTreeMap<(usize, &'static str), Style>,
}

/// The canonical code lists, leaked once so cells can hold `&'static str`.
pub fn static_codes(list: Vec<(&str, &str)>) -> Vec<&'static str> {
    list.into_iter().map(|(c, _)| &*Box::leak(c.to_string().into_boxed_str())).collect()
}

impl<'a> Drops<'a> {
    pub fn new(root: &Path, months: Vec<String>, schemas: &'a Schemas, config: &Config) -> Drops<'a> {
        let mut zh = BTreeMap::new();
        for list in ["components", "causes", "product_lines", "channels"] {
            for (code, name) in config.code_list(list).unwrap_or_default() {
                let code: &'static str = Box::leak(code.to_string().into_boxed_str());
                zh.insert(code, name.to_string());
            }
        }
        Drops { root: root.to_path_buf(), schemas, zh, targets: BTreeMap::new(), months, styles: BTreeMap::new() }
    }

    /// Use `style` for `table` in drop `month`.
    pub fn set_style(&mut self, month: usize, table: &'static str, style: Style) {
        self.styles.insert((month, table), style);
    }

    fn file_name(schema: &TableSchema, style: Style) -> String {
        match style {
            Style::English => format!("{}.csv", schema.table),
            Style::Chinese | Style::ChineseGb => format!("{}.csv", schema.zh),
            Style::Xlsx => format!("{}.xlsx", schema.table),
        }
    }

    fn target(&mut self, month: usize, table: &'static str) -> Result<&mut Target> {
        if !self.targets.contains_key(&(month, table)) {
            let schema = self.schemas.get(table).expect("generated tables are in the schemas");
            let style = self.styles.get(&(month, table)).copied().unwrap_or(Style::English);
            let dir = self.root.join(&self.months[month]);
            std::fs::create_dir_all(&dir).map_err(write_err(&dir))?;
            let path = dir.join(Self::file_name(schema, style));
            let header: Vec<String> = schema
                .columns
                .iter()
                .map(|c| match style {
                    Style::Chinese | Style::ChineseGb => c.zh.clone(),
                    _ => c.name.clone(),
                })
                .collect();
            let sink = match style {
                Style::English | Style::Chinese => {
                    let f = File::create(&path).map_err(write_err(&path))?;
                    let mut w = csv::WriterBuilder::new().from_writer(BufWriter::with_capacity(1 << 20, f));
                    w.write_record(&header).map_err(|e| csv_err(&path, e))?;
                    Sink::Csv(w)
                }
                Style::ChineseGb | Style::Xlsx => Sink::Buffered(vec![header]),
            };
            self.targets.insert((month, table), Target { path, style, sink, rows: 0, tail: None });
        }
        Ok(self.targets.get_mut(&(month, table)).expect("just inserted"))
    }

    /// The schema of `table` (for building its records by column name).
    pub fn schema(&self, table: &str) -> &'a TableSchema {
        self.schemas.get(table).expect("generated tables are in the schemas")
    }

    /// Write one record of `table` to drop `month`, in the table's column
    /// order (`row` builds one by name).
    pub fn write(&mut self, month: usize, table: &'static str, cells: &[Cell]) -> Result<()> {
        let zh = std::mem::take(&mut self.zh);
        let result = (|| {
            let t = self.target(month, table)?;
            let row: Vec<String> = cells.iter().map(|c| render(c, t.style, &zh)).collect();
            t.rows += 1;
            match &mut t.sink {
                Sink::Csv(w) => w.write_record(&row).map_err(|e| csv_err(&t.path, e)),
                Sink::Buffered(rows) => {
                    rows.push(row);
                    Ok(())
                }
            }
        })();
        self.zh = zh;
        result
    }

    /// End a file with raw text and no line end: a line cut off mid-field.
    pub fn append_raw(&mut self, month: usize, table: &'static str, raw: &str) -> Result<()> {
        self.target(month, table)?.tail = Some(raw.to_string());
        Ok(())
    }

    /// Flush and close every file; returns the files written, sorted.
    pub fn finish(self) -> Result<Vec<(PathBuf, u64)>> {
        let mut out = Vec::new();
        for (_, t) in self.targets {
            match t.sink {
                Sink::Csv(w) => {
                    let mut inner = w.into_inner().map_err(|e| write_err(&t.path)(e.into_error()))?;
                    if let Some(tail) = &t.tail {
                        inner.write_all(tail.as_bytes()).map_err(write_err(&t.path))?;
                    }
                    inner.flush().map_err(write_err(&t.path))?;
                }
                Sink::Buffered(rows) if t.style == Style::Xlsx => write_xlsx(&t.path, &rows)?,
                Sink::Buffered(rows) => {
                    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
                    for r in &rows {
                        w.write_record(r).map_err(|e| csv_err(&t.path, e))?;
                    }
                    let text = String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default();
                    let (bytes, _, _) = encoding_rs::GB18030.encode(&text);
                    std::fs::write(&t.path, &bytes).map_err(write_err(&t.path))?;
                }
            }
            out.push((t.path, t.rows));
        }
        out.sort();
        Ok(out)
    }
}

/// A record of `schema`'s table in its column order, from cells given by
/// column name; a column not named is empty. A name the table lacks is a
/// bug in the generator, and panics.
pub fn row(schema: &TableSchema, named: Vec<(&str, Cell)>) -> Vec<Cell> {
    let mut cells = vec![Cell::Null; schema.columns.len()];
    for (name, cell) in named {
        cells[column(schema, name)] = cell;
    }
    cells
}

/// The position of column `name` in `schema`'s table.
pub fn column(schema: &TableSchema, name: &str) -> usize {
    schema.column_index(name).unwrap_or_else(|| panic!("table `{}` has no column `{name}`", schema.table))
}

fn csv_err(path: &Path, e: csv::Error) -> crate::error::Error {
    crate::error::Error::Write { path: path.to_path_buf(), source: std::io::Error::other(e.to_string()) }
}

fn write_xlsx(path: &Path, rows: &[Vec<String>]) -> Result<()> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    // A fixed creation time: the same arguments must give the same bytes.
    let created = rust_xlsxwriter::ExcelDateTime::from_ymd(2000, 1, 1).map_err(|e| crate::error::Error::Write {
        path: path.to_path_buf(),
        source: std::io::Error::other(e.to_string()),
    })?;
    wb.set_properties(&rust_xlsxwriter::DocProperties::new().set_creation_datetime(&created));
    let ws = wb.add_worksheet();
    let xerr = |e: rust_xlsxwriter::XlsxError| crate::error::Error::Write {
        path: path.to_path_buf(),
        source: std::io::Error::other(e.to_string()),
    };
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            if !v.is_empty() {
                ws.write_string(r as u32, c as u16, v).map_err(xerr)?;
            }
        }
    }
    let bytes = wb.save_to_buffer().map_err(xerr)?;
    std::fs::write(path, bytes).map_err(write_err(path))
}

fn render(c: &Cell, style: Style, zh: &BTreeMap<&'static str, String>) -> String {
    let chinese = matches!(style, Style::Chinese | Style::ChineseGb);
    match c {
        Cell::Null => String::new(),
        Cell::Str(s) | Cell::Raw(s) => s.clone(),
        Cell::Code(code) if chinese => zh.get(code).cloned().unwrap_or_else(|| code.to_string()),
        Cell::Code(code) => code.to_string(),
        Cell::Date(d) if chinese => format!("{}年{}月{}日", d.year(), d.month(), d.day()),
        Cell::Date(d) => d.format("%Y-%m-%d").to_string(),
        Cell::DateTime(t) if chinese => {
            format!("{}年{}月{}日 {:02}:{:02}", t.year(), t.month(), t.day(), t.hour(), t.minute())
        }
        Cell::DateTime(t) => t.format("%Y-%m-%d %H:%M").to_string(),
        Cell::Bool(b) if chinese => (if *b { "是" } else { "否" }).to_string(),
        Cell::Bool(b) => b.to_string(),
        Cell::Int(i) => i.to_string(),
        Cell::Money(cents) => format!("{}.{:02}", cents / 100, cents % 100),
    }
}
