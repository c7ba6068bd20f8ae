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
use crate::error::{Error, Result};
use crate::ingest::header::Mapping;
use crate::ingest::read::Row;
use crate::ingest::rows::{Action, ColumnData, FileStats, Reject, ValidatedTable};
use crate::parse;
use crate::schema::{Column, ColumnType, TableSchema};
use crate::text;
use steps::{shape, Problem};

/// Longest value kept in a reject record, in characters.
pub const REJECT_VALUE_CHARS: usize = 200;

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
    /// The column that says whose row it is (`station_id`), or for a table
    /// without one, the repair it belongs to.
    station: Option<usize>,
    repair: Option<usize>,
}

/// Whose row a reject is: (station_id, repair_id) as sent.
type Owner = (Option<String>, Option<String>);

/// Validates the rows of one table, file after file, for one load.
pub struct Validator<'s> {
    rules: Rules<'s>,
    mapping: Option<Mapping>,
    columns: Vec<ColumnData>,
    file_names: Vec<String>,
    row_file: Vec<usize>,
    row_line: Vec<i64>,
    keep: Vec<bool>,
    /// (hash of the key, row) of every stored row, matched up in `finish`
    /// (`resolve_duplicates`). The key itself is read back from the stored
    /// columns, so no string is copied per row (a `String` per key was a
    /// quarter of ingest at 10M units).
    keys: Vec<(u64, u32)>,
    /// The parsed cells of the row being validated, reused.
    scratch: Vec<Val>,
    files: Vec<FileStats>,
    rejects: Vec<Reject>,
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
            station: schema.column_index("station_id"),
            repair: schema.column_index("station_id").map_or_else(|| schema.column_index("repair_id"), |_| None),
        };
        Ok(Validator {
            columns: schema.columns.iter().map(|c| ColumnData::new(c.ty)).collect(),
            rules,
            mapping: None,
            file_names: Vec::new(),
            row_file: Vec::new(),
            row_line: Vec::new(),
            keep: Vec::new(),
            keys: Vec::new(),
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
        self.keys.reserve(rows);
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

    /// One row through the steps: its shape, each cell parsed, the rules
    /// between cells, then "later row wins" and storing. Any step may
    /// reject the row; the parse and cross-field steps may null fields.
    fn push_row(&mut self, mapping: &Mapping, row: &Row<'_>, vals: &mut Vec<Val>) {
        let file = self.files.len() - 1;
        self.files[file].rows_read += 1;
        let mut nulled: Vec<Problem> = Vec::new();
        let checked = shape(mapping, row)
            .and_then(|()| self.rules.parse(mapping, row, vals, &mut nulled))
            .and_then(|()| self.rules.cross_field(mapping, row, vals, &mut nulled));
        if let Err(r) = checked {
            return self.reject_row(mapping, row, r.column, r.value, r.rule, r.reason);
        }
        self.note_key(mapping, row, vals);
        self.store(mapping, row, vals, file, nulled);
    }

    /// Note the hash of a row's key, for "later row wins" (`finish`).
    fn note_key(&mut self, mapping: &Mapping, row: &Row<'_>, vals: &[Val]) {
        if self.rules.key.is_empty() {
            return;
        }
        let mut h = foldhash::fast::FixedState::default().build_hasher();
        for &k in &self.rules.key {
            key_part(mapping, row, vals, k).hash(&mut h);
        }
        self.keys.push((h.finish(), self.row_line.len() as u32));
    }

    /// "Later row wins" within the load: each stored row is superseded by
    /// the next row with its key (`keys::each_next`).
    fn resolve_duplicates(&mut self) {
        let mut superseded = Vec::new();
        crate::keys::each_next(
            std::mem::take(&mut self.keys),
            |a, b| self.same_key(a, b),
            |prev, by| superseded.push((prev, by)),
        );
        for (prev, by) in superseded {
            self.supersede(prev, self.row_file[by], self.row_line[by] as u64);
        }
    }

    /// True when stored rows `a` and `b` have the same key.
    fn same_key(&self, a: usize, b: usize) -> bool {
        self.rules.key.iter().all(|&k| match &self.columns[k] {
            ColumnData::Str(c) => c.get(a) == c.get(b),
            ColumnData::Int(v) => v[a] == v[b],
            _ => false,
        })
    }

    /// Store a row that loads, and record its nulled fields.
    fn store(&mut self, mapping: &Mapping, row: &Row<'_>, vals: &mut Vec<Val>, file: usize, nulled: Vec<Problem>) {
        let cell = |ci: usize| cell_text(mapping, row, ci);
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
                self.owner(mapping, row, Some(p.column)),
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
        let owner = self.owner(mapping, row, column);
        let r = self.record(file, row.line, column, value, key, rule, reason, Action::RowRejected, owner);
        self.rejects.push(r);
    }

    /// Whose row this is: its station_id (or repair_id) cell, trimmed;
    /// None when empty or when that cell is the one at fault.
    fn owner(&self, mapping: &Mapping, row: &Row<'_>, bad: Option<usize>) -> Owner {
        let cell = |c: Option<usize>| {
            c.filter(|&c| Some(c) != bad)
                .map(|c| trim(cell_text(mapping, row, c)).to_string())
                .filter(|v| !v.is_empty())
        };
        (cell(self.rules.station), cell(self.rules.repair))
    }

    /// Whose row a stored row is.
    fn stored_owner(&self, row: usize) -> Owner {
        let cell = |c: Option<usize>| match c.map(|c| &self.columns[c]) {
            Some(ColumnData::Str(v)) => v.get(row).map(str::to_string),
            _ => None,
        };
        (cell(self.rules.station), cell(self.rules.repair))
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
            self.stored_owner(prev),
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
        owner: Owner,
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
            station_id: owner.0,
            repair_id: owner.1,
        }
    }

    /// Apply "later row wins" and hand over the table.
    pub fn finish(mut self) -> ValidatedTable {
        self.resolve_duplicates();
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

/// One value of a record's key, as it will be stored: trimmed text, or an
/// int.
#[derive(Hash)]
enum KeyPart<'a> {
    Str(&'a str),
    Int(i64),
}

fn key_part<'r>(mapping: &Mapping, row: &Row<'r>, vals: &[Val], k: usize) -> KeyPart<'r> {
    match vals[k] {
        Val::Int(i) => KeyPart::Int(i),
        _ => KeyPart::Str(trim(cell_text(mapping, row, k))),
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

/// The record's key as sent, for reject records; None when it is empty.
fn key_text(key: &[usize], mapping: &Mapping, row: &Row<'_>) -> Option<String> {
    let parts: Vec<&str> = key.iter().map(|&k| cell_text(mapping, row, k).trim()).collect();
    (!parts.iter().all(|p| p.is_empty())).then(|| parts.join("/"))
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

mod steps;
#[cfg(test)]
mod tests;
