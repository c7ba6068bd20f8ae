//! An alert in the page's language, from its structured fields: its one
//! line for a manager and its details.

use super::*;
use crate::alerts::Fact;

/// An alert's one line for a manager: the alert's own message in English,
/// the same facts in Chinese.
pub(super) fn message(a: &Alert, t: &Text) -> String {
    if t.lang == crate::report::Lang::En {
        return a.message.clone();
    }
    let comp = a.component.as_deref().map(|c| t.component(c)).unwrap_or_default();
    let line = a.product_line.as_deref().map(|c| t.line(c)).unwrap_or_default();
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
        Kind::ComponentTrend => format!(
            "{line}{comp}故障上升：本月 {o:.0} 台，按机队机龄应为 {e:.1} 台（{}）",
            a.rule.as_deref().unwrap_or("")
        ),
        Kind::KpiBreach => {
            let who = a.station_id.as_deref().map(|s| format!("网点 {s} ")).unwrap_or_else(|| "公司".into());
            let kpi = a.kpi.as_deref().map(|k| t.kpi(k)).unwrap_or_default();
            format!("{who}{kpi}为 {}，目标 {}", pct_text(o), pct_text(e))
        }
    }
}

/// An alert's details in the page's language: the English text the alert
/// carries, or its facts with Chinese labels (the values are the station's
/// own words).
pub(super) fn details(a: &Alert, t: &Text) -> String {
    if t.lang == crate::report::Lang::En {
        return a.details.clone().unwrap_or_default();
    }
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
    use crate::alerts::{Kind, Severity};

    #[test]
    fn details_in_chinese_come_from_the_facts() {
        let zh = Text::new(crate::report::Lang::Zh, &Config::defaults());
        let en = Text::new(crate::report::Lang::En, &Config::defaults());
        let kpi = Alert::new(Kind::KpiBreach, Severity::Warning, "2026-09", false, "m".into()).with_counts(5, 10);
        assert_eq!(details(&kpi, &en), "numerator 5, denominator 10");
        assert_eq!(details(&kpi, &zh), "分子 5，分母 10");
        let mut major = Alert::new(Kind::MajorIssue, Severity::Critical, "2026-09", false, "m".into());
        // A station's text with "; " and "model: " in it stays whole.
        major.facts = vec![(Fact::Model, "M1".into()), (Fact::Description, "model: X; leaks".into())];
        assert_eq!(details(&major, &zh), "型号：M1；问题描述：model: X; leaks");
    }
}
