//! `qfb life --lake DIR --out DIR [--month YYYY-MM]`: each product line's
//! and component's life distribution, written to `<out>/life/month=M/`.

use std::process::ExitCode;

use crate::cli::LifeArgs;
use crate::commands::Context;
use crate::error::Result;
use crate::pipeline::MonthRun;

pub fn run(ctx: &Context, args: LifeArgs) -> Result<ExitCode> {
    let run = MonthRun::open(&ctx.config, &ctx.schemas, &args.lake, &args.out, args.month.as_deref())?;
    let life = run.life()?;
    if !ctx.quiet {
        crate::say!("{}", life.summary_line());
        crate::say!("life data written to {}", run.life_dir().display());
    }
    Ok(ExitCode::SUCCESS)
}
