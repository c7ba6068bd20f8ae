//! Arbitrary bytes as an XLSX workbook. Seeds in `fuzz/seeds/xlsx` are real
//! workbooks, so mutations explore the zip and sheet XML parsers.
#![no_main]

#[path = "common.rs"]
mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    common::front_end("repairs.xlsx", data);
});
