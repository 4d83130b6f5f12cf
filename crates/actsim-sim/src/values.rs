//! Scenario value syntax: durations (`15m`, `1h30m`), instants (RFC 3339), rates (`2/min`) and
//! latency distributions (`50ms`, `20ms..80ms`, `exp 30s`), and sampling them from the seeded
//! generator.

use actsim_js::SeededRng;

/// Parse a non-negative duration like `16m`, `1h30m`, `2d`, `45s`, `250ms` into milliseconds
/// (actsim's one duration grammar: `actsim_time::duration`).
pub fn parse_duration_ms(text: &str) -> Result<i64, String> {
    actsim_time::parse_duration_ms(text).map_err(|e| e.to_string())
}

/// Parse an RFC 3339 instant (or a plain date, meaning midnight UTC) into ms since the epoch.
pub fn parse_instant_ms(text: &str) -> Result<i64, String> {
    use time::format_description::well_known::Rfc3339;
    let t = text.trim();
    let full = if t.len() == 10 && t.as_bytes().get(4) == Some(&b'-') {
        format!("{t}T00:00:00Z")
    } else {
        t.to_string()
    };
    let parsed = time::OffsetDateTime::parse(&full, &Rfc3339).map_err(|e| {
        format!("'{text}' is not an RFC 3339 time ({e}); write e.g. 2026-01-01T00:00:00Z")
    })?;
    Ok((parsed.unix_timestamp_nanos() / 1_000_000) as i64)
}

/// Parse a rate like `2/min`, `30/s`, `100/h` or `1/5m` into events per millisecond.
pub fn parse_rate_per_ms(text: &str) -> Result<f64, String> {
    let (count, per) = text.split_once('/').ok_or_else(|| {
        format!("'{text}' is not a rate: write COUNT/UNIT, e.g. 2/min, 30/s, 100/h")
    })?;
    let count: f64 = count
        .trim()
        .parse()
        .map_err(|_| format!("'{text}': '{count}' is not a number"))?;
    let per = per.trim();
    let per_ms = match per {
        "s" | "sec" | "second" => 1_000,
        "min" | "minute" => 60_000,
        "h" | "hour" => 3_600_000,
        "d" | "day" => 86_400_000,
        other => parse_duration_ms(other)
            .map_err(|_| format!("'{text}': unknown rate unit '{other}' (use s, min, h or d)"))?,
    };
    if !(count.is_finite() && count > 0.0) || per_ms <= 0 {
        return Err(format!("'{text}': a rate must be positive"));
    }
    Ok(count / per_ms as f64)
}

/// A latency or delay distribution in milliseconds.
#[derive(Clone, Debug, PartialEq)]
pub enum Dist {
    /// Always the same.
    Fixed(i64),
    /// Uniform between the bounds (inclusive).
    Uniform(i64, i64),
    /// Exponential with this mean.
    Exponential(f64),
}

impl Dist {
    /// Parse `50ms`, `20ms..80ms` or `exp 30s`.
    pub fn parse(text: &str) -> Result<Dist, String> {
        let t = text.trim();
        if let Some(mean) = t.strip_prefix("exp ") {
            let mean = parse_duration_ms(mean)?;
            if mean <= 0 {
                return Err(format!("'{text}': the mean must be positive"));
            }
            return Ok(Dist::Exponential(mean as f64));
        }
        if let Some((lo, hi)) = t.split_once("..") {
            let (lo, hi) = (parse_duration_ms(lo)?, parse_duration_ms(hi)?);
            if hi < lo {
                return Err(format!("'{text}': the upper bound is below the lower one"));
            }
            return Ok(Dist::Uniform(lo, hi));
        }
        parse_duration_ms(t).map(Dist::Fixed).map_err(|e| {
            format!("{e}; a distribution is a duration (50ms), a range (20ms..80ms) or 'exp 30s'")
        })
    }

    /// Draw a value; a fixed distribution consumes no randomness.
    pub fn sample(&self, rng: &mut SeededRng) -> i64 {
        match *self {
            Dist::Fixed(v) => v,
            Dist::Uniform(lo, hi) => lo + (rng.next_u64() % ((hi - lo) as u64 + 1)) as i64,
            Dist::Exponential(mean) => exponential(rng, mean).round() as i64,
        }
    }
}

/// An exponentially distributed value with the given mean.
pub fn exponential(rng: &mut SeededRng, mean: f64) -> f64 {
    let u = rng.next_f64();
    -mean * (1.0 - u).ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_rates_and_distributions() {
        assert_eq!(parse_duration_ms("1h30m"), Ok(5_400_000));
        assert!(parse_duration_ms("soon").is_err());
        assert!((parse_rate_per_ms("2/min").unwrap() - 2.0 / 60_000.0).abs() < 1e-12);
        assert!((parse_rate_per_ms("1/5m").unwrap() - 1.0 / 300_000.0).abs() < 1e-12);
        assert!(parse_rate_per_ms("2 per minute").is_err());
        assert!(parse_rate_per_ms("0/s").is_err());
        assert_eq!(Dist::parse("50ms"), Ok(Dist::Fixed(50)));
        assert_eq!(Dist::parse("20ms..80ms"), Ok(Dist::Uniform(20, 80)));
        assert_eq!(Dist::parse("exp 30s"), Ok(Dist::Exponential(30_000.0)));
        assert!(Dist::parse("80ms..20ms").is_err());
        assert_eq!(parse_instant_ms("2026-01-01").unwrap(), 1_767_225_600_000);
    }

    #[test]
    fn uniform_samples_stay_in_bounds_and_exponential_has_its_mean() {
        let mut rng = SeededRng::new(3);
        let d = Dist::Uniform(20, 80);
        assert!((0..1000)
            .map(|_| d.sample(&mut rng))
            .all(|v| (20..=80).contains(&v)));
        let e = Dist::Exponential(1000.0);
        let mean = (0..20_000).map(|_| e.sample(&mut rng) as f64).sum::<f64>() / 20_000.0;
        assert!((900.0..1100.0).contains(&mean), "mean {mean}");
    }
}
