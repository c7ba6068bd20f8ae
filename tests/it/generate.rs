//! `qfb generate`: deterministic output, the committed sample-data, and the
//! structure the later stages depend on.

use crate::workdir::*;

/// The command documented in sample-data/README.md.
const SAMPLE_ARGS: &[&str] =
    &["generate", "--seed", "2026", "--bad-rows", "--plant-batch", "compressor:10:0.7", "--plant-agreement"];

#[test]
fn sample_data_is_a_fresh_generation() {
    let w = Workdir::new();
    let mut args = SAMPLE_ARGS.to_vec();
    args.extend(["--out", "fresh"]);
    w.qfb(&args).expect(0);
    let committed = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data");
    let fresh = w.snapshot("fresh");
    let mut n = 0;
    for (path, bytes) in &fresh {
        let rel = path.strip_prefix(w.path("fresh")).unwrap();
        let theirs =
            std::fs::read(committed.join(rel)).unwrap_or_else(|_| panic!("{} is not committed", rel.display()));
        assert!(theirs == *bytes, "sample-data/{} differs from a fresh generation", rel.display());
        n += 1;
    }
    // 24 drops of 6 files (the first has no forms: forms for M come in M+1),
    // truth.json and the `.qfb-generate` marker.
    assert_eq!(n, 24 * 6 - 1 + 2);
}

#[test]
fn the_same_arguments_give_the_same_bytes_and_a_seed_changes_them() {
    let w = Workdir::new();
    let args = ["generate", "--units", "3000", "--months", "6", "--stations", "5", "--bad-rows"];
    w.qfb(&[&args[..], &["--out", "a"]].concat()).expect(0);
    w.qfb(&[&args[..], &["--out", "b"]].concat()).expect(0);
    w.qfb(&[&args[..], &["--out", "c", "--seed", "9"]].concat()).expect(0);
    let strip = |root: &str| -> Vec<_> {
        w.snapshot(root).into_iter().map(|(p, b)| (p.strip_prefix(w.path(root)).unwrap().to_path_buf(), b)).collect()
    };
    assert_eq!(strip("a"), strip("b"));
    assert_ne!(strip("a"), strip("c"));
}

#[test]
fn generated_drops_ingest_with_exactly_the_planted_bad_rows() {
    let w = Workdir::new();
    w.qfb(&["generate", "--out", "in", "--units", "20000", "--months", "12", "--stations", "10", "--bad-rows"])
        .expect(0);
    w.ingest().expect(0);
    let r = w.rejects();
    let rejected: Vec<_> = r.iter().filter(|x| x.4 == "row_rejected").map(|x| x.3.as_str()).collect();
    let nulled: Vec<_> = r.iter().filter(|x| x.4 == "field_nulled").map(|x| x.3.as_str()).collect();
    // Every planted kind, and nothing else: clean generated rows all load.
    let mut kinds = rejected.clone();
    kinds.sort();
    assert_eq!(
        kinds,
        [
            "duplicate_key",
            "duplicate_key",
            "field_count",
            "invalid_value",
            "invalid_value",
            "missing_required",
            "order",
            "order",
            "out_of_range",
            "unknown_code",
            "unknown_code",
            "unknown_code"
        ]
    );
    let mut kinds = nulled.clone();
    kinds.sort();
    assert_eq!(kinds, ["invalid_value", "invalid_value", "invalid_value", "order", "out_of_range", "out_of_range"]);
    // Repairs re-sent with their completion: the latest load has it.
    let repairs = w.table("repairs");
    let completed = texts(&repairs, "completed_at").iter().filter(|c| c.is_some()).count();
    assert!(completed * 10 > repairs.height() * 9, "{completed} of {}", repairs.height());
}

#[test]
fn without_utf8_only_the_drops_mix_formats_and_with_it_they_do_not() {
    let w = Workdir::new();
    w.qfb(&["generate", "--out", "mixed", "--units", "2000", "--months", "7", "--stations", "4"]).expect(0);
    assert!(w.path("mixed/2026-05/stations.xlsx").exists());
    assert!(w.path("mixed/2026-06/维修记录.csv").exists());
    let gbk = std::fs::read(w.path("mixed/2026-09/回访记录.csv")).unwrap();
    assert!(std::str::from_utf8(&gbk).is_err(), "the GB18030 file is not UTF-8");
    w.qfb(&["generate", "--out", "plain", "--units", "2000", "--months", "7", "--stations", "4", "--utf8-only"])
        .expect(0);
    for (p, b) in w.snapshot("plain") {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        assert!(name.ends_with(".csv") && name.is_ascii() || name == "truth.json" || name == ".qfb-generate", "{name}");
        assert!(std::str::from_utf8(&b).is_ok());
    }
}

#[test]
fn a_planted_batch_is_recorded_in_the_truth_file_and_fails_more() {
    let w = Workdir::new();
    w.qfb(&["generate", "--out", "in", "--units", "30000", "--plant-batch", "compressor:10:0.5", "--utf8-only"])
        .expect(0);
    let truth: serde_json::Value = serde_json::from_slice(&std::fs::read(w.path("in/truth.json")).unwrap()).unwrap();
    let planted = &truth["planted"][0];
    assert_eq!(planted["component"], "compressor");
    assert_eq!(planted["units"], 2000);
    let batch = planted["production_batch"].as_str().unwrap().to_string();
    // Count compressor quality repairs per batch with plain CSV reading.
    let mut batch_of = std::collections::HashMap::new();
    let mut per_batch = std::collections::HashMap::<String, u32>::new();
    for (p, bytes) in w.snapshot("in") {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        let text = String::from_utf8(bytes).unwrap();
        let mut rdr = csv::Reader::from_reader(text.as_bytes());
        if name == "units.csv" {
            for r in rdr.records().flatten() {
                batch_of.insert(r[0].to_string(), r[3].to_string());
            }
        }
    }
    let mut seen = std::collections::HashSet::new();
    for (p, bytes) in w.snapshot("in") {
        if p.file_name().unwrap() != "repairs.csv" {
            continue;
        }
        let mut rdr = csv::Reader::from_reader(&bytes[..]);
        for r in rdr.records().flatten() {
            if &r[7] == "compressor" && &r[9] == "quality" && seen.insert(r[0].to_string()) {
                if let Some(b) = batch_of.get(&r[1]) {
                    *per_batch.entry(b.clone()).or_default() += 1;
                }
            }
        }
    }
    let top = per_batch.iter().max_by_key(|(_, n)| **n).unwrap();
    assert_eq!(top.0, &batch, "{per_batch:?}");
}
