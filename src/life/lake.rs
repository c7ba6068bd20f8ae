//! Life data from the lake for a report month M: per product line (and
//! `all`) and component, each unit's life in days in service, fitted and
//! written to `<out>/life/month=M/{weibull,kaplan_meier}.parquet`.
//!
//! The rules (README, "Life data"):
//! - time is days in service from in_service(u); a failure reported on the
//!   d-th day in service (day 1 is the in-service date) is a failure at
//!   t = d. A repair reported before in_service counts as day 1;
//! - the event is the first quality failure of the component on the unit
//!   that is in warranty (contract section 4) and reported before the end
//!   of M;
//! - a unit without it is suspended at min(end of M, warranty_end(u, c)) −
//!   in_service(u), in whole days;
//! - a unit in service before the lake's first load month enters late, at
//!   that month's start (left truncation): failures before it were never
//!   recorded. A unit whose first failure came before its entry (a late
//!   report in the first drop) is left out for that component, as the
//!   truncated likelihood requires;
//! - a unit installed after its warranty for the component ended, or whose
//!   warranty ended before the first load, was never at risk while observed.
//!
//! 10M units never become 10M records: units are grouped by (line, entry,
//! exit) in one polars pass, the few failing units are taken out of their
//! groups and added back as events, and the fits and curves run on those
//! groups.

use std::collections::HashMap;

use polars::prelude::*;

use super::km::{kaplan_meier, Record, Step};
use super::weibull::{fit, z_two_sided, Fit, Kind, Obs};
use crate::config::Config;
use crate::error::Result;
use crate::metrics::{self, Inputs};
use crate::month::{Month, DAYS_PER_MONTH};

/// The product-line label of the all-lines rows.
pub const ALL: &str = "all";

/// One product line's (or `all`'s) and component's life data, fitted.
#[derive(Debug, Clone)]
pub struct Fitted {
    pub product_line: String,
    pub component: String,
    /// Units at risk at some time, and failures among them.
    pub units: f64,
    pub failures: f64,
    pub fit: Option<Fit>,
    /// Why there is no fit.
    pub note: Option<String>,
    pub km: Vec<Step>,
    /// The warranty in days at which reliability is reported.
    pub warranty_days: f64,
}

/// The month's life data: the two tables as written, and the fits behind
/// them for the report's plots.
pub struct Life {
    pub weibull: DataFrame,
    pub kaplan_meier: DataFrame,
    pub fits: Vec<Fitted>,
    /// The failing units the fits were made from, for the flagged
    /// batches' curves.
    failures: Vec<FailureRow>,
    confidence: f64,
    components: Vec<(String, bool)>,
}

impl Life {
    pub fn summary_line(&self) -> String {
        let fitted = self.fits.iter().filter(|f| f.fit.is_some()).count();
        format!("life data: {} line × component fits ({} with enough failures to fit)", self.fits.len(), fitted)
    }

    pub fn get(&self, product_line: &str, component: &str) -> Option<&Fitted> {
        self.fits.iter().find(|f| f.product_line == product_line && f.component == component)
    }
}

/// A flagged batch's Kaplan–Meier curve against the rest of its line.
#[derive(Debug, Clone)]
pub struct BatchCurve {
    pub product_line: String,
    pub production_batch: String,
    pub component: String,
    pub batch: Vec<Step>,
    pub rest: Vec<Step>,
}

/// The life window of every unit in service before the end of M: day
/// numbers relative to in_service, per warranty kind. `units`: units by
/// dates (`Inputs::unit_dates`, with `n`), the current units, or the
/// failing units' repairs, which carry the same unit columns.
fn windows(units: LazyFrame, month: &Month, first_load: &Month) -> LazyFrame {
    let day = |d: chrono::NaiveDate| lit(metrics::day_number(d));
    let in_day = metrics::days(col("in_service"));
    let exit = |we: &str| metrics::min2(day(month.end), metrics::days(col(we))) - in_day.clone();
    units.filter(in_day.clone().lt(day(month.end))).with_columns([
        metrics::max2(day(first_load.start) - in_day.clone(), lit(0i64)).alias("entry"),
        exit("warranty_end_main").alias("exit_main"),
        exit("warranty_end_unit").alias("exit_unit"),
    ])
}

