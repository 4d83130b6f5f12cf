//! The zoom data: what page.js needs to redraw the timeline for a chosen time window with the
//! detail of that window, embedded as one compact JSON document per section
//! (`<script type="application/json" class="tl-detail">`, never executed).
//!
//! Two resolutions, picked by size so that a page stays a few megabytes at any run size:
//! - **raw** (up to [`RAW_BUDGET`] executions, marks and arrows): every execution, mark and
//!   arrow with its own time and login, so a window shows each one;
//! - **buckets** (bigger runs): per lane and kind, the count of items per fine time bucket
//!   (executions with their worst outcome), the bucket the smallest power-of-two fraction of the
//!   run that keeps the non-empty buckets within [`BUCKET_BUDGET`]; arrows merged per bucket and
//!   pair of lanes. A window then shows the run at that finer resolution.
//!
//! Times are milliseconds after the model's `t0`, and the first number of each tuple is stored
//! as the difference to the previous tuple's (the lists are sorted), which keeps the text short.
//! Only numbers and lane labels are written: no text from the action, so nothing to redact.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::model::{outcome_class, Arrow, Kind, Model, OUTCOMES};
use super::timeline::{BAR_MID, BOTTOM, LANE_H, LEFT, PLOT_W, RIGHT, TOP};

/// At most this many items (executions, marks, arrows) are embedded one by one (about 16 bytes
/// each: half a megabyte).
pub const RAW_BUDGET: usize = 30_000;
/// At most this many non-empty buckets are embedded for a bigger run (about 7 to 10 bytes
/// each: at most about 1.5 megabytes, so that a million-login page stays well under 5 MB).
pub const BUCKET_BUDGET: usize = 150_000;

/// The point-marker kinds, in the order of the document's `marks` lists.
const MARK_KINDS: [Kind; 7] = [
    Kind::CacheHit,
    Kind::CacheMiss,
    Kind::CacheError,
    Kind::Evicted,
    Kind::Token,
    Kind::Warning,
    Kind::Abandon,
];

/// The outcome's index in [`OUTCOMES`] (5 for any other).
fn outcome_index(outcome: &str) -> usize {
    let class = outcome_class(outcome);
    OUTCOMES.iter().position(|o| *o == class).unwrap_or(5)
}

/// `[a,b,c,…]` from tuples, the first number of each as the difference to the previous one's.
fn delta_list(tuples: &[Vec<i64>]) -> String {
    let mut out = String::from("[");
    let mut prev = 0i64;
    for (i, t) in tuples.iter().enumerate() {
        for (j, v) in t.iter().enumerate() {
            if i + j > 0 {
                out.push(',');
            }
            let v = if j == 0 {
                let d = *v - prev;
                prev = *v;
                d
            } else {
                *v
            };
            let _ = write!(out, "{v}");
        }
    }
    out.push(']');
    out
}

