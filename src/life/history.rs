//! The lake's units and covered claims at every load month, for the
//! warranty forecast: one polars pass over every loaded version of the
//! units and repairs aggregates them into cohorts and claim counts with
//! the loads between which each was current (`Versions`); the state after
//! any load month — the current one, and each back-test origin's as it
//! stood then — is a filter of those small tables (`State`).

use std::collections::HashMap;

use polars::prelude::*;

use crate::config::Config;
use crate::error::Result;
use crate::lake::read::LOAD_MONTH;
use crate::lake::Lake;
use crate::metrics::{self, policy, UnitVersions};
use crate::month::{index, Month};
use crate::schema::Schemas;

/// A date or datetime expression's month index (`month::index`).
fn month_of(e: Expr) -> Expr {
    e.clone().dt().year().cast(DataType::Int64) * lit(12i64) + e.dt().month().cast(DataType::Int64) - lit(1i64)
}

/// One state of the lake, aggregated at an origin month: everything the
/// forecast reads.
pub(super) struct State {
    /// Per line: (in-service month, last main-part warranty month, last
    /// whole-unit warranty month, units).
    pub(super) cohorts: HashMap<String, Vec<(i64, i64, i64, f64)>>,
    /// Units sold per (line, sale month).
    pub(super) sales: HashMap<(String, i64), f64>,
    pub(super) claims: Vec<ClaimRow>,
}

/// Covered repairs per line, component, in-service month, claim month and
/// sale month, with the sum and sum of squares of their cost.
#[derive(Debug, Clone)]
pub(super) struct ClaimRow {
    pub(super) line: String,
    pub(super) component: String,
    pub(super) service: i64,
    pub(super) month: i64,
    pub(super) sold: i64,
    pub(super) n: f64,
    pub(super) cost: f64,
    pub(super) cost_sq: f64,
}

/// Between which loads a row was the lake's current state: from its load
/// to the next load of its key (None: still current).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Valid {
    from: i64,
    to: Option<i64>,
}

impl Valid {
    /// Part of the state after load month `load`.
    fn at(&self, load: i64) -> bool {
        self.from <= load && self.to.is_none_or(|t| t > load)
    }
}

/// Every version of the units and covered claims, aggregated once with its
/// validity, so that the state after any load month — the current one
/// and each back-test origin's — is a filter of two small tables instead
/// of another read of the lake.
pub(super) struct Versions {
    /// (line, in service, last main month, last unit month, sale month, validity, units).
    units: Vec<(String, i64, i64, i64, i64, Valid, f64)>,
    claims: Vec<(ClaimRow, Valid)>,
}

fn valid_of(df: &DataFrame, r: usize) -> Option<Valid> {
    let from = df.column("valid_from").ok()?.i64().ok()?.get(r)?;
    let to = df.column("valid_to").ok()?.i64().ok()?.get(r);
    Some(Valid { from, to })
}

/// `valid_from` and `valid_to` as month numbers: grouping by them is
/// cheaper than by text, and there are only as many as loads.
fn with_month_numbers(mut df: DataFrame) -> Result<DataFrame> {
    for name in ["valid_from", "valid_to"] {
        let mut known: HashMap<String, Option<i64>> = HashMap::new();
        let numbers: Int64Chunked = df
            .column(name)?
            .str()?
            .iter()
            .map(|v| {
                let v = v?;
                *known.entry(v.to_string()).or_insert_with(|| Month::new(v, None).ok().map(|m| index(m.start)))
            })
            .collect();
        df.with_column(numbers.with_name(name.into()).into_column())?;
    }
    Ok(df)
}

