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
    // The only <script> is the page's own.
    assert_eq!(count(&html, "<script"), 1);
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
fn lanes_beyond_the_cap_are_left_out_and_said_so() {
    let n = timeline::MAX_LANES as u32 + 5;
    let events: Vec<TraceEvent> = (1..=n).map(|i| up(0, i)).collect();
    let html = page(&report(&[]), &events);
    assert_eq!(count(&html, "<g class=\"lane\""), timeline::MAX_LANES);
    assert!(html.contains(&format!("{n} instances came up; only the first")));
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
    assert!(html.contains("<code>tokens_issued.[secret:clientSecret]</code>"));
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
