//! Pure parsers for one cell's text, one per column type of the contract
//! (section 1). Each returns the typed value or a reason a station clerk
//! can act on. Dates are days since 1970-01-01; datetimes are microseconds
//! since 1970-01-01 00:00 in local (station) time, with no time zone. At
//! the bottom of the module tree: ingest parses input cells with them, and
//! metrics read exact amounts back with `money`.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

pub const EPOCH: NaiveDate = match NaiveDate::from_ymd_opt(1970, 1, 1) {
    Some(d) => d,
    None => unreachable!(),
};

/// Days since 1970-01-01, the physical value of an Arrow/Parquet Date.
pub fn days(d: NaiveDate) -> i32 {
    (d - EPOCH).num_days() as i32
}

/// Microseconds since 1970-01-01 00:00, the physical value of a Datetime(us).
pub fn micros(dt: NaiveDateTime) -> i64 {
    (dt - EPOCH.and_time(NaiveTime::MIN)).num_microseconds().unwrap_or(i64::MAX)
}

/// Split `y?m?d` with one- or two-digit month and day, in the three forms
/// `2026-10-05`, `2026/10/05` and `2026年10月5日`. Returns (y, m, d, rest).
fn split_date(s: &str) -> Option<(i32, u32, u32, &str)> {
    fn digits(s: &str, min: usize, max: usize) -> Option<(u32, &str)> {
        let n = s.bytes().take_while(|b| b.is_ascii_digit()).count();
        if n < min || n > max {
            return None;
        }
        Some((s[..n].parse().ok()?, &s[n..]))
    }
    let (y, rest) = digits(s, 4, 4)?;
    // (separator between month and day, the closing character, the rest)
    let (sep, close, rest) = if let Some(r) = rest.strip_prefix('-') {
        ('-', None, r)
    } else if let Some(r) = rest.strip_prefix('/') {
        ('/', None, r)
    } else if let Some(r) = rest.strip_prefix('年') {
        ('月', Some('日'), r)
    } else {
        return None;
    };
    let (m, rest) = digits(rest, 1, 2)?;
    let rest = rest.strip_prefix(sep)?;
    let (d, rest) = digits(rest, 1, 2)?;
    let rest = match close {
        Some(c) => rest.strip_prefix(c)?,
        None => rest,
    };
    Some((y as i32, m, d, rest))
}

fn date_from(y: i32, m: u32, d: u32, raw: &str) -> Result<NaiveDate, String> {
    NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| format!("`{raw}` is not a real calendar date"))
}

const DATE_FORMS: &str = "use YYYY-MM-DD, YYYY/MM/DD or YYYY年MM月DD日";

/// A date. A datetime at exactly midnight is accepted too, because
/// spreadsheets store dates that way.
pub fn date(raw: &str) -> Result<NaiveDate, String> {
    let (y, m, d, rest) = split_date(raw).ok_or_else(|| format!("`{raw}` is not a date; {DATE_FORMS}"))?;
    let date = date_from(y, m, d, raw)?;
    if rest.is_empty() {
        return Ok(date);
    }
    match time(rest) {
        Some(t) if t == NaiveTime::MIN => Ok(date),
        _ => Err(format!("`{raw}` is not a date; {DATE_FORMS}")),
    }
}

/// ` HH:MM` or `THH:MM:SS` after a date.
fn time(rest: &str) -> Option<NaiveTime> {
    let t = rest.strip_prefix(' ').or_else(|| rest.strip_prefix('T'))?;
    let b = t.as_bytes();
    let two = |i: usize| -> Option<u32> {
        let (x, y) = (*b.get(i)?, *b.get(i + 1)?);
        (x.is_ascii_digit() && y.is_ascii_digit()).then(|| ((x - b'0') * 10 + (y - b'0')) as u32)
    };
    let (h, m, s) = match b.len() {
        5 if b[2] == b':' => (two(0)?, two(3)?, 0),
        8 if b[2] == b':' && b[5] == b':' => (two(0)?, two(3)?, two(6)?),
        _ => return None,
    };
    NaiveTime::from_hms_opt(h, m, s)
}

/// A datetime: a date followed by a space or `T` and `HH:MM` or `HH:MM:SS`.
pub fn datetime(raw: &str) -> Result<NaiveDateTime, String> {
    let bad = || format!("`{raw}` is not a date and time; use YYYY-MM-DD HH:MM[:SS]");
    let (y, m, d, rest) = split_date(raw).ok_or_else(bad)?;
    let date = date_from(y, m, d, raw)?;
    if rest.is_empty() {
        return Err(format!("`{raw}` has no time of day; use YYYY-MM-DD HH:MM[:SS]"));
    }
    let t = time(rest).ok_or_else(bad)?;
    Ok(date.and_time(t))
}

/// `YYYY-MM` (also `YYYY/MM`, `YYYY年MM月`, one-digit month), normalised.
pub fn month(raw: &str) -> Result<String, String> {
    let bad = || format!("`{raw}` is not a month; use YYYY-MM");
    let b = raw.as_bytes();
    if b.len() < 6 || !b[..4].iter().all(u8::is_ascii_digit) {
        return Err(bad());
    }
    let rest = &raw[4..];
    let rest = rest
        .strip_prefix('-')
        .or_else(|| rest.strip_prefix('/'))
        .or_else(|| rest.strip_prefix('年').and_then(|r| r.strip_suffix('月')))
        .ok_or_else(bad)?;
    if rest.is_empty() || rest.len() > 2 || !rest.bytes().all(|c| c.is_ascii_digit()) {
        return Err(bad());
    }
    let m: u32 = rest.parse().map_err(|_| bad())?;
    if !(1..=12).contains(&m) {
        return Err(bad());
    }
    Ok(format!("{}-{m:02}", &raw[..4]))
}

