//! PNG charts, drawn with plotters into an RGB buffer and encoded with the
//! `png` crate: pure functions from a chart's data to its bytes. Text uses
//! only the embedded font (`fonts`), so the bytes are the same everywhere.
//! Two shapes live here: a line chart over labelled categories (months,
//! months in service) with an optional reference line and ringed points,
//! and a Pareto chart (bars and their cumulative share). Charts on numeric
//! axes (life data) are in `xy`, drawn with the same frame and legend.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::fonts;
use super::text::Crisp;
use crate::error::{Error, Result};

pub const PALETTE: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(23, 190, 207),
];
pub const GREY: RGBColor = RGBColor(110, 110, 110);
pub const ALARM: RGBColor = RGBColor(214, 39, 40);

/// One line of a line chart; a missing value leaves a gap.
#[derive(Debug, Clone)]
pub struct Line {
    pub name: String,
    pub values: Vec<Option<f64>>,
    pub color: RGBColor,
    pub dashed: bool,
    /// Dots on the points as well as the line.
    pub dots: bool,
}

#[derive(Debug, Clone)]
pub struct LineChart {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    /// One label per x position.
    pub categories: Vec<String>,
    pub lines: Vec<Line>,
    /// A horizontal reference (a target): its name and value.
    pub reference: Option<(String, f64)>,
    /// Values are fractions, shown as percentages.
    pub percent: bool,
    /// Points ringed in red, and the legend entry for them.
    pub rings: Vec<(usize, f64)>,
    pub ring_label: String,
    /// Values are counts of things (rows, units): whole-number ticks from 0.
    pub counts: bool,
}

#[derive(Debug, Clone)]
pub struct Pareto {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub cumulative_label: String,
    /// Sorted by value, largest first.
    pub bars: Vec<(String, f64)>,
}

pub(super) fn err(what: &str) -> impl Fn(String) -> Error + '_ {
    move |message| Error::Report { what: format!("chart `{what}`"), message }
}

/// Render into an RGB buffer of `size` and encode it as PNG: the title and
/// legend on top, then `draw` on the plot's area.
pub(super) fn render(
    title: &str,
    size: (u32, u32),
    legend: &[(String, Key)],
    draw: impl FnOnce(&DrawingArea<Crisp<'_>, Shift>) -> std::result::Result<(), String>,
) -> Result<Vec<u8>> {
    fonts::register();
    let mut rgb = vec![0u8; (size.0 * size.1 * 3) as usize];
    {
        let root = Crisp(BitMapBackend::with_buffer(&mut rgb, size)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| err(title)(e.to_string()))?;
        let body = header(&root, title, legend).map_err(err(title))?;
        draw(&body).map_err(err(title))?;
        root.present().map_err(|e| err(title)(e.to_string()))?;
    }
    encode_png(&rgb, size).map_err(err(title))
}

/// PNG bytes of an RGB buffer, with fixed settings so equal pixels give
/// equal bytes.
pub fn encode_png(rgb: &[u8], (w, h): (u32, u32)) -> std::result::Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, w, h);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    enc.set_compression(png::Compression::Balanced);
    let mut writer = enc.write_header().map_err(|e| e.to_string())?;
    writer.write_image_data(rgb).map_err(|e| e.to_string())?;
    writer.finish().map_err(|e| e.to_string())?;
    Ok(out)
}

/// A legend entry's key.
#[derive(Debug, Clone, Copy)]
pub(super) enum Key {
    Line(RGBColor, bool),
    Ring,
    Bar(RGBColor),
}

/// Draw the title and a one-row legend above the plot; the plot's area is
/// returned. A legend outside the plot never hides a point.
fn header<'a>(
    root: &DrawingArea<Crisp<'a>, Shift>,
    title: &str,
    legend: &[(String, Key)],
) -> std::result::Result<DrawingArea<Crisp<'a>, Shift>, String> {
    let e = |e: DrawingAreaErrorKind<_>| e.to_string();
    let (w, _) = root.dim_in_pixel();
    let (top, body) = root.split_vertically(50);
    top.draw(&Text::new(title.to_string(), (w as i32 / 2, 4), text_style(16).pos(Pos::new(HPos::Center, VPos::Top))))
        .map_err(e)?;
    // Entries centred on one row.
    let widths: Vec<i32> = legend.iter().map(|(l, _)| 26 + super::text::measure(l, 12.0).0 as i32 + 14).collect();
    let mut x = (w as i32 - widths.iter().sum::<i32>()).max(0) / 2;
    let y = 36;
    for ((label, key), width) in legend.iter().zip(widths) {
        match *key {
            Key::Line(color, dashed) => {
                let style = ShapeStyle::from(&color).stroke_width(2);
                if dashed {
                    for k in 0..3 {
                        top.draw(&PathElement::new(vec![(x + k * 7, y), (x + k * 7 + 4, y)], style)).map_err(e)?;
                    }
                } else {
                    top.draw(&PathElement::new(vec![(x, y), (x + 20, y)], style)).map_err(e)?;
                }
            }
            Key::Ring => top.draw(&Circle::new((x + 10, y), 6, ShapeStyle::from(&ALARM).stroke_width(2))).map_err(e)?,
            Key::Bar(color) => {
                top.draw(&Rectangle::new([(x + 3, y - 6), (x + 17, y + 6)], color.filled())).map_err(e)?
            }
        }
        top.draw(&Text::new(label.clone(), (x + 26, y), text_style(12).pos(Pos::new(HPos::Left, VPos::Center))))
            .map_err(e)?;
        x += width;
    }
    Ok(body)
}

