//! The lesson page leads with what teaches: the flawed-vs-fixed comparison, the caveat and the
//! fix, and both actions' code side by side with the changed lines marked, before the two
//! timelines (whose full metric tables are folded away).

use crate::common;
use common::*;

#[test]
fn the_lesson_page_leads_with_the_comparison_the_fix_and_the_code_diff() {
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("lesson.html");
    let out = actsim(&[
        "lesson",
        "default-lifetime",
        "--report",
        html.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let page = std::fs::read_to_string(&html).unwrap();
    let first_timeline = page
        .find("<section class=\"scenario")
        .expect("a scenario section");
    let lead = &page[..first_timeline];
    assert!(lead.contains("<strong>The caveat.</strong>"), "{lead}");
    assert!(lead.contains("<strong>The fix.</strong> Pass { ttl: (expires_in - 60) * 1000 }."));
    // The comparison: the key numbers of both runs, as the text output shows them.
    let text = stdout(&actsim(&["lesson", "default-lifetime"]));
    let tokens_line = text
        .lines()
        .find(|l| l.trim_start().starts_with("tokens_issued"))
        .expect("a tokens_issued row in the text output");
    let numbers: Vec<&str> = tokens_line.split_whitespace().skip(1).collect();
    assert!(
        lead.contains(&format!(
            "<tr class=\"key\"><td><code>tokens_issued</code></td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            numbers[0], numbers[1]
        )),
        "{lead}"
    );
    // The code side by side: the fixed action's ttl line is marked as added, and the flawed
    // action's set without ttl as removed.
    assert!(lead.contains("<div class=\"code-diff\">"));
    let ins: Vec<&str> = lead
        .split("<span class=\"line ins\">")
        .skip(1)
        .map(|s| &s[..s.find("</span>").unwrap()])
        .collect();
    let del: Vec<&str> = lead
        .split("<span class=\"line del\">")
        .skip(1)
        .map(|s| &s[..s.find("</span>").unwrap()])
        .collect();
    assert!(ins.iter().any(|l| l.contains("ttl:")), "{ins:?}");
    assert!(
        del.iter()
            .any(|l| l.contains("api.cache.set(") && !l.contains("ttl")),
        "{del:?}"
    );
    // Unchanged lines are not marked.
    assert!(lead.contains("<span class=\"line\">"));
    // The two timelines follow; the full metric tables are folded away.
    assert_eq!(page.matches("<svg class=\"timeline\"").count(), 2);
    assert_eq!(page.matches("<details class=\"more\">").count(), 2);
}
