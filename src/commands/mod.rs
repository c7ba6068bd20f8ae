//! One module per subcommand, each with one `run` entry that turns the
//! parsed flags into stage options and prints the stage's outcome.

mod alerts;
mod generate;
mod ingest;
mod metrics;
mod report;
mod run;
mod validate;

use std::process::ExitCode;

use crate::cli::{Cli, Command, Global};
use crate::config::Config;
use crate::error::Result;
use crate::schema::Schemas;

/// Standard output, for everything a command prints. Rust ignores SIGPIPE,
/// so a closed pipe (`qfb run | head -1`) turns a write into an error, and
/// `println!` would panic (exit 101) and lose the status the job earned
/// (`--fail-on`). Every command prints through `say!`, which drops write
/// errors: a reader that left wants no more lines, and the job's outcome is
/// in its exit status.
pub fn out() -> std::io::StdoutLock<'static> {
    std::io::stdout().lock()
}

/// `println!` through `out()`, never failing.
#[macro_export]
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!($crate::commands::out(), $($arg)*);
    }};
}

/// What every command needs: the validated configuration and schemas.
pub struct Context {
    pub config: Config,
    pub schemas: Schemas,
    pub quiet: bool,
}

pub fn run(cli: Cli) -> Result<ExitCode> {
    let ctx = Context {
        config: Config::load(cli.global.config.as_deref())?,
        schemas: Schemas::load()?,
        quiet: cli.global.quiet,
    };
    match cli.command {
        Command::Run(args) => run::run(&ctx, args),
        Command::Ingest(args) => ingest::run(&ctx, args),
        Command::Validate(args) => validate::run(&ctx, args),
        Command::Generate(args) => generate::run(&ctx, args),
        Command::Metrics(args) => metrics::run(&ctx, args),
        Command::Alerts(args) => alerts::run(&ctx, args),
        Command::Report(args) => report::run(&ctx, args),
    }
}

/// Logs go to stderr: warnings by default, errors only with `--quiet`,
/// debug with `--verbose`.
pub fn init_logging(g: &Global) {
    let level = if g.quiet {
        tracing::Level::ERROR
    } else if g.verbose {
        tracing::Level::DEBUG
    } else {
        tracing::Level::WARN
    };
    let _ = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .with_target(false)
        .without_time()
        .try_init();
}

/// A byte progress bar on stderr; indicatif draws nothing when stderr is
/// not a terminal, and `--quiet` hides it.
pub struct Bar(indicatif::ProgressBar);

impl Bar {
    pub fn new(quiet: bool) -> Bar {
        let bar = if quiet {
            indicatif::ProgressBar::hidden()
        } else {
            indicatif::ProgressBar::with_draw_target(Some(0), indicatif::ProgressDrawTarget::stderr())
        };
        if let Ok(style) =
            indicatif::ProgressStyle::with_template("{bar:30} {bytes}/{total_bytes} {bytes_per_sec} {msg}")
        {
            bar.set_style(style);
        }
        Bar(bar)
    }
}

impl crate::ingest::load::Progress for Bar {
    fn start(&self, total: u64) {
        self.0.set_length(total);
    }
    fn file(&self, month: &str, name: &str, bytes: u64) {
        self.0.set_message(format!("{month}/{name}"));
        self.0.inc(bytes);
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        self.0.finish_and_clear();
    }
}
