//! `qfb validate DIR [--station-reports OUT]`: read and validate a drop or
//! an input root exactly as ingest would, write nothing (but the station
//! workbooks when asked), print the reject report. Exit 0 when every
//! row would load (nulled fields are reported but the row still loads), 1
//! when a row would be rejected or a file cannot be read.

use std::io::Write;
use std::process::ExitCode;

use crate::cli::ValidateArgs;
use crate::commands::Context;
use crate::error::Result;
use crate::ingest::discover;
use crate::ingest::rows::Action;
use crate::ingest::{owners, prepare_drop, summary};
use crate::month::is_month;

pub fn run(ctx: &Context, args: ValidateArgs) -> Result<ExitCode> {
    // An input root holds YYYY-MM folders; anything else is one drop.
    let drops = match discover::find_drops(&args.dir, None) {
        Ok(d) => d,
        Err(_) => {
            let name = args.dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let month = if is_month(&name) { name } else { "-".to_string() };
            vec![discover::read_drop(&args.dir, &month)?]
        }
    };
    if let Some(dir) = &args.station_reports {
        crate::station_reports::check_out(dir, &args.dir)?;
    }
    let mut out = crate::commands::out();
    let mut clean = true;
    // With --station-reports, a visit's rejects go to its repair's
    // station: the repairs of this drop and of the drops before it.
    let mut repairs = std::collections::HashMap::new();
    let mut workbooks = 0;
    for drop in &drops {
        match prepare_drop(drop, &ctx.schemas, &ctx.config, |_, _| {}) {
            Ok(mut p) => {
                if let Some(dir) = &args.station_reports {
                    repairs.extend(owners::repair_stations(&ctx.schemas, &p.tables, None));
                    owners::resolve(&mut p, &repairs);
                    let rejects: Vec<_> = p.rejects().collect();
                    let lang = ctx.config.station_reports.lang;
                    workbooks += crate::station_reports::write(dir, &p.month, &rejects, &ctx.schemas, lang)?.len();
                }
                let rows: Vec<_> = p.files.iter().map(|f| (p.month.as_str(), f)).collect();
                let _ = summary::file_table(&mut out, &rows);
                let rejects: Vec<_> = p.rejects().collect();
                if !rejects.is_empty() {
                    let _ = writeln!(out);
                    let _ = summary::reject_list(&mut out, &p.month, &rejects);
                }
                clean &= !rejects.iter().any(|r| r.action == Action::RowRejected);
            }
            Err(e) => {
                let _ = writeln!(out, "{}: cannot be read: {e}", drop.month);
                clean = false;
            }
        }
        let _ = writeln!(out);
    }
    if let Some(dir) = &args.station_reports {
        let _ = writeln!(
            out,
            "{workbooks} station workbook{} written under {}",
            if workbooks == 1 { "" } else { "s" },
            dir.display()
        );
    }
    let _ = writeln!(out, "{}", if clean { "every row would load" } else { "some rows would not load" });
    Ok(if clean { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
