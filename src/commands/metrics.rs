//! `qfb metrics --lake DIR --out DIR [--month YYYY-MM | --months A..B]`.

use std::process::ExitCode;

use crate::cli::MetricsArgs;
use crate::commands::Context;
use crate::error::Result;
use crate::pipeline::{lake_months, MonthRun};

pub fn run(ctx: &Context, args: MetricsArgs) -> Result<ExitCode> {
    let months: Vec<Option<String>> = match (&args.month, &args.months) {
        (_, Some(range)) => lake_months(&args.lake, &range.first, &range.last)?.into_iter().map(Some).collect(),
        (month, None) => vec![month.clone()],
    };
    for m in months {
        let run = MonthRun::open(&ctx.config, &ctx.schemas, &args.lake, &args.out, m.as_deref())?;
        if !ctx.quiet {
            crate::say!(
                "metrics for {}{} written to {}",
                run.month.label,
                if run.month.provisional { " (provisional)" } else { "" },
                run.metrics_dir().display()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
