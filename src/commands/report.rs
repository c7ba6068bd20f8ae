//! `qfb report --lake DIR --out DIR [--month YYYY-MM] [--lang en|zh]`:
//! the month's metrics and alerts, recomputed from the lake (so the report
//! never draws on stale files), then the HTML report in
//! `<out>/reports/YYYY-MM/`.

use std::process::ExitCode;

use crate::cli::ReportArgs;
use crate::commands::Context;
use crate::error::Result;
use crate::pipeline::{report_history_months, MonthRun};

pub fn run(ctx: &Context, args: ReportArgs) -> Result<ExitCode> {
    let run = MonthRun::open(&ctx.config, &ctx.schemas, &args.lake, &args.out, args.month.as_deref())?;
    let history = run.history(report_history_months(&ctx.config))?;
    let raised = run.alerts(&history)?;
    let life = run.life()?;
    let dir = run.report(&history, &raised, &life, args.lang.into())?;
    if !ctx.quiet {
        crate::say!("report written to {}", dir.join("index.html").display());
    }
    Ok(ExitCode::SUCCESS)
}
