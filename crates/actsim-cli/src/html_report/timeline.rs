//! The SVG timeline: x is virtual time, one lane per instance with its up/down span, executions
//! as bars coloured by outcome, markers for cache hits, misses and errors, token fetches,
//! evictions, warnings and abandoned redirects, and an arrow from each redirect to the instance
//! where the flow resumed.
//!
//! Big runs stay light and whole: above [`MAX_LANES`] instances, consecutive instances share a
//! lane (`instances 1–13`), so every instance is on the page; above a per-lane cap (at most
//! [`LANE_CAP`], less when there are many lanes, so that the page stays a few megabytes) marks
//! of one kind on one lane are drawn as one aggregated mark per bucket of at least [`AGG_PX`]
//! pixels (with `data-count`), and arrows above [`ARROW_CAP`] are merged per bucket and pair of
//! lanes. Every such step is described in the notes shown above the drawing.

use std::collections::BTreeMap;
use std::fmt::Write;

use actsim_sim::{SimReport, TraceEvent};

use super::detail;
use super::escape::esc;
use super::model::{build, outcome_class, Arrow, Exec, Kind, Lane, Mark, Model, OUTCOMES};
use super::overview;
use crate::input::duration::format_duration_ms;
use crate::input::instant::format_instant_ms;

/// Width of the lane labels on the left.
pub const LEFT: f64 = 118.0;
/// Width of the time axis.
pub const PLOT_W: f64 = 1080.0;
/// The margin right of the time axis.
pub const RIGHT: f64 = 24.0;
/// Height above the first lane (the time axis).
pub const TOP: f64 = 30.0;
/// Height of one lane.
pub const LANE_H: f64 = 42.0;
/// The vertical middle of an execution bar, in a lane.
pub const BAR_MID: f64 = 24.0;
/// The margin under the last lane.
pub const BOTTOM: f64 = 6.0;
/// Above this many marks of one kind on one lane, that kind is aggregated per bucket.
pub const LANE_CAP: usize = 240;
/// Width of one aggregation bucket, in pixels.
pub const AGG_PX: f64 = 4.0;
/// Above this many resume arrows, arrows are merged per bucket and pair of instances.
pub const ARROW_CAP: usize = 300;
const ARROW_AGG_PX: f64 = 8.0;
/// Merged arrows drawn, at most about this many: the bucket widens until they fit.
const ARROW_BUDGET: usize = 1_500;
/// At most this many lanes are drawn; more instances share lanes.
pub const MAX_LANES: usize = 48;
/// Marks drawn on the whole timeline, at most about this many (the page-size budget).
const MARK_BUDGET: usize = 16_000;
/// Kinds of marks a lane can hold (executions and the point markers).
const KINDS: usize = 8;

impl Kind {
    /// The marker's shape centred at `x` in a lane's local coordinates.
    fn shape(self, x: f64, attrs: &str, title: &str) -> String {
        let (cx, t) = (fx(x), esc(title));
        match self {
            Kind::CacheHit | Kind::CacheMiss => {
                format!("<circle {attrs} cx=\"{cx}\" cy=\"12.5\" r=\"3\"><title>{t}</title></circle>")
            }
            Kind::CacheError => format!(
                "<rect {attrs} x=\"{}\" y=\"9.5\" width=\"6\" height=\"6\"><title>{t}</title></rect>",
                fx(x - 3.0)
            ),
            Kind::Evicted => format!(
                "<rect {attrs} x=\"{}\" y=\"10\" width=\"5\" height=\"5\"><title>{t}</title></rect>",
                fx(x - 2.5)
            ),
            Kind::Token => format!(
                "<polygon {attrs} points=\"{cx},32 {},36 {cx},40 {},36\"><title>{t}</title></polygon>",
                fx(x + 4.0),
                fx(x - 4.0)
            ),
            Kind::Warning => format!(
                "<polygon {attrs} points=\"{cx},0.5 {},8 {},8\"><title>{t}</title></polygon>",
                fx(x + 4.5),
                fx(x - 4.5)
            ),
            Kind::Abandon => format!(
                "<path {attrs} d=\"M{a},20 L{b},28 M{a},28 L{b},20\"><title>{t}</title></path>",
                a = fx(x - 4.0),
                b = fx(x + 4.0)
            ),
        }
    }
}

