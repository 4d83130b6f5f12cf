//! actsim's one duration grammar, used by scenario files, the CLI's flags and the mock tenant:
//! an optional sign, then one or more `<digits><unit>` parts with units `ms`, `s`, `m` (or
//! `min`), `h` and `d`: `250ms`, `90s`, `16m`, `2min`, `1h30m`, `2d`, `-1h`. Where a negative
//! duration makes no sense, [`parse_duration_ms`] refuses the `-` sign; [`parse_signed_duration_ms`]
//! accepts it (clock offsets, times relative to a start).

use crate::MS_PER_DAY;

/// Why a text is not a duration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DurationErrorKind {
    /// Nothing but blanks (or only a sign).
    Empty,
    /// A part does not start with a number.
    ExpectedNumber,
    /// A number without a unit after it.
    MissingUnit(i64),
    /// A unit actsim does not know.
    UnknownUnit(String),
    /// More milliseconds than an `i64` holds.
    TooLarge,
    /// A `-` where durations cannot be negative.
    Negative,
}

/// A text that is not a duration, with the reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DurationError {
    /// The text as given.
    pub text: String,
    /// What is wrong with it.
    pub kind: DurationErrorKind,
}

impl std::fmt::Display for DurationError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let why = match &self.kind {
            DurationErrorKind::Empty => "empty".to_string(),
            DurationErrorKind::ExpectedNumber => "expected a number".to_string(),
            DurationErrorKind::MissingUnit(n) => {
                format!("missing unit after {n}: use ms, s, m, min, h or d")
            }
            DurationErrorKind::UnknownUnit(unit) => {
                format!("unknown unit '{unit}': use ms, s, m, min, h or d")
            }
            DurationErrorKind::TooLarge => "too large".to_string(),
            DurationErrorKind::Negative => "it cannot be negative here".to_string(),
        };
        write!(
            f,
            "'{}' is not a duration ({why}); write e.g. 250ms, 90s, 16m, 1h30m or 2d",
            self.text
        )
    }
}

impl std::error::Error for DurationError {}

/// Parse a non-negative duration (`16m`, `1h30m`, `+2d`) into milliseconds.
pub fn parse_duration_ms(text: &str) -> Result<i64, DurationError> {
    let ms = parse_signed_duration_ms(text)?;
    if text.trim_start().starts_with('-') {
        return Err(DurationError {
            text: text.to_string(),
            kind: DurationErrorKind::Negative,
        });
    }
    Ok(ms)
}

/// Parse a duration that may be negative (`-90s`, `+1h`, `2d`) into milliseconds.
pub fn parse_signed_duration_ms(text: &str) -> Result<i64, DurationError> {
    let err = |kind| DurationError {
        text: text.to_string(),
        kind,
    };
    let trimmed = text.trim();
    let (sign, body) = match trimmed.as_bytes().first() {
        Some(b'-') => (-1, &trimmed[1..]),
        Some(b'+') => (1, &trimmed[1..]),
        _ => (1, trimmed),
    };
    if body.is_empty() {
        return Err(err(DurationErrorKind::Empty));
    }
    let mut total: i64 = 0;
    let mut rest = body;
    while !rest.is_empty() {
        let n_len = rest.bytes().take_while(u8::is_ascii_digit).count();
        if n_len == 0 {
            return Err(err(DurationErrorKind::ExpectedNumber));
        }
        let n: i64 = rest[..n_len]
            .parse()
            .map_err(|_| err(DurationErrorKind::TooLarge))?;
        rest = &rest[n_len..];
        let u_len = rest.bytes().take_while(|b| !b.is_ascii_digit()).count();
        let factor = match &rest[..u_len] {
            "ms" => 1,
            "s" => 1_000,
            "m" | "min" => 60_000,
            "h" => 3_600_000,
            "d" => MS_PER_DAY,
            "" => return Err(err(DurationErrorKind::MissingUnit(n))),
            other => return Err(err(DurationErrorKind::UnknownUnit(other.to_string()))),
        };
        total = n
            .checked_mul(factor)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(|| err(DurationErrorKind::TooLarge))?;
        rest = &rest[u_len..];
    }
    Ok(sign * total)
}

