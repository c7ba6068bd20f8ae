//! `qfb run`: the monthly job in one command. With no flags it runs on the
//! bundled `sample-data/`, with the lake at `out/lake` and output in `out/`:
//! ingest every changed drop, compute the metrics of the report month
//! (default: the latest load month minus one), print the summary, raise
//! the alerts, render the HTML report and deliver the alerts that are
//! due (exit 4 when a channel cannot be reached).

use std::process::ExitCode;

use crate::cli::RunArgs;
use crate::commands::stages::Stages;
use crate::commands::{
    exit_code, ingest_with_bar, out, print_alerts, print_deliveries, print_ingest, write_station_reports, Context,
    UNDELIVERED,
};
use crate::error::Result;
use crate::ingest::load::Options;
use crate::pipeline::{report_history_months, MonthRun};

pub fn run(ctx: &Context, args: RunArgs) -> Result<ExitCode> {
    let opts = Options {
        input: args.input,
        lake: args.lake.unwrap_or_else(|| args.out.join("lake")),
        month: None,
        force: false,
        allow_shrink: args.allow_shrink,
    };
    let mut stages = Stages::default();
    if let Some(dir) = &args.station_reports {
        crate::station_reports::check_out(dir, &opts.input)?;
    }
    let outcome = stages.time("ingest", || ingest_with_bar(ctx, &opts))?;
    if !ctx.quiet {
        print_ingest(&outcome);
    }
    if let Some(dir) = &args.station_reports {
        write_station_reports(ctx, dir, &outcome.loaded)?;
    }
    drop(outcome);
    let mut run = stages
        .time("metrics", || MonthRun::open(&ctx.config, &ctx.schemas, &opts.lake, &args.out, args.month.as_deref()))?;
    run.station_reports = args.station_reports.clone();
    let history = stages.time("history", || run.history(report_history_months(&ctx.config)))?;
    let raised = stages.time("alerts", || run.alerts(&history))?;
    let life = stages.time("life", || run.life())?;
    let report_dir = stages.time("report", || run.report(&history, &raised, &life, args.lang.into()))?;
    let deliveries = stages.time("notify", || run.notify(&raised, args.lang.into()))?;
    if !ctx.quiet {
        run.summary(&mut out())?;
        print_alerts(&raised.alerts);
        crate::say!("\nmetrics written to {}", run.metrics_dir().display());
        crate::say!("alerts written to {}", run.alerts_file().display());
        crate::say!("life data written to {}", run.life_dir().display());
        crate::say!("report written to {}", report_dir.join("index.html").display());
        crate::say!("{}", stages.line());
    }
    if !print_deliveries(&deliveries, ctx.quiet) {
        return Ok(ExitCode::from(UNDELIVERED));
    }
    Ok(exit_code(&raised.alerts, args.fail_on))
}
