//! The one integration-test binary: every module under `it/` runs the real
//! `qfb` binary in a fresh folder (see `it/workdir.rs`).

#[path = "it/workdir.rs"]
mod workdir;

#[path = "it/adversarial.rs"]
mod adversarial;
#[path = "it/adversarial_xlsx.rs"]
mod adversarial_xlsx;
#[path = "it/agreement.rs"]
mod agreement;
#[path = "it/alerts.rs"]
mod alerts;
#[path = "it/cli.rs"]
mod cli;
#[path = "it/forecast.rs"]
mod forecast;
#[path = "it/generate.rs"]
mod generate;
#[path = "it/ingest.rs"]
mod ingest;
#[path = "it/lake.rs"]
mod lake;
#[path = "it/life.rs"]
mod life;
#[path = "it/metrics.rs"]
mod metrics;
#[path = "it/notify.rs"]
mod notify;
#[path = "it/report.rs"]
mod report;
#[path = "it/station_reports.rs"]
mod station_reports;
#[path = "it/template.rs"]
mod template;