/// Each unit's first in-warranty quality failure of each component
/// reported before the end of M, as a day in service, with its window.
/// `unit_failures` ([`metrics::policy::unit_failures`]) carries each
/// failing unit's columns, so the window comes from them: no join back to
/// the 10M units.
fn first_failures(unit_failures: LazyFrame, month: &Month, first_load: &Month) -> LazyFrame {
    let day_in_service = metrics::days(col("reported_at").cast(DataType::Date)) - metrics::days(col("in_service"));
    windows(unit_failures, month, first_load)
        .with_column((metrics::max2(day_in_service, lit(0i64)) + lit(1i64)).alias("time"))
        .select([
            col("product_line"),
            col("production_batch"),
            col("component"),
            col("entry"),
            col("exit_main"),
            col("exit_unit"),
            col("time"),
        ])
}

/// Units grouped by a key (the line, or batch against the rest of its
/// line) and window: `(key, entry, exit_main, exit_unit, n)`. Tens of
/// thousands of rows at 10M units; by line and batch it would be millions.
struct Groups {
    rows: Vec<(String, i64, i64, i64, f64)>,
}

fn group_windows(windows: LazyFrame, key: Expr) -> Result<Groups> {
    let df = metrics::collect(
        windows
            .group_by([key.alias("key"), col("entry"), col("exit_main"), col("exit_unit")])
            .agg([col("n").sum().cast(DataType::Float64)]),
    )?;
    let keys = df.column("key")?.str()?.clone();
    let (entry, main, unit) =
        (df.column("entry")?.i64()?, df.column("exit_main")?.i64()?, df.column("exit_unit")?.i64()?);
    let n = df.column("n")?.f64()?;
    let mut rows = Vec::with_capacity(df.height());
    for i in 0..df.height() {
        if let (Some(k), Some(e), Some(m), Some(u), Some(c)) =
            (keys.get(i), entry.get(i), main.get(i), unit.get(i), n.get(i))
        {
            rows.push((k.to_string(), e, m, u, c));
        }
    }
    // A fixed order: the fits' sums must not depend on hash order.
    rows.sort_by(|a, b| (&a.0, a.1, a.2, a.3).cmp(&(&b.0, b.1, b.2, b.3)));
    Ok(Groups { rows })
}

/// Failing units: `(line, batch, component, entry, exit_main, exit_unit, time)`.
type FailureRow = (String, String, String, i64, i64, i64, i64);

fn failure_rows(df: &DataFrame) -> Result<Vec<FailureRow>> {
    let s = |c: &str| -> Result<StringChunked> { Ok(df.column(c)?.str()?.clone()) };
    let i = |c: &str| -> Result<Int64Chunked> { Ok(df.column(c)?.i64()?.clone()) };
    let (line, batch, comp) = (s("product_line")?, s("production_batch")?, s("component")?);
    let (entry, main, unit, time) = (i("entry")?, i("exit_main")?, i("exit_unit")?, i("time")?);
    let mut out = Vec::with_capacity(df.height());
    for r in 0..df.height() {
        if let (Some(l), Some(b), Some(c), Some(e), Some(m), Some(u), Some(t)) =
            (line.get(r), batch.get(r), comp.get(r), entry.get(r), main.get(r), unit.get(r), time.get(r))
        {
            out.push((l.to_string(), b.to_string(), c.to_string(), e, m, u, t));
        }
    }
    // In the order polars gave: every reader counts them into whole
    // numbers, so the order changes no figure (and sorting 4.5M rows of
    // strings cost seconds at 100M units).
    Ok(out)
}