/// A coordinate with at most one decimal.
pub fn fx(v: f64) -> String {
    let s = format!("{v:.1}");
    s.strip_suffix(".0").map(str::to_string).unwrap_or(s)
}

impl Model {
    fn x(&self, t: i64) -> f64 {
        LEFT + (t - self.t0) as f64 / (self.t1 - self.t0) as f64 * PLOT_W
    }
}

/// The drawn timeline of one section.
pub struct Timeline {
    /// The overview of the whole run (empty when there is nothing to draw).
    pub overview: String,
    /// The `<svg>` element (empty when there is nothing to draw).
    pub svg: String,
    /// What was aggregated or left out, one sentence each.
    pub notes: Vec<String>,
    /// The zoom data page.js redraws a time window from (JSON; empty with nothing to draw).
    pub detail: String,
}

/// Draw `events` (already redacted) of `report`.
pub fn render_timeline(report: &SimReport, events: &[TraceEvent]) -> Timeline {
    let mut m = build(report, events);
    let mut notes = Vec::new();
    if m.lanes.is_empty() {
        return Timeline {
            overview: String::new(),
            svg: String::new(),
            notes: vec!["no instance came up: there is nothing to draw".into()],
            detail: String::new(),
        };
    }
    let overview = overview::render(&m);
    let instances = m.lanes.len();
    let labels = group_lanes(&mut m);
    if m.lanes.len() < instances {
        notes.push(format!(
            "{instances} instances came up: they are drawn on {} lanes of up to {} consecutive instances each (hover a lane for its instances)",
            m.lanes.len(),
            instances.div_ceil(MAX_LANES)
        ));
    }
    let drawn: Vec<u32> = m.lanes.keys().copied().collect();
    let label_of = |number: &u32| match labels.get(number) {
        Some(last) if last != number => format!("instances {number}–{last}"),
        _ => format!("instance {number}"),
    };
    let detail = detail::render(
        &m,
        &drawn,
        &drawn.iter().map(|n| (*n, label_of(n))).collect(),
    );
    // The page-size budget: fewer unaggregated marks and wider buckets when lanes are many.
    let per_lane_kind = MARK_BUDGET / (drawn.len() * KINDS);
    let lane_cap = per_lane_kind.clamp(20, LANE_CAP);
    let agg_px = (PLOT_W / per_lane_kind.max(1) as f64).max(AGG_PX);
    let index: BTreeMap<u32, usize> = drawn.iter().enumerate().map(|(i, n)| (*n, i)).collect();
    let width = LEFT + PLOT_W + RIGHT;
    let height = TOP + LANE_H * drawn.len() as f64 + BOTTOM;
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg class=\"timeline\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" role=\"img\" aria-label=\"timeline: one lane per instance over virtual time\" data-t0=\"{t0}\" data-t1=\"{t1}\">",
        w = fx(width),
        h = fx(height),
        t0 = m.t0,
        t1 = m.t1
    );
    axis(&m, &mut svg, height);
    let bucket_ms = (m.t1 - m.t0) as f64 * agg_px / PLOT_W;
    let mut aggregated: BTreeMap<&'static str, (usize, usize, usize)> = BTreeMap::new();
    for (i, number) in drawn.iter().enumerate() {
        let lane = &m.lanes[number];
        let _ = write!(
            svg,
            "<g class=\"lane\" data-instance=\"{number}\" transform=\"translate(0,{})\">",
            fx(TOP + LANE_H * i as f64)
        );
        let _ = write!(
            svg,
            "<rect class=\"lane-bg{}\" x=\"0\" y=\"0\" width=\"{}\" height=\"{}\"/>",
            if i % 2 == 1 { " odd" } else { "" },
            fx(width),
            fx(LANE_H)
        );
        let label = label_of(number);
        let _ = write!(
            svg,
            "<text class=\"lane-label\" x=\"8\" y=\"28\">{label}</text>"
        );
        span(&m, *number, lane, &mut svg);
        if lane.execs.len() > lane_cap {
            let marks = exec_buckets(&m, lane, agg_px, &mut svg);
            let a = aggregated.entry("executions").or_default();
            *a = (a.0 + 1, a.1 + lane.execs.len(), a.2 + marks);
        } else {
            for e in &lane.execs {
                exec_bar(&m, *number, e, &mut svg);
            }
        }
        for (kind, marks) in &lane.marks {
            if marks.len() > lane_cap {
                let n = mark_buckets(&m, *kind, marks, agg_px, &mut svg);
                let a = aggregated.entry(kind.plural()).or_default();
                *a = (a.0 + 1, a.1 + marks.len(), a.2 + n);
            } else {
                for mark in marks {
                    let login = mark
                        .login
                        .map_or(String::new(), |l| format!(" data-login=\"{l}\""));
                    let attrs = format!("class=\"marker {}\"{login}", kind.class());
                    svg.push_str(&kind.shape(m.x(mark.t), &attrs, &mark.text));
                }
            }
        }
        svg.push_str("</g>");
    }
    let arrows: Vec<&Arrow> = m
        .arrows
        .iter()
        .filter(|a| index.contains_key(&a.from) && index.contains_key(&a.to))
        .collect();
    if arrows.len() < m.arrows.len() {
        notes.push(format!(
            "{} resume arrows touch lanes that are not drawn and are left out",
            m.arrows.len() - arrows.len()
        ));
    }
    svg.push_str("<g class=\"arrows\">");
    if arrows.len() > ARROW_CAP {
        let (n, px) = arrow_buckets(&m, &index, &arrows, &mut svg);
        notes.push(format!(
            "{} resume arrows are merged into {n} (one per {} of virtual time and pair of lanes; data-count holds how many each stands for)",
            group(arrows.len()),
            format_duration_ms(((m.t1 - m.t0) as f64 * px / PLOT_W).round().max(1.0) as i64)
        ));
    } else {
        for a in arrows {
            let title = arrow_title(&m, a);
            arrow(&m, &index, a, None, &title, &mut svg);
        }
    }
    svg.push_str("</g></svg>");
    for (what, (lanes, total, marks)) in aggregated {
        notes.push(format!(
            "{} {what} on {lanes} lane{} are drawn as {} aggregated marks (one per {} of virtual time; hover for counts)",
            group(total),
            if lanes == 1 { "" } else { "s" },
            group(marks),
            format_duration_ms(bucket_ms.round().max(1.0) as i64)
        ));
    }
    Timeline {
        overview,
        svg,
        notes,
        detail,
    }
}

