//! Metrics for a report month M (contract section 5): pure transforms from
//! the lake's current state (LazyFrame in, LazyFrame out), one module per
//! family, and the I/O at the edges (`inputs` reads the lake, `write`
//! writes `<out>/metrics/month=YYYY-MM/*.parquet`).
//!
//! Conventions for every table: `month` is `YYYY-MM`, counts Int64, rates
//! and exposures Float64, every row carries `provisional`, a rate is null
//! when its denominator is 0, and rows are sorted so that the same inputs
//! give byte-identical files.

mod agreement;
mod allowance;
pub use agreement::RULES as SANBAO_RULES;
mod audit;
pub mod batch_units;
pub(crate) mod columns;
mod failures;
mod kpis;
pub mod policy;
mod quality;
pub mod summary;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_agreement;

use crate::month::Month;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use polars::prelude::*;

use crate::config::Config;
use crate::error::Result;
use crate::lake::{frame, Lake, REJECTS, UNIT_DATES};
use crate::schema::{Schemas, TableSchema};

/// The current state of the lake, as the metrics read it. Every frame is
/// "latest load wins" unless its name says otherwise. Cloning is cheap: the
/// frames are shared.
#[derive(Clone)]
pub struct Inputs {
    /// Units with the warranty columns of [`policy::units_with_warranty`]:
    /// a scan of the partitions unless a serial was re-sent, read only in
    /// streaming passes that keep a small aggregate (`batch_units`, the
    /// flagged batches' life curves).
    pub units: LazyFrame,
    /// The units by dates ([`policy::unit_dates`]), materialised once.
    pub unit_dates: LazyFrame,
    /// What the forecast's history reads of the units, when no serial was
    /// loaded twice (else None, and it reads every version from the lake).
    pub unit_versions: Option<UnitVersions>,
    /// Every loaded version of every repair ([`REPAIR_VERSION_COLUMNS`]),
    /// read with the current repairs, for the forecast's track record.
    pub repair_versions: DataFrame,
    /// The current units' sale columns (serial, model, station_id,
    /// sale_price, product_line, sale_date), read lazily: only the parts
    /// allowance uses them (the stations' sales).
    pub unit_details: LazyFrame,
    pub repairs: LazyFrame,
    /// The repairs with their unit's policy columns and `model`
    /// (`policy::repairs_with_policy`), materialised once: every stage
    /// reads them (the metrics, each month of history, alerts, life data,
    /// the report).
    pub policy_repairs: LazyFrame,
    pub parts: LazyFrame,
    pub visits: LazyFrame,
    pub stations: LazyFrame,
    pub forms: LazyFrame,
    /// Stations and forms as loaded in drops up to M+1 (for form_on_time
    /// and "active as of drop M+1").
    pub stations_next: LazyFrame,
    pub forms_next: LazyFrame,
    /// Every loaded row of every load, with `load_month` (for data quality:
    /// changes between loads).
    pub repairs_history: LazyFrame,
    pub parts_history: LazyFrame,
    pub units_history: LazyFrame,
    pub forms_history: LazyFrame,
    /// Every reject of every load, with `load_month`.
    pub rejects: LazyFrame,
    /// Per input file of every load: load_month, file, table, rows_read,
    /// rows_loaded, rows_rejected, fields_nulled.
    pub loads: LazyFrame,
    /// The rows that the loads of M and M+1 committed, one per row:
    /// load_month, station_id (null for visits) and repair_id (visits'),
    /// for the data-quality page's stations by rejects.
    pub loaded_rows: LazyFrame,
}

/// When no serial was loaded twice, each unit row is its serial's only
/// version, current from its load month on. The passes that the metrics
/// make over the units give the forecast's history what it needs of
/// them, so it does not read them again.
#[derive(Clone)]
pub struct UnitVersions {
    /// Units by product_line, sale_date, install_date and load_month, as
    /// `n` ([`policy::date_groups`]).
    pub by_dates: DataFrame,
    /// The units named by any loaded version of a repair: serial, model,
    /// product_line, production_batch, sale_date, install_date, load_month.
    pub repaired: DataFrame,
}

