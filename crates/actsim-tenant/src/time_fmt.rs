//! Deterministic ISO-8601 UTC timestamps from milliseconds since the Unix epoch (no clock read),
//! and the parsing of RFC 3339 instants and short durations (`90s`, `1h30m`) used by the tenant
//! file.

use actsim_time::{civil_from_days, days_from_civil, MS_PER_DAY};

/// Formats `ms` since the Unix epoch as `YYYY-MM-DDTHH:MM:SS.mmmZ` (UTC, proleptic Gregorian).
///
/// Defined for every `i64`; years outside 0..=9999 are printed with as many digits as needed
/// (and a leading `-` for years before 0).
pub fn iso8601_utc_millis(ms: i64) -> String {
    let days = ms.div_euclid(MS_PER_DAY);
    let ms_of_day = ms.rem_euclid(MS_PER_DAY);
    let (year, month, day) = civil_from_days(days);
    let hour = ms_of_day / 3_600_000;
    let minute = ms_of_day / 60_000 % 60;
    let second = ms_of_day / 1000 % 60;
    let millis = ms_of_day % 1000;
    if !(0..=9999).contains(&year) {
        return format!(
            "{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}.{millis:03}Z"
        );
    }
    // The common case digit by digit (the tenant stamps every PATCHed user with it).
    let mut out = String::with_capacity(24);
    let mut push = |n: i64, width: u32, after: char| {
        for p in (0..width).rev() {
            let digit = (n / 10_i64.pow(p) % 10) as u8;
            out.push(char::from(b'0' + digit));
        }
        out.push(after);
    };
    push(year, 4, '-');
    push(month, 2, '-');
    push(day, 2, 'T');
    push(hour, 2, ':');
    push(minute, 2, ':');
    push(second, 2, '.');
    push(millis, 3, 'Z');
    out
}

fn digits(s: &str, range: std::ops::Range<usize>) -> Option<i64> {
    let part = s.get(range)?;
    if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    part.parse().ok()
}

/// Parses an RFC 3339 instant (`2026-01-01T09:00:00Z`, `2026-01-01T10:00:00.250+01:00`; `t`,
/// `z` and a space instead of `T` are accepted) into milliseconds since the Unix epoch.
/// Fractions beyond milliseconds are truncated.
pub fn parse_rfc3339_ms(text: &str) -> Result<i64, String> {
    let bad =
        || format!("{text:?} is not an RFC 3339 instant; write e.g. \"2026-01-01T09:00:00Z\"");
    let s = text.trim();
    let b = s.as_bytes();
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't' | b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return Err(bad());
    }
    let year = digits(s, 0..4).ok_or_else(bad)?;
    let month = digits(s, 5..7).ok_or_else(bad)?;
    let day = digits(s, 8..10).ok_or_else(bad)?;
    let hour = digits(s, 11..13).ok_or_else(bad)?;
    let minute = digits(s, 14..16).ok_or_else(bad)?;
    let second = digits(s, 17..19).ok_or_else(bad)?;
    let mut rest = &s[19..];
    let mut millis = 0;
    if let Some(frac) = rest.strip_prefix('.') {
        let n = frac.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return Err(bad());
        }
        let padded: String = frac[..n].chars().chain("000".chars()).take(3).collect();
        millis = padded.parse::<i64>().map_err(|_| bad())?;
        rest = &frac[n..];
    }
    let offset_min = match rest {
        "Z" | "z" => 0,
        _ => {
            let rb = rest.as_bytes();
            if rb.len() != 6 || !matches!(rb[0], b'+' | b'-') || rb[3] != b':' {
                return Err(bad());
            }
            let h = digits(rest, 1..3).ok_or_else(bad)?;
            let m = digits(rest, 4..6).ok_or_else(bad)?;
            if h > 23 || m > 59 {
                return Err(bad());
            }
            let sign = if rb[0] == b'-' { -1 } else { 1 };
            sign * (h * 60 + m)
        }
    };
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => return Err(bad()),
    };
    if day < 1 || day > days_in_month || hour > 23 || minute > 59 || second > 60 {
        return Err(bad());
    }
    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + hour * 3_600 + minute * 60 + second.min(59) - offset_min * 60;
    Ok(seconds * 1000 + millis)
}

