//! One report month's run of the stages after ingest, as a library type.
//! `MonthRun::open` reads the lake's manifests once, resolves and checks
//! the report month, reads its inputs and computes (and writes) its metric
//! tables; each later stage is one method on it: `alerts`, `report` (life
//! data and the forecast will join them). The commands are parse → call →
//! print around it, so a new stage is a method here, not one more argument
//! threaded through every command.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::alerts::{self, Alert, Evidence};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::lake::{Lake, Manifest};
use crate::life::lake::{self as life, BatchCurve, Life};
use crate::life::{forecast, Outputs};
use crate::metrics::{self, Inputs, Past, Tables};
use crate::month::Month;
use crate::report::{self, data, Lang, RunInfo, Sources};
use crate::schema::Schemas;

/// Months of KPI history the report charts, M included.
const KPI_MONTHS: usize = 12;

/// The months of history a run with a report needs: the KPI charts' and
/// the alerts' escalation.
pub fn report_history_months(config: &Config) -> usize {
    (KPI_MONTHS - 1).max(config.alerts.escalate_months - 1)
}

/// The months of history the alerts alone need ("N months running").
pub fn alert_history_months(config: &Config) -> usize {
    config.alerts.escalate_months - 1
}

/// The alerts of a month, and the evidence the report draws for them.
pub struct Raised {
    pub alerts: Vec<Alert>,
    pub evidence: Evidence,
}

/// The path of `file` relative to the folder `from`, as a URL path
/// (`../../back/2026-10/ST001.xlsx`), each segment percent-encoded.
pub fn relative_link(from: &Path, file: &Path) -> Result<String> {
    let abs = |p: &Path| std::path::absolute(p).map_err(crate::error::read_err(p));
    let (from, file) = (abs(from)?, abs(file)?);
    let (a, b): (Vec<_>, Vec<_>) = (from.components().collect(), file.components().collect());
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut parts: Vec<String> = vec!["..".to_string(); a.len() - common];
    for c in &b[common..] {
        let text = c.as_os_str().to_string_lossy();
        parts.push(
            text.bytes()
                .map(|b| match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
                    _ => format!("%{b:02X}"),
                })
                .collect(),
        );
    }
    Ok(parts.join("/"))
}

/// The lake's first and latest load months.
fn load_bounds(lake: &Lake, manifests: &[Manifest]) -> Result<(String, String)> {
    match (manifests.first(), manifests.last()) {
        (Some(a), Some(b)) => Ok((a.load_month.clone(), b.load_month.clone())),
        _ => Err(Error::Lake {
            path: lake.root.clone(),
            message: "the lake has no committed loads; run `qfb ingest` first".into(),
        }),
    }
}

/// The report months from `first` to `last` that the lake has loads for:
/// from its first load month to its latest. A wider range is cut to that,
/// with a warning, so that `2000-01..2099-12` does not run for a century of
/// empty months.
pub fn lake_months(lake: &Path, first: &str, last: &str) -> Result<Vec<String>> {
    let lake = Lake::new(lake);
    let (from_load, latest) = load_bounds(&lake, &lake.manifests()?)?;
    let from = first.max(from_load.as_str());
    let to = last.min(latest.as_str());
    if from > to {
        return Err(Error::Usage(format!(
            "the lake has loads from {from_load} to {latest}; the range {first}..{last} has none of them"
        )));
    }
    if (from, to) != (first, last) {
        tracing::warn!("the lake has loads from {from_load} to {latest}: computing {from}..{to}");
    }
    Month::range(from, to)
}

/// One report month: the lake read once, the inputs and the metric tables.
pub struct MonthRun<'a> {
    pub config: &'a Config,
    pub schemas: &'a Schemas,
    pub lake: Lake,
    /// Where metrics, alerts and the report go.
    pub out: PathBuf,
    /// Every committed manifest, oldest load month first.
    pub manifests: Vec<Manifest>,
    pub first_load: String,
    pub latest_load: String,
    pub month: Month,
    pub inputs: Inputs,
    pub tables: Tables,
    /// Where `--station-reports` wrote the stations' workbooks, for the
    /// data-quality page's links.
    pub station_reports: Option<PathBuf>,
}

