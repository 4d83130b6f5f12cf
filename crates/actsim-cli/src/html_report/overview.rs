//! The overview: one small SVG of the whole run, whatever its size: per time bucket, the
//! executions started (stacked by outcome), the token fetches and the instances up. Its size
//! depends only on the number of buckets, so a run of a million logins draws as fast as ten.
//! Dragging across it (or the window fields under it) picks the time window the detailed
//! timeline shows (page.js).

use std::fmt::Write;

use super::escape::esc;
use super::model::{outcome_class, Kind, Model, OUTCOMES};
use super::timeline::{fx, LEFT, PLOT_W, RIGHT};
use crate::input::instant::format_instant_ms;

/// Buckets across the plot.
pub const BUCKETS: usize = 216;
const TOP: f64 = 16.0;
/// Height of the execution bars' area.
const BARS_H: f64 = 56.0;
/// Height of the instances line's area, under the bars.
const LINE_H: f64 = 22.0;
const AXIS_H: f64 = 18.0;

/// What one bucket holds.
#[derive(Clone, Default)]
struct Bucket {
    /// Executions started, per outcome (in [`OUTCOMES`] order, then other).
    execs: [usize; 6],
    tokens: usize,
    /// Instances up at the bucket's start.
    up: usize,
}

/// The overview SVG of `m`.
pub fn render(m: &Model) -> String {
    let span = (m.t1 - m.t0).max(1) as f64;
    let index = |t: i64| -> usize {
        (((t - m.t0) as f64 / span * BUCKETS as f64).floor() as usize).min(BUCKETS - 1)
    };
    let mut buckets = vec![Bucket::default(); BUCKETS];
    let mut ups: Vec<(i64, i64)> = Vec::new();
    for lane in m.lanes.values() {
        for e in &lane.execs {
            let class = outcome_class(&e.outcome);
            let slot = OUTCOMES.iter().position(|o| *o == class).unwrap_or(5);
            buckets[index(e.start)].execs[slot] += 1;
        }
        if let Some(tokens) = lane.marks.get(&Kind::Token) {
            for t in tokens {
                buckets[index(t.t)].tokens += 1;
            }
        }
        ups.push((
            lane.up.unwrap_or(m.t0),
            lane.down.as_ref().map_or(m.t1, |(t, _)| *t),
        ));
    }
    for (b, bucket) in buckets.iter_mut().enumerate() {
        let t = m.t0 + (b as f64 * span / BUCKETS as f64) as i64;
        bucket.up = ups.iter().filter(|(u, d)| *u <= t && t < *d).count();
    }
    let max_execs = buckets
        .iter()
        .map(|b| b.execs.iter().sum::<usize>())
        .max()
        .unwrap_or(0)
        .max(1);
    let max_up = buckets.iter().map(|b| b.up).max().unwrap_or(0).max(1);
    let max_tokens = buckets.iter().map(|b| b.tokens).max().unwrap_or(0);
    let width = LEFT + PLOT_W + RIGHT;
    let height = TOP + BARS_H + LINE_H + AXIS_H;
    let bw = PLOT_W / BUCKETS as f64;
    let mut svg = String::with_capacity(64 * 1024);
    let _ = write!(
        svg,
        "<svg class=\"overview\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" role=\"img\" aria-label=\"overview of the whole run\" data-t0=\"{}\" data-t1=\"{}\" data-left=\"{LEFT}\" data-plot-w=\"{PLOT_W}\">",
        m.t0,
        m.t1,
        w = fx(width),
        h = fx(height),
    );
    let _ = write!(
        svg,
        "<text class=\"lane-label\" x=\"8\" y=\"{}\">executions</text><text class=\"lane-label\" x=\"8\" y=\"{}\">instances up</text>",
        fx(TOP + BARS_H / 2.0 + 4.0),
        fx(TOP + BARS_H + LINE_H / 2.0 + 4.0)
    );
    let _ = write!(
        svg,
        "<rect class=\"ov-bg\" x=\"{LEFT}\" y=\"{TOP}\" width=\"{PLOT_W}\" height=\"{}\"/>",
        fx(BARS_H + LINE_H)
    );
    svg.push_str("<g class=\"ov-bars\">");
    for (b, bucket) in buckets.iter().enumerate() {
        let total: usize = bucket.execs.iter().sum();
        if total == 0 {
            continue;
        }
        let x = LEFT + b as f64 * bw;
        let mut y = TOP + BARS_H;
        let from = m.t0 + (b as f64 * span / BUCKETS as f64) as i64;
        let mut detail = Vec::new();
        for (slot, n) in bucket.execs.iter().enumerate() {
            if *n == 0 {
                continue;
            }
            let class = OUTCOMES.get(slot).copied().unwrap_or("other");
            let h = BARS_H * *n as f64 / max_execs as f64;
            y -= h;
            let _ = write!(
                svg,
                "<rect class=\"ov-exec {class}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"/>",
                fx(x),
                fx(y),
                fx(bw),
                fx(h.max(0.6))
            );
            detail.push(format!("{n} {class}"));
        }
        let _ = write!(
            svg,
            "<rect class=\"ov-hit\" data-count=\"{total}\" x=\"{}\" y=\"{TOP}\" width=\"{}\" height=\"{BARS_H}\"><title>{}: {total} executions ({}), {} token fetches, {} instances up</title></rect>",
            fx(x),
            fx(bw),
            esc(&format_instant_ms(from)),
            detail.join(", "),
            bucket.tokens,
            bucket.up
        );
    }
    svg.push_str("</g>");
    if max_tokens > 0 {
        svg.push_str("<g class=\"ov-tokens\">");
        for (b, bucket) in buckets.iter().enumerate() {
            if bucket.tokens > 0 {
                let x = LEFT + (b as f64 + 0.5) * bw;
                let _ = write!(
                    svg,
                    "<circle class=\"ov-token\" cx=\"{}\" cy=\"{}\" r=\"{}\"/>",
                    fx(x),
                    fx(TOP + 4.0),
                    fx(1.2 + 2.3 * bucket.tokens as f64 / max_tokens as f64)
                );
            }
        }
        svg.push_str("</g>");
    }
    let mut points = String::new();
    for (b, bucket) in buckets.iter().enumerate() {
        let y = TOP + BARS_H + LINE_H - 3.0 - (LINE_H - 6.0) * bucket.up as f64 / max_up as f64;
        let _ = write!(
            points,
            "{},{} {},{} ",
            fx(LEFT + b as f64 * bw),
            fx(y),
            fx(LEFT + (b + 1) as f64 * bw),
            fx(y)
        );
    }
    let _ = write!(
        svg,
        "<polyline class=\"ov-up\" points=\"{}\"><title>instances up (at most {max_up})</title></polyline>",
        points.trim_end()
    );
    // The start and the end of the run, and the middle.
    let axis_y = TOP + BARS_H + LINE_H + 13.0;
    for (t, anchor) in [
        (m.t0, "start"),
        (m.t0 + (m.t1 - m.t0) / 2, "middle"),
        (m.t1, "end"),
    ] {
        let x = LEFT + (t - m.t0) as f64 / span * PLOT_W;
        let _ = write!(
            svg,
            "<text class=\"tick ov-tick\" x=\"{}\" y=\"{}\" style=\"text-anchor:{anchor}\">{}</text>",
            fx(x),
            fx(axis_y),
            esc(&format_instant_ms(t))
        );
    }
    let _ = write!(
        svg,
        "<rect class=\"ov-window\" x=\"{LEFT}\" y=\"{TOP}\" width=\"{PLOT_W}\" height=\"{}\"/>",
        fx(BARS_H + LINE_H)
    );
    svg.push_str("</svg>");
    svg
}