/// Aggregate every version. `single`: the units as the metrics read them
/// when no serial was loaded twice (each row its serial's only version,
/// current from its load on), so that 10M units are not read again; None:
/// `Lake::versions` works out where each version ends. `repairs`: every
/// repair version (`metrics::Inputs::repair_versions`).
pub(super) fn versions(
    lake: &Lake,
    schemas: &Schemas,
    config: &Config,
    single: Option<&UnitVersions>,
    repairs: &DataFrame,
) -> Result<Versions> {
    let table = |name: &str| schemas.get(name).expect("input tables are in the schemas");
    let batch = || lit(NULL).cast(DataType::String).alias("production_batch");
    // Each repair version against each unit version of its serial: the
    // pair was the state while both were, and it is classified by that
    // unit version's sale date and warranty.
    let repairs =
        with_month_numbers(repairs.clone())?.lazy().rename(["valid_from", "valid_to"], ["r_from", "r_to"], true);
    let unit_cols = ["product_line", "sale_date", "install_date"];
    let by = [col("product_line"), col("sale_date"), col("install_date"), col("valid_from"), col("valid_to")];
    // Units that share a line, sale date, install date and validity share
    // every warranty date: the policy runs on those groups (thousands), not
    // on each of 10M units. `units`: the units with repairs only, before
    // the policy derives their dates.
    let (by_dates, units) = match single {
        Some(v) => {
            let current = |lf: LazyFrame| {
                lf.rename([LOAD_MONTH], ["valid_from"], true)
                    .with_column(lit(NULL).cast(DataType::String).alias("valid_to"))
            };
            let by_dates =
                current(v.by_dates.clone().lazy()).group_by(by).agg([col("n").sum().cast(DataType::Float64)]);
            let mut keep = vec![col("serial")];
            keep.extend(unit_cols.iter().map(|c| col(*c)));
            keep.push(col(LOAD_MONTH));
            (metrics::collect(by_dates)?, current(v.repaired.clone().lazy().select(keep)))
        }
        None => {
            let versions = lake.versions(table("units"), &unit_cols)?.lazy();
            let by_dates = versions.clone().group_by(by).agg([len().cast(DataType::Float64).alias("n")]);
            (metrics::collect(by_dates)?, policy::units_with_repairs(versions, repairs.clone())?)
        }
    };
    let by_dates = with_month_numbers(by_dates)?;
    let last = |c: &str| month_of(col(c) - lit(chrono::Duration::days(1)));
    let df = metrics::collect(
        policy::units_with_warranty(by_dates.lazy().with_column(batch()), config)
            .group_by([
                col("product_line"),
                month_of(col("in_service")).alias("service"),
                last("warranty_end_main").alias("last_main"),
                last("warranty_end_unit").alias("last_unit"),
                month_of(col("sale_date")).alias("sold"),
                col("valid_from"),
                col("valid_to"),
            ])
            .agg([col("n").sum()]),
    )?;
    let (line, service, sold) =
        (df.column("product_line")?.str()?, df.column("service")?.i64()?, df.column("sold")?.i64()?);
    let (lm, lu, n) = (df.column("last_main")?.i64()?, df.column("last_unit")?.i64()?, df.column("n")?.f64()?);
    let mut unit_rows = Vec::with_capacity(df.height());
    for r in 0..df.height() {
        if let (Some(l), Some(s), Some(a), Some(b), Some(so), Some(v), Some(n)) =
            (line.get(r), service.get(r), lm.get(r), lu.get(r), sold.get(r), valid_of(&df, r), n.get(r))
        {
            unit_rows.push((l.to_string(), s, a, b, so, v, n));
        }
    }
    unit_rows.sort_by(|a, b| {
        (&a.0, a.1, a.2, a.3, a.4, &a.5.from, &a.5.to).cmp(&(&b.0, b.1, b.2, b.3, b.4, &b.5.from, &b.5.to))
    });

    let units = with_month_numbers(metrics::collect(units)?)?.lazy().with_column(batch()).rename(
        ["valid_from", "valid_to"],
        ["u_from", "u_to"],
        true,
    );
    let later = |a: Expr, b: Expr| when(a.clone().gt_eq(b.clone())).then(a).otherwise(b);
    let earlier = |a: Expr, b: Expr| {
        when(a.clone().is_null())
            .then(b.clone())
            .when(b.clone().is_null())
            .then(a.clone())
            .when(a.clone().lt(b.clone()))
            .then(a)
            .otherwise(b)
    };
    let cost = (col("labor_cost").cast(DataType::Float64).fill_null(0.0)
        + col("parts_cost").cast(DataType::Float64).fill_null(0.0))
    .alias("cost");
    let df = metrics::collect(
        policy::repairs_with_policy_carrying(repairs, units, config, &["u_from", "u_to"])
            .filter(col("covered"))
            .with_columns([
                later(col("r_from"), col("u_from")).alias("valid_from"),
                earlier(col("r_to"), col("u_to")).alias("valid_to"),
                cost,
            ])
            .filter(col("valid_to").is_null().or(col("valid_from").lt(col("valid_to"))))
            .group_by([
                col("product_line"),
                col("component"),
                month_of(col("in_service")).alias("service"),
                month_of(col("reported_at")).alias("month"),
                month_of(col("sale_date")).alias("sold"),
                col("valid_from"),
                col("valid_to"),
            ])
            .agg([
                len().cast(DataType::Float64).alias("n"),
                col("cost").sum().alias("cost"),
                (col("cost") * col("cost")).sum().alias("cost_sq"),
            ]),
    )?;
    let s = |c: &str| -> Result<StringChunked> { Ok(df.column(c)?.str()?.clone()) };
    let i = |c: &str| -> Result<Int64Chunked> { Ok(df.column(c)?.i64()?.clone()) };
    let f = |c: &str| -> Result<Float64Chunked> { Ok(df.column(c)?.f64()?.clone()) };
    let (line, comp, service, month, sold) =
        (s("product_line")?, s("component")?, i("service")?, i("month")?, i("sold")?);
    let (n, cost, cost_sq) = (f("n")?, f("cost")?, f("cost_sq")?);
    let mut claims = Vec::with_capacity(df.height());
    for r in 0..df.height() {
        if let (Some(l), Some(c), Some(sv), Some(m), Some(so), Some(v)) =
            (line.get(r), comp.get(r), service.get(r), month.get(r), sold.get(r), valid_of(&df, r))
        {
            let row = ClaimRow {
                line: l.to_string(),
                component: c.to_string(),
                service: sv,
                month: m,
                sold: so,
                n: n.get(r).unwrap_or(0.0),
                cost: cost.get(r).unwrap_or(0.0),
                cost_sq: cost_sq.get(r).unwrap_or(0.0),
            };
            claims.push((row, v));
        }
    }
    claims.sort_by(|(a, va), (b, vb)| {
        (&a.line, &a.component, a.service, a.month, a.sold, &va.from, &va.to).cmp(&(
            &b.line,
            &b.component,
            b.service,
            b.month,
            b.sold,
            &vb.from,
            &vb.to,
        ))
    });
    Ok(Versions { units: unit_rows, claims })
}

