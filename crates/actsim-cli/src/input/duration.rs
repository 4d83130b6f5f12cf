//! Parsing human durations such as `16m`, `25h`, `1h30m`, `90s` or `250ms` into milliseconds.

/// Parse a duration like `16m`, `1h30m`, `2d`, `45s`, `250ms` into milliseconds.
pub fn parse_duration_ms(text: &str) -> Result<i64, String> {
    let s = text.trim();
    if s.is_empty() {
        return Err("empty duration; write e.g. 16m, 25h, 1h30m, 90s or 250ms".into());
    }
    let mut total: i64 = 0;
    let mut rest = s;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        if digits == 0 {
            return Err(format!(
                "'{text}' is not a duration: expected a number at '{rest}' (e.g. 16m, 25h, 1h30m)"
            ));
        }
        let n: i64 = rest[..digits]
            .parse()
            .map_err(|_| format!("'{text}': number too large"))?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        let factor = match unit {
            "ms" => 1,
            "s" => 1_000,
            "m" | "min" => 60_000,
            "h" => 3_600_000,
            "d" => 86_400_000,
            "" => {
                return Err(format!(
                    "'{text}': missing unit after {n} (use ms, s, m, h or d)"
                ))
            }
            other => {
                return Err(format!(
                    "'{text}': unknown unit '{other}' (use ms, s, m, h or d)"
                ))
            }
        };
        total = n
            .checked_mul(factor)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(|| format!("'{text}': duration too large"))?;
        rest = &rest[unit_len..];
    }
    Ok(total)
}

/// Format milliseconds compactly: `15m`, `1h30m`, `2.5s`, `120ms`.
pub fn format_duration_ms(ms: i64) -> String {
    if ms < 0 {
        return format!("-{}", format_duration_ms(-ms));
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
    fn parses_units_and_compounds() {
        assert_eq!(parse_duration_ms("16m"), Ok(960_000));
        assert_eq!(parse_duration_ms("25h"), Ok(90_000_000));
        assert_eq!(parse_duration_ms("1h30m"), Ok(5_400_000));
        assert_eq!(parse_duration_ms("250ms"), Ok(250));
        assert_eq!(parse_duration_ms("2d"), Ok(172_800_000));
        assert!(parse_duration_ms("16")
            .unwrap_err()
            .contains("missing unit"));
        assert!(parse_duration_ms("5 minutes").is_err());
        assert!(parse_duration_ms("m").is_err());
        assert!(parse_duration_ms("99999999999999999999d").is_err());
    }

    #[test]
    fn formats_compactly() {
        assert_eq!(format_duration_ms(900_000), "15m");
        assert_eq!(format_duration_ms(5_400_000), "1h30m");
        assert_eq!(format_duration_ms(2_500), "2.5s");
        assert_eq!(format_duration_ms(120), "120ms");
        assert_eq!(format_duration_ms(86_400_000), "1d");
    }
}
