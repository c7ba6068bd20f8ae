//! qfb's readers of the lake. They read only the partitions that committed
//! manifests list, and apply "latest load wins": per key, the row of the
//! highest load month (within a load keys are already unique). For a
//! document table (feedback forms) the unit is the document: the lines of
//! a form's latest load replace all of its earlier lines.

use polars::prelude::*;

use crate::error::Result;
use crate::lake::{frame, Lake, Manifest};
use crate::schema::TableSchema;

/// The hive partition column added to every row read.
pub const LOAD_MONTH: &str = "load_month";

impl Lake {
    /// Every committed row of `table` (an input table or `_rejects`), with
    /// `load_month`, from loads up to `through` (inclusive) when given.
    pub fn scan(&self, table: &str, empty: Schema, through: Option<&str>) -> Result<LazyFrame> {
        let manifests = self.manifests()?;
        scan_manifests(self, &manifests, table, empty, through)
    }

    /// The current state of an input table: every load, latest load wins.
    pub fn current(&self, schema: &TableSchema) -> Result<LazyFrame> {
        self.current_through(schema, None)
    }

    /// The state as of load month `through`: only loads up to it count.
    pub fn current_through(&self, schema: &TableSchema, through: Option<&str>) -> Result<LazyFrame> {
        let all = self.scan(&schema.table, frame::table_schema(schema), through)?;
        Ok(match &schema.document {
            // A document's lines come as a set: keep every line of the
            // document's latest load.
            Some(doc) => {
                let latest = col(LOAD_MONTH).max().over([col(doc.as_str())])?;
                all.filter(col(LOAD_MONTH).eq(latest))
            }
            // Loads are concatenated oldest first and keys are unique within
            // a load, so the last row of a key is its latest load. (A hash
            // `unique` is several times cheaper than a window over the keys.)
            None => {
                all.unique(Some(by_name(schema.key.iter().map(|k| k.as_str()), true, false)), UniqueKeepStrategy::Last)
            }
        })
    }
}

fn scan_manifests(
    lake: &Lake,
    manifests: &[Manifest],
    table: &str,
    empty: Schema,
    through: Option<&str>,
) -> Result<LazyFrame> {
    let mut frames = Vec::new();
    for m in manifests {
        if through.is_some_and(|t| m.load_month.as_str() > t) {
            continue;
        }
        let Some(p) = m.partition(table) else { continue };
        let path = lake.root.join(&p.store);
        let lf = LazyFrame::scan_parquet(PlRefPath::try_from_path(&path)?, ScanArgsParquet::default())?
            .with_column(lit(m.load_month.clone()).alias(LOAD_MONTH));
        frames.push(lf);
    }
    if frames.is_empty() {
        let mut df = DataFrame::empty_with_schema(&empty);
        df.with_column(Column::new_empty(LOAD_MONTH.into(), &DataType::String))?;
        return Ok(df.lazy());
    }
    Ok(concat(frames, UnionArgs::default())?)
}
