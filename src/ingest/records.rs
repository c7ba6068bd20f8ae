//! CSV text as records, with the physical line where each starts and
//! ends. The csv reader splits records; this module numbers lines itself
//! (`\n`, `\r\n` and a lone `\r` each end one) and turns quoting that the
//! reader would accept while losing records into defect rows. Text comes
//! in windows (`Walk`), so a large file need not be held whole
//! (`stream`); a file held whole is one window.

use super::read::{Defect, Row};

/// True when the byte at `i` ends a physical line: `\n`, or a `\r` that no
/// `\n` follows (so `\r\n` counts once).
fn ends_line(bytes: &[u8], i: usize) -> bool {
    match bytes[i] {
        b'\n' => true,
        b'\r' => bytes.get(i + 1) != Some(&b'\n'),
        _ => false,
    }
}

/// The line ends in `bytes[from..to]` (`bytes` is the whole text, so a
/// `\r` at `to - 1` sees what follows it).
fn count_lines(bytes: &[u8], from: usize, to: usize) -> u64 {
    memchr::memchr2_iter(b'\n', b'\r', &bytes[from..to]).filter(|&i| ends_line(bytes, from + i)).count() as u64
}

/// Where a walk over a file's CSV text stands between windows: the line
/// number at the window's first byte, and the header's width once read.
#[derive(Debug, Clone, Copy)]
pub(super) struct Walk {
    pub(super) line: u64,
    pub(super) width: Option<usize>,
}

impl Walk {
    pub(super) fn start() -> Walk {
        Walk { line: 1, width: None }
    }
}

/// Walk the records of `text`, which starts at a record boundary on line
/// `walk.line`; the first record of the file is the header. Unless `last`
/// (the text runs to the end of the file), the text's final record may be
/// cut off by the window's end, so it is left for the next window: the
/// result is then `Some(offset)` of where that record's text begins (the
/// line ends before it included), with `walk` moved there. `None` when the
/// walk is over: the end of the file, `f` said stop, or the header was read.
pub(super) fn csv_window(
    text: &str,
    last: bool,
    header_only: bool,
    walk: &mut Walk,
    f: &mut impl FnMut(Row<'_>) -> bool,
) -> Option<usize> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    // Read one record ahead: where the next one starts is where this one's
    // text ends (and, before the last window, that this one is whole).
    let mut cur = csv::ByteRecord::new();
    let mut next = csv::ByteRecord::new();
    // Reading from memory cannot fail: with `flexible`, csv only errors on
    // I/O, and invalid UTF-8 is impossible after `decode`.
    let mut have = reader.read_byte_record(&mut cur).unwrap_or(false);
    let bytes = text.as_bytes();
    // (offset, line number there): csv's own line count starts a record at
    // the end of the previous one, before a CRLF's `\n` or blank lines, and
    // knows no lone `\r`, so lines are counted here.
    let mut at = (0usize, walk.line);
    // The field slices of the previous row, emptied: one allocation per window.
    let mut spare: Vec<&str> = Vec::new();
    while have {
        let more = reader.read_byte_record(&mut next).unwrap_or(false);
        if !more && !last {
            break;
        }
        let mut start = cur.position().map(|p| p.byte() as usize).unwrap_or(0).min(bytes.len());
        while start < bytes.len() && matches!(bytes[start], b'\r' | b'\n') {
            start += 1;
        }
        at.1 += count_lines(bytes, at.0, start);
        at.0 = start;
        let end = if more { next.position().map(|p| p.byte() as usize).unwrap_or(bytes.len()) } else { bytes.len() };
        let mut content_end = end.clamp(start, bytes.len());
        while content_end > start && matches!(bytes[content_end - 1], b'\r' | b'\n') {
            content_end -= 1;
        }
        let content = &text[start..content_end];
        let last_line = at.1 + count_lines(bytes, start, content_end);
        let line = at.1;
        // The next record counts on from this one's last line: each byte is
        // counted once.
        at = (content_end, last_line);
        let go_on = match walk.width {
            None => {
                walk.width = Some(cur.len());
                if header_only {
                    let fields: Vec<&str> = cur.iter().map(|b| std::str::from_utf8(b).unwrap_or("")).collect();
                    f(Row { line, last_line, fields: &fields, defect: None, cell_problems: &[] });
                    return None;
                }
                true
            }
            Some(width) => match quote_defect(content, line, width) {
                None => {
                    // Delimiters are ASCII, so every field of valid UTF-8 is valid UTF-8.
                    let mut fields = recycle(std::mem::take(&mut spare));
                    fields.extend(cur.iter().map(|b| std::str::from_utf8(b).unwrap_or("")));
                    let go_on = f(Row { line, last_line, fields: &fields, defect: None, cell_problems: &[] });
                    spare = recycle(fields);
                    go_on
                }
                Some((rule, reason)) => defect_lines(content, line, Defect { rule, reason: &reason }, f),
            },
        };
        if !go_on {
            return None;
        }
        std::mem::swap(&mut cur, &mut next);
        have = more;
    }
    if last {
        return None;
    }
    walk.line = at.1;
    Some(at.0)
}

