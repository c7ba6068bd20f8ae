//! The three pages' content, built from the month's tables, alerts and
//! evidence: tables (shown and exported) and charts (drawn to PNG bytes).
//! Pure: nothing here reads or writes files. Every text from input data
//! stays data (the templates escape it); every file name is a fixed word
//! or a configuration code, never an input value.

use std::collections::BTreeMap;

use polars::prelude::DataFrame;
use serde::Serialize;

use super::charts::{self, Line, LineChart, Pareto, ALARM, GREY, PALETTE};
use super::fonts::drawable;
use super::i18n::Text;
use super::table::{Cell, Table};
use crate::alerts::{Alert, Evidence, Kind, Severity};
use crate::config::Config;
use crate::error::Result;
use crate::lake::manifest::Manifest;
use crate::metrics::columns::{cents, flags, money_text, numbers, texts};
use crate::metrics::Tables;
use crate::month::Month;

/// Everything a report is made from.
pub struct Sources<'a> {
    pub month: &'a Month,
    pub tables: &'a Tables,
    /// Company KPIs of the months before M, oldest first, M excluded.
    pub kpi_history: &'a [(String, DataFrame)],
    pub alerts: &'a [Alert],
    pub evidence: &'a Evidence,
    /// From `data::failures_by_code`.
    pub failures_by_code: &'a DataFrame,
    /// From `data::complaints`.
    pub complaints: &'a DataFrame,
    /// From `data::rejects`.
    pub rejects: &'a DataFrame,
    pub manifests: &'a [Manifest],
    pub config: &'a Config,
    pub life: &'a crate::life::lake::Life,
    pub forecast: &'a crate::life::forecast::Forecast,
    /// Flagged batches' Kaplan–Meier curves against the rest of the line.
    pub batch_curves: &'a [crate::life::lake::BatchCurve],
    /// From `data::station_rejects`.
    pub station_rejects: &'a DataFrame,
    /// (load month, station_id) → the relative link of the station's
    /// workbook, when `--station-reports` wrote one.
    pub station_links: &'a BTreeMap<(String, String), String>,
}

/// A chart: its file beside the page, its alt text and its PNG bytes.
#[derive(Debug, Clone, Serialize)]
pub struct Chart {
    pub file: String,
    pub alt: String,
    pub width: u32,
    pub height: u32,
    #[serde(skip)]
    pub png: Vec<u8>,
}

impl Chart {
    fn line(file: String, alt: String, spec: &LineChart, size: (u32, u32)) -> Result<Chart> {
        Ok(Chart { file, alt, width: size.0, height: size.1, png: charts::line_chart(spec, size)? })
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct KpiTile {
    pub name: String,
    pub value: String,
    pub target: String,
    /// `met`, `missed` or `none`.
    pub status: String,
    pub status_text: String,
    pub change: Option<String>,
    /// `better` or `worse` (the direction counts), or empty.
    pub change_class: String,
    pub counts: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub tiles: Vec<KpiTile>,
    pub kpis: Table,
    pub kpi_charts: Vec<Chart>,
    pub kpi_history: Table,
    pub alerts: Table,
    pub league: Table,
    pub forecast: forecast::ForecastSummary,
}

#[derive(Debug, Clone, Serialize)]
pub struct RateGroup {
    pub title: String,
    pub charts: Vec<Chart>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Engineering {
    pub rate_groups: Vec<RateGroup>,
    pub rates: Table,
    pub trend_charts: Vec<Chart>,
    pub trend_points: Table,
    pub pareto_charts: Vec<Chart>,
    pub by_component: Table,
    pub by_fault_code: Table,
    pub batches: Table,
    pub batch_charts: Vec<Chart>,
    pub life: life::LifeSection,
    pub forecast: forecast::ForecastDetail,
}

#[derive(Debug, Clone, Serialize)]
pub struct Quality {
    pub load_chart: Option<Chart>,
    pub stations: Table,
    pub loads: Table,
    pub rejects: Table,
    pub findings: Table,
    pub forms: Table,
    pub audit: Table,
    pub recoverable: String,
    pub manifest: Table,
}

fn pct_text(v: f64) -> String {
    crate::alerts::wording::percent(v)
}

fn target_text(target: f64, direction: &str) -> String {
    let sign = if direction == "at_most" { "≤" } else { "≥" };
    format!("{sign} {}", pct_text(target).replace(".0%", "%"))
}

mod agreement;
mod engineering;
mod forecast;
mod life;
mod quality;
mod summary;
mod wording;

pub use agreement::agreement_section;
pub use engineering::engineering;
pub use quality::quality;
pub use summary::summary;
