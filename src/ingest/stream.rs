//! Large CSV files read in windows, never whole. At 100M units a drop's
//! units file is 3 GB: read whole, its fresh pages cost more than parsing
//! it (0.7 s per GB on these machines), and it would sit in memory beside
//! the rows validated from it. A file is first scanned through one buffer
//! (its SHA-256, its line feeds, whether it is plain UTF-8); only plain
//! UTF-8 is read in windows, since whether a file is UTF-8 or GB18030 is
//! known only at its end. Rows come out exactly as from the file held
//! whole: a window ends before its last record, which may be cut off.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};

use sha2::{Digest, Sha256};

use super::read::Row;
use super::records::{csv_window, Walk};
use crate::error::FileProblem;

/// Files from this size on are scanned and, when plain UTF-8, read in
/// windows; smaller ones are read whole.
pub const STREAM_FROM: u64 = 64 << 20;

/// The bytes read at once: a window holds this much text, more when one
/// record is longer.
pub const WINDOW: usize = 1 << 20;

/// What one pass over a file found.
#[derive(Debug, Clone, PartialEq)]
pub struct Scan {
    pub bytes: u64,
    /// None when not asked for: the first pass over a run's files only
    /// checks that they can be read.
    pub sha256: Option<String>,
    /// Line feeds: one more is a bound on the CSV records.
    pub line_feeds: u64,
    /// Set when the file is UTF-8 (a BOM allowed) with no NUL byte.
    pub plain: Option<Plain>,
}

/// A plain UTF-8 file.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Plain {
    /// It starts with a UTF-8 byte-order mark (3 bytes, not text).
    pub bom: bool,
    /// It holds only whitespace: an empty file, as `decode` reads it.
    pub blank: bool,
}

impl Plain {
    pub fn encoding(&self) -> &'static str {
        if self.bom {
            "utf-8-bom"
        } else {
            "utf-8"
        }
    }

    fn skip(&self) -> u64 {
        if self.bom {
            3
        } else {
            0
        }
    }
}

/// Read from `file` until `buf` is full or the file ends.
fn fill(mut file: &File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match file.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// One pass over `file` from its start, through one buffer; its SHA-256
/// when `hash`.
pub fn scan(mut file: &File, hash: bool) -> std::io::Result<Scan> {
    file.seek(SeekFrom::Start(0))?;
    let mut digest = hash.then(Sha256::new);
    let mut buf = vec![0u8; WINDOW];
    let (mut bytes, mut line_feeds) = (0u64, 0u64);
    // The bytes of a character cut at the previous chunk's end, moved to
    // the buffer's front to be checked with the rest of it.
    let mut carry = 0;
    let (mut utf8, mut blank, mut bom) = (true, true, false);
    loop {
        let n = fill(file, &mut buf[carry..])?;
        if n == 0 {
            break;
        }
        let new = &buf[carry..carry + n];
        if let Some(d) = digest.as_mut() {
            d.update(new);
        }
        line_feeds += memchr::memchr_iter(b'\n', new).count() as u64;
        if bytes == 0 {
            // `fill` gives a whole buffer, so a mark is never cut.
            utf8 = !new.starts_with(&[0xFF, 0xFE]) && !new.starts_with(&[0xFE, 0xFF]);
            bom = new.starts_with(&[0xEF, 0xBB, 0xBF]);
        }
        utf8 = utf8 && memchr::memchr(0, new).is_none();
        if utf8 {
            let from = if bytes == 0 && bom { 3 } else { 0 };
            let end = carry + n;
            let (text, rest) = match std::str::from_utf8(&buf[from..end]) {
                Ok(text) => (text, end),
                Err(e) if e.error_len().is_none() => {
                    let valid = from + e.valid_up_to();
                    (std::str::from_utf8(&buf[from..valid]).expect("valid up to here"), valid)
                }
                Err(_) => ("", usize::MAX),
            };
            blank = blank && text.trim().is_empty();
            if rest == usize::MAX {
                utf8 = false;
                carry = 0;
            } else {
                buf.copy_within(rest..end, 0);
                carry = end - rest;
            }
        }
        bytes += n as u64;
    }
    // A file that ends inside a character is not UTF-8.
    utf8 = utf8 && carry == 0;
    Ok(Scan {
        bytes,
        sha256: digest.map(|d| crate::config::hex(&d.finalize())),
        line_feeds,
        plain: utf8.then_some(Plain { bom, blank }),
    })
}

/// A plain UTF-8 CSV file (`Scan::plain`) to be walked in windows.
pub struct Stream<'a> {
    pub(super) file: &'a File,
    pub(super) plain: Plain,
    pub(super) bytes: u64,
    pub(super) window: usize,
}

impl<'a> Stream<'a> {
    pub fn new(file: &'a File, scan: &Scan, window: usize) -> Option<Stream<'a>> {
        Some(Stream { file, plain: scan.plain?, bytes: scan.bytes, window: window.max(1) })
    }
}

fn changed(what: &str) -> FileProblem {
    FileProblem::Changed { what: what.to_string() }
}

/// Walk the file's rows (only its header when `header_only`) as the
/// whole text would be walked; `f` returns false to stop. A file that is
/// no longer what the scan found (not UTF-8, a NUL, another length) or
/// cannot be read to its end is an error: its rows so far are not whole.
pub(super) fn rows(s: &Stream<'_>, header_only: bool, f: &mut impl FnMut(Row<'_>) -> bool) -> Result<(), FileProblem> {
    let mut file = s.file;
    let io = |e: std::io::Error| changed(&format!("it could not be read: {e}"));
    file.seek(SeekFrom::Start(s.plain.skip())).map_err(io)?;
    let mut read = s.plain.skip();
    let mut buf: Vec<u8> = Vec::with_capacity(s.window);
    let mut window = s.window;
    let mut walk = Walk::start();
    let mut end = false;
    loop {
        if !end && buf.len() < window {
            let want = (window - buf.len()) as u64;
            let got = (&mut file).take(want).read_to_end(&mut buf).map_err(io)? as u64;
            read += got;
            end = got < want;
        }
        let text = match std::str::from_utf8(&buf) {
            Ok(text) => text,
            // A character cut at the window's end waits for the next.
            Err(e) if e.error_len().is_none() && !end => {
                std::str::from_utf8(&buf[..e.valid_up_to()]).expect("valid up to here")
            }
            Err(_) => return Err(changed("it is no longer UTF-8")),
        };
        if memchr::memchr(0, text.as_bytes()).is_some() {
            return Err(changed("it now holds a NUL byte"));
        }
        match csv_window(text, end, header_only, &mut walk, f) {
            None => break,
            // One record fills the window: read more of it.
            Some(0) => window *= 2,
            Some(done) => {
                buf.drain(..done);
            }
        }
    }
    if end && read != s.bytes {
        return Err(changed(&format!("it was {} bytes and is now {read}", s.bytes)));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