/// `true/false`, `1/0`, `yes/no`, `是/否`, `Y/N`, in any case.
pub fn boolean(raw: &str) -> Result<bool, String> {
    match raw.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "y" | "是" => Ok(true),
        "false" | "0" | "no" | "n" | "否" => Ok(false),
        _ => Err(format!("`{raw}` is not yes or no; use true/false, 1/0, yes/no, 是/否 or Y/N")),
    }
}

/// A whole number.
pub fn int(raw: &str) -> Result<i64, String> {
    raw.parse::<i64>().map_err(|_| format!("`{raw}` is not a whole number"))
}

/// CNY with at most 2 decimals, in cents. Parsed from the text, never
/// through a float, so `0.29` stays 29 cents.
pub fn money(raw: &str) -> Result<i64, String> {
    let bad = || format!("`{raw}` is not an amount in yuan (like 120.50)");
    let (neg, body) = match raw.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, raw.strip_prefix('+').unwrap_or(raw)),
    };
    let (whole, frac) = match body.split_once('.') {
        Some((w, f)) => (w, f),
        None => (body, ""),
    };
    if whole.is_empty() && frac.is_empty() {
        return Err(bad());
    }
    if !whole.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    if frac.len() > 2 {
        return Err(format!("`{raw}` has more than 2 decimals; amounts are in yuan with at most 2 decimals"));
    }
    let w: i64 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| bad())? };
    let f: i64 = match frac.len() {
        0 => 0,
        1 => frac.parse::<i64>().map_err(|_| bad())? * 10,
        _ => frac.parse().map_err(|_| bad())?,
    };
    let cents = w.checked_mul(100).and_then(|c| c.checked_add(f)).ok_or_else(bad)?;
    // Decimal(18, 2) holds at most 16 integer digits.
    if cents >= 10i64.pow(18) {
        return Err(bad());
    }
    Ok(if neg { -cents } else { cents })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn every_date_form_of_the_contract() {
        for s in ["2026-10-05", "2026/10/05", "2026年10月5日", "2026-10-5", "2026/10/5", "2026年10月05日"] {
            assert_eq!(date(s), Ok(d(2026, 10, 5)), "{s}");
        }
        assert_eq!(date("2026-1-5"), Ok(d(2026, 1, 5)));
        assert_eq!(date("2026-10-05 00:00:00"), Ok(d(2026, 10, 5)));
        assert!(date("2026-10-05 08:00").is_err());
        assert!(date("2026-02-30").unwrap_err().contains("not a real calendar date"));
        for bad in ["", "05/10/2026", "2026-10", "2026-100-01", "2026.10.05", "２０２６-10-05", "2026年10月5"] {
            assert!(date(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn every_datetime_form_of_the_contract() {
        let want = d(2026, 10, 5).and_hms_opt(8, 30, 0).unwrap();
        for s in [
            "2026-10-05 08:30",
            "2026-10-05T08:30",
            "2026-10-05 08:30:00",
            "2026/10/5 08:30",
            "2026年10月5日 08:30",
            "2026年10月5日T08:30:00",
        ] {
            assert_eq!(datetime(s), Ok(want), "{s}");
        }
        assert!(datetime("2026-10-05").unwrap_err().contains("no time"));
        assert!(datetime("2026-10-05 25:00").is_err());
        assert!(datetime("2026-10-05 8:30").is_err());
        assert!(datetime("2026-02-30 08:00").is_err());
        assert_eq!(micros(d(1970, 1, 2).and_hms_opt(0, 0, 1).unwrap()), 86_401_000_000);
        assert_eq!(days(d(1970, 2, 1)), 31);
    }

    #[test]
    fn booleans_ints_months() {
        for t in ["true", "TRUE", "1", "yes", "Y", "是"] {
            assert_eq!(boolean(t), Ok(true), "{t}");
        }
        for f in ["false", "0", "No", "n", "否"] {
            assert_eq!(boolean(f), Ok(false), "{f}");
        }
        assert!(boolean("maybe").is_err());
        assert_eq!(int("-3"), Ok(-3));
        assert!(int("3.5").is_err());
        assert_eq!(month("2026-09"), Ok("2026-09".into()));
        assert_eq!(month("2026/9"), Ok("2026-09".into()));
        assert_eq!(month("2026年9月"), Ok("2026-09".into()));
        assert!(month("2026-13").is_err());
        assert!(month("2026-09-01").is_err());
    }

    #[test]
    fn money_in_cents_without_floats() {
        assert_eq!(money("120.5"), Ok(12050));
        assert_eq!(money("0.29"), Ok(29));
        assert_eq!(money("7"), Ok(700));
        assert_eq!(money(".5"), Ok(50));
        assert_eq!(money("-3.10"), Ok(-310));
        assert!(money("1.234").unwrap_err().contains("more than 2 decimals"));
        assert!(money("1,200").is_err());
        assert!(money("¥5").is_err());
        assert!(money(".").is_err());
        assert!(money("99999999999999999999").is_err());
    }
}