/// The metric tables of one month.
pub struct Tables {
    pub failure_rates: DataFrame,
    pub batch_failure_rates: DataFrame,
    pub kpis: DataFrame,
    pub station_kpis: DataFrame,
    pub claim_audit: DataFrame,
    pub form_reconciliation: DataFrame,
    pub data_quality: DataFrame,
    pub sanbao: DataFrame,
    pub early_failures: DataFrame,
    pub parts_allowance: DataFrame,
    /// M's units by batch (`batch_units`), not written: what the batch
    /// tables and the batch alerts read instead of the units.
    pub batch_units: DataFrame,
    /// M's failing units by component (`policy::unit_failures`), not
    /// written: what the batch rates, the batch alerts and the life data
    /// count instead of the repairs.
    pub unit_failures: DataFrame,
}

impl Tables {
    pub fn named(&mut self) -> [(&'static str, &mut DataFrame); 10] {
        [
            ("failure_rates", &mut self.failure_rates),
            ("batch_failure_rates", &mut self.batch_failure_rates),
            ("kpis", &mut self.kpis),
            ("station_kpis", &mut self.station_kpis),
            ("claim_audit", &mut self.claim_audit),
            ("form_reconciliation", &mut self.form_reconciliation),
            ("data_quality", &mut self.data_quality),
            ("sanbao", &mut self.sanbao),
            ("early_failures", &mut self.early_failures),
            ("parts_allowance", &mut self.parts_allowance),
        ]
    }
}

/// Compute every table for `month`.
pub fn compute(inputs: &Inputs, month: &Month, config: &Config) -> PolarsResult<Tables> {
    // Shared by several tables: computed once.
    let repairs = inputs.policy_repairs.clone();
    let events = collect(kpis::events(inputs, repairs.clone(), month, config)?)?.lazy();
    let observed_from = inputs.observed_from()?;
    let batch_units = collect(batch_units::batch_units(inputs.units.clone(), month, observed_from, config))?;
    let unit_failures = collect(policy::unit_failures(repairs.clone(), month))?;
    let batch_failure_rates = collect(failures::batch_failure_rates(
        batch_units.clone().lazy(),
        unit_failures.clone().lazy(),
        month,
        config,
    )?)?;
    Ok(Tables {
        failure_rates: collect(failures::failure_rates(inputs.unit_dates.clone(), repairs.clone(), month, config)?)?,
        data_quality: collect(quality::data_quality(
            inputs,
            repairs.clone(),
            batch_failure_rates.clone().lazy(),
            month,
        )?)?,
        batch_failure_rates,
        kpis: collect(kpis::kpis(events.clone(), month, config)?)?,
        station_kpis: collect(kpis::station_kpis(inputs, events, month, config)?)?,
        claim_audit: collect(audit::claim_audit(repairs.clone(), month))?,
        form_reconciliation: collect(audit::form_reconciliation(inputs, month, config)?)?,
        sanbao: collect(agreement::sanbao(repairs.clone(), month, config)?)?,
        early_failures: collect(agreement::early_failures(
            batch_units.clone().lazy(),
            repairs.clone(),
            month,
            observed_from,
            config,
        ))?,
        parts_allowance: allowance::parts_allowance(
            inputs.unit_details.clone(),
            repairs,
            inputs.parts.clone(),
            inputs.stations.clone(),
            month,
            config,
        )?,
        batch_units,
        unit_failures,
    })
}

/// Only `failure_rates`, for last month's comparison in the summary.
pub fn failure_rates(inputs: &Inputs, month: &Month, config: &Config) -> PolarsResult<DataFrame> {
    collect(failures::failure_rates(inputs.unit_dates.clone(), inputs.policy_repairs.clone(), month, config)?)
}

/// Collect a plan. Common-subplan elimination panics inside polars 0.55.2
/// on these plans (`cse/cache_states.rs: unreachable`), so it is off; the
/// shared inputs are small scans, so little is lost.
///
/// Plans run on polars' streaming engine, which parallelises joins and
/// group-bys better on these shapes (at 10M units: 3× on the failure
/// tables); the one exception is latest-load-wins (`collect_memory`).
#[track_caller]
pub(crate) fn collect(lf: LazyFrame) -> PolarsResult<DataFrame> {
    collect_with(lf, Engine::Streaming)
}

/// The in-memory engine: its hash `unique` over 10M keys is twice as fast.
#[track_caller]
fn collect_memory(lf: LazyFrame) -> PolarsResult<DataFrame> {
    collect_with(lf, Engine::InMemory)
}

#[track_caller]
fn collect_with(lf: LazyFrame, engine: Engine) -> PolarsResult<DataFrame> {
    let started = std::time::Instant::now();
    let mut flags = lf.get_current_optimizations();
    flags.remove(OptFlags::COMM_SUBPLAN_ELIM);
    let df = lf.with_optimizations(flags).collect_with_engine(engine)?.unwrap_single();
    let gb = |b: Option<u64>| b.unwrap_or(0) as f64 / 1e9;
    tracing::debug!(
        "collected {} rows × {} columns in {:?} (resident {:.2} GB, stage peak {:.2} GB) at {}",
        df.height(),
        df.width(),
        started.elapsed(),
        gb(crate::mem::resident()),
        gb(crate::mem::peak()),
        std::panic::Location::caller()
    );
    Ok(df)
}

/// Read the lake's current state for `month`.
pub fn inputs(lake: &Lake, schemas: &Schemas, config: &Config, month: &Month) -> Result<Inputs> {
    let table = |name: &str| schemas.get(name).expect("input tables are in the schemas");
    let history = |name: &str| lake.scan(name, frame::table_schema(table(name)), None);
    let manifests = lake.manifests()?;
    let mut lm = Vec::new();
    let (mut file, mut tbl) = (Vec::new(), Vec::new());
    let (mut read, mut loaded, mut rejected, mut nulled) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for m in &manifests {
        for f in &m.files {
            lm.push(m.load_month.clone());
            file.push(f.name.clone());
            tbl.push(f.table.clone());
            read.push(f.rows_read as i64);
            loaded.push(f.rows_loaded as i64);
            rejected.push(f.rows_rejected as i64);
            nulled.push(f.fields_nulled as i64);
        }
    }
    let loads = df![
        "load_month" => lm,
        "file" => file,
        "table" => tbl,
        "rows_read" => read,
        "rows_loaded" => loaded,
        "rows_rejected" => rejected,
        "fields_nulled" => nulled,
    ]?
    .lazy();
    // The current state is read once, with only the columns the metrics
    // use, and shared by every table: each is used several times, and
    // "latest load wins" is a hash grouping over every key.
    let current = |name: &str, through: Option<&str>, cols: &[&str]| current_state(lake, table(name), through, cols);
    let (stations, forms) = (STATION_COLUMNS, FORM_COLUMNS);
    // A key can only have changed if it was loaded more than once: when no
    // serial occurs twice in the units' loads, each row is its serial's
    // only version and the partitions are the current state as they stand
    // (the usual case). They are then scanned, never held: every stage
    // aggregates them in a streaming pass of its own, so 10M (or 100M)
    // unit rows are never in memory at once.
    let unit_columns =
        ["serial", "model", "product_line", "production_batch", "sale_date", "install_date", "load_month"];
    let scanned = history("units")?.select(unit_columns.iter().map(|c| col(*c)).collect::<Vec<_>>());
    // Each load keeps its serials' hashes (`_unit_keys`): merged, they
    // answer without reading 10M serials. Older lakes hash the serials.
    let distinct = match crate::lake::read::kept_keys_distinct(lake, &manifests)? {
        Some(distinct) => distinct,
        None => crate::lake::read::keys_distinct(scanned.clone(), "serial")?,
    };
    let units_resent = !distinct;
    // Units carry their warranty columns from here on.
    let raw_units = if units_resent { current("units", None, &unit_columns)? } else { scanned };
    let units = policy::units_with_warranty(raw_units.clone(), config);
    let units = if units_resent { collect(units)?.lazy() } else { units };
    // Each load keeps its units by dates (`_unit_dates`, in its commit):
    // over the loads they are the current state's when no serial was
    // loaded twice, without grouping 10M units again. Loads that lack them
    // (a lake from an older qfb) are grouped here.
    let kept = manifests.iter().all(|m| m.partition("units").is_none() || m.partition(UNIT_DATES).is_some());
    let date_groups = if kept && !units_resent {
        let cols = ["product_line", "sale_date", "install_date", "load_month", "n"];
        collect(lake.scan(UNIT_DATES, frame::unit_dates_schema(), None)?.select(cols.map(col)))?
    } else {
        collect(policy::date_groups(raw_units.clone()))?
    };
    let unit_dates = collect(policy::unit_dates(date_groups.clone().lazy(), config))?.lazy();
    // Histories are read once each, by one query, so they stay lazy and
    // keep only what data quality compares.
    let history = |name: &str, cols: &[&str]| -> Result<LazyFrame> {
        let mut cols: Vec<Expr> = cols.iter().map(|c| col(*c)).collect();
        cols.push(col("load_month"));
        Ok(history(name)?.select(cols))
    };
    // Read as the partitions stand when no serial was ever re-sent (one
    // scan, streamed), else latest load wins.
    let detail_columns = ["serial", "model", "station_id", "sale_price", "product_line", "sale_date"];
    let unit_details = if units_resent {
        current("units", None, &detail_columns)?
    } else {
        history("units", &detail_columns)?.drop(by_name(["load_month"], true, false))
    };
    let repair_columns = [
        "repair_id",
        "serial",
        "station_id",
        "reported_at",
        "responded_at",
        "completed_at",
        "component",
        "fault_code",
        "cause",
        "warranty_claim",
        "labor_cost",
        "parts_cost",
    ];
    // Every version of every repair, read once: the current ones (those
    // with no later version, as latest load wins keeps) are the metrics'
    // repairs, and the forecast's track record reads them all.
    let started = std::time::Instant::now();
    let (repairs, repair_versions) = {
        let versions = lake.versions(table("repairs"), &repair_columns)?;
        let current = versions.clone().lazy().filter(col("valid_to").is_null());
        (collect(current.select(repair_columns.map(col).to_vec()))?.lazy(), versions.select(REPAIR_VERSION_COLUMNS)?)
    };
    tracing::debug!("repair versions: {} rows in {:?}", repair_versions.height(), started.elapsed());
    // The units named by any loaded version of a repair (a superset of the
    // current repairs' units, which is all the policy's left join needs):
    // the forecast's history needs the same units, with their loads.
    let repair_serials = repair_versions.clone().lazy().select([col("serial")]);
    let repaired_units = collect(policy::units_with_repairs(raw_units, repair_serials)?)?;
    let policy_repairs =
        collect(policy::repairs_with_policy_carrying(repairs, repaired_units.clone().lazy(), config, &["model"]))?
            .lazy();
    let unit_versions = (!units_resent).then_some(UnitVersions { by_dates: date_groups, repaired: repaired_units });
    // The repairs as read are the policy frame's own columns: one frame
    // held, not two (at 100M units, a gigabyte).
    let repairs = policy_repairs.clone().select(repair_columns.iter().map(|c| col(*c)).collect::<Vec<_>>());
    Ok(Inputs {
        units,
        unit_dates,
        unit_versions,
        repair_versions,
        unit_details,
        repairs,
        policy_repairs,
        parts: current(
            "parts",
            None,
            &[
                "order_id",
                "repair_id",
                "station_id",
                "part_no",
                "quantity",
                "requested_at",
                "promised_at",
                "shipped_at",
                "shipped_part_no",
                "shipped_quantity",
                "unit_price",
                "old_part_returned",
            ],
        )?,
        visits: current(
            "visits",
            None,
            &["visit_id", "repair_id", "visited_at", "reached", "satisfaction", "complaint"],
        )?,
        stations: current("stations", None, &stations)?,
        forms: current("feedback_forms", None, &forms)?,
        stations_next: current("stations", Some(&month.next), &stations)?,
        forms_next: current("feedback_forms", Some(&month.next), &forms)?,
        repairs_history: history("repairs", &["repair_id", "station_id", "responded_at", "completed_at"])?,
        parts_history: history("parts", &["order_id", "station_id", "promised_at"])?,
        units_history: if units_resent {
            history("units", &["serial", "station_id"])?
        } else {
            history("units", &["serial", "station_id"])?.limit(0)
        },
        forms_history: history("feedback_forms", &["form_id", "station_id", "submitted_at"])?,
        rejects: lake.scan(REJECTS, frame::rejects_schema(), None)?,
        loads,
        loaded_rows: rows_of_loads(lake, schemas, &[month.label.clone(), month.next.clone()])?,
    })
}

/// One row per row loaded by the loads of `months`: load_month,
/// station_id, repair_id (the station of a visit is its repair's).
fn rows_of_loads(lake: &Lake, schemas: &Schemas, months: &[String]) -> Result<LazyFrame> {
    let mut frames = Vec::new();
    for t in &schemas.tables {
        let owner = |c: &str| if t.column(c).is_some() { col(c) } else { lit(NULL).cast(DataType::String).alias(c) };
        let (station, repair) = match (t.column("station_id"), t.column("repair_id")) {
            (Some(_), _) => (owner("station_id"), lit(NULL).cast(DataType::String).alias("repair_id")),
            (None, Some(_)) => (lit(NULL).cast(DataType::String).alias("station_id"), owner("repair_id")),
            (None, None) => continue,
        };
        let lf = lake.scan_loads(&t.table, frame::table_schema(t), months)?;
        frames.push(lf.select([col("load_month"), station, repair]));
    }
    Ok(concat(frames, UnionArgs::default())?)
}

/// The columns of `Inputs::repair_versions`: what the forecast's history
/// classifies, and each version's load months (`Lake::versions`).
pub const REPAIR_VERSION_COLUMNS: [&str; 9] =
    ["repair_id", "serial", "reported_at", "component", "cause", "labor_cost", "parts_cost", "valid_from", "valid_to"];

/// The station and form columns the metrics read.
const STATION_COLUMNS: &[&str] = &["station_id", "active"];
const FORM_COLUMNS: &[&str] = &[
    "form_id",
    "station_id",
    "report_month",
    "submitted_at",
    "model",
    "component",
    "quantity",
    "major_issue",
    "description",
    "suggestion",
];

/// A table's current state through load month `through`, with `cols`,
/// materialised.
fn current_state(lake: &Lake, schema: &TableSchema, through: Option<&str>, cols: &[&str]) -> Result<LazyFrame> {
    let started = std::time::Instant::now();
    let lf =
        lake.current_through(schema, through, Some(cols))?.select(cols.iter().map(|c| col(*c)).collect::<Vec<_>>());
    let df = collect_memory(lf)?;
    tracing::debug!("current state of {}: {} rows in {:?}", schema.table, df.height(), started.elapsed());
    Ok(df.lazy())
}

impl Inputs {
    /// The first day of the lake's first load month: nothing before it can
    /// have been recorded. None for inputs without loads (test fixtures).
    pub fn observed_from(&self) -> PolarsResult<Option<NaiveDate>> {
        let df = collect(self.loads.clone().select([col("load_month").min()]))?;
        let first = df.column("load_month")?.str()?.get(0).map(str::to_string);
        Ok(first.and_then(|m| Month::new(&m, None).ok()).map(|m| m.start))
    }

