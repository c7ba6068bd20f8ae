//! The input tables' contracts, loaded from the embedded `schemas/*.toml`:
//! one file per table, the single source of truth for columns, Chinese
//! aliases, types, required/optional, ranges, order rules and keys. Ingest
//! is driven entirely by these; there is no per-table validation code.

use serde::Deserialize;

use crate::error::{Error, Result};

/// The embedded schema files, in the order tables are processed and listed.
const SOURCES: &[(&str, &str)] = &[
    ("stations", include_str!("../schemas/stations.toml")),
    ("units", include_str!("../schemas/units.toml")),
    ("repairs", include_str!("../schemas/repairs.toml")),
    ("parts", include_str!("../schemas/parts.toml")),
    ("visits", include_str!("../schemas/visits.toml")),
    ("feedback_forms", include_str!("../schemas/feedback_forms.toml")),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnType {
    /// An identifier or short value: surrounding spaces are trimmed.
    String,
    /// Free text: stored exactly as sent.
    Text,
    /// A code from a configured code list (canonical code or Chinese alias).
    Code,
    Date,
    Datetime,
    Bool,
    Int,
    /// CNY with at most 2 decimals, stored as Decimal(18, 2).
    Money,
    /// A calendar month, stored as the string `YYYY-MM`.
    Month,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Column {
    pub name: String,
    pub zh: String,
    #[serde(rename = "type")]
    pub ty: ColumnType,
    #[serde(default)]
    pub required: bool,
    /// Value used when the cell is empty (never when a bad value is nulled).
    pub default: Option<String>,
    pub min: Option<i64>,
    pub max: Option<i64>,
    /// For `code` columns: the configured code list.
    pub codes: Option<String>,
    /// Order rule: this value must not be before the named column's value.
    pub not_before: Option<String>,
    /// This value is required whenever the named column has a value.
    pub required_if: Option<String>,
    /// This value is only kept when the named bool column is true.
    pub only_if: Option<String>,
    /// Personal data: masked wherever it is shown.
    #[serde(default)]
    pub personal: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableSchema {
    pub table: String,
    pub zh: String,
    /// File stems (English or Chinese) that name this table.
    pub stems: Vec<String>,
    pub key: Vec<String>,
    /// When set, a later load of a document id replaces all its rows.
    pub document: Option<String>,
    pub columns: Vec<Column>,
}

impl TableSchema {
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }

    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// Required columns, as a header must carry them.
    pub fn required_columns(&self) -> impl Iterator<Item = &Column> {
        self.columns.iter().filter(|c| c.required)
    }

    pub fn key_indices(&self) -> Vec<usize> {
        self.key.iter().filter_map(|k| self.column_index(k)).collect()
    }

    fn check(&self) -> std::result::Result<(), String> {
        for k in &self.key {
            let c = self.column(k).ok_or_else(|| format!("key column `{k}` is not a column"))?;
            if !c.required {
                return Err(format!("key column `{k}` must be required"));
            }
        }
        for c in &self.columns {
            for (rule, other) in
                [("not_before", &c.not_before), ("required_if", &c.required_if), ("only_if", &c.only_if)]
            {
                if let Some(o) = other {
                    if self.column(o).is_none() {
                        return Err(format!("`{}`: {rule} names unknown column `{o}`", c.name));
                    }
                }
            }
            if (c.ty == ColumnType::Code) != c.codes.is_some() {
                return Err(format!("`{}`: `codes` goes with type `code` only", c.name));
            }
        }
        Ok(())
    }
}

/// All input tables, parsed and checked.
#[derive(Debug, Clone)]
pub struct Schemas {
    pub tables: Vec<TableSchema>,
}

impl Schemas {
    pub fn load() -> Result<Schemas> {
        let mut tables = Vec::new();
        for (name, text) in SOURCES {
            let t: TableSchema =
                toml::from_str(text).map_err(|e| Error::Schema { table: name.to_string(), message: e.to_string() })?;
            t.check().map_err(|message| Error::Schema { table: name.to_string(), message })?;
            tables.push(t);
        }
        Ok(Schemas { tables })
    }

    pub fn get(&self, table: &str) -> Option<&TableSchema> {
        self.tables.iter().find(|t| t.table == table)
    }

    /// SHA-256 over the schema sources: a change re-ingests every drop.
    pub fn hash() -> String {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        for (name, text) in SOURCES {
            h.update(name.as_bytes());
            h.update(text.as_bytes());
        }
        crate::config::hex(&h.finalize())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_schemas_load_and_agree_with_the_contract() {
        let s = Schemas::load().unwrap();
        let names: Vec<_> = s.tables.iter().map(|t| t.table.as_str()).collect();
        assert_eq!(names, ["stations", "units", "repairs", "parts", "visits", "feedback_forms"]);
        assert_eq!(s.get("repairs").unwrap().columns.len(), 15);
        assert_eq!(s.get("parts").unwrap().columns.len(), 13);
        assert_eq!(s.get("feedback_forms").unwrap().key, ["form_id", "line_no"]);
        let units = s.get("units").unwrap();
        assert_eq!(units.column("sale_date").unwrap().not_before.as_deref(), Some("production_date"));
        assert_eq!(units.column("serial").unwrap().zh, "条形码");
        let cfg = crate::config::Config::defaults();
        for t in &s.tables {
            for c in &t.columns {
                if let Some(list) = &c.codes {
                    assert!(cfg.code_list(list).is_some(), "{}.{}", t.table, c.name);
                }
            }
        }
    }
}
