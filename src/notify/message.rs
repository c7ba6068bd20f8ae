//! What a channel is sent, as text: the one message per run in the run's
//! language, and each service's documented body around it. Pure: alerts
//! in, strings and JSON out.
//!
//! - `json`: exactly `{"month", "provisional", "alerts": [as in
//!   alerts.json], "report"}`, for other systems;
//! - `wecom` (企业微信 group robot) and `dingtalk`: their markdown message;
//! - `feishu`: its text message (its markdown needs an interactive card);
//! - `slack`: `{"text": …}` in Slack's mrkdwn.
//! - e-mail: a subject, a plain-text body and an HTML body.

use serde_json::{json, Value};

use crate::alerts::{wording, Alert, Kind, Severity};
use crate::config::{Config, WebhookFormat};
use crate::report::i18n::Text;
use crate::report::Lang;

/// Alert lines a chat or e-mail message lists; the rest are counted
/// (WeCom's markdown message, for one, stops at 4096 bytes). The `json`
/// format carries every alert.
pub const MAX_LINES: usize = 20;

/// One run's message to one channel.
pub struct Message<'a> {
    pub month: &'a str,
    pub provisional: bool,
    pub alerts: Vec<&'a Alert>,
    /// The report: its published URL, or its path.
    pub report: String,
    pub lang: Lang,
}