/// The state after load month `load`, seen from origin month `origin`:
/// units sold by its end, claims reported by its end.
pub(super) fn state_at(v: &Versions, load: i64, origin: i64) -> State {
    let mut merged: HashMap<(String, i64, i64, i64), f64> = HashMap::new();
    let mut sales: HashMap<(String, i64), f64> = HashMap::new();
    for (line, service, lm, lu, sold, _, n) in v.units.iter().filter(|u| u.4 <= origin && u.5.at(load)) {
        *merged.entry((line.clone(), *service, *lm, *lu)).or_default() += n;
        *sales.entry((line.clone(), *sold)).or_default() += n;
    }
    let mut cohorts: HashMap<String, Vec<(i64, i64, i64, f64)>> = HashMap::new();
    let mut keys: Vec<_> = merged.into_iter().collect();
    keys.sort_by(|a, b| a.0.cmp(&b.0));
    for ((line, s, a, b), n) in keys {
        cohorts.entry(line).or_default().push((s, a, b, n));
    }
    let claims = v
        .claims
        .iter()
        .filter(|(c, valid)| c.month <= origin && c.sold <= origin && valid.at(load))
        .map(|(c, _)| c.clone())
        .collect();
    State { cohorts, sales, claims }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claim(month: i64, n: f64) -> ClaimRow {
        ClaimRow {
            line: "household".into(),
            component: "compressor".into(),
            service: 10,
            month,
            sold: 10,
            n,
            cost: 100.0 * n,
            cost_sq: 10_000.0 * n,
        }
    }

    /// The state after a load month is what the lake held then: a unit
    /// re-sent in load 13 counts with its old version at 12 and its new one
    /// at 14; a claim corrected in load 14 counts once, as it stood.
    #[test]
    fn the_state_as_it_stood_after_a_load() {
        let v = |from: i64, to: Option<i64>| Valid { from, to };
        let versions = Versions {
            units: vec![
                ("household".into(), 10, 45, 33, 10, v(10, None), 100.0),
                ("household".into(), 11, 46, 34, 11, v(11, Some(13)), 50.0),
                ("household".into(), 12, 46, 34, 11, v(13, None), 50.0),
            ],
            claims: vec![
                (claim(12, 3.0), v(12, Some(14))),
                (claim(12, 2.0), v(14, None)),
                (claim(13, 1.0), v(13, None)),
            ],
        };
        let at12 = state_at(&versions, 12, 12);
        assert_eq!(at12.cohorts["household"], vec![(10, 45, 33, 100.0), (11, 46, 34, 50.0)]);
        assert_eq!(at12.claims.iter().map(|c| c.n).sum::<f64>(), 3.0);
        let at14 = state_at(&versions, 14, 14);
        assert_eq!(at14.cohorts["household"], vec![(10, 45, 33, 100.0), (12, 46, 34, 50.0)]);
        assert_eq!(at14.claims.iter().map(|c| c.n).collect::<Vec<_>>(), vec![2.0, 1.0]);
        // Seen from origin 12, a later claim month is not yet reported.
        assert_eq!(state_at(&versions, 14, 12).claims.iter().map(|c| c.n).sum::<f64>(), 2.0);
        assert_eq!(
            super::super::forecast::label(index(chrono::NaiveDate::from_ymd_opt(2026, 1, 5).unwrap())),
            "2026-01"
        );
    }
}