/// Every non-empty physical line of `content` (which starts on `line`) as
/// a defect row, its fields split at commas for the record's key.
fn defect_lines(content: &str, line: u64, defect: Defect<'_>, f: &mut impl FnMut(Row<'_>) -> bool) -> bool {
    for (n, text) in physical_lines(content, line).into_iter().filter(|(_, t)| !t.is_empty()) {
        let fields: Vec<&str> = text.split(',').map(|s| s.trim_matches('"')).collect();
        if !f(Row { line: n, last_line: n, fields: &fields, defect: Some(defect), cell_problems: &[] }) {
            return false;
        }
    }
    true
}

/// Check the quoting of one record's text, which starts on `line`; `width`
/// is the header's field count. The csv reader accepts three things that
/// lose records without a word, and each is a defect here:
/// - text after a closing quote (`"a" b`): a stray quote opened a field
///   that ran on over the next lines;
/// - a quote that never closes: the field runs to the end of the file;
/// - a quoted field spanning lines that read as whole records of the table
///   (as many fields, no quote): a closing quote is probably missing.
fn quote_defect(text: &str, line: u64, width: usize) -> Option<(&'static str, String)> {
    let content = text.as_bytes();
    if memchr::memchr(b'"', content).is_none() {
        return None;
    }
    let (mut n, mut in_quote, mut field_start, mut open) = (line, false, true, line);
    let mut closed: Option<u64> = None;
    // Quoted fields that ran over lines: (opened, closed).
    let mut spans = Vec::new();
    let mut i = 0;
    while i < content.len() {
        let b = content[i];
        if in_quote {
            if b == b'"' {
                if content.get(i + 1) == Some(&b'"') {
                    i += 2;
                    continue;
                }
                in_quote = false;
                closed = Some(n);
                if n > open {
                    spans.push((open, n));
                }
            }
        } else if let Some(close) = closed {
            if !matches!(b, b',' | b'\r' | b'\n') {
                return Some((
                    "malformed_quote",
                    format!(
                        "quoted field opened on line {open} closes on line {close} with text after the quote; \
                         lines {open}–{} are not loaded: fix the quotes and send them again",
                        line + count_lines(content, 0, content.len())
                    ),
                ));
            }
            closed = None;
            field_start = true;
        } else if b == b'"' && field_start {
            in_quote = true;
            open = n;
        } else {
            field_start = b == b',';
        }
        if ends_line(content, i) {
            n += 1;
        }
        i += 1;
    }
    if in_quote {
        return Some((
            "truncated",
            format!(
                "quoted field opened on line {open} never closes: the file ends inside it (lines {open}–{n}); \
                 the file looks cut off or a quote is missing"
            ),
        ));
    }
    for (a, b) in spans {
        let count = physical_lines(text, line)
            .into_iter()
            .filter(|(l, t)| *l > a && *l < b && !t.contains('"') && t.split(',').count() == width)
            .count();
        if count > 0 {
            return Some((
                "malformed_quote",
                format!(
                    "quoted field opened on line {a} closes on line {b} and holds {count} line{} that read as \
                     whole records; a closing quote is probably missing: fix it and send lines {a}–{b} again",
                    if count == 1 { "" } else { "s" }
                ),
            ));
        }
    }
    None
}

/// (line number, text) of each physical line of `content`, which starts on
/// `line`.
fn physical_lines(content: &str, line: u64) -> Vec<(u64, &str)> {
    let bytes = content.as_bytes();
    let (mut n, mut from, mut out) = (line, 0, Vec::new());
    for i in 0..=bytes.len() {
        if i == bytes.len() || ends_line(bytes, i) {
            // A `\r\n` ends the line at its `\r`.
            let end = if i > from && bytes[i - 1] == b'\r' { i - 1 } else { i };
            out.push((n, &content[from..end]));
            n += 1;
            from = i + 1;
        }
    }
    out
}

/// An emptied vector of any lifetime, keeping its allocation (the collect
/// reuses the buffer in place because the element layout is the same).
fn recycle<'x>(mut v: Vec<&str>) -> Vec<&'x str> {
    v.clear();
    v.into_iter().map(|_| "").collect()
}
