//! `major_issue`: every feedback-form line for M marked major_issue = true
//! is critical, because the policy sends a major quality problem straight to
//! the responsible departments. Grain: one alert per (station, component);
//! several lines for the same pair merge into one.

use polars::prelude::*;

use super::{Alert, Fact, Kind, Severity};
use crate::config::Config;
use crate::month::Month;
use crate::text;

/// `forms`: the current feedback forms (latest version of each form).
pub fn major_alerts(forms: LazyFrame, month: &Month, config: &Config) -> PolarsResult<Vec<Alert>> {
    let df = forms
        .filter(col("report_month").eq(lit(month.label.clone())).and(col("major_issue").fill_null(false)))
        .group_by([col("station_id"), col("component")])
        .agg([
            col("quantity").sum().cast(DataType::Int64).alias("quantity"),
            col("model").drop_nulls().unique_stable().str().join(", ", true).alias("models"),
            col("description").drop_nulls().first().alias("description"),
            col("suggestion").drop_nulls().first().alias("suggestion"),
        ])
        .sort(["station_id", "component"], SortMultipleOptions::default())
        .collect()?;
    let s = |c: &str| crate::metrics::columns::strings(&df, c);
    let (station, component, models, description, suggestion) =
        (s("station_id")?, s("component")?, s("models")?, s("description")?, s("suggestion")?);
    let quantity = df.column("quantity")?.i64()?.clone();
    let mut alerts = Vec::new();
    for r in 0..df.height() {
        let (st, comp) = (station.get(r).unwrap_or("-"), component.get(r).unwrap_or("-"));
        let q = quantity.get(r).unwrap_or(0);
        // The station's own words leave the lake here: phones masked and
        // length capped (`text::shown`), in the message and the details.
        let free = |v: Option<&str>, max: usize| v.filter(|v| !v.is_empty()).map(|v| text::shown(v, max));
        let model = free(models.get(r), 200);
        let sugg = free(suggestion.get(r), text::PAGE_CHARS);
        let desc = free(description.get(r), text::PAGE_CHARS);
        let mut a = Alert::new(Kind::MajorIssue, Severity::Critical, &month.label, month.provisional, String::new());
        a.station_id = Some(st.to_string());
        a.component = Some(comp.to_string());
        a.observed = Some(q as f64);
        a.facts = [(Fact::Model, model), (Fact::Description, desc), (Fact::Suggestion, sugg)]
            .into_iter()
            .filter_map(|(f, v)| v.map(|v| (f, v)))
            .collect();
        alerts.push(a.worded(config).with_id());
    }
    Ok(alerts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_alert_per_station_and_component_from_the_months_major_lines() {
        // S1 compressor: two major lines of 2026-09 (2 + 3 = 5 cases, two
        // models); S1 motor is not major, S2's flag is null (not major), and
        // the 2026-08 line is another month.
        let forms = df![
            "report_month" => ["2026-09", "2026-09", "2026-09", "2026-09", "2026-08"],
            "major_issue" => [Some(true), Some(true), Some(false), None, Some(true)],
            "station_id" => ["S1", "S1", "S1", "S2", "S1"],
            "component" => ["compressor", "compressor", "motor", "compressor", "compressor"],
            "quantity" => [2i64, 3, 9, 4, 7],
            "model" => [Some("M1"), Some("M2"), None, None, Some("M9")],
            "description" => [None, Some("noisy, call 13800138000"), None, None, None],
            "suggestion" => [Some("replace the valve"), None, None, None, None],
        ]
        .unwrap();
        let month = Month::new("2026-09", Some("2026-10")).unwrap();
        let alerts = major_alerts(forms.lazy(), &month, &crate::config::Config::defaults()).unwrap();
        assert_eq!(alerts.len(), 1);
        let a = &alerts[0];
        assert_eq!(a.id, "2026-09/major_issue/-/-/compressor/S1/-");
        assert_eq!((a.severity, a.provisional, a.observed), (Severity::Critical, false, Some(5.0)));
        assert_eq!(
            a.message,
            "Station S1 reports a major quality problem with compressor on M1, M2 (5 cases): suggests \"replace the valve\""
        );
        assert_eq!(
            a.details.as_deref(),
            Some("model: M1, M2; description: noisy, call 138****8000; suggestion: replace the valve")
        );
        let facts: Vec<(Fact, &str)> = a.facts.iter().map(|(f, v)| (*f, v.as_str())).collect();
        assert_eq!(
            facts,
            [
                (Fact::Model, "M1, M2"),
                (Fact::Description, "noisy, call 138****8000"),
                (Fact::Suggestion, "replace the valve")
            ]
        );
    }
}