impl<'a> MonthRun<'a> {
    /// Open report month `month` (default: the latest load month minus
    /// one), compute its metric tables and write them under `out`.
    pub fn open(
        config: &'a Config,
        schemas: &'a Schemas,
        lake: &Path,
        out: &Path,
        month: Option<&str>,
    ) -> Result<MonthRun<'a>> {
        let lake = Lake::new(lake);
        let manifests = lake.manifests()?;
        let (first_load, latest_load) = load_bounds(&lake, &manifests)?;
        let label = match month {
            Some(m) => m.to_string(),
            None => Month::previous(&latest_load)?,
        };
        if label < first_load {
            // Nothing was loaded for it: every table would be empty, and
            // "final" would claim a complete month.
            return Err(Error::Usage(format!(
                "report month {label} is before the lake's first load ({first_load}); there is no data to report on"
            )));
        }
        let month = Month::new(&label, Some(&latest_load))?;
        let inputs = metrics::inputs(&lake, schemas, config, &month)?;
        let mut tables = metrics::compute(&inputs, &month, config)?;
        metrics::write(out, &month, &mut tables)?;
        Ok(MonthRun {
            config,
            schemas,
            lake,
            out: out.to_path_buf(),
            manifests,
            first_load,
            latest_load,
            month,
            inputs,
            tables,
            station_reports: None,
        })
    }

    /// The KPI tables of the `n` months before M, latest first, from M's
    /// inputs (so restated). Months before the lake's first load are left
    /// out: nothing was loaded for them.
    pub fn history(&self, n: usize) -> Result<Vec<Past>> {
        let mut months = Vec::new();
        let mut label = self.month.label.clone();
        for _ in 0..n {
            label = Month::previous(&label)?;
            if label < self.first_load {
                break;
            }
            months.push(Month::new(&label, Some(&self.latest_load))?);
        }
        let inputs = self.inputs.for_months(&self.lake, self.schemas, &months)?;
        let months: Vec<_> = months.into_iter().zip(inputs).collect();
        Ok(metrics::past_kpis(&self.inputs, &months, self.config)?)
    }

    /// Raise and write the month's alerts. `history`: the months before
    /// (`history`), at least `alert_history_months` of them where the lake
    /// has them, for escalation.
    pub fn alerts(&self, history: &[Past]) -> Result<Raised> {
        let station_history: Vec<_> = history.iter().map(|p| p.station_kpis.clone()).collect();
        let observed_from = Month::new(&self.first_load, None)?.start;
        let (alerts, evidence) = alerts::compute(
            &self.inputs,
            &self.tables,
            &station_history,
            &self.month,
            &self.latest_load,
            observed_from,
            self.config,
        )?;
        alerts::write(&self.out, &self.month.label, &alerts)?;
        Ok(Raised { alerts, evidence })
    }

    /// Fit the month's life data, forecast its warranty claims, and write
    /// both (`out/life/month=M/`).
    pub fn life(&self) -> Result<Outputs> {
        let first = Month::new(&self.first_load, None)?;
        let life = life::compute(&self.inputs, &self.tables.unit_failures, &self.month, &first, self.config)?;
        let forecast =
            forecast::compute(&self.lake, self.schemas, &self.inputs, &self.month, &first, &life, self.config)?;
        let mut outputs = Outputs { life, forecast };
        outputs.write(&self.out, &self.month)?;
        Ok(outputs)
    }

    /// The Kaplan–Meier curve of each batch with a `batch_failure` alert,
    /// against the rest of its line, for the same component.
    fn batch_curves(&self, raised: &Raised, life: &Life) -> Result<Vec<BatchCurve>> {
        let flagged: Vec<(String, String, String)> = raised
            .alerts
            .iter()
            .filter(|a| a.kind == alerts::Kind::BatchFailure)
            .filter_map(|a| Some((a.product_line.clone()?, a.production_batch.clone()?, a.component.clone()?)))
            .collect();
        let first = Month::new(&self.first_load, None)?;
        life.batch_curves(&self.inputs, &self.month, &first, &flagged)
    }

    /// Render and write the month's report; returns its folder. `history`
    /// as for `alerts`, `report_history_months` of it; `life` from `life`.
    pub fn report(&self, history: &[Past], raised: &Raised, life: &Outputs, lang: Lang) -> Result<PathBuf> {
        // The company KPIs of the months before M, oldest first; a month the
        // lake has no data for is a gap in the chart.
        let mut kpi_history = Vec::new();
        let mut label = self.month.label.clone();
        for _ in 1..KPI_MONTHS {
            label = Month::previous(&label)?;
            let df = match history.iter().find(|p| p.month.label == label) {
                Some(p) => p.kpis.clone(),
                None => self.tables.kpis.clear(),
            };
            kpi_history.push((label.clone(), df));
        }
        kpi_history.reverse();
        let collect = metrics::collect;
        let failures_by_code = collect(data::failures_by_code(&self.inputs, &self.month))?;
        let complaints = collect(data::complaints(&self.inputs, &self.month))?;
        let rejects = collect(data::rejects(&self.inputs))?;
        let station_rejects = collect(data::station_rejects(&self.inputs, &self.month)?)?;
        let dir = report::folder(&self.out, &self.month.label);
        let station_links = self.station_links(&station_rejects, &dir)?;
        let batch_curves = self.batch_curves(raised, &life.life)?;

        let mut digest = Sha256::new();
        for m in &self.manifests {
            for f in &m.files {
                digest.update(f.sha256.as_bytes());
            }
        }
        let digest = crate::config::hex(&digest.finalize());
        let run = RunInfo {
            version: env!("CARGO_PKG_VERSION").to_string(),
            run_at: chrono::Utc::now().format("%Y-%m-%d %H:%M:%S UTC").to_string(),
            inputs: format!(
                "{}: {} loads ({} … {}), {} files, SHA-256 of their hashes {}",
                self.lake.root.display(),
                self.manifests.len(),
                self.first_load,
                self.latest_load,
                self.manifests.iter().map(|m| m.files.len()).sum::<usize>(),
                &digest[..16]
            ),
        };
        let sources = Sources {
            month: &self.month,
            tables: &self.tables,
            kpi_history: &kpi_history,
            alerts: &raised.alerts,
            evidence: &raised.evidence,
            failures_by_code: &failures_by_code,
            complaints: &complaints,
            rejects: &rejects,
            manifests: &self.manifests,
            config: self.config,
            life: &life.life,
            forecast: &life.forecast,
            batch_curves: &batch_curves,
            station_rejects: &station_rejects,
            station_links: &station_links,
        };
        let built = report::build(&sources, lang, &run)?;
        report::write(&dir, &built)?;
        Ok(dir)
    }

    /// The workbooks `--station-reports` wrote for the stations with
    /// rejects, as links relative to the report's folder `dir`.
    fn station_links(
        &self,
        station_rejects: &polars::prelude::DataFrame,
        dir: &Path,
    ) -> Result<std::collections::BTreeMap<(String, String), String>> {
        let mut links = std::collections::BTreeMap::new();
        let Some(reports) = &self.station_reports else { return Ok(links) };
        let texts = crate::metrics::columns::texts;
        for (load, station) in
            texts(station_rejects, "load_month").into_iter().zip(texts(station_rejects, "station_id"))
        {
            let (Some(load), Some(station)) = (load, station) else { continue };
            let owner = if crate::station_reports::is_plain_code(&station) {
                crate::station_reports::Owner::Station(station.clone())
            } else {
                crate::station_reports::Owner::Unsafe(station.clone())
            };
            let file = owner.path(&crate::station_reports::month_dir(reports, &load));
            if file.is_file() {
                links.insert((load, station), relative_link(dir, &file)?);
            }
        }
        Ok(links)
    }

    /// Deliver the month's alerts that are due on the configured channels
    /// (after the report, so that its link works).
    pub fn notify(&self, raised: &Raised, lang: Lang) -> Result<Vec<crate::notify::Delivery>> {
        crate::notify::deliver(
            self.config,
            &self.out,
            &self.month.label,
            self.month.provisional,
            &raised.alerts,
            lang,
            false,
        )
    }

    /// The terminal summary of the month, with the change in failure rates
    /// since the month before.
    pub fn summary(&self, out: &mut impl std::io::Write) -> Result<()> {
        let previous = Month::new(&Month::previous(&self.month.label)?, Some(&self.latest_load))?;
        // Failure rates read no M+1 state, so this month's inputs serve.
        let before = metrics::failure_rates(&self.inputs, &previous, self.config)?;
        let _ =
            metrics::summary::render(out, &self.month, &self.tables, Some(&before), self.config.alerts.min_failures);
        Ok(())
    }

    /// Where the month's metric tables were written.
    pub fn metrics_dir(&self) -> PathBuf {
        self.out.join("metrics").join(format!("month={}", self.month.label))
    }

    /// Where the month's life data were written.
    pub fn life_dir(&self) -> PathBuf {
        self.out.join("life").join(format!("month={}", self.month.label))
    }

    /// Where the month's alerts were written.
    pub fn alerts_file(&self) -> PathBuf {
        self.out.join("alerts").join(format!("month={}", self.month.label)).join("alerts.json")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_relative_and_encoded() {
        let link = |from: &str, to: &str| relative_link(Path::new(from), Path::new(to)).unwrap();
        assert_eq!(link("/w/out/reports/2026-09", "/w/back/2026-10/ST001.xlsx"), "../../../back/2026-10/ST001.xlsx");
        assert_eq!(link("/w/out/reports/2026-09", "/w/out/reports/2026-09/x.xlsx"), "x.xlsx");
        assert_eq!(link("/w/r", "/w/回 执/a b.xlsx"), "../%E5%9B%9E%20%E6%89%A7/a%20b.xlsx");
    }
}
