//! The data-quality page: loads and rejects, reference findings, form
//! reconciliation, the claim audit and the load manifest.

use super::*;

/// Examples shown per reject reason.
const EXAMPLES: usize = 3;

/// A reject's value shown as an example. The validator stores personal
/// values masked; phone-like numbers in any other column are masked here
/// too, because loads made before the validator did so are in the lake.
fn shown_value(value: &str) -> String {
    crate::text::shown(value, 200)
}

/// The data-quality page.

pub fn quality(src: &Sources, t: &Text) -> Result<Quality> {
    let (audit, recoverable) = audit(src, t);
    Ok(Quality {
        load_chart: load_chart(src, t)?,
        stations: stations(src, t),
        loads: loads(src, t),
        rejects: rejects(src, t),
        findings: findings(src, t),
        forms: forms(src, t),
        audit,
        recoverable,
        manifest: manifest(src, t),
    })
}

/// Stations by rows rejected in the loads of M and M+1, with the share of
/// their rows, linked to their workbooks when `--station-reports` wrote
/// them.
fn stations(src: &Sources, t: &Text) -> Table {
    let s = src.station_rejects;
    let headers = ["load_month", "station", "rows_sent", "rows_rejected", "rejected_share", "fields_nulled"];
    let mut table = Table::new(
        "station_rejects",
        t.get("station_rejects_heading"),
        headers.iter().map(|h| t.get(h).into()).collect(),
    )
    .limit(30);
    table.note = Some(t.get("station_rejects_note").into());
    let (load, station) = (texts(s, "load_month"), texts(s, "station_id"));
    let (sent, rejected, nulled, share) = (
        numbers(s, "rows_sent"),
        numbers(s, "rows_rejected"),
        numbers(s, "fields_nulled"),
        numbers(s, "rejected_share"),
    );
    for r in 0..s.height() {
        let load = load[r].clone().unwrap_or_default();
        let name = station[r].clone().unwrap_or_else(|| t.get("station_unknown").to_string());
        let mut cell = Cell::text(name.clone());
        if let Some(href) = station[r].as_ref().and_then(|id| src.station_links.get(&(load.clone(), id.clone()))) {
            cell = cell.with_href(href.clone());
        }
        let n = |v: Option<f64>| Cell::int(v.unwrap_or(0.0) as i64);
        table.rows.push(vec![
            Cell::text(load),
            cell,
            n(sent[r]),
            n(rejected[r]).with_class(if rejected[r].unwrap_or(0.0) > 0.0 { "bad" } else { "" }),
            Cell::pct(share[r]),
            n(nulled[r]),
        ]);
    }
    table
}

/// Rows per file of the loads M and M+1 (section `load`).
fn loads(src: &Sources, t: &Text) -> Table {
    let dq = &src.tables.data_quality;
    let (sec, tbl, item, count, detail) =
        (texts(dq, "section"), texts(dq, "table"), texts(dq, "item"), numbers(dq, "count"), texts(dq, "detail"));
    let mut per_file: BTreeMap<(String, String), [i64; 4]> = BTreeMap::new();
    for r in 0..dq.height() {
        if sec[r].as_deref() != Some("load") {
            continue;
        }
        let file = detail[r].clone().unwrap_or_default();
        let slot = match item[r].as_deref() {
            Some("rows_read") => 0,
            Some("rows_loaded") => 1,
            Some("rows_rejected") => 2,
            Some("fields_nulled") => 3,
            _ => continue,
        };
        per_file.entry((file, tbl[r].clone().unwrap_or_default())).or_default()[slot] += count[r].unwrap_or(0.0) as i64;
    }
    let headers = ["file", "table", "rows_read", "rows_loaded", "rows_rejected", "fields_nulled"];
    let mut loads = Table::new("loads", t.get("loads_heading"), headers.iter().map(|h| t.get(h).into()).collect());
    for ((file, table), n) in per_file {
        loads.rows.push(vec![
            Cell::text(file),
            Cell::text(table),
            Cell::int(n[0]),
            Cell::int(n[1]),
            Cell::int(n[2]).with_class(if n[2] > 0 { "bad" } else { "" }),
            Cell::int(n[3]).with_class(if n[3] > 0 { "bad" } else { "" }),
        ]);
    }
    loads
}

