//! A table as the pages show it and the exports write it: headers and
//! cells, each cell with its display text and, for numbers, the raw value
//! (so a CSV or workbook holds 0.973, not "97.3%").

use serde::Serialize;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Cell {
    pub text: String,
    /// The number behind the text; exports write it instead of the text.
    #[serde(skip)]
    pub value: Option<f64>,
    /// A CSS class: `num` (right-aligned), `bad`, `good`, `critical`, `warning`.
    pub class: String,
    /// A relative link the page puts on the text (never from input data).
    pub href: Option<String>,
}

impl Cell {
    pub fn text(s: impl Into<String>) -> Cell {
        Cell { text: s.into(), value: None, class: String::new(), href: None }
    }

    pub fn num(v: f64, text: String) -> Cell {
        Cell { text, value: Some(v), class: "num".into(), href: None }
    }

    pub fn int(v: i64) -> Cell {
        Cell::num(v as f64, group_digits(v))
    }

    /// A fraction shown as a percentage with one decimal.
    pub fn pct(v: Option<f64>) -> Cell {
        match v {
            Some(v) => Cell::num(v, format!("{:.1}%", v * 100.0)),
            None => Cell { text: "–".into(), value: None, class: "num".into(), href: None },
        }
    }

    /// An amount in cents, shown and exported as its exact decimal text
    /// (a float would round amounts beyond 15 digits).
    pub fn money(cents: Option<i128>) -> Cell {
        let text = cents.map(crate::metrics::columns::money_text).unwrap_or_else(|| "–".into());
        Cell { text, value: None, class: "num".into(), href: None }
    }

    pub fn float(v: Option<f64>, decimals: usize) -> Cell {
        match v {
            Some(v) => Cell::num(v, format!("{v:.decimals$}")),
            None => Cell { text: "–".into(), value: None, class: "num".into(), href: None },
        }
    }

    /// The cell as it leaves the report: text masked for phone numbers and
    /// cut to `max` characters (`text::shown`); numbers as they are.
    pub fn shown(&self, max: usize) -> Cell {
        match self.value {
            Some(_) => self.clone(),
            None => Cell { text: crate::text::shown(&self.text, max), ..self.clone() },
        }
    }

    pub fn with_href(mut self, href: String) -> Cell {
        self.href = Some(href);
        self
    }

    pub fn with_class(mut self, class: &str) -> Cell {
        if self.class.is_empty() {
            self.class = class.into();
        } else {
            self.class = format!("{} {class}", self.class);
        }
        self
    }
}

/// 1234567 → "1,234,567".
pub fn group_digits(v: i64) -> String {
    let s = v.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    if v < 0 {
        format!("-{out}")
    } else {
        out
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Table {
    /// The export's file stem (`<id>.csv`); a fixed name, never from data.
    pub id: String,
    pub caption: String,
    pub headers: Vec<String>,
    /// Every row; the page shows the first `shown`.
    pub rows: Vec<Vec<Cell>>,
    pub shown: usize,
    pub note: Option<String>,
}

impl Table {
    pub fn new(id: &str, caption: impl Into<String>, headers: Vec<String>) -> Table {
        Table { id: id.into(), caption: caption.into(), headers, rows: Vec::new(), shown: usize::MAX, note: None }
    }

    /// Show at most `n` rows on the page (the export keeps them all).
    pub fn limit(mut self, n: usize) -> Table {
        self.shown = n;
        self
    }

    /// The rows the page shows.
    pub fn visible(&self) -> &[Vec<Cell>] {
        &self.rows[..self.rows.len().min(self.shown)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells() {
        assert_eq!(group_digits(1_234_567), "1,234,567");
        assert_eq!(group_digits(-1000), "-1,000");
        assert_eq!(group_digits(999), "999");
        assert_eq!(Cell::pct(Some(0.97345)).text, "97.3%");
        assert_eq!(Cell::pct(None).value, None);
        assert_eq!(Cell::int(5).with_class("bad").class, "num bad");
    }
}
