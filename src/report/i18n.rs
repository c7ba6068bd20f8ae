//! The report's words: the fixed vocabulary of `reports/i18n.toml` in the
//! chosen language, and the configuration's names for components, causes
//! and product lines (`code` in English, `zh` in Chinese).

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::config::Config;

const VOCABULARY: &str = include_str!("../../reports/i18n.toml");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Zh,
}

impl Lang {
    /// The `lang` attribute of the pages.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh-CN",
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    en: String,
    zh: String,
}

fn vocabulary() -> BTreeMap<String, Entry> {
    toml::from_str(VOCABULARY).expect("reports/i18n.toml is valid (a unit test parses it)")
}

/// Every word of the report in one language.
#[derive(Debug, Clone)]
pub struct Text {
    pub lang: Lang,
    words: BTreeMap<String, String>,
    names: BTreeMap<String, String>,
}

impl Text {
    pub fn new(lang: Lang, config: &Config) -> Text {
        let words = vocabulary().into_iter().map(|(k, e)| (k, if lang == Lang::Zh { e.zh } else { e.en })).collect();
        let mut names = BTreeMap::new();
        let pick = |code: &str, zh: &str| if lang == Lang::Zh { zh.to_string() } else { english(code) };
        for c in &config.components {
            names.insert(format!("component/{}", c.code), pick(&c.code, &c.zh));
        }
        for c in &config.causes {
            names.insert(format!("cause/{}", c.code), pick(&c.code, &c.zh));
        }
        for l in &config.product_lines {
            names.insert(format!("line/{}", l.code), pick(&l.code, &l.zh));
        }
        Text { lang, words, names }
    }

    /// A word of the vocabulary. An unknown key is a programming error
    /// (the templates run in strict mode, and tests render every page).
    pub fn get(&self, key: &str) -> &str {
        self.words.get(key).map(String::as_str).unwrap_or_else(|| panic!("no word `{key}` in reports/i18n.toml"))
    }

    /// The vocabulary, for the templates.
    pub fn words(&self) -> &BTreeMap<String, String> {
        &self.words
    }

    fn name(&self, kind: &str, code: &str) -> String {
        self.names.get(&format!("{kind}/{code}")).cloned().unwrap_or_else(|| code.to_string())
    }

    pub fn component(&self, code: &str) -> String {
        self.name("component", code)
    }

    pub fn cause(&self, code: &str) -> String {
        self.name("cause", code)
    }

    pub fn line(&self, code: &str) -> String {
        self.name("line", code)
    }

    pub fn kpi(&self, code: &str) -> String {
        self.words.get(&format!("kpi_{code}")).cloned().unwrap_or_else(|| code.to_string())
    }
}

/// A code as English words: `four_way_valve` → `Four-way valve` (the
/// configuration holds codes and Chinese names only).
fn english(code: &str) -> String {
    let words = code.replace("four_way", "four-way").replace('_', " ");
    let mut c = words.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

/// Every Chinese string the report can draw: the vocabulary and the
/// configuration's names (for the glyph test).
pub fn all_chinese(config: &Config) -> Vec<String> {
    let mut out: Vec<String> = vocabulary().into_values().map(|e| e.zh).collect();
    out.extend(config.components.iter().map(|c| c.zh.clone()));
    out.extend(config.causes.iter().map(|c| c.zh.clone()));
    out.extend(config.product_lines.iter().map(|c| c.zh.clone()));
    out
}

/// The alerts' Chinese wording names codes as the report does.
impl crate::alerts::wording::Names for Text {
    fn component(&self, code: &str) -> String {
        Text::component(self, code)
    }
    fn line(&self, code: &str) -> String {
        Text::line(self, code)
    }
    fn kpi(&self, code: &str) -> String {
        Text::kpi(self, code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_and_config_names() {
        let config = Config::defaults();
        let en = Text::new(Lang::En, &config);
        let zh = Text::new(Lang::Zh, &config);
        assert_eq!(en.get("critical"), "Critical");
        assert_eq!(zh.get("critical"), "严重");
        assert_eq!(en.component("four_way_valve"), "Four-way valve");
        assert_eq!(en.line("commercial_economy"), "Commercial economy");
        assert_eq!(zh.component("four_way_valve"), "四通阀");
        assert_eq!(zh.cause("maintenance"), "未清洗维护");
        assert_eq!(zh.line("commercial_deluxe"), "商用豪华型");
        assert_eq!(zh.kpi("satisfaction"), "满意度");
        // An unknown code shows as itself.
        assert_eq!(zh.component("flux_capacitor"), "flux_capacitor");
        // Every entry has both languages, and none is empty.
        for (k, e) in vocabulary() {
            assert!(!e.en.is_empty() && !e.zh.is_empty(), "{k}");
        }
    }
}
