//! `qfb generate --out DIR ...`: write synthetic drops and their truth file.

use std::process::ExitCode;

use crate::cli::GenerateArgs;
use crate::commands::Context;
use crate::error::{write_err, Error, Result};
use crate::generate::{self, Options};
use crate::month::is_month;

pub fn run(ctx: &Context, args: GenerateArgs) -> Result<ExitCode> {
    let opts = Options {
        out: args.out,
        seed: args.seed,
        units: args.units,
        months: args.months,
        end_month: args.end_month,
        stations: args.stations,
        bad_rows: args.bad_rows,
        plants: args.plant_batch,
        plant_agreement: args.plant_agreement,
        utf8_only: args.utf8_only,
    };
    clear(&opts.out, args.force)?;
    let summary = generate::run(&opts, &ctx.config, &ctx.schemas)?;
    let marker = opts.out.join(MARKER);
    std::fs::write(&marker, MARKER_TEXT).map_err(write_err(&marker))?;
    if !ctx.quiet {
        let bytes: u64 = summary.files.iter().filter_map(|(p, _)| std::fs::metadata(p).ok()).map(|m| m.len()).sum();
        let rows: u64 = summary.files.iter().map(|(_, r)| r).sum();
        crate::say!(
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

/// Left in every folder `qfb generate` writes: the mark that its drop
/// folders may be replaced by the next generation.
const MARKER: &str = ".qfb-generate";
const MARKER_TEXT: &str =
    "Written by `qfb generate`: a later `qfb generate --out` here replaces the YYYY-MM folders and truth.json.\n";

/// Remove what an earlier generation wrote (drop folders and truth.json),
/// so that the output depends on the arguments alone. Other files stay.
/// A folder that holds anything and no marker is someone else's: its
/// `YYYY-MM` folders may be real drops, so it is refused unless `force`.
fn clear(out: &std::path::Path, force: bool) -> Result<()> {
    let Ok(entries) = std::fs::read_dir(out) else { return Ok(()) };
    let entries: Vec<_> = entries.flatten().collect();
    if !entries.is_empty() && !force && !out.join(MARKER).exists() {
        return Err(Error::Refused(format!(
            "`{}` is not empty and was not written by `qfb generate`; its YYYY-MM folders would be replaced. \
             Choose an empty or new folder, or pass --force",
            out.display()
        )));
    }
    for e in entries {
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
