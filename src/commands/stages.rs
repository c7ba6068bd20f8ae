//! The time and peak memory of each stage of a run, for the line `qfb run`
//! ends with: users of a monthly job want to see where the time goes.
//! Peak memory is the process's resident high-water mark (Linux
//! `VmHWM`), reset before each stage, so each figure is that stage's own
//! peak; elsewhere it is not shown.

use std::time::{Duration, Instant};

use crate::error::Result;

#[derive(Debug, Default)]
pub struct Stages {
    done: Vec<(&'static str, Duration, Option<u64>)>,
}

impl Stages {
    /// Run one stage, timing it.
    pub fn time<T>(&mut self, name: &'static str, f: impl FnOnce() -> Result<T>) -> Result<T> {
        crate::mem::reset_peak();
        let started = Instant::now();
        let out = f();
        self.done.push((name, started.elapsed(), crate::mem::peak()));
        out
    }

    /// `ingest 9.8 s (0.52 GB), metrics 4.1 s (1.40 GB), …; total 40.2 s, peak 1.90 GB`.
    pub fn line(&self) -> String {
        let gb = |b: u64| format!("{:.2} GB", b as f64 / 1e9);
        let parts: Vec<String> = self
            .done
            .iter()
            .map(|(n, d, m)| match m {
                Some(m) => format!("{n} {:.1} s ({})", d.as_secs_f64(), gb(*m)),
                None => format!("{n} {:.1} s", d.as_secs_f64()),
            })
            .collect();
        let total: Duration = self.done.iter().map(|s| s.1).sum();
        let peak = self.done.iter().filter_map(|s| s.2).max();
        format!(
            "stages: {}; total {:.1} s{}",
            parts.join(", "),
            total.as_secs_f64(),
            peak.map(|p| format!(", peak {}", gb(p))).unwrap_or_default()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_stage_is_timed_and_listed() {
        let mut s = Stages::default();
        let v = s.time("a", || Ok(41 + 1)).unwrap();
        assert_eq!(v, 42);
        s.time("b", || Ok(())).unwrap();
        let line = s.line();
        assert!(line.starts_with("stages: a 0.0 s"), "{line}");
        assert!(line.contains(", b 0.0 s") && line.contains("; total 0.0 s"), "{line}");
        if cfg!(target_os = "linux") {
            assert!(line.contains(" GB)") && line.contains(", peak "), "{line}");
        }
    }
}
