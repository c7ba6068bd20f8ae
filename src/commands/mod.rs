//! One module per subcommand, each with one `run` entry: parse → call the
//! library (`pipeline::MonthRun` for the stages after ingest) → print. No
//! command module imports another; what two of them print alike lives here,
//! and everything goes to standard output through `out`.

mod alerts;
mod fit;
mod generate;
mod ingest;
mod life;
mod metrics;
mod notify;
mod report;
mod run;
pub mod stages;
mod template;
mod validate;

use std::io::Write;
use std::process::ExitCode;

use crate::alerts::{Alert, Severity};
use crate::cli::{self, Cli, Command, Global};
use crate::config::Config;
use crate::error::Result;
use crate::ingest::load::{self, Options, Outcome};
use crate::ingest::summary;
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
    for w in ctx.config.warnings() {
        tracing::warn!("configuration: {w}");
    }
    match cli.command {
        Command::Run(args) => run::run(&ctx, args),
        Command::Ingest(args) => ingest::run(&ctx, args),
        Command::Validate(args) => validate::run(&ctx, args),
        Command::Generate(args) => generate::run(&ctx, args),
        Command::Metrics(args) => metrics::run(&ctx, args),
        Command::Alerts(args) => alerts::run(&ctx, args),
        Command::Report(args) => report::run(&ctx, args),
        Command::Life(args) => life::run(&ctx, args),
        Command::Fit(args) => fit::run(&ctx, args),
        Command::Notify(args) => notify::run(&ctx, args),
        Command::Template(args) => template::run(&ctx, args),
    }
}

/// Ingest with a progress bar (`qfb ingest` and `qfb run`).
pub fn ingest_with_bar(ctx: &Context, opts: &Options) -> Result<Outcome> {
    let bar = Bar::new(ctx.quiet);
    load::run(opts, &ctx.schemas, &ctx.config, &bar)
}

/// Write the station workbooks of each drop loaded (`--station-reports`).
pub fn write_station_reports(
    ctx: &Context,
    dir: &std::path::Path,
    drops: &[crate::ingest::PreparedDrop],
) -> Result<()> {
    let mut count = 0;
    for d in drops {
        let rejects: Vec<_> = d.rejects().collect();
        count += crate::station_reports::write(dir, &d.month, &rejects, &ctx.schemas, ctx.config.station_reports.lang)?
            .len();
    }
    if !ctx.quiet && !drops.is_empty() {
        crate::say!("{count} station workbook{} written under {}", if count == 1 { "" } else { "s" }, dir.display());
    }
    Ok(())
}

/// The table per file of an ingest, and the drops loaded and skipped.
pub fn print_ingest(outcome: &Outcome) {
    let mut out = out();
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

/// One line per alert, in rank order.
pub fn print_alerts(alerts: &[Alert]) {
    let mut out = out();
    let _ = writeln!(out, "\n{} alert{}", alerts.len(), if alerts.len() == 1 { "" } else { "s" });
    for a in alerts {
        let sev = match a.severity {
            Severity::Critical => "CRITICAL",
            Severity::Warning => "warning ",
        };
        let _ = writeln!(out, "  {sev} {:<15} {}", a.kind.as_str(), a.message);
    }
}

/// 3 when an alert reaches `fail_on`, else 0.
pub fn exit_code(alerts: &[Alert], fail_on: Option<cli::Severity>) -> ExitCode {
    let threshold = match fail_on {
        None => return ExitCode::SUCCESS,
        Some(cli::Severity::Warning) => Severity::Warning,
        Some(cli::Severity::Critical) => Severity::Critical,
    };
    if alerts.iter().any(|a| a.severity >= threshold) {
        ExitCode::from(3)
    } else {
        ExitCode::SUCCESS
    }
}

/// Print each channel's outcome (failures to stderr, naming the channel
/// and the cause) and say whether every delivery succeeded.
pub fn print_deliveries(deliveries: &[crate::notify::Delivery], quiet: bool) -> bool {
    let mut ok = true;
    for d in deliveries {
        match (&d.error, &d.preview) {
            (Some(why), _) => {
                ok = false;
                eprintln!("error: alert channel `{}` could not be reached: {why}; every output is kept", d.channel);
            }
            (None, Some(preview)) => crate::say!("--- `{}` would be sent {} alert(s):\n{preview}", d.channel, d.alerts),
            (None, None) if !quiet && d.alerts > 0 => crate::say!("sent {} alert(s) to `{}`", d.alerts, d.channel),
            (None, None) if !quiet => crate::say!("nothing new for `{}`", d.channel),
            _ => {}
        }
    }
    ok
}

/// Exit status 4 (contract v3): the job succeeded but an alert channel
/// could not be reached. It wins over 3: the alerts were raised, but
/// nobody has heard of them.
pub const UNDELIVERED: u8 = 4;

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

impl load::Progress for Bar {
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
