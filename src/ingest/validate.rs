//! Pure validation of one table's rows for one load: rows of text cells in,
//! typed columns plus rejects out. Driven entirely by the table's schema
//! (`schemas/*.toml`) and the configured code lists. Two levels, as the
//! contract's section 2 says: a bad key or required value rejects the row;
//! a bad optional value is nulled and the row loads. Both are recorded.
//! Within one load the later row of a key wins and the earlier one becomes
//! a reject, so rows read = rows loaded + rows rejected for every file.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, Hasher};

/// std's map with a fast, non-cryptographic hash: keys are not attacker-chosen
/// in a way that matters for a batch job, and SipHash was a seventh of ingest.
type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

use crate::config::Config;
use crate::error::{Error, FileProblem, Result};
use crate::ingest::parse;
use crate::ingest::read::Row;
use crate::schema::{Column, ColumnType, TableSchema};
use crate::text;

/// Longest value kept in a reject record, in characters.
pub const REJECT_VALUE_CHARS: usize = 200;

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
    fn push(&mut self, v: Option<&str>) {
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
    fn new(ty: ColumnType) -> ColumnData {
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

    fn filter(self, keep: &[bool]) -> ColumnData {
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

/// A parsed cell. `Text` stands for the cell's own text (trimmed, except
/// for free text), read again when the row is stored, so a parsed row
/// borrows nothing and its buffer is reused from row to row.
#[derive(Debug, Clone, PartialEq)]
enum Val {
    Null,
    Text,
    Owned(String),
    Code(usize),
    Date(i32),
    Datetime(i64),
    Bool(bool),
    Int(i64),
    Money(i64),
}

impl Val {
    fn is_null(&self) -> bool {
        matches!(self, Val::Null)
    }

    /// The value as a comparable number, for order rules.
    fn order_key(&self) -> Option<i64> {
        match self {
            Val::Date(d) => Some(*d as i64),
            Val::Datetime(t) | Val::Int(t) | Val::Money(t) => Some(*t),
            _ => None,
        }
    }
}

/// Where each schema column sits in a file's header.
#[derive(Debug, Clone, PartialEq)]
pub struct Mapping {
    /// For each schema column, the index of its field, if the file has it.
    pub fields: Vec<Option<usize>>,
    /// The number of header cells; every row must have as many.
    pub width: usize,
    /// Header cells that name no column: ignored, with a warning.
    pub unknown: Vec<String>,
    /// Fields whose header cell is blank.
    pub blank: Vec<usize>,
    /// The header cells, normalised, to know a repeated header line.
    pub header: Vec<String>,
}

/// Normalise a header cell: case and surrounding spaces do not matter.
pub fn normalise_header(cell: &str) -> String {
    cell.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}').to_lowercase()
}

/// Find each schema column in `header` by canonical name or Chinese alias.
pub fn map_header(schema: &TableSchema, header: &[String]) -> std::result::Result<Mapping, FileProblem> {
    let mut fields = vec![None; schema.columns.len()];
    let mut unknown = Vec::new();
    let mut blank = Vec::new();
    for (i, cell) in header.iter().enumerate() {
        let h = normalise_header(cell);
        match schema.columns.iter().position(|c| c.name.to_lowercase() == h || c.zh.to_lowercase() == h) {
            Some(ci) => {
                if let Some(first) = fields[ci] {
                    return Err(FileProblem::DuplicateColumn {
                        column: schema.columns[ci].name.clone(),
                        first: first + 1,
                        second: i + 1,
                    });
                }
                fields[ci] = Some(i);
            }
            None if h.is_empty() => {
                blank.push(i);
                unknown.push(format!("(blank header in field {})", i + 1))
            }
            None => unknown.push(cell.trim().to_string()),
        }
    }
    let missing: Vec<String> = schema
        .columns
        .iter()
        .zip(&fields)
        .filter(|(c, f)| c.required && f.is_none())
        .map(|(c, _)| c.name.clone())
        .collect();
    if !missing.is_empty() {
        return Err(FileProblem::MissingColumns { table: schema.table.clone(), columns: missing });
    }
    let width = header.len();
    let header = header.iter().map(|h| normalise_header(h)).collect();
    Ok(Mapping { fields, width, unknown, blank, header })
}

/// True when every required column of `schema` is in `header`.
pub fn header_fits(schema: &TableSchema, header: &[String]) -> bool {
    let cells: Vec<String> = header.iter().map(|h| normalise_header(h)).collect();
    schema.required_columns().all(|c| cells.iter().any(|h| *h == c.name.to_lowercase() || *h == c.zh.to_lowercase()))
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

/// What does not change while rows stream in.
struct Rules<'s> {
    schema: &'s TableSchema,
    /// Per column: lookup (lower-case code or Chinese alias) → code index.
    lookups: Vec<FastMap<String, usize>>,
    /// Per column: the canonical codes.
    codes: Vec<Vec<String>>,
    /// Per column: the value of an empty cell.
    defaults: Vec<Val>,
    /// Indices of `not_before`, `required_if` and `only_if` targets.
    not_before: Vec<Option<usize>>,
    required_if: Vec<Option<usize>>,
    only_if: Vec<Option<usize>>,
    key: Vec<usize>,
}

/// Validates the rows of one table, file after file, for one load.
pub struct Validator<'s> {
    rules: Rules<'s>,
    mapping: Option<Mapping>,
    columns: Vec<ColumnData>,
    file_names: Vec<String>,
    row_file: Vec<usize>,
    row_line: Vec<i64>,
    keep: Vec<bool>,
    /// The loaded rows by key: (hash of the key, row). The key itself is
    /// read back from the stored columns, so no string is copied per row
    /// (a `String` per key was a quarter of ingest at 10M units).
    keys: hashbrown::HashTable<(u64, u32)>,
    /// The parsed cells of the row being validated, reused.
    scratch: Vec<Val>,
    files: Vec<FileStats>,
    rejects: Vec<Reject>,
}

/// A problem found in one row, before it is known whether the row loads.
struct Problem {
    column: usize,
    rule: &'static str,
    reason: String,
}

impl<'s> Validator<'s> {
    pub fn new(schema: &'s TableSchema, config: &Config) -> Result<Validator<'s>> {
        let schema_err = |message: String| Error::Schema { table: schema.table.clone(), message };
        let idx = |name: &Option<String>| name.as_ref().and_then(|n| schema.column_index(n));
        let mut lookups = Vec::new();
        let mut codes = Vec::new();
        let mut defaults = Vec::new();
        for c in &schema.columns {
            let mut lookup = FastMap::default();
            let mut list = Vec::new();
            if let Some(name) = &c.codes {
                let entries = config
                    .code_list(name)
                    .ok_or_else(|| schema_err(format!("`{}` uses unknown code list `{name}`", c.name)))?;
                for (i, (code, zh)) in entries.iter().enumerate() {
                    lookup.insert(code.to_lowercase(), i);
                    lookup.insert(zh.to_string(), i);
                    list.push(code.to_string());
                }
            }
            let default = match &c.default {
                None => Val::Null,
                Some(d) => match c.ty {
                    ColumnType::Bool => Val::Bool(parse::boolean(d).map_err(&schema_err)?),
                    ColumnType::Int => Val::Int(parse::int(d).map_err(&schema_err)?),
                    ColumnType::Money => Val::Money(parse::money(d).map_err(&schema_err)?),
                    _ => return Err(schema_err(format!("`{}`: defaults are for bool, int and money", c.name))),
                },
            };
            lookups.push(lookup);
            codes.push(list);
            defaults.push(default);
        }
        let rules = Rules {
            schema,
            lookups,
            codes,
            defaults,
            not_before: schema.columns.iter().map(|c| idx(&c.not_before)).collect(),
            required_if: schema.columns.iter().map(|c| idx(&c.required_if)).collect(),
            only_if: schema.columns.iter().map(|c| idx(&c.only_if)).collect(),
            key: schema.key_indices(),
        };
        Ok(Validator {
            columns: schema.columns.iter().map(|c| ColumnData::new(c.ty)).collect(),
            rules,
            mapping: None,
            file_names: Vec::new(),
            row_file: Vec::new(),
            row_line: Vec::new(),
            keep: Vec::new(),
            keys: hashbrown::HashTable::new(),
            scratch: Vec::new(),
            files: Vec::new(),
            rejects: Vec::new(),
        })
    }

    /// Start the next file of this table; files come in file-name order.
    pub fn begin_file(&mut self, name: &str, mapping: Mapping) {
        self.file_names.push(name.to_string());
        self.files.push(FileStats { name: name.to_string(), ..FileStats::default() });
        self.mapping = Some(mapping);
    }

    /// Make room for about `rows` more rows.
    pub fn reserve(&mut self, rows: usize) {
        self.keys.reserve(rows, |e| e.0);
        self.row_file.reserve(rows);
        self.row_line.reserve(rows);
        self.keep.reserve(rows);
    }

    /// A file with no rows (0 bytes): counted, nothing else.
    pub fn empty_file(&mut self, name: &str) {
        self.file_names.push(name.to_string());
        self.files.push(FileStats { name: name.to_string(), ..FileStats::default() });
        self.mapping = None;
    }

    /// Validate one row of the current file.
    pub fn push(&mut self, row: &Row<'_>) {
        let Some(mapping) = self.mapping.take() else { return };
        let mut vals = std::mem::take(&mut self.scratch);
        vals.clear();
        self.push_row(&mapping, row, &mut vals);
        self.scratch = vals;
        self.mapping = Some(mapping);
    }

    fn push_row(&mut self, mapping: &Mapping, row: &Row<'_>, vals: &mut Vec<Val>) {
        let file = self.files.len() - 1;
        self.files[file].rows_read += 1;
        let rules = &self.rules;
        let schema = rules.schema;
        let cell = |ci: usize| cell_text(mapping, row, ci);
        let reject = |this: &mut Self, column: Option<usize>, value: Option<&str>, rule, reason: String| {
            this.reject_row(mapping, row, column, value, rule, reason)
        };

        if let Some(defect) = row.defect {
            return reject(self, None, None, defect.rule, defect.reason.to_string());
        }
        if is_header(mapping, row) {
            let reason = "the line repeats the header; delete it (the rows after it are read as usual)".to_string();
            return reject(self, None, None, "repeated_header", reason);
        }
        if row.fields.len() != mapping.width {
            let hint = if row.fields.len() < mapping.width { " (the line looks cut off)" } else { "" };
            let reason = format!("expected {} fields, found {}{hint}", mapping.width, row.fields.len());
            return reject(self, None, None, "field_count", reason);
        }

        let mut nulled: Vec<Problem> = Vec::new();
        for (ci, col) in schema.columns.iter().enumerate() {
            // A spreadsheet cell whose text is not its value (a formula with
            // no saved value, an error) counts as a value that does not parse.
            if let Some((_, rule, reason)) = cell_problem(mapping, row, ci) {
                if col.required {
                    return reject(self, Some(ci), None, rule, reason.clone());
                }
                nulled.push(Problem { column: ci, rule, reason: reason.clone() });
                vals.push(Val::Null);
                continue;
            }
            let raw = cell(ci);
            let text = if col.ty == ColumnType::Text { raw } else { trim(raw) };
            if text.is_empty() {
                if col.required {
                    let reason = format!("`{}` is required but empty", col.name);
                    return reject(self, Some(ci), None, "missing_required", reason);
                }
                vals.push(rules.defaults[ci].clone());
                continue;
            }
            match parse_cell(rules, ci, col, text) {
                Ok(v) => vals.push(v),
                Err((rule, reason)) if col.required => {
                    return reject(self, Some(ci), Some(text), rule, reason);
                }
                Err((rule, reason)) => {
                    nulled.push(Problem { column: ci, rule, reason });
                    vals.push(Val::Null);
                }
            }
        }

        // Order rules: between two required values the row goes; otherwise
        // the later-named optional value is nulled.
        for ci in 0..schema.columns.len() {
            let Some(oi) = rules.not_before[ci] else { continue };
            let (Some(a), Some(b)) = (vals[ci].order_key(), vals[oi].order_key()) else { continue };
            if a >= b {
                continue;
            }
            let (col, other) = (&schema.columns[ci], &schema.columns[oi]);
            let reason = format!("`{}` {} is before `{}` {}", col.name, cell(ci).trim(), other.name, cell(oi).trim());
            if col.required && other.required {
                return reject(self, Some(ci), Some(cell(ci).trim()), "order", reason);
            }
            nulled.push(Problem { column: ci, rule: "order", reason });
            vals[ci] = Val::Null;
        }
        for ci in 0..schema.columns.len() {
            let Some(oi) = rules.only_if[ci] else { continue };
            if !vals[ci].is_null() && vals[oi] != Val::Bool(true) {
                nulled.push(Problem {
                    column: ci,
                    rule: "only_if",
                    reason: format!(
                        "`{}` is only kept when `{}` is true",
                        schema.columns[ci].name, schema.columns[oi].name
                    ),
                });
                vals[ci] = Val::Null;
            }
        }
        for ci in 0..schema.columns.len() {
            let Some(oi) = rules.required_if[ci] else { continue };
            if vals[ci].is_null() && !vals[oi].is_null() {
                let (col, other) = (&schema.columns[ci], &schema.columns[oi]);
                let why = nulled.iter().find(|p| p.column == ci).map(|p| format!(": {}", p.reason)).unwrap_or_default();
                let reason = format!("`{}` is required when `{}` is set{why}", col.name, other.name);
                let value = cell(ci).trim();
                return reject(self, Some(ci), (!value.is_empty()).then_some(value), "required_if", reason);
            }
        }

        // The row loads.
        let row_index = self.row_line.len();
        if !rules.key.is_empty() {
            // Key values as they will be stored: trimmed text, or an int.
            let part = |k: usize| match vals[k] {
                Val::Int(i) => KeyPart::Int(i),
                _ => KeyPart::Str(trim(cell(k))),
            };
            let mut h = foldhash::fast::FixedState::default().build_hasher();
            for &k in &rules.key {
                part(k).hash(&mut h);
            }
            let hash = h.finish();
            let columns = &self.columns;
            let same = |&(h, r): &(u64, u32)| {
                h == hash && rules.key.iter().all(|&k| part(k).is_stored(&columns[k], r as usize))
            };
            let prev = match self.keys.find_mut(hash, same) {
                Some(entry) => Some(std::mem::replace(&mut entry.1, row_index as u32)),
                None => {
                    self.keys.insert_unique(hash, (hash, row_index as u32), |e| e.0);
                    None
                }
            };
            if let Some(prev) = prev {
                self.supersede(prev as usize, file, row.line);
            }
        }
        for (ci, v) in vals.drain(..).enumerate() {
            let col = &self.rules.schema.columns[ci];
            let text = if col.ty == ColumnType::Text { cell(ci) } else { trim(cell(ci)) };
            push_val(&mut self.columns[ci], &self.rules.codes[ci], v, text);
        }
        self.row_file.push(file);
        self.row_line.push(row.line as i64);
        self.keep.push(true);
        let stats = &mut self.files[file];
        stats.rows_loaded += 1;
        stats.fields_nulled += nulled.len() as u64;
        for p in nulled {
            let value = cell(p.column).trim().to_string();
            let r = self.record(
                file,
                row.line,
                Some(p.column),
                Some(&value),
                key_text(&self.rules.key, mapping, row),
                p.rule,
                p.reason,
                Action::FieldNulled,
            );
            self.rejects.push(r);
        }
    }

    fn reject_row(
        &mut self,
        mapping: &Mapping,
        row: &Row<'_>,
        column: Option<usize>,
        value: Option<&str>,
        rule: &'static str,
        reason: String,
    ) {
        let key = key_text(&self.rules.key, mapping, row);
        let file = self.files.len() - 1;
        self.files[file].rows_rejected += 1;
        let r = self.record(file, row.line, column, value, key, rule, reason, Action::RowRejected);
        self.rejects.push(r);
    }

    /// An earlier row of the same key in this load loses to a later one.
    fn supersede(&mut self, prev: usize, file: usize, line: u64) {
        self.keep[prev] = false;
        let prev_file = self.row_file[prev];
        let stats = &mut self.files[prev_file];
        stats.rows_loaded -= 1;
        stats.rows_rejected += 1;
        let mut reason = format!("duplicate key, superseded by line {line}");
        if prev_file != file {
            reason.push_str(&format!(" of `{}`", self.file_names[file]));
        }
        let key_cols = &self.rules.key;
        let key_value = {
            let mut parts = Vec::new();
            for &k in key_cols {
                parts.push(match &self.columns[k] {
                    ColumnData::Str(c) => c.get(prev).unwrap_or("").to_string(),
                    ColumnData::Int(v) => v[prev].map(|x| x.to_string()).unwrap_or_default(),
                    _ => String::new(),
                });
            }
            parts.join("/")
        };
        let column = key_cols.first().copied();
        let r = self.record(
            prev_file,
            self.row_line[prev] as u64,
            column,
            Some(&key_value),
            Some(key_value.clone()),
            "duplicate_key",
            reason,
            Action::RowRejected,
        );
        self.rejects.push(r);
    }

    #[allow(clippy::too_many_arguments)]
    fn record(
        &self,
        file: usize,
        line: u64,
        column: Option<usize>,
        value: Option<&str>,
        key: Option<String>,
        rule: &'static str,
        reason: String,
        action: Action,
    ) -> Reject {
        let col: Option<&Column> = column.map(|c| &self.rules.schema.columns[c]);
        let personal = col.is_some_and(|c| c.personal);
        // A reject is shown to people (the report, the station's list), so
        // its value is masked: the whole value in a personal column, and a
        // phone-like number anywhere else (a phone typed into a code
        // column). The reason may quote the value, so it is masked too.
        let shown = |v: &str| {
            let v = if personal { text::mask_phone(v) } else { text::mask_phones(v).into_owned() };
            text::truncate(&v, REJECT_VALUE_CHARS)
        };
        let key = key.map(|k| text::shown(&k, REJECT_VALUE_CHARS));
        let reason = match (personal, value) {
            (true, Some(v)) if !v.is_empty() => reason.replace(v, &text::mask_phone(v)),
            _ => reason,
        };
        Reject {
            table: self.rules.schema.table.clone(),
            source_file: self.file_names[file].clone(),
            line,
            column: col.map(|c| c.name.clone()),
            value: value.map(shown),
            key,
            rule,
            reason: text::mask_phones(&reason).into_owned(),
            action,
        }
    }

    /// Apply "later row wins" and hand over the table.
    pub fn finish(self) -> ValidatedTable {
        let keep = self.keep;
        let columns = if keep.iter().all(|k| *k) {
            self.columns
        } else {
            self.columns.into_iter().map(|c| c.filter(&keep)).collect()
        };
        let mut source_file = Vec::new();
        let mut source_line = Vec::new();
        for (i, k) in keep.iter().enumerate() {
            if *k {
                source_file.push(self.row_file[i] as u32);
                source_line.push(self.row_line[i]);
            }
        }
        let mut rejects = self.rejects;
        let order: HashMap<&str, usize> = self.file_names.iter().enumerate().map(|(i, n)| (n.as_str(), i)).collect();
        rejects.sort_by(|a, b| {
            (order[a.source_file.as_str()], a.line, a.action, &a.column).cmp(&(
                order[b.source_file.as_str()],
                b.line,
                b.action,
                &b.column,
            ))
        });
        ValidatedTable {
            table: self.rules.schema.table.clone(),
            columns,
            file_names: self.file_names,
            source_file,
            source_line,
            files: self.files,
            rejects,
        }
    }
}

/// One value of a record's key, as stored.
#[derive(Hash)]
enum KeyPart<'a> {
    Str(&'a str),
    Int(i64),
}

impl KeyPart<'_> {
    /// True when row `r` of `col` holds this value.
    fn is_stored(&self, col: &ColumnData, r: usize) -> bool {
        match (self, col) {
            (KeyPart::Str(s), ColumnData::Str(c)) => c.get(r) == Some(*s),
            (KeyPart::Int(i), ColumnData::Int(v)) => v[r] == Some(*i),
            _ => false,
        }
    }
}

/// `str::trim`, with a fast exit for the usual cell that has no space at
/// either end (Unicode trimming was 8% of ingest).
fn trim(s: &str) -> &str {
    match (s.as_bytes().first(), s.as_bytes().last()) {
        (Some(a), Some(b)) if a.is_ascii_graphic() && b.is_ascii_graphic() => s,
        _ => s.trim(),
    }
}

/// The text of schema column `ci` in `row` ("" when the file lacks it).
fn cell_text<'r>(mapping: &Mapping, row: &Row<'r>, ci: usize) -> &'r str {
    match mapping.fields[ci] {
        Some(i) => row.fields.get(i).copied().unwrap_or(""),
        None => "",
    }
}

