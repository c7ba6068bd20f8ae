//! The command line (contract section 7), as plain clap structs. These
//! shapes are fixed: scripts and cron jobs depend on them. Nothing here
//! travels deeper than `commands::*`, which turn them into options.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Paths must be UTF-8: they are recorded in manifests and reports, and a
/// name that cannot be shown cannot be checked. clap refuses one here, as
/// a usage error.
fn utf8_path(s: &str) -> Result<PathBuf, String> {
    Ok(PathBuf::from(s))
}

/// `YYYY-MM` with a real month; anything else is a usage error.
pub fn month(s: &str) -> Result<String, String> {
    if crate::month::is_month(s) {
        Ok(s.to_string())
    } else {
        Err(format!("`{s}` is not a month; use YYYY-MM"))
    }
}

/// An inclusive range of report months, `A..B` (or one month, `A`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthRange {
    pub first: String,
    pub last: String,
}

pub fn month_range(s: &str) -> Result<MonthRange, String> {
    let (a, b) = s.split_once("..").unwrap_or((s, s));
    let (first, last) = (month(a.trim())?, month(b.trim())?);
    if first > last {
        return Err(format!("the range `{s}` runs backwards; write the earlier month first"));
    }
    Ok(MonthRange { first, last })
}

#[derive(Debug, Parser)]
#[command(name = "qfb", version, about = "Monthly after-sales quality feedback: ingest, metrics, alerts, reports")]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct Global {
    /// Configuration file [default: qfb.toml if present, else built-in defaults]
    #[arg(value_parser = utf8_path, long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Print only errors: no progress, no summary
    #[arg(long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Print debug logs
    #[arg(long, global = true)]
    pub verbose: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the monthly job: ingest every changed drop, then the later stages
    Run(RunArgs),
    /// Validate drops and load them into the lake
    Ingest(IngestArgs),
    /// Check a drop (or an input root) and print its reject report; writes nothing
    Validate(ValidateArgs),
    /// Compute the metric tables of a report month (or a range) from the lake
    Metrics(MetricsArgs),
    /// Raise the alerts of a report month: bad batches, major issues, KPI breaches
    Alerts(AlertsArgs),
    /// Render the month's HTML report, charts and exports into <out>/reports/YYYY-MM/
    Report(ReportArgs),
    /// Fit each product line's and component's life distribution (Weibull, Kaplan–Meier) from the lake
    Life(LifeArgs),
    /// Fit a Weibull distribution and a Kaplan–Meier curve to a life-data CSV file
    Fit(FitArgs),
    /// Send (or with --dry-run show) the month's alerts that are due on the configured channels
    Notify(NotifyArgs),
    /// Write synthetic monthly drops (and a truth file) for demos, tests and benchmarks
    Generate(GenerateArgs),
    /// Write the stations' fill-in XLSX templates, one per input table, with drop-down codes
    Template(TemplateArgs),
}

