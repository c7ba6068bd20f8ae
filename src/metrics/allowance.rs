//! The parts allowance and old-part returns (contract section 4, agreement
//! §9). Grain: one row per station, for the agreement year to the end of M
//! (and, for old parts, M alone): every station in the current stations,
//! plus any station that sold, drew parts or had warranty parts shipped.
//!
//! Money stays exact: polars sums the Decimal(18, 2) columns per group,
//! the few group sums are read as integer cents, and only the allowance
//! (a rate times the sales) is rounded, to the cent, half up.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use polars::prelude::*;

use super::columns::{cents, ints, strings};
use super::{collect, date_in_month, Month};
use crate::config::Config;

/// Where a sale or a drawn part counts.
#[derive(Clone, Copy)]
enum Segment {
    Household = 0,
    Commercial = 1,
    Unattributed = 2,
}

/// One station's year to date, in cents and counts.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Station {
    pub sales: [i128; 2],
    pub units_sold: i64,
    pub units_priced: i64,
    /// Household, commercial, unattributed.
    pub parts: [i128; 3],
    pub parts_unpriced: i64,
    pub warranty_parts: i64,
    pub old_parts_returned: i64,
}

/// The first day of the agreement year that holds M.
pub fn year_start(month: &Month, start_month: u32) -> NaiveDate {
    let y = if month.start.month() >= start_month { month.start.year() } else { month.start.year() - 1 };
    NaiveDate::from_ymd_opt(y, start_month, 1).expect("a month from 1 to 12")
}

/// The allowance in cents: `rate × sales`, rounded half up,
/// in integers (the rates taken to a millionth), so 1.5% of 1.00 is
/// exactly 1.5 cents and rounds to 2.
pub fn allowance(sales: [i128; 2], config: &Config) -> i128 {
    let g = &config.agreement;
    let ppm = |rate: f64| (rate * 1e6).round() as i128;
    let exact = sales[0] * ppm(g.household_rate) + sales[1] * ppm(g.commercial_rate);
    (exact + 500_000).div_euclid(1_000_000)
}

/// 0 household, 1 commercial (every line not listed as household), null
/// without a product line.
fn segment(line: Expr, config: &Config) -> Expr {
    let household = Series::new("household".into(), config.agreement.household_lines.clone());
    when(line.clone().is_null())
        .then(lit(Segment::Unattributed as i64))
        .when(line.is_in(lit(household).implode(true), false))
        .then(lit(Segment::Household as i64))
        .otherwise(lit(Segment::Commercial as i64))
        .alias("segment")
}

/// `parts_allowance` for M. `details`: current units with station_id,
/// sale_price, product_line and sale_date (`Inputs::unit_details`);
/// `repairs`: from `policy::repairs_with_policy`; `parts` and `stations`:
/// the current state.
pub fn parts_allowance(
    details: LazyFrame,
    repairs: LazyFrame,
    parts: LazyFrame,
    stations: LazyFrame,
    month: &Month,
    config: &Config,
) -> PolarsResult<DataFrame> {
    let start = year_start(month, config.agreement.year_start_month);
    let in_year = |c: &str| col(c).gt_eq(lit(start)).and(col(c).lt(lit(month.end))).fill_null(false);
    let mut acc: BTreeMap<String, Station> = BTreeMap::new();
    for s in strings(&collect(stations.select([col("station_id")]))?, "station_id")?.iter().flatten() {
        acc.entry(s.to_string()).or_default();
    }

    // Every unit sold in the year: streamed (at 100M units, the in-memory
    // engine held them all).
    let sales = collect(
        details.filter(in_year("sale_date")).group_by([col("station_id"), segment(col("product_line"), config)]).agg([
            len().cast(DataType::Int64).alias("units"),
            col("sale_price").is_not_null().sum().cast(DataType::Int64).alias("priced"),
            col("sale_price").sum().alias("sales"),
        ]),
    )?;
    let (st, seg, n, priced) =
        (strings(&sales, "station_id")?, ints(&sales, "segment")?, ints(&sales, "units")?, ints(&sales, "priced")?);
    let money = cents(&sales, "sales");
    for i in 0..sales.height() {
        let Some(s) = st.get(i) else { continue };
        let a = acc.entry(s.to_string()).or_default();
        let k = seg.get(i).unwrap_or(Segment::Commercial as i64).min(1) as usize;
        a.sales[k] += money[i].unwrap_or(0);
        a.units_sold += n.get(i).unwrap_or(0);
        a.units_priced += priced.get(i).unwrap_or(0);
    }

    // A part is attributed through its repair's unit.
    let policy = repairs.select([col("repair_id"), col("product_line"), col("covered")]);
    let parts = parts.left_join(policy, col("repair_id"), col("repair_id"));
    let drawn = collect(
        parts
            .clone()
            .filter(in_year("shipped_at"))
            .group_by([col("station_id"), segment(col("product_line"), config), col("shipped_quantity")])
            .agg([
                col("unit_price").sum().alias("value"),
                col("unit_price").is_null().sum().cast(DataType::Int64).alias("unpriced"),
            ]),
    )?;
    let (st, seg, qty, unpriced) = (
        strings(&drawn, "station_id")?,
        ints(&drawn, "segment")?,
        ints(&drawn, "shipped_quantity")?,
        ints(&drawn, "unpriced")?,
    );
    let value = cents(&drawn, "value");
    for i in 0..drawn.height() {
        let Some(s) = st.get(i) else { continue };
        let a = acc.entry(s.to_string()).or_default();
        let k = seg.get(i).unwrap_or(Segment::Unattributed as i64) as usize;
        a.parts[k] += value[i].unwrap_or(0) * qty.get(i).unwrap_or(0) as i128;
        a.parts_unpriced += unpriced.get(i).unwrap_or(0);
    }

    let old = collect(
        parts
            .filter(date_in_month(col("shipped_at"), month).and(col("covered").fill_null(false)))
            .group_by([col("station_id")])
            .agg([
                len().cast(DataType::Int64).alias("shipped"),
                col("old_part_returned").fill_null(false).sum().cast(DataType::Int64).alias("returned"),
            ]),
    )?;
    let (st, shipped, returned) = (strings(&old, "station_id")?, ints(&old, "shipped")?, ints(&old, "returned")?);
    for i in 0..old.height() {
        let Some(s) = st.get(i) else { continue };
        let a = acc.entry(s.to_string()).or_default();
        a.warranty_parts += shipped.get(i).unwrap_or(0);
        a.old_parts_returned += returned.get(i).unwrap_or(0);
    }
    frame(&acc, month, &start.format("%Y-%m").to_string(), config)
}