/// The grid every line and xy chart draws: 12-point labels, 13-point axis
/// titles, faint light lines and grey bold ones.
pub(super) fn house_grid<'m, 'a, 'b, X: Ranged, Y: Ranged, DB: DrawingBackend>(
    mesh: &'m mut plotters::chart::MeshStyle<'a, 'b, X, Y, DB>,
) -> &'m mut plotters::chart::MeshStyle<'a, 'b, X, Y, DB> {
    mesh.label_style(text_style(12))
        .axis_desc_style(text_style(13))
        .light_line_style(RGBColor(246, 246, 246))
        .bold_line_style(RGBColor(215, 215, 215))
}

pub(super) fn text_style(size: u32) -> TextStyle<'static> {
    (fonts::FAMILY, size).into_font().color(&BLACK)
}

/// The y range: the data and the reference with a margin, never below 0
/// (and never above 100% for fractions).
fn y_range(values: impl Iterator<Item = f64>, percent: bool) -> (f64, f64) {
    let (mut lo, mut hi) =
        values.filter(|v| v.is_finite()).fold((f64::MAX, f64::MIN), |(a, b), v| (a.min(v), b.max(v)));
    if lo > hi {
        (lo, hi) = (0.0, 1.0);
    }
    let pad = ((hi - lo) * 0.1).max(if percent { 0.01 } else { 0.5 });
    let (mut lo, mut hi) = ((lo - pad).max(0.0), hi + pad);
    if percent {
        hi = hi.min(1.0);
        if hi - lo < 0.02 {
            lo = (hi - 0.02).max(0.0);
        }
    }
    if !percent && lo < hi * 0.25 {
        lo = 0.0;
    }
    (lo, hi)
}

