//! `--station-reports`: each station gets its own rejects back as a
//! workbook, with reasons in Chinese, and no station id can place a file
//! outside the folder given.

use std::path::{Path, PathBuf};

use calamine::{Reader, Xlsx};

use crate::workdir::*;

const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/sample-data");

/// Every file under `dir`, relative to it.
fn files(dir: &Path) -> Vec<PathBuf> {
    fn walk(base: &Path, d: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                out.push(p.strip_prefix(base).unwrap().to_path_buf());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// The problem rows of a station workbook: (file, line, column, value, reason, what to do).
fn problems(path: &Path) -> Vec<(String, u64, String, String, String, String)> {
    let mut wb: Xlsx<_> = calamine::open_workbook(path).unwrap();
    let range = wb.worksheet_range_at(0).unwrap().unwrap();
    let mut file = String::new();
    let mut out = Vec::new();
    for row in range.rows().skip(3) {
        let cell = |i: usize| row.get(i).map(|c| c.to_string()).unwrap_or_default();
        if let Some(f) = cell(0).strip_prefix("文件 ") {
            file = f.split('（').next().unwrap().to_string();
        } else if let Ok(line) = cell(0).parse::<f64>() {
            out.push((file.clone(), line as u64, cell(1), cell(2), cell(4), cell(5)));
        }
    }
    out
}

#[test]
fn the_sample_bad_rows_go_back_to_their_stations() {
    let w = Workdir::new();
    let run = w.qfb(&["validate", SAMPLE, "--station-reports", "back"]).expect(1);
    // The reject list validate prints: `MONTH/FILE:LINE ...`.
    let mut listed: Vec<(String, String, u64)> = run
        .stdout()
        .lines()
        .filter_map(|l| {
            let (place, _) = l.split_once(' ')?;
            let (path, line) = place.trim_end_matches(':').rsplit_once(':')?;
            let (month, file) = path.split_once('/')?;
            Some((month.to_string(), file.to_string(), line.parse().ok()?))
        })
        .collect();
    listed.sort();
    assert_eq!(listed.len(), 18, "{}", run.stdout());
    // Every workbook row is one of them, and each of them is in exactly one workbook.
    let mut found = Vec::new();
    for f in files(&w.path("back")) {
        let month = f.components().next().unwrap().as_os_str().to_string_lossy().into_owned();
        assert!(qfb::month::is_month(&month), "{}", f.display());
        for p in problems(&w.path("back").join(&f)) {
            found.push((month.clone(), p.0, p.1));
        }
    }
    found.sort();
    assert_eq!(found, listed);
    assert!(
        !w.path("back/2025-04/_unknown.xlsx").exists(),
        "a visit of a rejected repair goes to the repair's station"
    );

    // Reasons in Chinese with what to do, the value as sent.
    let station = |month: &str, id: &str| problems(&w.path(&format!("back/{month}/{id}.xlsx")));
    let flux = files(&w.path("back/2025-06"))
        .into_iter()
        .flat_map(|f| problems(&w.path("back/2025-06").join(f)))
        .find(|p| p.3 == "flux_capacitor")
        .unwrap();
    assert_eq!(
        (flux.0.as_str(), flux.2.as_str(), flux.4.as_str(), flux.5.as_str()),
        ("repairs.csv", "故障部件", "「故障部件」的值 flux_capacitor 不在代码表中", "从模板的下拉列表中选择")
    );
    let st005 = station("2025-04", "ST005");
    assert_eq!(st005.len(), 2, "{st005:?}");
    assert_eq!(st005[0].4, "「报修时间」的值 2026-02-30 10:00 无法识别");
    assert_eq!(st005[1].4, "「满意度」的值 7 超出允许范围（该行已导入，此项已置空）");

    // Ingest writes the same workbooks.
    w.qfb(&["ingest", "--input", SAMPLE, "--lake", "lake", "--station-reports", "again"]).expect(0);
    assert_eq!(files(&w.path("again")), files(&w.path("back")));
}

#[test]
fn a_station_id_never_becomes_a_path_outside_the_folder() {
    let w = Workdir::new();
    let header = "repair_id,serial,station_id,reported_at,component,cause\n";
    let mut csv = header.to_string();
    for (i, id) in ["../x", "a/b", "c\\d", "..", "ST001", "CON"].iter().enumerate() {
        csv.push_str(&format!("R{i},SN1,\"{id}\",2026-09-01 10:00,compressor,gremlins\n"));
    }
    // A row whose station cannot be told: the station_id cell is empty.
    csv.push_str("R9,SN1,,2026-09-01 10:00,compressor,quality\n");
    w.write("in/2026-09/repairs.csv", csv);
    w.qfb(&["validate", "in", "--station-reports", "out/back"]).expect(1);
    let written = files(&w.path("out"));
    let names: Vec<String> = written.iter().map(|p| p.to_string_lossy().replace('\\', "/")).collect();
    assert_eq!(names.iter().filter(|n| n.starts_with("back/2026-09/_unknown/station-")).count(), 5, "{names:?}");
    assert!(names.contains(&"back/2026-09/ST001.xlsx".to_string()), "{names:?}");
    assert!(names.contains(&"back/2026-09/_unknown.xlsx".to_string()), "{names:?}");
    assert_eq!(names.len(), 7, "{names:?}");
    // Nothing beside the folder: the work folder holds only the input and out/.
    let top: Vec<String> =
        std::fs::read_dir(w.path("")).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    let mut top = top;
    top.sort();
    assert_eq!(top, ["in", "out"]);
    // The unsafe id's workbook says why it is there.
    let unsafe_book = written.iter().find(|p| p.to_string_lossy().contains("station-")).unwrap();
    let mut wb: Xlsx<_> = calamine::open_workbook(w.path("out").join(unsafe_book)).unwrap();
    let title = wb.worksheet_range_at(0).unwrap().unwrap().get((0, 0)).unwrap().to_string();
    assert!(title.contains("不是规范代码"), "{title}");
}

#[test]
fn the_data_quality_page_ranks_stations_links_workbooks_and_sorts_forms() {
    let w = Workdir::new();
    w.qfb(&["run", "--input", SAMPLE, "--out", "out", "--station-reports", "back"]).expect(0);
    let dir = "out/reports/2026-09";
    let page = std::fs::read_to_string(w.path(&format!("{dir}/data-quality.html"))).unwrap();
    // ST053 sent 92 rows in the 2026-10 load (tests/reference/station_rows.py
    // counts them from the CSV), none rejected, one field nulled; its name
    // links to its workbook, relative to the page.
    let csv = std::fs::read_to_string(w.path(&format!("{dir}/station_rejects.csv"))).unwrap();
    assert_eq!(
        csv,
        "\u{feff}Load month,Station,Rows sent,Rejected,Share rejected,Fields nulled\n2026-10,ST053,92,0,0,1\n"
    );
    let link = "../../../back/2026-10/ST053.xlsx";
    assert!(page.contains(&format!("<a href=\"{}\">ST053</a>", link.replace('/', "&#x2f;"))), "{page}");
    assert!(w.path(dir).join(link).is_file());

    // Form reconciliation: the largest difference first, 40 on the page,
    // every pair in the CSV, with the station's count of disagreeing pairs.
    let forms = std::fs::read_to_string(w.path(&format!("{dir}/form_reconciliation.csv"))).unwrap();
    let rows: Vec<Vec<String>> = forms.lines().skip(1).map(|l| l.split(',').map(String::from).collect()).collect();
    assert_eq!(rows.len(), 50);
    let gaps: Vec<i64> = rows.iter().map(|r| r[4].parse().unwrap()).collect();
    assert!(gaps.windows(2).all(|p| p[0] >= p[1]), "{gaps:?}");
    for r in &rows {
        let at_station = rows.iter().filter(|x| x[0] == r[0]).count();
        assert_eq!(r[5], at_station.to_string(), "{r:?}");
    }
    let section = &page[page.find("id=\"form_reconciliation\"").unwrap()..];
    let section = &section[..section.find("</section>").unwrap()];
    assert_eq!(section.matches("<tr><td>").count(), 40);
    assert!(section.contains("(40 / 50)"));
}

#[test]
fn a_lake_without_rejects_says_so_instead_of_charting_zero() {
    let w = Workdir::new();
    w.qfb(&["generate", "--out", "in", "--units", "2000", "--months", "3", "--utf8-only"]).expect(0);
    w.qfb(&["run", "--input", "in", "--out", "out"]).expect(0);
    let month = std::fs::read_dir(w.path("out/reports")).unwrap().next().unwrap().unwrap().path();
    let page = std::fs::read_to_string(month.join("data-quality.html")).unwrap();
    assert!(page.contains("No rejects: every row of every load was loaded whole."));
    assert!(!month.join("loads.png").exists() && !page.contains("loads.png"));
}

#[test]
fn the_workbooks_never_go_inside_the_drops() {
    let w = Workdir::new();
    w.write(
        "in/2026-09/repairs.csv",
        "repair_id,serial,station_id,reported_at,component,cause\nR1,SN1,ST001,2026-09-01 10:00,compressor,gremlins\n",
    );
    for args in [
        vec!["validate", "in", "--station-reports", "in"],
        vec!["ingest", "--input", "in", "--lake", "lake", "--station-reports", "in/back"],
    ] {
        let run = w.qfb(&args).expect(2);
        assert!(run.stderr().contains("is inside the input folder"), "{}", run.stderr());
    }
    assert!(w.path("in/2026-09/repairs.csv").is_file());
    // A re-run replaces the month's workbooks and nothing else there.
    w.write("back/2026-09/notes.txt", "the department's own notes");
    w.qfb(&["validate", "in", "--station-reports", "back"]).expect(1);
    w.qfb(&["validate", "in", "--station-reports", "back"]).expect(1);
    assert_eq!(files(&w.path("back")), [PathBuf::from("2026-09/ST001.xlsx"), PathBuf::from("2026-09/notes.txt")]);
}

/// Bad input: a station id of phone shape. It names no file, and neither
/// the workbooks nor the data-quality page and its export show it in full.
#[test]
fn a_station_id_that_is_a_phone_number_is_never_shown_in_full() {
    let w = Workdir::new();
    for e in std::fs::read_dir(SAMPLE).unwrap().flatten().filter(|e| e.path().is_dir()) {
        let d = w.path("in").join(e.file_name());
        std::fs::create_dir_all(&d).unwrap();
        for f in std::fs::read_dir(e.path()).unwrap().flatten() {
            std::fs::copy(f.path(), d.join(f.file_name())).unwrap();
        }
    }
    let repairs = w.path("in/2026-10/repairs.csv");
    let text = std::fs::read_to_string(&repairs).unwrap();
    let extra = "R999999002,SN000000001,13812345678,2026-10-15 10:00,,,,compressor,,gremlins,false,0.00,0.00,,\n";
    std::fs::write(&repairs, format!("{text}{extra}")).unwrap();
    w.qfb(&["run", "--input", "in", "--out", "out", "--station-reports", "back"]).expect(0);

    let names: Vec<String> = files(&w.path("back")).iter().map(|p| p.to_string_lossy().into_owned()).collect();
    assert!(names.iter().all(|n| !n.contains("13812345678")), "{names:?}");
    let hashed: Vec<&String> = names.iter().filter(|n| n.starts_with("2026-10/_unknown/station-")).collect();
    assert_eq!(hashed.len(), 1, "{names:?}");
    let mut wb: Xlsx<_> = calamine::open_workbook(w.path("back").join(hashed[0])).unwrap();
    let cells: Vec<String> =
        wb.worksheet_range_at(0).unwrap().unwrap().rows().flat_map(|r| r.iter().map(|c| c.to_string())).collect();
    assert!(cells[0].contains("138****5678"), "{:?}", cells[0]);
    assert!(cells.iter().all(|c| !c.contains("13812345678")), "{cells:?}");
    for f in ["data-quality.html", "station_rejects.csv", "reject_reasons.csv"] {
        let text = std::fs::read_to_string(w.path(&format!("out/reports/2026-09/{f}"))).unwrap();
        assert!(!text.contains("13812345678"), "{f}");
        if f != "reject_reasons.csv" {
            assert!(text.contains("138****5678"), "{f}: the station is listed, masked");
        }
    }
}
