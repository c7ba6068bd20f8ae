//! Alert delivery: after the report, each configured channel (webhooks in
//! their service's format, e-mail over SMTP) gets one message with the
//! alerts at or above its level that are news to it (`ledger`). Every
//! channel is tried, whatever the others do; one that still fails after
//! its retries is reported, and the caller exits 4 with every output kept.
//! `message` words it (pure), `send` puts it on the network.

pub mod ledger;
pub mod message;
mod send;

use std::path::Path;

use crate::alerts::{Alert, Severity};
use crate::config::{Config, Email, Level, WebhookFormat};
use crate::error::Result;
use crate::report::Lang;
use ledger::Ledger;
use message::Message;

/// What happened on one channel.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    pub channel: String,
    /// The alerts that were due (and sent, unless it failed or was a dry run).
    pub alerts: usize,
    /// Why it failed; None when delivered (or nothing was due).
    pub error: Option<String>,
    /// With `--dry-run`: what would have been sent.
    pub preview: Option<String>,
}

enum Target<'a> {
    Webhook { url: std::result::Result<String, String>, format: WebhookFormat },
    Email(&'a Email),
}

struct Channel<'a> {
    name: String,
    min: Level,
    target: Target<'a>,
}

fn env(name: &str) -> std::result::Result<String, String> {
    std::env::var(name).map_err(|_| format!("the environment variable `{name}` is not set"))
}

fn channels(config: &Config) -> Vec<Channel<'_>> {
    let mut out: Vec<Channel> = config
        .notify
        .webhook
        .iter()
        .enumerate()
        .map(|(i, w)| Channel {
            name: w.name.clone().unwrap_or_else(|| format!("webhook-{}", i + 1)),
            min: w.min_severity,
            target: Target::Webhook {
                url: match (&w.url, &w.url_env) {
                    (Some(u), _) => Ok(u.clone()),
                    (None, Some(var)) => env(var),
                    (None, None) => Err("no `url` or `url_env`".into()),
                },
                format: w.format,
            },
        })
        .collect();
    if let Some(e) = &config.notify.email {
        out.push(Channel {
            name: e.name.clone().unwrap_or_else(|| "email".into()),
            min: e.min_severity,
            target: Target::Email(e),
        });
    }
    out
}

fn at_level(a: &Alert, min: Level) -> bool {
    match min {
        Level::Warning => true,
        Level::Critical => a.severity == Severity::Critical,
    }
}

/// Deliver what is due for `month`'s `alerts` on every channel, recording
/// each success in the ledger under `out`. With `dry_run`, nothing is sent
/// or recorded: each delivery carries its preview.
pub fn deliver(
    config: &Config,
    out: &Path,
    month: &str,
    provisional: bool,
    alerts: &[Alert],
    lang: Lang,
    dry_run: bool,
) -> Result<Vec<Delivery>> {
    let channels = channels(config);
    if channels.is_empty() {
        // Nothing configured: not even the ledger is read.
        return Ok(Vec::new());
    }
    let mut ledger = Ledger::read(out)?;
    let report = match &config.notify.report_url {
        Some(url) => format!("{}/{month}/index.html", url.trim_end_matches('/')),
        None => crate::report::folder(out, month).join("index.html").display().to_string(),
    };
    let mut deliveries = Vec::new();
    for ch in channels {
        let due: Vec<&Alert> = alerts.iter().filter(|a| at_level(a, ch.min) && ledger.due(&ch.name, a)).collect();
        let mut d = Delivery { channel: ch.name.clone(), alerts: due.len(), error: None, preview: None };
        if due.is_empty() {
            deliveries.push(d);
            continue;
        }
        let n = due.len();
        let msg = Message { month, provisional, alerts: due, report: report.clone(), lang };
        let outcome = match &ch.target {
            Target::Webhook { url, format } => {
                let body = msg.webhook_body(*format, config);
                if dry_run {
                    d.preview = Some(serde_json::to_string_pretty(&body).expect("a body serialises"));
                    Ok(())
                } else {
                    url.clone().and_then(|u| send::post(&u, &body))
                }
            }
            Target::Email(e) => {
                if dry_run {
                    d.preview =
                        Some(format!("To: {}\nSubject: {}\n\n{}", e.to.join(", "), msg.subject(), msg.text(config)));
                    Ok(())
                } else {
                    email(e, &msg, config)
                }
            }
        };
        match outcome {
            Err(why) => d.error = Some(why),
            Ok(()) if !dry_run => {
                let now = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
                ledger.record(&ch.name, &msg.alerts, &now);
                ledger.write(out)?;
            }
            Ok(()) => {}
        }
        d.alerts = n;
        deliveries.push(d);
    }
    Ok(deliveries)
}

fn email(e: &Email, msg: &Message, config: &Config) -> std::result::Result<(), String> {
    let credentials = match (&e.user_env, &e.password_env) {
        (Some(u), Some(p)) => Some((env(u)?, env(p)?)),
        (None, None) => None,
        _ => return Err("give both `user_env` and `password_env`, or neither".into()),
    };
    send::mail(&send::Mail {
        host: &e.smtp_host,
        port: e.smtp_port,
        starttls: e.starttls,
        credentials,
        from: &e.from,
        to: &e.to,
        subject: msg.subject(),
        text: msg.text(config),
        html: msg.html(config),
    })
}
