//! The `qfb` binary: parse the command line, run, map the outcome to an
//! exit status (0 success, 1 the job failed, 2 usage, 3 alerts at or above
//! `--fail-on`). Everything else lives in the library.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = qfb::cli::Cli::parse();
    qfb::commands::init_logging(&cli.global);
    match qfb::commands::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_status())
        }
    }
}
