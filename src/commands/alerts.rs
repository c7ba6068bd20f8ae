//! `qfb alerts --lake DIR --out DIR [--month YYYY-MM] [--fail-on warning|critical]`.

use std::process::ExitCode;

use crate::cli::AlertsArgs;
use crate::commands::{exit_code, print_alerts, Context};
use crate::error::Result;
use crate::pipeline::{alert_history_months, MonthRun};

pub fn run(ctx: &Context, args: AlertsArgs) -> Result<ExitCode> {
    let run = MonthRun::open(&ctx.config, &ctx.schemas, &args.lake, &args.out, args.month.as_deref())?;
    let raised = run.alerts(&run.history(alert_history_months(&ctx.config))?)?;
    if !ctx.quiet {
        print_alerts(&raised.alerts);
    }
    Ok(exit_code(&raised.alerts, args.fail_on))
}
