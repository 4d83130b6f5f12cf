//! Metric names as every output shows them: a secret's value inside a metric name (a client id
//! in `tokens_issued.<client_id>`, a domain in `http.<host>.<status>`) becomes the secret's bare
//! name (`tokens_issued.clientID`), never `[secret:clientID]`, so that text, `--json`, JUnit and
//! HTML name a metric alike and an expectation can be written with the name it shows.

use std::collections::BTreeMap;

use actsim_sim::{ExpectationResult, Redactor};

/// Put each secret's name in place of its value in the metric names of `metrics` and of
/// `expectations` (their text, metric, compared metric and problem). The rest of the output is
/// still redacted as text afterwards.
pub fn name_metrics(
    metrics: &mut BTreeMap<String, f64>,
    expectations: &mut [ExpectationResult],
    redactor: &Redactor,
) {
    if redactor.is_empty() {
        return;
    }
    *metrics = std::mem::take(metrics)
        .into_iter()
        .map(|(k, v)| (redactor.metric_name(&k), v))
        .collect();
    for e in expectations {
        let x = &mut e.expectation;
        x.text = redactor.metric_name(&x.text);
        x.metric = redactor.metric_name(&x.metric);
        x.value_metric = x.value_metric.as_deref().map(|m| redactor.metric_name(m));
        e.problem = e.problem.as_deref().map(|p| redactor.metric_name(p));
    }
}