/// The life records of the units in `groups` whose key `unit_in` selects,
/// for one component, with `failures` (that component's, of those units)
/// taken out of their groups and added as events.
fn records<'f>(
    groups: &Groups,
    unit_in: impl Fn(&str) -> bool,
    failures: impl Iterator<Item = &'f FailureRow>,
    main: bool,
) -> Vec<Record> {
    let exit = |m: i64, u: i64| if main { m } else { u };
    let mut suspended: HashMap<(i64, i64), f64> = HashMap::new();
    for (k, e, m, u, n) in &groups.rows {
        if unit_in(k) && exit(*m, *u) > *e {
            *suspended.entry((*e, exit(*m, *u))).or_default() += n;
        }
    }
    let mut failed: HashMap<(i64, i64), f64> = HashMap::new();
    for f in failures {
        let (entry, x, time) = (f.3, exit(f.4, f.5), f.6);
        if x <= entry {
            // Never at risk in warranty for this component while observed
            // (its warranty ended before the first load, or before it was
            // installed): not in any group.
            continue;
        }
        if let Some(n) = suspended.get_mut(&(entry, x)) {
            *n -= 1.0;
        }
        // A first failure before the unit entered observation takes the
        // unit out: the truncated likelihood conditions on survival to the
        // entry, which it did not do.
        if time > entry && time <= x {
            *failed.entry((entry, time)).or_default() += 1.0;
        }
    }
    let mut out: Vec<Record> = suspended
        .into_iter()
        .filter(|(_, n)| *n > 0.0)
        .map(|((e, x), n)| Record { time: x as f64, failure: false, entry: e as f64, count: n })
        .chain(failed.into_iter().map(|((e, t), n)| Record {
            time: t as f64,
            failure: true,
            entry: e as f64,
            count: n,
        }))
        .collect();
    // A fixed order, so that the fits' sums and the files are reproducible.
    out.sort_by(|a, b| (a.time, a.entry, a.failure).partial_cmp(&(b.time, b.entry, b.failure)).expect("finite"));
    out
}

fn to_obs(records: &[Record]) -> Vec<Obs> {
    records
        .iter()
        .map(|r| Obs {
            kind: if r.failure { Kind::Exact(r.time) } else { Kind::Right(r.time) },
            entry: r.entry,
            count: r.count,
        })
        .collect()
}

/// Compute the month's life data. `first_load`: the lake's first load
/// month; `unit_failures`: M's failing units by component
/// ([`metrics::Tables::unit_failures`]).
pub fn compute(
    inputs: &Inputs,
    unit_failures: &DataFrame,
    month: &Month,
    first_load: &Month,
    config: &Config,
) -> Result<Life> {
    let started = std::time::Instant::now();
    let groups = group_windows(windows(inputs.unit_dates.clone(), month, first_load), col("product_line"))?;
    let failures = failure_rows(&metrics::collect(first_failures(unit_failures.clone().lazy(), month, first_load))?)?;
    tracing::debug!(
        "life data: {} unit groups, {} failing units in {:?}",
        groups.rows.len(),
        failures.len(),
        started.elapsed()
    );
    let z = z_two_sided(config.life.confidence);
    let mut lines: Vec<(String, Option<&crate::config::ProductLine>)> =
        config.product_lines.iter().map(|p| (p.code.clone(), Some(p))).collect();
    lines.push((ALL.to_string(), None));
    // Each fit reads its component's failures only (at 100M units, 4.5M
    // failing units would otherwise be scanned by each of the 36 fits).
    let mut by_component: HashMap<&str, Vec<&FailureRow>> = HashMap::new();
    for f in &failures {
        by_component.entry(f.2.as_str()).or_default().push(f);
    }
    // The fits are independent: both cores take a share.
    let mut jobs = Vec::new();
    for (line, pl) in &lines {
        for c in &config.components {
            jobs.push((line.as_str(), *pl, c));
        }
    }
    let fit_job = |(line, pl, c): &(&str, Option<&crate::config::ProductLine>, &crate::config::Component)| {
        let months = |p: &crate::config::ProductLine| if c.main { p.main_months } else { p.unit_months };
        let warranty_months = match pl {
            Some(p) => months(p),
            None => config.product_lines.iter().map(months).max().unwrap_or(0),
        };
        let in_line = |k: &str| pl.is_none() || k == *line;
        let of_component = by_component.get(c.code.as_str()).map_or(&[][..], |v| &v[..]);
        let recs = records(&groups, in_line, of_component.iter().copied().filter(|f| in_line(&f.0)), c.main);
        fit_one(line, &c.code, &recs, warranty_months as f64 * DAYS_PER_MONTH, z, config)
    };
    let fits: Vec<Fitted> = crate::cores::on_every_core(&jobs, fit_job);
    tracing::debug!("life data: {} fits in {:?}", fits.len(), started.elapsed());
    Ok(Life {
        weibull: weibull_frame(&fits, month, config)?,
        kaplan_meier: km_frame(&fits, month)?,
        fits,
        failures,
        confidence: config.life.confidence,
        components: config.components.iter().map(|c| (c.code.clone(), c.main)).collect(),
    })
}

