//! `out/notify/sent.json`: what each channel was sent. An alert is due on
//! a channel when its subject (kind and subject fields, the alert id less
//! its month) was never sent there, or only at a lower severity. The file
//! is replaced atomically, and only after a delivery succeeded.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::alerts::{Alert, Severity};
use crate::error::{read_err, Error, Result};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sent {
    /// The alert id when it was sent (its month included).
    pub id: String,
    pub severity: Severity,
    /// When, UTC.
    pub sent_at: String,
}

/// Per channel, per subject: the last message about it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Ledger {
    pub channels: BTreeMap<String, BTreeMap<String, Sent>>,
}

/// An alert's subject: its id without the month, so that a batch alerted
/// again next month is not news, unless it got worse.
pub fn subject(a: &Alert) -> String {
    a.id.split_once('/').map_or(a.id.clone(), |(_, rest)| rest.to_string())
}

impl Ledger {
    pub fn path(out: &Path) -> PathBuf {
        out.join("notify").join("sent.json")
    }

    pub fn read(out: &Path) -> Result<Ledger> {
        let path = Ledger::path(out);
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| Error::Lake {
                path: path.clone(),
                message: format!("the notification ledger is not valid JSON ({e}); move it away to resend everything"),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Ledger::default()),
            Err(e) => Err(read_err(&path)(e)),
        }
    }

    pub fn write(&self, out: &Path) -> Result<()> {
        let mut json = serde_json::to_vec_pretty(self).expect("the ledger serialises");
        json.push(b'\n');
        crate::lake::write_atomic(&Ledger::path(out), &json)
    }

    /// Whether `a` is news for `channel`.
    pub fn due(&self, channel: &str, a: &Alert) -> bool {
        match self.channels.get(channel).and_then(|c| c.get(&subject(a))) {
            None => true,
            Some(sent) => a.severity > sent.severity,
        }
    }

    pub fn record(&mut self, channel: &str, alerts: &[&Alert], at: &str) {
        let entry = self.channels.entry(channel.to_string()).or_default();
        for a in alerts {
            entry.insert(subject(a), Sent { id: a.id.clone(), severity: a.severity, sent_at: at.to_string() });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerts::Kind;

    fn alert(month: &str, severity: Severity) -> Alert {
        let mut a = Alert::new(Kind::BatchFailure, severity, month, false, String::new());
        a.id = format!("{month}/batch_failure/household/B1/compressor/-/-");
        a
    }

    #[test]
    fn sent_once_and_again_when_it_escalates() {
        let mut l = Ledger::default();
        let w = alert("2026-09", Severity::Warning);
        assert!(l.due("hook", &w));
        l.record("hook", &[&w], "2026-10-02T08:00:00Z");
        assert!(!l.due("hook", &w), "sent once");
        assert!(l.due("mail", &w), "per channel");
        assert!(!l.due("hook", &alert("2026-10", Severity::Warning)), "the same subject next month is not news");
        assert!(l.due("hook", &alert("2026-10", Severity::Critical)), "an escalation is");
        assert_eq!(subject(&w), "batch_failure/household/B1/compressor/-/-");
    }
}
