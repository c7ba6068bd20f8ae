//! `qfb template --out DIR [--lang en|zh]`: write one fill-in workbook per
//! input table (`template`), named as ingest recognises it.

use std::process::ExitCode;

use crate::cli::{Lang, TemplateArgs};
use crate::commands::Context;
use crate::error::{write_err, Error, Result};
use crate::template;

pub fn run(ctx: &Context, args: TemplateArgs) -> Result<ExitCode> {
    let lang = match args.lang {
        Lang::En => template::Lang::En,
        Lang::Zh => template::Lang::Zh,
    };
    std::fs::create_dir_all(&args.out).map_err(write_err(&args.out))?;
    for table in &ctx.schemas.tables {
        let path = args.out.join(format!("{}.xlsx", template::file_stem(table, lang)));
        let bytes = template::workbook(table, &ctx.config, lang)
            .map_err(|e| Error::Write { path: path.clone(), source: std::io::Error::other(e.to_string()) })?;
        crate::lake::write_atomic(&path, &bytes)?;
        if !ctx.quiet {
            crate::say!("wrote {}", path.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}
