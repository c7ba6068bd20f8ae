//! The report of `qfb run` / `qfb report` on the bundled sample: the three
//! pages with their charts and exports, the planted batch, KPI misses and
//! bad rows on them, Chinese, escaping, masking, formula neutralisation,
//! determinism, and a real browser loading the pages from file://.

use std::collections::BTreeSet;
use std::path::Path;

use crate::workdir::*;

const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/sample-data");
const MONTH_DIR: &str = "out/reports/2026-09";

fn read(w: &Workdir, rel: &str) -> String {
    std::fs::read_to_string(w.path(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// Attribute values `attr="…"` in an HTML page.
fn attrs(html: &str, attr: &str) -> Vec<String> {
    let key = format!("{attr}=\"");
    html.match_indices(&key)
        .map(|(i, _)| {
            let rest = &html[i + key.len()..];
            rest[..rest.find('"').unwrap()].to_string()
        })
        .collect()
}

/// Width and height from a PNG header.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "a PNG");
    let be = |i: usize| u32::from_be_bytes(bytes[i..i + 4].try_into().unwrap());
    (be(16), be(20))
}

/// A copy of the sample with a hostile feedback-form line and a repair
/// whose fault code is a formula, both in report month 2026-09.
fn hostile_sample(w: &Workdir) -> String {
    let copy = |from: &Path, to: &Path| {
        for e in std::fs::read_dir(from).unwrap().flatten().filter(|e| e.path().is_dir()) {
            let d = to.join(e.file_name());
            std::fs::create_dir_all(&d).unwrap();
            for f in std::fs::read_dir(e.path()).unwrap().flatten() {
                std::fs::copy(f.path(), d.join(f.file_name())).unwrap();
            }
        }
    };
    let root = w.path("in");
    copy(Path::new(SAMPLE), &root);
    let repairs = root.join("2026-09/repairs.csv");
    let text = std::fs::read_to_string(&repairs).unwrap();
    // A household unit with a quality repair this month: in warranty.
    let serial =
        text.lines().find(|l| l.contains(",quality,") && l.contains(",SN")).unwrap().split(',').nth(1).unwrap();
    let extra = format!(
        "R999999001,{serial},ST001,2026-09-15 10:00,2026-09-15 12:00,,2026-09-16 10:00,compressor,=SUM(1+1),quality,false,0.00,0.00,\"<script>alert('repair')</script>\",13812345678\n"
    );
    std::fs::write(&repairs, format!("{text}{extra}")).unwrap();
    let forms = root.join("2026-10/feedback_forms.csv");
    let text = std::fs::read_to_string(&forms).unwrap();
    let extra = "F-XSS-202609,1,ST001,2026-09,2026-10-05,<b>M1</b>,compressor,,1,true,\"<script>alert('form')</script>\",\"=HYPERLINK(\"\"http://evil\"\")\"\n";
    std::fs::write(&forms, format!("{text}{extra}")).unwrap();
    "in".into()
}

#[test]
fn the_sample_report_has_its_pages_charts_and_exports() {
    let w = Workdir::new();
    let run = w.qfb(&["run", "--input", SAMPLE, "--out", "out"]).expect(0);
    assert!(run.stdout().contains("report written to out/reports/2026-09/index.html"), "{}", run.stdout());

    let index = read(&w, &format!("{MONTH_DIR}/index.html"));
    let components = read(&w, &format!("{MONTH_DIR}/components.html"));
    let quality = read(&w, &format!("{MONTH_DIR}/data-quality.html"));
    for (name, html) in [("index", &index), ("components", &components), ("data-quality", &quality)] {
        // Self-contained: no script, nothing fetched from elsewhere.
        assert!(!html.contains("<script"), "{name}");
        assert!(!html.contains("http://") && !html.contains("https://"), "{name}");
        // Every image exists beside the page, is a PNG of its declared size, and has alt text.
        let srcs = attrs(html, "src");
        assert!(!srcs.is_empty(), "{name} has charts");
        assert_eq!(attrs(html, "alt").len(), srcs.len(), "{name}: alt on every image");
        assert!(attrs(html, "alt").iter().all(|a| a.len() > 10), "{name}");
        let (widths, heights) = (attrs(html, "width"), attrs(html, "height"));
        for (i, src) in srcs.iter().enumerate() {
            assert!(!src.contains('/') && src.ends_with(".png"), "{src}");
            let bytes = std::fs::read(w.path(&format!("{MONTH_DIR}/{src}"))).unwrap();
            assert_eq!(png_size(&bytes), (widths[i].parse().unwrap(), heights[i].parse().unwrap()), "{src}");
        }
        // Every download link exists.
        for href in attrs(html, "href").iter().filter(|h| h.ends_with(".csv") || h.ends_with(".xlsx")) {
            assert!(w.path(&format!("{MONTH_DIR}/{href}")).is_file(), "{name}: {href}");
        }
        // The footer: month, final, version, run time, inputs.
        assert!(html.contains("<dd>2026-09 (final)</dd>"), "{name}");
        assert!(html.contains(&format!("<dd>{}</dd>", env!("CARGO_PKG_VERSION"))), "{name}");
        assert!(html.contains("24 loads (2024-11 … 2026-10), 143 files"), "{name}");
    }
    // Seven KPI charts and tiles; five KPIs missed in 2026-09 (kpis.parquet:
    // parts_on_time 121/127 and parts_accuracy 122/124 met their targets).
    assert_eq!(attrs(&index, "src").iter().filter(|s| s.starts_with("kpi-")).count(), 7);
    assert_eq!(index.matches("<div class=\"tile missed\">").count(), 5);
    assert_eq!(index.matches("<div class=\"tile met\">").count(), 2);
    assert!(index.contains("<div class=\"value\">93.3%</div>"), "response_24h 235/252");
    assert!(index.contains("235 &#x2f; 252"), "numerator / denominator, escaped");
    // The planted batch: the first alert after the major issues, and the
    // first batch of the engineering page, with its curve.
    assert!(index.contains("H2509-0016"));
    assert!(index.find("Batch H2509-0016").unwrap() > index.rfind("Major quality issue").unwrap());
    let first_batch = components.find("<td>H2509-0016</td>").unwrap();
    assert!(components.find("<td>H2501-0011</td>").unwrap() > first_batch);
    assert!(components.contains("alt=\"H2509-0016 &#x2f; Compressor &#x2f; Household: Observed 95,"));
    // Life data (issue #13): both tables with their columns, a Weibull
    // probability plot per key component, and the planted batch's
    // Kaplan–Meier curve dropping away from the rest of its line.
    let parquet = |t: &str| {
        let f = std::fs::File::open(w.path(&format!("out/life/month=2026-09/{t}.parquet"))).unwrap();
        use polars::prelude::SerReader;
        polars::prelude::ParquetReader::new(f).finish().unwrap()
    };
    let names =
        |df: &polars::prelude::DataFrame| df.get_column_names().iter().map(|c| c.to_string()).collect::<Vec<_>>();
    let weibull = parquet("weibull");
    assert_eq!(
        names(&weibull),
        [
            "month",
            "product_line",
            "component",
            "units",
            "failures",
            "beta",
            "beta_lower",
            "beta_upper",
            "eta_days",
            "eta_lower",
            "eta_upper",
            "b10_days",
            "reliability_at_warranty_end",
            "reliability_at_warranty_end_lower",
            "reliability_at_warranty_end_upper",
            "log_likelihood",
            "note",
            "provisional"
        ]
    );
    assert_eq!(weibull.height(), 4 * 9, "three lines and `all`, times nine components");
    let km = parquet("kaplan_meier");
    assert_eq!(
        names(&km),
        [
            "month",
            "product_line",
            "component",
            "day",
            "at_risk",
            "failures",
            "survival",
            "lower",
            "upper",
            "provisional"
        ]
    );
    for c in ["compressor", "four_way_valve", "evaporator", "motor", "controller"] {
        assert!(attrs(&components, "src").contains(&format!("life-{c}.png")), "{c}");
    }
    let alt = attrs(&components, "alt")
        .into_iter()
        .find(|a| a.starts_with("H2509-0016 &#x2f; Compressor &#x2f; Household: H2509-0016 "))
        .expect("the planted batch's curve");
    let shares: Vec<f64> = alt
        .split(' ')
        .filter_map(|word| word.trim_end_matches(',').strip_suffix('%'))
        .map(|v| v.parse().unwrap())
        .collect();
    assert!(alt.contains("Rest of the line"), "{alt}");
    assert!(shares[0] < shares[1] - 3.0, "the batch's survival falls well below the rest's: {alt}");
    assert!(components.contains("Early failures (β &lt; 1)"), "the table says what β means");
    // The warranty forecast (issue #14): its three tables with their
    // columns, the company rows for each of 12 months, the back-test of 6
    // months (3 lines and the company), and the pages' sections.
    let forecast = parquet("forecast");
    assert_eq!(
        names(&forecast),
        [
            "month",
            "forecast_month",
            "product_line",
            "component",
            "units_in_warranty",
            "claims_expected",
            "claims_lower",
            "claims_upper",
            "cost_expected",
            "cost_lower",
            "cost_upper",
            "new_sales_claims_expected",
            "provisional"
        ]
    );
    assert_eq!(forecast.height(), 12 * (3 * 9 + 1));
    let backtest = parquet("forecast_backtest");
    assert_eq!(backtest.height(), 6 * 4);
    assert_eq!(
        names(&parquet("nevada")),
        ["month", "product_line", "component", "sale_month", "claim_month", "units_sold", "claims", "provisional"]
    );
    assert!(index.contains("Warranty claims forecast") && index.contains("Next 12 months"));
    assert!(attrs(&index, "src").contains(&"forecast-outlook.png".to_string()));
    assert!(attrs(&index, "src").contains(&"forecast-backtest.png".to_string()));
    for c in ["compressor", "four_way_valve", "evaporator", "motor", "controller"] {
        assert!(attrs(&components, "src").contains(&format!("nevada-{c}.png")), "{c}");
    }
    for f in ["forecast", "nevada", "forecast_backtest", "forecast_key_components", "life_weibull", "life_kaplan_meier"]
    {
        assert!(w.path(&format!("{MONTH_DIR}/{f}.csv")).is_file(), "{f}");
    }
    // The planted bad rows, with their reasons.
    for bad in ["flux_capacitor", "gremlins", "2026-02-30", "carrier pigeon", "duplicate key, superseded by line 3"] {
        assert!(quality.contains(bad), "{bad}");
    }
    // The exports: every table as CSV, the workbook with three sheets.
    let csv = read(&w, &format!("{MONTH_DIR}/kpis.csv"));
    assert!(csv.starts_with("\u{feff}KPI,Value,Target,Met,Numerator,Denominator,vs last month (pts)\n"), "{csv}");
    assert!(csv.contains("\n24 h response,0.9325396825396826,≥ 100%,Missed,235,252,"), "{csv}");
    for f in ["alerts", "station_league", "failure_rates", "batches", "reject_reasons", "manifest", "claim_audit"] {
        assert!(w.path(&format!("{MONTH_DIR}/{f}.csv")).is_file(), "{f}");
    }
    // The 24-month rate charts end on the month's failure_rates: the same
    // failing units over the same unit-months (contract section 5).
    let rows = |f: &str| -> Vec<Vec<String>> {
        let bytes = std::fs::read(w.path(&format!("{MONTH_DIR}/{f}"))).unwrap();
        csv::Reader::from_reader(&bytes[3..]).records().map(|r| r.unwrap().iter().map(String::from).collect()).collect()
    };
    let rates = rows("failure_rates.csv");
    let points = rows("trend_points.csv");
    assert!(points.len() >= 10, "{points:?}");
    for p in &points {
        let r = rates.iter().find(|r| r[0] == p[0] && r[1] == p[1]).unwrap();
        let (a, b): (f64, f64) = (p[2].parse().unwrap(), r[4].parse().unwrap());
        assert!((a - b).abs() < 1e-6 * b, "exposure {p:?} vs {r:?}");
        assert_eq!(p[4], r[2], "failing units {p:?} vs {r:?}");
    }
    let household = points.iter().find(|p| p[0] == "Household" && p[1] == "Compressor").unwrap();
    // 24 from the fleet, and the two planted 三包 compressor units.
    assert_eq!(household[4], "26");
    use calamine::{DataType, Reader};
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(w.path(&format!("{MONTH_DIR}/kpis.xlsx"))).unwrap();
    assert_eq!(wb.sheet_names(), ["KPIs", "KPI history", "Stations"]);
    let stations = wb.worksheet_range("Stations").unwrap();
    // 60 stations, ranked by KPIs missed (descending).
    assert_eq!(stations.height(), 61);
    let missed: Vec<f64> = (1..61).map(|r| stations.get((r, 2)).unwrap().as_f64().unwrap()).collect();
    assert!(missed.windows(2).all(|p| p[0] >= p[1]), "{missed:?}");
}

#[test]
fn the_chinese_report_uses_the_contract_names() {
    let w = Workdir::new();
    w.qfb(&["run", "--input", SAMPLE, "--out", "out", "--lang", "zh"]).expect(0);
    let index = read(&w, &format!("{MONTH_DIR}/index.html"));
    let components = read(&w, &format!("{MONTH_DIR}/components.html"));
    assert!(index.contains("<html lang=\"zh-CN\">"));
    assert!(index.contains("保修索赔预测") && index.contains("未来12个月"));
    for word in [
        "管理摘要",
        "服务指标",
        "未达标",
        "满意度",
        "压缩机",
        "批次 H2509-0016（家用）压缩机故障 76 台，按机龄应为 7.6 台",
    ] {
        assert!(index.contains(word), "{word}");
    }
    assert!(components.contains("四通阀") && components.contains("每千台月故障台数"));
    for word in ["寿命数据", "威布尔概率图", "各产品系列与部件的威布尔拟合", "早期失效（β &lt; 1）", "同系列其他批次"]
    {
        assert!(components.contains(word), "{word}");
    }
    // The charts are drawn in Chinese: other bytes than the English ones.
    let zh = std::fs::read(w.path(&format!("{MONTH_DIR}/kpi-satisfaction.png"))).unwrap();
    w.qfb(&["report", "--lake", "out/lake", "--out", "out"]).expect(0);
    let en = std::fs::read(w.path(&format!("{MONTH_DIR}/kpi-satisfaction.png"))).unwrap();
    assert_ne!(zh, en);
    assert!(read(&w, &format!("{MONTH_DIR}/index.html")).contains("<html lang=\"en\">"));
}

#[test]
fn input_text_is_escaped_masked_and_neutralised() {
    let w = Workdir::new();
    let input = hostile_sample(&w);
    w.qfb(&["run", "--input", &input, "--out", "out"]).expect(0);
    let index = read(&w, &format!("{MONTH_DIR}/index.html"));
    let components = read(&w, &format!("{MONTH_DIR}/components.html"));
    // The form's script is text, its station's major issue is on the page.
    assert!(!index.contains("<script"));
    assert!(index.contains("&lt;script&gt;alert(&#x27;form&#x27;)&lt;&#x2f;script&gt;"), "escaped");
    assert!(index.contains("&lt;b&gt;M1&lt;&#x2f;b&gt;"));
    // The formula-like fault code shows as text on the page, and is
    // neutralised in its export.
    assert!(components.contains("<td>=SUM(1+1)</td>"));
    let codes = read(&w, &format!("{MONTH_DIR}/failures_by_fault_code.csv"));
    assert!(codes.contains("\n'=SUM(1+1),1,"), "{codes}");
    // No text cell of any export starts like a formula.
    let mut exports = 0;
    for (path, bytes) in w.snapshot(MONTH_DIR) {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        // No phone number of the drops appears in full anywhere.
        assert!(!text.contains("13812345678"), "{name}");
        if name.ends_with(".csv") {
            exports += 1;
            let mut r = csv::Reader::from_reader(bytes.as_slice());
            for rec in r.records() {
                for field in rec.unwrap().iter() {
                    if field.starts_with(['=', '+', '-', '@']) {
                        assert!(field.parse::<f64>().is_ok(), "{name}: `{field}` would run as a formula");
                    }
                }
            }
        }
    }
    assert!(exports >= 15, "{exports}");
    // Phones of the sample's repairs, in full, appear in no report file.
    let phones: BTreeSet<String> = std::fs::read_to_string(w.path("in/2026-09/repairs.csv"))
        .unwrap()
        .lines()
        .skip(1)
        .filter_map(|l| l.rsplit(',').next().filter(|p| p.len() >= 8).map(str::to_string))
        .collect();
    assert!(phones.len() > 100);
    for (path, bytes) in w.snapshot(MONTH_DIR) {
        let text = String::from_utf8_lossy(&bytes);
        assert!(phones.iter().all(|p| !text.contains(p.as_str())), "{}", path.display());
    }
}

#[test]
fn the_same_inputs_give_the_same_report() {
    let w = Workdir::new();
    w.qfb(&["run", "--input", SAMPLE, "--out", "out"]).expect(0);
    let first = w.snapshot(MONTH_DIR);
    std::thread::sleep(std::time::Duration::from_millis(1100));
    w.qfb(&["report", "--lake", "out/lake", "--out", "out", "--month", "2026-09"]).expect(0);
    let second = w.snapshot(MONTH_DIR);
    assert_eq!(first.len(), second.len());
    assert!(first.len() >= 45, "{}", first.len());
    // Only the footer's run time differs.
    let strip = |bytes: &[u8]| {
        let text = String::from_utf8_lossy(bytes).into_owned();
        match text.find("<dt>Run at</dt><dd>") {
            Some(i) => {
                let end = text[i..].find("</dd>").unwrap() + i;
                format!("{}{}", &text[..i], &text[end..])
            }
            None => text,
        }
    };
    let mut differing = Vec::new();
    for ((pa, a), (pb, b)) in first.iter().zip(&second) {
        assert_eq!(pa, pb);
        if a != b {
            differing.push(pa.file_name().unwrap().to_string_lossy().into_owned());
            assert_eq!(strip(a), strip(b), "{}", pa.display());
        }
    }
    assert_eq!(differing, ["components.html", "data-quality.html", "index.html"]);
}

/// Loads each page in headless chromium through playwright-core (see
/// tests/browser/check.mjs). With CI=true it must run; elsewhere it skips,
/// saying so, when chromium or the node package is missing.
#[test]
fn the_pages_load_in_a_real_browser() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    let have =
        Path::new("/usr/bin/chromium").exists() && root.join("tests/browser/node_modules/playwright-core").exists();
    if !have {
        assert!(!ci, "CI=true but chromium or tests/browser/node_modules is missing (.ci/run installs them)");
        eprintln!("SKIPPED the_pages_load_in_a_real_browser: install chromium and run `npm ci --prefix tests/browser`");
        return;
    }
    let w = Workdir::new();
    w.qfb(&["run", "--input", SAMPLE, "--out", "en"]).expect(0);
    w.qfb(&["report", "--lake", "en/lake", "--out", "zh", "--lang", "zh"]).expect(0);
    let shots = root.join("tests/browser/screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let mut pages = Vec::new();
    for lang in ["en", "zh"] {
        // Screenshots are named after the folder: rename it per language.
        let dir = w.path(&format!("{lang}/reports/{lang}-2026-09"));
        std::fs::rename(w.path(&format!("{lang}/reports/2026-09")), &dir).unwrap();
        for page in ["index.html", "components.html", "data-quality.html"] {
            pages.push(dir.join(page).to_string_lossy().into_owned());
        }
    }
    let out = std::process::Command::new("node")
        .arg(root.join("tests/browser/check.mjs"))
        .arg(&shots)
        .args(&pages)
        .output()
        .expect("run node");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let results: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(results.len(), 6);
    for r in &results {
        let page = r["page"].as_str().unwrap();
        let images = r["images"].as_array().unwrap();
        assert!(!images.is_empty(), "{page}: {images:?}");
        for img in images {
            assert!(img["complete"].as_bool().unwrap() && img["width"].as_u64().unwrap() > 0, "{page}: {img}");
            assert!(img["alt"].as_str().is_some_and(|a| !a.is_empty()), "{page}: {img}");
        }
        assert_eq!(r["errors"].as_array().unwrap().len(), 0, "{page}: {}", r["errors"]);
        for url in r["requests"].as_array().unwrap() {
            assert!(url.as_str().unwrap().starts_with("file://"), "{page}: {url}");
        }
        assert!(Path::new(r["screenshot"].as_str().unwrap()).is_file());
    }
}
