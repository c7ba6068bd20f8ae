//! `qfb notify --out DIR [--month YYYY-MM] [--dry-run] [--lang en|zh]`:
//! deliver a month's alerts that are due, from the `alerts.json` a run
//! wrote, without recomputing: to resend after an outage, or to try a
//! configuration.

use std::process::ExitCode;

use crate::alerts::Alert;
use crate::cli::NotifyArgs;
use crate::commands::{print_deliveries, Context, UNDELIVERED};
use crate::error::{read_err, Error, Result};

pub fn run(ctx: &Context, args: NotifyArgs) -> Result<ExitCode> {
    let month = match args.month {
        Some(m) => m,
        None => latest_month(&args.out)?,
    };
    let path = args.out.join("alerts").join(format!("month={month}")).join("alerts.json");
    let text = std::fs::read(&path).map_err(read_err(&path))?;
    let alerts: Vec<Alert> = serde_json::from_slice(&text)
        .map_err(|e| Error::Usage(format!("`{}` is not an alerts file of qfb: {e}", path.display())))?;
    let provisional = alerts.iter().any(|a| a.provisional);
    if ctx.config.notify.webhook.is_empty() && ctx.config.notify.email.is_none() && !ctx.quiet {
        crate::say!("no alert channel is configured (`[notify]` in qfb.toml); nothing to send");
    }
    let deliveries =
        crate::notify::deliver(&ctx.config, &args.out, &month, provisional, &alerts, args.lang.into(), args.dry_run)?;
    Ok(if print_deliveries(&deliveries, ctx.quiet) { ExitCode::SUCCESS } else { ExitCode::from(UNDELIVERED) })
}

/// The latest `month=YYYY-MM` under `<out>/alerts/`.
fn latest_month(out: &std::path::Path) -> Result<String> {
    let dir = out.join("alerts");
    let mut months: Vec<String> = std::fs::read_dir(&dir)
        .map_err(read_err(&dir))?
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.strip_prefix("month=").map(String::from))
        .filter(|m| crate::month::is_month(m))
        .collect();
    months.sort();
    months.pop().ok_or_else(|| Error::Usage(format!("no alerts under `{}`; run `qfb run` first", dir.display())))
}
