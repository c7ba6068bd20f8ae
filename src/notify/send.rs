//! Delivery over the network: a webhook POST (ureq) and an e-mail over
//! SMTP (lettre), each with a 10 s timeout, tried up to 3 times with
//! backoff on connection errors and 5xx answers. A 4xx (or a chat
//! service's error code in a 200) is not retried: the message or the key
//! is wrong, and trying again will not fix it.

use std::time::Duration;

use serde_json::Value;

pub const TIMEOUT: Duration = Duration::from_secs(10);
pub const TRIES: u32 = 3;
/// Waits between tries: 0.5 s, then 1 s.
const BACKOFF: Duration = Duration::from_millis(500);

/// A failed try: whether another may succeed, and why it failed.
pub enum Failure {
    Retry(String),
    Stop(String),
}

/// Run `attempt` up to `TRIES` times; the error of the last try.
pub fn with_retries(mut attempt: impl FnMut() -> Result<(), Failure>) -> Result<(), String> {
    let mut last = String::new();
    for n in 0..TRIES {
        if n > 0 {
            std::thread::sleep(BACKOFF * 2u32.pow(n - 1));
        }
        match attempt() {
            Ok(()) => return Ok(()),
            Err(Failure::Stop(why)) => return Err(why),
            Err(Failure::Retry(why)) => last = format!("{why} (after {} tries)", n + 1),
        }
    }
    Err(last)
}

/// POST `body` as JSON to `url`.
pub fn post(url: &str, body: &Value) -> Result<(), String> {
    let agent: ureq::Agent =
        ureq::Agent::config_builder().timeout_global(Some(TIMEOUT)).http_status_as_error(false).build().into();
    let text = body.to_string();
    with_retries(|| {
        let mut response = agent
            .post(url)
            .header("Content-Type", "application/json; charset=utf-8")
            .send(text.as_str())
            .map_err(|e| Failure::Retry(format!("cannot reach the server: {e}")))?;
        let status = response.status().as_u16();
        let answer = response.body_mut().read_to_string().unwrap_or_default();
        let shown = crate::text::truncate(answer.trim(), 200);
        match status {
            200..=299 => service_error(&answer)
                .map_or(Ok(()), |e| Err(Failure::Stop(format!("the service refused the message: {e}")))),
            500..=599 => Err(Failure::Retry(format!("HTTP {status}: {shown}"))),
            _ => Err(Failure::Stop(format!("HTTP {status} (not retried): {shown}"))),
        }
    })
}

/// The chat robots answer 200 with an error code in the body: WeCom and
/// DingTalk `errcode`, Feishu `code` (0 is success).
fn service_error(answer: &str) -> Option<String> {
    let v: Value = serde_json::from_str(answer).ok()?;
    let code = v.get("errcode").or_else(|| v.get("code"))?.as_i64()?;
    (code != 0).then(|| {
        let why = v.get("errmsg").or_else(|| v.get("msg")).and_then(Value::as_str).unwrap_or("");
        format!("error code {code} {why}").trim().to_string()
    })
}

/// An e-mail: multipart text and HTML.
pub struct Mail<'a> {
    pub host: &'a str,
    pub port: u16,
    pub starttls: bool,
    pub credentials: Option<(String, String)>,
    pub from: &'a str,
    pub to: &'a [String],
    pub subject: String,
    pub text: String,
    pub html: String,
}

pub fn mail(m: &Mail) -> Result<(), String> {
    use lettre::message::{Mailbox, MultiPart};
    use lettre::transport::smtp::authentication::Credentials;
    use lettre::{SmtpTransport, Transport};
    let parse = |s: &str| s.parse::<Mailbox>().map_err(|e| format!("`{s}` is not an e-mail address: {e}"));
    let mut builder = lettre::Message::builder().from(parse(m.from)?).subject(m.subject.clone());
    for to in m.to {
        builder = builder.to(parse(to)?);
    }
    let message = builder
        .multipart(MultiPart::alternative_plain_html(m.text.clone(), m.html.clone()))
        .map_err(|e| format!("cannot build the message: {e}"))?;
    let mut transport = if m.starttls {
        SmtpTransport::starttls_relay(m.host).map_err(|e| format!("cannot set up TLS for `{}`: {e}", m.host))?
    } else {
        SmtpTransport::builder_dangerous(m.host)
    }
    .port(m.port)
    .timeout(Some(TIMEOUT));
    if let Some((user, password)) = &m.credentials {
        transport = transport.credentials(Credentials::new(user.clone(), password.clone()));
    }
    let transport = transport.build();
    with_retries(|| match transport.send(&message) {
        Ok(_) => Ok(()),
        Err(e) if e.is_permanent() => {
            Err(Failure::Stop(format!("the SMTP server refused the message (not retried): {e}")))
        }
        Err(e) => Err(Failure::Retry(format!("SMTP: {e}"))),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn robots_report_errors_in_the_body() {
        assert_eq!(service_error(r#"{"errcode":0,"errmsg":"ok"}"#), None);
        assert_eq!(
            service_error(r#"{"errcode":93000,"errmsg":"invalid webhook url"}"#).unwrap(),
            "error code 93000 invalid webhook url"
        );
        assert_eq!(
            service_error(r#"{"code":19021,"msg":"sign match fail"}"#).unwrap(),
            "error code 19021 sign match fail"
        );
        assert_eq!(service_error("ok"), None);
    }

    #[test]
    fn retries_stop_on_a_refusal() {
        let mut n = 0;
        assert_eq!(
            with_retries(|| {
                n += 1;
                Err(Failure::Stop("no".into()))
            }),
            Err("no".into())
        );
        assert_eq!(n, 1);
        let mut n = 0;
        let r = with_retries(|| {
            n += 1;
            if n < 3 {
                Err(Failure::Retry("busy".into()))
            } else {
                Ok(())
            }
        });
        assert_eq!((r, n), (Ok(()), 3));
    }
}