/// Reject reasons over every load, most frequent first, with examples.
fn rejects(src: &Sources, t: &Text) -> Table {
    let rj = src.rejects;
    let (lm, rt, rf, rl, rc, rv, rr, rn) = (
        texts(rj, "load_month"),
        texts(rj, "table"),
        texts(rj, "source_file"),
        numbers(rj, "line"),
        texts(rj, "column"),
        texts(rj, "value"),
        texts(rj, "rule"),
        texts(rj, "reason"),
    );
    let mut reasons: BTreeMap<(String, String, String), (i64, Vec<String>)> = BTreeMap::new();
    for r in 0..rj.height() {
        let column = rc[r].clone().unwrap_or_default();
        let key = (rt[r].clone().unwrap_or_default(), column.clone(), rr[r].clone().unwrap_or_default());
        let entry = reasons.entry(key).or_default();
        entry.0 += 1;
        if entry.1.len() < EXAMPLES {
            entry.1.push(format!(
                "{} {}:{} `{}`: {}",
                lm[r].clone().unwrap_or_default(),
                rf[r].clone().unwrap_or_default(),
                rl[r].map(|l| l as i64).unwrap_or(0),
                shown_value(rv[r].as_deref().unwrap_or("")),
                crate::text::shown(rn[r].as_deref().unwrap_or(""), 200),
            ));
        }
    }
    let mut reasons: Vec<_> = reasons.into_iter().collect();
    reasons.sort_by(|a, b| b.1 .0.cmp(&a.1 .0).then(a.0.cmp(&b.0)));
    let headers = ["table", "column", "rule", "count", "examples"];
    let mut rejects =
        Table::new("reject_reasons", t.get("rejects_heading"), headers.iter().map(|h| t.get(h).into()).collect())
            .limit(20);
    for ((table, column, rule), (n, examples)) in reasons {
        rejects.rows.push(vec![
            Cell::text(table),
            Cell::text(column),
            Cell::text(rule),
            Cell::int(n),
            Cell::text(examples.join("\n")).with_class("pre"),
        ]);
    }
    rejects
}

/// Every other finding of data_quality.
fn findings(src: &Sources, t: &Text) -> Table {
    let dq = &src.tables.data_quality;
    let (sec, tbl, item, count, detail) =
        (texts(dq, "section"), texts(dq, "table"), texts(dq, "item"), numbers(dq, "count"), texts(dq, "detail"));
    let headers = ["section", "table", "item", "count", "detail"];
    let mut findings =
        Table::new("findings", t.get("findings_heading"), headers.iter().map(|h| t.get(h).into()).collect()).limit(50);
    for r in 0..dq.height() {
        let section = sec[r].clone().unwrap_or_default();
        if section == "load" || section == "reject_reason" {
            continue;
        }
        let label = t.words().get(&format!("section_{section}")).cloned().unwrap_or(section);
        findings.rows.push(vec![
            Cell::text(label),
            Cell::text(tbl[r].clone().unwrap_or_default()),
            Cell::text(item[r].clone().unwrap_or_default()),
            Cell::int(count[r].unwrap_or(0.0) as i64),
            Cell::text(crate::text::shown(detail[r].as_deref().unwrap_or(""), 200)),
        ]);
    }
    findings
}

/// Rows of the form reconciliation the page shows (the CSV has them all).
const FORMS_SHOWN: usize = 40;

/// Feedback-form reconciliation, worst first: by the size of the mismatch
/// between the form's count and the recorded quality repairs (no form
/// counts as 0 reported), with how many components disagree at the
/// station.
fn forms(src: &Sources, t: &Text) -> Table {
    let fr = &src.tables.form_reconciliation;
    let headers = ["station", "component", "reported", "recorded", "difference", "station_disagreeing"];
    let mut forms =
        Table::new("form_reconciliation", t.get("forms_heading"), headers.iter().map(|h| t.get(h).into()).collect())
            .limit(FORMS_SHOWN);
    forms.note = Some(t.get("forms_note").replace("{n}", &FORMS_SHOWN.to_string()));
    let (fs, fc, frep, frec) =
        (texts(fr, "station_id"), texts(fr, "component"), numbers(fr, "reported"), numbers(fr, "recorded"));
    let mut per_station: BTreeMap<String, i64> = BTreeMap::new();
    for s in fs.iter().flatten() {
        *per_station.entry(s.clone()).or_default() += 1;
    }
    let mut rows: Vec<(i64, String, String, Option<i64>, i64)> = (0..fr.height())
        .map(|r| {
            let (rep, rec) = (frep[r].map(|v| v as i64), frec[r].unwrap_or(0.0) as i64);
            let station = fs[r].clone().unwrap_or_default();
            let component = fc[r].clone().unwrap_or_default();
            ((rep.unwrap_or(0) - rec).abs(), station, component, rep, rec)
        })
        .collect();
    rows.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| (&a.1, &a.2).cmp(&(&b.1, &b.2))));
    for (gap, station, component, rep, rec) in rows {
        forms.rows.push(vec![
            Cell::text(station.clone()),
            Cell::text(t.component(&component)),
            match rep {
                Some(v) => Cell::int(v),
                None => Cell::text(t.get("no_form")).with_class("bad"),
            },
            Cell::int(rec),
            Cell::int(gap),
            Cell::int(per_station.get(&station).copied().unwrap_or(0)),
        ]);
    }
    forms
}