/// Above [`MAX_LANES`] instances, merges runs of consecutive instances into one lane each
/// (keyed by the first instance; arrows follow); returns each lane's last instance.
fn group_lanes(m: &mut Model) -> BTreeMap<u32, u32> {
    let n = m.lanes.len();
    if n <= MAX_LANES {
        return m.lanes.keys().map(|k| (*k, *k)).collect();
    }
    let size = n.div_ceil(MAX_LANES);
    let old: Vec<(u32, Lane)> = std::mem::take(&mut m.lanes).into_iter().collect();
    let mut labels = BTreeMap::new();
    let mut key_of: BTreeMap<u32, u32> = BTreeMap::new();
    for chunk in old.chunks(size) {
        let key = chunk[0].0;
        labels.insert(key, chunk[chunk.len() - 1].0);
        let mut merged = Lane {
            up: chunk.iter().filter_map(|(_, l)| l.up).min(),
            ..Lane::default()
        };
        // The lane is down only when every instance in it is, at the last one's end.
        if chunk.iter().all(|(_, l)| l.down.is_some()) {
            let last = chunk
                .iter()
                .filter_map(|(_, l)| l.down.as_ref().map(|(t, _)| *t))
                .max();
            merged.down = last.map(|t| (t, "every instance of the lane went away".to_string()));
        }
        m.lanes.insert(key, merged);
        for (number, _) in chunk {
            key_of.insert(*number, key);
        }
    }
    for (number, lane) in old {
        let merged = m.lanes.get_mut(&key_of[&number]).expect("grouped above");
        merged.execs.extend(lane.execs);
        for (kind, marks) in lane.marks {
            merged.marks.entry(kind).or_default().extend(marks);
        }
    }
    for a in &mut m.arrows {
        a.from = key_of.get(&a.from).copied().unwrap_or(a.from);
        a.to = key_of.get(&a.to).copied().unwrap_or(a.to);
    }
    labels
}

