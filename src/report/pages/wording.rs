//! An alert in the page's language: its one line for a manager and its
//! details, as `alerts::wording` words them.

use super::*;
use crate::alerts::wording;

/// An alert's one line for a manager: the alert's own message in English,
/// the same facts in Chinese (`alerts::wording` words both).
pub(super) fn message(a: &Alert, t: &Text) -> String {
    match t.lang {
        crate::report::Lang::En => a.message.clone(),
        crate::report::Lang::Zh => wording::chinese(a, t),
    }
}

/// An alert's details in the page's language.
pub(super) fn details(a: &Alert, t: &Text) -> String {
    match t.lang {
        crate::report::Lang::En => a.details.clone().unwrap_or_default(),
        crate::report::Lang::Zh => wording::chinese_details(a),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerts::{Fact, Kind, Severity};

    #[test]
    fn details_in_chinese_come_from_the_facts() {
        let zh = Text::new(crate::report::Lang::Zh, &Config::defaults());
        let en = Text::new(crate::report::Lang::En, &Config::defaults());
        let kpi = Alert::new(Kind::KpiBreach, Severity::Warning, "2026-09", false, "m".into())
            .with_counts(5, 10)
            .worded(&Config::defaults());
        assert_eq!(details(&kpi, &en), "numerator 5, denominator 10");
        assert_eq!(details(&kpi, &zh), "分子 5，分母 10");
        let mut major = Alert::new(Kind::MajorIssue, Severity::Critical, "2026-09", false, "m".into());
        // A station's text with "; " and "model: " in it stays whole.
        major.facts = vec![(Fact::Model, "M1".into()), (Fact::Description, "model: X; leaks".into())];
        assert_eq!(details(&major, &zh), "型号：M1；问题描述：model: X; leaks");
    }
}