/// Parses a duration such as `250ms`, `90s`, `16m`, `1h30m` or `2d` into milliseconds. A
/// leading `+` or `-` gives the sign (actsim's one duration grammar: `actsim_time::duration`).
pub fn parse_duration_ms(text: &str) -> Result<i64, String> {
    actsim_time::parse_signed_duration_ms(text).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_parsing() {
        assert_eq!(parse_rfc3339_ms("1970-01-01T00:00:00Z"), Ok(0));
        assert_eq!(
            parse_rfc3339_ms("2023-11-14T22:13:20.123Z"),
            Ok(1_700_000_000_123)
        );
        assert_eq!(
            parse_rfc3339_ms("2023-11-14T23:13:20.1+01:00"),
            Ok(1_700_000_000_100)
        );
        assert_eq!(
            parse_rfc3339_ms("2024-02-29t12:00:00z"),
            Ok(1_709_208_000_000)
        );
        assert_eq!(parse_rfc3339_ms("1969-12-31T23:59:59.999Z"), Ok(-1));
        for bad in [
            "",
            "2023-02-29T00:00:00Z",
            "2023-13-01T00:00:00Z",
            "2023-01-01T00:00:00",
            "2023-01-01T24:00:00Z",
            "2023-01-01T00:00:00.Z",
            "2023-01-01T00:00:00+0100",
            "yesterday at noon",
            "2023-01-01T00:00:00Zjunk",
        ] {
            assert!(parse_rfc3339_ms(bad).is_err(), "{bad}");
        }
        for ms in [0, 1_700_000_000_123, -86_400_001, 4_102_444_799_999] {
            assert_eq!(parse_rfc3339_ms(&iso8601_utc_millis(ms)), Ok(ms));
        }
    }

    #[test]
    fn duration_parsing() {
        assert_eq!(parse_duration_ms("250ms"), Ok(250));
        assert_eq!(parse_duration_ms("+1h30m"), Ok(5_400_000));
        assert_eq!(parse_duration_ms("-90s"), Ok(-90_000));
        assert_eq!(parse_duration_ms("2d"), Ok(172_800_000));
        for bad in [
            "",
            "+",
            "10",
            "5 minutes",
            "m",
            "99999999999999999999d",
            "1x",
        ] {
            assert!(parse_duration_ms(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn known_instants() {
        assert_eq!(iso8601_utc_millis(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso8601_utc_millis(-1), "1969-12-31T23:59:59.999Z");
        assert_eq!(
            iso8601_utc_millis(951_782_400_000),
            "2000-02-29T00:00:00.000Z"
        );
        assert_eq!(
            iso8601_utc_millis(1_700_000_000_123),
            "2023-11-14T22:13:20.123Z"
        );
        assert_eq!(
            iso8601_utc_millis(4_102_444_799_999),
            "2099-12-31T23:59:59.999Z"
        );
        assert_eq!(
            iso8601_utc_millis(1_709_208_000_000),
            "2024-02-29T12:00:00.000Z"
        );
    }

    /// The digit-by-digit writing gives what the format string gives, around the edges of
    /// years 0 and 9999 and at every width boundary of the fields.
    #[test]
    fn digits_match_the_format_string() {
        let formatted = |ms: i64| {
            let (year, month, day) = civil_from_days(ms.div_euclid(MS_PER_DAY));
            let t = ms.rem_euclid(MS_PER_DAY);
            let (h, m, s, milli) = (t / 3_600_000, t / 60_000 % 60, t / 1000 % 60, t % 1000);
            format!("{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}.{milli:03}Z")
        };
        let year_0 = days_from_civil(0, 1, 1) * MS_PER_DAY;
        let year_10000 = days_from_civil(10_000, 1, 1) * MS_PER_DAY;
        let mut samples = vec![year_0 - 1, year_0, year_10000 - 1, year_10000, 0, -1];
        samples.extend((0..2000).map(|i| i * 7_919_007_654_321 % year_10000));
        samples.extend((0..500).map(|i| 1_767_225_600_000 + i * 9_999_001));
        for ms in samples {
            assert_eq!(iso8601_utc_millis(ms), formatted(ms), "{ms}");
        }
        assert_eq!(iso8601_utc_millis(year_0), "0000-01-01T00:00:00.000Z");
        assert_eq!(iso8601_utc_millis(year_0 - 1), "-001-12-31T23:59:59.999Z");
        assert_eq!(iso8601_utc_millis(year_10000), "10000-01-01T00:00:00.000Z");
    }

    #[test]
    fn extremes_do_not_panic() {
        for ms in [i64::MIN, i64::MIN + 1, i64::MAX, i64::MAX - 1] {
            assert!(iso8601_utc_millis(ms).ends_with('Z'));
        }
    }
}
