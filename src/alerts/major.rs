//! `major_issue`: every feedback-form line for M marked major_issue = true
//! is critical, because the policy sends a major quality problem straight to
//! the responsible departments. Grain: one alert per (station, component);
//! several lines for the same pair merge into one.

use polars::prelude::*;

use super::{Alert, Kind, Severity};
use crate::metrics::Month;
use crate::text;

/// `forms`: the current feedback forms (latest version of each form).
pub fn major_alerts(forms: LazyFrame, month: &Month) -> PolarsResult<Vec<Alert>> {
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
    let s = |c: &str| super::strings(&df, c);
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
        let message = format!(
            "Station {st} reports a major quality problem with {comp}{} ({q} cases){}",
            model.as_ref().map(|m| format!(" on {m}")).unwrap_or_default(),
            sugg.as_ref().map(|s| format!(": suggests \"{}\"", text::truncate(s, 120))).unwrap_or_default()
        );
        let mut a = Alert::new(Kind::MajorIssue, Severity::Critical, &month.label, month.provisional, message);
        a.station_id = Some(st.to_string());
        a.component = Some(comp.to_string());
        a.observed = Some(q as f64);
        a.details = Some(
            [
                model.map(|m| format!("model: {m}")),
                desc.map(|d| format!("description: {d}")),
                sugg.map(|s| format!("suggestion: {s}")),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join("; "),
        );
        alerts.push(a.with_id());
    }
    Ok(alerts)
}
