//! The life-data files that `qfb fit` reads: a CSV with a header in one of
//! two shapes. Grain: one CSV record is one observation, `count` times.
//!
//! - exact or right-censored: `time,event[,count]`, `event` one of `1`/`0`,
//!   `F`/`S` (Weibull++'s failure/suspension) or `true`/`false`;
//! - interval: `start,end[,count]`: `start < end` failed in (start, end],
//!   `start = end` failed at start, an empty `end` is a suspension at start.
//!
//! An optional `entry` column (either shape) is a delayed entry: the unit
//! was first observed at that age, as `lifelines` takes it, which is how the
//! lake's units enter when they were in service before its first load.
//! Column names are matched case-insensitively; other columns are ignored.
//! Every problem names its line and column. Pure: text in, data out.

use super::km::Record;
use super::weibull::{Kind, Obs};

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DataError {
    #[error("the file has no header line")]
    NoHeader,
    #[error(
        "the header `{}` has neither `time` and `event` (exact or right-censored data) nor `start` and `end` \
         (interval data); missing {}",
        header.join(","),
        missing.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(" and ")
    )]
    MissingColumns { header: Vec<String>, missing: Vec<String> },
    #[error("line {line}, column `{column}`: `{value}` {problem}")]
    BadValue { line: u64, column: String, value: String, problem: String },
    #[error("line {line}: {message}")]
    Csv { line: u64, message: String },
}

/// Which of the two shapes a file has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Censored,
    Interval,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LifeData {
    pub shape: Shape,
    pub obs: Vec<Obs>,
}

impl LifeData {
    /// The units still at risk: each suspension's (time, count).
    pub fn at_risk(&self) -> Vec<(f64, f64)> {
        self.obs.iter().filter_map(|o| if let Kind::Right(t) = o.kind { Some((t, o.count)) } else { None }).collect()
    }

    /// The records for Kaplan–Meier: only exact and right-censored data
    /// have a product-limit estimate.
    pub fn km_records(&self) -> Option<Vec<Record>> {
        (self.shape == Shape::Censored).then(|| {
            self.obs
                .iter()
                .map(|o| match o.kind {
                    Kind::Exact(t) => Record { time: t, failure: true, entry: o.entry, count: o.count },
                    Kind::Right(t) => Record { time: t, failure: false, entry: o.entry, count: o.count },
                    Kind::Interval(..) => unreachable!("censored data hold no intervals"),
                })
                .collect()
        })
    }
}

pub fn parse(text: &str) -> Result<LifeData, DataError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut records = reader.records();
    let header: Vec<String> = match records.next() {
        Some(Ok(h)) => h.iter().map(|c| c.trim().to_lowercase()).collect(),
        Some(Err(e)) => return Err(csv_error(&e)),
        None => return Err(DataError::NoHeader),
    };
    let find = |name: &str| header.iter().position(|h| h == name);
    let (shape, a, b) = match (find("time"), find("event"), find("start"), find("end")) {
        (Some(t), Some(e), _, _) => (Shape::Censored, t, e),
        (_, _, Some(s), Some(e)) => (Shape::Interval, s, e),
        (t, e, s, en) => {
            // Name what is missing for the shape the header comes closest to.
            let missing = if s.is_some() || en.is_some() {
                [("start", s), ("end", en)].iter().filter(|x| x.1.is_none()).map(|x| x.0.to_string()).collect()
            } else {
                [("time", t), ("event", e)].iter().filter(|x| x.1.is_none()).map(|x| x.0.to_string()).collect()
            };
            return Err(DataError::MissingColumns { header, missing });
        }
    };
    let count_col = find("count");
    let entry_col = find("entry");
    let mut obs = Vec::new();
    for record in records {
        let record = record.map_err(|e| csv_error(&e))?;
        let line = record.position().map_or(0, |p| p.line());
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let cell = |i: usize| record.get(i).unwrap_or("").trim();
        let bad = |i: usize, problem: &str| DataError::BadValue {
            line,
            column: header[i].clone(),
            value: cell(i).to_string(),
            problem: problem.to_string(),
        };
        let number = |i: usize| -> Result<f64, DataError> {
            let v: f64 = cell(i).parse().map_err(|_| bad(i, "is not a number"))?;
            if !v.is_finite() {
                return Err(bad(i, "is not a finite number"));
            }
            if v < 0.0 {
                return Err(bad(i, "is negative; a life time is 0 or more"));
            }
            Ok(v)
        };
        let count = match count_col {
            Some(i) if !cell(i).is_empty() => {
                let c = number(i)?;
                if c.fract() != 0.0 {
                    return Err(bad(i, "is not a whole number of units"));
                }
                c
            }
            _ => 1.0,
        };
        let kind = match shape {
            Shape::Censored => {
                let t = number(a)?;
                match cell(b).to_lowercase().as_str() {
                    "1" | "f" | "true" => Kind::Exact(t),
                    "0" | "s" | "false" => Kind::Right(t),
                    _ => return Err(bad(b, "is not an event; use 1/0, F/S or true/false (failure/suspension)")),
                }
            }
            Shape::Interval => {
                let start = number(a)?;
                if cell(b).is_empty() {
                    Kind::Right(start)
                } else {
                    let end = number(b)?;
                    if end < start {
                        return Err(bad(b, &format!("is before its start `{}`", cell(a))));
                    }
                    if end == start {
                        Kind::Exact(start)
                    } else {
                        Kind::Interval(start, end)
                    }
                }
            }
        };
        if kind == Kind::Exact(0.0) {
            return Err(bad(a, "is a failure at time 0; a Weibull life is positive (write it as an interval 0 to t)"));
        }
        let entry = match entry_col {
            Some(i) if !cell(i).is_empty() => {
                let e = number(i)?;
                let first_seen = match kind {
                    Kind::Exact(t) | Kind::Right(t) => t,
                    Kind::Interval(start, _) => start,
                };
                if e > first_seen || (e == first_seen && matches!(kind, Kind::Exact(_))) {
                    return Err(bad(i, "is not before the observation: a unit is observed only after it enters"));
                }
                e
            }
            _ => 0.0,
        };
        obs.push(Obs { kind, entry, count });
    }
    Ok(LifeData { shape, obs })
}

