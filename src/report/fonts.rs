//! The one font the charts draw with, embedded in the binary: a subset of
//! Noto Sans CJK SC (OFL 1.1) holding ASCII and the report's Chinese
//! vocabulary, built by `reports/fonts/build-subset.sh`. No system font is
//! ever read, so a chart's PNG bytes are the same on every machine.

use ab_glyph::{Font, FontRef};

pub const CHART_FONT: &[u8] = include_bytes!("../../reports/fonts/qfb-chart-sans.otf");

/// The family name charts ask plotters for.
pub const FAMILY: &str = "sans-serif";

/// Register the embedded font with plotters, once per process.
pub fn register() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        plotters::style::register_font(FAMILY, plotters::style::FontStyle::Normal, CHART_FONT)
            .unwrap_or_else(|_| panic!("the embedded chart font parses (a unit test loads it)"));
    });
}

/// The characters of `text` the chart font cannot draw.
pub fn missing_glyphs(text: &str) -> Vec<char> {
    let font = FontRef::try_from_slice(CHART_FONT).expect("the embedded chart font parses");
    let mut missing: Vec<char> = text.chars().filter(|&c| !c.is_control() && font.glyph_id(c).0 == 0).collect();
    missing.sort_unstable();
    missing.dedup();
    missing
}

/// `label` when the font can draw all of it, else `fallback` (a code, which
/// is ASCII): a name added in `qfb.toml` outside the subset still charts.
pub fn drawable(label: String, fallback: &str) -> String {
    if missing_glyphs(&label).is_empty() {
        label
    } else {
        fallback.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    #[test]
    fn report_fonts_cover_every_translated_label() {
        let mut missing = Vec::new();
        for s in crate::report::i18n::all_chinese(&Config::defaults()) {
            let m = missing_glyphs(&s);
            if !m.is_empty() {
                missing.push((s, m));
            }
        }
        assert!(missing.is_empty(), "rebuild the font with reports/fonts/build-subset.sh: {missing:?}");
        let ascii: String = (0x20u8..0x7f).map(char::from).collect();
        assert_eq!(missing_glyphs(&ascii), Vec::<char>::new());
        assert_eq!(missing_glyphs("≤≥×σβη"), Vec::<char>::new());
        // The check itself can fail: a character outside the subset.
        assert_eq!(missing_glyphs("压缩机龘"), vec!['龘']);
        assert_eq!(drawable("龘".into(), "dragon"), "dragon");
    }
}