/// Format milliseconds compactly: `15m`, `1h30m`, `2.5s`, `120ms`, `-1h` (what
/// [`parse_signed_duration_ms`] reads back, except for fractions of a second above one
/// second, printed as `2.5s`).
pub fn format_duration_ms(ms: i64) -> String {
    if ms < 0 {
        return format!("-{}", format_duration_ms(ms.saturating_neg()));
    }
    if ms < 1_000 {
        return format!("{ms}ms");
    }
    if ms < 60_000 {
        return if ms % 1_000 == 0 {
            format!("{}s", ms / 1_000)
        } else {
            format!("{:.1}s", ms as f64 / 1_000.0)
        };
    }
    let total_s = ms / 1_000;
    let (d, h, m, s) = (
        total_s / 86_400,
        total_s % 86_400 / 3_600,
        total_s % 3_600 / 60,
        total_s % 60,
    );
    let mut out = String::new();
    for (v, u) in [(d, "d"), (h, "h"), (m, "m"), (s, "s")] {
        if v > 0 {
            out.push_str(&format!("{v}{u}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_grammar_reads_every_unit_and_combinations() {
        assert_eq!(parse_duration_ms("250ms"), Ok(250));
        assert_eq!(parse_duration_ms("90s"), Ok(90_000));
        assert_eq!(parse_duration_ms("16m"), Ok(960_000));
        assert_eq!(parse_duration_ms("2min"), Ok(120_000));
        assert_eq!(parse_duration_ms("1h30m"), Ok(5_400_000));
        assert_eq!(parse_duration_ms(" 2d "), Ok(172_800_000));
        assert_eq!(parse_duration_ms("+1h"), Ok(3_600_000));
        assert_eq!(parse_signed_duration_ms("-90s"), Ok(-90_000));
        assert_eq!(parse_signed_duration_ms("+1h30m"), Ok(5_400_000));
    }

    #[test]
    fn bad_texts_say_why() {
        let kind = |t: &str| parse_signed_duration_ms(t).unwrap_err().kind;
        assert_eq!(kind(""), DurationErrorKind::Empty);
        assert_eq!(kind("+"), DurationErrorKind::Empty);
        assert_eq!(kind("m"), DurationErrorKind::ExpectedNumber);
        assert_eq!(kind("10"), DurationErrorKind::MissingUnit(10));
        assert_eq!(
            kind("5 minutes"),
            DurationErrorKind::UnknownUnit(" minutes".into())
        );
        assert_eq!(kind("1x"), DurationErrorKind::UnknownUnit("x".into()));
        assert_eq!(kind("99999999999999999999d"), DurationErrorKind::TooLarge);
        assert_eq!(kind("9999999999999999d"), DurationErrorKind::TooLarge);
        let negative = parse_duration_ms("-5s").unwrap_err();
        assert_eq!(negative.kind, DurationErrorKind::Negative);
        assert_eq!(
            parse_duration_ms("10").unwrap_err().to_string(),
            "'10' is not a duration (missing unit after 10: use ms, s, m, min, h or d); write e.g. 250ms, 90s, 16m, 1h30m or 2d"
        );
    }

    #[test]
    fn formats_compactly_and_reads_back() {
        assert_eq!(format_duration_ms(900_000), "15m");
        assert_eq!(format_duration_ms(5_400_000), "1h30m");
        assert_eq!(format_duration_ms(2_500), "2.5s");
        assert_eq!(format_duration_ms(120), "120ms");
        assert_eq!(format_duration_ms(86_400_000), "1d");
        assert_eq!(format_duration_ms(-3_600_000), "-1h");
        for ms in [0, 999, 1_000, 61_000, 90_061_000, -5_400_000] {
            assert_eq!(parse_signed_duration_ms(&format_duration_ms(ms)), Ok(ms));
        }
    }
}