/// The spreadsheet problem of schema column `ci`'s cell in `row`, if any.
fn cell_problem<'r>(mapping: &Mapping, row: &Row<'r>, ci: usize) -> Option<&'r crate::ingest::read::CellProblem> {
    if row.cell_problems.is_empty() {
        return None;
    }
    let field = mapping.fields[ci]?;
    row.cell_problems.iter().find(|p| p.0 == field)
}

/// True when `row` repeats the header (a second export pasted below the
/// first): as many fields, each the header cell again.
fn is_header(mapping: &Mapping, row: &Row<'_>) -> bool {
    let same = |f: &str, h: &str| {
        let f = f.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
        f.len() == h.len() && (f.eq_ignore_ascii_case(h) || (!f.is_ascii() && f.to_lowercase() == h))
    };
    row.fields.len() == mapping.width
        && !mapping.header.is_empty()
        && same(row.fields[0], &mapping.header[0])
        && row.fields.iter().zip(&mapping.header).all(|(f, h)| same(f, h))
}

/// The record's key as sent, for reject records; None when it is empty.
fn key_text(key: &[usize], mapping: &Mapping, row: &Row<'_>) -> Option<String> {
    let parts: Vec<&str> = key.iter().map(|&k| cell_text(mapping, row, k).trim()).collect();
    (!parts.iter().all(|p| p.is_empty())).then(|| parts.join("/"))
}

