//! An alert in words, in one place for both languages, composed from its
//! structured fields: the English line that alerts.json carries as
//! `message` and its `details`, and the Chinese line and details the pages
//! show. The report supplies how codes are named in Chinese (`Names`).

use super::{Alert, Fact, Kind};
use crate::config::{Config, Direction};

/// How a language names codes: components, product lines and KPIs.
pub trait Names {
    fn component(&self, code: &str) -> String;
    fn line(&self, code: &str) -> String;
    fn kpi(&self, code: &str) -> String;
}

/// A fraction as a percentage with one decimal.
pub fn percent(v: f64) -> String {
    format!("{:.1}%", v * 100.0)
}

fn fact(a: &Alert, f: Fact) -> Option<&str> {
    a.facts.iter().find(|x| x.0 == f).map(|x| x.1.as_str())
}

/// "N months running" of a station's escalated breach, from its rule
/// (`binomial,3_months`).
fn months_running(a: &Alert) -> Option<&str> {
    a.rule.as_deref()?.split(',').find_map(|r| r.strip_suffix("_months"))
}

/// The window of an early-failure alert, in days, from its rule (`early<15d`).
fn early_days(a: &Alert) -> &str {
    a.rule.as_deref().and_then(|r| r.strip_prefix("early<")?.strip_suffix('d')).unwrap_or("15")
}

/// The alert's one line for a manager, in English.
pub fn english(a: &Alert, config: &Config) -> String {
    let field = |v: &Option<String>| v.clone().unwrap_or_default();
    let (comp, line) = (field(&a.component), field(&a.product_line));
    let (o, e) = (a.observed.unwrap_or(0.0), a.expected.unwrap_or(0.0));
    let counts = || (fact(a, Fact::Numerator).unwrap_or("0"), fact(a, Fact::Denominator).unwrap_or("0"));
    match a.kind {
        Kind::BatchFailure => format!(
            "Batch {} ({line}): {} units with a {comp} failure where {e:.1} were expected at their age ({:.1}×, p = {:.1e}); {} of {} units still in warranty",
            field(&a.production_batch),
            o as u64,
            o / e.max(f64::MIN_POSITIVE),
            a.p_value.unwrap_or(1.0),
            a.units_affected.unwrap_or(0),
            a.batch_units.unwrap_or(0),
        ),
        Kind::EarlyFailure => format!(
            "Batch {} ({line}): {} of {} units failed within {} days of going into service where {e:.1} were expected from the rest of the line ({:.1}×, p = {:.1e})",
            field(&a.production_batch),
            o as u64,
            a.units_affected.unwrap_or(0),
            early_days(a),
            o / e.max(f64::MIN_POSITIVE),
            a.p_value.unwrap_or(1.0),
        ),
        Kind::ComponentTrend => format!(
            "{comp} failures in {line} rose: {o:.0} failing units this month against {e:.1} expected for the fleet's age ({})",
            field(&a.rule).replace(',', ", ")
        ),
        Kind::KpiBreach => {
            let kpi = field(&a.kpi);
            let (num, den) = counts();
            match &a.station_id {
                None => {
                    let at_most = config.targets.get(&kpi).is_some_and(|t| t.direction == Direction::AtMost);
                    format!(
                        "Company {kpi} is {:.1}% against a target of {} {:.1}% ({num} of {den})",
                        o * 100.0,
                        if at_most { "at most" } else { "at least" },
                        e * 100.0
                    )
                }
                Some(station) => format!(
                    "Station {station} {kpi} is {:.1}% against {:.1}% ({num} of {den}){}",
                    o * 100.0,
                    e * 100.0,
                    months_running(a).map(|n| format!(", {n} months running")).unwrap_or_default()
                ),
            }
        }
        Kind::MajorIssue => format!(
            "Station {} reports a major quality problem with {}{} ({} cases){}",
            a.station_id.as_deref().unwrap_or("-"),
            a.component.as_deref().unwrap_or("-"),
            fact(a, Fact::Model).map(|m| format!(" on {m}")).unwrap_or_default(),
            o as i64,
            fact(a, Fact::Suggestion)
                .map(|s| format!(": suggests \"{}\"", crate::text::truncate(s, 120)))
                .unwrap_or_default()
        ),
    }
}

