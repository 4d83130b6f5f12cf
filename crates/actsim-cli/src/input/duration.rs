//! Human durations: parsing `16m`, `25h`, `1h30m`, `90s` or `250ms` and printing them
//! compactly, in actsim's one duration grammar (`actsim_time::duration`, shared with scenario
//! files and the tenant).

pub use actsim_sim::values::parse_duration_ms;
pub use actsim_time::format_duration_ms;
