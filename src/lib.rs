//! qfb, the monthly after-sales quality-feedback batch job.
//!
//! The stages, each a module: `ingest` (drops → validated rows) → `lake`
//! (typed, Hive-partitioned Parquet with atomic, manifest-committed loads)
//! → metrics → alerts → report. `pipeline::MonthRun` runs a report month
//! through the stages after ingest. `schema`, `config`, `month` and `text`
//! sit at the bottom; `commands` turns the CLI into library calls;
//! `generate` writes realistic synthetic drops.

pub mod alerts;
#[cfg(feature = "engine")]
pub mod cli;
#[cfg(feature = "engine")]
pub mod commands;
pub mod config;
pub mod cores;
pub mod error;
pub mod generate;
pub mod ingest;
pub mod keys;
#[cfg(feature = "engine")]
pub mod lake;
pub mod life;
pub mod mem;
#[cfg(feature = "engine")]
pub mod metrics;
pub mod month;
#[cfg(feature = "engine")]
pub mod notify;
pub mod parse;
#[cfg(feature = "engine")]
pub mod pipeline;
#[cfg(feature = "engine")]
pub mod report;
pub mod schema;
#[cfg(feature = "engine")]
pub mod station_reports;
pub mod template;
pub mod text;

/// The KPIs of contract section 5, in report order.
pub const KPIS: &[&str] = &[
    "response_24h",
    "return_visit_coverage",
    "satisfaction",
    "parts_on_time",
    "parts_accuracy",
    "repeat_repair",
    "form_on_time",
];
