//! The monthly report (contract section 6): `<out>/reports/YYYY-MM/` with
//! three HTML pages (`index.html` for management, `components.html` for
//! engineering, `data-quality.html` for the quality department), their PNG
//! charts, and every table as CSV beside them plus one XLSX workbook of
//! the KPI and station tables. The folder opens from disk with no network.
//!
//! `build` is pure (sources in, file names and bytes out; `pages` makes
//! the content, `charts` the PNGs, `export` the downloads); `write` puts
//! the folder in place atomically. Templates are minijinja files under
//! `reports/templates/`, embedded in the binary, rendered with HTML
//! autoescape and strict undefined variables.

pub mod charts;
pub mod data;
pub mod export;
pub mod fonts;
pub mod i18n;
pub mod pages;
pub mod table;
mod text;
pub mod xy;

use std::path::{Path, PathBuf};

use minijinja::value::{Serde, Value};
use minijinja::{context, Environment, UndefinedBehavior};
use serde::Serialize;

pub use i18n::Lang;
pub use pages::Sources;

use crate::error::{write_err, Error, Result};
use table::Table;

/// The templates, by name (the `.html` names turn autoescape on).
const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../../reports/templates/base.html")),
    ("macros.html", include_str!("../../reports/templates/macros.html")),
    ("style.css", include_str!("../../reports/templates/style.css")),
    ("index.html", include_str!("../../reports/templates/index.html")),
    ("components.html", include_str!("../../reports/templates/components.html")),
    ("data-quality.html", include_str!("../../reports/templates/data-quality.html")),
];

/// What the footer says about the run.
#[derive(Debug, Clone, Serialize)]
pub struct RunInfo {
    pub version: String,
    /// When the report was made (UTC); the only part of a page that
    /// changes between two runs on the same inputs.
    pub run_at: String,
    /// The inputs: the lake and its loads, and a digest of their manifests.
    pub inputs: String,
}

/// A report as files: name → bytes, in a fixed order.
pub struct Report {
    pub files: Vec<(String, Vec<u8>)>,
}

impl Report {
    pub fn get(&self, name: &str) -> Option<&[u8]> {
        self.files.iter().find(|f| f.0 == name).map(|f| f.1.as_slice())
    }
}

#[derive(Serialize)]
struct NavItem {
    href: &'static str,
    label: String,
    current: bool,
}

fn environment(words: &std::collections::BTreeMap<String, String>) -> Result<Environment<'static>> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    for (name, source) in TEMPLATES {
        env.add_template(name, source)
            .map_err(|e| Error::Report { what: format!("template `{name}`"), message: e.to_string() })?;
    }
    env.add_global("t", Value::from(Serde(words)));
    Ok(env)
}

