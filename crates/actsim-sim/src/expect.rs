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
                let near = closest_names(missing, metrics.keys().map(String::as_str));
                ExpectationResult {
                    expectation: self.clone(),
                    actual: None,
                    passed: false,
                    problem: Some(format!("unknown metric '{missing}'; {}", near)),
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

/// Edit distance (Levenshtein, by characters) between `a` and `b`, stopping early once it
/// exceeds `limit` (then `limit + 1`).
pub fn edit_distance(a: &str, b: &str, limit: usize) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > limit {
        return limit + 1;
    }
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        current[0] = i + 1;
        let mut row_min = current[0];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
            row_min = row_min.min(current[j + 1]);
        }
        if row_min > limit {
            return limit + 1;
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

/// "did you mean …?" for a name that is not among `known`: the closest names by edit distance
/// (at most a third of the name's length, and at least 2, away), up to three, nearest first;
/// when none is that close, a sample of the known names (per-instance metrics left out).
pub fn closest_names<'k>(missing: &str, known: impl Iterator<Item = &'k str>) -> String {
    let known: Vec<&str> = known.collect();
    let limit = (missing.chars().count() / 3).max(2);
    let mut near: Vec<(usize, &str)> = known
        .iter()
        .map(|k| (edit_distance(missing, k, limit), *k))
        .filter(|(d, _)| *d <= limit)
        .collect();
    near.sort();
    if !near.is_empty() {
        let names: Vec<String> = near.iter().take(3).map(|(_, k)| format!("'{k}'")).collect();
        return format!("did you mean {}?", names.join(" or "));
    }
    let sample: Vec<&str> = known
        .iter()
        .copied()
        .filter(|k| !k.starts_with("instance."))
        .take(12)
        .collect();
    format!("known metrics include: {}", sample.join(", "))
}

impl ExpectationResult {
    /// The outcome in words: `tokens_issued was 358, expected <= 4` (with the other metric's
    /// value when the right side names one: `logins.completed was 709, expected == logins
    /// (710)`), or the problem (unknown metric).
    pub fn message(&self, metrics: &BTreeMap<String, f64>) -> String {
        if let Some(problem) = &self.problem {
            return problem.clone();
        }
        let e = &self.expectation;
        let actual = self
            .actual
            .map_or_else(|| "no value".to_string(), format_number);
        let expected = match &e.value_metric {
            None => format_number(e.value),
            Some(name) => match metrics.get(name) {
                Some(v) => format!("{name} ({})", format_number(*v)),
                None => name.clone(),
            },
        };
        format!(
            "{} was {actual}, expected {} {expected}",
            e.metric,
            e.op.as_str()
        )
    }
}

/// A metric value as people write it: integers without a fraction, others to at most four
/// decimals.
pub fn format_number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        let s = format!("{v:.4}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
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
    }

    #[test]
    fn did_you_mean_picks_the_closest_names_by_edit_distance() {
        let m: BTreeMap<String, f64> = [
            "cache.errors",
            "cache.gets",
            "cache.hit_ratio",
            "cache.hits",
            "errors",
            "executions",
            "logins",
            "logins.completed",
            "redirects",
            "token_requests",
            "tokens_issued",
            "instance.1.executions",
        ]
        .iter()
        .map(|k| (k.to_string(), 1.0))
        .collect();
        let problem = |line: &str| Expectation::parse(line).unwrap().check(&m).problem.unwrap();
        assert_eq!(
            problem("token_issued <= 4"),
            "unknown metric 'token_issued'; did you mean 'tokens_issued'?"
        );
        assert_eq!(
            problem("cache.hit_ration >= 0.9"),
            "unknown metric 'cache.hit_ration'; did you mean 'cache.hit_ratio'?"
        );
        assert!(problem("logins.complete == logins").contains("did you mean 'logins.completed'?"));
        // Nothing close: a sample, without per-instance metrics.
        let far = problem("zzzzzzzzzz <= 1");
        assert!(far.contains("known metrics include: cache.errors"), "{far}");
        assert!(!far.contains("instance."), "{far}");
        assert_eq!(edit_distance("kitten", "sitting", 10), 3);
        assert_eq!(
            edit_distance("abc", "abcdefgh", 2),
            3,
            "stops past the limit"
        );
    }

    #[test]
    fn messages_in_words() {
        let m = BTreeMap::from([
            ("tokens_issued".to_string(), 358.0),
            ("cache.hit_ratio".to_string(), 0.972_26),
            ("logins".to_string(), 710.0),
            ("logins.completed".to_string(), 709.0),
        ]);
        let message = |line: &str| Expectation::parse(line).unwrap().check(&m).message(&m);
        assert_eq!(
            message("tokens_issued <= 4"),
            "tokens_issued was 358, expected <= 4"
        );
        assert_eq!(
            message("cache.hit_ratio >= 0.99"),
            "cache.hit_ratio was 0.9723, expected >= 0.99"
        );
        assert_eq!(
            message("logins.completed == logins"),
            "logins.completed was 709, expected == logins (710)"
        );
        assert!(message("tokns <= 1").starts_with("unknown metric 'tokns'"));
        assert!(Expectation::parse("a b <= 4").is_err());
        assert!(Expectation::parse("x <= 12abc").is_err());
    }
}
