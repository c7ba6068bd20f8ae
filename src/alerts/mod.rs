//! Alerts for a report month (contract section 6): early warning that a
//! production batch fails abnormally (`batch_failure`) or that a component
//! fails more than the fleet's age explains (`component_trend`), that a
//! batch's units fail in their first days in service (`early_failure`), major
//! quality problems reported on feedback forms (`major_issue`) and KPI
//! breaches (`kpi_breach`). Pure: metric-level frames in, alerts out;
//! `write` puts them in `<out>/alerts/month=YYYY-MM/alerts.json`. How well
//! they work is measured by `benches/alerts_study.py`.

#[cfg(feature = "engine")]
pub mod batch;
#[cfg(feature = "engine")]
pub mod early;
#[cfg(feature = "engine")]
mod exposure;
#[cfg(feature = "engine")]
pub mod kpi;
#[cfg(feature = "engine")]
pub mod major;
pub mod stats;
#[cfg(feature = "engine")]
pub mod trend;
pub mod wording;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Warning,
    Critical,
}

/// In ranking order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    MajorIssue,
    BatchFailure,
    EarlyFailure,
    ComponentTrend,
    KpiBreach,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::MajorIssue => "major_issue",
            Kind::BatchFailure => "batch_failure",
            Kind::EarlyFailure => "early_failure",
            Kind::ComponentTrend => "component_trend",
            Kind::KpiBreach => "kpi_breach",
        }
    }
}

/// One alert, with the fields of contract section 6 (null when they do
/// not apply) and a few more after them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    pub id: String,
    pub kind: Kind,
    pub severity: Severity,
    pub month: String,
    pub provisional: bool,
    pub component: Option<String>,
    pub production_batch: Option<String>,
    pub product_line: Option<String>,
    pub station_id: Option<String>,
    pub kpi: Option<String>,
    pub observed: Option<f64>,
    pub expected: Option<f64>,
    pub statistic: Option<String>,
    pub p_value: Option<f64>,
    pub rule: Option<String>,
    pub batch_units: Option<i64>,
    pub units_affected: Option<i64>,
    pub message: String,
    /// Further context: a form's model and suggestion, or a KPI's numerator
    /// and denominator.
    pub details: Option<String>,
    /// The same context as labelled facts, for pages in other languages
    /// (`details` is their English text; not in alerts.json).
    #[serde(skip)]
    pub facts: Vec<(Fact, String)>,
}

/// What a fact behind an alert is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fact {
    Model,
    Description,
    Suggestion,
    Numerator,
    Denominator,
}

impl Alert {
    /// A KPI's numerator and denominator, as facts.
    pub fn with_counts(mut self, num: i64, den: i64) -> Alert {
        self.facts = vec![(Fact::Numerator, num.to_string()), (Fact::Denominator, den.to_string())];
        self
    }

    /// Put the filled-in alert into words (`wording`): its English
    /// message, and its facts as English details.
    pub fn worded(mut self, config: &crate::config::Config) -> Alert {
        self.message = wording::english(&self, config);
        if !self.facts.is_empty() || self.kind == Kind::MajorIssue {
            self.details = Some(wording::english_details(&self));
        }
        self
    }
}

impl Alert {
    /// A stable id: the same kind, subject and month always give the same.
    pub fn make_id(kind: Kind, month: &str, subject: &[Option<&str>]) -> String {
        let parts: Vec<&str> = subject.iter().map(|s| s.unwrap_or("-")).collect();
        format!("{month}/{}/{}", kind.as_str(), parts.join("/"))
    }

    /// A blank alert of `kind` for `month`, to fill in.
    pub fn new(kind: Kind, severity: Severity, month: &str, provisional: bool, message: String) -> Alert {
        Alert {
            id: String::new(),
            kind,
            severity,
            month: month.to_string(),
            provisional,
            component: None,
            production_batch: None,
            product_line: None,
            station_id: None,
            kpi: None,
            observed: None,
            expected: None,
            statistic: None,
            p_value: None,
            rule: None,
            batch_units: None,
            units_affected: None,
            message,
            details: None,
            facts: Vec::new(),
        }
    }