/// Render the report of `src.month` in `lang`.
pub fn build(src: &Sources, lang: Lang, run: &RunInfo) -> Result<Report> {
    let t = i18n::Text::new(lang, src.config);
    let summary = pages::summary(src, &t)?;
    let engineering = pages::engineering(src, &t)?;
    let quality = pages::quality(src, &t)?;
    let agreement = pages::agreement_section(src, &t)?;
    let env = environment(t.words())?;

    let nav = |current: &str| -> Vec<NavItem> {
        [("index.html", "nav_summary"), ("components.html", "nav_components"), ("data-quality.html", "nav_quality")]
            .into_iter()
            .map(|(href, key)| NavItem { href, label: t.get(key).into(), current: href == current })
            .collect()
    };
    let common = |page: &str, title: &str| {
        context! {
            lang => lang.tag(),
            month => src.month.label.clone(),
            provisional => src.month.provisional,
            page_title => title,
            nav => Value::from(Serde(nav(page))),
            run => Value::from(Serde(run)),
        }
    };
    let render = |name: &str, ctx: Value| -> Result<Vec<u8>> {
        let tmpl = env
            .get_template(name)
            .map_err(|e| Error::Report { what: format!("template `{name}`"), message: e.to_string() })?;
        tmpl.render(ctx)
            .map(String::into_bytes)
            .map_err(|e| Error::Report { what: format!("page `{name}`"), message: format!("{e:#}") })
    };
    let shown = |tb: &Table| Value::from(Serde(ShownTable::of(tb)));

    let mut files = Vec::new();
    files.push((
        "index.html".to_string(),
        render(
            "index.html",
            context! {
                tiles => Value::from(Serde(&summary.tiles)),
                kpis => shown(&summary.kpis),
                kpi_charts => Value::from(Serde(&summary.kpi_charts)),
                kpi_history => shown(&summary.kpi_history),
                alerts => shown(&summary.alerts),
                league => shown(&summary.league),
                forecast_periods => Value::from(Serde(&summary.forecast.periods)),
                forecast_charts => Value::from(Serde(&summary.forecast.charts)),
                forecast_backtest => shown(&summary.forecast.backtest),
                sanbao_summary => agreement.sanbao_summary.clone(),
                allowance_summary => agreement.allowance_summary.clone(),
                allowance_watch => shown(&agreement.allowance_watch),
                ..common("index.html", t.get("summary_title"))
            },
        )?,
    ));
    files.push((
        "components.html".to_string(),
        render(
            "components.html",
            context! {
                rate_groups => Value::from(Serde(&engineering.rate_groups)),
                rates => shown(&engineering.rates),
                trend_charts => Value::from(Serde(&engineering.trend_charts)),
                trend_points => shown(&engineering.trend_points),
                pareto_charts => Value::from(Serde(&engineering.pareto_charts)),
                by_component => shown(&engineering.by_component),
                by_fault_code => shown(&engineering.by_fault_code),
                batches => shown(&engineering.batches),
                early => shown(&agreement.early),
                batch_charts => Value::from(Serde(&engineering.batch_charts)),
                life_plots => Value::from(Serde(&engineering.life.plots)),
                life_table => shown(&engineering.life.table),
                life_batch_charts => Value::from(Serde(&engineering.life.batch_charts)),
                nevada_charts => Value::from(Serde(&engineering.forecast.nevada_charts)),
                nevada_view => shown(&engineering.forecast.nevada_view),
                key_forecast => shown(&engineering.forecast.key_forecast),
                ..common("components.html", t.get("components_title"))
            },
        )?,
    ));
    files.push((
        "data-quality.html".to_string(),
        render(
            "data-quality.html",
            context! {
                load_chart => Value::from(Serde(&quality.load_chart)),
                stations => shown(&quality.stations),
                loads => shown(&quality.loads),
                rejects => shown(&quality.rejects),
                findings => shown(&quality.findings),
                forms => shown(&quality.forms),
                audit => shown(&quality.audit),
                sanbao_summary => agreement.sanbao_summary.clone(),
                sanbao => shown(&agreement.sanbao),
                old_parts => shown(&agreement.old_parts),
                recoverable => quality.recoverable.clone(),
                manifest => shown(&quality.manifest),
                ..common("data-quality.html", t.get("quality_title"))
            },
        )?,
    ));

    // Charts, then exports.
    let charts = summary
        .kpi_charts
        .iter()
        .chain(&summary.forecast.charts)
        .chain(engineering.rate_groups.iter().flat_map(|g| g.charts.iter()))
        .chain(&engineering.trend_charts)
        .chain(&engineering.pareto_charts)
        .chain(&engineering.batch_charts)
        .chain(&engineering.life.plots)
        .chain(&engineering.life.batch_charts)
        .chain(&engineering.forecast.nevada_charts)
        .chain(quality.load_chart.iter());
    for c in charts {
        files.push((c.file.clone(), c.png.clone()));
    }
    let tables = [
        &summary.kpis,
        &summary.kpi_history,
        &summary.alerts,
        &summary.league,
        &summary.forecast.backtest,
        &engineering.rates,
        &engineering.trend_points,
        &engineering.by_component,
        &engineering.by_fault_code,
        &engineering.batches,
        &engineering.life.table,
        &engineering.life.curves,
        &engineering.forecast.nevada_view,
        &engineering.forecast.nevada,
        &engineering.forecast.key_forecast,
        &engineering.forecast.forecast,
        &quality.loads,
        &quality.stations,
        &quality.rejects,
        &quality.findings,
        &quality.forms,
        &quality.audit,
        &quality.manifest,
        &agreement.sanbao,
        &agreement.early,
        &agreement.allowance_watch,
        &agreement.allowance,
        &agreement.old_parts,
    ];
    for tb in tables {
        files.push((format!("{}.csv", tb.id), export::csv_bytes(tb)?));
    }
    files.push((
        "kpis.xlsx".to_string(),
        export::xlsx_bytes(&[
            ("KPIs", &summary.kpis),
            ("KPI history", &summary.kpi_history),
            ("Stations", &summary.league),
        ])?,
    ));
    Ok(Report { files })
}

