//! Parsing and printing instants (RFC 3339 / ISO 8601, UTC) for `--now` and the output.

/// The default virtual start time of `actsim run`: fixed, so that output is reproducible.
pub const DEFAULT_NOW: &str = "2026-01-01T09:00:00Z";

pub use actsim_sim::values::parse_instant_ms;

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