#[derive(Debug, Args)]
pub struct TemplateArgs {
    /// The folder to write the workbooks into (created if needed)
    #[arg(long, value_parser = utf8_path, value_name = "DIR")]
    pub out: PathBuf,
    /// File names, headers, drop-downs and instructions in this language
    /// (Chinese by default: the stations' clerks fill them in)
    #[arg(long, value_enum, default_value = "zh")]
    pub lang: Lang,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Input root holding one folder per load month (YYYY-MM)
    #[arg(value_parser = utf8_path, long, value_name = "DIR", default_value = "sample-data")]
    pub input: PathBuf,
    /// The lake [default: <out>/lake]
    #[arg(value_parser = utf8_path, long, value_name = "DIR")]
    pub lake: Option<PathBuf>,
    /// Output folder for metrics, alerts and reports
    #[arg(value_parser = utf8_path, long, value_name = "DIR", default_value = "out")]
    pub out: PathBuf,
    /// Report month [default: the latest load month minus one]
    #[arg(long, value_parser = month, value_name = "YYYY-MM")]
    pub month: Option<String>,
    /// Report language
    #[arg(long, value_enum, default_value = "en")]
    pub lang: Lang,
    /// Exit 3 when alerts at or above this severity are raised
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<Severity>,
    /// Allow a reload to leave a table of the month with fewer rows than its last load (or none)
    #[arg(long)]
    pub allow_shrink: bool,
    /// Write each station's rejected rows and nulled fields, with what to do, to
    /// DIR/<load month>/<station_id>.xlsx
    #[arg(value_parser = utf8_path, long, value_name = "DIR")]
    pub station_reports: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct IngestArgs {
    /// Input root holding one folder per load month (YYYY-MM)
    #[arg(value_parser = utf8_path, long, value_name = "DIR")]
    pub input: PathBuf,
    /// The lake to load into
    #[arg(value_parser = utf8_path, long, value_name = "DIR")]
    pub lake: PathBuf,
    /// Load only this load month
    #[arg(long, value_parser = month, value_name = "YYYY-MM")]
    pub month: Option<String>,
    /// Reload drops even when their files are unchanged
    #[arg(long)]
    pub force: bool,
    /// Allow a reload to leave a table of the month with fewer rows than its last load (or none)
    #[arg(long)]
    pub allow_shrink: bool,
    /// Write each station's rejected rows and nulled fields, with what to do, to
    /// DIR/<load month>/<station_id>.xlsx
    #[arg(value_parser = utf8_path, long, value_name = "DIR")]
    pub station_reports: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct MetricsArgs {
    /// The lake to read
    #[arg(value_parser = utf8_path, long, value_name = "DIR")]
    pub lake: PathBuf,
    /// Output folder; tables go to <out>/metrics/month=YYYY-MM/
    #[arg(value_parser = utf8_path, long, value_name = "DIR")]
    pub out: PathBuf,
    /// Report month [default: the latest load month minus one]
    #[arg(long, value_parser = month, value_name = "YYYY-MM", conflicts_with = "months")]
    pub month: Option<String>,
    /// A range of report months to recompute, inclusive
    #[arg(long, value_parser = month_range, value_name = "YYYY-MM..YYYY-MM")]
    pub months: Option<MonthRange>,
}

#[derive(Debug, Args)]
pub struct AlertsArgs {
    /// The lake to read
    #[arg(value_parser = utf8_path, long, value_name = "DIR")]
    pub lake: PathBuf,
    /// Output folder; alerts go to <out>/alerts/month=YYYY-MM/alerts.json
    #[arg(value_parser = utf8_path, long, value_name = "DIR")]
    pub out: PathBuf,
    /// Report month [default: the latest load month minus one]
    #[arg(long, value_parser = month, value_name = "YYYY-MM")]
    pub month: Option<String>,
    /// Exit 3 when alerts at or above this severity are raised
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<Severity>,
}

#[derive(Debug, Args)]
pub struct LifeArgs {
    /// The lake to read
    #[arg(value_parser = utf8_path, long, value_name = "DIR")]
    pub lake: PathBuf,
    /// Output folder; the tables go to <out>/life/month=YYYY-MM/
    #[arg(value_parser = utf8_path, long, value_name = "DIR")]
    pub out: PathBuf,
    /// Report month [default: the latest load month minus one]
    #[arg(long, value_parser = month, value_name = "YYYY-MM")]
    pub month: Option<String>,
}

#[derive(Debug, Args)]
pub struct FitArgs {
    /// A CSV with a header: `time,event[,count][,entry]` (exact or right-censored)
    /// or `start,end[,count][,entry]` (interval-censored)
    #[arg(value_parser = utf8_path, value_name = "FILE")]
    pub file: PathBuf,
    /// Print one JSON object instead of the table
    #[arg(long)]
    pub json: bool,
    /// Two-sided confidence level of the bounds, between 0 and 1
    #[arg(long, default_value_t = 0.95, value_parser = confidence, value_name = "C")]
    pub confidence: f64,
    /// Predict the failures of the suspended units over K periods (one
    /// period is one unit of the file's time)
    #[arg(long, value_name = "K", value_parser = clap::value_parser!(u32).range(1..=1200))]
    pub forecast_months: Option<u32>,
    /// With --forecast-months: N new units start at the beginning of each period
    #[arg(long, value_name = "N", default_value_t = 0.0, requires = "forecast_months")]
    pub future_units: f64,
}

/// A confidence level strictly between 0 and 1.
fn confidence(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(c) if c > 0.0 && c < 1.0 => Ok(c),
        _ => Err(format!("`{s}` is not a confidence level; give a number between 0 and 1, such as 0.95")),
    }
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The lake to read
    #[arg(value_parser = utf8_path, long, value_name = "DIR")]
    pub lake: PathBuf,
    /// Output folder; the report goes to <out>/reports/YYYY-MM/
    #[arg(value_parser = utf8_path, long, value_name = "DIR")]
    pub out: PathBuf,
    /// Report month [default: the latest load month minus one]
    #[arg(long, value_parser = month, value_name = "YYYY-MM")]
    pub month: Option<String>,
    /// Report language
    #[arg(long, value_enum, default_value = "en")]
    pub lang: Lang,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// A drop folder, or an input root of drop folders
    #[arg(value_parser = utf8_path, value_name = "DIR")]
    pub dir: PathBuf,
    /// Write each station's rejected rows and nulled fields, with what to do, to
    /// DIR/<load month>/<station_id>.xlsx
    #[arg(value_parser = utf8_path, long, value_name = "DIR")]
    pub station_reports: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct NotifyArgs {
    /// The output folder of `qfb run` (alerts are read from <out>/alerts/, the ledger is <out>/notify/sent.json)
    #[arg(value_parser = utf8_path, long, value_name = "DIR")]
    pub out: PathBuf,
    /// Report month [default: the latest month under <out>/alerts/]
    #[arg(long, value_parser = month, value_name = "YYYY-MM")]
    pub month: Option<String>,
    /// Print what each channel would be sent; send and record nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Message language
    #[arg(long, value_enum, default_value = "en")]
    pub lang: Lang,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Lang {
    En,
    Zh,
}

impl From<Lang> for crate::report::Lang {
    fn from(l: Lang) -> Self {
        match l {
            Lang::En => crate::report::Lang::En,
            Lang::Zh => crate::report::Lang::Zh,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum)]
pub enum Severity {
    Warning,
    Critical,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Output root: new, empty, or written by an earlier `qfb generate` (its YYYY-MM folders and truth.json are replaced)
    #[arg(value_parser = utf8_path, long, value_name = "DIR")]
    pub out: PathBuf,
    /// Random seed: the same arguments give byte-identical output
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Units produced (those sold by the end month appear in the drops)
    #[arg(long, default_value_t = 50_000)]
    pub units: u64,
    /// Number of monthly drops
    #[arg(long, default_value_t = 24)]
    pub months: u32,
    /// The last load month
    #[arg(long, value_parser = month, value_name = "YYYY-MM", default_value = "2026-10")]
    pub end_month: String,
    /// Number of service stations
    #[arg(long, default_value_t = 60)]
    pub stations: u32,
    /// Plant a defective batch of about 2,000 units: COMPONENT:FACTOR[:WHEN],
    /// FACTOR times the product line's hazard for the component, WHEN (0 to 1, default 0.5)
    /// placing its production in the period. Repeatable.
    #[arg(long = "plant-batch", value_name = "COMPONENT:FACTOR[:WHEN]")]
    pub plant_batch: Vec<crate::generate::Plant>,
    /// Add one of every kind of bad row of contract section 2
    #[arg(long)]
    pub bad_rows: bool,
    /// Plant the dealer agreement's cases: 三包 return and exchange units in the last two
    /// complete months, a batch that fails in its first 15 days, a station over its parts allowance
    #[arg(long)]
    pub plant_agreement: bool,
    /// Only canonical English UTF-8 CSV (for benchmarks against other tools)
    #[arg(long)]
    pub utf8_only: bool,
    /// Write into a non-empty folder that no `qfb generate` wrote, replacing its YYYY-MM folders
    #[arg(long)]
    pub force: bool,
}
