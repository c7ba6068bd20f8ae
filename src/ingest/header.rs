//! A file's header against a table's schema: which field holds which
//! column (canonical name or Chinese alias, without case or surrounding
//! spaces), which header cells are unknown or blank, and whether a row
//! merely repeats the header.

use crate::error::FileProblem;
use crate::ingest::read::Row;
use crate::schema::TableSchema;

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

/// True when `row` repeats the header (a second export pasted below the
/// first): as many fields, each the header cell again.
pub fn is_header(mapping: &Mapping, row: &Row<'_>) -> bool {
    let same = |f: &str, h: &str| {
        let f = f.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
        f.len() == h.len() && (f.eq_ignore_ascii_case(h) || (!f.is_ascii() && f.to_lowercase() == h))
    };
    row.fields.len() == mapping.width
        && !mapping.header.is_empty()
        && same(row.fields[0], &mapping.header[0])
        && row.fields.iter().zip(&mapping.header).all(|(f, h)| same(f, h))
}
