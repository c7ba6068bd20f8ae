//! Shared by both targets: push arbitrary bytes through the whole front end
//! as file `name`, for the table its header matches. Any panic is a bug.

use qfb::config::Config;
use qfb::ingest::validate::Validator;
use qfb::schema::Schemas;

pub fn front_end(name: &str, data: &[u8]) {
    thread_local! {
        static SETUP: (Schemas, Config) = (Schemas::load().unwrap(), Config::defaults());
    }
    SETUP.with(|(schemas, config)| {
        let Ok(opened) = qfb::ingest::open(schemas, config, name, data) else { return };
        let (Some(table), Some(mapping)) = (opened.table, opened.mapping) else { return };
        let mut v = Validator::new(table, config).unwrap();
        v.begin_file(name, mapping);
        opened.sheet.rows(|row| v.push(&row)).expect("bytes in memory are read whole");
        let t = v.finish();
        // The invariant of contract section 2.
        let f = &t.files[0];
        assert_eq!(f.rows_read, f.rows_loaded + f.rows_rejected);
        assert_eq!(t.rows() as u64, f.rows_loaded);
    });
}
