//! `qfb run`: the monthly job in one command. With no flags it runs on the
//! bundled `sample-data/`, with the lake at `out/lake`. This version has the
//! ingest stage; metrics, alerts and the report are added as they land.

use std::process::ExitCode;

use crate::cli::RunArgs;
use crate::commands::{ingest, Context};
use crate::error::Result;
use crate::ingest::discover::check_month;
use crate::ingest::load::Options;

pub fn run(ctx: &Context, args: RunArgs) -> Result<ExitCode> {
    let month = args.month.as_deref().map(check_month).transpose()?;
    let opts = Options {
        input: args.input,
        lake: args.lake.unwrap_or_else(|| args.out.join("lake")),
        month: None,
        force: false,
    };
    let outcome = ingest::ingest(ctx, &opts)?;
    if !ctx.quiet {
        ingest::print(&outcome);
        let lake = crate::lake::Lake::new(&opts.lake);
        let latest = lake.manifests()?.last().map(|m| m.load_month.clone());
        let report = month.or_else(|| latest.as_deref().map(previous_month));
        println!(
            "lake: {} (latest load {}); report month {}",
            opts.lake.display(),
            latest.as_deref().unwrap_or("none"),
            report.as_deref().unwrap_or("none")
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `YYYY-MM` minus one month.
pub fn previous_month(m: &str) -> String {
    let y: i32 = m[..4].parse().unwrap_or(1970);
    let mo: u32 = m[5..].parse().unwrap_or(1);
    if mo == 1 {
        format!("{}-12", y - 1)
    } else {
        format!("{y}-{:02}", mo - 1)
    }
}