    /// These inputs as seen for each earlier report month of `months`:
    /// the same current state, with stations and forms as loaded up to
    /// that month's next drop. Stations and forms are read once for all
    /// the months (a small table each), not once per month.
    pub fn for_months(&self, lake: &Lake, schemas: &Schemas, months: &[Month]) -> Result<Vec<Inputs>> {
        use crate::lake::read::{latest_wins, with_key_columns, LOAD_MONTH};
        let table = |name: &str| schemas.get(name).expect("input tables are in the schemas");
        let loaded = |name: &str, cols: &[&str]| -> Result<DataFrame> {
            let all = lake.scan(name, frame::table_schema(table(name)), None)?;
            Ok(collect_memory(with_key_columns(all, table(name), Some(cols)))?)
        };
        let (stations, forms) = (loaded("stations", STATION_COLUMNS)?, loaded("feedback_forms", FORM_COLUMNS)?);
        let through = |df: &DataFrame, name: &str, cols: &[&str], next: &str| -> Result<LazyFrame> {
            let rows = df.clone().lazy().filter(col(LOAD_MONTH).lt_eq(lit(next.to_string())));
            let state = latest_wins(rows, table(name))?.select(cols.iter().map(|c| col(*c)).collect::<Vec<_>>());
            Ok(collect_memory(state)?.lazy())
        };
        months
            .iter()
            .map(|m| {
                Ok(Inputs {
                    stations_next: through(&stations, "stations", STATION_COLUMNS, &m.next)?,
                    forms_next: through(&forms, "feedback_forms", FORM_COLUMNS, &m.next)?,
                    ..self.clone()
                })
            })
            .collect()
    }
}

/// The KPI tables of a month before M, from M's inputs (restated values):
/// what the alerts' escalation and the report's trend charts read.
pub struct Past {
    pub month: Month,
    pub kpis: DataFrame,
    pub station_kpis: DataFrame,
}

/// `kpis` and `station_kpis` of earlier months from M's `inputs`, each
/// month with its own stations and forms (`Inputs::for_months`), in the
/// order given. The months must be consecutive. Their record events are
/// read in one pass (`kpis::record_events`), then split by month.
pub fn past_kpis(inputs: &Inputs, months: &[(Month, Inputs)], config: &Config) -> PolarsResult<Vec<Past>> {
    let mut span: Vec<Month> = months.iter().map(|(m, _)| m.clone()).collect();
    span.sort_by(|a, b| a.start.cmp(&b.start));
    if span.is_empty() {
        return Ok(Vec::new());
    }
    let records = collect(kpis::record_events(inputs, inputs.policy_repairs.clone(), &span, config)?)?;
    let mut out = Vec::with_capacity(months.len());
    for (month, own) in months {
        let events = collect(concat(
            [
                records.clone().lazy().filter(col("month").eq(lit(kpis::month_number(month)))),
                kpis::form_events(own, month, config),
            ],
            UnionArgs::default(),
        )?)?
        .lazy();
        out.push(Past {
            month: month.clone(),
            kpis: collect(kpis::kpis(events.clone(), month, config)?)?,
            station_kpis: collect(kpis::station_kpis(own, events, month, config)?)?,
        });
    }
    Ok(out)
}

/// Write the tables to `<out>/metrics/month=YYYY-MM/`, each file atomically.
pub fn write(out: &Path, month: &Month, tables: &mut Tables) -> Result<Vec<PathBuf>> {
    let dir = out.join("metrics").join(format!("month={}", month.label));
    crate::lake::remove_leftovers(&dir);
    let mut written = Vec::new();
    for (name, df) in tables.named() {
        let path = dir.join(format!("{name}.parquet"));
        crate::lake::write_atomic(&path, &frame::parquet_bytes(df)?)?;
        written.push(path);
    }
    Ok(written)
}

/// `value` (Float64) from a numerator and denominator, null when the
/// denominator is 0.
pub(crate) fn ratio(num: Expr, den: Expr) -> Expr {
    when(den.clone().eq(lit(0)))
        .then(lit(NULL).cast(DataType::Float64))
        .otherwise(num.cast(DataType::Float64) / den.cast(DataType::Float64))
}

/// Dates as days since 1970-01-01 (Int64), for exposure arithmetic.
pub(crate) fn days(e: Expr) -> Expr {
    e.cast(DataType::Int32).cast(DataType::Int64)
}

pub(crate) fn max2(a: Expr, b: Expr) -> Expr {
    when(a.clone().gt_eq(b.clone())).then(a).otherwise(b)
}

pub(crate) fn min2(a: Expr, b: Expr) -> Expr {
    when(a.clone().lt_eq(b.clone())).then(a).otherwise(b)
}

/// `e` within [start, end) of `month`, for a datetime expression.
pub(crate) fn in_month(e: Expr, month: &Month) -> Expr {
    let start = month.start.and_hms_opt(0, 0, 0).expect("midnight");
    let end = month.end.and_hms_opt(0, 0, 0).expect("midnight");
    e.clone().gt_eq(lit(start)).and(e.lt(lit(end))).fill_null(false)
}

/// `e` within [start, end) of `month`, for a date expression.
pub(crate) fn date_in_month(e: Expr, month: &Month) -> Expr {
    e.clone().gt_eq(lit(month.start)).and(e.lt(lit(month.end))).fill_null(false)
}

/// A small frame of strings with an order column, for "rows always
/// present" grids.
pub(crate) fn codes_frame(name: &str, codes: &[String]) -> PolarsResult<LazyFrame> {
    let order: Vec<i64> = (0..codes.len() as i64).collect();
    Ok(DataFrame::new(
        codes.len(),
        vec![Column::new(name.into(), codes.to_vec()), Column::new(format!("{name}_order").into(), order)],
    )?
    .lazy())
}

/// A date as its day number (days since 1970-01-01), matching [`days`].
pub(crate) fn day_number(d: NaiveDate) -> i64 {
    crate::parse::days(d) as i64
}
