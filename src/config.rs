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
    pub life: Life,
    pub forecast: Forecast,
    pub limits: Limits,
    /// The dealer agreement's rules (contract section 4). Not part of the
    /// configuration's hash (never serialised): they decide metric tables,
    /// not what a drop loads as, so changing them re-ingests nothing.
    #[serde(skip_serializing)]
    pub agreement: Agreement,
    /// The workbooks of rejects sent back to the stations. Not part of the
    /// hash (never serialised): they do not change the lake.
    #[serde(skip_serializing)]
    pub station_reports: StationReports,
    /// Alert delivery; empty by default, so nothing is sent unless
    /// configured. Not part of the configuration's hash: where alerts go
    /// does not change the lake.
    #[serde(default)]
    pub notify: Notify,
}

/// The dealer agreement's rules (`[agreement]`, see `config/defaults.toml`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Agreement {
    /// 三包 return (退机): a quality failure of a return component reported
    /// before in_service + this many days.
    pub return_days: u32,
    /// Exchange (换机): the same for an exchange component, and two quality
    /// repairs of one component both before in_service + this many days.
    pub exchange_days: u32,
    pub return_components: Vec<String>,
    pub exchange_components: Vec<String>,
    /// Per component, the fault codes that count for return and exchange;
    /// a component not listed matches any fault code.
    #[serde(default)]
    pub fault_codes: BTreeMap<String, Vec<String>>,
    /// Early-life failure: a quality failure before in_service + this many days.
    pub early_failure_days: u32,
    /// The product lines whose sales earn the household rate; every other
    /// line earns the commercial rate.
    pub household_lines: Vec<String>,
    pub household_rate: f64,
    pub commercial_rate: f64,
    /// The month (1–12) an agreement year starts in.
    pub year_start_month: u32,
    /// A station at or above this share of its allowance is "near" it.
    pub near_share: f64,
    /// The share of warranty parts whose old part should come back.
    pub old_part_target: f64,
}

/// Language of a text meant for people.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Language {
    En,
    #[default]
    Zh,
}

/// `[station_reports]`, see `config/defaults.toml`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct StationReports {
    /// The language of the reasons and what to do.
    pub lang: Language,
}

/// Where alerts are delivered (`[notify]`, see `config/defaults.toml`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Notify {
    /// Where the report folder is published, for the messages' link.
    pub report_url: Option<String>,
    pub webhook: Vec<Webhook>,
    pub email: Option<Email>,
}

/// The lowest severity a channel is sent.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Warning,
    #[default]
    Critical,
}

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum WebhookFormat {
    #[default]
    Json,
    Wecom,
    Dingtalk,
    Feishu,
    Slack,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Webhook {
    /// The channel's name in the ledger and in messages (default `webhook-N`).
    pub name: Option<String>,
    pub url: Option<String>,
    /// The environment variable that holds the URL (a robot's URL is its key).
    pub url_env: Option<String>,
    #[serde(default)]
    pub format: WebhookFormat,
    #[serde(default)]
    pub min_severity: Level,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Email {
    pub name: Option<String>,
    pub smtp_host: String,
    #[serde(default = "default_smtp_port")]
    pub smtp_port: u16,
    #[serde(default = "default_true")]
    pub starttls: bool,
    pub from: String,
    pub to: Vec<String>,
    pub user_env: Option<String>,
    pub password_env: Option<String>,
    /// Refused: secrets come from the environment only. Declared so that
    /// the error can say so instead of "unknown key".
    pub password: Option<String>,
    #[serde(default = "default_warning")]
    pub min_severity: Level,
}

fn default_smtp_port() -> u16 {
    587
}

fn default_true() -> bool {
    true
}

fn default_warning() -> Level {
    Level::Warning
}

/// The warranty forecast (`[forecast]`, see `config/defaults.toml`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Forecast {
    pub horizon: u32,
    pub interval: f64,
}

/// Life-data fits (`[life]`, see `config/defaults.toml`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Life {
    pub confidence: f64,
    pub min_failures: u64,
}

