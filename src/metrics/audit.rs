//! Audits for M. Grain:
//! - `claim_audit`: one row per repair reported in M with warranty_claim =
//!   true that is not covered, with the first reason that applies;
//! - `form_reconciliation`: one row per (station, component) whose form
//!   quantity for M is missing or differs from the recorded quality repairs.

use polars::prelude::*;

use super::{in_month, kpis::active_next, Inputs, Month};
use crate::config::Config;

pub fn claim_audit(repairs: LazyFrame, month: &Month) -> LazyFrame {
    let reason = when(col("known_unit").not())
        .then(lit("unknown_unit"))
        .when(col("reported_at").lt(super::policy::at_midnight(col("sale_date"))))
        .then(lit("before_sale"))
        .when(col("in_warranty").not())
        .then(lit("out_of_warranty"))
        .otherwise(lit("excluded_cause"));
    repairs
        .filter(
            in_month(col("reported_at"), month).and(col("warranty_claim").fill_null(false)).and(col("covered").not()),
        )
        .sort(["reported_at", "repair_id"], SortMultipleOptions::default())
        .select([
            lit(month.label.clone()).alias("month"),
            col("repair_id"),
            col("station_id"),
            col("serial"),
            col("component"),
            col("cause"),
            col("reported_at"),
            reason.alias("reason"),
            col("labor_cost"),
            col("parts_cost"),
            lit(month.provisional).alias("provisional"),
        ])
}

pub fn form_reconciliation(inputs: &Inputs, month: &Month, config: &Config) -> PolarsResult<LazyFrame> {
    // reported: the latest version of each form for M.
    let forms = inputs.forms.clone().filter(col("report_month").eq(lit(month.label.clone())));
    let senders = forms.clone().select([col("station_id")]).unique(None, UniqueKeepStrategy::Any);
    let reported = forms
        .group_by([col("station_id"), col("component")])
        .agg([col("quantity").sum().cast(DataType::Int64).alias("reported")]);
    // recorded: the station's quality repairs of the component reported in M.
    let failure_causes: Vec<String> = config.causes.iter().filter(|c| c.failure).map(|c| c.code.clone()).collect();
    let recorded = inputs
        .repairs
        .clone()
        .filter(
            in_month(col("reported_at"), month)
                .and(col("cause").is_in(lit(Series::new("c".into(), failure_causes)).implode(true), false)),
        )
        .group_by([col("station_id"), col("component")])
        .agg([len().cast(DataType::Int64).alias("recorded")]);
    let codes: Vec<String> = config.components.iter().map(|c| c.code.clone()).collect();
    let components = super::codes_frame("component", &codes)?;
    let stations =
        concat([senders.clone(), active_next(inputs)], UnionArgs::default())?.unique(None, UniqueKeepStrategy::Any);
    let keys = || [col("station_id"), col("component")];
    let candidates = concat(
        [stations.cross_join(components.clone().select([col("component")]), None), recorded.clone().select(keys())],
        UnionArgs::default(),
    )?
    .unique(None, UniqueKeepStrategy::Any);
    let sent = senders.with_column(lit(true).alias("sent"));
    Ok(candidates
        .join(reported, keys(), keys(), JoinArgs::new(JoinType::Left))
        .join(recorded, keys(), keys(), JoinArgs::new(JoinType::Left))
        .left_join(sent, col("station_id"), col("station_id"))
        .left_join(components, col("component"), col("component"))
        .with_columns([
            when(col("sent").fill_null(false))
                .then(col("reported").fill_null(0i64))
                .otherwise(lit(NULL).cast(DataType::Int64))
                .alias("reported"),
            col("recorded").fill_null(0i64),
        ])
        .filter(col("reported").is_null().or(col("reported").neq(col("recorded"))))
        .sort(["station_id", "component_order"], SortMultipleOptions::default())
        .select([
            lit(month.label.clone()).alias("month"),
            col("station_id"),
            col("component"),
            col("reported"),
            col("recorded"),
            lit(month.provisional).alias("provisional"),
        ]))
}