/// A table as a template sees it: the visible rows, and how many in all.
#[derive(Serialize)]
struct ShownTable<'a> {
    id: &'a str,
    caption: &'a str,
    headers: &'a [String],
    rows: Vec<Vec<table::Cell>>,
    total: usize,
    note: &'a Option<String>,
}

impl<'a> ShownTable<'a> {
    fn of(t: &'a Table) -> ShownTable<'a> {
        ShownTable {
            id: &t.id,
            caption: &t.caption,
            headers: &t.headers,
            rows: t
                .visible()
                .iter()
                .map(|row| row.iter().map(|c| c.shown(crate::text::PAGE_CHARS)).collect())
                .collect(),
            total: t.rows.len(),
            note: &t.note,
        }
    }
}

/// The report folder of `month` under `out`.
pub fn folder(out: &Path, month: &str) -> PathBuf {
    out.join("reports").join(month)
}

/// Write the report into `dir`, replacing what was there: the files go to
/// a sibling folder first, which is then renamed into place, so a reader
/// never sees half a report and no stale chart survives.
pub fn write(dir: &Path, report: &Report) -> Result<()> {
    let parent = dir.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(write_err(parent))?;
    let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    crate::lake::remove_leftovers(parent);
    let staging = parent.join(format!(".{name}.new-{}", std::process::id()));
    let old = parent.join(format!(".{name}.old-{}", std::process::id()));
    if staging.exists() {
        std::fs::remove_dir_all(&staging).map_err(write_err(&staging))?;
    }
    std::fs::create_dir_all(&staging).map_err(write_err(&staging))?;
    for (file, bytes) in &report.files {
        let path = staging.join(file);
        if let Err(e) = std::fs::write(&path, bytes) {
            // A full disk must not be left fuller by half a report.
            let _ = std::fs::remove_dir_all(&staging);
            return Err(write_err(&path)(e));
        }
    }
    if dir.exists() {
        std::fs::rename(dir, &old).map_err(write_err(dir))?;
    }
    std::fs::rename(&staging, dir).map_err(write_err(dir))?;
    if old.exists() {
        std::fs::remove_dir_all(&old).map_err(write_err(&old))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::table::Cell;
    use super::*;

    #[test]
    fn tables_render_escaped_with_their_download() {
        let words = i18n::Text::new(Lang::En, &crate::config::Config::defaults());
        let env = environment(words.words()).expect("templates");
        let mut tb = Table::new("alerts", "Alerts", vec!["Message".into(), "p".into()]);
        tb.rows.push(vec![Cell::text("<script>alert(1)</script> & \"x\""), Cell::float(Some(0.5), 2)]);
        tb.rows.push(vec![Cell::text("second"), Cell::float(None, 2)]);
        let tb = tb.limit(1);
        // Named .html, as every page is: autoescape follows the name.
        let html = env
            .render_named_str(
                "page.html",
                "{% import 'macros.html' as m %}{{ m.table(tb) }}",
                minijinja::context! { tb => Value::from(Serde(ShownTable::of(&tb))) },
            )
            .expect("rendered");
        assert!(html.contains("<td>&lt;script&gt;alert(1)&lt;&#x2f;script&gt; &amp; &quot;x&quot;</td>"), "{html}");
        assert!(html.contains("<td class=\"num\">0.50</td>"), "{html}");
        assert!(!html.contains("second"), "only the shown rows: {html}");
        assert!(html.contains("<a href=\"alerts.csv\">alerts.csv</a> (1 / 2)"), "{html}");
        // Undefined variables are errors, not blanks.
        assert!(env.render_str("{{ nope }}", minijinja::context! {}).is_err());
    }
}