/// How large a workbook qfb agrees to read (`[limits]` of the
/// configuration). A workbook can declare a sheet of 16,384 × 1,048,576
/// cells or four billion shared strings in a few kilobytes; these guards
/// turn that into a clear error instead of an allocation the machine
/// cannot make.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// Sheet rows, the header included (Excel's own maximum by default).
    pub xlsx_max_rows: u32,
    /// Columns that hold a value.
    pub xlsx_max_columns: u32,
    /// The workbook's parts, uncompressed, in MB.
    pub xlsx_max_uncompressed_mb: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits { xlsx_max_rows: 1_048_576, xlsx_max_columns: 200, xlsx_max_uncompressed_mb: 1024 }
    }
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

    /// Every value in range and every list usable, so that a typo or a
    /// `nan` fails here, naming its key, instead of silently changing what
    /// the job computes (a `nan` prior hid every batch alert) or panicking
    /// deep in a stage.
    fn check(&self) -> std::result::Result<(), String> {
        fn unique<'a>(what: &str, codes: impl Iterator<Item = (&'a str, &'a str)>) -> std::result::Result<(), String> {
            let mut seen = std::collections::HashSet::new();
            for (code, zh) in codes {
                if code.trim().is_empty() || zh.trim().is_empty() {
                    return Err(format!("an empty code or name in `{what}`"));
                }
                for name in [code.to_lowercase(), zh.to_string()] {
                    if !seen.insert(name.clone()) {
                        return Err(format!("`{name}` appears twice in `{what}`"));
                    }
                }
            }
            if seen.is_empty() {
                return Err(format!("`{what}` must list at least one code"));
            }
            Ok(())
        }
        fn within<T: PartialOrd + std::fmt::Display>(key: &str, v: T, lo: T, hi: T) -> std::result::Result<(), String> {
            // Written so that NaN fails: every comparison with it is false.
            if v >= lo && v <= hi {
                Ok(())
            } else {
                Err(format!("`{key}` must be from {lo} to {hi}, not {v}"))
            }
        }
        fn open_unit(key: &str, v: f64) -> std::result::Result<(), String> {
            if v > 0.0 && v < 1.0 {
                Ok(())
            } else {
                Err(format!("`{key}` must be between 0 and 1 (exclusive), not {v}"))
            }
        }
        unique("components", self.components.iter().map(|c| (c.code.as_str(), c.zh.as_str())))?;
        unique("causes", self.causes.iter().map(|c| (c.code.as_str(), c.zh.as_str())))?;
        unique("product_lines", self.product_lines.iter().map(|c| (c.code.as_str(), c.zh.as_str())))?;
        unique("channels", self.channels.iter().map(|c| (c.code.as_str(), c.zh.as_str())))?;
        if !self.causes.iter().any(|c| c.failure) {
            return Err("`causes` must mark at least one cause `failure = true`".into());
        }
        for p in &self.product_lines {
            within(&format!("product_lines.{}.main_months", p.code), p.main_months, 1, 240)?;
            within(&format!("product_lines.{}.unit_months", p.code), p.unit_months, 1, 240)?;
        }
        let w = &self.windows;
        within("windows.response_hours", w.response_hours, 1, 24 * 365)?;
        within("windows.visit_days", w.visit_days, 0, 365)?;
        within("windows.repeat_days", w.repeat_days, 1, 365)?;
        within("windows.form_due_day", w.form_due_day, 1, 28)?;
        for kpi in crate::KPIS {
            if !self.targets.contains_key(*kpi) {
                return Err(format!("no target for KPI `{kpi}`"));
            }
        }
        for (kpi, t) in &self.targets {
            if !crate::KPIS.contains(&kpi.as_str()) {
                return Err(format!("unknown KPI `{kpi}` in `targets`"));
            }
            within(&format!("targets.{kpi}.target"), t.target, 0.0, 1.0)?;
        }
        let a = &self.alerts;
        open_unit("alerts.critical_alpha", a.critical_alpha)?;
        open_unit("alerts.warning_fdr", a.warning_fdr)?;
        open_unit("alerts.station_alpha", a.station_alpha)?;
        within("alerts.min_failures", a.min_failures, 1, 1_000_000)?;
        within("alerts.min_baseline_batches", a.min_baseline_batches, 1, 10_000)?;
        within("alerts.prior_exposure", a.prior_exposure, 0.0, 1e12)?;
        within("alerts.station_min_denominator", a.station_min_denominator, 1, 1_000_000_000)?;
        within("alerts.escalate_months", a.escalate_months, 1, 24)?;
        if a.age_windows.is_empty() {
            return Err("`alerts.age_windows` must list at least one window".into());
        }
        for (i, m) in a.age_windows.iter().enumerate() {
            within("alerts.age_windows", *m, 1, 240)?;
            if a.age_windows[..i].contains(m) {
                return Err(format!("`alerts.age_windows` lists {m} twice"));
            }
        }
        open_unit("life.confidence", self.life.confidence)?;
        within("life.min_failures", self.life.min_failures, 2, 1_000_000)?;
        within("forecast.horizon", self.forecast.horizon, 1, 60)?;
        open_unit("forecast.interval", self.forecast.interval)?;
        let n = &self.notify;
        for (i, w) in n.webhook.iter().enumerate() {
            if w.url.is_some() == w.url_env.is_some() {
                return Err(format!("`notify.webhook` {}: give exactly one of `url` and `url_env`", i + 1));
            }
        }
        if let Some(e) = &n.email {
            if e.password.is_some() {
                return Err("`notify.email.password` holds a clear-text password; secrets come from the environment \
                            only: remove it and name the variable in `password_env`"
                    .into());
            }
            if e.to.is_empty() {
                return Err("`notify.email.to` must list at least one recipient".into());
            }
        }
        let g = &self.agreement;
        within("agreement.return_days", g.return_days, 1, 365)?;
        within("agreement.exchange_days", g.exchange_days, 1, 365)?;
        within("agreement.early_failure_days", g.early_failure_days, 1, 365)?;
        within("agreement.year_start_month", g.year_start_month, 1, 12)?;
        within("agreement.household_rate", g.household_rate, 0.0, 1.0)?;
        within("agreement.commercial_rate", g.commercial_rate, 0.0, 1.0)?;
        within("agreement.near_share", g.near_share, 0.0, 1.0)?;
        within("agreement.old_part_target", g.old_part_target, 0.0, 1.0)?;
        let l = &self.limits;
        within("limits.xlsx_max_rows", l.xlsx_max_rows, 2, 16_777_216)?;
        within("limits.xlsx_max_columns", l.xlsx_max_columns, 1, 16_384)?;
        within("limits.xlsx_max_uncompressed_mb", l.xlsx_max_uncompressed_mb, 1, 65_536)?;
        Ok(())
    }

    /// Codes the agreement's lists name that the configuration does not
    /// have. Not an error: the defaults name the contract's components,
    /// and a configuration with its own component list must not stop
    /// working on upgrade; the rule simply matches nothing for them, and
    /// each run says so.
    pub fn warnings(&self) -> Vec<String> {
        let g = &self.agreement;
        let components: Vec<&str> = self.components.iter().map(|c| c.code.as_str()).collect();
        let lines: Vec<&str> = self.product_lines.iter().map(|c| c.code.as_str()).collect();
        let lists: [(&str, Vec<&String>, &[&str]); 4] = [
            ("return_components", g.return_components.iter().collect(), &components),
            ("exchange_components", g.exchange_components.iter().collect(), &components),
            ("fault_codes", g.fault_codes.keys().collect(), &components),
            ("household_lines", g.household_lines.iter().collect(), &lines),
        ];
        let mut out = Vec::new();
        for (list, codes, known) in lists {
            for c in codes.into_iter().filter(|c| !known.contains(&c.as_str())) {
                out.push(format!("`agreement.{list}` names `{c}`, which is not a configured code: it matches nothing"));
            }
        }
        out
    }

    /// SHA-256 of the configuration in force, as recorded in load manifests.
    /// It hashes the parsed values (as JSON), so comments and key order in
    /// the user's file do not change it.
    pub fn hash(&self) -> String {
        let lake_side = Config { notify: Notify::default(), ..self.clone() };
        let json = serde_json::to_vec(&lake_side).expect("config serialises");
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
    fn the_agreement_is_outside_the_hash_and_names_unknown_codes() {
        let c = Config::from_layers(Some(("t.toml", "[agreement]\nreturn_days = 5\n"))).unwrap();
        assert_eq!(c.agreement.return_days, 5);
        assert_eq!(c.hash(), Config::defaults().hash(), "the agreement does not change the lake");
        assert!(Config::defaults().warnings().is_empty());
        let c = Config::from_layers(Some(("t.toml", "[agreement]\nexchange_components = [\"compresor\"]\n"))).unwrap();
        assert_eq!(
            c.warnings(),
            ["`agreement.exchange_components` names `compresor`, which is not a configured code: it matches nothing"]
        );
    }

    #[test]
    fn unknown_keys_and_kpis_are_errors() {
        let e = Config::from_layers(Some(("t.toml", "[windows]\nvisit_dayz = 10\n"))).unwrap_err();
        assert!(e.to_string().contains("visit_dayz"), "{e}");
        let e = Config::from_layers(Some(("t.toml", "[targets.nps]\ntarget = 1.0\ndirection = \"at_least\"\n")))
            .unwrap_err();
        assert!(e.to_string().contains("unknown KPI `nps`"), "{e}");
    }

    #[test]
    fn numbers_out_of_range_and_unusable_lists_are_errors_naming_their_key() {
        let cases = [
            ("[alerts]\nprior_exposure = nan\n", "`alerts.prior_exposure` must be from 0 to 1000000000000, not NaN"),
            ("[alerts]\ncritical_alpha = nan\n", "`alerts.critical_alpha` must be between 0 and 1"),
            (
                "[targets.satisfaction]\ntarget = nan\ndirection = \"at_least\"\n",
                "`targets.satisfaction.target` must be from 0 to 1, not NaN",
            ),
            (
                "[targets.satisfaction]\ntarget = 1.5\ndirection = \"at_least\"\n",
                "`targets.satisfaction.target` must be from 0 to 1, not 1.5",
            ),
            ("[targets.satisfaction]\ntarget = -0.5\ndirection = \"at_least\"\n", "not -0.5"),
            ("components = []\n", "`components` must list at least one code"),
            ("channels = []\n", "`channels` must list at least one code"),
            (
                "[[product_lines]]\ncode = \"household\"\nzh = \"家用\"\nmain_months = 4294967295\nunit_months = 24\n",
                "`product_lines.household.main_months` must be from 1 to 240, not 4294967295",
            ),
            ("[alerts]\nage_windows = [3, 3]\n", "lists 3 twice"),
            ("[alerts]\nage_windows = []\n", "`alerts.age_windows` must list at least one window"),
            ("[alerts]\nescalate_months = 0\n", "`alerts.escalate_months` must be from 1 to 24, not 0"),
            ("[limits]\nxlsx_max_columns = 0\n", "`limits.xlsx_max_columns` must be from 1 to 16384, not 0"),
            ("[agreement]\nyear_start_month = 13\n", "`agreement.year_start_month` must be from 1 to 12, not 13"),
            ("[agreement]\nhousehold_rate = 1.5\n", "`agreement.household_rate` must be from 0 to 1, not 1.5"),
        ];
        for (text, want) in cases {
            let e = Config::from_layers(Some(("t.toml", text))).expect_err(text).to_string();
            assert!(e.contains(want), "{text}: {e}");
            assert!(e.starts_with("configuration `t.toml`"), "{e}");
        }
    }
}
