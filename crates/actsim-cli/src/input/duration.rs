//! Human durations: parsing `16m`, `25h`, `1h30m`, `90s` or `250ms` (shared with scenario files,
//! from actsim-sim) and printing them compactly.

pub use actsim_sim::values::parse_duration_ms;

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
    fn formats_compactly() {
        assert_eq!(format_duration_ms(900_000), "15m");
        assert_eq!(format_duration_ms(5_400_000), "1h30m");
        assert_eq!(format_duration_ms(2_500), "2.5s");
        assert_eq!(format_duration_ms(120), "120ms");
        assert_eq!(format_duration_ms(86_400_000), "1d");
    }
}