/// The table from the per-station sums.
fn frame(acc: &BTreeMap<String, Station>, month: &Month, year_start: &str, config: &Config) -> PolarsResult<DataFrame> {
    let share = |num: f64, den: f64| (den > 0.0).then(|| num / den);
    let rows: Vec<(&String, &Station, i128, i128)> =
        acc.iter().map(|(id, s)| (id, s, allowance(s.sales, config), s.parts.iter().sum::<i128>())).collect();
    let dec = |name: &str, f: &dyn Fn(&(&String, &Station, i128, i128)) -> i128| -> PolarsResult<Column> {
        Ok(Int128Chunked::from_iter_options(name.into(), rows.iter().map(|r| Some(f(r))))
            .into_decimal(18, 2)?
            .into_column())
    };
    let n = rows.len();
    DataFrame::new(
        n,
        vec![
            Column::new("month".into(), vec![month.label.clone(); n]),
            Column::new("station_id".into(), rows.iter().map(|r| r.0.clone()).collect::<Vec<_>>()),
            Column::new("year_start".into(), vec![year_start.to_string(); n]),
            dec("household_sales", &|r| r.1.sales[0])?,
            dec("commercial_sales", &|r| r.1.sales[1])?,
            dec("allowance", &|r| r.2)?,
            dec("parts_household", &|r| r.1.parts[0])?,
            dec("parts_commercial", &|r| r.1.parts[1])?,
            dec("parts_unattributed", &|r| r.1.parts[2])?,
            dec("parts_drawn", &|r| r.3)?,
            Column::new(
                "used_share".into(),
                rows.iter().map(|r| share(r.3 as f64, r.2 as f64)).collect::<Vec<Option<f64>>>(),
            ),
            dec("over_amount", &|r| (r.3 - r.2).max(0))?,
            Column::new(
                "priced_units_share".into(),
                rows.iter().map(|r| share(r.1.units_priced as f64, r.1.units_sold as f64)).collect::<Vec<_>>(),
            ),
            Column::new("warranty_parts_shipped".into(), rows.iter().map(|r| r.1.warranty_parts).collect::<Vec<_>>()),
            Column::new("old_parts_returned".into(), rows.iter().map(|r| r.1.old_parts_returned).collect::<Vec<_>>()),
            Column::new(
                "old_parts_returned_share".into(),
                rows.iter()
                    .map(|r| share(r.1.old_parts_returned as f64, r.1.warranty_parts as f64))
                    .collect::<Vec<_>>(),
            ),
            Column::new("provisional".into(), vec![month.provisional; n]),
            Column::new("units_sold".into(), rows.iter().map(|r| r.1.units_sold).collect::<Vec<_>>()),
            Column::new("parts_unpriced".into(), rows.iter().map(|r| r.1.parts_unpriced).collect::<Vec<_>>()),
        ],
    )
}