/// The alert's details in English: the facts, labelled.
pub fn english_details(a: &Alert) -> String {
    let counts = a.facts.iter().any(|(f, _)| *f == Fact::Numerator);
    let label = |f: Fact| match f {
        Fact::Model => "model: ",
        Fact::Description => "description: ",
        Fact::Suggestion => "suggestion: ",
        Fact::Numerator => "numerator ",
        Fact::Denominator => "denominator ",
    };
    let parts: Vec<String> = a.facts.iter().map(|(f, v)| format!("{}{v}", label(*f))).collect();
    parts.join(if counts { ", " } else { "; " })
}

/// The alert's one line for a manager, in Chinese.
pub fn chinese(a: &Alert, names: &dyn Names) -> String {
    let comp = a.component.as_deref().map(|c| names.component(c)).unwrap_or_default();
    let line = a.product_line.as_deref().map(|c| names.line(c)).unwrap_or_default();
    let (o, e) = (a.observed.unwrap_or(0.0), a.expected.unwrap_or(0.0));
    match a.kind {
        Kind::MajorIssue => format!(
            "网点 {} 报告{comp}重大质量问题（{o:.0} 例），请相关部门立即处理",
            a.station_id.as_deref().unwrap_or("")
        ),
        Kind::BatchFailure => format!(
            "批次 {}（{line}）{comp}故障 {o:.0} 台，按机龄应为 {e:.1} 台（{:.1} 倍，p = {:.1e}）；{} 台中 {} 台仍在保修期",
            a.production_batch.as_deref().unwrap_or(""),
            if e > 0.0 { o / e } else { f64::INFINITY },
            a.p_value.unwrap_or(1.0),
            a.batch_units.unwrap_or(0),
            a.units_affected.unwrap_or(0),
        ),
        Kind::EarlyFailure => format!(
            "批次 {}（{line}）投入使用 {} 天内故障 {o:.0} 台（已满 {} 天的 {} 台中），按本系列其他批次应为 {e:.1} 台（{:.1} 倍，p = {:.1e}）",
            a.production_batch.as_deref().unwrap_or(""),
            early_days(a),
            early_days(a),
            a.units_affected.unwrap_or(0),
            if e > 0.0 { o / e } else { f64::INFINITY },
            a.p_value.unwrap_or(1.0),
        ),
        Kind::ComponentTrend => format!(
            "{line}{comp}故障上升：本月 {o:.0} 台，按机队机龄应为 {e:.1} 台（{}）",
            a.rule.as_deref().unwrap_or("")
        ),
        Kind::KpiBreach => {
            let who = a.station_id.as_deref().map(|s| format!("网点 {s} ")).unwrap_or_else(|| "公司".into());
            let kpi = a.kpi.as_deref().map(|k| names.kpi(k)).unwrap_or_default();
            format!("{who}{kpi}为 {}，目标 {}", percent(o), percent(e))
        }
    }
}

/// The alert's details in Chinese: its facts with Chinese labels (the
/// values are the station's own words).
pub fn chinese_details(a: &Alert) -> String {
    let label = |f: Fact| match f {
        Fact::Model => "型号：",
        Fact::Description => "问题描述：",
        Fact::Suggestion => "改进建议：",
        Fact::Numerator => "分子 ",
        Fact::Denominator => "分母 ",
    };
    let counts = a.facts.iter().any(|(f, _)| *f == Fact::Numerator);
    let parts: Vec<String> = a.facts.iter().map(|(f, v)| format!("{}{v}", label(*f))).collect();
    parts.join(if counts { "，" } else { "；" })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerts::Severity;

    #[test]
    fn kpi_breaches_in_english_from_their_fields() {
        let config = Config::defaults();
        let mut s =
            Alert::new(Kind::KpiBreach, Severity::Critical, "2026-09", false, String::new()).with_counts(18, 20);
        s.station_id = Some("ST007".into());
        s.kpi = Some("satisfaction".into());
        (s.observed, s.expected) = (Some(0.9), Some(0.98));
        s.rule = Some("binomial,3_months".into());
        assert_eq!(
            english(&s, &config),
            "Station ST007 satisfaction is 90.0% against 98.0% (18 of 20), 3 months running"
        );
        assert_eq!(english_details(&s), "numerator 18, denominator 20");
        // The company's direction comes from the configured target.
        let mut c = Alert::new(Kind::KpiBreach, Severity::Warning, "2026-09", false, String::new()).with_counts(3, 50);
        c.kpi = Some("repeat_repair".into());
        (c.observed, c.expected) = (Some(0.06), Some(0.02));
        assert_eq!(english(&c, &config), "Company repeat_repair is 6.0% against a target of at most 2.0% (3 of 50)");
    }
}