/// A line chart as PNG bytes.
pub fn line_chart(c: &LineChart, size: (u32, u32)) -> Result<Vec<u8>> {
    let n = c.categories.len().max(1);
    let all = c
        .lines
        .iter()
        .flat_map(|l| l.values.iter().flatten().copied())
        .chain(c.reference.iter().map(|r| r.1))
        .chain(c.rings.iter().map(|r| r.1));
    let (lo, hi) = if c.counts {
        // From 0 to a whole number at least 1: no axis of half rows.
        let top = all.filter(|v| v.is_finite()).fold(0.0f64, f64::max);
        (0.0, (top * 1.1).ceil().max(top + 1.0).max(1.0))
    } else {
        y_range(all, c.percent)
    };
    let mut legend: Vec<(String, Key)> = Vec::new();
    if let Some((name, _)) = &c.reference {
        legend.push((name.clone(), Key::Line(ALARM, true)));
    }
    legend.extend(c.lines.iter().map(|l| (l.name.clone(), Key::Line(l.color, l.dashed))));
    if !c.rings.is_empty() {
        legend.push((c.ring_label.clone(), Key::Ring));
    }
    render(&c.title, size, &legend, |body| {
        let e = |e: DrawingAreaErrorKind<_>| e.to_string();
        let mut chart = ChartBuilder::on(body)
            .margin(8)
            .margin_top(2)
            .x_label_area_size(46)
            .y_label_area_size(58)
            .build_cartesian_2d(-0.5f64..(n as f64 - 0.5), lo..hi)
            .map_err(e)?;
        let every = n.div_ceil(8).max(1);
        let categories = &c.categories;
        let x_fmt = |x: &f64| {
            let i = x.round();
            if (x - i).abs() > 1e-6 || i < 0.0 || i as usize >= n || !(i as usize).is_multiple_of(every) {
                return String::new();
            }
            categories.get(i as usize).cloned().unwrap_or_default()
        };
        let y_fmt = |y: &f64| match (c.percent, c.counts) {
            (true, _) => format!("{:.0}%", y * 100.0),
            (_, true) if (y - y.round()).abs() > 1e-9 => String::new(),
            (_, true) => format!("{y:.0}"),
            _ => trim(*y),
        };
        // plotters draws 11 labels by default.
        let y_ticks = if c.counts { (hi as usize).min(10) + 1 } else { 11 };
        house_grid(
            chart
                .configure_mesh()
                .x_labels(n.min(48))
                .y_labels(y_ticks)
                .x_label_formatter(&x_fmt)
                .y_label_formatter(&y_fmt)
                .x_desc(&c.x_label)
                .y_desc(&c.y_label),
        )
        .draw()
        .map_err(e)?;
        if let Some((_, v)) = &c.reference {
            let style = ShapeStyle::from(&ALARM).stroke_width(2);
            chart.draw_series(DashedLineSeries::new([(-0.5, *v), (n as f64 - 0.5, *v)], 8, 5, style)).map_err(e)?;
        }
        for line in &c.lines {
            let style = ShapeStyle::from(&line.color).stroke_width(2);
            // Runs of consecutive values, so a gap breaks the line.
            let mut runs: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
            for (i, v) in line.values.iter().enumerate() {
                match v {
                    Some(v) if v.is_finite() => runs.last_mut().expect("non-empty").push((i as f64, *v)),
                    _ => runs.push(Vec::new()),
                }
            }
            for run in runs.into_iter().filter(|r| !r.is_empty()) {
                if line.dashed {
                    chart.draw_series(DashedLineSeries::new(run.clone(), 6, 4, style)).map_err(e)?;
                } else {
                    chart.draw_series(LineSeries::new(run.clone(), style)).map_err(e)?;
                }
                if line.dots {
                    chart.draw_series(run.iter().map(|p| Circle::new(*p, 3, line.color.filled()))).map_err(e)?;
                }
            }
        }
        if !c.rings.is_empty() {
            let style = ShapeStyle::from(&ALARM).stroke_width(2);
            chart.draw_series(c.rings.iter().map(|(i, v)| Circle::new((*i as f64, *v), 7, style))).map_err(e)?;
        }
        Ok(())
    })
}

/// A Pareto chart as PNG bytes: bars on the left axis, their cumulative
/// share on the right.
pub fn pareto(c: &Pareto, size: (u32, u32)) -> Result<Vec<u8>> {
    let n = c.bars.len().max(1);
    let total: f64 = c.bars.iter().map(|b| b.1).sum();
    let top = c.bars.iter().map(|b| b.1).fold(0.0, f64::max).max(1.0) * 1.1;
    let legend =
        [(c.y_label.clone(), Key::Bar(PALETTE[0])), (c.cumulative_label.clone(), Key::Line(PALETTE[1], false))];
    render(&c.title, size, &legend, |body| {
        let e = |e: DrawingAreaErrorKind<_>| e.to_string();
        let mut chart = ChartBuilder::on(body)
            .margin(8)
            .margin_top(2)
            .x_label_area_size(44)
            .y_label_area_size(50)
            .right_y_label_area_size(50)
            .build_cartesian_2d(-0.5f64..(n as f64 - 0.5), 0f64..top)
            .map_err(e)?
            .set_secondary_coord(-0.5f64..(n as f64 - 0.5), 0f64..1.0);
        let bars = &c.bars;
        let x_fmt = |x: &f64| {
            let i = x.round();
            if (x - i).abs() > 1e-6 || i < 0.0 || i as usize >= n {
                return String::new();
            }
            bars.get(i as usize).map(|b| b.0.clone()).unwrap_or_default()
        };
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(n)
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&|y| trim(*y))
            .x_desc(&c.x_label)
            .y_desc(&c.y_label)
            .label_style(text_style(12))
            .axis_desc_style(text_style(13))
            .light_line_style(RGBColor(246, 246, 246))
            .draw()
            .map_err(e)?;
        chart
            .configure_secondary_axes()
            .y_label_formatter(&|y| format!("{:.0}%", y * 100.0))
            .y_desc(&c.cumulative_label)
            .label_style(text_style(12))
            .axis_desc_style(text_style(13))
            .draw()
            .map_err(e)?;
        let fill = PALETTE[0];
        chart
            .draw_series(
                c.bars
                    .iter()
                    .enumerate()
                    .map(|(i, b)| Rectangle::new([(i as f64 - 0.38, 0.0), (i as f64 + 0.38, b.1)], fill.filled())),
            )
            .map_err(e)?;
        let mut running = 0.0;
        let cumulative: Vec<(f64, f64)> = c
            .bars
            .iter()
            .enumerate()
            .map(|(i, b)| {
                running += b.1;
                (i as f64, if total > 0.0 { running / total } else { 0.0 })
            })
            .collect();
        let style = ShapeStyle::from(&PALETTE[1]).stroke_width(2);
        chart.draw_secondary_series(LineSeries::new(cumulative.clone(), style)).map_err(e)?;
        chart.draw_secondary_series(cumulative.iter().map(|p| Circle::new(*p, 3, PALETTE[1].filled()))).map_err(e)?;
        Ok(())
    })
}

