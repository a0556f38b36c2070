//! PNG charts without any text (no fonts): an overview scatter and per-client sparklines.
//!
//! Drawn with plotters into an in-memory RGB buffer and encoded with the `png` crate
//! (plotters is built without its bitmap encoder, so the `image` crate stays out of the tree).

use plotters::prelude::*;

use super::{Digest, DigestError};
use crate::model::Verdict;

/// Overview chart size in pixels.
pub const CHART_SIZE: (u32, u32) = (560, 320);
/// Sparkline size in pixels.
pub const SPARK_SIZE: (u32, u32) = (120, 28);

/// The dot / line colour of a verdict.
pub(crate) fn verdict_rgb(v: Verdict) -> (u8, u8, u8) {
    match v {
        Verdict::Nurture => (46, 139, 87),
        Verdict::Keep => (70, 120, 180),
        Verdict::Watch => (230, 145, 30),
        Verdict::LetGo => (200, 50, 50),
        Verdict::NotEnoughData => (150, 150, 150),
    }
}

fn chart_err<E: std::fmt::Display>(e: E) -> DigestError {
    DigestError::Chart(e.to_string())
}

fn encode(buf: &[u8], (w, h): (u32, u32)) -> Result<Vec<u8>, DigestError> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        enc.set_compression(png::Compression::Fast);
        let mut writer = enc.write_header().map_err(chart_err)?;
        writer.write_image_data(buf).map_err(chart_err)?;
        writer.finish().map_err(chart_err)?;
    }
    Ok(out)
}

/// The overview: health (y, 0–100) against revenue share (x) when any client has revenue,
/// otherwise against trend (x, −50…+50). One dot per scored client in its verdict's colour;
/// dashed-looking grey lines at the let-go, watch and nurture thresholds. `None` when no
/// client has a health score.
pub fn overview_png(d: &Digest) -> Result<Option<Vec<u8>>, DigestError> {
    let by_revenue = d.clients.iter().any(|c| c.revenue_share.is_some());
    let points: Vec<(f64, f64, Verdict)> = d
        .clients
        .iter()
        .filter_map(|c| {
            let h = f64::from(c.health?);
            let x = if by_revenue {
                c.revenue_share.unwrap_or(0.0)
            } else {
                f64::from(c.trend.unwrap_or(0)).clamp(-50.0, 50.0)
            };
            Some((x, h, c.verdict))
        })
        .collect();
    if points.is_empty() {
        return Ok(None);
    }
    let (x0, x1) = if by_revenue {
        let max = points.iter().map(|p| p.0).fold(0.0, f64::max);
        (0.0, (max * 1.1).clamp(5.0, 100.0))
    } else {
        (-50.0, 50.0)
    };
    let (w, h) = CHART_SIZE;
    let mut buf = vec![255u8; (w * h * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut buf, (w, h)).into_drawing_area();
        root.fill(&WHITE).map_err(chart_err)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .build_cartesian_2d(x0..x1, 0f64..100f64)
            .map_err(chart_err)?;
        // Frame and axes (no labels).
        let axis = RGBColor(120, 120, 120);
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(x0, 100.0), (x0, 0.0), (x1, 0.0)],
                axis.stroke_width(2),
            )))
            .map_err(chart_err)?;
        if !by_revenue {
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(0.0, 0.0), (0.0, 100.0)],
                    RGBColor(215, 215, 215),
                )))
                .map_err(chart_err)?;
        }
        for (t, v) in [
            (d.thresholds.let_go, Verdict::LetGo),
            (d.thresholds.watch_below, Verdict::Watch),
            (d.thresholds.nurture, Verdict::Nurture),
        ] {
            let (r, g, b) = verdict_rgb(v);
            // Dashes: short segments along the threshold.
            let n = 40;
            let step = (x1 - x0) / f64::from(n);
            let dashes = (0..n).step_by(2).map(move |i| {
                let a = x0 + step * f64::from(i);
                PathElement::new(vec![(a, t), (a + step, t)], RGBColor(r, g, b).mix(0.5))
            });
            chart.draw_series(dashes).map_err(chart_err)?;
        }
        chart
            .draw_series(points.iter().map(|&(x, y, v)| {
                let (r, g, b) = verdict_rgb(v);
                Circle::new((x, y), 5, RGBColor(r, g, b).mix(0.85).filled())
            }))
            .map_err(chart_err)?;
        root.present().map_err(chart_err)?;
    }
    encode(&buf, (w, h)).map(Some)
}

/// A sparkline of reflection scores (0–100, oldest first) in the verdict's colour, with a
/// faint midline at 50. `None` with fewer than two points.
pub fn sparkline_png(scores: &[u8], verdict: Verdict) -> Result<Option<Vec<u8>>, DigestError> {
    if scores.len() < 2 {
        return Ok(None);
    }
    let (w, h) = SPARK_SIZE;
    let mut buf = vec![255u8; (w * h * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut buf, (w, h)).into_drawing_area();
        root.fill(&WHITE).map_err(chart_err)?;
        let last = (scores.len() - 1) as f64;
        let mut chart = ChartBuilder::on(&root)
            .margin(3)
            .build_cartesian_2d(0f64..last, 0f64..100f64)
            .map_err(chart_err)?;
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(0.0, 50.0), (last, 50.0)],
                RGBColor(225, 225, 225),
            )))
            .map_err(chart_err)?;
        let (r, g, b) = verdict_rgb(verdict);
        let color = RGBColor(r, g, b);
        chart
            .draw_series(LineSeries::new(
                scores
                    .iter()
                    .enumerate()
                    .map(|(i, s)| (i as f64, f64::from(*s))),
                color.stroke_width(2),
            ))
            .map_err(chart_err)?;
        let end = f64::from(scores[scores.len() - 1]);
        chart
            .draw_series(std::iter::once(Circle::new((last, end), 2, color.filled())))
            .map_err(chart_err)?;
        root.present().map_err(chart_err)?;
    }
    encode(&buf, (w, h)).map(Some)
}
