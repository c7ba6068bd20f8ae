//! The steps a row goes through before it loads: its shape as a whole,
//! each cell parsed by its column's type and range, then the rules between
//! cells. Each may reject the row; parsing and the cross-field rules may
//! instead null an optional value and say why.

use super::{cell_problem, cell_text, trim, Rules, Val};
use crate::ingest::header::{is_header, Mapping};
use crate::ingest::read::Row;
use crate::parse;
use crate::schema::{Column, ColumnType};

/// Why a row does not load: the column and value at fault, if one is.
pub(super) struct Rejection<'r> {
    pub(super) column: Option<usize>,
    pub(super) value: Option<&'r str>,
    pub(super) rule: &'static str,
    pub(super) reason: String,
}

fn rejection<'r>(column: Option<usize>, value: Option<&'r str>, rule: &'static str, reason: String) -> Rejection<'r> {
    Rejection { column, value, rule, reason }
}

/// The row as a whole: text that could not be read as a record, a repeated
/// header, or the wrong number of fields.
pub(super) fn shape<'r>(mapping: &Mapping, row: &Row<'r>) -> std::result::Result<(), Rejection<'r>> {
    if let Some(defect) = row.defect {
        return Err(rejection(None, None, defect.rule, defect.reason.to_string()));
    }
    if is_header(mapping, row) {
        let reason = "the line repeats the header; delete it (the rows after it are read as usual)".to_string();
        return Err(rejection(None, None, "repeated_header", reason));
    }
    if row.fields.len() != mapping.width {
        let hint = if row.fields.len() < mapping.width { " (the line looks cut off)" } else { "" };
        let reason = format!("expected {} fields, found {}{hint}", mapping.width, row.fields.len());
        return Err(rejection(None, None, "field_count", reason));
    }
    Ok(())
}

impl Rules<'_> {
    /// Parse every cell into `vals`: a bad required value rejects the row,
    /// a bad optional one is nulled (into `nulled`), an empty one takes the
    /// column's default.
    pub(super) fn parse<'r>(
        &self,
        mapping: &Mapping,
        row: &Row<'r>,
        vals: &mut Vec<Val>,
        nulled: &mut Vec<Problem>,
    ) -> std::result::Result<(), Rejection<'r>> {
        for (ci, col) in self.schema.columns.iter().enumerate() {
            // A spreadsheet cell whose text is not its value (a formula with
            // no saved value, an error) counts as a value that does not parse.
            if let Some((_, rule, reason)) = cell_problem(mapping, row, ci) {
                if col.required {
                    return Err(rejection(Some(ci), None, rule, reason.clone()));
                }
                nulled.push(Problem { column: ci, rule, reason: reason.clone() });
                vals.push(Val::Null);
                continue;
            }
            let raw = cell_text(mapping, row, ci);
            let text = if col.ty == ColumnType::Text { raw } else { trim(raw) };
            if text.is_empty() {
                if col.required {
                    let reason = format!("`{}` is required but empty", col.name);
                    return Err(rejection(Some(ci), None, "missing_required", reason));
                }
                vals.push(self.defaults[ci].clone());
                continue;
            }
            match parse_cell(self, ci, col, text) {
                Ok(v) => vals.push(v),
                Err((rule, reason)) if col.required => return Err(rejection(Some(ci), Some(text), rule, reason)),
                Err((rule, reason)) => {
                    nulled.push(Problem { column: ci, rule, reason });
                    vals.push(Val::Null);
                }
            }
        }
        Ok(())
    }

    /// The rules between cells. Order rules: between two required values
    /// the row goes; otherwise the later-named optional value is nulled.
    /// `only_if`: a value kept only when a flag is true. `required_if`: a
    /// value that must be there when another is.
    pub(super) fn cross_field<'r>(
        &self,
        mapping: &Mapping,
        row: &Row<'r>,
        vals: &mut [Val],
        nulled: &mut Vec<Problem>,
    ) -> std::result::Result<(), Rejection<'r>> {
        let schema = self.schema;
        let cell = |ci: usize| cell_text(mapping, row, ci);
        for ci in 0..schema.columns.len() {
            let Some(oi) = self.not_before[ci] else { continue };
            let (Some(a), Some(b)) = (vals[ci].order_key(), vals[oi].order_key()) else { continue };
            if a >= b {
                continue;
            }
            let (col, other) = (&schema.columns[ci], &schema.columns[oi]);
            let reason = format!("`{}` {} is before `{}` {}", col.name, cell(ci).trim(), other.name, cell(oi).trim());
            if col.required && other.required {
                return Err(rejection(Some(ci), Some(cell(ci).trim()), "order", reason));
            }
            nulled.push(Problem { column: ci, rule: "order", reason });
            vals[ci] = Val::Null;
        }
        for ci in 0..schema.columns.len() {
            let Some(oi) = self.only_if[ci] else { continue };
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
            let Some(oi) = self.required_if[ci] else { continue };
            if vals[ci].is_null() && !vals[oi].is_null() {
                let (col, other) = (&schema.columns[ci], &schema.columns[oi]);
                let why = nulled.iter().find(|p| p.column == ci).map(|p| format!(": {}", p.reason)).unwrap_or_default();
                let reason = format!("`{}` is required when `{}` is set{why}", col.name, other.name);
                let value = cell(ci).trim();
                return Err(rejection(Some(ci), (!value.is_empty()).then_some(value), "required_if", reason));
            }
        }
        Ok(())
    }
}

/// A problem found in one row, before it is known whether the row loads.
pub(super) struct Problem {
    pub(super) column: usize,
    pub(super) rule: &'static str,
    pub(super) reason: String,
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
