//! Typed errors. One variant per failure, each carrying where it happened
//! (file, row, column, value); all wording lives in the `Display` impls, in
//! lower case with values in backticks. Row-level problems in input data are
//! not errors: they become rejects (see `ingest::validate`).

use std::path::PathBuf;

/// A whole input file that qfb cannot read. The load stops before the lake
/// changes.
#[derive(Debug, thiserror::Error, Clone, PartialEq)]
pub enum FileProblem {
    #[error("missing required column{} {} for table `{table}`", plural(columns.len()), backticks(columns))]
    MissingColumns { table: String, columns: Vec<String> },
    #[error("column `{column}` appears twice in the header (fields {first} and {second})")]
    DuplicateColumn { column: String, first: usize, second: usize },
    #[error("the header matches no table; expected the columns of one of {}", backticks(expected))]
    NoTableMatch { expected: Vec<String> },
    #[error("the header matches more than one table ({}); name the file after its table", backticks(tables))]
    AmbiguousTable { tables: Vec<String> },
    #[error("the text is neither UTF-8 nor GB18030/GBK (first bad byte at offset {offset}); save it as CSV UTF-8")]
    Encoding { offset: usize },
    #[error("the text is UTF-16; save it as CSV UTF-8")]
    Utf16,
    #[error("the file holds binary data (a NUL byte at offset {offset}), not CSV text")]
    Binary { offset: usize },
    #[error("not a readable XLSX workbook: {message}")]
    Xlsx { message: String },
    #[error("the workbook has no sheet")]
    NoSheet,
    #[error("the file has no header line")]
    NoHeader,
    #[error("unsupported file type `{extension}`; use .csv or .xlsx")]
    UnsupportedType { extension: String },
    #[error("too large to read: {what} (the limits are `[limits]` in the configuration)")]
    TooLarge { what: String },
    #[error("field {field} has no header but holds `{value}` on line {line} (a merged or blank header cell?); name the column or delete its values")]
    BlankHeaderWithData { field: usize, line: u64, value: String },
    #[error("the file changed while it was read ({what}); run again once it is complete")]
    Changed { what: String },
}

fn shrink_message(month: &str, tables: &[(String, u64, u64)]) -> String {
    let list: Vec<String> =
        tables.iter().map(|(t, before, after)| format!("  `{t}`: {before} rows before, {after} after")).collect();
    format!(
        "refusing to reload drop {month}: it would shrink or drop table{} that the month's last load had \
         (records are never deleted, only corrected):\n{}\nif the drop really is meant to replace those rows, \
         run again with `--allow-shrink`; nothing of {month} was changed",
        plural(tables.len()),
        list.join("\n")
    )
}

impl Error {
    /// The exit status of contract section 7: 2 for a usage error, else 1.
    pub fn exit_status(&self) -> u8 {
        match self {
            Error::Usage(_) | Error::BadMonth { .. } => 2,
            _ => 1,
        }
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn backticks(items: &[String]) -> String {
    items.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", ")
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read `{}`\ncaused by: {source}", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error("cannot write `{}`\ncaused by: {source}", path.display())]
    Write { path: PathBuf, source: std::io::Error },
    #[error("`{}`: {problem}", path.display())]
    Unreadable { path: PathBuf, problem: FileProblem },
    #[error("{count} input file{} cannot be read; nothing was written:\n{}", plural(*count), list.join("\n"))]
    UnreadableFiles { count: usize, list: Vec<String> },
    #[error("configuration `{source_name}`: {message}")]
    Config { source_name: String, message: String },
    #[error("built-in schema `{table}`: {message}")]
    Schema { table: String, message: String },
    #[error("no drop folders (named YYYY-MM) under `{}`", path.display())]
    NoDrops { path: PathBuf },
    #[error("no drop `{month}` under `{}`", path.display())]
    NoSuchDrop { path: PathBuf, month: String },
    #[error("`{value}` is not a month; use YYYY-MM")]
    BadMonth { value: String },
    /// qfb will not do this, because it would lose or overwrite data.
    #[error("{0}")]
    Refused(String),
    /// A command line that names something impossible: exit status 2.
    #[error("{0}")]
    Usage(String),
    #[error("`{}`: the name is not valid UTF-8; rename it (qfb records names in manifests and reports)", path.display())]
    NonUtf8Name { path: PathBuf },
    #[error("{}", shrink_message(month, tables))]
    Shrink { month: String, tables: Vec<(String, u64, u64)> },
    #[error("`{}`: {problem}", path.display())]
    LifeData { path: PathBuf, problem: crate::life::data::DataError },
    #[error("`{}`: {problem}", path.display())]
    Fit { path: PathBuf, problem: crate::life::weibull::FitError },
    #[error("lake `{}`: {message}", path.display())]
    Lake { path: PathBuf, message: String },
    #[error("report: {what}: {message}")]
    Report { what: String, message: String },
    /// polars errors carry the whole query plan; the first lines say what
    /// went wrong.
    #[cfg(feature = "engine")]
    #[error("data engine: {}", first_lines(&.0.to_string(), 4))]
    Polars(#[from] polars::error::PolarsError),
}

#[cfg(feature = "engine")]
fn first_lines(s: &str, n: usize) -> String {
    let lines: Vec<&str> = s.lines().collect();
    let mut out = lines[..lines.len().min(n)].join("\n");
    if lines.len() > n {
        out.push_str("\n…");
    }
    out
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Attach a path to an I/O error on read.
pub fn read_err(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Error {
    let path = path.into();
    move |source| Error::Read { path, source }
}

/// Attach a path to an I/O error on write.
pub fn write_err(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Error {
    let path = path.into();
    move |source| Error::Write { path, source }
}