fn csv_error(e: &csv::Error) -> DataError {
    DataError::Csv { line: e.position().map_or(0, |p| p.line()), message: e.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_shapes_and_every_event_spelling() {
        let d = parse("\u{feff}Time,Event,Count\n1,F,2\n2,s,\n3,true,1\n4,0,5\n").unwrap();
        assert_eq!(d.shape, Shape::Censored);
        assert_eq!(
            d.obs,
            vec![
                Obs::new(Kind::Exact(1.0), 2.0),
                Obs::new(Kind::Right(2.0), 1.0),
                Obs::new(Kind::Exact(3.0), 1.0),
                Obs::new(Kind::Right(4.0), 5.0)
            ]
        );
        let d = parse("start,end,count\n0,1,7\n1,1,1\n2,,998\n").unwrap();
        assert_eq!(d.shape, Shape::Interval);
        assert_eq!(d.km_records(), None);
        assert_eq!(
            d.obs,
            vec![
                Obs::new(Kind::Interval(0.0, 1.0), 7.0),
                Obs::new(Kind::Exact(1.0), 1.0),
                Obs::new(Kind::Right(2.0), 998.0)
            ]
        );
        let d = parse("time,event,entry\n5,1,2\n7,0,\n").unwrap();
        assert_eq!(d.obs[0], Obs { kind: Kind::Exact(5.0), entry: 2.0, count: 1.0 });
        assert_eq!(d.obs[1].entry, 0.0);
    }

    #[test]
    fn errors_name_the_line_and_column() {
        let err = |text: &str| parse(text).unwrap_err().to_string();
        assert_eq!(err("time,event\n1,F\n-2,S\n"), "line 3, column `time`: `-2` is negative; a life time is 0 or more");
        assert_eq!(err("time,event\nabc,F\n"), "line 2, column `time`: `abc` is not a number");
        assert!(err("time,event\n3,X\n").starts_with("line 2, column `event`: `X` is not an event"));
        assert_eq!(err("start,end\n5,4\n"), "line 2, column `end`: `4` is before its start `5`");
        assert!(err("time,count\n1,2\n").contains("missing `event`"), "{}", err("time,count\n1,2\n"));
        assert!(err("start,count\n1,2\n").contains("missing `end`"));
        assert!(err("time,event,count\n1,F,2.5\n").contains("not a whole number"));
        assert_eq!(err(""), "the file has no header line");
        assert!(err("time,event,entry\n5,F,5\n").starts_with("line 2, column `entry`: `5` is not before"));
    }
}
