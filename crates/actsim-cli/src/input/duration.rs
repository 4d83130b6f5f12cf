//! Human durations: parsing `16m`, `25h`, `1h30m`, `90s` or `250ms` and printing them
//! compactly, in actsim's one duration grammar (`actsim_time::duration`, shared with scenario
//! files and the tenant).

pub use actsim_sim::values::parse_duration_ms;
pub use actsim_time::format_duration_ms;

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
