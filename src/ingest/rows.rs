//! What validation produces, per table and load: typed columns (strings
//! packed in one buffer, dates as days, datetimes as microseconds, money as
//! cents), the lineage of each row, per-file counts, and the rejects with
//! what a station clerk needs to fix them.

use crate::schema::ColumnType;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Action {
    RowRejected,
    FieldNulled,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::RowRejected => "row_rejected",
            Action::FieldNulled => "field_nulled",
        }
    }
}

/// One rejected row or nulled field, with what a station clerk needs to
/// fix it at the source.
#[derive(Debug, Clone, PartialEq)]
pub struct Reject {
    pub table: String,
    pub source_file: String,
    pub line: u64,
    pub column: Option<String>,
    /// The offending value, masked when personal, cut to 200 characters.
    pub value: Option<String>,
    /// The record's key as sent, when it could be read.
    pub key: Option<String>,
    /// A short machine code for the rule, for grouping (`invalid_value`...).
    pub rule: &'static str,
    pub reason: String,
    pub action: Action,
    /// The station whose row this is, as sent: the row's `station_id`
    /// cell, None when the table has none or that cell is the problem.
    pub station_id: Option<String>,
    /// For a table without `station_id` (visits): the row's repair, whose
    /// station the row belongs to (`stations::resolve`).
    pub repair_id: Option<String>,
}

/// Per-file counts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FileStats {
    pub name: String,
    pub rows_read: u64,
    pub rows_loaded: u64,
    pub rows_rejected: u64,
    pub fields_nulled: u64,
}

/// A column's values, typed. Dates are days since 1970-01-01, datetimes
/// microseconds since 1970-01-01 00:00, money integer cents.
#[derive(Debug, Clone, PartialEq)]
pub enum ColumnData {
    Str(StrColumn),
    Date(Vec<Option<i32>>),
    Datetime(Vec<Option<i64>>),
    Bool(Vec<Option<bool>>),
    Int(Vec<Option<i64>>),
    Money(Vec<Option<i64>>),
}

/// Strings packed in one buffer: no allocation per cell.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StrColumn {
    buf: String,
    ends: Vec<usize>,
    valid: Vec<bool>,
}

impl StrColumn {
    pub(crate) fn push(&mut self, v: Option<&str>) {
        if let Some(s) = v {
            self.buf.push_str(s);
        }
        self.ends.push(self.buf.len());
        self.valid.push(v.is_some());
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    pub fn get(&self, i: usize) -> Option<&str> {
        if !self.valid[i] {
            return None;
        }
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        Some(&self.buf[start..self.ends[i]])
    }

    pub fn iter(&self) -> impl Iterator<Item = Option<&str>> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }
}

impl ColumnData {
    pub(crate) fn new(ty: ColumnType) -> ColumnData {
        match ty {
            ColumnType::String | ColumnType::Text | ColumnType::Code | ColumnType::Month => {
                ColumnData::Str(StrColumn::default())
            }
            ColumnType::Date => ColumnData::Date(Vec::new()),
            ColumnType::Datetime => ColumnData::Datetime(Vec::new()),
            ColumnType::Bool => ColumnData::Bool(Vec::new()),
            ColumnType::Int => ColumnData::Int(Vec::new()),
            ColumnType::Money => ColumnData::Money(Vec::new()),
        }
    }

    pub fn len(&self) -> usize {
        match self {
            ColumnData::Str(c) => c.len(),
            ColumnData::Date(v) => v.len(),
            ColumnData::Datetime(v) | ColumnData::Int(v) | ColumnData::Money(v) => v.len(),
            ColumnData::Bool(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub(crate) fn filter(self, keep: &[bool]) -> ColumnData {
        fn f<T>(v: Vec<T>, keep: &[bool]) -> Vec<T> {
            v.into_iter().zip(keep).filter(|(_, k)| **k).map(|(x, _)| x).collect()
        }
        match self {
            ColumnData::Str(c) => {
                let mut out = StrColumn::default();
                for (v, k) in c.iter().zip(keep) {
                    if *k {
                        out.push(v);
                    }
                }
                ColumnData::Str(out)
            }
            ColumnData::Date(v) => ColumnData::Date(f(v, keep)),
            ColumnData::Datetime(v) => ColumnData::Datetime(f(v, keep)),
            ColumnData::Bool(v) => ColumnData::Bool(f(v, keep)),
            ColumnData::Int(v) => ColumnData::Int(f(v, keep)),
            ColumnData::Money(v) => ColumnData::Money(f(v, keep)),
        }
    }
}

/// The parsed table of one load, after "later row wins" within the load.
#[derive(Debug, Clone)]
pub struct ValidatedTable {
    pub table: String,
    pub columns: Vec<ColumnData>,
    /// The table's files in load order.
    pub file_names: Vec<String>,
    /// Per loaded row: its file (an index into `file_names`) and line.
    pub source_file: Vec<u32>,
    pub source_line: Vec<i64>,
    pub files: Vec<FileStats>,
    pub rejects: Vec<Reject>,
}

impl ValidatedTable {
    pub fn rows(&self) -> usize {
        self.source_line.len()
    }

    /// Release the row data once it is encoded; counts and rejects stay.
    pub fn release_rows(&mut self) {
        self.columns = Vec::new();
        self.source_file = Vec::new();
        self.source_line = Vec::new();
    }
}
