//! The renderer on small synthetic runs: lanes, bars, markers and arrows counted from the
//! events, escaping, determinism, self-containment, aggregation of big runs and redaction.

use std::collections::BTreeMap;

use actsim_sim::report::{Highlight, InstanceSummary};
use actsim_sim::{
    Expectation, Redactor, SimReport, TraceEvent, Warning, WarningKind, WarningSummary,
};

use super::*;

const T0: i64 = 1_767_225_600_000; // 2026-01-01T00:00:00Z

fn report(instances: &[u32]) -> SimReport {
    let metrics = BTreeMap::from([
        ("logins".to_string(), 3.0),
        ("tokens_issued".to_string(), 1.0),
        ("tokens_issued.client-abc".to_string(), 1.0),
        ("cache.hits".to_string(), 3.0),
        ("cache.misses".to_string(), 2.0),
        ("cache.hit_ratio".to_string(), 0.6),
        ("executions".to_string(), 5.0),
        ("instance.1.executions".to_string(), 4.0),
    ]);
    let expectations = ["tokens_issued <= 4", "cache.hit_ratio >= 0.9"]
        .iter()
        .map(|e| Expectation::parse(e).unwrap().check(&metrics))
        .collect();
    SimReport {
        scenario: "synthetic".into(),
        path: "synthetic.toml".into(),
        seed: 1,
        start_ms: T0,
        end_ms: T0 + 600_000,
        metrics,
        expectations,
        highlights: vec![Highlight {
            t: T0 + 1_000,
            text: "first token fetched".into(),
        }],
        instances: instances
            .iter()
            .map(|n| InstanceSummary {
                number: *n,
                created_at: T0,
                ended_at: None,
                end_reason: None,
                executions: 0,
                tokens_issued: 0,
                cache_hits: 0,
                cache_misses: 0,
            })
            .collect(),
        warnings: Vec::new(),
        passed: false,
    }
}

fn up(t: i64, instance: u32) -> TraceEvent {
    TraceEvent::InstanceUp {
        t: T0 + t,
        instance,
        reason: "initial",
    }
}

fn start(t: i64, login: u64, instance: u32, handler: &str) -> TraceEvent {
    TraceEvent::ExecStart {
        t: T0 + t,
        login,
        instance,
        action: "a".into(),
        handler: handler.into(),
        cold: false,
    }
}

fn end(t: i64, login: u64, instance: u32, outcome: &'static str) -> TraceEvent {
    TraceEvent::ExecEnd {
        t: T0 + t,
        login,
        instance,
        action: "a".into(),
        outcome,
        error_kind: None,
        message: None,
    }
}

fn cache(t: i64, login: u64, instance: u32, op: &str, result: &str) -> TraceEvent {
    TraceEvent::Cache {
        t: T0 + t,
        login,
        instance,
        op: op.into(),
        key: "mgmt-token".into(),
        result: result.into(),
    }
}

fn token(t: i64, login: u64, instance: u32, n: usize) -> TraceEvent {
    TraceEvent::Http {
        t: T0 + t,
        login: Some(login),
        instance,
        method: "POST".into(),
        url: "https://tenant.example/oauth/token".into(),
        upstream: "tenant".into(),
        status: Some(200),
        error: None,
        latency_ms: 50,
        token_issued: Some(n),
    }
}

fn redirect(t: i64, login: u64, instance: u32) -> TraceEvent {
    TraceEvent::Redirect {
        t: T0 + t,
        login,
        instance,
        url: "https://mfa.example/start?a=1&b=2".into(),
    }
}

fn resume(t: i64, login: u64, from: u32, to: u32) -> TraceEvent {
    TraceEvent::Resume {
        t: T0 + t,
        login,
        from,
        to,
        elsewhere: from != to,
    }
}