/// The zoom data of `m` (its lanes already grouped), drawn lanes in `drawn` order with their
/// labels.
pub fn render(m: &Model, drawn: &[u32], labels: &BTreeMap<u32, String>) -> String {
    let index: BTreeMap<u32, usize> = drawn.iter().enumerate().map(|(i, n)| (*n, i)).collect();
    let arrows: Vec<&Arrow> = m
        .arrows
        .iter()
        .filter(|a| index.contains_key(&a.from) && index.contains_key(&a.to))
        .collect();
    let items: usize = m
        .lanes
        .values()
        .map(|l| l.execs.len() + l.marks.values().map(Vec::len).sum::<usize>())
        .sum::<usize>()
        + arrows.len();
    let span = (m.t1 - m.t0).max(1);
    let res = if items <= RAW_BUDGET {
        None
    } else {
        // The finest bucket (span / 2^k, at least 1 ms) whose non-empty buckets fit the budget:
        // a binary search over k, as finer buckets are never fewer.
        let (mut fits, mut too_fine) = (0u32, 21u32);
        while too_fine - fits > 1 {
            let k = (fits + too_fine) / 2;
            if count_buckets(m, &arrows, &index, (span >> k).max(1)) <= BUCKET_BUDGET {
                fits = k;
            } else {
                too_fine = k;
            }
        }
        Some((span >> fits).max(1))
    };
    let mut out = String::with_capacity(1024);
    let _ = write!(
        out,
        "{{\"geom\":[{LEFT},{PLOT_W},{RIGHT},{TOP},{LANE_H},{BAR_MID},{BOTTOM}],\"t0\":{},\"t1\":{},\"origin\":{},\"mode\":\"{}\",\"res\":{},\"lanes\":[",
        m.t0,
        m.t1,
        m.origin,
        if res.is_some() { "buckets" } else { "raw" },
        res.unwrap_or(0)
    );
    for (i, n) in drawn.iter().enumerate() {
        let lane = &m.lanes[n];
        let _ = write!(
            out,
            "{}{{\"n\":{n},\"label\":\"{}\",\"up\":{},\"down\":{}}}",
            if i > 0 { "," } else { "" },
            labels.get(n).map_or("", String::as_str),
            lane.up.unwrap_or(m.t0) - m.t0,
            lane.down
                .as_ref()
                .map_or("null".to_string(), |(t, _)| (t - m.t0).to_string())
        );
    }
    out.push_str("],\"execs\":[");
    for (i, n) in drawn.iter().enumerate() {
        let lane = &m.lanes[n];
        let tuples: Vec<Vec<i64>> = match res {
            None => {
                let mut v: Vec<Vec<i64>> = lane
                    .execs
                    .iter()
                    .map(|e| {
                        vec![
                            e.start - m.t0,
                            e.end - e.start,
                            outcome_index(&e.outcome) as i64,
                            e.login as i64,
                            i64::from(e.cold),
                        ]
                    })
                    .collect();
                v.sort();
                v
            }
            Some(res) => {
                let mut b: BTreeMap<i64, (i64, i64)> = BTreeMap::new();
                for e in &lane.execs {
                    let slot = b.entry((e.start - m.t0) / res).or_insert((0, 5));
                    slot.0 += 1;
                    slot.1 = slot.1.min(outcome_index(&e.outcome) as i64);
                }
                b.into_iter().map(|(k, (n, w))| vec![k, n, w]).collect()
            }
        };
        if i > 0 {
            out.push(',');
        }
        out.push_str(&delta_list(&tuples));
    }
    out.push_str("],\"marks\":[");
    for (k, kind) in MARK_KINDS.iter().enumerate() {
        if k > 0 {
            out.push(',');
        }
        let _ = write!(out, "{{\"kind\":\"{}\",\"lanes\":[", kind.class());
        for (i, n) in drawn.iter().enumerate() {
            let marks = m.lanes[n].marks.get(kind).map_or(&[][..], Vec::as_slice);
            let tuples: Vec<Vec<i64>> = match res {
                None => {
                    let mut v: Vec<Vec<i64>> = marks
                        .iter()
                        .map(|mk| vec![mk.t - m.t0, mk.login.map_or(-1, |l| l as i64)])
                        .collect();
                    v.sort();
                    v
                }
                Some(res) => {
                    let mut b: BTreeMap<i64, i64> = BTreeMap::new();
                    for mk in marks {
                        *b.entry((mk.t - m.t0) / res).or_default() += 1;
                    }
                    b.into_iter().map(|(k, n)| vec![k, n]).collect()
                }
            };
            if i > 0 {
                out.push(',');
            }
            out.push_str(&delta_list(&tuples));
        }
        out.push_str("]}");
    }
    out.push_str("],\"arrows\":");
    // Arrows: [resume time, yield time, from lane, to lane, elsewhere, login or -1, count].
    // One arrow (or `n` of them drawn as one, with `login` -1) as the page's zoom data has it.
    let tuple = |a: &Arrow, login: i64, n: i64| {
        vec![
            a.t_to - m.t0,
            a.t_from - m.t0,
            index[&a.from] as i64,
            index[&a.to] as i64,
            i64::from(a.elsewhere),
            login,
            n,
        ]
    };
    let mut tuples: Vec<Vec<i64>> = match res {
        None => arrows.iter().map(|a| tuple(a, a.login as i64, 1)).collect(),
        Some(res) => {
            let mut b: BTreeMap<(i64, usize, usize, bool), (&Arrow, i64)> = BTreeMap::new();
            for a in &arrows {
                let key = (
                    (a.t_to - m.t0) / res,
                    index[&a.from],
                    index[&a.to],
                    a.elsewhere,
                );
                b.entry(key).or_insert((*a, 0)).1 += 1;
            }
            b.into_values()
                .map(|(a, n)| tuple(a, if n == 1 { a.login as i64 } else { -1 }, n))
                .collect()
        }
    };
    tuples.sort();
    out.push_str(&delta_list(&tuples));
    out.push('}');
    out
}

/// The non-empty buckets of width `res` over every lane, kind and pair of lanes.
fn count_buckets(m: &Model, arrows: &[&Arrow], index: &BTreeMap<u32, usize>, res: i64) -> usize {
    let mut total = 0;
    let distinct = |ts: &mut dyn Iterator<Item = i64>| {
        let mut last = None;
        let mut v: Vec<i64> = ts.map(|t| (t - m.t0) / res).collect();
        v.sort_unstable();
        v.into_iter()
            .filter(|b| {
                let new = last != Some(*b);
                last = Some(*b);
                new
            })
            .count()
    };
    for lane in m.lanes.values() {
        total += distinct(&mut lane.execs.iter().map(|e| e.start));
        for marks in lane.marks.values() {
            total += distinct(&mut marks.iter().map(|mk| mk.t));
        }
    }
    let mut keys: Vec<(i64, usize, usize, bool)> = arrows
        .iter()
        .map(|a| {
            (
                (a.t_to - m.t0) / res,
                index[&a.from],
                index[&a.to],
                a.elsewhere,
            )
        })
        .collect();
    keys.sort_unstable();
    keys.dedup();
    total + keys.len()
}
