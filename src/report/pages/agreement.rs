//! The dealer agreement on the pages: the 三包 cases (data quality: each
//! must go through the §7.3 approval), the early-failure ranking
//! (engineering), the parts allowance (management: stations over or near
//! it) and old-part returns (data quality: stations below target).

use super::*;
use crate::alerts::early;
use crate::metrics::columns::ints;

/// Rows of the early-failure ranking shown (the export keeps every batch).
const EARLY_SHOWN: usize = 20;

#[derive(Debug, Clone, Serialize)]
pub struct AgreementSection {
    /// The month's cases in one line: total and per rule.
    pub sanbao_summary: String,
    pub sanbao: Table,
    pub early: Table,
    /// Stations over or near their allowance, for management.
    pub allowance_watch: Table,
    /// Every station's allowance (export).
    pub allowance: Table,
    pub allowance_summary: String,
    pub old_parts: Table,
}

pub fn agreement_section(src: &Sources, t: &Text) -> Result<AgreementSection> {
    let (sanbao, sanbao_summary) = sanbao(src, t);
    let (allowance_watch, allowance, allowance_summary) = allowance(src, t);
    Ok(AgreementSection {
        sanbao_summary,
        sanbao,
        early: early_ranking(src, t)?,
        allowance_watch,
        allowance,
        allowance_summary,
        old_parts: old_parts(src, t),
    })
}

fn headers(t: &Text, keys: &[&str]) -> Vec<String> {
    keys.iter().map(|h| t.get(h).to_string()).collect()
}

fn sanbao(src: &Sources, t: &Text) -> (Table, String) {
    let s = &src.tables.sanbao;
    let keys = [
        "rule",
        "serial",
        "product_line",
        "batch",
        "model",
        "station",
        "in_service",
        "component",
        "days_in_service",
        "repair_ids",
    ];
    let mut table = Table::new("sanbao", t.get("sanbao_heading"), headers(t, &keys));
    table.note = Some(t.get("sanbao_note").into());
    let col = |c: &str| texts(s, c);
    let (rule, serial, line, batch, model, station, since, comp, ids) = (
        col("rule"),
        col("serial"),
        col("product_line"),
        col("production_batch"),
        col("model"),
        col("station_id"),
        col("in_service"),
        col("component"),
        col("repair_ids"),
    );
    let days = numbers(s, "days_in_service");
    let mut per_rule: BTreeMap<&str, usize> = BTreeMap::new();
    for r in 0..s.height() {
        let code = rule[r].clone().unwrap_or_default();
        if let Some(k) = crate::metrics::SANBAO_RULES.iter().find(|k| **k == code) {
            *per_rule.entry(k).or_default() += 1;
        }
        let text = |v: &Option<String>| Cell::text(v.clone().unwrap_or_default());
        table.rows.push(vec![
            Cell::text(t.get(&format!("rule_{code}"))),
            text(&serial[r]),
            Cell::text(t.line(line[r].as_deref().unwrap_or(""))),
            text(&batch[r]),
            text(&model[r]),
            text(&station[r]),
            text(&since[r]),
            Cell::text(t.component(comp[r].as_deref().unwrap_or(""))),
            Cell::int(days[r].unwrap_or(0.0) as i64),
            text(&ids[r]).with_class("ids"),
        ]);
    }
    let parts: Vec<String> = crate::metrics::SANBAO_RULES
        .iter()
        .map(|k| format!("{} {}", t.get(&format!("rule_{k}")), per_rule.get(k).copied().unwrap_or(0)))
        .collect();
    let summary = format!("{} {} ({})", s.height(), t.get("sanbao_cases"), parts.join(", "));
    (table, summary)
}

/// Batches by how improbable their early failures are under their line's
/// rate; the flagged ones first.
fn early_ranking(src: &Sources, t: &Text) -> Result<Table> {
    let tested = early::test(&early::batches(&src.tables.early_failures)?);
    let mut order: Vec<&early::Tested> = tested.iter().filter(|x| x.batch.failures > 0).collect();
    order.sort_by(|a, b| {
        a.p.total_cmp(&b.p)
            .then(b.batch.failures.cmp(&a.batch.failures))
            .then((&a.batch.line, &a.batch.batch).cmp(&(&b.batch.line, &b.batch.batch)))
    });
    let flagged = |line: &str, batch: &str| {
        src.alerts
            .iter()
            .find(|a| {
                a.kind == Kind::EarlyFailure
                    && a.product_line.as_deref() == Some(line)
                    && a.production_batch.as_deref() == Some(batch)
            })
            .map(|a| a.severity)
    };
    let keys = [
        "product_line",
        "batch",
        "units_past_15d",
        "early_failures",
        "rate_per_1000",
        "expected",
        "p_value",
        "flagged",
    ];
    let mut table = Table::new("early_failures", t.get("early_heading"), headers(t, &keys)).limit(EARLY_SHOWN);
    table.note = Some(t.get("early_note").into());
    for x in order {
        let b = &x.batch;
        let (sev, class) = match flagged(&b.line, &b.batch) {
            Some(Severity::Critical) => (t.get("critical"), "critical"),
            Some(Severity::Warning) => (t.get("warning"), "warning"),
            None => ("", ""),
        };
        table.rows.push(vec![
            Cell::text(t.line(&b.line)),
            Cell::text(b.batch.clone()),
            Cell::int(b.past as i64),
            Cell::int(b.failures as i64),
            Cell::float(Some(1000.0 * b.failures as f64 / b.past as f64), 2),
            Cell::float(Some(x.expected), 1),
            Cell::num(x.p, format!("{:.1e}", x.p)),
            Cell::text(sev).with_class(class),
        ]);
    }
    Ok(table)
}

