//! `qfb ingest --input DIR --lake DIR [--month YYYY-MM]`.

use std::io::Write;
use std::process::ExitCode;

use crate::cli::IngestArgs;
use crate::commands::{Bar, Context};
use crate::error::Result;
use crate::ingest::load::{self, Options, Outcome};
use crate::ingest::summary;

pub fn run(ctx: &Context, args: IngestArgs) -> Result<ExitCode> {
    let opts = Options {
        input: args.input,
        lake: args.lake,
        month: args.month,
        force: args.force,
        allow_shrink: args.allow_shrink,
    };
    let outcome = ingest(ctx, &opts)?;
    if !ctx.quiet {
        print(&outcome);
    }
    Ok(ExitCode::SUCCESS)
}

/// Ingest with a progress bar; shared with `qfb run`.
pub fn ingest(ctx: &Context, opts: &Options) -> Result<Outcome> {
    let bar = Bar::new(ctx.quiet);
    load::run(opts, &ctx.schemas, &ctx.config, &bar)
}

pub fn print(outcome: &Outcome) {
    let mut out = crate::commands::out();
    let rows: Vec<_> = outcome.loaded.iter().flat_map(|d| d.files.iter().map(move |f| (d.month.as_str(), f))).collect();
    if !rows.is_empty() {
        let _ = summary::file_table(&mut out, &rows);
    }
    let loaded: Vec<&str> = outcome.loaded.iter().map(|d| d.month.as_str()).collect();
    let _ = writeln!(
        out,
        "loaded {} drop{}{}; skipped {} unchanged",
        loaded.len(),
        if loaded.len() == 1 { "" } else { "s" },
        if loaded.is_empty() { String::new() } else { format!(" ({})", loaded.join(", ")) },
        outcome.skipped.len()
    );
}