/// Parse one non-empty cell by its column type and check its range.
fn parse_cell(
    rules: &Rules<'_>,
    ci: usize,
    col: &Column,
    text: &str,
) -> std::result::Result<Val, (&'static str, String)> {
    let invalid = |reason: String| ("invalid_value", reason);
    let v = match col.ty {
        ColumnType::String | ColumnType::Text => Val::Text,
        ColumnType::Code => {
            let lookup = &rules.lookups[ci];
            let hit = lookup.get(text).or_else(|| lookup.get(&text.to_lowercase()));
            match hit {
                Some(&i) => Val::Code(i),
                None => {
                    return Err((
                        "unknown_code",
                        format!(
                            "`{text}` is not a known `{}` code; use one of {}",
                            col.name,
                            rules.codes[ci].join(", ")
                        ),
                    ))
                }
            }
        }
        ColumnType::Date => Val::Date(parse::days(parse::date(text).map_err(invalid)?)),
        ColumnType::Datetime => Val::Datetime(parse::micros(parse::datetime(text).map_err(invalid)?)),
        ColumnType::Bool => Val::Bool(parse::boolean(text).map_err(invalid)?),
        ColumnType::Int => Val::Int(parse::int(text).map_err(invalid)?),
        ColumnType::Money => Val::Money(parse::money(text).map_err(invalid)?),
        ColumnType::Month => Val::Owned(parse::month(text).map_err(invalid)?),
    };
    if let (Val::Int(x) | Val::Money(x), true) = (&v, col.min.is_some() || col.max.is_some()) {
        let scale = if col.ty == ColumnType::Money { 100 } else { 1 };
        if let Some(min) = col.min {
            if *x < min * scale {
                return Err(("out_of_range", format!("`{}` must be at least {min}, not {text}", col.name)));
            }
        }
        if let Some(max) = col.max {
            if *x > max * scale {
                return Err(("out_of_range", format!("`{}` must be at most {max}, not {text}", col.name)));
            }
        }
    }
    Ok(v)
}