fn fit_one(line: &str, component: &str, recs: &[Record], warranty_days: f64, z: f64, config: &Config) -> Fitted {
    let units: f64 = recs.iter().map(|r| r.count).sum();
    let failures: f64 = recs.iter().filter(|r| r.failure).map(|r| r.count).sum();
    let (fit, note) = if units == 0.0 {
        (None, Some("no units in service".to_string()))
    } else if failures < config.life.min_failures as f64 {
        (None, Some(format!("{} failures: fewer than {} is too few to fit", failures as u64, config.life.min_failures)))
    } else {
        match fit(&to_obs(recs)) {
            Ok(f) => (Some(f), None),
            Err(e) => (None, Some(e.to_string())),
        }
    };
    Fitted {
        product_line: line.to_string(),
        component: component.to_string(),
        units,
        failures,
        fit,
        note,
        km: kaplan_meier(recs, z),
        warranty_days,
    }
}

/// `weibull.parquet`: one row per line (and `all`) × component.
fn weibull_frame(fits: &[Fitted], month: &Month, config: &Config) -> PolarsResult<DataFrame> {
    let z = z_two_sided(config.life.confidence);
    let n = fits.len();
    let col_of = |f: &dyn Fn(&Fitted, &Fit) -> f64| -> Vec<Option<f64>> {
        fits.iter().map(|x| x.fit.as_ref().map(|fit| f(x, fit))).collect()
    };
    let columns = vec![
        Column::new("month".into(), vec![month.label.clone(); n]),
        Column::new("product_line".into(), fits.iter().map(|f| f.product_line.clone()).collect::<Vec<_>>()),
        Column::new("component".into(), fits.iter().map(|f| f.component.clone()).collect::<Vec<_>>()),
        Column::new("units".into(), fits.iter().map(|f| f.units as i64).collect::<Vec<_>>()),
        Column::new("failures".into(), fits.iter().map(|f| f.failures as i64).collect::<Vec<_>>()),
        Column::new("beta".into(), col_of(&|_, f| f.beta)),
        Column::new("beta_lower".into(), col_of(&|_, f| f.beta_bounds(z).lower)),
        Column::new("beta_upper".into(), col_of(&|_, f| f.beta_bounds(z).upper)),
        Column::new("eta_days".into(), col_of(&|_, f| f.eta)),
        Column::new("eta_lower".into(), col_of(&|_, f| f.eta_bounds(z).lower)),
        Column::new("eta_upper".into(), col_of(&|_, f| f.eta_bounds(z).upper)),
        Column::new("b10_days".into(), col_of(&|_, f| f.b10())),
        Column::new("reliability_at_warranty_end".into(), col_of(&|x, f| f.reliability(x.warranty_days))),
        Column::new(
            "reliability_at_warranty_end_lower".into(),
            col_of(&|x, f| f.reliability_bounds(x.warranty_days, z).lower),
        ),
        Column::new(
            "reliability_at_warranty_end_upper".into(),
            col_of(&|x, f| f.reliability_bounds(x.warranty_days, z).upper),
        ),
        Column::new("log_likelihood".into(), col_of(&|_, f| f.log_likelihood)),
        Column::new("note".into(), fits.iter().map(|f| f.note.clone()).collect::<Vec<_>>()),
        Column::new("provisional".into(), vec![month.provisional; n]),
    ];
    DataFrame::new(n, columns)
}

