//! `qfb ingest --input DIR --lake DIR [--month YYYY-MM] [--force] [--allow-shrink]`.

use std::process::ExitCode;

use crate::cli::IngestArgs;
use crate::commands::{ingest_with_bar, print_ingest, write_station_reports, Context};
use crate::error::Result;
use crate::ingest::load::Options;

pub fn run(ctx: &Context, args: IngestArgs) -> Result<ExitCode> {
    let opts = Options {
        input: args.input,
        lake: args.lake,
        month: args.month,
        force: args.force,
        allow_shrink: args.allow_shrink,
    };
    if let Some(dir) = &args.station_reports {
        crate::station_reports::check_out(dir, &opts.input)?;
    }
    let outcome = ingest_with_bar(ctx, &opts)?;
    if !ctx.quiet {
        print_ingest(&outcome);
    }
    if let Some(dir) = &args.station_reports {
        write_station_reports(ctx, dir, &outcome.loaded)?;
    }
    Ok(ExitCode::SUCCESS)
}