/// Store a parsed cell; `text` is the cell's text, for `Val::Text`.
fn push_val(col: &mut ColumnData, codes: &[String], v: Val, text: &str) {
    match (col, v) {
        (ColumnData::Str(c), Val::Text) => c.push(Some(text)),
        (ColumnData::Str(c), Val::Owned(s)) => c.push(Some(&s)),
        (ColumnData::Str(c), Val::Code(i)) => c.push(Some(&codes[i])),
        (ColumnData::Str(c), _) => c.push(None),
        (ColumnData::Date(c), v) => c.push(if let Val::Date(d) = v { Some(d) } else { None }),
        (ColumnData::Datetime(c), v) => c.push(if let Val::Datetime(d) = v { Some(d) } else { None }),
        (ColumnData::Bool(c), v) => c.push(if let Val::Bool(d) = v { Some(d) } else { None }),
        (ColumnData::Int(c), v) => c.push(if let Val::Int(d) = v { Some(d) } else { None }),
        (ColumnData::Money(c), v) => c.push(if let Val::Money(d) = v { Some(d) } else { None }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Schemas;

    /// Validate CSV-like rows (`|`-separated, header first) of `table`.
    fn run(table: &str, files: &[(&str, &[&str])]) -> ValidatedTable {
        let schemas = Schemas::load().unwrap();
        let config = Config::defaults();
        let schema = schemas.get(table).unwrap();
        let mut v = Validator::new(schema, &config).unwrap();
        for (name, lines) in files {
            let header: Vec<String> = lines[0].split('|').map(String::from).collect();
            v.begin_file(name, map_header(schema, &header).unwrap());
            for (i, l) in lines[1..].iter().enumerate() {
                let fields: Vec<&str> = l.split('|').collect();
                v.push(&Row {
                    line: i as u64 + 2,
                    last_line: i as u64 + 2,
                    fields: &fields,
                    defect: None,
                    cell_problems: &[],
                });
            }
        }
        v.finish()
    }

    fn strs(t: &ValidatedTable, col: usize) -> Vec<Option<String>> {
        match &t.columns[col] {
            ColumnData::Str(c) => c.iter().map(|s| s.map(String::from)).collect(),
            other => panic!("not a string column: {other:?}"),
        }
    }

    const UNITS: &str = "serial|model|product_line|production_batch|production_date|sale_date|install_date|station_id";

    #[test]
    fn two_levels_of_problems() {
        let t = run(
            "units",
            &[(
                "units.csv",
                &[
                    UNITS,
                    "S1|M|household|B1|2026-01-10|2026-02-01|2026-01-20|ST1", // install before sale: nulled
                    "S2|M|家用|B1|2026-02-10|2026-02-01||ST1",                // sale before production: rejected
                    "S3|M|garden|B1|2026-01-10|2026-02-01||ST1",              // unknown code: rejected
                    "S4|M|household|B1|2026-01-10|2026-02-01|2026-02-30|ST1", // impossible optional date: nulled
                    "|M|household|B1|2026-01-10|2026-02-01||ST1",             // missing key: rejected
                    "S6|M|商用豪华型|B2|2026-01-10|2026/2/1|2026年2月3日|ST2",
                ],
            )],
        );
        assert_eq!(strs(&t, 0), [Some("S1".into()), Some("S4".into()), Some("S6".into())]);
        assert_eq!(strs(&t, 2)[2].as_deref(), Some("commercial_deluxe"));
        let ColumnData::Date(install) = &t.columns[6] else { panic!() };
        assert_eq!(install, &[None, None, Some(parse::days(chrono::NaiveDate::from_ymd_opt(2026, 2, 3).unwrap()))]);
        let f = &t.files[0];
        assert_eq!((f.rows_read, f.rows_loaded, f.rows_rejected, f.fields_nulled), (6, 3, 3, 2));
        let got: Vec<_> = t.rejects.iter().map(|r| (r.line, r.column.as_deref(), r.rule, r.action)).collect();
        assert_eq!(
            got,
            [
                (2, Some("install_date"), "order", Action::FieldNulled),
                (3, Some("sale_date"), "order", Action::RowRejected),
                (4, Some("product_line"), "unknown_code", Action::RowRejected),
                (5, Some("install_date"), "invalid_value", Action::FieldNulled),
                (6, Some("serial"), "missing_required", Action::RowRejected),
            ]
        );
        assert_eq!(t.rejects[1].reason, "`sale_date` 2026-02-01 is before `production_date` 2026-02-10");
        assert_eq!(t.rejects[3].value.as_deref(), Some("2026-02-30"));
    }

    #[test]
    fn later_row_wins_within_a_load_across_files() {
        let h = "repair_id|serial|station_id|reported_at|component|cause";
        let t = run(
            "repairs",
            &[
                (
                    "a.csv",
                    &[h, "R1|S1|ST1|2026-10-01 08:00|compressor|quality", "R2|S2|ST1|2026-10-01 09:00|motor|quality"],
                ),
                ("b.csv", &[h, "R1|S1|ST1|2026-10-01 08:00|压缩机|installation"]),
            ],
        );
        assert_eq!(strs(&t, 0), [Some("R2".into()), Some("R1".into())]);
        assert_eq!(strs(&t, 9)[1].as_deref(), Some("installation"));
        assert_eq!(t.source_file, [0, 1]);
        assert_eq!(t.file_names, ["a.csv", "b.csv"]);
        assert_eq!((t.files[0].rows_loaded, t.files[0].rows_rejected), (1, 1));
        assert_eq!(t.rejects[0].reason, "duplicate key, superseded by line 2 of `b.csv`");
        assert_eq!((t.rejects[0].line, t.rejects[0].value.as_deref()), (2, Some("R1")));
        // Money defaults to 0 when the column is absent.
        let ColumnData::Money(labor) = &t.columns[11] else { panic!() };
        assert_eq!(labor, &[Some(0), Some(0)]);
    }

    #[test]
    fn conditional_rules_and_masking() {
        let h = "order_id|station_id|part_no|component|quantity|requested_at|promised_at|shipped_at|shipped_part_no|shipped_quantity";
        let t = run(
            "parts",
            &[(
                "parts.csv",
                &[
                    h,
                    "O1|ST1|P1|motor|1|2026-10-01|2026-10-03|2026-10-02|P1|1",
                    "O2|ST1|P1|motor|1|2026-10-01|2026-10-03|2026-10-02||1", // shipped without part: rejected
                    "O3|ST1|P1|motor|0|2026-10-01|2026-10-03|||",            // quantity 0: rejected
                    "O4|ST1|P1|motor|2|2026-10-01|2026-10-03|||",            // not shipped yet: fine
                ],
            )],
        );
        assert_eq!(strs(&t, 0), [Some("O1".into()), Some("O4".into())]);
        assert_eq!(t.rejects[0].reason, "`shipped_part_no` is required when `shipped_at` is set");
        assert_eq!(t.rejects[1].reason, "`quantity` must be at least 1, not 0");

        let h = "visit_id|repair_id|visited_at|channel|reached|satisfaction";
        let t =
            run("visits", &[("v.csv", &[h, "V1|R1|2026-10-05 10:00|电话|否|5", "V2|R1|2026-10-05 10:00|phone|是|7"])]);
        let ColumnData::Int(sat) = &t.columns[5] else { panic!() };
        assert_eq!(sat, &[None, None]);
        assert_eq!(t.rejects.iter().map(|r| r.rule).collect::<Vec<_>>(), ["only_if", "out_of_range"]);

        let h = "repair_id|serial|station_id|reported_at|component|cause|customer_phone|labor_cost|parts_cost";
        let t = run("repairs", &[("r.csv", &[h, "R1|S1|ST1|2026-10-01 08:00|motor|quality|13812345678|-5|1.234"])]);
        assert_eq!(t.files[0].fields_nulled, 2);
        assert_eq!(t.rejects[0].reason, "`labor_cost` must be at least 0, not -5");
        assert!(t.rejects[1].reason.contains("more than 2 decimals"));
        let ColumnData::Money(parts) = &t.columns[12] else { panic!() };
        assert_eq!(parts, &[None]);
    }

    #[test]
    fn headers_match_without_case_or_spaces_and_in_chinese() {
        let schemas = Schemas::load().unwrap();
        let s = schemas.get("visits").unwrap();
        let h: Vec<String> =
            [" Visit_ID ", "维修单号", "VISITED_AT", "回访方式", "reached", "extra"].map(String::from).into();
        let m = map_header(s, &h).unwrap();
        assert_eq!(m.fields[..5], [Some(0), Some(1), Some(2), Some(3), Some(4)]);
        assert_eq!(m.unknown, ["extra"]);
        let h: Vec<String> = ["visit_id", "回访编号"].map(String::from).into();
        assert!(matches!(map_header(s, &h), Err(FileProblem::DuplicateColumn { .. })));
        let h: Vec<String> = ["visit_id"].map(String::from).into();
        let Err(FileProblem::MissingColumns { columns, .. }) = map_header(s, &h) else { panic!() };
        assert_eq!(columns, ["repair_id", "visited_at", "channel", "reached"]);
    }
}
