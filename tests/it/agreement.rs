//! The dealer agreement end to end on the sample: its planted 三包 cases,
//! early-failing batch and over-drawn station come out in the three tables,
//! the `early_failure` alert and the pages, in both languages.

use std::fs::File;

use polars::prelude::*;

use crate::workdir::*;

const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/sample-data");

fn table(w: &Workdir, name: &str) -> DataFrame {
    let path = w.path(&format!("out/metrics/month=2026-09/{name}.parquet"));
    ParquetReader::new(File::open(path).unwrap()).finish().unwrap()
}

fn page(w: &Workdir, name: &str) -> String {
    std::fs::read_to_string(w.path(&format!("out/reports/2026-09/{name}"))).unwrap()
}

#[test]
fn the_sample_has_its_planted_agreement_cases() {
    let w = Workdir::new();
    w.qfb(&["run", "--input", SAMPLE, "--out", "out"]).expect(0);

    // The four planted units of 2026-09 (`qfb generate --plant-agreement`):
    // a compressor on day 2, a condenser on day 10, a motor on days 3 and
    // 12, a compressor on days 3 and 16 (the second outside both windows).
    let s = table(&w, "sanbao");
    let got: Vec<(String, String, String, String, i64)> = (0..s.height())
        .map(|i| {
            let t = |c: &str| texts(&s, c)[i].clone().unwrap();
            (t("serial"), t("rule"), t("component"), t("repair_ids"), ints(&s, "days_in_service")[i].unwrap())
        })
        .collect();
    let ids: Vec<&str> = got.iter().map(|g| g.3.as_str()).collect();
    let rules: Vec<(&str, &str, &str, i64)> =
        got.iter().map(|g| (g.0.as_str(), g.1.as_str(), g.2.as_str(), g.4)).collect();
    assert_eq!(
        rules,
        [
            ("SN800000005", "return_7d", "compressor", 2),
            ("SN800000005", "exchange_15d", "compressor", 2),
            ("SN800000006", "exchange_15d", "condenser", 10),
            ("SN800000007", "exchange_repeat_15d", "motor", 12),
            ("SN800000008", "return_7d", "compressor", 3),
            ("SN800000008", "exchange_15d", "compressor", 3),
        ]
    );
    assert_eq!(ids[3].split(',').count(), 2, "both motor repairs: {ids:?}");
    assert_eq!(ids[4].split(',').count(), 1, "the day-16 repair is in neither window: {ids:?}");
    assert_eq!(texts(&s, "station_id"), some(&["ST002", "ST002", "ST003", "ST004", "ST005", "ST005"]));

    // The early-failing batch: 1,500 units, all past 15 days by the end of
    // September, 46 with a failure in their first 15 days.
    let e = table(&w, "early_failures");
    let row = strs(&e, "production_batch").iter().position(|b| b.as_deref() == Some("H2604-9001")).unwrap();
    assert_eq!((ints(&e, "units_past_15d")[row], ints(&e, "early_failures")[row]), (Some(1500), Some(46)));

    // ST012 orders two compressors a month with no repair behind them:
    // 9 × 2 × 880.00 unattributed. Allowance: 1.5% of 252,610.00 household
    // plus 1% of 125,160.00 commercial = 3,789.15 + 1,251.60.
    let a = table(&w, "parts_allowance");
    let row = strs(&a, "station_id").iter().position(|b| b.as_deref() == Some("ST012")).unwrap();
    let money = |c: &str| texts(&a, c)[row].clone().unwrap();
    assert_eq!(
        [money("household_sales"), money("commercial_sales"), money("allowance"), money("parts_unattributed")],
        ["252610.00", "125160.00", "5040.75", "15840.00"]
    );
    assert_eq!((money("parts_drawn"), money("over_amount")), ("19240.00".into(), "14199.25".into()));
    assert_eq!(money("year_start"), "2026-01");

    // The alert, ranked after the batch failure.
    let alerts: serde_json::Value =
        serde_json::from_slice(&std::fs::read(w.path("out/alerts/month=2026-09/alerts.json")).unwrap()).unwrap();
    let kinds: Vec<(&str, &str)> = alerts
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["kind"] != "major_issue")
        .take(2)
        .map(|a| (a["kind"].as_str().unwrap(), a["production_batch"].as_str().unwrap_or("")))
        .collect();
    assert_eq!(kinds, [("batch_failure", "H2509-0016"), ("early_failure", "H2604-9001")]);

    // The pages and the exports.
    let index = page(&w, "index.html");
    assert!(index.contains("6 cases (Return, failure within 7 days 2, Exchange, failure within 15 days 3, Exchange, repaired twice within 15 days 1)"), "{index}");
    assert!(index.contains("Stations over their parts allowance: 1; at or above 90% of it: 0."));
    let components = page(&w, "components.html");
    let early = &components[components.find("id=\"early_failures\"").unwrap()..];
    assert!(early.find("H2604-9001").unwrap() < early.find("</tr>\n      <tr>").unwrap_or(usize::MAX), "ranked first");
    let quality = page(&w, "data-quality.html");
    for s in ["SN800000005", "SN800000008", "Old parts returned", "ST034"] {
        assert!(quality.contains(s), "{s}");
    }
    for f in ["sanbao", "early_failures", "parts_allowance", "allowance_watch", "old_parts"] {
        assert!(w.path(&format!("out/reports/2026-09/{f}.csv")).is_file(), "{f}");
    }

    w.qfb(&["report", "--lake", "out/lake", "--out", "out", "--lang", "zh"]).expect(0);
    let index = page(&w, "index.html");
    assert!(index.contains("服务协议执行") && index.contains("超出配件支持额度的网点：1 个"), "{index}");
    let components = page(&w, "components.html");
    assert!(components.contains("各批次早期故障"));
    let quality = page(&w, "data-quality.html");
    assert!(quality.contains("本月三包退换机案例") && quality.contains("15日内维修两次换机"));
}
