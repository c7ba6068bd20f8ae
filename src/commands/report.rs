//! `qfb report --lake DIR --out DIR [--month YYYY-MM] [--lang en|zh]`:
//! the month's metrics and alerts, recomputed from the lake (so the report
//! never draws on stale files), then the HTML report in
//! `<out>/reports/YYYY-MM/`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use polars::prelude::IntoLazy;
use sha2::{Digest, Sha256};

use crate::alerts::{Alert, Evidence};
use crate::cli::ReportArgs;
use crate::commands::{alerts, metrics, Context};
use crate::error::Result;
use crate::lake::Lake;
use crate::metrics::{Inputs, Month, Tables};
use crate::report::{self, data, Lang, RunInfo, Sources};

/// Months of KPI history charted, M included.
const KPI_MONTHS: usize = 12;

pub fn run(ctx: &Context, args: ReportArgs) -> Result<ExitCode> {
    let lake = Lake::new(&args.lake);
    let label = metrics::report_month(&lake, args.month.as_deref())?;
    let (month, inputs, tables) = metrics::compute(ctx, &lake, &args.out, &label)?;
    let (raised, evidence) = alerts::raise(ctx, &lake, &args.out, &month, &inputs, &tables)?;
    let dir = render(ctx, &lake, &args.out, &month, &inputs, &tables, &raised, &evidence, args.lang.into())?;
    if !ctx.quiet {
        println!("report written to {}", dir.join("index.html").display());
    }
    Ok(ExitCode::SUCCESS)
}

/// Render and write the report of `month`; shared with `qfb run`.
#[allow(clippy::too_many_arguments)]
pub fn render(
    ctx: &Context,
    lake: &Lake,
    out: &Path,
    month: &Month,
    inputs: &Inputs,
    tables: &Tables,
    raised: &[Alert],
    evidence: &Evidence,
    lang: Lang,
) -> Result<PathBuf> {
    let latest = metrics::latest_load(lake)?;
    let manifests = lake.manifests()?;
    // The company KPIs of the months before M, from the same current state.
    let mut labels = Vec::new();
    let mut label = month.label.clone();
    for _ in 1..KPI_MONTHS {
        label = Month::previous(&label)?;
        labels.push(label.clone());
    }
    labels.reverse();
    let first_load = manifests.first().map(|m| m.load_month.as_str()).unwrap_or("");
    let mut kpi_history = Vec::new();
    for l in labels {
        let m = Month::new(&l, Some(&latest))?;
        let df = if l.as_str() < first_load {
            // Before the lake's data: nothing to compute, a gap in the chart.
            tables.kpis.clone().lazy().limit(0).collect()?
        } else {
            crate::metrics::company_kpis(&inputs.for_month(lake, &ctx.schemas, &m)?, &m, &ctx.config)?
        };
        kpi_history.push((l, df));
    }
    let collect = crate::metrics::collect;
    let failures_by_code = collect(data::failures_by_code(inputs, month, &ctx.config))?;
    let complaints = collect(data::complaints(inputs, month))?;
    let rejects = collect(data::rejects(inputs))?;

    let mut digest = Sha256::new();
    for m in &manifests {
        for f in &m.files {
            digest.update(f.sha256.as_bytes());
        }
    }
    let digest = crate::config::hex(&digest.finalize());
    let run = RunInfo {
        version: env!("CARGO_PKG_VERSION").to_string(),
        run_at: chrono::Utc::now().format("%Y-%m-%d %H:%M:%S UTC").to_string(),
        inputs: format!(
            "{}: {} loads ({} … {}), {} files, SHA-256 of their hashes {}",
            lake.root.display(),
            manifests.len(),
            first_load,
            latest,
            manifests.iter().map(|m| m.files.len()).sum::<usize>(),
            &digest[..16]
        ),
    };
    let sources = Sources {
        month,
        tables,
        kpi_history: &kpi_history,
        alerts: raised,
        evidence,
        failures_by_code: &failures_by_code,
        complaints: &complaints,
        rejects: &rejects,
        manifests: &manifests,
        config: &ctx.config,
    };
    let built = report::build(&sources, lang, &run)?;
    let dir = report::folder(out, &month.label);
    report::write(&dir, &built)?;
    Ok(dir)
}
