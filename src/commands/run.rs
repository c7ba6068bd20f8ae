//! `qfb run`: the monthly job in one command. With no flags it runs on the
//! bundled `sample-data/`, with the lake at `out/lake` and output in `out/`:
//! ingest every changed drop, compute the metrics of the report month
//! (default: the latest load month minus one), print the summary, raise
//! the alerts and render the HTML report.

use std::process::ExitCode;

use crate::cli::RunArgs;
use crate::commands::{alerts, ingest, metrics, report, Context};
use crate::error::Result;
use crate::ingest::load::Options;
use crate::lake::Lake;
use crate::metrics::{summary, Month};

pub fn run(ctx: &Context, args: RunArgs) -> Result<ExitCode> {
    let month = args.month.clone();
    let opts = Options {
        input: args.input,
        lake: args.lake.unwrap_or_else(|| args.out.join("lake")),
        month: None,
        force: false,
        allow_shrink: args.allow_shrink,
    };
    let outcome = ingest::ingest(ctx, &opts)?;
    if !ctx.quiet {
        ingest::print(&outcome);
    }
    let lake = Lake::new(&opts.lake);
    let label = match month {
        Some(m) => m,
        None => metrics::default_month(&lake)?,
    };
    let (month, inputs, tables) = metrics::compute(ctx, &lake, &args.out, &label)?;
    let history = metrics::history(ctx, &lake, &inputs, &month, report::history_months(ctx))?;
    let (raised, evidence) = alerts::raise(ctx, &lake, &args.out, &month, &inputs, &tables, &history)?;
    let report_dir = report::render(
        ctx,
        &lake,
        &args.out,
        &month,
        &inputs,
        &tables,
        &history,
        &raised,
        &evidence,
        args.lang.into(),
    )?;
    if !ctx.quiet {
        let previous = Month::new(&Month::previous(&label)?, Some(&metrics::latest_load(&lake)?))?;
        // Failure rates read no M+1 state, so this month's inputs serve.
        let before = crate::metrics::failure_rates(&inputs, &previous, &ctx.config)?;
        let mut out = crate::commands::out();
        let _ = summary::render(&mut out, &month, &tables, Some(&before));
        alerts::print(&mut crate::commands::out(), &raised);
        crate::say!(
            "\nmetrics written to {}",
            args.out.join("metrics").join(format!("month={}", month.label)).display()
        );
        crate::say!(
            "alerts written to {}",
            args.out.join("alerts").join(format!("month={}", month.label)).join("alerts.json").display()
        );
        crate::say!("report written to {}", report_dir.join("index.html").display());
    }
    Ok(alerts::exit_code(&raised, args.fail_on))
}
