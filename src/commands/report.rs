//! `qfb report --lake DIR --out DIR [--month YYYY-MM] [--lang en|zh]`:
//! the month's metrics and alerts, recomputed from the lake (so the report
//! never draws on stale files), then the HTML report in
//! `<out>/reports/YYYY-MM/`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use sha2::{Digest, Sha256};

use crate::alerts::{Alert, Evidence};
use crate::cli::ReportArgs;
use crate::commands::{alerts, metrics, Context};
use crate::error::Result;
use crate::lake::Lake;
use crate::metrics::{Inputs, Month, Past, Tables};
use crate::report::{self, data, Lang, RunInfo, Sources};

/// Months of KPI history charted, M included.
const KPI_MONTHS: usize = 12;

/// The months of history `qfb run` and `qfb report` need: the KPI charts'
/// and the alerts' escalation.
pub fn history_months(ctx: &Context) -> usize {
    (KPI_MONTHS - 1).max(ctx.config.alerts.escalate_months - 1)
}

pub fn run(ctx: &Context, args: ReportArgs) -> Result<ExitCode> {
    let lake = Lake::new(&args.lake);
    let label = metrics::report_month(&lake, args.month.as_deref())?;
    let (month, inputs, tables) = metrics::compute(ctx, &lake, &args.out, &label)?;
    let history = metrics::history(ctx, &lake, &inputs, &month, history_months(ctx))?;
    let (raised, evidence) = alerts::raise(ctx, &lake, &args.out, &month, &inputs, &tables, &history)?;
    let dir = render(ctx, &lake, &args.out, &month, &inputs, &tables, &history, &raised, &evidence, args.lang.into())?;
    if !ctx.quiet {
        crate::say!("report written to {}", dir.join("index.html").display());
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
    history: &[Past],
    raised: &[Alert],
    evidence: &Evidence,
    lang: Lang,
) -> Result<PathBuf> {
    let latest = metrics::latest_load(lake)?;
    let manifests = lake.manifests()?;
    let first_load = manifests.first().map(|m| m.load_month.as_str()).unwrap_or("");
    // The company KPIs of the months before M, oldest first; a month the
    // lake has no data for is a gap in the chart.
    let mut kpi_history = Vec::new();
    let mut label = month.label.clone();
    for _ in 1..KPI_MONTHS {
        label = Month::previous(&label)?;
        let df = match history.iter().find(|p| p.month.label == label) {
            Some(p) => p.kpis.clone(),
            None => tables.kpis.clear(),
        };
        kpi_history.push((label.clone(), df));
    }
    kpi_history.reverse();
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
