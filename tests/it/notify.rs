//! Alert delivery end to end, against servers the tests start on
//! 127.0.0.1 and stop: a webhook receiver that records each body and
//! answers from a script of statuses, and an SMTP sink that records each
//! message and its recipients.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use serde_json::Value;

use crate::workdir::*;

const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/sample-data");

/// A server on 127.0.0.1 with its own thread; stopped when dropped.
struct Server {
    port: u16,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    /// What it received: request bodies, or e-mails.
    got: Arc<Mutex<Vec<String>>>,
}

impl Server {
    fn start(handle: impl Fn(TcpStream, &Mutex<Vec<String>>) + Send + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let got = Arc::new(Mutex::new(Vec::new()));
        let (s, g) = (stop.clone(), got.clone());
        let thread = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if s.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(conn) = conn {
                    handle(conn, &g);
                }
            }
        });
        Server { port, stop, thread: Some(thread), got }
    }

    /// A webhook receiver answering `statuses` in turn (the last one
    /// repeats).
    fn webhook(statuses: &[u16]) -> Server {
        let statuses = statuses.to_vec();
        let n = Arc::new(Mutex::new(0usize));
        Server::start(move |mut conn, got| {
            let mut reader = BufReader::new(conn.try_clone().unwrap());
            let mut length = 0;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap();
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            got.lock().unwrap().push(String::from_utf8(body).unwrap());
            let mut k = n.lock().unwrap();
            let status = statuses[(*k).min(statuses.len() - 1)];
            *k += 1;
            let _ = write!(conn, "HTTP/1.1 {status} X\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
        })
    }

    /// An SMTP sink: every message as "RCPT:a,b\n<data>".
    fn smtp() -> Server {
        Server::start(|mut conn, got| {
            let mut reader = BufReader::new(conn.try_clone().unwrap());
            let _ = write!(conn, "220 sink ESMTP\r\n");
            let mut rcpt = Vec::new();
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 {
                    break;
                }
                let cmd = line.to_ascii_uppercase();
                if cmd.starts_with("EHLO") {
                    let _ = write!(conn, "250-sink\r\n250 8BITMIME\r\n");
                } else if cmd.starts_with("RCPT TO:") {
                    rcpt.push(line[8..].trim().trim_matches(|c| c == '<' || c == '>').to_string());
                    let _ = write!(conn, "250 OK\r\n");
                } else if cmd.starts_with("DATA") {
                    let _ = write!(conn, "354 go\r\n");
                    let mut data = String::new();
                    loop {
                        let mut l = String::new();
                        reader.read_line(&mut l).unwrap();
                        if l == ".\r\n" {
                            break;
                        }
                        data.push_str(&l);
                    }
                    got.lock().unwrap().push(format!("RCPT:{}\n{data}", rcpt.join(",")));
                    let _ = write!(conn, "250 queued\r\n");
                } else if cmd.starts_with("QUIT") {
                    let _ = write!(conn, "221 bye\r\n");
                    break;
                } else {
                    let _ = write!(conn, "250 OK\r\n");
                }
            }
        })
    }

    fn received(&self) -> Vec<String> {
        self.got.lock().unwrap().clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so that it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The sample's monthly run into `out/`, no channel configured.
fn sample_run(w: &Workdir) {
    w.qfb(&["--quiet", "run", "--input", SAMPLE, "--out", "out"]).expect(0);
}

fn hook_config(w: &Workdir, port: u16, extra: &str) {
    w.write(
        "qfb.toml",
        format!(
            "[[notify.webhook]]\nname = \"hook\"\nurl = \"http://127.0.0.1:{port}/robot\"\nformat = \"json\"\n{extra}"
        ),
    );
}

fn batch_alerts(body: &str) -> Vec<Value> {
    let v: Value = serde_json::from_str(body).unwrap();
    assert_eq!(v.as_object().unwrap().len(), 4, "{v}");
    assert_eq!(v["month"], "2026-09");
    assert_eq!(v["provisional"], false);
    assert!(v["report"].as_str().unwrap().ends_with("reports/2026-09/index.html"));
    v["alerts"].as_array().unwrap().clone()
}

#[test]
fn the_planted_batch_arrives_once_and_again_when_it_escalates() {
    let w = Workdir::new();
    let hook = Server::webhook(&[200]);
    hook_config(&w, hook.port, "min_severity = \"critical\"\n");
    let run = w.qfb(&["run", "--input", SAMPLE, "--out", "out"]).expect(0);
    assert!(run.stdout().contains("sent "), "{}", run.stdout());
    let got = hook.received();
    assert_eq!(got.len(), 1);
    let alerts = batch_alerts(&got[0]);
    assert!(alerts.iter().all(|a| a["severity"] == "critical"));
    assert!(alerts.iter().any(|a| a["kind"] == "batch_failure" && a["production_batch"] == "H2509-0016"));
    let ledger: Value =
        serde_json::from_str(&std::fs::read_to_string(w.path("out/notify/sent.json")).unwrap()).unwrap();
    assert_eq!(ledger["channels"]["hook"].as_object().unwrap().len(), alerts.len());

    // A second run of the same month: nothing new.
    let run = w.qfb(&["run", "--input", SAMPLE, "--out", "out"]).expect(0);
    assert!(run.stdout().contains("nothing new for `hook`"), "{}", run.stdout());
    assert_eq!(hook.received().len(), 1);

    // Had the batch been sent as a warning, its critical alert is news.
    let subject = "batch_failure/household/H2509-0016/compressor/-/-";
    let text = std::fs::read_to_string(w.path("out/notify/sent.json")).unwrap();
    let mut ledger: Value = serde_json::from_str(&text).unwrap();
    ledger["channels"]["hook"][subject]["severity"] = "warning".into();
    w.write("out/notify/sent.json", ledger.to_string());
    w.qfb(&["notify", "--out", "out"]).expect(0);
    let got = hook.received();
    assert_eq!(got.len(), 2);
    let again = batch_alerts(&got[1]);
    assert_eq!(again.len(), 1);
    assert_eq!(again[0]["production_batch"], "H2509-0016");
}

#[test]
fn a_server_error_is_retried_until_it_delivers() {
    let w = Workdir::new();
    sample_run(&w);
    let hook = Server::webhook(&[500, 500, 200]);
    hook_config(&w, hook.port, "");
    w.qfb(&["notify", "--out", "out"]).expect(0);
    assert_eq!(hook.received().len(), 3, "two 500s, then delivered");
    assert!(w.path("out/notify/sent.json").is_file());
    w.qfb(&["notify", "--out", "out"]).expect(0);
    assert_eq!(hook.received().len(), 3, "delivered once");
}

#[test]
fn a_refusal_is_not_retried_and_exits_4_with_the_outputs_kept() {
    let w = Workdir::new();
    let hook = Server::webhook(&[400]);
    hook_config(&w, hook.port, "");
    let run = w.qfb(&["run", "--input", SAMPLE, "--out", "out", "--fail-on", "warning"]).expect(4);
    assert_eq!(hook.received().len(), 1, "a 4xx is not retried");
    assert!(run.stderr().contains("alert channel `hook` could not be reached: HTTP 400"), "{}", run.stderr());
    assert!(w.path("out/alerts/month=2026-09/alerts.json").is_file());
    assert!(w.path("out/reports/2026-09/index.html").is_file());
    assert!(!w.path("out/notify/sent.json").exists(), "nothing recorded as sent");
}

#[test]
fn nothing_listening_exits_4_within_the_retry_budget() {
    let w = Workdir::new();
    sample_run(&w);
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    hook_config(&w, port, "");
    let started = std::time::Instant::now();
    let run = w.qfb(&["notify", "--out", "out"]).expect(4);
    assert!(started.elapsed() < std::time::Duration::from_secs(15), "{:?}", started.elapsed());
    assert!(
        run.stderr().contains("cannot reach the server") && run.stderr().contains("after 3 tries"),
        "{}",
        run.stderr()
    );
}

#[test]
fn dry_run_sends_nothing() {
    let w = Workdir::new();
    sample_run(&w);
    let hook = Server::webhook(&[200]);
    hook_config(&w, hook.port, "");
    let run = w.qfb(&["notify", "--out", "out", "--dry-run"]).expect(0);
    assert!(run.stdout().contains("--- `hook` would be sent"), "{}", run.stdout());
    assert!(run.stdout().contains("H2509-0016"));
    assert!(hook.received().is_empty());
    assert!(!w.path("out/notify/sent.json").exists());
}

/// A header of a message, unfolded, with its `=?utf-8?b?…?=` words
/// decoded.
fn header(mail: &str, name: &str) -> String {
    use base64::Engine;
    let head = mail.split("\r\n\r\n").next().unwrap().replace("\r\n ", " ").replace("\r\n\t", " ");
    let value = head.lines().find_map(|l| l.strip_prefix(&format!("{name}: "))).unwrap().to_string();
    value
        .split_whitespace()
        .map(|word| {
            let lower = word.to_ascii_lowercase();
            if lower.starts_with("=?utf-8?b?") && word.ends_with("?=") {
                let b64 = &word[10..word.len() - 2];
                String::from_utf8(base64::engine::general_purpose::STANDARD.decode(b64).unwrap()).unwrap()
            } else {
                format!("{word} ")
            }
        })
        .collect::<String>()
}

#[test]
fn email_in_english_and_chinese() {
    let w = Workdir::new();
    sample_run(&w);
    let sink = Server::smtp();
    w.write(
        "qfb.toml",
        format!(
            "[notify.email]\nsmtp_host = \"127.0.0.1\"\nsmtp_port = {}\nstarttls = false\nfrom = \"qfb@example.com\"\n\
             to = [\"quality@example.com\", \"manager@example.com\"]\n",
            sink.port
        ),
    );
    w.qfb(&["notify", "--out", "out"]).expect(0);
    std::fs::remove_file(w.path("out/notify/sent.json")).unwrap();
    w.qfb(&["notify", "--out", "out", "--lang", "zh"]).expect(0);
    let mails = sink.received();
    assert_eq!(mails.len(), 2);
    for (mail, want) in mails.iter().zip(["new alerts for 2026-09", "qfb 质量预警：2026-09 新增预警"]) {
        assert!(mail.starts_with("RCPT:quality@example.com,manager@example.com\n"), "{mail}");
        let subject = header(mail, "Subject");
        assert!(subject.contains(want), "{subject}");
        assert!(mail.contains("multipart/alternative") && mail.contains("text/html"), "{mail}");
    }
}

#[test]
fn a_clear_text_password_is_refused() {
    let w = Workdir::new();
    w.write(
        "qfb.toml",
        "[notify.email]\nsmtp_host = \"smtp.example.com\"\nfrom = \"a@example.com\"\nto = [\"b@example.com\"]\npassword = \"hunter2\"\n",
    );
    let run = w.qfb(&["notify", "--out", "out"]).expect(1);
    assert!(run.stderr().contains("clear-text password"), "{}", run.stderr());
    assert!(!run.stderr().contains("hunter2"), "the password is not echoed");
}

/// A station's own words reach a chat group only with phones masked, in
/// both languages: a major issue whose suggestion carries a phone number.
#[test]
fn a_phone_in_a_station_text_is_masked_in_the_message() {
    let w = Workdir::new();
    w.write(
        "in/2026-09/units.csv",
        "serial,model,product_line,production_batch,production_date,sale_date,station_id\nU1,M,household,B1,2026-01-01,2026-02-01,S1\n",
    );
    w.write("in/2026-09/stations.csv", "station_id,name,region,active\nS1,One,East,true\n");
    w.write(
        "in/2026-10/feedback_forms.csv",
        "form_id,line_no,station_id,report_month,submitted_at,model,component,quantity,major_issue,suggestion\n\
         F1,1,S1,2026-09,2026-10-05,KFR-35W,compressor,4,是,call Wang 13812345678 now\n",
    );
    let hook = Server::webhook(&[200]);
    w.write(
        "qfb.toml",
        format!(
            "[[notify.webhook]]\nname = \"en\"\nurl = \"http://127.0.0.1:{0}/a\"\nformat = \"json\"\nmin_severity = \"warning\"\n\
             [[notify.webhook]]\nname = \"zh\"\nurl = \"http://127.0.0.1:{0}/b\"\nformat = \"wecom\"\nmin_severity = \"warning\"\n",
            hook.port
        ),
    );
    w.qfb(&["run", "--input", "in", "--out", "out", "--month", "2026-09", "--lang", "zh"]).expect(0);
    let got = hook.received();
    assert_eq!(got.len(), 2, "{got:?}");
    for body in &got {
        assert!(!body.contains("13812345678"), "{body}");
    }
    assert!(got[0].contains("138****5678"), "the alert's own text, masked: {}", got[0]);
}
