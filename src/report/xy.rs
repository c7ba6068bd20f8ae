//! Charts on numeric axes, for life data: the Weibull probability plot
//! (days in service on a log axis against ln(−ln(1−F)), "Weibull paper",
//! on which a Weibull distribution is a straight line of slope β),
//! survival curves (Kaplan–Meier steps), and the Nevada heat map (sale
//! month × claim month). Same frame, font and legend as `charts`; pure
//! functions from data to PNG bytes.

use plotters::prelude::*;

use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::charts::{house_grid, render, text_style, trim, Key};
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

/// The plot inside the frame: the margins and label areas every xy chart
/// shares.
fn plot_area<'a, 'b, DB: DrawingBackend>(
    body: &'a DrawingArea<DB, plotters::coord::Shift>,
) -> ChartBuilder<'a, 'b, DB> {
    let mut b = ChartBuilder::on(body);
    b.margin(8).margin_top(2).margin_right(16).x_label_area_size(46).y_label_area_size(62);
    b
}

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
        let mut chart = plot_area(body).build_cartesian_2d((x_lo..x_hi).log_scale(), y_lo..y_hi).map_err(e)?;
        house_grid(
            chart
                .configure_mesh()
                .disable_y_mesh()
                .y_labels(0)
                .x_label_formatter(&|x| trim(*x))
                .x_desc(&c.x_label)
                .y_desc(&c.y_label),
        )
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
        let mut chart = plot_area(body).build_cartesian_2d(0f64..x_hi, y_lo..1.0005).map_err(e)?;
        let pct = |y: &f64| {
            let p = y * 100.0;
            if 1.0 - y_lo < 0.05 {
                format!("{p:.1}%")
            } else {
                format!("{p:.0}%")
            }
        };
        house_grid(
            chart
                .configure_mesh()
                .y_label_formatter(&pct)
                .x_label_formatter(&|x| trim(*x))
                .x_desc(&c.x_label)
                .y_desc(&c.y_label),
        )
        .draw()
        .map_err(e)?;
        for s in &c.series {
            draw(&mut chart, s, s.points.clone()).map_err(e)?;
        }
        Ok(())
    })
}

/// A heat map: one row per `rows` label, one column per `columns` label,
/// each cell shaded from white (0) to the alarm red (the largest value);
/// None is an empty (grey) cell. Labels are thinned to fit.
#[derive(Debug, Clone)]
pub struct HeatMap {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub rows: Vec<String>,
    pub columns: Vec<String>,
    /// `values[row][column]`.
    pub values: Vec<Vec<Option<f64>>>,
    /// The legend's words for the scale: "0 … {max} {unit}".
    pub unit: String,
}

pub fn heat_map(c: &HeatMap, size: (u32, u32)) -> Result<Vec<u8>> {
    let max = c.values.iter().flatten().flatten().fold(0.0f64, |a, &b| a.max(b));
    let (nr, nc) = (c.rows.len().max(1), c.columns.len().max(1));
    let legend = vec![(format!("0 … {} {}", trim(max), c.unit), Key::Bar(super::charts::ALARM))];
    render(&c.title, size, &legend, |body| {
        let e = |e: DrawingAreaErrorKind<_>| e.to_string();
        // Longer month labels on both axes: wider label areas.
        let mut chart = plot_area(body)
            .x_label_area_size(52)
            .y_label_area_size(66)
            .build_cartesian_2d(0f64..nc as f64, 0f64..nr as f64)
            .map_err(e)?;
        let every = |n: usize| n.div_ceil(12).max(1);
        let (ex, ey) = (every(nc), every(nr));
        let label = |labels: &[String], v: f64, every: usize| {
            let i = (v - 0.5).round();
            if (v - 0.5 - i).abs() > 1e-6 || i < 0.0 || !(i as usize).is_multiple_of(every) {
                return String::new();
            }
            labels.get(i as usize).cloned().unwrap_or_default()
        };
        // Rows top to bottom in their order: row 0 is drawn at the top.
        let rows_flipped: Vec<String> = c.rows.iter().rev().cloned().collect();
        let x_fmt = |v: &f64| label(&c.columns, *v, ex);
        let y_fmt = |v: &f64| {
            let i = (v - 0.5).round();
            if i < 0.0 || (nr - 1 - (i as usize).min(nr - 1)) % ey != 0 {
                return String::new();
            }
            label(&rows_flipped, *v, 1)
        };
        chart
            .configure_mesh()
            .disable_mesh()
            .x_labels(nc * 2 + 1)
            .y_labels(nr * 2 + 1)
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt)
            .x_desc(&c.x_label)
            .y_desc(&c.y_label)
            .label_style(text_style(11))
            .axis_desc_style(text_style(13))
            .draw()
            .map_err(e)?;
        let shade = |v: f64| {
            let k = if max > 0.0 { (v / max).clamp(0.0, 1.0) } else { 0.0 };
            let mix = |w: u8, r: u8| (w as f64 + (r as f64 - w as f64) * k).round() as u8;
            let a = super::charts::ALARM;
            RGBColor(mix(255, a.0), mix(255, a.1), mix(255, a.2))
        };
        for (r, row) in c.values.iter().enumerate() {
            let y = (nr - 1 - r) as f64;
            for (k, v) in row.iter().enumerate() {
                let color = match v {
                    Some(v) => shade(*v),
                    None => RGBColor(240, 240, 240),
                };
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [(k as f64, y), (k as f64 + 1.0, y + 1.0)],
                        color.filled(),
                    )))
                    .map_err(e)?;
            }
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
    fn heat_maps_draw() {
        let c = HeatMap {
            title: "Nevada".into(),
            x_label: "Claim month".into(),
            y_label: "Sale month".into(),
            rows: vec!["2026-01".into(), "2026-02".into()],
            columns: vec!["2026-01".into(), "2026-02".into(), "2026-03".into()],
            values: vec![vec![Some(1.0), Some(4.0), Some(0.0)], vec![None, Some(2.0), Some(8.0)]],
            unit: "claims".into(),
        };
        let a = heat_map(&c, (480, 320)).unwrap();
        assert_eq!(a, heat_map(&c, (480, 320)).unwrap());
        // The largest cell is drawn in the alarm red.
        let decoder = png::Decoder::new(std::io::Cursor::new(&a));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        reader.next_frame(&mut buf).unwrap();
        let a = super::super::charts::ALARM;
        assert!(buf.chunks(3).filter(|p| p == &[a.0, a.1, a.2]).count() > 1000);
    }

    #[test]
    fn weibull_scale() {
        // F = 1 − 1/e sits at 0 on Weibull paper.
        assert!(weibull_y(1.0 - (-1.0f64).exp()).abs() < 1e-12);
        assert!((weibull_y(0.1) - (-2.250_367)).abs() < 1e-6);
    }
}
