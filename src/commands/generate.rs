//! `qfb generate --out DIR ...`: write synthetic drops and their truth file.

use std::process::ExitCode;

use crate::cli::GenerateArgs;
use crate::commands::Context;
use crate::error::{write_err, Result};
use crate::generate::{self, Options};
use crate::ingest::discover::{check_month, is_month};

pub fn run(ctx: &Context, args: GenerateArgs) -> Result<ExitCode> {
    let opts = Options {
        out: args.out,
        seed: args.seed,
        units: args.units,
        months: args.months,
        end_month: check_month(&args.end_month)?,
        stations: args.stations,
        bad_rows: args.bad_rows,
        plants: args.plant_batch,
        utf8_only: args.utf8_only,
    };
    clear(&opts.out)?;
    let summary = generate::run(&opts, &ctx.config, &ctx.schemas)?;
    if !ctx.quiet {
        let bytes: u64 = summary.files.iter().filter_map(|(p, _)| std::fs::metadata(p).ok()).map(|m| m.len()).sum();
        let rows: u64 = summary.files.iter().map(|(_, r)| r).sum();
        println!(
            "wrote {} files, {} rows, {:.1} MB under {} ({} units sold, {} repairs)",
            summary.files.len(),
            rows,
            bytes as f64 / 1e6,
            opts.out.display(),
            summary.units_sold,
            summary.repairs
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Remove what an earlier generation wrote (drop folders and truth.json),
/// so that the output depends on the arguments alone. Other files stay.
fn clear(out: &std::path::Path) -> Result<()> {
    let Ok(entries) = std::fs::read_dir(out) else { return Ok(()) };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let path = e.path();
        if is_month(&name) && path.is_dir() {
            std::fs::remove_dir_all(&path).map_err(write_err(&path))?;
        } else if name == "truth.json" {
            std::fs::remove_file(&path).map_err(write_err(&path))?;
        }
    }
    Ok(())
}