/// Three instances; login 1 yields on 1 and resumes on 2, login 2 yields on 3 and resumes on 3;
/// login 3 is denied.
fn events() -> Vec<TraceEvent> {
    vec![
        TraceEvent::Start {
            t: T0,
            scenario: "synthetic".into(),
            seed: 1,
        },
        up(0, 1),
        up(0, 2),
        up(0, 3),
        start(1_000, 1, 1, "onExecutePostLogin"),
        token(1_000, 1, 1, 1),
        cache(1_050, 1, 1, "get", "miss"),
        cache(1_060, 1, 1, "set", "success"),
        TraceEvent::Console {
            t: T0 + 1_070,
            login: 1,
            instance: 1,
            level: "log".into(),
            text: "<script>alert(1)</script> & co".into(),
        },
        end(1_100, 1, 1, "redirect"),
        redirect(1_100, 1, 1),
        start(2_000, 2, 3, "onExecutePostLogin"),
        cache(2_000, 2, 3, "get", "hit"),
        cache(2_010, 2, 3, "set", "CacheValueSizeExceeded"),
        end(2_050, 2, 3, "redirect"),
        redirect(2_050, 2, 3),
        resume(11_100, 1, 1, 2),
        start(11_100, 1, 2, "onContinuePostLogin"),
        cache(11_100, 1, 2, "get", "miss"),
        end(11_200, 1, 2, "completed"),
        resume(12_050, 2, 3, 3),
        start(12_050, 2, 3, "onContinuePostLogin"),
        cache(12_050, 2, 3, "get", "hit"),
        cache(12_060, 2, 3, "get", "hit"),
        end(12_100, 2, 3, "failed"),
        start(13_000, 3, 2, "onExecutePostLogin"),
        end(13_010, 3, 2, "denied"),
        TraceEvent::Warning {
            t: T0 + 11_100,
            kind: WarningKind::MissedAfterResume,
            login: Some(1),
            instance: Some(2),
            message: "'mgmt-token' <missing> & gone".into(),
            fix: "use setMetadata".into(),
        },
        TraceEvent::End { t: T0 + 600_000 },
    ]
}

fn page(report: &SimReport, events: &[TraceEvent]) -> String {
    render_html(
        "test <page>",
        &[ReportSection {
            title: "synthetic".into(),
            report,
            events,
        }],
    )
}

fn count(html: &str, needle: &str) -> usize {
    html.matches(needle).count()
}

#[test]
fn one_lane_per_instance_with_its_label() {
    let html = page(&report(&[1, 2, 3]), &events());
    assert_eq!(count(&html, "<g class=\"lane\""), 3);
    for n in 1..=3 {
        assert_eq!(
            count(&html, &format!("class=\"lane\" data-instance=\"{n}\"")),
            1
        );
        assert!(html.contains(&format!(">instance {n}</text>")));
    }
    // An instance seen only in the events still gets a lane.
    let html = page(&report(&[]), &events());
    assert_eq!(count(&html, "<g class=\"lane\""), 3);
}

#[test]
fn executions_and_markers_are_counted_from_the_events() {
    let html = page(&report(&[1, 2, 3]), &events());
    assert_eq!(count(&html, "<rect class=\"exec "), 5);
    assert_eq!(count(&html, "class=\"exec redirect\""), 2);
    assert_eq!(count(&html, "class=\"exec completed\""), 1);
    assert_eq!(count(&html, "class=\"exec failed\""), 1);
    assert_eq!(count(&html, "class=\"exec denied\""), 1);
    assert_eq!(count(&html, "class=\"marker cache-hit\""), 3);
    assert_eq!(count(&html, "class=\"marker cache-miss\""), 2);
    assert_eq!(count(&html, "class=\"marker cache-error\""), 1);
    assert_eq!(count(&html, "class=\"marker token\""), 1);
    assert_eq!(count(&html, "class=\"marker warning\""), 1);
    // A successful set is not a marker; nothing is aggregated in a small run.
    assert!(!html.contains(" agg\""));
    assert!(!html.contains("class=\"capped\""));
    // Tooltips name what happened.
    assert!(html.contains("<title>login 1 · token #1 issued · POST"));
    assert!(html.contains("set mgmt-token → CacheValueSizeExceeded"));
}

/// The zoom data of the page's first section, parsed.
fn zoom_data(html: &str) -> serde_json::Value {
    let open = "<script type=\"application/json\" class=\"tl-detail\">";
    let json = &html[html.find(open).expect("zoom data") + open.len()..];
    serde_json::from_str(&json[..json.find("</script>").unwrap()]).expect("zoom data is JSON")
}