/// Every station's allowance (the export), the stations over or near it
/// (the page), and a one-line count.
fn allowance(src: &Sources, t: &Text) -> (Table, Table, String) {
    let a = &src.tables.parts_allowance;
    let keys = [
        "station",
        "year_start",
        "household_sales",
        "commercial_sales",
        "allowance",
        "parts_drawn",
        "parts_unattributed",
        "used_share",
        "over_amount",
        "priced_units_share",
    ];
    let mut all = Table::new("parts_allowance", t.get("allowance_heading"), headers(t, &keys));
    let mut watch = Table::new("allowance_watch", t.get("allowance_heading"), headers(t, &keys));
    watch.note = Some(t.get("allowance_note").into());
    let (station, start, used, priced) =
        (texts(a, "station_id"), texts(a, "year_start"), numbers(a, "used_share"), numbers(a, "priced_units_share"));
    let money: Vec<Vec<Option<i128>>> =
        ["household_sales", "commercial_sales", "allowance", "parts_drawn", "parts_unattributed", "over_amount"]
            .iter()
            .map(|c| cents(a, c))
            .collect();
    let near = src.config.agreement.near_share;
    let (mut over, mut close) = (0, 0);
    let mut rows: Vec<(f64, Vec<Cell>)> = Vec::new();
    for r in 0..a.height() {
        let share = used[r];
        let status = match (share, money[5][r]) {
            (_, Some(o)) if o > 0 => "bad",
            (Some(s), _) if s >= near => "warn",
            _ => "",
        };
        let row = vec![
            Cell::text(station[r].clone().unwrap_or_default()),
            Cell::text(start[r].clone().unwrap_or_default()),
            Cell::money(money[0][r]),
            Cell::money(money[1][r]),
            Cell::money(money[2][r]),
            Cell::money(money[3][r]),
            Cell::money(money[4][r]),
            Cell::pct(share).with_class(status),
            Cell::money(money[5][r]).with_class(status),
            Cell::pct(priced[r]),
        ];
        all.rows.push(row.clone());
        match status {
            "bad" => over += 1,
            "warn" => close += 1,
            _ => continue,
        }
        rows.push((share.unwrap_or(f64::INFINITY), row));
    }
    rows.sort_by(|x, y| y.0.total_cmp(&x.0));
    watch.rows = rows.into_iter().map(|r| r.1).collect();
    let summary = t
        .get("allowance_summary")
        .replace("{over}", &over.to_string())
        .replace("{near}", &close.to_string())
        .replace("{share}", &pct_text(near).replace(".0%", "%"));
    (watch, all, summary)
}

/// Stations whose old-part returns this month are below target.
fn old_parts(src: &Sources, t: &Text) -> Table {
    let a = &src.tables.parts_allowance;
    let target = src.config.agreement.old_part_target;
    let keys = ["station", "warranty_parts_shipped", "old_parts_returned", "old_parts_returned_share"];
    let mut table = Table::new("old_parts", t.get("old_parts_heading"), headers(t, &keys));
    table.note = Some(t.get("old_parts_note").replace("{target}", &pct_text(target).replace(".0%", "%")));
    let station = texts(a, "station_id");
    let (shipped, returned) = (ints(a, "warranty_parts_shipped"), ints(a, "old_parts_returned"));
    let (Ok(shipped), Ok(returned)) = (shipped, returned) else { return table };
    let share = numbers(a, "old_parts_returned_share");
    let mut rows: Vec<(f64, Vec<Cell>)> = Vec::new();
    for r in 0..a.height() {
        let Some(s) = share[r].filter(|s| *s < target) else { continue };
        rows.push((
            s,
            vec![
                Cell::text(station[r].clone().unwrap_or_default()),
                Cell::int(shipped.get(r).unwrap_or(0)),
                Cell::int(returned.get(r).unwrap_or(0)),
                Cell::pct(Some(s)).with_class("bad"),
            ],
        ));
    }
    rows.sort_by(|x, y| x.0.total_cmp(&y.0));
    table.rows = rows.into_iter().map(|r| r.1).collect();
    table
}
