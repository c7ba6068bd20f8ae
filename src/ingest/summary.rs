//! The terminal report of an ingest or a validate run: a short table per
//! file (rows read, loaded, rejected, fields nulled, top reasons), and for
//! `validate` every reject a clerk must fix. Writes to any `io::Write`, so
//! it is tested into a buffer.

use std::io::{self, Write};

use crate::ingest::rows::Reject;
use crate::ingest::FileResult;

/// One line per file, under a header.
pub fn file_table(out: &mut impl Write, rows: &[(&str, &FileResult)]) -> io::Result<()> {
    use crate::text::{display_width, pad};
    // Display width, not characters: `维修记录.csv` takes 12 columns.
    let width = rows.iter().map(|(_, f)| display_width(&f.name)).max().unwrap_or(4).clamp(4, 40);
    writeln!(
        out,
        "{:<7}  {}  {:<14}  {:>9}  {:>9}  {:>8}  {:>6}  top reasons",
        "load",
        pad("file", width),
        "table",
        "read",
        "loaded",
        "rejected",
        "nulled"
    )?;
    for (month, f) in rows {
        let reasons = f
            .top_reasons
            .iter()
            .map(|(n, r)| format!("{n}× {r}"))
            .chain(f.warnings.iter().map(|w| format!("warning: {w}")))
            .collect::<Vec<_>>()
            .join("; ");
        writeln!(
            out,
            "{:<7}  {}  {:<14}  {:>9}  {:>9}  {:>8}  {:>6}  {}",
            month,
            pad(&f.name, width),
            f.table.as_deref().unwrap_or("-"),
            f.stats.rows_read,
            f.stats.rows_loaded,
            f.stats.rows_rejected,
            f.stats.fields_nulled,
            crate::text::truncate(&reasons, 160),
        )?;
    }
    Ok(())
}

/// Every reject, one per line, as `file:line column: reason (action)`.
pub fn reject_list(out: &mut impl Write, month: &str, rejects: &[&Reject]) -> io::Result<()> {
    for r in rejects {
        let column = r.column.as_deref().map(|c| format!(" `{c}`")).unwrap_or_default();
        writeln!(
            out,
            "{month}/{}:{}{column}: {} ({})",
            r.source_file,
            r.line,
            r.reason.replace('\n', "\\n"),
            r.action.as_str()
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::rows::{Action, FileStats};

    #[test]
    fn renders_a_file_table_and_rejects() {
        let f = FileResult {
            name: "repairs.csv".into(),
            table: Some("repairs".into()),
            encoding: "utf-8".into(),
            bytes: 10,
            sha256: "x".into(),
            modified_ns: None,
            stats: FileStats {
                name: "repairs.csv".into(),
                rows_read: 5,
                rows_loaded: 4,
                rows_rejected: 1,
                fields_nulled: 2,
            },
            warnings: vec!["unknown column `foo` ignored".into()],
            top_reasons: vec![(1, "`cause` is required but empty".into())],
        };
        let mut buf = Vec::new();
        file_table(&mut buf, &[("2026-10", &f)]).unwrap();
        let text = String::from_utf8(buf).unwrap();
        let line = text.lines().nth(1).unwrap();
        assert!(line.starts_with("2026-10  repairs.csv  repairs"), "{line}");
        assert!(line.contains("          5          4         1       2  1× `cause` is required but empty; warning: unknown column `foo` ignored"), "{line}");
        let r = Reject {
            table: "repairs".into(),
            source_file: "repairs.csv".into(),
            line: 7,
            column: Some("cause".into()),
            value: None,
            key: Some("R1".into()),
            rule: "missing_required",
            reason: "`cause` is required but empty".into(),
            action: Action::RowRejected,
            station_id: Some("S1".into()),
            repair_id: None,
        };
        let mut buf = Vec::new();
        reject_list(&mut buf, "2026-10", &[&r]).unwrap();
        assert_eq!(
            String::from_utf8(buf).unwrap(),
            "2026-10/repairs.csv:7 `cause`: `cause` is required but empty (row_rejected)\n"
        );
    }

    #[test]
    fn chinese_file_names_keep_the_columns_aligned() {
        let file = |name: &str| FileResult {
            name: name.into(),
            table: Some("repairs".into()),
            encoding: "gbk".into(),
            bytes: 1,
            sha256: "x".into(),
            modified_ns: None,
            stats: FileStats { name: name.into(), rows_read: 12345, ..FileStats::default() },
            warnings: Vec::new(),
            top_reasons: Vec::new(),
        };
        let (a, b) = (file("维修记录.csv"), file("repairs.csv"));
        let mut buf = Vec::new();
        file_table(&mut buf, &[("2026-10", &a), ("2026-10", &b)]).unwrap();
        let text = String::from_utf8(buf).unwrap();
        // The table column starts at the same terminal column on every line.
        let starts: Vec<usize> = text
            .lines()
            .map(|l| crate::text::display_width(&l[..l.find("repairs  ").or_else(|| l.find("table")).unwrap()]))
            .collect();
        assert_eq!(starts, [starts[0]; 3], "{text}");
        assert_eq!(crate::text::display_width("维修记录.csv"), 12);
    }
}
