//! `data_quality` for M: what the quality department checks before it
//! trusts the numbers. Grain: one row per finding, in a long format:
//! month, section, table, item, count, detail, provisional. Sections:
//! - `load`: rows read, loaded, rejected and fields nulled per file of the
//!   loads M and M+1 (the drops that carry M's data);
//! - `reject_reason`: the reasons behind those rejects, most frequent first,
//!   with an example;
//! - `orphan`: repairs on unknown serials, visits and parts orders on
//!   unknown repairs (reported, visited or requested in M);
//! - `duplicate_key`: rows superseded within a load;
//! - `station_changed`: keys that came back under another station;
//! - `multi_line_batch`: batches whose units carry more than one product line;
//! - `kpi_evidence_changed`: records whose KPI timestamps (responded_at,
//!   completed_at, promised_at, submitted_at) changed after they were
//!   first loaded with a value.

use polars::prelude::*;

use super::{date_in_month, in_month, Inputs, Month};

fn finding(lf: LazyFrame, section: &str, table: Expr, item: Expr, count: Expr, detail: Expr) -> LazyFrame {
    lf.select([
        lit(section.to_string()).alias("section"),
        table.cast(DataType::String).alias("table"),
        item.cast(DataType::String).alias("item"),
        count.cast(DataType::Int64).alias("count"),
        detail.cast(DataType::String).alias("detail"),
    ])
}

/// Keys of `history` whose `column` differs between loads, first value
/// non-null: count and up to 5 example keys.
fn changed(history: LazyFrame, table: &str, key: &str, column: &str, section: &str) -> LazyFrame {
    // Distinct (key, value) pairs first: a key with two is a change. (Two
    // cheap hash passes beat an `n_unique` per group at 10M keys.)
    let per_key = history
        .filter(col(column).is_not_null())
        .select([col(key), col(column)])
        .unique(None, UniqueKeepStrategy::Any)
        .group_by([col(key)])
        .agg([len().alias("values")])
        .filter(col("values").gt(lit(1)))
        .sort([key], SortMultipleOptions::default());
    finding(
        per_key.select([
            len().alias("n"),
            col(key).head(Some(5)).cast(DataType::String).implode(true).list().join(lit(", "), true).alias("examples"),
        ]),
        section,
        lit(table.to_string()),
        lit(column.to_string()),
        col("n"),
        col("examples"),
    )
}