    /// Set the id from the subject fields.
    pub fn with_id(mut self) -> Alert {
        self.id = Alert::make_id(
            self.kind,
            &self.month,
            &[
                self.product_line.as_deref(),
                self.production_batch.as_deref(),
                self.component.as_deref(),
                self.station_id.as_deref(),
                self.kpi.as_deref(),
            ],
        );
        self
    }
}

/// Every alert of `month`, ranked. `history`: the station KPIs of the
/// months before, latest first, for escalation; `observed_from`: the first
/// day of the earliest load month.
#[cfg(feature = "engine")]
pub fn compute(
    inputs: &crate::metrics::Inputs,
    tables: &crate::metrics::Tables,
    history: &[polars::prelude::DataFrame],
    month: &crate::month::Month,
    latest_load: &str,
    observed_from: chrono::NaiveDate,
    config: &crate::config::Config,
) -> polars::prelude::PolarsResult<(Vec<Alert>, Evidence)> {
    let repairs = inputs.policy_repairs.clone();
    let mut alerts = major::major_alerts(inputs.forms.clone(), month, config)?;
    let (batch_alerts, batches) = batch::batch_alerts(&tables.batch_units, &tables.unit_failures, month, config)?;
    alerts.extend(batch_alerts);
    alerts.extend(early::early_alerts(&tables.early_failures, month, config)?);
    let trends = trend::trend_series(inputs.unit_dates.clone(), repairs, month, latest_load, observed_from, config)?;
    alerts.extend(trend::trend_alerts(&trends, month, config));
    alerts.extend(kpi::kpi_alerts(&tables.kpis, &tables.station_kpis, history, month, config)?);
    rank(&mut alerts);
    Ok((alerts, Evidence { trends, batches }))
}

/// What the batch and trend alerts were computed from, for the report's
/// engineering page: every charted series, and the flagged and worst
/// batches' curves by month in service.
#[cfg(feature = "engine")]
#[derive(Debug, Clone, Default)]
pub struct Evidence {
    pub trends: Vec<trend::TrendSeries>,
    pub batches: Vec<batch::BatchCurve>,
}

/// Write `alerts.json` under `<out>/alerts/month=YYYY-MM/`, atomically.
#[cfg(feature = "engine")]
pub fn write(out: &std::path::Path, month: &str, alerts: &[Alert]) -> crate::error::Result<std::path::PathBuf> {
    let path = out.join("alerts").join(format!("month={month}")).join("alerts.json");
    crate::lake::remove_leftovers(path.parent().expect("a folder"));
    let mut json = serde_json::to_vec_pretty(alerts).expect("alerts serialise");
    json.push(b'\n');
    crate::lake::write_atomic(&path, &json)?;
    Ok(path)
}

/// Rank: severity, then kind, then p-value, then observed/expected.
pub fn rank(alerts: &mut [Alert]) {
    let ratio = |a: &Alert| match (a.observed, a.expected) {
        (Some(o), Some(e)) if e > 0.0 => o / e,
        _ => f64::INFINITY,
    };
    alerts.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(a.kind.cmp(&b.kind))
            .then(a.p_value.unwrap_or(0.0).total_cmp(&b.p_value.unwrap_or(0.0)))
            .then(ratio(b).total_cmp(&ratio(a)))
            .then(a.id.cmp(&b.id))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranking_and_ids() {
        let mk = |kind, sev, p: f64, id: &str| {
            let mut a = Alert::new(kind, sev, "2026-09", false, String::new());
            a.p_value = Some(p);
            a.id = id.into();
            a
        };
        let mut v = vec![
            mk(Kind::KpiBreach, Severity::Warning, 0.001, "k"),
            mk(Kind::BatchFailure, Severity::Critical, 0.0001, "b2"),
            mk(Kind::BatchFailure, Severity::Critical, 0.00001, "b1"),
            mk(Kind::MajorIssue, Severity::Critical, 1.0, "m"),
        ];
        rank(&mut v);
        assert_eq!(v.iter().map(|a| a.id.as_str()).collect::<Vec<_>>(), ["m", "b1", "b2", "k"]);
        assert_eq!(
            Alert::make_id(
                Kind::BatchFailure,
                "2026-09",
                &[Some("household"), Some("B1"), Some("compressor"), None, None]
            ),
            "2026-09/batch_failure/household/B1/compressor/-/-"
        );
    }
}