/// The tuples of a delta-encoded list of `size` numbers each, first numbers summed back.
fn undelta(list: &serde_json::Value, size: usize) -> Vec<Vec<i64>> {
    let flat: Vec<i64> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    assert_eq!(flat.len() % size, 0);
    let mut prev = 0;
    flat.chunks(size)
        .map(|c| {
            prev += c[0];
            let mut t = c.to_vec();
            t[0] = prev;
            t
        })
        .collect()
}

#[test]
fn zoom_data_of_a_small_run_holds_every_execution_mark_and_arrow() {
    let r = report(&[1, 2, 3]);
    let d = zoom_data(&page(&r, &events()));
    assert_eq!(d["mode"], "raw");
    assert_eq!(d["lanes"].as_array().unwrap().len(), 3);
    assert_eq!(d["lanes"][0]["label"], "instance 1");
    // Every execution, with its start after t0, duration, outcome, login and cold flag.
    let execs: Vec<Vec<i64>> = d["execs"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|l| undelta(l, 5))
        .collect();
    assert_eq!(execs.len(), 5);
    let outcome = |i: i64| model::OUTCOMES.get(i as usize).copied().unwrap_or("other");
    let mut outcomes: Vec<&str> = execs.iter().map(|e| outcome(e[2])).collect();
    outcomes.sort();
    assert_eq!(
        outcomes,
        ["completed", "denied", "failed", "redirect", "redirect"]
    );
    // The marks per kind, as the drawing counts them.
    let marks = |kind: &str| -> usize {
        let k = d["marks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["kind"] == kind)
            .unwrap();
        k["lanes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| undelta(l, 2).len())
            .sum()
    };
    assert_eq!(marks("cache-hit"), 3);
    assert_eq!(marks("cache-miss"), 2);
    assert_eq!(marks("cache-error"), 1);
    assert_eq!(marks("token"), 1);
    assert_eq!(marks("warning"), 1);
    // Two arrows: one to another lane, one to the same.
    let arrows = undelta(&d["arrows"], 7);
    assert_eq!(arrows.len(), 2);
    assert_eq!(arrows.iter().filter(|a| a[4] == 1).count(), 1);
    assert!(arrows.iter().all(|a| a[6] == 1 && a[1] <= a[0]));
}

#[test]
fn resumes_are_arrows_from_the_yield_to_where_the_flow_continued() {
    let html = page(&report(&[1, 2, 3]), &events());
    assert_eq!(count(&html, "class=\"arrow resume elsewhere\""), 1);
    assert_eq!(count(&html, "class=\"arrow resume same\""), 1);
    assert!(html.contains(
        "class=\"arrow resume elsewhere\" data-login=\"1\" data-from=\"1\" data-to=\"2\""
    ));
    assert!(
        html.contains("class=\"arrow resume same\" data-login=\"2\" data-from=\"3\" data-to=\"3\"")
    );
    assert!(html.contains("login 1: yielded on instance 1 at 00:00:01.100 (+1.1s), resumed on instance 2 at 00:00:11.100 (+11.1s): a different cache"));
}

#[test]
fn text_from_the_action_and_the_warnings_is_escaped() {
    let mut r = report(&[1, 2, 3]);
    r.warnings = vec![WarningSummary {
        kind: WarningKind::MissedAfterResume,
        count: 2,
        first: Warning {
            kind: WarningKind::MissedAfterResume,
            t: T0 + 11_100,
            login: Some(1),
            instance: Some(2),
            message: "'mgmt-token' <missing> & gone".into(),
            fix: "read <b>the</b> docs".into(),
        },
    }];
    let html = page(&r, &events());
    assert!(html.contains("[log] &lt;script&gt;alert(1)&lt;/script&gt; &amp; co"));
    assert!(!html.contains("<script>alert(1)"));
    assert!(html.contains("&#39;mgmt-token&#39; &lt;missing&gt; &amp; gone"));
    assert!(html.contains("read &lt;b&gt;the&lt;/b&gt; docs"));
    assert!(!html.contains("<missing>") && !html.contains("<b>the"));
    assert!(html.contains("<title>test &lt;page&gt;</title>"));
    assert!(html.contains("missed_after_resume"));
    // The only script that runs is the page's own; the other is the zoom data (JSON, never run,
    // numbers and lane labels only).
    let data = "<script type=\"application/json\" class=\"tl-detail\">";
    assert_eq!(count(&html, data), 1);
    assert_eq!(count(&html, "<script"), 2);
    let json = &html[html.find(data).unwrap() + data.len()..];
    let json = &json[..json.find("</script>").unwrap()];
    assert!(!json.contains("alert") && !json.contains('<'), "{json}");
}

#[test]
fn the_same_inputs_give_the_same_bytes() {
    let (r, e) = (report(&[1, 2, 3]), events());
    let a = page(&r, &e);
    let b = page(&r.clone(), &e.clone());
    assert_eq!(a, b);
}

#[test]
fn the_page_loads_nothing_from_anywhere() {
    let html = page(&report(&[1, 2, 3]), &events());
    let lower = html.to_ascii_lowercase();
    for banned in [
        "src=",
        "url(",
        "@import",
        "<link",
        "<img",
        "<iframe",
        "xlink:href",
    ] {
        assert!(!lower.contains(banned), "found {banned}");
    }
    // Links stay inside the page.
    for (i, _) in lower.match_indices("href=") {
        assert!(lower[i..].starts_with("href=\"#"), "an external link");
    }
    // URLs appear only as text (the redirect URL in a tooltip is fine).
    let bytes = lower.as_bytes();
    for (i, _) in lower.match_indices("http") {
        let near = &bytes[i.saturating_sub(8)..(i + 30).min(bytes.len())];
        assert!(
            !bytes[i.saturating_sub(8)..i].contains(&b'='),
            "an attribute holds a URL: {}",
            String::from_utf8_lossy(near)
        );
    }
    assert!(html.contains("Content-Security-Policy"));
    assert!(html.contains("default-src 'none'"));
    assert!(html.contains("data-ready"));
}

#[test]
fn tables_show_metrics_expectations_warnings_and_highlights() {
    let html = page(&report(&[1, 2, 3]), &events());
    assert!(html.contains("<caption>tokens_issued</caption>"));
    assert!(html.contains("<code>tokens_issued.client-abc</code>"));
    assert!(html.contains("<caption>general</caption>"));
    assert!(html.contains("class=\"expectation pass\""));
    assert!(html.contains(
        "class=\"expectation fail\"><span class=\"sign\">✗</span> <code>cache.hit_ratio &gt;= 0.9</code> <span class=\"actual\">(actual 0.600)</span>"
    ));
    assert!(html.contains("Replay: <code>actsim simulate synthetic.toml --seed 1</code>"));
    assert!(html.contains("No caveat warnings."));
    assert!(html.contains("first token fetched"));
    // Per-instance metrics go to the instances table.
    assert!(html.contains("<tr data-instance=\"1\">"));
    assert!(!html.contains("<code>instance.1.executions</code>"));
}

#[test]
fn big_runs_are_aggregated_and_say_so() {
    let mut events = vec![up(0, 1), up(0, 2)];
    let n = 20_000u64;
    for i in 0..n {
        let t = i as i64 * 30;
        events.push(start(t, i, 1, "onExecutePostLogin"));
        events.push(cache(t, i, 1, "get", "hit"));
        events.push(end(t + 10, i, 1, "completed"));
        events.push(redirect(t + 10, i, 1));
        events.push(resume(t + 20, i, 1, 2));
    }
    let mut r = report(&[1, 2]);
    r.end_ms = T0 + n as i64 * 30;
    let html = page(&r, &events);
    let sum = |class: &str| -> (usize, u64) {
        let mut marks = 0;
        let mut total = 0;
        for (i, _) in html.match_indices(&format!("class=\"{class}\" data-count=\"")) {
            marks += 1;
            let rest = &html[i + class.len() + 21..];
            total += rest[..rest.find('"').unwrap()].parse::<u64>().unwrap();
        }
        (marks, total)
    };
    let (marks, total) = sum("exec agg completed");
    assert_eq!(total, n);
    assert!(
        marks <= (timeline::PLOT_W / timeline::AGG_PX) as usize + 1,
        "{marks}"
    );
    let (marks, total) = sum("marker cache-hit agg");
    assert_eq!(total, n);
    assert!(marks <= (timeline::PLOT_W / timeline::AGG_PX) as usize + 1);
    let (marks, total) = sum("arrow resume elsewhere agg");
    assert_eq!(total, n);
    assert!(marks <= 200, "{marks}");
    assert_eq!(count(&html, "<rect class=\"exec completed\""), 0);
    assert!(html.contains("<ul class=\"capped\">"));
    assert!(html.contains("20,000 executions on 1 lane are drawn as"));
    assert!(html.contains("20,000 resume arrows are merged into"));
    assert!(html.len() < 1_000_000, "{} bytes", html.len());
}

#[test]
fn many_instances_share_lanes_and_every_instance_is_reachable() {
    let n = timeline::MAX_LANES as u32 * 3 + 5;
    let mut events: Vec<TraceEvent> = (1..=n).map(|i| up(0, i)).collect();
    // One execution on the last instance: it is drawn, on the last lane.
    events.push(start(1_000, 7, n, "onExecutePostLogin"));
    events.push(end(2_000, 7, n, "completed"));
    let html = page(&report(&[]), &events);
    let lanes = count(&html, "<g class=\"lane\"");
    assert!(lanes <= timeline::MAX_LANES, "{lanes}");
    assert_eq!(lanes as u32, n.div_ceil(4), "4 instances per lane");
    // Every instance is named by exactly one lane label.
    let mut covered = Vec::new();
    let needle = "<text class=\"lane-label\" x=\"8\" y=\"28\">";
    for (i, _) in html.match_indices(needle) {
        let rest = &html[i + needle.len()..];
        let label = &rest[..rest.find('<').unwrap()];
        let range = label
            .trim_start_matches("instances ")
            .trim_start_matches("instance ");
        let (a, b) = range.split_once('–').unwrap_or((range, range));
        covered.extend(a.parse::<u32>().unwrap()..=b.parse::<u32>().unwrap());
    }
    assert_eq!(covered, (1..=n).collect::<Vec<_>>());
    assert_eq!(count(&html, "class=\"exec completed\" data-login=\"7\""), 1);
    assert!(html.contains(&format!(
        "{n} instances came up: they are drawn on {lanes} lanes"
    )));
}

#[test]
fn the_overview_covers_the_whole_run_at_any_size() {
    // Executions from the first to the last minute of a 6-hour run.
    let mut events = vec![up(0, 1)];
    let n = 360u64;
    for i in 0..n {
        let t = i as i64 * 60_000;
        events.push(start(t, i, 1, "onExecutePostLogin"));
        events.push(end(t + 10, i, 1, "completed"));
    }
    let mut r = report(&[1]);
    r.end_ms = T0 + n as i64 * 60_000;
    let html = page(&r, &events);
    let ov = &html[html.find("<svg class=\"overview\"").unwrap()..];
    let ov = &ov[..ov.find("</svg>").unwrap()];
    let xs: Vec<f64> = ov
        .match_indices("<rect class=\"ov-exec completed\" x=\"")
        .map(|(i, _)| {
            let rest = &ov[i + 35..];
            rest[..rest.find('"').unwrap()].parse().unwrap()
        })
        .collect();
    assert_eq!(xs.len(), overview::BUCKETS, "a bar in every bucket");
    assert!(xs[0] <= 118.0 + 0.1, "{}", xs[0]);
    assert!(*xs.last().unwrap() >= 118.0 + 1080.0 - 1080.0 / overview::BUCKETS as f64 - 0.1);
    let counted: u64 = ov
        .match_indices("data-count=\"")
        .map(|(i, _)| {
            let rest = &ov[i + 12..];
            rest[..rest.find('"').unwrap()].parse::<u64>().unwrap()
        })
        .sum();
    assert_eq!(counted, n, "every execution is in the overview");
    assert!(ov.contains(&format!(
        ">{}<",
        crate::input::instant::format_instant_ms(r.end_ms)
    )));
}

#[test]
fn an_execution_still_running_at_the_end_is_drawn_to_the_end() {
    let events = vec![up(0, 1), start(5_000, 9, 1, "onExecutePostLogin")];
    let html = page(&report(&[1]), &events);
    assert_eq!(count(&html, "class=\"exec unfinished\""), 1);
}

#[test]
fn secrets_are_redacted_before_rendering() {
    let secret = "s3cr3t&<value>";
    let mut r = report(&[1]);
    r.metrics.insert(format!("tokens_issued.{secret}"), 1.0);
    r.highlights.push(Highlight {
        t: T0,
        text: format!("client {secret}"),
    });
    let events = vec![
        up(0, 1),
        start(0, 1, 1, "onExecutePostLogin"),
        TraceEvent::Http {
            t: T0,
            login: Some(1),
            instance: 1,
            method: "POST".into(),
            url: format!("https://{secret}/oauth/token"),
            upstream: "tenant".into(),
            status: Some(200),
            error: None,
            latency_ms: 50,
            token_issued: Some(1),
        },
        TraceEvent::Console {
            t: T0,
            login: 1,
            instance: 1,
            level: "log".into(),
            text: format!("secret is {secret}"),
        },
        end(100, 1, 1, "completed"),
    ];
    let redactor = Redactor::new(&BTreeMap::from([(
        "clientSecret".to_string(),
        secret.to_string(),
    )]));
    let (shown, drawn) = redact_inputs(&r, &events, &redactor);
    let html = page(&shown, &drawn);
    assert!(!html.contains("s3cr3t"), "a secret leaked");
    assert!(html.contains("https://[secret:clientSecret]/oauth/token"));
    assert!(html.contains("secret is [secret:clientSecret]"));
    // In a metric name the secret's value becomes its bare name.
    assert!(html.contains("<code>tokens_issued.clientSecret</code>"));
    assert!(!html.contains("tokens_issued.[secret:"));
    assert!(html.contains("client [secret:clientSecret]"));
}

#[test]
fn several_sections_get_a_summary_and_invalid_scenarios_their_error() {
    let (a, e) = (report(&[1]), events());
    let mut b = report(&[]);
    b.passed = true;
    b.expectations.retain(|x| x.passed);
    let html = render_html_with_invalid(
        "actsim test",
        &[
            ReportSection {
                title: "first".into(),
                report: &a,
                events: &e,
            },
            ReportSection {
                title: "second".into(),
                report: &b,
                events: &[],
            },
        ],
        &[InvalidSection {
            path: "bad.toml".into(),
            error: "duration: 'x<y' is not a duration".into(),
        }],
    );
    assert!(html.contains("<table class=\"summary\">"));
    assert!(html.contains("<a href=\"#s1\">first</a>"));
    assert!(html.contains("<a href=\"#s2\">second</a>"));
    assert_eq!(count(&html, "<section class=\"scenario"), 2);
    assert!(html.contains("<section class=\"invalid\" id=\"invalid-1\"><h2>bad.toml"));
    assert!(html.contains("&#39;x&lt;y&#39; is not a duration"));
    assert!(html.contains("no instance came up"));
}

/// A million logins over 24 hours on 589 instances: cache reads, a token fetch per miss, and a
/// redirect resumed on another instance for every 20th login.
fn a_million_logins() -> (SimReport, Vec<TraceEvent>) {
    const LOGINS: u64 = 1_000_000;
    const INSTANCES: u32 = 589;
    const DAY: i64 = 86_400_000;
    let mut events: Vec<TraceEvent> = (1..=INSTANCES).map(|i| up(0, i)).collect();
    events.reserve(LOGINS as usize * 4);
    let mut tokens = 0;
    for login in 0..LOGINS {
        let t = login as i64 * DAY / LOGINS as i64;
        let instance = 1 + (login % u64::from(INSTANCES)) as u32;
        events.push(start(t, login, instance, "onExecutePostLogin"));
        if login % 50 == 0 {
            events.push(cache(t, login, instance, "get", "miss"));
            tokens += 1;
            events.push(token(t + 5, login, instance, tokens));
        } else {
            events.push(cache(t, login, instance, "get", "hit"));
        }
        if login % 20 == 0 {
            events.push(end(t + 40, login, instance, "redirect"));
            events.push(redirect(t + 40, login, instance));
            let to = 1 + (instance % INSTANCES);
            events.push(resume(t + 15_000, login, instance, to));
        } else {
            events.push(end(t + 40, login, instance, "completed"));
        }
    }
    let mut r = report(&(1..=INSTANCES).collect::<Vec<_>>());
    r.end_ms = T0 + DAY;
    r.metrics.insert("logins".into(), LOGINS as f64);
    (r, events)
}

/// The run of bar-coloured pixels in the overview's bottom bar row of a screenshot: (first x,
/// last x), or `None` when no row has the colour.
fn overview_bar_extent(png_bytes: &[u8], rgb: [u8; 3]) -> Option<(usize, usize)> {
    let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    let mut reader = decoder.read_info().ok()?;
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).ok()?;
    let channels = info.color_type.samples();
    let (w, h) = (info.width as usize, info.height as usize);
    let is_bar = |x: usize, y: usize| {
        let p = (y * w + x) * channels;
        buf[p].abs_diff(rgb[0]) <= 6
            && buf[p + 1].abs_diff(rgb[1]) <= 6
            && buf[p + 2].abs_diff(rgb[2]) <= 6
    };
    // The overview is the first drawing with bars: its first band of rows holding the colour;
    // take that band's bottom row (every bucket's bar reaches the baseline).
    let first = (0..h).find(|&y| (0..w).any(|x| is_bar(x, y)))?;
    let mut bottom = first;
    while bottom + 1 < h && (0..w).any(|x| is_bar(x, bottom + 1)) {
        bottom += 1;
    }
    let xs: Vec<usize> = (0..w).filter(|&x| is_bar(x, bottom)).collect();
    Some((*xs.first()?, *xs.last()?))
}

#[test]
fn a_million_logins_make_a_page_under_5_mb_that_chromium_renders_whole() {
    let (r, events) = a_million_logins();
    let html = page(&r, &events);
    drop(events);
    assert!(html.len() < 5_000_000, "{} bytes", html.len());
    // Every instance is reachable, every execution is in the overview.
    assert!(count(&html, "<g class=\"lane\"") <= timeline::MAX_LANES);
    assert!(html.contains("589 instances came up: they are drawn on"));
    let size = 589u32.div_ceil(timeline::MAX_LANES as u32);
    let last = format!("instances {}–589", 1 + size * (588 / size));
    assert!(
        html.contains(&last),
        "the last lane names the last instances: {last}"
    );
    let ov = &html[html.find("<svg class=\"overview\"").unwrap()..];
    let ov = &ov[..ov.find("</svg>").unwrap()];
    let total: u64 = ov
        .match_indices("data-count=\"")
        .map(|(i, _)| {
            let rest = &ov[i + 12..];
            rest[..rest.find('"').unwrap()].parse::<u64>().unwrap()
        })
        .sum();
    assert_eq!(total, 1_000_000);
    // Dense redirects are aggregated.
    assert!(html.contains("resume arrows are merged into"));
    // The zoom data is bucketed and still counts every execution.
    let d = zoom_data(&html);
    assert_eq!(d["mode"], "buckets");
    let res = d["res"].as_i64().unwrap();
    // The whole-run drawing aggregates per 26 px of 1080 for 24 hours (about 35 minutes).
    assert!(res > 0 && res * 4 < 35 * 60_000, "bucket {res} ms");
    let execs: i64 = d["execs"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|l| undelta(l, 3))
        .map(|b| b[1])
        .sum();
    assert_eq!(execs, 1_000_000);

    let chromium = std::path::Path::new("/usr/bin/chromium");
    if !chromium.exists() {
        use std::io::Write as _;
        let _ = writeln!(
            std::io::stderr().lock(),
            "SKIPPED: chromium not installed (.ci/run installs it); the million-login page was not rendered"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("million.html");
    std::fs::write(&file, &html).unwrap();
    let shot = dir.path().join("million.png");
    let run = |extra: &[String]| {
        std::process::Command::new(chromium)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
                "--force-device-scale-factor=1",
                "--window-size=1400,1000",
                &format!("--user-data-dir={}", dir.path().join("profile").display()),
            ])
            .args(extra)
            .arg(format!("file://{}", file.display()))
            .stdin(std::process::Stdio::null())
            .output()
            .expect("chromium runs")
    };
    let dom = run(&["--dump-dom".to_string()]);
    let dom = String::from_utf8_lossy(&dom.stdout);
    assert!(
        dom.contains("data-ready=\"1\""),
        "the page's script did not finish"
    );
    // The page's own measurement of the rendered overview: bars from the plot's left edge to
    // its right edge.
    let extent = dom
        .split("data-overview-extent=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the script measured the overview");
    let (a, b) = extent.split_once(',').unwrap();
    let (a, b): (f64, f64) = (a.parse().unwrap(), b.parse().unwrap());
    assert!(a <= 0.01 && b >= 0.99, "overview extent {extent}");
    // A time window from the address redraws the timeline for that hour.
    let zoomed = std::process::Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--window-size=1400,1000",
            &format!(
                "--user-data-dir={}",
                dir.path().join("profile-zoom").display()
            ),
            "--dump-dom",
        ])
        .arg(format!(
            "file://{}#window=2026-01-01T06:00:00.000Z/2026-01-01T07:00:00.000Z",
            file.display()
        ))
        .stdin(std::process::Stdio::null())
        .output()
        .expect("chromium runs");
    let zoomed = String::from_utf8_lossy(&zoomed.stdout);
    let window = format!(
        "data-window=\"{},{}\"",
        T0 + 6 * 3_600_000,
        T0 + 7 * 3_600_000
    );
    assert!(zoomed.contains(&window), "the window was not applied");
    // The window is redrawn from the zoom data at a finer resolution than the whole-run
    // drawing: more execution marks for that hour, holding every execution started in it.
    let svg_of = |dom: &str, open: &str| -> String {
        let at = dom.find(open).unwrap_or_else(|| panic!("no {open}"));
        let rest = &dom[at..];
        rest[..rest.find("</svg>").unwrap()].to_string()
    };
    let z = svg_of(&zoomed, "<svg class=\"timeline zoomed\"");
    assert!(z.contains("data-mode=\"buckets\""));
    assert!(zoomed.contains("<p class=\"zoom-note\">Window 2026-01-01T06:00:00.000Z → 2026-01-01T07:00:00.000Z: counts per "));
    let exec_counts: Vec<u64> = z
        .split("<rect class=\"exec agg ")
        .skip(1)
        .map(|r| {
            let c = &r[r.find("data-count=\"").unwrap() + 12..];
            c[..c.find('"').unwrap()].parse().unwrap()
        })
        .collect();
    let in_hour: u64 = exec_counts.iter().sum();
    // 1 000 000 logins in 24 hours start 41 666 or 41 667 in the hour; the two fine buckets at
    // the window's edges may reach beyond it by up to a bucket's logins each.
    let res = zoom_data(&html)["res"].as_i64().unwrap() as u64;
    let edge = 2 * (res * 1_000_000).div_ceil(86_400_000);
    assert!(
        (41_666..=41_667 + edge).contains(&in_hour),
        "{in_hour} executions in the zoomed hour (buckets of {res} ms)"
    );
    let whole = svg_of(&html, "<svg class=\"timeline\"");
    let whole_in_hour = whole
        .split("<rect class=\"exec agg ")
        .skip(1)
        .filter(|r| {
            let x: f64 = r
                .split("x=\"")
                .nth(1)
                .and_then(|v| v.split('"').next())
                .unwrap()
                .parse()
                .unwrap();
            // Hour 6 of 24 on the 1080-px axis from x = 118.
            (388.0..433.0).contains(&x)
        })
        .count();
    assert!(
        exec_counts.len() > 3 * whole_in_hour,
        "{} execution marks in the zoomed hour, {whole_in_hour} in the whole-run drawing",
        exec_counts.len()
    );
    // And in pixels: the screenshot's overview bars span the whole 1080-pixel plot.
    let out = run(&[format!("--screenshot={}", shot.display())]);
    let png = std::fs::read(&shot).unwrap_or_else(|e| {
        panic!(
            "no screenshot ({e}): {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let (x1, x2) = overview_bar_extent(&png, [0x4c, 0x8e, 0xe8]).expect("bars in the screenshot");
    let width = x2 + 1 - x1;
    assert!(
        (1070..=1082).contains(&width),
        "the overview's bars span {width} px ({x1}..={x2}), not the whole 1080-px time axis"
    );
}
