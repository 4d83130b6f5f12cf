//! Perturbations of the schedule a scenario declares in `[perturb]` (docs/scenario.md): random
//! instance kills and recycles, misplaced logins and resumes, arrival and return jitter. Each
//! one is bounded (a rate, a probability, a maximum) and drawn from the run's seed like every
//! other choice, so a run with perturbations replays exactly; `actsim explore` searches the
//! seeds for the rare schedules they make possible.

use serde::Deserialize;
use toml::Spanned;

use crate::values::{parse_duration_ms, parse_rate_per_ms};

/// The `[perturb]` table as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPerturb {
    /// Mean rate of random instance kills, e.g. "1/h".
    pub kill_rate: Option<Spanned<String>>,
    /// Mean rate of random graceful recycles, e.g. "1/h".
    pub recycle_rate: Option<Spanned<String>>,
    /// At most this many random kills and recycles in one run.
    pub max_faults: Option<Spanned<u32>>,
    /// Probability that a new login or a resume lands on a random instance.
    pub misplace: Option<Spanned<f64>>,
    /// Each login arrives up to this much later, e.g. "2s".
    pub arrival_jitter: Option<Spanned<String>>,
    /// Each user comes back from a redirect up to this much later, e.g. "30s".
    pub return_jitter: Option<Spanned<String>>,
}

/// Validated perturbations; the default perturbs nothing (and draws no random number).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Perturbations {
    /// Random kills per virtual ms (0: none).
    pub kill_rate_per_ms: f64,
    /// Random graceful recycles per virtual ms (0: none).
    pub recycle_rate_per_ms: f64,
    /// At most this many random kills and recycles per run.
    pub max_faults: u32,
    /// Probability that a new login or a resume ignores the placement policy and lands on a
    /// random placeable instance.
    pub misplace: f64,
    /// Each arrival is delayed by a uniform 0..=this many ms.
    pub arrival_jitter_ms: i64,
    /// Each return from a redirect is delayed by a uniform 0..=this many extra ms.
    pub return_jitter_ms: i64,
}

/// The default bound on random kills and recycles per run.
pub const DEFAULT_MAX_FAULTS: u32 = 3;

impl Perturbations {
    /// Whether any perturbation is on.
    pub fn any(&self) -> bool {
        self.faults()
            || self.misplace > 0.0
            || self.arrival_jitter_ms > 0
            || self.return_jitter_ms > 0
    }

    /// Whether random kills or recycles are on.
    pub fn faults(&self) -> bool {
        self.max_faults > 0 && (self.kill_rate_per_ms > 0.0 || self.recycle_rate_per_ms > 0.0)
    }
}

/// A field's error: the message and the span of the value.
pub type FieldError = (String, std::ops::Range<usize>);

/// Validate `raw`.
pub fn compile(raw: &RawPerturb) -> Result<Perturbations, FieldError> {
    let rate = |field: &str, v: &Option<Spanned<String>>| -> Result<f64, FieldError> {
        match v {
            None => Ok(0.0),
            Some(v) => parse_rate_per_ms(v.get_ref())
                .map_err(|e| (format!("perturb.{field}: {e}"), v.span())),
        }
    };
    let jitter = |field: &str, v: &Option<Spanned<String>>| -> Result<i64, FieldError> {
        match v {
            None => Ok(0),
            Some(v) => {
                let ms = parse_duration_ms(v.get_ref())
                    .map_err(|e| (format!("perturb.{field}: {e}"), v.span()))?;
                if !(0..=crate::engine::TRANSACTION_LIFETIME_MS).contains(&ms) {
                    return Err((
                        format!("perturb.{field}: must be between 0s and 1h"),
                        v.span(),
                    ));
                }
                Ok(ms)
            }
        }
    };
    let misplace = match &raw.misplace {
        None => 0.0,
        Some(v) if (0.0..=1.0).contains(v.get_ref()) => *v.get_ref(),
        Some(v) => {
            return Err((
                format!(
                    "perturb.misplace: {} is not a probability between 0 and 1",
                    v.get_ref()
                ),
                v.span(),
            ))
        }
    };
    let max_faults = match &raw.max_faults {
        None => DEFAULT_MAX_FAULTS,
        Some(v) if *v.get_ref() <= 1000 => *v.get_ref(),
        Some(v) => {
            return Err((
                "perturb.max_faults: at most 1000 per run".to_string(),
                v.span(),
            ))
        }
    };
    Ok(Perturbations {
        kill_rate_per_ms: rate("kill_rate", &raw.kill_rate)?,
        recycle_rate_per_ms: rate("recycle_rate", &raw.recycle_rate)?,
        max_faults,
        misplace,
        arrival_jitter_ms: jitter("arrival_jitter", &raw.arrival_jitter)?,
        return_jitter_ms: jitter("return_jitter", &raw.return_jitter)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Perturbations, FieldError> {
        compile(&toml::from_str::<RawPerturb>(text).expect("valid TOML"))
    }

    #[test]
    fn nothing_declared_perturbs_nothing() {
        let p = parse("").unwrap();
        assert!(!p.any());
        assert!(!p.faults());
    }

    #[test]
    fn rates_jitters_and_bounds_are_read() {
        let p = parse(
            "kill_rate = \"2/h\"\nmax_faults = 1\nmisplace = 0.25\narrival_jitter = \"2s\"\nreturn_jitter = \"30s\"",
        )
        .unwrap();
        assert!((p.kill_rate_per_ms - 2.0 / 3_600_000.0).abs() < 1e-15);
        assert_eq!(p.max_faults, 1);
        assert_eq!(p.misplace, 0.25);
        assert_eq!((p.arrival_jitter_ms, p.return_jitter_ms), (2_000, 30_000));
        assert!(p.faults());
    }

    #[test]
    fn out_of_range_values_name_their_field() {
        assert!(parse("misplace = 1.5")
            .unwrap_err()
            .0
            .contains("perturb.misplace"));
        assert!(parse("return_jitter = \"2h\"")
            .unwrap_err()
            .0
            .contains("between 0s and 1h"));
        assert!(parse("kill_rate = \"fast\"")
            .unwrap_err()
            .0
            .contains("perturb.kill_rate"));
        assert!(parse("max_faults = 5000")
            .unwrap_err()
            .0
            .contains("at most 1000"));
    }
}
