//! Free text on its way out of the lake: phone numbers masked and length
//! capped, by one rule for every place that shows text to people (reject
//! examples, alerts, pages, exports). The lake keeps what was sent; only
//! what is shown is changed. Pure functions, no I/O.

use std::borrow::Cow;

/// Longest free text on a page or in an alert, in characters.
pub const PAGE_CHARS: usize = 500;
/// Longest free text in a CSV or XLSX export, in characters.
pub const EXPORT_CHARS: usize = 32 * 1024;

/// Mask a phone number: keep the first 3 and last 4 characters
/// (`138****5678`); mask a shorter number entirely (contract section 6).
pub fn mask_phone(raw: &str) -> String {
    let chars: Vec<char> = raw.chars().collect();
    if chars.len() < 8 {
        return "*".repeat(chars.len().max(1));
    }
    let n = chars.len();
    chars[..3].iter().chain(std::iter::repeat_n(&'*', n - 7)).chain(chars[n - 4..].iter()).collect()
}

/// Cut `raw` to `max` characters, with a marker that says how much was cut.
pub fn truncate(raw: &str, max: usize) -> String {
    match raw.char_indices().nth(max) {
        Some((i, _)) => format!("{}…[+{} chars]", &raw[..i], raw[i..].chars().count()),
        None => raw.to_string(),
    }
}

/// Free text as shown: phone numbers masked, then cut to `max` characters.
pub fn shown(raw: &str, max: usize) -> String {
    truncate(&mask_phones(raw), max)
}

/// Separators allowed between the digits of a phone number.
fn separator(c: char) -> bool {
    matches!(c, ' ' | '-' | '(' | ')')
}

/// A Latin letter or digit next to a number makes it part of a code
/// (`R13800138000`); Chinese text does not (`客户13800138000说`).
fn alnum(c: Option<&char>) -> bool {
    c.is_some_and(|c| c.is_ascii_alphanumeric())
}

/// Mask every phone-like number in free text, by the rule of
/// `customer_phone` (first 3 and last 4 digits kept, separators dropped):
/// mainland mobiles (`1[3-9]` + 9 digits, optionally after `+86`, `86` or
/// `0086`) and landlines (`0` + area code + number, 10 to 12 digits), with
/// spaces, hyphens and parentheses between the digits. A number must stand
/// alone: a digit run inside a longer code (`H2509-0016`, `R13800138000`)
/// is not a phone.
pub fn mask_phones(raw: &str) -> Cow<'_, str> {
    if raw.bytes().filter(u8::is_ascii_digit).count() < 10 {
        return Cow::Borrowed(raw);
    }
    let chars: Vec<char> = raw.chars().collect();
    let mut out = String::with_capacity(raw.len());
    let mut i = 0;
    let mut changed = false;
    while i < chars.len() {
        let starts =
            (chars[i].is_ascii_digit() || matches!(chars[i], '+' | '(')) && !(i > 0 && alnum(chars.get(i - 1)));
        if starts {
            if let Some((end, masked)) = phone_at(&chars, i) {
                out.push_str(&masked);
                i = end;
                changed = true;
                continue;
            }
        }
        out.push(chars[i]);
        i += 1;
    }
    if changed {
        Cow::Owned(out)
    } else {
        Cow::Borrowed(raw)
    }
}

/// The phone number starting at `start`, if any: (end, masked text).
fn phone_at(chars: &[char], start: usize) -> Option<(usize, String)> {
    // (digit, index of the char after it), at most 15 digits.
    let mut digits: Vec<(char, usize)> = Vec::new();
    let mut j = start;
    let mut seps = 0;
    while j < chars.len() && digits.len() < 15 {
        let c = chars[j];
        if c.is_ascii_digit() {
            digits.push((c, j + 1));
            seps = 0;
        } else if (separator(c) || (c == '+' && j == start)) && seps < 2 {
            seps += 1;
        } else {
            break;
        }
        j += 1;
    }
    for n in (10..=digits.len()).rev() {
        let end = digits[n - 1].1;
        if alnum(chars.get(end)) {
            continue;
        }
        let d: String = digits[..n].iter().map(|x| x.0).collect();
        let b = d.as_bytes();
        let mobile = |s: &[u8]| s.len() == 11 && s[0] == b'1' && (b'3'..=b'9').contains(&s[1]);
        let national = if mobile(b) {
            Some(&d[..])
        } else if n == 13 && d.starts_with("86") && mobile(&b[2..]) {
            Some(&d[2..])
        } else if n == 15 && d.starts_with("0086") && mobile(&b[4..]) {
            Some(&d[4..])
        } else if (10..=12).contains(&n) && b[0] == b'0' && b[1] != b'0' {
            Some(&d[..])
        } else {
            None
        };
        if let Some(number) = national {
            return Some((end, mask_phone(number)));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_in_free_text_are_masked() {
        let cases = [
            ("call 13800138000 now", "call 138****8000 now"),
            ("客户电话13800138000，请回电", "客户电话138****8000，请回电"),
            ("+86 138-0013-8000", "138****8000"),
            ("(138) 0013 8000", "138****8000"),
            ("8613800138000 or 008613912345678", "138****8000 or 139****5678"),
            ("office 010-62345678", "office 010****5678"),
            ("(0755) 2345 6789", "075*****6789"),
            ("two: 13800138000, 13900139000", "two: 138****8000, 139****9000"),
        ];
        for (raw, want) in cases {
            assert_eq!(mask_phones(raw), want, "{raw}");
        }
    }

    #[test]
    fn codes_dates_and_amounts_are_not_phones() {
        for raw in [
            "batch H2509-0016, serial R13800138000",
            "2026-10-05 08:30:00",
            "0.0013800138000",
            "amount 12345678901234.50",
            "12800138000 (starts 12)",
            "short 1380013",
            "x13800138000",
            "138001380001",
        ] {
            assert_eq!(mask_phones(raw), raw, "{raw}");
        }
    }

    #[test]
    fn shown_masks_then_cuts_with_a_marker() {
        assert_eq!(shown("abcdef", 3), "abc…[+3 chars]");
        assert_eq!(shown("长长长长", 10), "长长长长");
        assert_eq!(shown("13800138000 ok", 5), "138**…[+9 chars]");
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_phone("12345"), "*****");
        assert_eq!(mask_phone("1234567"), "*******");
        assert_eq!(mask_phone("021-12345678"), "021*****5678");
        assert_eq!(truncate("ab", 3), "ab");
    }
}

/// Columns `s` takes on a terminal: a CJK character takes two.
pub fn display_width(s: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(s)
}

/// `s` padded with spaces to `width` terminal columns (left-aligned), for
/// tables that hold Chinese file names, codes or ids; `format!("{:<w$}")`
/// counts characters and would misalign them.
pub fn pad(s: &str, width: usize) -> String {
    let w = display_width(s);
    if w >= width {
        s.to_string()
    } else {
        format!("{s}{}", " ".repeat(width - w))
    }
}
