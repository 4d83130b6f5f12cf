//! Parsing and printing instants (RFC 3339 / ISO 8601, UTC) for `--now` and the output.

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// The default virtual start time of `actsim run`: fixed, so that output is reproducible.
pub const DEFAULT_NOW: &str = "2026-01-01T09:00:00Z";

/// Parse `2026-01-01T09:00:00Z` (or a date `2026-01-01`, meaning midnight UTC) to ms since the epoch.
pub fn parse_instant_ms(text: &str) -> Result<i64, String> {
    let t = text.trim();
    let full = if t.len() == 10 && t.as_bytes().get(4) == Some(&b'-') {
        format!("{t}T00:00:00Z")
    } else {
        t.to_string()
    };
    let parsed = OffsetDateTime::parse(&full, &Rfc3339).map_err(|e| {
        format!("'{text}' is not an RFC 3339 time ({e}); write e.g. 2026-01-01T09:00:00Z")
    })?;
    Ok((parsed.unix_timestamp_nanos() / 1_000_000) as i64)
}

/// Format ms since the epoch as `2026-01-01T09:00:00.000Z`.
pub fn format_instant_ms(ms: i64) -> String {
    actsim_tenant::time_fmt::iso8601_utc_millis(ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let ms = parse_instant_ms("2026-01-01T09:00:00Z").unwrap();
        assert_eq!(ms, 1_767_258_000_000);
        assert_eq!(format_instant_ms(ms), "2026-01-01T09:00:00.000Z");
        assert_eq!(parse_instant_ms("2026-01-01").unwrap(), 1_767_225_600_000);
        assert!(parse_instant_ms("yesterday").is_err());
    }
}