/// `12,345`.
fn group(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// Ticks and vertical grid lines at a round step.
fn axis(m: &Model, svg: &mut String, height: f64) {
    const STEPS: [i64; 20] = [
        1_000,
        2_000,
        5_000,
        10_000,
        15_000,
        30_000,
        60_000,
        120_000,
        300_000,
        600_000,
        900_000,
        1_800_000,
        3_600_000,
        7_200_000,
        10_800_000,
        21_600_000,
        43_200_000,
        86_400_000,
        172_800_000,
        604_800_000,
    ];
    let span = m.t1 - m.t0;
    let step = STEPS
        .iter()
        .copied()
        .find(|s| span / s <= 12)
        .unwrap_or(604_800_000);
    svg.push_str("<g class=\"axis\">");
    let mut t = m.t0.div_euclid(step) * step;
    if t < m.t0 {
        t += step;
    }
    while t <= m.t1 {
        let x = fx(m.x(t));
        let iso = format_instant_ms(t);
        let label = if step >= 86_400_000 {
            iso.get(..10)
        } else if step >= 60_000 {
            iso.get(11..16)
        } else {
            iso.get(11..19)
        }
        .unwrap_or(&iso)
        .to_string();
        let _ = write!(
            svg,
            "<line class=\"grid\" x1=\"{x}\" y1=\"{}\" x2=\"{x}\" y2=\"{}\"/><text class=\"tick\" x=\"{x}\" y=\"{}\">{}</text>",
            fx(TOP - 6.0),
            fx(height - BOTTOM),
            fx(TOP - 10.0),
            esc(&label)
        );
        t += step;
    }
    svg.push_str("</g>");
}

/// The instance's life: from up to down (or the end of the run).
fn span(m: &Model, number: u32, lane: &Lane, svg: &mut String) {
    let up = lane.up.unwrap_or(m.t0);
    let down = lane.down.as_ref().map_or(m.t1, |(t, _)| *t);
    let (x1, x2) = (m.x(up), m.x(down));
    let life = match &lane.down {
        Some((t, reason)) => format!("down {} ({reason})", m.when(*t)),
        None => "still up at the end of the run".into(),
    };
    let title = format!(
        "instance {number}: up {} · {life} · {} executions",
        m.when(up),
        lane.execs.len()
    );
    let _ = write!(
        svg,
        "<rect class=\"span\" x=\"{}\" y=\"15\" width=\"{}\" height=\"18\" rx=\"3\"><title>{}</title></rect>",
        fx(x1),
        fx((x2 - x1).max(1.0)),
        esc(&title)
    );
    if lane.down.is_some() {
        let _ = write!(
            svg,
            "<line class=\"down\" x1=\"{x}\" y1=\"11\" x2=\"{x}\" y2=\"37\"><title>{}</title></line>",
            esc(&title),
            x = fx(x2)
        );
    }
}

fn exec_bar(m: &Model, number: u32, e: &Exec, svg: &mut String) {
    let (x1, x2) = (m.x(e.start), m.x(e.end));
    let mut title = format!(
        "login {} · {} ({}) · instance {number}{}\n{} → {} · {} virtual\noutcome: {}",
        e.login,
        if e.handler.is_empty() {
            "handler"
        } else {
            &e.handler
        },
        e.action,
        if e.cold { " · cold start" } else { "" },
        m.when(e.start),
        m.when(e.end),
        format_duration_ms(e.end - e.start),
        e.outcome
    );
    if let Some(err) = &e.error {
        let _ = write!(title, "\nerror: {err}");
    }
    for line in &e.console {
        let _ = write!(title, "\n{line}");
    }
    if e.console_more > 0 {
        let _ = write!(title, "\n… {} more console lines", e.console_more);
    }
    let _ = write!(
        svg,
        "<rect class=\"exec {}{}\" data-login=\"{}\" x=\"{}\" y=\"18\" width=\"{}\" height=\"12\"><title>{}</title></rect>",
        outcome_class(&e.outcome),
        if e.cold { " cold" } else { "" },
        e.login,
        fx(x1),
        fx((x2 - x1).max(2.5)),
        esc(&title)
    );
}

/// The bucket of a time and the bucket's time range.
fn bucket(m: &Model, t: i64, px: f64) -> i64 {
    ((m.x(t) - LEFT) / px).floor() as i64
}

fn bucket_range(m: &Model, b: i64, px: f64) -> (i64, i64) {
    let per_px = (m.t1 - m.t0) as f64 / PLOT_W;
    let from = m.t0 + (b as f64 * px * per_px).round() as i64;
    let to = m.t0 + ((b + 1) as f64 * px * per_px).round() as i64;
    (from, to.min(m.t1))
}

/// Executions as one bar per bucket, coloured by the worst outcome in it; returns the marks drawn.
fn exec_buckets(m: &Model, lane: &Lane, px: f64, svg: &mut String) -> usize {
    let mut buckets: BTreeMap<i64, BTreeMap<&'static str, usize>> = BTreeMap::new();
    for e in &lane.execs {
        *buckets
            .entry(bucket(m, e.start, px))
            .or_default()
            .entry(outcome_class(&e.outcome))
            .or_default() += 1;
    }
    let max = buckets
        .values()
        .map(|c| c.values().sum::<usize>())
        .max()
        .unwrap_or(1);
    for (b, counts) in &buckets {
        let total: usize = counts.values().sum();
        let worst = OUTCOMES
            .iter()
            .find(|o| counts.contains_key(*o))
            .copied()
            .unwrap_or("other");
        let (from, to) = bucket_range(m, *b, px);
        let detail: Vec<String> = OUTCOMES
            .iter()
            .chain(std::iter::once(&"other"))
            .filter_map(|o| counts.get(o).map(|n| format!("{n} {o}")))
            .collect();
        let title = format!(
            "{total} executions starting {} – {}: {}",
            m.when(from),
            m.when(to),
            detail.join(", ")
        );
        let _ = write!(
            svg,
            "<rect class=\"exec agg {worst}\" data-count=\"{total}\" x=\"{}\" y=\"18\" width=\"{}\" height=\"12\" fill-opacity=\"{:.2}\"><title>{}</title></rect>",
            fx(LEFT + *b as f64 * px),
            fx(px - 0.5),
            0.35 + 0.65 * total as f64 / max as f64,
            esc(&title)
        );
    }
    buckets.len()
}

/// Markers of one kind as one mark per bucket; returns the marks drawn.
fn mark_buckets(m: &Model, kind: Kind, marks: &[Mark], px: f64, svg: &mut String) -> usize {
    let mut buckets: BTreeMap<i64, usize> = BTreeMap::new();
    for mark in marks {
        *buckets.entry(bucket(m, mark.t, px)).or_default() += 1;
    }
    for (b, n) in &buckets {
        let (from, to) = bucket_range(m, *b, px);
        let title = format!("{n} {} {} – {}", kind.plural(), m.when(from), m.when(to));
        let attrs = format!("class=\"marker {} agg\" data-count=\"{n}\"", kind.class());
        svg.push_str(&kind.shape(LEFT + (*b as f64 + 0.5) * px, &attrs, &title));
    }
    buckets.len()
}

fn arrow_title(m: &Model, a: &Arrow) -> String {
    if a.elsewhere {
        format!(
            "login {}: yielded on instance {} at {}, resumed on instance {} at {}: a different cache",
            a.login,
            a.from,
            m.when(a.t_from),
            a.to,
            m.when(a.t_to)
        )
    } else {
        format!(
            "login {}: yielded at {}, resumed on the same instance {} at {}",
            a.login,
            m.when(a.t_from),
            a.to,
            m.when(a.t_to)
        )
    }
}

/// One arrow from the yield to the resume; `count` when it stands for several.
fn arrow(
    m: &Model,
    index: &BTreeMap<u32, usize>,
    a: &Arrow,
    count: Option<usize>,
    title: &str,
    svg: &mut String,
) {
    let lane_mid = |n: u32| TOP + LANE_H * index[&n] as f64 + BAR_MID;
    let (x1, y1, x2, y2) = (m.x(a.t_from), lane_mid(a.from), m.x(a.t_to), lane_mid(a.to));
    let (path, head) = if a.elsewhere {
        let d = ((x2 - x1) / 2.0).max(6.0);
        (
            format!(
                "M{},{} C{},{} {},{} {},{}",
                fx(x1),
                fx(y1),
                fx(x1 + d),
                fx(y1),
                fx(x2 - d),
                fx(y2),
                fx(x2),
                fx(y2)
            ),
            format!(
                "{},{} {},{} {},{}",
                fx(x2),
                fx(y2),
                fx(x2 - 6.0),
                fx(y2 - 3.5),
                fx(x2 - 6.0),
                fx(y2 + 3.5)
            ),
        )
    } else {
        (
            format!(
                "M{},{} C{},{} {},{} {},{}",
                fx(x1),
                fx(y1),
                fx(x1),
                fx(y1 - 18.0),
                fx(x2),
                fx(y2 - 18.0),
                fx(x2),
                fx(y2)
            ),
            format!(
                "{},{} {},{} {},{}",
                fx(x2),
                fx(y2),
                fx(x2 - 3.5),
                fx(y2 - 6.0),
                fx(x2 + 3.5),
                fx(y2 - 6.0)
            ),
        )
    };
    let (class, data) = match count {
        Some(n) => (" agg", format!(" data-count=\"{n}\"")),
        None => ("", format!(" data-login=\"{}\"", a.login)),
    };
    let _ = write!(
        svg,
        "<g class=\"arrow resume {}{class}\"{data} data-from=\"{}\" data-to=\"{}\"><path d=\"{path}\"/><polygon points=\"{head}\"/><title>{}</title></g>",
        if a.elsewhere { "elsewhere" } else { "same" },
        a.from,
        a.to,
        esc(title)
    );
}

/// Arrows merged per bucket of the resume time and pair of lanes, the bucket widening until at
/// most [`ARROW_BUDGET`] are drawn; returns the arrows drawn and the bucket width in pixels.
fn arrow_buckets(
    m: &Model,
    index: &BTreeMap<u32, usize>,
    arrows: &[&Arrow],
    svg: &mut String,
) -> (usize, f64) {
    let mut px = ARROW_AGG_PX;
    let buckets = loop {
        let mut buckets: BTreeMap<(i64, u32, u32), Vec<&Arrow>> = BTreeMap::new();
        for a in arrows {
            buckets
                .entry((bucket(m, a.t_to, px), a.from, a.to))
                .or_default()
                .push(a);
        }
        if buckets.len() <= ARROW_BUDGET || px >= PLOT_W {
            break buckets;
        }
        px *= 2.0;
    };
    for group in buckets.values() {
        let first = group[0];
        let title = if group.len() == 1 {
            arrow_title(m, first)
        } else {
            format!(
                "{} flows yielded on lane {} and resumed on lane {} between {} and {}",
                group.len(),
                first.from,
                first.to,
                m.when(group.iter().map(|a| a.t_to).min().unwrap_or(first.t_to)),
                m.when(group.iter().map(|a| a.t_to).max().unwrap_or(first.t_to))
            )
        };
        arrow(m, index, first, Some(group.len()), &title, svg);
    }
    (buckets.len(), px)
}
