//! `qfb alerts` and the alert stage of `qfb run`: the planted batch of the
//! sample is caught and nothing else is critical, major issues and KPI
//! breaches come out as the contract says, and `--fail-on` sets exit 3.

use crate::workdir::*;

fn alerts(w: &Workdir, month: &str) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(w.path(&format!("out/alerts/month={month}/alerts.json"))).unwrap();
    serde_json::from_str(&text).unwrap()
}

#[test]
fn the_planted_batch_is_critical_and_alone() {
    let w = Workdir::new();
    let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/sample-data");
    w.qfb(&["run", "--input", sample, "--out", "out", "--fail-on", "critical"]).expect(3);
    let all = alerts(&w, "2026-09");
    // The planted batch is the only critical batch alert; warnings may
    // name genuinely worse batches (truth.json: H2501-0011's motor factor
    // is 1.62).
    let batch: Vec<_> = all.iter().filter(|a| a["kind"] == "batch_failure" && a["severity"] == "critical").collect();
    assert_eq!(batch.len(), 1, "{batch:#?}");
    let a = batch[0];
    assert_eq!(a["severity"], "critical");
    assert_eq!(a["production_batch"], "H2509-0016");
    assert_eq!(a["component"], "compressor");
    assert_eq!(a["product_line"], "household");
    assert_eq!(a["id"], "2026-09/batch_failure/household/H2509-0016/compressor/-/-");
    assert_eq!(a["batch_units"], 2000);
    assert!(a["observed"].as_f64().unwrap() > 5.0 * a["expected"].as_f64().unwrap());
    assert!(["poisson_exact", "poisson_lognormal"].contains(&a["statistic"].as_str().unwrap()));
    // Every field of contract section 6 is present, null where it does not apply.
    for f in [
        "id",
        "kind",
        "severity",
        "month",
        "provisional",
        "component",
        "production_batch",
        "product_line",
        "station_id",
        "kpi",
        "observed",
        "expected",
        "statistic",
        "p_value",
        "rule",
        "batch_units",
        "units_affected",
        "message",
    ] {
        assert!(a.get(f).is_some(), "{f}");
    }
    assert!(a["station_id"].is_null());
    // Ranked: critical before warning, major issues first among criticals.
    let sev: Vec<&str> = all.iter().map(|a| a["severity"].as_str().unwrap()).collect();
    assert!(sev.windows(2).all(|p| !(p[0] == "warning" && p[1] == "critical")), "{sev:?}");
    // The same month and data give the same file.
    let before = std::fs::read(w.path("out/alerts/month=2026-09/alerts.json")).unwrap();
    w.qfb(&["alerts", "--lake", "out/lake", "--out", "out"]).expect(0);
    assert!(
        std::fs::read(w.path("out/alerts/month=2026-09/alerts.json")).unwrap() == before,
        "alerts.json changed between runs"
    );
    w.qfb(&["alerts", "--lake", "out/lake", "--out", "out", "--fail-on", "warning"]).expect(3);
}

#[test]
fn major_issues_and_kpi_breaches() {
    let w = Workdir::new();
    let units = "serial,model,product_line,production_batch,production_date,sale_date,station_id\nU1,M,household,B1,2026-01-01,2026-02-01,S1\n";
    let mut repairs = String::from("repair_id,serial,station_id,reported_at,responded_at,component,cause\n");
    // S1: 25 repairs in September, 5 answered after 24 h: a breach of the
    // 100% target with far more than 20 events. S2: 2 repairs, 1 late: too
    // few events to judge a station.
    for i in 0..25 {
        let late = if i < 5 { "2026-09-12 09:00" } else { "2026-09-10 10:00" };
        repairs.push_str(&format!("R{i},U1,S1,2026-09-10 08:00,{late},other,installation\n"));
    }
    repairs.push_str("Q1,U1,S2,2026-09-10 08:00,2026-09-12 09:00,other,installation\nQ2,U1,S2,2026-09-10 08:00,2026-09-10 09:00,other,installation\n");
    w.write("in/2026-09/units.csv", units);
    w.write("in/2026-09/repairs.csv", repairs);
    w.write("in/2026-09/stations.csv", "station_id,name,region,active\nS1,One,East,true\nS2,Two,East,true\n");
    w.write(
        "in/2026-10/feedback_forms.csv",
        "form_id,line_no,station_id,report_month,submitted_at,model,component,quantity,major_issue,suggestion\nF1,1,S1,2026-09,2026-10-05,KFR-35W,compressor,4,是,Stop lot B1\nF1,2,S1,2026-09,2026-10-05,KFR-35W,motor,1,否,\n",
    );
    w.ingest().expect(0);
    let run = w.qfb(&["alerts", "--lake", "lake", "--out", "out", "--month", "2026-09"]).expect(0);
    let all = alerts(&w, "2026-09");
    let major: Vec<_> = all.iter().filter(|a| a["kind"] == "major_issue").collect();
    assert_eq!(major.len(), 1);
    assert_eq!(
        (major[0]["severity"].as_str(), major[0]["station_id"].as_str(), major[0]["component"].as_str()),
        (Some("critical"), Some("S1"), Some("compressor"))
    );
    assert_eq!(major[0]["observed"], 4.0);
    assert!(major[0]["message"].as_str().unwrap().contains("Stop lot B1"));
    assert!(major[0]["details"].as_str().unwrap().contains("model: KFR-35W"));
    let station: Vec<_> = all.iter().filter(|a| a["kind"] == "kpi_breach" && !a["station_id"].is_null()).collect();
    assert_eq!(station.len(), 1, "{station:#?}");
    assert_eq!((station[0]["station_id"].as_str(), station[0]["kpi"].as_str()), (Some("S1"), Some("response_24h")));
    assert_eq!(station[0]["severity"], "warning");
    assert_eq!(station[0]["statistic"], "binomial");
    let company: Vec<_> = all
        .iter()
        .filter(|a| a["kind"] == "kpi_breach" && a["station_id"].is_null())
        .map(|a| a["kpi"].as_str().unwrap())
        .collect();
    assert!(company.contains(&"response_24h"), "{company:?}");
    // The major issue ranks first.
    assert_eq!(all[0]["kind"], "major_issue");
    assert!(run.stdout().contains("CRITICAL major_issue"), "{}", run.stdout());
}