/// `repairs` come from `policy::repairs_with_policy` (they know whether their
/// unit is known) and `batches` is the month's `batch_failure_rates`.
pub fn data_quality(inputs: &Inputs, repairs: LazyFrame, batches: LazyFrame, month: &Month) -> PolarsResult<LazyFrame> {
    let loads_of_m = col("load_month").eq(lit(month.label.clone())).or(col("load_month").eq(lit(month.next.clone())));
    let mut parts = Vec::new();

    // Per-file counts of the loads M and M+1.
    let loads = inputs.loads.clone().filter(loads_of_m.clone());
    for measure in ["rows_read", "rows_loaded", "rows_rejected", "fields_nulled"] {
        parts.push(finding(
            loads.clone(),
            "load",
            col("table"),
            lit(measure.to_string()),
            col(measure),
            concat_str([col("load_month"), col("file")], "/", true),
        ));
    }

    // Reject reasons, most frequent first, with one example each.
    let reasons = inputs
        .rejects
        .clone()
        .filter(loads_of_m)
        .group_by([col("table"), col("column"), col("rule"), col("action")])
        .agg([len().alias("n"), col("reason").first().alias("example")])
        .sort_by_exprs(
            [col("n"), col("table"), col("column"), col("rule")],
            SortMultipleOptions::default()
                .with_order_descending_multi([true, false, false, false])
                .with_nulls_last(true),
        );
    parts.push(finding(
        reasons,
        "reject_reason",
        col("table"),
        concat_str([col("action"), col("column").fill_null(lit("-")), col("rule")], ": ", true),
        col("n"),
        col("example"),
    ));

    // Orphan references in M.
    let known_repairs = inputs.repairs.clone().select([col("repair_id")]).with_column(lit(true).alias("known"));
    let orphan = |lf: LazyFrame, table: &str, item: &str, id: &str| {
        let rows = lf.filter(col("known").is_null()).sort([id], SortMultipleOptions::default());
        finding(
            rows.select([
                len().alias("n"),
                col(id).head(Some(5)).implode(true).list().join(lit(", "), true).alias("examples"),
            ]),
            "orphan",
            lit(table.to_string()),
            lit(item.to_string()),
            col("n"),
            col("examples"),
        )
    };
    parts.push(orphan(
        repairs.filter(in_month(col("reported_at"), month)).with_column(
            when(col("known_unit")).then(lit(true)).otherwise(lit(NULL).cast(DataType::Boolean)).alias("known"),
        ),
        "repairs",
        "unknown serial",
        "repair_id",
    ));
    parts.push(orphan(
        inputs.visits.clone().filter(in_month(col("visited_at"), month)).left_join(
            known_repairs.clone(),
            col("repair_id"),
            col("repair_id"),
        ),
        "visits",
        "unknown repair",
        "visit_id",
    ));
    parts.push(orphan(
        inputs
            .parts
            .clone()
            .filter(date_in_month(col("requested_at"), month).and(col("repair_id").is_not_null()))
            .left_join(known_repairs, col("repair_id"), col("repair_id")),
        "parts",
        "unknown repair",
        "order_id",
    ));

    // Duplicate keys superseded within a load, per table, all loads to M+1.
    let upto = col("load_month").lt_eq(lit(month.next.clone()));
    parts.push(finding(
        inputs
            .rejects
            .clone()
            .filter(upto.clone().and(col("rule").eq(lit("duplicate_key"))))
            .group_by([col("table")])
            .agg([len().alias("n")])
            .sort(["table"], SortMultipleOptions::default()),
        "duplicate_key",
        col("table"),
        lit("superseded rows"),
        col("n"),
        lit(NULL),
    ));

    // Only a key loaded more than once can have changed (keys are unique
    // within a load): each history is cut to those rows once, and the
    // checks below group thousands of rows, not every version.
    let resent = |history: &LazyFrame, key: &str| -> PolarsResult<LazyFrame> {
        let history = history.clone().filter(upto.clone());
        let keys = history
            .clone()
            .group_by([col(key)])
            .agg([len().alias("loads")])
            .filter(col("loads").gt(lit(1)))
            .select([col(key)]);
        Ok(super::collect(history.join(keys, [col(key)], [col(key)], JoinArgs::new(JoinType::Semi)))?.lazy())
    };
    let repairs_history = resent(&inputs.repairs_history, "repair_id")?;
    let parts_history = resent(&inputs.parts_history, "order_id")?;
    let units_history = resent(&inputs.units_history, "serial")?;
    let forms_history = resent(&inputs.forms_history, "form_id")?;

    // Keys that came back under another station.
    for (history, table, key) in [
        (&repairs_history, "repairs", "repair_id"),
        (&parts_history, "parts", "order_id"),
        (&units_history, "units", "serial"),
        (&forms_history, "feedback_forms", "form_id"),
    ] {
        parts.push(changed(history.clone(), table, key, "station_id", "station_changed"));
    }

    // Batches whose units carry more than one product line.
    // From the batch table: its rows are one per (product line, batch).
    let multi = batches
        .select([col("production_batch"), col("product_line")])
        .unique(None, UniqueKeepStrategy::Any)
        .group_by([col("production_batch")])
        .agg([len().alias("lines")])
        .filter(col("lines").gt(lit(1)))
        .sort(["production_batch"], SortMultipleOptions::default());
    parts.push(finding(
        multi,
        "multi_line_batch",
        lit("units"),
        col("production_batch"),
        col("lines"),
        lit("units of this batch carry more than one product line"),
    ));

    // KPI evidence changed after first load.
    for (history, table, key, column) in [
        (&repairs_history, "repairs", "repair_id", "responded_at"),
        (&repairs_history, "repairs", "repair_id", "completed_at"),
        (&parts_history, "parts", "order_id", "promised_at"),
        (&forms_history, "feedback_forms", "form_id", "submitted_at"),
    ] {
        parts.push(changed(history.clone(), table, key, column, "kpi_evidence_changed"));
    }

    let all = concat(parts, UnionArgs::default())?;
    Ok(all.filter(col("count").gt(lit(0))).select([
        lit(month.label.clone()).alias("month"),
        col("section"),
        col("table"),
        col("item"),
        col("count"),
        col("detail"),
        lit(month.provisional).alias("provisional"),
    ]))
}