impl Message<'_> {
    fn count(&self, s: Severity) -> usize {
        self.alerts.iter().filter(|a| a.severity == s).count()
    }

    /// One line: "qfb: 2 new alerts for 2026-09 (1 critical, 1 warning)".
    pub fn subject(&self) -> String {
        let (c, w) = (self.count(Severity::Critical), self.count(Severity::Warning));
        match self.lang {
            Lang::En => format!(
                "qfb: {} new alert{} for {}{} ({c} critical, {w} warning)",
                self.alerts.len(),
                if self.alerts.len() == 1 { "" } else { "s" },
                self.month,
                if self.provisional { " (provisional)" } else { "" }
            ),
            Lang::Zh => format!(
                "qfb 质量预警：{}{} 新增预警 {} 条（严重 {c} 条，警告 {w} 条）",
                self.month,
                if self.provisional { "（初步）" } else { "" },
                self.alerts.len()
            ),
        }
    }

    /// Each alert's line: severity, message, and for a batch its observed
    /// against expected; past `MAX_LINES`, one line with how many more.
    pub fn lines(&self, config: &Config) -> Vec<String> {
        let names = Text::new(self.lang, config);
        let more = self.alerts.len().saturating_sub(MAX_LINES);
        let mut lines: Vec<String> = self
            .alerts
            .iter()
            .take(MAX_LINES)
            .map(|a| {
                let batch = a.kind == Kind::BatchFailure;
                let (o, e) = (a.observed.unwrap_or(0.0), a.expected.unwrap_or(0.0));
                match self.lang {
                    Lang::En => {
                        let sev = if a.severity == Severity::Critical { "CRITICAL" } else { "warning" };
                        let oe = if batch { format!(" (observed {o:.0}, expected {e:.1})") } else { String::new() };
                        format!("[{sev}] {}{oe}", a.message)
                    }
                    Lang::Zh => {
                        let sev = if a.severity == Severity::Critical { "严重" } else { "警告" };
                        let oe = if batch { format!("（实际 {o:.0}，期望 {e:.1}）") } else { String::new() };
                        format!("【{sev}】{}{oe}", wording::chinese(a, &names))
                    }
                }
            })
            .collect();
        if more > 0 {
            lines.push(match self.lang {
                Lang::En => format!("… and {more} more: see the report"),
                Lang::Zh => format!("……另有 {more} 条，请见报告"),
            });
        }
        lines
    }

    fn report_line(&self) -> String {
        match self.lang {
            Lang::En => format!("Report: {}", self.report),
            Lang::Zh => format!("报告：{}", self.report),
        }
    }

    /// The message as plain text.
    pub fn text(&self, config: &Config) -> String {
        let mut out = vec![self.subject(), String::new()];
        out.extend(self.lines(config).into_iter().map(|l| format!("- {l}")));
        out.push(String::new());
        out.push(self.report_line());
        out.join("\n")
    }

    /// The message as markdown (chat robots).
    pub fn markdown(&self, config: &Config) -> String {
        let mut out = vec![format!("**{}**", self.subject()), String::new()];
        out.extend(self.lines(config).into_iter().map(|l| format!("- {l}")));
        out.push(String::new());
        out.push(self.report_line());
        out.join("\n")
    }

    /// The message as an HTML page (e-mail), escaped.
    pub fn html(&self, config: &Config) -> String {
        let esc = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;");
        let items: String = self.lines(config).iter().map(|l| format!("<li>{}</li>", esc(l))).collect();
        format!(
            "<!doctype html><html lang=\"{}\"><body><h2>{}</h2><ul>{items}</ul><p>{}</p></body></html>",
            self.lang.tag(),
            esc(&self.subject()),
            esc(&self.report_line())
        )
    }

    /// The body a webhook of `format` is sent.
    pub fn webhook_body(&self, format: WebhookFormat, config: &Config) -> Value {
        match format {
            WebhookFormat::Json => json!({
                "month": self.month,
                "provisional": self.provisional,
                "alerts": self.alerts,
                "report": self.report,
            }),
            WebhookFormat::Wecom => json!({"msgtype": "markdown", "markdown": {"content": self.markdown(config)}}),
            WebhookFormat::Dingtalk => {
                json!({"msgtype": "markdown", "markdown": {"title": self.subject(), "text": self.markdown(config)}})
            }
            WebhookFormat::Feishu => json!({"msg_type": "text", "content": {"text": self.text(config)}}),
            WebhookFormat::Slack => json!({"text": self.markdown(config).replace("**", "*")}),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch() -> Alert {
        let mut a = Alert::new(Kind::BatchFailure, Severity::Critical, "2026-09", false, "Batch B1 fails".into());
        a.id = "2026-09/batch_failure/household/B1/compressor/-/-".into();
        a.product_line = Some("household".into());
        a.production_batch = Some("B1".into());
        a.component = Some("compressor".into());
        a.observed = Some(76.0);
        a.expected = Some(7.25);
        a
    }

    #[test]
    fn bodies_in_each_format_and_language() {
        let config = Config::defaults();
        let a = batch();
        let m =
            Message { month: "2026-09", provisional: false, alerts: vec![&a], report: "out/r".into(), lang: Lang::En };
        assert_eq!(m.subject(), "qfb: 1 new alert for 2026-09 (1 critical, 0 warning)");
        assert_eq!(m.lines(&config), ["[CRITICAL] Batch B1 fails (observed 76, expected 7.2)"]);
        let json = m.webhook_body(WebhookFormat::Json, &config);
        assert_eq!(json["month"], "2026-09");
        assert_eq!(json["alerts"][0]["id"], "2026-09/batch_failure/household/B1/compressor/-/-");
        assert_eq!(json["report"], "out/r");
        assert_eq!(json.as_object().unwrap().len(), 4);
        let wecom = m.webhook_body(WebhookFormat::Wecom, &config);
        assert_eq!(wecom["msgtype"], "markdown");
        assert!(wecom["markdown"]["content"].as_str().unwrap().starts_with("**qfb: 1 new alert"));
        let ding = m.webhook_body(WebhookFormat::Dingtalk, &config);
        assert_eq!(ding["markdown"]["title"], m.subject());
        assert!(m.webhook_body(WebhookFormat::Slack, &config)["text"].as_str().unwrap().starts_with("*qfb"));
        assert!(m.webhook_body(WebhookFormat::Feishu, &config)["content"]["text"].is_string());
        let zh = Message { lang: Lang::Zh, ..m };
        assert_eq!(zh.subject(), "qfb 质量预警：2026-09 新增预警 1 条（严重 1 条，警告 0 条）");
        assert!(
            zh.lines(&config)[0].starts_with("【严重】") && zh.lines(&config)[0].ends_with("（实际 76，期望 7.2）")
        );
        assert!(zh.html(&config).contains("<html lang=\"zh-CN\">"));
        // Past 20 alerts, the rest are counted.
        let many: Vec<Alert> = (0..25).map(|_| batch()).collect();
        let m = Message {
            month: "2026-09",
            provisional: true,
            alerts: many.iter().collect(),
            report: "r".into(),
            lang: Lang::En,
        };
        let lines = m.lines(&config);
        assert_eq!(lines.len(), 21);
        assert_eq!(lines[20], "… and 5 more: see the report");
        assert!(m.subject().contains("25 new alerts for 2026-09 (provisional)"));
    }
}