/// A number for an axis: no trailing zeros.
pub(super) fn trim(v: f64) -> String {
    let s = format!("{v:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn decode(png_bytes: &[u8]) -> (u32, u32, Vec<u8>) {
        let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
        let mut reader = decoder.read_info().expect("a PNG");
        let mut buf = vec![0; reader.output_buffer_size().expect("size")];
        let info = reader.next_frame(&mut buf).expect("a frame");
        (info.width, info.height, buf[..info.buffer_size()].to_vec())
    }

    fn sample() -> LineChart {
        LineChart {
            title: "Satisfaction".into(),
            x_label: "Month".into(),
            y_label: "Share".into(),
            categories: (1..=12).map(|m| format!("2026-{m:02}")).collect(),
            lines: vec![Line {
                name: "Value".into(),
                values: (0..12).map(|i| if i == 4 { None } else { Some(0.95 + i as f64 * 0.003) }).collect(),
                color: PALETTE[0],
                dashed: false,
                dots: true,
            }],
            reference: Some(("Target".into(), 0.98)),
            percent: true,
            rings: vec![(11, 0.983)],
            ring_label: "Rule fired".into(),
            counts: false,
        }
    }

    #[test]
    fn line_chart_draws_deterministic_pngs() {
        let a = line_chart(&sample(), (480, 260)).expect("drawn");
        let b = line_chart(&sample(), (480, 260)).expect("drawn");
        assert_eq!(a, b, "same data, same bytes");
        let (w, h, px) = decode(&a);
        assert_eq!((w, h), (480, 260));
        // The target line is drawn in the alarm red.
        let red = px.chunks(3).filter(|p| p == &[ALARM.0, ALARM.1, ALARM.2]).count();
        assert!(red > 100, "{red} red pixels");
        // A change in the data changes the picture.
        let mut other = sample();
        other.reference = None;
        assert_ne!(line_chart(&other, (480, 260)).expect("drawn"), a);
        // Empty data still draws (a month with nothing to show).
        let mut empty = sample();
        empty.lines[0].values = vec![None; 12];
        empty.rings.clear();
        line_chart(&empty, (480, 260)).expect("drawn");
    }

    #[test]
    fn pareto_draws() {
        let c = Pareto {
            title: "By component".into(),
            x_label: "Component".into(),
            y_label: "Failures".into(),
            cumulative_label: "Cumulative %".into(),
            bars: vec![("compressor".into(), 12.0), ("motor".into(), 5.0), ("sensor".into(), 1.0)],
        };
        let (w, h, px) = decode(&pareto(&c, (520, 300)).expect("drawn"));
        assert_eq!((w, h), (520, 300));
        let blue = px.chunks(3).filter(|p| p == &[PALETTE[0].0, PALETTE[0].1, PALETTE[0].2]).count();
        assert!(blue > 2000, "{blue} bar pixels");
    }

    /// Ink (non-white pixels) of one string drawn alone.
    fn ink(text: &str) -> usize {
        fonts::register();
        let size = (900u32, 40u32);
        let mut rgb = vec![0u8; (size.0 * size.1 * 3) as usize];
        {
            let root = Crisp(BitMapBackend::with_buffer(&mut rgb, size)).into_drawing_area();
            root.fill(&WHITE).expect("fill");
            root.draw_text(text, &text_style(16), (2, 10)).expect("text");
            root.present().expect("present");
        }
        rgb.chunks(3).filter(|p| p != &[255, 255, 255]).count()
    }

    #[test]
    fn report_fonts_draw_every_translated_label() {
        let config = Config::defaults();
        for label in crate::report::i18n::all_chinese(&config) {
            // Every character leaves ink of its own.
            assert_eq!(fonts::missing_glyphs(&label), Vec::<char>::new(), "{label}");
            for ch in label.chars().filter(|c| !c.is_whitespace()) {
                assert!(ink(&ch.to_string()) > 0, "`{ch}` of `{label}` draws nothing");
            }
        }
        // A character outside the font would draw the .notdef box, which
        // the glyph check catches.
        assert_eq!(fonts::missing_glyphs("龘"), vec!['龘']);
        assert!(ink("H2509-0016") > 0);
    }
}