/// `kaplan_meier.parquet`: the curve of each line × component at its
/// distinct failure days.
fn km_frame(fits: &[Fitted], month: &Month) -> PolarsResult<DataFrame> {
    let steps: Vec<(&Fitted, &Step)> = fits.iter().flat_map(|f| f.km.iter().map(move |s| (f, s))).collect();
    let n = steps.len();
    let columns = vec![
        Column::new("month".into(), vec![month.label.clone(); n]),
        Column::new("product_line".into(), steps.iter().map(|(f, _)| f.product_line.clone()).collect::<Vec<_>>()),
        Column::new("component".into(), steps.iter().map(|(f, _)| f.component.clone()).collect::<Vec<_>>()),
        Column::new("day".into(), steps.iter().map(|(_, s)| s.time as i64).collect::<Vec<_>>()),
        Column::new("at_risk".into(), steps.iter().map(|(_, s)| s.at_risk as i64).collect::<Vec<_>>()),
        Column::new("failures".into(), steps.iter().map(|(_, s)| s.failures as i64).collect::<Vec<_>>()),
        Column::new("survival".into(), steps.iter().map(|(_, s)| s.survival).collect::<Vec<_>>()),
        Column::new("lower".into(), steps.iter().map(|(_, s)| s.lower).collect::<Vec<_>>()),
        Column::new("upper".into(), steps.iter().map(|(_, s)| s.upper).collect::<Vec<_>>()),
        Column::new("provisional".into(), vec![month.provisional; n]),
    ];
    DataFrame::new(n, columns)
}

impl Life {
    /// The Kaplan–Meier curves of flagged batches, `(line, batch,
    /// component)`, each against the rest of its line: one grouping of the
    /// line's units per batch; the failing units are the fits' own.
    pub fn batch_curves(
        &self,
        inputs: &Inputs,
        month: &Month,
        first_load: &Month,
        flagged: &[(String, String, String)],
    ) -> Result<Vec<BatchCurve>> {
        if flagged.is_empty() {
            return Ok(Vec::new());
        }
        let z = z_two_sided(self.confidence);
        let windows = windows(inputs.units.clone().with_column(lit(1i64).alias("n")), month, first_load);
        let mut curves = Vec::new();
        for (line, batch, component) in flagged {
            let main = self.components.iter().any(|(c, m)| c == component && *m);
            let key = when(col("production_batch").eq(lit(batch.clone()))).then(lit("batch")).otherwise(lit("rest"));
            let groups = group_windows(windows.clone().filter(col("product_line").eq(lit(line.clone()))), key)?;
            let of = |in_batch: bool| {
                let recs = records(
                    &groups,
                    |k| (k == "batch") == in_batch,
                    self.failures.iter().filter(|f| &f.0 == line && &f.2 == component && (&f.1 == batch) == in_batch),
                    main,
                );
                kaplan_meier(&recs, z)
            };
            curves.push(BatchCurve {
                product_line: line.clone(),
                production_batch: batch.clone(),
                component: component.clone(),
                batch: of(true),
                rest: of(false),
            });
        }
        Ok(curves)
    }
}
