//! Charts on numeric axes, for life data: the Weibull probability plot
//! (days in service on a log axis against ln(−ln(1−F)), "Weibull paper",
//! on which a Weibull distribution is a straight line of slope β) and
//! survival curves (Kaplan–Meier steps). Same frame, font and legend as
//! `charts`; pure functions from data to PNG bytes.

use plotters::prelude::*;

use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::charts::{render, text_style, trim, Key};
use crate::error::Result;

/// How a series is drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Mark {
    Dots,
    Line,
    Dashed,
    /// A step function: each point holds until the next (survival curves).
    Steps,
}

/// One series; an empty name keeps it out of the legend (a fit's bounds
/// share its line's entry).
#[derive(Debug, Clone)]
pub struct Series {
    pub name: String,
    pub color: RGBColor,
    pub mark: Mark,
    pub points: Vec<(f64, f64)>,
}

#[derive(Debug, Clone)]
pub struct XyChart {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub series: Vec<Series>,
}

/// The Weibull-paper ordinate of a cumulative failure share F.
pub fn weibull_y(f: f64) -> f64 {
    (-(-f).ln_1p()).ln()
}

/// Shares failed that label the probability plot's y axis.
const F_TICKS: &[f64] =
    &[1e-5, 1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.632, 0.8, 0.9, 0.99];

fn legend(series: &[Series]) -> Vec<(String, Key)> {
    series
        .iter()
        .filter(|s| !s.name.is_empty())
        .map(|s| (s.name.clone(), Key::Line(s.color, s.mark == Mark::Dashed)))
        .collect()
}

fn bounds(series: &[Series], axis: impl Fn(&(f64, f64)) -> f64) -> Option<(f64, f64)> {
    let (lo, hi) = series
        .iter()
        .flat_map(|s| s.points.iter().map(&axis))
        .filter(|v| v.is_finite())
        .fold((f64::MAX, f64::MIN), |(a, b), v| (a.min(v), b.max(v)));
    (lo <= hi).then_some((lo, hi))
}

/// A Weibull probability plot: x in days (log scale, > 0), y on the
/// Weibull scale (`weibull_y`), labelled as shares failed.
pub fn probability_plot(c: &XyChart, size: (u32, u32)) -> Result<Vec<u8>> {
    let (x_lo, x_hi) = bounds(&c.series, |p| p.0).filter(|b| b.0 > 0.0).unwrap_or((1.0, 1000.0));
    let (x_lo, x_hi) = ((x_lo / 1.5).max(0.5), (x_hi * 1.5).max(x_lo * 10.0));
    let (y_lo, y_hi) = bounds(&c.series, |p| p.1).unwrap_or((weibull_y(1e-3), weibull_y(0.1)));
    let (y_lo, y_hi) = (y_lo - 0.3, (y_hi + 0.3).max(y_lo + 1.0));
    let ticks: Vec<f64> = F_TICKS.iter().map(|f| weibull_y(*f)).filter(|y| *y >= y_lo && *y <= y_hi).collect();
    render(&c.title, size, &legend(&c.series), |body| {
        let e = |e: DrawingAreaErrorKind<_>| e.to_string();
        let mut chart = ChartBuilder::on(body)
            .margin(8)
            .margin_top(2)
            .margin_right(16)
            .x_label_area_size(46)
            .y_label_area_size(62)
            .build_cartesian_2d((x_lo..x_hi).log_scale(), y_lo..y_hi)
            .map_err(e)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(0)
            .x_label_formatter(&|x| trim(*x))
            .x_desc(&c.x_label)
            .y_desc(&c.y_label)
            .label_style(text_style(12))
            .axis_desc_style(text_style(13))
            .light_line_style(RGBColor(246, 246, 246))
            .bold_line_style(RGBColor(215, 215, 215))
            .draw()
            .map_err(e)?;
        // The y axis is labelled at round shares failed, not at round
        // values of ln(−ln(1−F)): grid lines and labels drawn here.
        let share = |y: f64| {
            let pct = -(-y.exp()).exp_m1() * 100.0;
            if pct >= 1.0 {
                format!("{}%", trim((pct * 10.0).round() / 10.0))
            } else {
                format!("{}%", format!("{pct:.3}").trim_end_matches('0'))
            }
        };
        let base = body.get_base_pixel();
        for &y in &ticks {
            let grid = ShapeStyle::from(&RGBColor(215, 215, 215)).stroke_width(1);
            chart.draw_series(LineSeries::new([(x_lo, y), (x_hi, y)], grid)).map_err(e)?;
            let (_, py) = chart.backend_coord(&(x_lo, y));
            let (px, _) = chart.backend_coord(&(x_lo, y));
            body.draw(&Text::new(
                share(y),
                (px - base.0 - 6, py - base.1),
                text_style(12).pos(Pos::new(HPos::Right, VPos::Center)),
            ))
            .map_err(e)?;
        }
        for s in &c.series {
            let points: Vec<(f64, f64)> = s
                .points
                .iter()
                .copied()
                .filter(|p| p.0 > 0.0 && p.1.is_finite() && p.1 >= y_lo && p.1 <= y_hi)
                .collect();
            draw(&mut chart, s, points).map_err(e)?;
        }
        Ok(())
    })
}

