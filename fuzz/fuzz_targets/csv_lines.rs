//! Structured CSV for the line-accounting property of issue #10: records
//! built from tokens that are mostly quotes, commas, `\r`, `\n` and `\r\n`,
//! so multi-line fields, stray quotes and mixed endings are common. Every
//! non-empty physical line must be the header's or lie inside exactly one
//! row's `line..=last_line`, rows in order; and the validator's counts
//! must add up (common.rs).
#![no_main]

#[path = "common.rs"]
mod common;

use qfb::config::Limits;
use qfb::ingest::read::{open, Format};

const TOKENS: [&str; 12] = ["a", "7", ",", "\"", "\"\"", "\n", "\r", "\r\n", " ", "\"x,\ny\"", ",,", "b\"c"];

/// The physical lines of `text`, counted here independently of the reader:
/// `\r\n`, `\r` and `\n` each end one. Returns whether each is non-empty.
fn physical_lines(text: &str) -> Vec<bool> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut len = 0;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\r' if b.get(i + 1) == Some(&b'\n') => {
                out.push(len > 0);
                len = 0;
                i += 1;
            }
            b'\r' | b'\n' => {
                out.push(len > 0);
                len = 0;
            }
            _ => len += 1,
        }
        i += 1;
    }
    if len > 0 {
        out.push(true);
    }
    out
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let mut text = String::from("repair_id,serial,station_id,reported_at,component,cause\n");
    for b in data {
        text.push_str(TOKENS[*b as usize % TOKENS.len()]);
    }
    let lines = physical_lines(&text);
    let sheet = open(Format::Csv, text.as_bytes(), &Limits::default()).expect("text always opens");
    let mut covered = vec![0u32; lines.len() + 2];
    covered[1] = 1;
    let mut last = 1;
    sheet.rows(|r| {
        assert!(r.line > last && r.last_line >= r.line, "rows out of order: {}..{} after {last}", r.line, r.last_line);
        for l in r.line..=r.last_line {
            covered[l as usize] += 1;
        }
        last = r.last_line;
    })
    .expect("bytes in memory are read whole");
    for (i, non_empty) in lines.iter().enumerate() {
        if *non_empty {
            assert_eq!(covered[i + 1], 1, "line {} is not accounted for once in {text:?}", i + 1);
        }
    }
    common::front_end("repairs.csv", text.as_bytes());
});