/// The claim audit, and what it could recover, summed in cents.
fn audit(src: &Sources, t: &Text) -> (Table, String) {
    let ca = &src.tables.claim_audit;
    let headers =
        ["repair_id", "station", "serial", "component", "cause", "reported_at", "reason", "labor_cost", "parts_cost"];
    let mut audit =
        Table::new("claim_audit", t.get("audit_heading"), headers.iter().map(|h| t.get(h).into()).collect()).limit(50);
    let (labor, parts) = (cents(ca, "labor_cost"), cents(ca, "parts_cost"));
    let (cid, cst, cse, cco, ccause, cat, creason) = (
        texts(ca, "repair_id"),
        texts(ca, "station_id"),
        texts(ca, "serial"),
        texts(ca, "component"),
        texts(ca, "cause"),
        texts(ca, "reported_at"),
        texts(ca, "reason"),
    );
    let mut recoverable: i128 = 0;
    for r in 0..ca.height() {
        let (l, p) = (labor[r].unwrap_or(0), parts[r].unwrap_or(0));
        recoverable += l + p;
        let reason = creason[r].clone().unwrap_or_default();
        audit.rows.push(vec![
            Cell::text(cid[r].clone().unwrap_or_default()),
            Cell::text(cst[r].clone().unwrap_or_default()),
            Cell::text(cse[r].clone().unwrap_or_default()),
            Cell::text(t.component(cco[r].as_deref().unwrap_or(""))),
            Cell::text(t.cause(ccause[r].as_deref().unwrap_or(""))),
            Cell::text(cat[r].clone().unwrap_or_default().chars().take(16).collect::<String>()),
            Cell::text(t.words().get(&format!("reason_{reason}")).cloned().unwrap_or(reason)),
            Cell::money(Some(l)),
            Cell::money(Some(p)),
        ]);
    }
    (audit, money_text(recoverable))
}

/// Rejects and nulled fields per load, over every load of the lake; none
/// when no load had any (the page says "no rejects" instead of drawing an
/// empty axis).
fn load_chart(src: &Sources, t: &Text) -> Result<Option<Chart>> {
    let load_months: Vec<String> = src.manifests.iter().map(|m| m.load_month.clone()).collect();
    let per_load = |f: fn(&crate::lake::manifest::ManifestFile) -> u64| -> Vec<Option<f64>> {
        src.manifests.iter().map(|m| Some(m.files.iter().map(f).sum::<u64>() as f64)).collect()
    };
    let (rejected, nulled) = (per_load(|f| f.rows_rejected), per_load(|f| f.fields_nulled));
    if rejected.iter().chain(&nulled).all(|v| *v == Some(0.0)) {
        return Ok(None);
    }
    let spec = LineChart {
        title: t.get("rejects_trend").into(),
        x_label: t.get("load_month").into(),
        y_label: t.get("rows").into(),
        categories: load_months.clone(),
        lines: vec![
            Line {
                name: t.get("rows_rejected").into(),
                values: rejected.clone(),
                color: ALARM,
                dashed: false,
                dots: true,
            },
            Line {
                name: t.get("fields_nulled").into(),
                values: nulled.clone(),
                color: PALETTE[0],
                dashed: false,
                dots: true,
            },
        ],
        reference: None,
        percent: false,
        rings: Vec::new(),
        ring_label: String::new(),
        counts: true,
    };
    let total = |v: &[Option<f64>]| v.iter().flatten().sum::<f64>();
    let alt = format!(
        "{}: {} – {}, {} {:.0}, {} {:.0}",
        t.get("rejects_trend"),
        load_months.first().cloned().unwrap_or_default(),
        load_months.last().cloned().unwrap_or_default(),
        t.get("rows_rejected"),
        total(&rejected),
        t.get("fields_nulled"),
        total(&nulled)
    );
    Ok(Some(Chart::line("loads.png".into(), alt, &spec, (720, 280))?))
}

/// The load manifest.
fn manifest(src: &Sources, t: &Text) -> Table {
    let headers =
        ["load_month", "loaded_at", "file", "table", "encoding", "bytes", "rows_read", "rows_rejected", "sha256"];
    let mut manifest =
        Table::new("manifest", t.get("manifest_heading"), headers.iter().map(|h| t.get(h).into()).collect());
    for m in src.manifests.iter().rev() {
        for f in &m.files {
            manifest.rows.push(vec![
                Cell::text(m.load_month.clone()),
                Cell::text(m.loaded_at.clone()),
                Cell::text(f.name.clone()),
                Cell::text(f.table.clone().unwrap_or_default()),
                Cell::text(f.encoding.clone()),
                Cell::int(f.bytes as i64),
                Cell::int(f.rows_read as i64),
                Cell::int(f.rows_rejected as i64).with_class(if f.rows_rejected > 0 { "bad" } else { "" }),
                Cell::text(f.sha256.clone()).with_class("hash"),
            ]);
        }
    }
    manifest = manifest.limit(60);
    manifest
}