/// Survival curves: x in days from 0, y the share not yet failed (shown
/// as a percentage, the axis zoomed to the data).
pub fn survival_chart(c: &XyChart, size: (u32, u32)) -> Result<Vec<u8>> {
    let x_hi = bounds(&c.series, |p| p.0).map_or(100.0, |b| b.1 * 1.05).max(1.0);
    let y_min = bounds(&c.series, |p| p.1).map_or(0.9, |b| b.0);
    let y_lo = (y_min - (1.0 - y_min) * 0.15 - 0.001).max(0.0);
    render(&c.title, size, &legend(&c.series), |body| {
        let e = |e: DrawingAreaErrorKind<_>| e.to_string();
        let mut chart = ChartBuilder::on(body)
            .margin(8)
            .margin_top(2)
            .margin_right(16)
            .x_label_area_size(46)
            .y_label_area_size(62)
            .build_cartesian_2d(0f64..x_hi, y_lo..1.0005)
            .map_err(e)?;
        let pct = |y: &f64| {
            let p = y * 100.0;
            if 1.0 - y_lo < 0.05 {
                format!("{p:.1}%")
            } else {
                format!("{p:.0}%")
            }
        };
        chart
            .configure_mesh()
            .y_label_formatter(&pct)
            .x_label_formatter(&|x| trim(*x))
            .x_desc(&c.x_label)
            .y_desc(&c.y_label)
            .label_style(text_style(12))
            .axis_desc_style(text_style(13))
            .light_line_style(RGBColor(246, 246, 246))
            .bold_line_style(RGBColor(215, 215, 215))
            .draw()
            .map_err(e)?;
        for s in &c.series {
            draw(&mut chart, s, s.points.clone()).map_err(e)?;
        }
        Ok(())
    })
}

fn draw<DB: DrawingBackend, X: Ranged<ValueType = f64>, Y: Ranged<ValueType = f64>>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<X, Y>>,
    s: &Series,
    points: Vec<(f64, f64)>,
) -> std::result::Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let style = ShapeStyle::from(&s.color).stroke_width(2);
    match s.mark {
        Mark::Dots => {
            chart.draw_series(points.iter().map(|p| Circle::new(*p, 3, s.color.filled())))?;
        }
        Mark::Line => {
            chart.draw_series(LineSeries::new(points, style))?;
        }
        Mark::Dashed => {
            chart.draw_series(DashedLineSeries::new(points, 6, 4, ShapeStyle::from(&s.color).stroke_width(1)))?;
        }
        Mark::Steps => {
            // From (0, 1): each step holds its value until the next time.
            let mut path = vec![(0.0, 1.0)];
            for &(x, y) in &points {
                let last = path.last().expect("non-empty").1;
                path.push((x, last));
                path.push((x, y));
            }
            chart.draw_series(LineSeries::new(path, style))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plot() -> XyChart {
        XyChart {
            title: "Compressor".into(),
            x_label: "Days in service".into(),
            y_label: "Share failed".into(),
            series: vec![
                Series {
                    name: "household".into(),
                    color: RGBColor(31, 119, 180),
                    mark: Mark::Dots,
                    points: (1..40).map(|d| (d as f64 * 10.0, weibull_y(d as f64 * 1e-4))).collect(),
                },
                Series {
                    name: String::new(),
                    color: RGBColor(31, 119, 180),
                    mark: Mark::Dashed,
                    points: vec![(10.0, -9.0), (400.0, -5.5)],
                },
            ],
        }
    }

    #[test]
    fn probability_plots_and_survival_curves_draw_deterministically() {
        let a = probability_plot(&plot(), (520, 320)).unwrap();
        assert_eq!(a, probability_plot(&plot(), (520, 320)).unwrap());
        let mut other = plot();
        other.series.pop();
        assert_ne!(probability_plot(&other, (520, 320)).unwrap(), a);
        let mut steps = plot();
        steps.series[0].mark = Mark::Steps;
        steps.series[0].points = vec![(3.0, 0.99), (50.0, 0.97), (90.0, 0.96)];
        steps.series.pop();
        survival_chart(&steps, (460, 280)).unwrap();
        // Nothing to draw still draws an empty frame.
        probability_plot(&XyChart { series: Vec::new(), ..plot() }, (520, 320)).unwrap();
        survival_chart(&XyChart { series: Vec::new(), ..plot() }, (520, 320)).unwrap();
    }

    #[test]
    fn weibull_scale() {
        // F = 1 − 1/e sits at 0 on Weibull paper.
        assert!(weibull_y(1.0 - (-1.0f64).exp()).abs() < 1e-12);
        assert!((weibull_y(0.1) - (-2.250_367)).abs() < 1e-6);
    }
}
