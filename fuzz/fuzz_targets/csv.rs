//! Arbitrary bytes as a CSV file named `data.csv`; its header decides the
//! table. The corpus seeds in `fuzz/seeds/csv` start it from real headers.
#![no_main]

#[path = "common.rs"]
mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    common::front_end("data.csv", data);
    // The same bytes under a table's name: every row reaches the validator.
    common::front_end("repairs.csv", data);
});
