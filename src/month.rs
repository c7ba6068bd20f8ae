//! Months as the contract writes them, `YYYY-MM`: load months (drop folders,
//! manifests) and report months. The bottom of the module tree: every
//! stage may use it, and it uses nothing of qfb.

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
}
