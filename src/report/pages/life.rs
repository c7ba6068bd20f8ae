//! The engineering page's life-data section: a Weibull probability plot per
//! key component (one colour per product line: the Kaplan–Meier points on
//! Weibull paper, the fitted line and its bounds), the table of fits, and
//! the Kaplan–Meier curve of each flagged batch against the rest of its
//! line. The curves of every line and component are exported.

use super::*;
use crate::life::lake::{BatchCurve, Fitted, Life, ALL};
use crate::life::weibull::z_two_sided;
use crate::life::{pattern, Pattern};
use crate::report::xy::{self, weibull_y, Mark, Series, XyChart};

#[derive(Debug, Clone, Serialize)]
pub struct LifeSection {
    pub plots: Vec<Chart>,
    pub table: Table,
    pub curves: Table,
    pub batch_charts: Vec<Chart>,
}

pub fn life_section(src: &Sources, t: &Text) -> Result<LifeSection> {
    Ok(LifeSection {
        plots: plots(src.life, src.config, t)?,
        table: table(src.life, z_two_sided(src.config.life.confidence), t),
        curves: curves(src.life, t),
        batch_charts: batch_charts(src.batch_curves, t)?,
    })
}

fn line_name(code: &str, t: &Text) -> String {
    if code == ALL {
        t.get("all_lines").to_string()
    } else {
        t.line(code)
    }
}

/// The Kaplan–Meier points of a fit on Weibull paper: (day, ln(−ln S)).
fn paper_points(f: &Fitted) -> Vec<(f64, f64)> {
    f.km.iter()
        .filter(|s| s.survival > 0.0 && s.survival < 1.0)
        .map(|s| (s.time, weibull_y(1.0 - s.survival)))
        .collect()
}

fn plots(life: &Life, config: &Config, t: &Text) -> Result<Vec<Chart>> {
    let z = z_two_sided(config.life.confidence);
    let mut charts = Vec::new();
    for c in config.components.iter().filter(|c| c.key) {
        let mut series = Vec::new();
        let mut alt = Vec::new();
        for (i, pl) in config.product_lines.iter().enumerate() {
            let Some(f) = life.get(&pl.code, &c.code) else { continue };
            let points = paper_points(f);
            if points.is_empty() {
                continue;
            }
            let color = PALETTE[i % PALETTE.len()];
            let name = drawable(t.line(&pl.code), &pl.code);
            let (lo, hi) = points.iter().fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.0), b.max(p.0)));
            match &f.fit {
                Some(fit) => {
                    // The line and its bounds across the observed days.
                    let xs: Vec<f64> =
                        (0..=24).map(|k| (lo.ln() + (hi.ln() - lo.ln()) * k as f64 / 24.0).exp()).collect();
                    let at = |sign: f64| xs.iter().map(|&x| (x, fit.line(x).0 + sign * z * fit.line(x).1)).collect();
                    series.push(Series {
                        name: format!("{name} (β = {:.2})", fit.beta),
                        color,
                        mark: Mark::Line,
                        points: at(0.0),
                    });
                    series.push(Series { name: String::new(), color, mark: Mark::Dashed, points: at(-1.0) });
                    series.push(Series { name: String::new(), color, mark: Mark::Dashed, points: at(1.0) });
                    series.push(Series { name: String::new(), color, mark: Mark::Dots, points });
                    alt.push(format!("{} β {:.2}, η {:.0}", t.line(&pl.code), fit.beta, fit.eta));
                }
                None => {
                    series.push(Series { name, color, mark: Mark::Dots, points });
                    alt.push(format!("{} –", t.line(&pl.code)));
                }
            }
        }
        let title = format!("{} / {}", drawable(t.component(&c.code), &c.code), t.get("life_plot"));
        let title = drawable(title, &c.code);
        let spec = XyChart {
            title: title.clone(),
            x_label: t.get("days_in_service_log").into(),
            y_label: t.get("share_failed_weibull").into(),
            series,
        };
        let (w, h) = (560, 340);
        charts.push(Chart {
            file: format!("life-{}.png", c.code),
            alt: format!("{title}: {}", alt.join("; ")),
            width: w,
            height: h,
            png: xy::probability_plot(&spec, (w, h))?,
        });
    }
    Ok(charts)
}

