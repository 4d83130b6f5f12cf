//! actsim-time: the proleptic Gregorian calendar on day counts since 1970-01-01, without a
//! clock or a time-zone database. The mock tenant prints its timestamps with it
//! (`actsim_tenant::time_fmt`) and the JavaScript host prints `Date`s in UTC with it
//! (`actsim-js`'s `utc_dates`): both must give the same answer on every machine. It also holds
//! actsim's one duration grammar ([`duration`]), which scenarios, the CLI and the tenant read,
//! and its one virtual clock ([`VirtualClock`]).

#![forbid(unsafe_code)]

pub mod clock;
pub mod duration;

pub use clock::VirtualClock;

pub use duration::{
    format_duration_ms, parse_duration_ms, parse_signed_duration_ms, DurationError,
};

/// Milliseconds in a day.
pub const MS_PER_DAY: i64 = 86_400_000;

/// The `(year, month 1–12, day 1–31)` of the day `days` after 1970-01-01 (before it when
/// negative). Year 0 is 1 BC, as in ISO 8601 and JavaScript.
///
/// Works in 400-year eras of 146 097 days, counting years from March 1 so that the leap day
/// falls at the end of the counted year.
pub fn civil_from_days(days: i64) -> (i64, i64, i64) {
    // Shift the epoch from 1970-01-01 to 0000-03-01 (719 468 days earlier).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097); // 0..=146_096
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365; // 0..=399
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100); // 0..=365
    let month_index = (5 * day_of_year + 2) / 153; // 0 = March .. 11 = February
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// The day count since 1970-01-01 of a civil date (the inverse of [`civil_from_days`]).
pub fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y.rem_euclid(400);
    let month_index = if month > 2 { month - 3 } else { month + 9 };
    let day_of_year = (153 * month_index + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The day of the week of the day `days` after 1970-01-01: 0 for Sunday to 6 for Saturday
/// (1970-01-01 was a Thursday).
pub fn weekday_from_days(days: i64) -> i64 {
    (days + 4).rem_euclid(7)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_days_map_to_their_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        // 30 years with 7 leap days (1972 … 1996), then January and February 2000.
        assert_eq!(civil_from_days(30 * 365 + 7 + 31 + 28), (2000, 2, 29));
        assert_eq!(civil_from_days(30 * 365 + 7 + 31 + 29), (2000, 3, 1));
        assert_eq!(civil_from_days(-719_468), (0, 3, 1));
        assert_eq!(civil_from_days(-719_469), (0, 2, 29)); // year 0 is a leap year
        assert_eq!(weekday_from_days(0), 4);
        assert_eq!(weekday_from_days(-1), 3);
    }

    #[test]
    fn days_and_dates_convert_both_ways() {
        for days in (-1_000_000..1_000_000).step_by(997) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days, "{y}-{m}-{d}");
        }
    }

    #[test]
    fn consecutive_days_are_consistent() {
        // Walk 1 000 years of days and check the date advances by exactly one day each time.
        let mut prev = civil_from_days(-200_000);
        for d in -199_999..200_000 {
            let cur = civil_from_days(d);
            let next_day = (prev.0, prev.1, prev.2 + 1);
            let next_month = (prev.0, prev.1 + 1, 1);
            let next_year = (prev.0 + 1, 1, 1);
            assert!(
                cur == next_day || cur == next_month || cur == next_year,
                "{prev:?} -> {cur:?}"
            );
            prev = cur;
        }
    }
}
