//! `expect` lines such as `tokens_issued <= 4` or `cache.hit_ratio >= 0.9`: parsing, and
//! checking them against a run's metrics.

use std::collections::BTreeMap;

use serde::Serialize;

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Op {
    /// `<`
    #[serde(rename = "<")]
    Lt,
    /// `<=`
    #[serde(rename = "<=")]
    Le,
    /// `>`
    #[serde(rename = ">")]
    Gt,
    /// `>=`
    #[serde(rename = ">=")]
    Ge,
    /// `==`
    #[serde(rename = "==")]
    Eq,
    /// `!=`
    #[serde(rename = "!=")]
    Ne,
}

impl Op {
    fn as_str(self) -> &'static str {
        match self {
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Eq => "==",
            Op::Ne => "!=",
        }
    }

    fn holds(self, actual: f64, expected: f64) -> bool {
        const EPS: f64 = 1e-9;
        match self {
            Op::Lt => actual < expected,
            Op::Le => actual <= expected + EPS,
            Op::Gt => actual > expected,
            Op::Ge => actual + EPS >= expected,
            Op::Eq => (actual - expected).abs() <= EPS,
            Op::Ne => (actual - expected).abs() > EPS,
        }
    }
}

/// One expectation: `metric op value`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Expectation {
    /// The line as written.
    pub text: String,
    /// The metric's name.
    pub metric: String,
    /// The comparison.
    pub op: Op,
    /// The number compared with (when the right side is a number).
    pub value: f64,
    /// The metric compared with, when the right side names one (`logins.completed == logins`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_metric: Option<String>,
}

impl Expectation {
    /// Parse `metric op number`.
    pub fn parse(text: &str) -> Result<Expectation, String> {
        let t = text.trim();
        let ops = [
            ("<=", Op::Le),
            (">=", Op::Ge),
            ("==", Op::Eq),
            ("!=", Op::Ne),
            ("<", Op::Lt),
            (">", Op::Gt),
        ];
        let Some((pos, len, op)) = ops
            .iter()
            .filter_map(|(s, op)| t.find(s).map(|p| (p, s.len(), *op)))
            .min_by_key(|(p, len, _)| (*p, std::cmp::Reverse(*len)))
        else {
            return Err(format!("'{t}' has no comparison: write e.g. `tokens_issued <= 4` (operators: < <= > >= == !=)"));
        };
        let metric = t[..pos].trim();
        let number = t[pos + len..].trim();
        if metric.is_empty() || metric.contains(char::is_whitespace) {
            return Err(format!(
                "'{t}': expected one metric name before '{}'",
                op.as_str()
            ));
        }
        let is_name = |s: &str| {
            !s.is_empty()
                && s.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._-|".contains(c))
        };
        let (value, value_metric) = match number.parse::<f64>() {
            Ok(v) if v.is_finite() => (v, None),
            _ if is_name(number) => (0.0, Some(number.to_string())),
            _ => {
                return Err(format!(
                    "'{t}': '{number}' is neither a number nor a metric name"
                ))
            }
        };
        Ok(Expectation {
            text: t.to_string(),
            metric: metric.to_string(),
            op,
            value,
            value_metric,
        })
    }

    /// Check against `metrics`.
    pub fn check(&self, metrics: &BTreeMap<String, f64>) -> ExpectationResult {
        let value = |name: &str| {
            metrics
                .get(name)
                .copied()
                .or_else(|| counts_what_actions_did(name).then_some(0.0))
        };
        let expected = match &self.value_metric {
            None => Some(self.value),
            Some(name) => value(name),
        };
        match (value(&self.metric).as_ref(), expected) {
            (Some(&actual), Some(expected)) => ExpectationResult {
                expectation: self.clone(),
                actual: Some(actual),
                passed: self.op.holds(actual, expected),
                problem: None,
            },
            (found, _) => {
                let missing = if found.is_none() {
                    &self.metric
                } else {
                    self.value_metric.as_ref().expect("rhs is a metric")
                };
                let prefix = missing.split('.').next().unwrap_or("");
                let mut near: Vec<&str> = metrics
                    .keys()
                    .filter(|k| k.starts_with(prefix) || k.contains(missing.as_str()))
                    .map(String::as_str)
                    .take(8)
                    .collect();
                if near.is_empty() {
                    near = metrics
                        .keys()
                        .map(String::as_str)
                        .filter(|k| !k.starts_with("instance."))
                        .take(12)
                        .collect();
                }
                ExpectationResult {
                    expectation: self.clone(),
                    actual: None,
                    passed: false,
                    problem: Some(format!(
                        "unknown metric '{missing}'; known metrics include: {}",
                        near.join(", ")
                    )),
                }
            }
        }
    }
}

/// Whether `name` counts something actions did with values only known when they do it
/// (`claims.…`, `denies.…`, `user.…`, `action.…`): such a metric is 0 until it happens, so that
/// `denies.crm_forbidden == 0` can be written (docs/scenario.md, "What actions did").
fn counts_what_actions_did(name: &str) -> bool {
    ["claims.", "denies.", "user.", "action."]
        .iter()
        .any(|p| name.starts_with(p) && name.len() > p.len())
}

/// The outcome of checking one expectation.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ExpectationResult {
    /// What was expected.
    pub expectation: Expectation,
    /// The metric's value, if it exists.
    pub actual: Option<f64>,
    /// Whether it held.
    pub passed: bool,
    /// Why it could not be checked (unknown metric).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_checks() {
        let e = Expectation::parse("tokens_issued <= 4").unwrap();
        assert_eq!(
            (e.metric.as_str(), e.op, e.value),
            ("tokens_issued", Op::Le, 4.0)
        );
        let m = BTreeMap::from([
            ("tokens_issued".to_string(), 4.0),
            ("cache.hit_ratio".to_string(), 0.85),
        ]);
        assert!(e.check(&m).passed);
        assert!(
            !Expectation::parse("tokens_issued < 4")
                .unwrap()
                .check(&m)
                .passed
        );
        assert!(
            !Expectation::parse("cache.hit_ratio >= 0.9")
                .unwrap()
                .check(&m)
                .passed
        );
        assert!(
            Expectation::parse("cache.hit_ratio != 0.9")
                .unwrap()
                .check(&m)
                .passed
        );
        let unknown = Expectation::parse("tokens >= 1").unwrap().check(&m);
        assert!(!unknown.passed);
        assert!(unknown.problem.unwrap().contains("tokens_issued"));
        let rhs = Expectation::parse("cache.hit_ratio < tokens_issued").unwrap();
        assert!(rhs.check(&m).passed);
        assert!(
            !Expectation::parse("tokens_issued < cache.hit_ratio")
                .unwrap()
                .check(&m)
                .passed
        );
        assert!(Expectation::parse("tokens_issued <= nope")
            .unwrap()
            .check(&m)
            .problem
            .unwrap()
            .contains("'nope'"));
        let never_denied = Expectation::parse("denies.crm_forbidden == 0").unwrap();
        assert!(
            never_denied.check(&m).passed,
            "a deny reason never seen counts 0"
        );
        assert!(
            !Expectation::parse("denies.crm_forbidden >= 1")
                .unwrap()
                .check(&m)
                .passed
        );
        assert!(
            Expectation::parse("denies. == 0")
                .unwrap()
                .check(&m)
                .problem
                .is_some(),
            "a family name alone is no metric"
        );
        assert!(Expectation::parse("tokens_issued four!").is_err());
        assert!(Expectation::parse("a b <= 4").is_err());
        assert!(Expectation::parse("x <= 12abc").is_err());
    }
}
