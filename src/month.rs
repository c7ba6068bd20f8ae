//! Months as the contract writes them, `YYYY-MM`: load months (drop folders,
//! manifests) and report months, with their bounds and arithmetic. Near the
//! bottom of the module tree: every stage may use it, and it uses only
//! `error`.

use chrono::{Datelike, NaiveDate};

use crate::error::{Error, Result};

/// The average month in days (a Julian year over 12): for converting the
/// generator's and the alerts' rates and ages between days and months,
/// where calendar months do not matter. Contract quantities in months
/// (exposure in M, months in service) use the calendar instead.
pub const DAYS_PER_MONTH: f64 = 365.25 / 12.0;

/// True for `YYYY-MM` with a real month.
pub fn is_month(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 7
        && b[4] == b'-'
        && b[..4].iter().chain(&b[5..]).all(u8::is_ascii_digit)
        && matches!(s[5..].parse::<u32>(), Ok(1..=12))
}

/// The report month and its bounds.
#[derive(Debug, Clone, PartialEq)]
pub struct Month {
    /// `YYYY-MM`.
    pub label: String,
    /// First day of M, 00:00.
    pub start: NaiveDate,
    /// First day of M+1: the end of M, exclusive.
    pub end: NaiveDate,
    /// `YYYY-MM` of M+1, the drop that completes M.
    pub next: String,
    /// M is at or after the latest load month: its data are not complete.
    pub provisional: bool,
}

impl Month {
    /// `label` given the latest load month in the lake.
    pub fn new(label: &str, latest_load: Option<&str>) -> Result<Month> {
        let bad = || Error::BadMonth { value: label.to_string() };
        let start = NaiveDate::parse_from_str(&format!("{label}-01"), "%Y-%m-%d").map_err(|_| bad())?;
        let end = start.checked_add_months(chrono::Months::new(1)).ok_or_else(bad)?;
        Ok(Month {
            label: label.to_string(),
            start,
            end,
            next: end.format("%Y-%m").to_string(),
            provisional: latest_load.is_none_or(|l| label >= l),
        })
    }

    /// Days in M.
    pub fn days(&self) -> i64 {
        (self.end - self.start).num_days()
    }

    /// The month before `label` (the default report month is the latest
    /// load month minus one).
    pub fn previous(label: &str) -> Result<String> {
        let m = Month::new(label, None)?;
        let prev = m.start.checked_sub_months(chrono::Months::new(1)).ok_or(Error::BadMonth { value: label.into() })?;
        Ok(format!("{:04}-{:02}", prev.year(), prev.month()))
    }

    /// Every month from `from` to `to`, inclusive.
    pub fn range(from: &str, to: &str) -> Result<Vec<String>> {
        let mut out = Vec::new();
        let mut m = Month::new(from, None)?;
        let last = Month::new(to, None)?;
        while m.start <= last.start {
            out.push(m.label.clone());
            m = Month::new(&m.next, None)?;
        }
        Ok(out)
    }
}

/// A date's month as a count of months from year 0: consecutive months
/// differ by one.
pub fn index(d: NaiveDate) -> i64 {
    d.year() as i64 * 12 + d.month0() as i64
}

/// The first day of `label` plus `k` months (k may be negative).
pub fn first_day(label: &str, k: i32) -> Option<NaiveDate> {
    let start = Month::new(label, None).ok()?.start;
    let months = chrono::Months::new(k.unsigned_abs());
    if k >= 0 {
        start.checked_add_months(months)
    } else {
        start.checked_sub_months(months)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months() {
        assert!(is_month("2026-10"));
        assert!(!is_month("2026-13"));
        assert!(!is_month("2026-1"));
        assert!(!is_month("202a-10"));
    }

    #[test]
    fn month_arithmetic() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(first_day("2026-10", -11), Some(d(2025, 11, 1)));
        assert_eq!(first_day("2026-12", 1), Some(d(2027, 1, 1)));
        assert_eq!(index(d(2026, 1, 31)) + 1, index(d(2026, 2, 1)));
        assert_eq!(Month::previous("2026-01").unwrap(), "2025-12");
        assert_eq!(Month::range("2025-11", "2026-02").unwrap(), ["2025-11", "2025-12", "2026-01", "2026-02"]);
        let m = Month::new("2024-02", Some("2024-02")).unwrap();
        assert_eq!((m.days(), m.next.as_str(), m.provisional), (29, "2024-03", true));
    }
}
