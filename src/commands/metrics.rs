//! `qfb metrics --lake DIR --out DIR [--month YYYY-MM | --months A..B]`.

use std::path::Path;
use std::process::ExitCode;

use crate::cli::{MetricsArgs, MonthRange};
use crate::commands::Context;
use crate::error::{Error, Result};
use crate::lake::Lake;
use crate::metrics::{self, Inputs, Month, Past, Tables};

pub fn run(ctx: &Context, args: MetricsArgs) -> Result<ExitCode> {
    let lake = Lake::new(&args.lake);
    let months = match (&args.month, &args.months) {
        (_, Some(range)) => lake_months(&lake, range)?,
        (Some(m), None) => vec![m.clone()],
        (None, None) => vec![default_month(&lake)?],
    };
    for m in months {
        let (month, _, _) = compute(ctx, &lake, &args.out, &m)?;
        if !ctx.quiet {
            crate::say!(
                "metrics for {}{} written to {}",
                month.label,
                if month.provisional { " (provisional)" } else { "" },
                args.out.join("metrics").join(format!("month={}", month.label)).display()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The months of `range` that the lake has loads for: from its first load
/// month to its latest. A wider range is cut to that, with a note, so that
/// `2000-01..2099-12` does not run for a century of empty months.
fn lake_months(lake: &Lake, range: &MonthRange) -> Result<Vec<String>> {
    let (first, latest) = (first_load(lake)?, latest_load(lake)?);
    let from = range.first.clone().max(first.clone());
    let to = range.last.clone().min(latest.clone());
    if from > to {
        return Err(Error::Usage(format!(
            "the lake has loads from {first} to {latest}; the range {}..{} has none of them",
            range.first, range.last
        )));
    }
    if (from.as_str(), to.as_str()) != (range.first.as_str(), range.last.as_str()) {
        tracing::warn!("the lake has loads from {first} to {latest}: computing {from}..{to}");
    }
    Month::range(&from, &to)
}

/// The first load month of the lake.
pub fn first_load(lake: &Lake) -> Result<String> {
    lake.manifests()?.first().map(|m| m.load_month.clone()).ok_or_else(|| no_loads(lake))
}

fn no_loads(lake: &Lake) -> Error {
    Error::Lake { path: lake.root.clone(), message: "the lake has no committed loads; run `qfb ingest` first".into() }
}

/// The latest load month of the lake.
pub fn latest_load(lake: &Lake) -> Result<String> {
    lake.manifests()?.last().map(|m| m.load_month.clone()).ok_or_else(|| no_loads(lake))
}

/// The default report month: the latest load month minus one.
pub fn default_month(lake: &Lake) -> Result<String> {
    Month::previous(&latest_load(lake)?)
}

/// The report month of `--month`, or the default.
pub fn report_month(lake: &Lake, month: Option<&str>) -> Result<String> {
    match month {
        Some(m) => Ok(m.to_string()),
        None => default_month(lake),
    }
}

/// Compute and write the tables of `label`; the inputs read are returned
/// for the later stages of the run.
pub fn compute(ctx: &Context, lake: &Lake, out: &Path, label: &str) -> Result<(Month, Inputs, Tables)> {
    let latest = latest_load(lake)?;
    let first = first_load(lake)?;
    if label < first.as_str() {
        // Nothing was loaded for it: every table would be empty, and
        // "final" would claim a complete month.
        return Err(Error::Usage(format!(
            "report month {label} is before the lake's first load ({first}); there is no data to report on"
        )));
    }
    let month = Month::new(label, Some(&latest))?;
    let inputs = metrics::inputs(lake, &ctx.schemas, &ctx.config, &month)?;
    let mut tables = metrics::compute(&inputs, &month, &ctx.config)?;
    metrics::write(out, &month, &mut tables)?;
    Ok((month, inputs, tables))
}

/// The KPI tables of the `n` months before `month`, latest first, from its
/// inputs (so restated). Months before the lake's first load are left out:
/// nothing was loaded for them.
pub fn history(ctx: &Context, lake: &Lake, inputs: &Inputs, month: &Month, n: usize) -> Result<Vec<Past>> {
    let latest = latest_load(lake)?;
    let first = first_load(lake)?;
    let mut out = Vec::new();
    let mut label = month.label.clone();
    for _ in 0..n {
        label = Month::previous(&label)?;
        if label < first {
            break;
        }
        let m = Month::new(&label, Some(&latest))?;
        out.push(metrics::past_kpis(&inputs.for_month(lake, &ctx.schemas, &m)?, &m, &ctx.config)?);
    }
    Ok(out)
}
