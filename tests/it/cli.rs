//! Failing commands, each with its whole standard error asserted: what a
//! person (or a cron mail) sees is the interface too.

use crate::workdir::*;

#[test]
fn a_bad_flag_is_a_usage_error() {
    let w = Workdir::new();
    let run = w.qfb(&["ingest", "--input", "in", "--lake", "lake", "--frobnicate"]).expect(2);
    assert_eq!(
        run.stderr(),
        "error: unexpected argument '--frobnicate' found\n\n\
         Usage: qfb ingest --input <DIR> --lake <DIR>\n\n\
         For more information, try '--help'.\n"
    );
    assert_eq!(run.stdout(), "");
}

#[test]
fn a_missing_drop_names_the_month_and_the_root() {
    let w = Workdir::new();
    w.write("in/2026-10/units.csv", "");
    let run = w.qfb(&["ingest", "--input", "in", "--lake", "lake", "--month", "2026-09"]).expect(1);
    assert_eq!(run.stderr(), "error: no drop `2026-09` under `in`\n");
}

#[test]
fn an_unreadable_file_names_the_file_and_the_tables() {
    let w = Workdir::new();
    w.write("in/2026-10/notes.csv", "a,b\n1,2\n");
    let run = w.ingest().expect(1);
    assert_eq!(
        run.stderr(),
        "error: 1 input file cannot be read; nothing was written:\n\
         `in/2026-10/notes.csv`: the header matches no table; expected the columns of one of \
         `stations`, `units`, `repairs`, `parts`, `visits`, `feedback_forms`\n"
    );
    assert!(!w.path("lake/_manifests").exists());
}

#[test]
fn an_unknown_config_key_names_the_file_and_the_key() {
    let w = Workdir::new();
    w.write("bad.toml", "[windows]\nvisit_dayz = 3\n");
    let run = w.qfb(&["--config", "bad.toml", "ingest", "--input", "in", "--lake", "lake"]).expect(1);
    assert_eq!(
        run.stderr(),
        "error: configuration `bad.toml`: unknown field `visit_dayz`, expected one of `response_hours`, \
         `visit_days`, `repeat_days`, `form_due_day`\nin `windows`\n\n"
    );
}
