//! `qfb alerts --lake DIR --out DIR [--month YYYY-MM] [--fail-on warning|critical]`.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use crate::alerts::{self, Alert, Evidence, Severity};
use crate::cli::{self, AlertsArgs};
use crate::commands::{metrics, Context};
use crate::error::Result;
use crate::lake::Lake;
use crate::metrics::{Inputs, Month, Past, Tables};

pub fn run(ctx: &Context, args: AlertsArgs) -> Result<ExitCode> {
    let lake = Lake::new(&args.lake);
    let label = metrics::report_month(&lake, args.month.as_deref())?;
    let (month, inputs, tables) = metrics::compute(ctx, &lake, &args.out, &label)?;
    let history = metrics::history(ctx, &lake, &inputs, &month, ctx.config.alerts.escalate_months - 1)?;
    let (alerts, _) = raise(ctx, &lake, &args.out, &month, &inputs, &tables, &history)?;
    if !ctx.quiet {
        print(&mut crate::commands::out(), &alerts);
    }
    Ok(exit_code(&alerts, args.fail_on))
}

/// Compute, write and return the alerts of `month` from its metric inputs
/// and tables, with the evidence the report draws; shared with `qfb run`
/// and `qfb report`. `history`: the months before (`metrics::history`),
/// at least `escalate_months − 1` of them where the lake has them.
pub fn raise(
    ctx: &Context,
    lake: &Lake,
    out: &Path,
    month: &Month,
    inputs: &Inputs,
    tables: &Tables,
    history: &[Past],
) -> Result<(Vec<Alert>, Evidence)> {
    // The station KPIs of the months before, for "N months running".
    let latest = metrics::latest_load(lake)?;
    let history: Vec<_> = history.iter().map(|p| p.station_kpis.clone()).collect();
    let first_load = lake.manifests()?.first().map(|m| m.load_month.clone()).unwrap_or_else(|| month.label.clone());
    let observed_from = Month::new(&first_load, None)?.start;
    let (alerts, evidence) = alerts::compute(inputs, tables, &history, month, &latest, observed_from, &ctx.config)?;
    alerts::write(out, &month.label, &alerts)?;
    Ok((alerts, evidence))
}

/// One line per alert, in rank order.
pub fn print(out: &mut impl Write, alerts: &[Alert]) {
    let _ = writeln!(out, "\n{} alert{}", alerts.len(), if alerts.len() == 1 { "" } else { "s" });
    for a in alerts {
        let sev = match a.severity {
            Severity::Critical => "CRITICAL",
            Severity::Warning => "warning ",
        };
        let _ = writeln!(out, "  {sev} {:<15} {}", a.kind.as_str(), a.message);
    }
}

/// 3 when an alert reaches `fail_on`, else 0.
pub fn exit_code(alerts: &[Alert], fail_on: Option<cli::Severity>) -> ExitCode {
    let threshold = match fail_on {
        None => return ExitCode::SUCCESS,
        Some(cli::Severity::Warning) => Severity::Warning,
        Some(cli::Severity::Critical) => Severity::Critical,
    };
    if alerts.iter().any(|a| a.severity >= threshold) {
        ExitCode::from(3)
    } else {
        ExitCode::SUCCESS
    }
}
