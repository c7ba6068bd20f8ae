//! Issue #10: the data-loss and crash defects an adversarial run found.
//! Each test is named after what it guards and reproduces its case. The
//! single-drop cases are rows of one table (`Case`): the files of drop
//! 2026-10, what ingest must answer, and the rejects it must record; a new
//! bad input is one more `Case`.

use std::process::{Command, Stdio};

use crate::workdir::*;

const REPAIRS: &str =
    "repair_id,serial,station_id,reported_at,responded_at,component,cause,labor_cost,parts_cost,description\n";

/// One bad input and what must come of it.
#[derive(Default)]
pub(crate) struct Case {
    /// Files of drop `in/2026-10/`.
    pub(crate) files: Vec<(String, Vec<u8>)>,
    /// A `qfb.toml` for the run.
    pub(crate) config: Option<&'static str>,
    pub(crate) exit: i32,
    /// Text stderr must hold.
    pub(crate) stderr: Option<&'static str>,
    /// (file, rows read, loaded, rejected) from the manifest.
    pub(crate) counts: Option<(&'static str, u64, u64, u64)>,
    /// (line, rule) of every reject, in order.
    pub(crate) rejects: Option<Vec<(i64, &'static str)>>,
    /// Text the first reject's reason must hold.
    pub(crate) reason: Option<&'static str>,
}

impl Case {
    pub(crate) fn file(mut self, name: &str, bytes: impl Into<Vec<u8>>) -> Case {
        self.files.push((name.to_string(), bytes.into()));
        self
    }

    /// Ingest the case, check it, and hand back the folder for more.
    pub(crate) fn check(self) -> Workdir {
        let w = Workdir::new();
        for (name, bytes) in &self.files {
            w.write(&format!("in/2026-10/{name}"), bytes);
        }
        if let Some(c) = self.config {
            w.write("qfb.toml", c);
        }
        let run = w.ingest().expect(self.exit);
        if let Some(s) = self.stderr {
            assert!(run.stderr().contains(s), "stderr lacks {s:?}:\n{}", run.stderr());
        }
        if let Some((file, read, loaded, rejected)) = self.counts {
            let m = w.manifest("2026-10");
            let f = m["files"].as_array().unwrap().iter().find(|f| f["name"] == file).cloned().unwrap();
            let n = |k: &str| f[k].as_u64().unwrap();
            assert_eq!((n("rows_read"), n("rows_loaded"), n("rows_rejected")), (read, loaded, rejected), "{f}");
        }
        if let Some(want) = &self.rejects {
            let got: Vec<(i64, String)> = w.rejects().into_iter().map(|r| (r.1, r.3)).collect();
            let want: Vec<(i64, String)> = want.iter().map(|(l, r)| (*l, r.to_string())).collect();
            assert_eq!(got, want);
        }
        if let Some(reason) = self.reason {
            let first = w.rejects().into_iter().next().expect("a reject").5;
            assert!(first.contains(reason), "reason {first:?} lacks {reason:?}");
        }
        w
    }
}

/// 30 repairs, row i (1-based) on line i + 1, with `desc(i)` as description.
fn repairs(desc: impl Fn(usize) -> String) -> String {
    let mut s = String::from(REPAIRS);
    for i in 1..=30 {
        s.push_str(&format!("R{i},S1,ST1,2026-10-01 08:00,,motor,quality,,,{}\n", desc(i)));
    }
    s
}

fn lines(from: i64, to: i64, rule: &'static str) -> Vec<(i64, &'static str)> {
    (from..=to).map(|l| (l, rule)).collect()
}

// ---- 2. A stray quote -------------------------------------------------

#[test]
fn stray_quote_is_reported() {
    let text = repairs(|i| match i {
        6 => "\"Compressor noisy, see note".into(),
        16 => "done\" ok".into(),
        _ => format!("d{i}"),
    });
    let w = Case {
        counts: Some(("repairs.csv", 30, 19, 11)),
        rejects: Some(lines(7, 17, "malformed_quote")),
        reason: Some("quoted field opened on line 7 closes on line 17 with text after the quote"),
        ..Case::default()
    }
    .file("repairs.csv", text.clone())
    .check();
    // Each swallowed record is named by its key, for the station to resend.
    let keys: Vec<String> = w.rejects().iter().map(|r| r.0.clone()).collect();
    assert_eq!(keys.len(), 11);
    let df = w.table("repairs");
    assert_eq!(df.height(), 19);
    assert!(strs(&df, "description").iter().all(|d| d.as_deref().is_some_and(|d| d.len() < 5)));
    // validate says so too.
    let run = w.qfb(&["validate", "in/2026-10"]).expect(1);
    assert!(run.stdout().contains("repairs.csv:7: quoted field opened on line 7"), "{}", run.stdout());
}

#[test]
fn quoted_field_swallowing_records_is_reported() {
    let text = repairs(|i| match i {
        6 => "\"Compressor noisy".into(),
        16 => "done\"".into(),
        _ => format!("d{i}"),
    });
    Case {
        counts: Some(("repairs.csv", 30, 19, 11)),
        rejects: Some(lines(7, 17, "malformed_quote")),
        reason: Some("quoted field opened on line 7 closes on line 17 and holds 9 lines that read as whole records"),
        ..Case::default()
    }
    .file("repairs.csv", text)
    .check();
}

#[test]
fn unclosed_quote_rejects_every_line_to_the_end() {
    let text = repairs(|i| if i == 28 { "\"never closed".into() } else { format!("d{i}") });
    Case {
        counts: Some(("repairs.csv", 30, 27, 3)),
        rejects: Some(lines(29, 31, "truncated")),
        reason: Some("quoted field opened on line 29 never closes"),
        ..Case::default()
    }
    .file("repairs.csv", text)
    .check();
}

// ---- 10. Line endings -----------------------------------------------------

#[test]
fn lone_carriage_returns_give_physical_line_numbers() {
    let row = |id: &str, cause: &str| format!("{id},S1,ST1,2026-10-01 08:00,,motor,{cause},,,x");
    // Lines: header 1 (ends \r), R1 2 (\r), R2 3 (\r\n), R3 4 (\n), R4 5 (\r).
    let text = format!(
        "{}\r{}\r{}\r\n{}\n{}\r",
        REPAIRS.trim_end(),
        row("R1", "quality"),
        row("R2", "quality"),
        row("R3", "gremlins"),
        row("R4", "quality")
    );
    let w = Case { rejects: Some(vec![(4, "unknown_code")]), ..Case::default() }.file("repairs.csv", text).check();
    assert_eq!(ints(&w.table("repairs"), "source_line"), [Some(2), Some(3), Some(5)]);
}

// ---- 12. A repeated header ---------------------------------------------------

#[test]
fn repeated_header_row_is_rejected() {
    let header = "station_id,name,region,active\n";
    let w = Case {
        counts: Some(("stations.csv", 3, 2, 1)),
        rejects: Some(vec![(3, "repeated_header")]),
        reason: Some("the line repeats the header"),
        ..Case::default()
    }
    .file("stations.csv", format!("{header}ST1,One,North,yes\n STATION_ID ,Name,region,ACTIVE\nST2,Two,South,yes\n"))
    .check();
    assert_eq!(strs(&w.table("stations"), "station_id"), some(&["ST1", "ST2"]));
}

// ---- 1. Shrinking reloads ----------------------------------------------------

fn three_repairs() -> String {
    let mut s = String::from(REPAIRS);
    for i in 1..=3 {
        s.push_str(&format!("R{i},S1,ST1,2026-10-01 08:00,,motor,quality,,,\n"));
    }
    s
}

#[test]
fn emptied_drop_is_refused() {
    let w = Workdir::new();
    w.write("in/2026-10/repairs.csv", three_repairs());
    w.write("in/2026-10/stations.csv", "station_id,name,region\nST1,One,North\n");
    w.ingest().expect(0);
    let before = w.snapshot("lake");
    for f in ["repairs.csv", "stations.csv"] {
        std::fs::remove_file(w.path(&format!("in/2026-10/{f}"))).unwrap();
    }
    let err = w.ingest().expect(1).stderr();
    assert!(err.contains("refusing to reload drop 2026-10"), "{err}");
    assert!(err.contains("`stations`: 1 rows before, 0 after"), "{err}");
    assert!(err.contains("`repairs`: 3 rows before, 0 after"), "{err}");
    assert!(err.contains("--allow-shrink"), "{err}");
    assert_eq!(w.snapshot("lake"), before, "the lake changed");
}

#[test]
fn shrinking_reload_is_refused_unless_allowed() {
    let w = Workdir::new();
    w.write("in/2026-10/repairs.csv", three_repairs());
    w.ingest().expect(0);
    w.write("in/2026-10/repairs.csv", format!("{REPAIRS}R1,S1,ST1,2026-10-01 08:00,,motor,quality,,,\n"));
    let err = w.ingest().expect(1).stderr();
    assert!(err.contains("`repairs`: 3 rows before, 1 after"), "{err}");
    assert_eq!(w.table("repairs").height(), 3);
    // On purpose: the flag lets it through.
    w.qfb(&["ingest", "--input", "in", "--lake", "lake", "--allow-shrink"]).expect(0);
    assert_eq!(strs(&w.table("repairs"), "repair_id"), some(&["R1"]));
    // A growing reload needs no flag.
    w.write("in/2026-10/repairs.csv", three_repairs());
    w.ingest().expect(0);
    assert_eq!(w.table("repairs").height(), 3);
}

// ---- 4. Readers during a commit ------------------------------------------------

#[test]
fn superseded_store_files_outlive_their_readers_grace() {
    let w = Workdir::new();
    w.write("in/2026-10/repairs.csv", three_repairs());
    w.ingest().expect(0);
    // A reader has read the committed manifest...
    let old = w.lake().manifests().unwrap();
    // ...when a corrected drop is committed.
    w.write("in/2026-10/repairs.csv", three_repairs().replace(",motor,", ",compressor,"));
    w.ingest().expect(0);
    for p in &old[0].partitions {
        let path = w.path(&format!("lake/{}", p.store));
        assert!(path.exists(), "{} was deleted under a reader", p.store);
    }
    // It can still read the load it started on.
    let store = &old[0].partition("repairs").unwrap().store;
    let df = polars::prelude::ParquetReader::new(std::fs::File::open(w.path(&format!("lake/{store}"))).unwrap());
    use polars::prelude::SerReader;
    assert_eq!(strs(&df.finish().unwrap(), "component"), some(&["motor", "motor", "motor"]));
    // Past the grace period, the next writer deletes them.
    let stamp = w.path(&format!("lake/{}", store.replace(".parquet", ".superseded")));
    let f = std::fs::File::options().write(true).open(&stamp).unwrap();
    f.set_modified(std::time::SystemTime::now() - std::time::Duration::from_secs(7200)).unwrap();
    w.ingest().expect(0);
    assert!(!w.path(&format!("lake/{store}")).exists());
    assert!(!stamp.exists());
    assert_eq!(strs(&w.table("repairs"), "component"), some(&["compressor", "compressor", "compressor"]));
}

// ---- 11. Leftovers ---------------------------------------------------------------

#[test]
fn leftovers_of_dead_runs_are_removed() {
    let w = Workdir::new();
    let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/sample-data");
    // What a killed run (pid 4194303, not running) left behind.
    let dead = [
        "lake/_manifests/.2026-10.json.4194303.tmp",
        "lake/repairs/load_month=2026-10/.part-0.parquet.4194303.tmp",
        "out/metrics/month=2026-09/.kpis.parquet.4194303.tmp",
        "out/alerts/month=2026-09/.alerts.json.4194303.tmp",
        "out/reports/.2026-09.new-4194303/index.html",
        "out/reports/.2026-09.old-4194303/index.html",
    ];
    for f in dead {
        w.write(f, "half");
    }
    // One of a live process (this test's) stays.
    let live = format!("out/reports/.2026-09.new-{}/index.html", std::process::id());
    w.write(&live, "in progress");
    w.qfb(&["ingest", "--input", sample, "--lake", "lake"]).expect(0);
    w.qfb(&["report", "--lake", "lake", "--out", "out", "--month", "2026-09"]).expect(0);
    for f in dead {
        let top = if f.contains(".new-") || f.contains(".old-") { f.rsplit_once('/').unwrap().0 } else { f };
        assert!(!w.path(top).exists(), "{top} survived");
    }
    assert!(w.path(&live).exists());
}

// ---- 13. Names that are not UTF-8 ------------------------------------------------

#[test]
fn non_utf8_names_are_refused() {
    use std::os::unix::ffi::OsStrExt;
    let w = Workdir::new();
    w.write("in/2026-10/units.csv", "");
    let bad = std::ffi::OsStr::from_bytes(b"rep\xff.csv");
    std::fs::write(w.path("in/2026-10").join(bad), three_repairs()).unwrap();
    let err = w.ingest().expect(1).stderr();
    assert!(err.contains("the name is not valid UTF-8"), "{err}");
    assert!(!w.path("lake/_manifests").exists());
    let lake = std::ffi::OsStr::from_bytes(b"lake\xfe");
    let out = Command::new(env!("CARGO_BIN_EXE_qfb"))
        .args(["ingest", "--input", "in", "--lake"])
        .arg(lake)
        .current_dir(w.dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
}

// ---- 5, 8. The generator --------------------------------------------------------

#[test]
fn generate_refuses_a_folder_it_did_not_write() {
    let w = Workdir::new();
    w.write("mine/2026-10/repairs.csv", "precious");
    let err = w.qfb(&["generate", "--out", "mine", "--units", "300", "--months", "2"]).expect(1).stderr();
    assert!(err.contains("is not empty and was not written by `qfb generate`"), "{err}");
    assert_eq!(std::fs::read_to_string(w.path("mine/2026-10/repairs.csv")).unwrap(), "precious");
    // Its own output it replaces; --force takes any folder.
    w.qfb(&["generate", "--out", "gen", "--units", "300", "--months", "2"]).expect(0);
    w.qfb(&["generate", "--out", "gen", "--units", "300", "--months", "2", "--seed", "2"]).expect(0);
    w.qfb(&["generate", "--out", "mine", "--units", "300", "--months", "2", "--force"]).expect(0);
    assert!(w.path("mine/.qfb-generate").exists());
}

#[test]
fn generate_takes_short_multibyte_and_single_codes() {
    // A 2-byte code, a code whose third byte is inside a character, and
    // one-entry lists.
    for code in ["ab", "a泵"] {
        let w = Workdir::new();
        w.write(
            "qfb.toml",
            format!(
                "components = [{{ code = \"{code}\", zh = \"水泵\", main = true }}]\n\
                 product_lines = [{{ code = \"hp\", zh = \"热泵\", main_months = 12, unit_months = 12 }}]\n\
                 channels = [{{ code = \"tel\", zh = \"电话\" }}]\n"
            ),
        );
        let run = w.qfb(&["generate", "--out", "gen", "--units", "500", "--months", "3", "--bad-rows"]).expect(0);
        assert!(!run.stderr().contains("panicked"), "{}", run.stderr());
        w.qfb(&["ingest", "--input", "gen", "--lake", "lake"]).expect(0);
    }
}

// ---- 9. A closed pipe ----------------------------------------------------------

#[test]
fn closed_pipe_keeps_the_exit_status() {
    let w = Workdir::new();
    let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/sample-data");
    let mut child = Command::new(env!("CARGO_BIN_EXE_qfb"))
        .args(["run", "--input", sample, "--out", "out", "--fail-on", "warning"])
        .current_dir(w.dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // `| head -0`: the reader is gone before the job prints.
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

// ---- 14. Command-line edges ------------------------------------------------------

#[test]
fn month_ranges_and_report_months_are_checked() {
    let w = Workdir::new();
    let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/sample-data");
    w.qfb(&["ingest", "--input", sample, "--lake", "lake"]).expect(0);
    let metrics = |extra: &[&str]| {
        let mut args = vec!["metrics", "--lake", "lake", "--out", "out"];
        args.extend_from_slice(extra);
        w.qfb(&args)
    };
    let err = metrics(&["--months", "2026-09..2025-01"]).expect(2).stderr();
    assert!(err.contains("runs backwards"), "{err}");
    let err = metrics(&["--month", "2026-13"]).expect(2).stderr();
    assert!(err.contains("`2026-13` is not a month"), "{err}");
    let out = metrics(&["--months", "2026-09"]).expect(0).stdout();
    assert_eq!(out.lines().filter(|l| l.starts_with("metrics for")).count(), 1, "{out}");
    let run = metrics(&["--months", "2000-01..2099-12"]).expect(0);
    let stdout = run.stdout();
    let months: Vec<&str> = stdout.lines().filter_map(|l| l.strip_prefix("metrics for ")).map(|l| &l[..7]).collect();
    assert_eq!((months.first().copied(), months.last().copied(), months.len()), (Some("2024-11"), Some("2026-10"), 24));
    assert!(run.stderr().contains("computing 2024-11..2026-10"), "{}", run.stderr());
    let err = w.qfb(&["report", "--lake", "lake", "--out", "out", "--month", "2020-01"]).expect(2).stderr();
    assert!(err.contains("report month 2020-01 is before the lake's first load (2024-11)"), "{err}");
}

// ---- 15, 16, 17. What leaves the lake ------------------------------------------------

/// Sample-data plus a drop-10 file of forms and one of repairs carrying
/// phones, a 2 MB description and the largest amounts; run once for the
/// tests below.
fn extras() -> &'static Workdir {
    static RUN: std::sync::OnceLock<Workdir> = std::sync::OnceLock::new();
    RUN.get_or_init(|| {
        let w = Workdir::new();
        let sample = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data");
        for m in std::fs::read_dir(&sample).unwrap().flatten().filter(|e| e.path().is_dir()) {
            for f in std::fs::read_dir(m.path()).unwrap().flatten() {
                let rel = format!("in/{}/{}", m.file_name().to_string_lossy(), f.file_name().to_string_lossy());
                w.write(&rel, std::fs::read(f.path()).unwrap());
            }
        }
        let big = "长".repeat(700_000);
        w.write(
            "in/2026-10/extra_forms.csv",
            format!(
                "form_id,line_no,station_id,report_month,submitted_at,component,quantity,major_issue,description,suggestion\n\
                 FX1,1,ST001,2026-09,2026-10-05,compressor,3,true,\"客户13800138000说压缩机异响, call +86 138-0013-8000\",\"ring (138) 0013 8000 or 010-62345678\"\n\
                 FX1,2,ST001,2026-09,2026-10-05,motor,1,true,{big},\n"
            ),
        );
        w.write(
            "in/2026-10/extra_repairs.csv",
            "repair_id,serial,station_id,reported_at,component,cause,warranty_claim,labor_cost,parts_cost\n\
             RX1,NOSUCH1,ST001,2026-09-10 08:00,13800138000,quality,true,1,1\n\
             RX2,NOSUCH1,ST001,2026-09-10 08:00,motor,quality,true,9999999999999999.99,9999999999999999.99\n\
             RX3,NOSUCH2,ST001,2026-09-11 08:00,motor,quality,true,0.01,0\n",
        );
        w.qfb(&["run", "--input", "in", "--lake", "lake", "--out", "out", "--month", "2026-09"]).expect(0);
        w
    })
}

/// Every file of the run's outputs (not the lake), as text.
fn outputs(w: &Workdir) -> Vec<(std::path::PathBuf, String)> {
    ["out/alerts", "out/reports"]
        .iter()
        .flat_map(|d| w.snapshot(d))
        .filter(|(p, _)| !p.extension().is_some_and(|e| e == "png" || e == "xlsx"))
        .map(|(p, b)| (p, String::from_utf8_lossy(&b).into_owned()))
        .collect()
}

#[test]
fn phones_in_free_text_are_masked_everywhere() {
    let w = extras();
    let all = outputs(w);
    for (path, text) in &all {
        for digits in ["13800138000", "138-0013-8000", "(138) 0013 8000", "0013 8000", "62345678"] {
            assert!(!text.contains(digits), "{} shows {digits}", path.display());
        }
    }
    let alerts = std::fs::read_to_string(w.path("out/alerts/month=2026-09/alerts.json")).unwrap();
    assert!(alerts.contains("客户138****8000说压缩机异响, call 138****8000"), "the form's text is kept, masked");
    assert!(alerts.contains("ring 138****8000 or 010****5678"));
    // The phone typed into a code column: masked in the lake's reject.
    let reject = w.rejects().into_iter().find(|r| r.0 == "extra_repairs.csv").expect("RX1 rejected");
    assert_eq!((reject.1, reject.3.as_str()), (2, "unknown_code"));
    assert!(reject.5.starts_with("`138****8000` is not a known `component` code"), "{}", reject.5);
}

#[test]
fn long_free_text_is_cut_in_pages_and_alerts() {
    let w = extras();
    let size = |p: &str| std::fs::metadata(w.path(p)).unwrap().len();
    assert!(
        size("out/reports/2026-09/index.html") < 1_000_000,
        "index.html: {} bytes",
        size("out/reports/2026-09/index.html")
    );
    assert!(size("out/alerts/month=2026-09/alerts.json") < 100_000);
    let alerts = std::fs::read_to_string(w.path("out/alerts/month=2026-09/alerts.json")).unwrap();
    assert!(alerts.contains(&format!("{}…[+699500 chars]", "长".repeat(500))), "cut with a marker");
    let csv = std::fs::read_to_string(w.path("out/reports/2026-09/alerts.csv")).unwrap();
    assert!(csv.len() < 300_000, "alerts.csv: {} bytes", csv.len());
}

#[test]
fn money_is_shown_from_the_decimal() {
    let w = extras();
    let audit = std::fs::read_to_string(w.path("out/reports/2026-09/claim_audit.csv")).unwrap();
    assert!(audit.contains(",9999999999999999.99,9999999999999999.99\n"), "{audit}");
    assert!(audit.contains(",0.01,0.00\n"), "{audit}");
    // The total recoverable, summed here in integer cents from the export.
    let cents = |t: &str| -> i128 {
        let (y, c) = t.split_once('.').unwrap();
        y.parse::<i128>().unwrap() * 100 + c.parse::<i128>().unwrap()
    };
    let total: i128 = audit.lines().skip(1).map(|l| l.rsplit(',').take(2).map(cents).sum::<i128>()).sum();
    assert!(total > 1_999_999_999_999_999_998);
    let want = format!("{}.{:02}", total / 100, total % 100);
    let quality = std::fs::read_to_string(w.path("out/reports/2026-09/data-quality.html")).unwrap();
    assert!(quality.contains(&want), "the page shows the exact total {want}");
    assert!(!quality.contains("0000000000000000.00") && !quality.contains("e+"), "no float rounding");
}