fn table(life: &Life, z: f64, t: &Text) -> Table {
    let headers = [
        "product_line",
        "component",
        "units",
        "failures",
        "beta",
        "beta_lower",
        "beta_upper",
        "failure_pattern",
        "eta_days",
        "b10_days",
        "reliability_warranty",
        "reliability_lower",
        "reliability_upper",
        "life_fit_note",
    ];
    let mut table = Table::new("life_weibull", t.get("life_table"), headers.iter().map(|h| t.get(h).into()).collect());
    table.note = Some(t.get("life_note").into());
    for f in life.fits.iter().filter(|f| f.units > 0.0) {
        let mut row = vec![
            Cell::text(line_name(&f.product_line, t)),
            Cell::text(t.component(&f.component)),
            Cell::int(f.units as i64),
            Cell::int(f.failures as i64),
        ];
        match &f.fit {
            Some(fit) => {
                let b = fit.beta_bounds(z);
                let r = fit.reliability_bounds(f.warranty_days, z);
                let (word, class) = match pattern(b.lower, b.upper) {
                    Pattern::Early => ("pattern_early", "bad"),
                    Pattern::Random => ("pattern_random", ""),
                    Pattern::WearOut => ("pattern_wear_out", "bad"),
                };
                row.extend([
                    Cell::float(Some(fit.beta), 3),
                    Cell::float(Some(b.lower), 3),
                    Cell::float(Some(b.upper), 3),
                    Cell::text(t.get(word)).with_class(class),
                    Cell::float(Some(fit.eta), 0),
                    Cell::float(Some(fit.b10()), 0),
                    Cell::pct(Some(fit.reliability(f.warranty_days))),
                    Cell::pct(Some(r.lower)),
                    Cell::pct(Some(r.upper)),
                    Cell::text(""),
                ]);
            }
            None => {
                row.extend((0..9).map(|_| Cell::float(None, 0)));
                row.push(Cell::text(f.note.clone().unwrap_or_default()));
            }
        }
        table.rows.push(row);
    }
    table
}

/// Every line's and component's curve, for the export (not shown: the
/// plots draw them).
fn curves(life: &Life, t: &Text) -> Table {
    let headers = ["product_line", "component", "day", "at_risk", "failures", "survival", "lower", "upper"];
    let mut table =
        Table::new("life_kaplan_meier", t.get("life_km"), headers.iter().map(|h| t.get(h).into()).collect());
    for f in &life.fits {
        for s in &f.km {
            table.rows.push(vec![
                Cell::text(line_name(&f.product_line, t)),
                Cell::text(t.component(&f.component)),
                Cell::int(s.time as i64),
                Cell::int(s.at_risk as i64),
                Cell::int(s.failures as i64),
                Cell::float(Some(s.survival), 6),
                Cell::float(s.lower, 6),
                Cell::float(s.upper, 6),
            ]);
        }
    }
    table.limit(0)
}

fn batch_charts(curves: &[BatchCurve], t: &Text) -> Result<Vec<Chart>> {
    let mut charts = Vec::new();
    for (i, c) in curves.iter().enumerate() {
        let steps = |s: &[crate::life::km::Step]| s.iter().map(|s| (s.time, s.survival)).collect::<Vec<_>>();
        // Batch ids are ASCII by contract; anything else is drawn as "?".
        let batch = if c.production_batch.is_ascii() { c.production_batch.clone() } else { "?".into() };
        let title = format!(
            "{batch} / {} / {}",
            drawable(t.component(&c.component), &c.component),
            drawable(t.line(&c.product_line), &c.product_line)
        );
        let spec = XyChart {
            title: title.clone(),
            x_label: t.get("days_in_service").into(),
            y_label: t.get("share_not_failed").into(),
            series: vec![
                Series {
                    name: drawable(t.get("rest_of_line").into(), "rest"),
                    color: PALETTE[0],
                    mark: Mark::Steps,
                    points: steps(&c.rest),
                },
                Series { name: batch.clone(), color: ALARM, mark: Mark::Steps, points: steps(&c.batch) },
            ],
        };
        let last = |s: &[crate::life::km::Step]| s.last().map_or(1.0, |s| s.survival);
        let alt = format!(
            "{title}: {batch} {:.2}%, {} {:.2}%",
            last(&c.batch) * 100.0,
            t.get("rest_of_line"),
            last(&c.rest) * 100.0
        );
        charts.push(Chart {
            file: format!("life-batch-{}.png", i + 1),
            alt,
            width: 460,
            height: 280,
            png: xy::survival_chart(&spec, (460, 280))?,
        });
    }
    Ok(charts)
}
