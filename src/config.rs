//! The validated configuration: code lists, warranty policy, KPI windows and
//! targets (contract section 4). Built-in defaults live in
//! `config/defaults.toml`; a user file overrides them key by key.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

const DEFAULTS: &str = include_str!("../config/defaults.toml");

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub components: Vec<Component>,
    pub causes: Vec<Cause>,
    pub product_lines: Vec<ProductLine>,
    pub channels: Vec<Code>,
    pub windows: Windows,
    pub targets: BTreeMap<String, Target>,
    pub alerts: Alerts,
}

/// Alert thresholds (see `config/defaults.toml`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Alerts {
    pub critical_alpha: f64,
    pub warning_fdr: f64,
    pub min_failures: u64,
    pub min_baseline_batches: usize,
    pub age_windows: Vec<usize>,
    pub prior_exposure: f64,
    pub station_min_denominator: i64,
    pub station_alpha: f64,
    pub escalate_months: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Component {
    pub code: String,
    pub zh: String,
    pub main: bool,
    /// A key component: charted first in the report.
    #[serde(default)]
    pub key: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Cause {
    pub code: String,
    pub zh: String,
    pub failure: bool,
    pub excluded: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ProductLine {
    pub code: String,
    pub zh: String,
    pub main_months: u32,
    pub unit_months: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Code {
    pub code: String,
    pub zh: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Windows {
    pub response_hours: u32,
    pub visit_days: u32,
    pub repeat_days: u32,
    pub form_due_day: u32,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    AtLeast,
    AtMost,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Target {
    pub target: f64,
    pub direction: Direction,
}

impl Config {
    /// The built-in defaults alone.
    pub fn defaults() -> Config {
        // The embedded file is part of the build and covered by tests.
        Self::from_layers(None).expect("config/defaults.toml is valid")
    }

    /// Defaults overridden by `path`, or by `./qfb.toml` when `path` is None
    /// and that file exists.
    pub fn load(path: Option<&Path>) -> Result<Config> {
        let (name, text) = match path {
            Some(p) => (p.display().to_string(), std::fs::read_to_string(p).map_err(crate::error::read_err(p))?),
            None => {
                let p = Path::new("qfb.toml");
                if !p.exists() {
                    return Ok(Self::defaults());
                }
                ("qfb.toml".to_string(), std::fs::read_to_string(p).map_err(crate::error::read_err(p))?)
            }
        };
        Self::from_layers(Some((&name, &text)))
    }

    /// Parse an override text (as if read from `name`) on top of the defaults.
    pub fn from_layers(user: Option<(&str, &str)>) -> Result<Config> {
        let mut merged: toml::Table = DEFAULTS.parse().map_err(|e: toml::de::Error| Error::Config {
            source_name: "config/defaults.toml".into(),
            message: e.to_string(),
        })?;
        let name = user.map(|(n, _)| n).unwrap_or("config/defaults.toml");
        if let Some((name, text)) = user {
            let over: toml::Table = text
                .parse()
                .map_err(|e: toml::de::Error| Error::Config { source_name: name.into(), message: e.to_string() })?;
            merge(&mut merged, over);
        }
        let cfg: Config = toml::Value::Table(merged)
            .try_into()
            .map_err(|e: toml::de::Error| Error::Config { source_name: name.into(), message: e.to_string() })?;
        cfg.check().map_err(|message| Error::Config { source_name: name.into(), message })?;
        Ok(cfg)
    }

    fn check(&self) -> std::result::Result<(), String> {
        fn unique<'a>(what: &str, codes: impl Iterator<Item = (&'a str, &'a str)>) -> std::result::Result<(), String> {
            let mut seen = std::collections::HashSet::new();
            for (code, zh) in codes {
                if code.trim().is_empty() {
                    return Err(format!("an empty code in `{what}`"));
                }
                for name in [code.to_lowercase(), zh.to_string()] {
                    if !seen.insert(name.clone()) {
                        return Err(format!("`{name}` appears twice in `{what}`"));
                    }
                }
            }
            Ok(())
        }
        unique("components", self.components.iter().map(|c| (c.code.as_str(), c.zh.as_str())))?;
        unique("causes", self.causes.iter().map(|c| (c.code.as_str(), c.zh.as_str())))?;
        unique("product_lines", self.product_lines.iter().map(|c| (c.code.as_str(), c.zh.as_str())))?;
        unique("channels", self.channels.iter().map(|c| (c.code.as_str(), c.zh.as_str())))?;
        for kpi in crate::KPIS {
            if !self.targets.contains_key(*kpi) {
                return Err(format!("no target for KPI `{kpi}`"));
            }
        }
        for kpi in self.targets.keys() {
            if !crate::KPIS.contains(&kpi.as_str()) {
                return Err(format!("unknown KPI `{kpi}` in `targets`"));
            }
        }
        let a = &self.alerts;
        for (name, v) in
            [("critical_alpha", a.critical_alpha), ("warning_fdr", a.warning_fdr), ("station_alpha", a.station_alpha)]
        {
            if !(v > 0.0 && v < 1.0) {
                return Err(format!("`alerts.{name}` must be between 0 and 1, not {v}"));
            }
        }
        if a.escalate_months == 0 {
            return Err("`alerts.escalate_months` must be at least 1".into());
        }
        if !(1..=28).contains(&self.windows.form_due_day) {
            return Err(format!("`windows.form_due_day` must be 1..28, not {}", self.windows.form_due_day));
        }
        Ok(())
    }

    /// SHA-256 of the configuration in force, as recorded in load manifests.
    /// It hashes the parsed values (as JSON), so comments and key order in
    /// the user's file do not change it.
    pub fn hash(&self) -> String {
        let json = serde_json::to_vec(self).expect("config serialises");
        hex(&Sha256::digest(json))
    }

    /// The code list a schema column refers to by name.
    pub fn code_list(&self, name: &str) -> Option<Vec<(&str, &str)>> {
        Some(match name {
            "components" => self.components.iter().map(|c| (c.code.as_str(), c.zh.as_str())).collect(),
            "causes" => self.causes.iter().map(|c| (c.code.as_str(), c.zh.as_str())).collect(),
            "product_lines" => self.product_lines.iter().map(|c| (c.code.as_str(), c.zh.as_str())).collect(),
            "channels" => self.channels.iter().map(|c| (c.code.as_str(), c.zh.as_str())).collect(),
            _ => return None,
        })
    }
}

/// Deep-merge `over` into `base`: tables merge key by key, anything else
/// (arrays included) replaces.
fn merge(base: &mut toml::Table, over: toml::Table) {
    for (k, v) in over {
        match (base.get_mut(&k), v) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge(b, o),
            (_, v) => {
                base.insert(k, v);
            }
        }
    }
}

/// Lower-case hex of a digest.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_contract() {
        let c = Config::defaults();
        assert_eq!(c.components.len(), 9);
        assert_eq!(c.components.iter().filter(|c| c.main).count(), 4);
        assert_eq!(c.causes.iter().filter(|c| c.excluded).count(), 6);
        let hh = c.product_lines.iter().find(|p| p.code == "household").unwrap();
        assert_eq!((hh.main_months, hh.unit_months), (36, 24));
        assert_eq!(c.targets["satisfaction"].target, 0.98);
        assert_eq!(c.targets["repeat_repair"].direction, Direction::AtMost);
        assert_eq!(c.windows.visit_days, 7);
    }

    #[test]
    fn override_merges_key_by_key_and_changes_the_hash() {
        let c = Config::from_layers(Some(("t.toml", "[windows]\nvisit_days = 10\n"))).unwrap();
        assert_eq!(c.windows.visit_days, 10);
        assert_eq!(c.windows.repeat_days, 30);
        assert_eq!(c.components.len(), 9);
        assert_ne!(c.hash(), Config::defaults().hash());
        assert_eq!(Config::defaults().hash(), Config::defaults().hash());
    }

    #[test]
    fn unknown_keys_and_kpis_are_errors() {
        let e = Config::from_layers(Some(("t.toml", "[windows]\nvisit_dayz = 10\n"))).unwrap_err();
        assert!(e.to_string().contains("visit_dayz"), "{e}");
        let e = Config::from_layers(Some(("t.toml", "[targets.nps]\ntarget = 1.0\ndirection = \"at_least\"\n")))
            .unwrap_err();
        assert!(e.to_string().contains("unknown KPI `nps`"), "{e}");
    }
}
