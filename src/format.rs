//! Graph's DateTimeOffset, read and written in one place (page lint, generated payloads,
//! response checks, the mock's store and faults), so a mock and its checks cannot drift.
//!
//! One lexer reads RFC 3339 with a mandatory offset; three rules judge what it read:
//! [`Strictness::Rfc3339`] is what JSON Schema's `date-time` format accepts (any fraction
//! length, `t`/`z` in either case, leap second 60); [`Strictness::GraphCore`] is the core every
//! faithful Graph server accepts: uppercase `T` and `Z`, offsets within ±14:00, seconds 00-59,
//! years 0001-9999, at most 7 fraction digits. Values in neither are invalid; values in the
//! first but not the second are a grey zone that is never a finding. An [`Instant`] is what
//! Graph stores: no leap second, UTC years 0001-9999, 100 ns ticks (longer fractions cut).

/// Which reading of a DateTimeOffset to apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strictness {
    Rfc3339,
    GraphCore,
}

/// A DateTimeOffset as written: its fields, before any rule but RFC 3339's ranges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Written {
    year: i64,
    month: i64,
    day: i64,
    hour: i64,
    minute: i64,
    second: i64,
    /// The first seven fraction digits as 100 ns ticks.
    ticks: u32,
    fraction_digits: usize,
    /// Signed offset from UTC in seconds.
    offset: i64,
    /// `t` or `z` was written in lower case.
    lower_case: bool,
}

impl Written {
    /// Reads RFC 3339 `date-time` (offset mandatory), refusing fields out of RFC 3339's ranges.
    fn read(text: &str) -> Option<Written> {
        let b = text.as_bytes();
        let separators = [(4, b'-'), (7, b'-'), (13, b':'), (16, b':')];
        if b.len() < 20 || separators.iter().any(|&(at, c)| b[at] != c) {
            return None;
        }
        let lower_t = match b[10] {
            b'T' => false,
            b't' => true,
            _ => return None,
        };
        let field = |at, n| digits(b, at, n);
        let (year, month, day) = (field(0, 4)?, field(5, 2)?, field(8, 2)?);
        let (hour, minute, second) = (field(11, 2)?, field(14, 2)?, field(17, 2)?);
        let date_ok = (1..=12).contains(&month) && day >= 1 && day <= month_length(year, month);
        if !date_ok || hour > 23 || minute > 59 || second > 60 {
            return None;
        }
        let (ticks, fraction_digits) = fraction(&b[19..])?;
        let zone = 19 + usize::from(fraction_digits > 0) + fraction_digits;
        let (offset, lower_z) = offset(&b[zone..])?;
        Some(Written {
            year,
            month,
            day,
            hour,
            minute,
            second,
            ticks,
            fraction_digits,
            offset,
            lower_case: lower_t || lower_z,
        })
    }

    /// Tells whether every faithful Graph server accepts this value.
    fn is_graph_core(&self) -> bool {
        !self.lower_case
            && self.second <= 59
            && self.year >= 1
            && self.fraction_digits <= 7
            && self.offset.abs() <= 14 * 3600
    }
}

/// Reads an optional `.digits` fraction: its first seven digits as ticks, and its length.
fn fraction(b: &[u8]) -> Option<(u32, usize)> {
    if b.first() != Some(&b'.') {
        return Some((0, 0));
    }
    let n = b[1..].iter().take_while(|c| c.is_ascii_digit()).count();
    if n == 0 {
        return None;
    }
    let ticks = (0..7).fold(0u32, |acc, k| {
        let digit = if k < n { b[1 + k] - b'0' } else { 0 };
        acc * 10 + u32::from(digit)
    });
    Some((ticks, n))
}

/// Reads `Z`, `z` or `±hh:mm` (hours below 24) as seconds east of UTC and whether `z` was lower case.
fn offset(b: &[u8]) -> Option<(i64, bool)> {
    match b {
        [b'Z'] => Some((0, false)),
        [b'z'] => Some((0, true)),
        [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
            let (hours, minutes) = (digits(b, 1, 2)?, digits(b, 4, 2)?);
            if hours > 23 || minutes > 59 {
                return None;
            }
            let magnitude = hours * 3600 + minutes * 60;
            Some((if *sign == b'-' { -magnitude } else { magnitude }, false))
        }
        _ => None,
    }
}

/// Tells whether `s` is a date-time with a mandatory offset under `strictness`.
pub fn is_date_time_offset(s: &str, strictness: Strictness) -> bool {
    Written::read(s).is_some_and(|w| strictness == Strictness::Rfc3339 || w.is_graph_core())
}

/// Returns the instant of a DateTimeOffset as 100-nanosecond ticks since
/// 1970-01-01T00:00:00Z (Graph's precision), so that `...-08:00` and its UTC form compare
/// equal; digits beyond the seventh are ignored. `None` for what [`Instant::parse`] refuses.
pub fn instant_ticks(s: &str) -> Option<i128> {
    Instant::parse(s).map(Instant::ticks_since_epoch)
}

/// An instant: seconds since the Unix epoch plus 100 ns ticks (0..10^7) within the second.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Instant {
    seconds: i64,
    ticks: u32,
}

/// How [`Instant::format`] writes an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    /// Write the seven fraction digits.
    pub fraction: bool,
    /// Write the `Z` designator.
    pub zone: bool,
}

impl Style {
    /// The form Graph stores and returns.
    pub const GRAPH: Style = Style {
        fraction: true,
        zone: true,
    };
}

const TICKS_PER_SECOND: u32 = 10_000_000;

impl Instant {
    /// Parses an RFC 3339 date-time with an offset (`Z`, `z` or `±hh:mm`).
    ///
    /// Fractions longer than seven digits are truncated to 100 ns; a leap second (`:60`),
    /// years outside 0001-9999 and an instant outside them once shifted to UTC are refused,
    /// as Graph's `DateTimeOffset` refuses them.
    pub fn parse(text: &str) -> Option<Instant> {
        let w = Written::read(text)?;
        if w.second > 59 || w.year < 1 {
            return None;
        }
        let local = days_from_civil(w.year, w.month, w.day) * 86_400
            + w.hour * 3600
            + w.minute * 60
            + w.second;
        let instant = Instant {
            seconds: local - w.offset,
            ticks: w.ticks,
        };
        instant.in_range().then_some(instant)
    }

    /// Returns the current instant (system clock).
    pub fn now() -> Instant {
        let since = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        Instant {
            seconds: i64::try_from(since.as_secs()).unwrap_or(i64::MAX / 2),
            ticks: since.subsec_nanos() / 100,
        }
    }

    /// Returns this instant moved by `seconds`.
    pub fn plus_seconds(self, seconds: i64) -> Instant {
        Instant {
            seconds: self.seconds.saturating_add(seconds),
            ticks: self.ticks,
        }
    }

    /// Returns the milliseconds since the Unix epoch (sub-millisecond ticks dropped).
    pub fn unix_millis(self) -> i64 {
        self.seconds * 1000 + i64::from(self.ticks / 10_000)
    }

    /// Returns the 100 ns ticks since the Unix epoch.
    pub fn ticks_since_epoch(self) -> i128 {
        i128::from(self.seconds) * i128::from(TICKS_PER_SECOND) + i128::from(self.ticks)
    }

    /// Writes the instant in UTC, or `None` when its year is outside 0001-9999.
    pub fn format(self, style: Style) -> Option<String> {
        if !self.in_range() {
            return None;
        }
        let days = self.seconds.div_euclid(86_400);
        let of_day = self.seconds.rem_euclid(86_400);
        let (year, month, day) = civil_from_days(days);
        let mut out = format!(
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
            of_day / 3600,
            of_day / 60 % 60,
            of_day % 60
        );
        if style.fraction {
            out.push_str(&format!(".{:07}", self.ticks));
        }
        if style.zone {
            out.push('Z');
        }
        Some(out)
    }

    fn in_range(self) -> bool {
        let first = days_from_civil(1, 1, 1) * 86_400;
        let end = days_from_civil(10_000, 1, 1) * 86_400;
        (first..end).contains(&self.seconds) && self.ticks < TICKS_PER_SECOND
    }
}

/// Rewrites a DateTimeOffset in the Graph form (UTC, seven fraction digits), or `None` when
/// `text` is not one [`Instant::parse`] accepts.
pub fn normalise(text: &str) -> Option<String> {
    Instant::parse(text)?.format(Style::GRAPH)
}

/// Formats seconds since the Unix epoch as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn utc_timestamp(epoch_seconds: i64) -> String {
    let days = epoch_seconds.div_euclid(86_400);
    let rem = epoch_seconds.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Returns the current time as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn now_utc() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    utc_timestamp(now)
}

/// Counts days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Turns days since 1970-01-01 back into a (year, month, day).
pub fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn digits(b: &[u8], at: usize, n: usize) -> Option<i64> {
    let slice = b.get(at..at + n)?;
    slice.iter().try_fold(0i64, |acc, c| {
        c.is_ascii_digit().then(|| acc * 10 + i64::from(c - b'0'))
    })
}

/// Returns the days in a month of a four-digit year (0 for a month that does not exist).
fn month_length(year: i64, month: i64) -> i64 {
    match (u32::try_from(year), u32::try_from(month)) {
        (Ok(y), Ok(m)) => i64::from(days_in_month(y, m)),
        _ => 0,
    }
}

/// Returns the number of days in `month` of `year` (proleptic Gregorian).
pub fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Strictness::{GraphCore, Rfc3339};
    use rstest::rstest;

    #[rstest]
    #[case::seven_fraction_digits_and_an_offset("2016-12-31T23:58:36.6670033-08:00")]
    #[case::no_fraction_and_z("2016-12-31T23:58:36Z")]
    #[case::first_year_at_the_widest_offset("0001-01-01T00:00:00+14:00")]
    fn graph_core_accepts(#[case] text: &str) {
        assert!(is_date_time_offset(text, GraphCore));
        assert!(is_date_time_offset(text, Rfc3339));
    }

    #[rstest]
    #[case::lower_case_t_and_z("2016-12-31t23:58:36z")]
    #[case::more_than_seven_fraction_digits("2016-12-31T23:58:36.123456789Z")]
    #[case::a_leap_second("2016-12-31T23:59:60Z")]
    #[case::an_offset_beyond_fourteen_hours("2016-12-31T23:58:36+15:00")]
    #[case::year_zero("0000-01-01T00:00:00Z")]
    fn grey_zone_is_rfc3339_but_not_graph_core(#[case] text: &str) {
        assert!(is_date_time_offset(text, Rfc3339));
        assert!(!is_date_time_offset(text, GraphCore));
    }

    #[rstest]
    #[case::no_offset("2016-12-31T23:58:36")]
    #[case::a_space_for_t("2016-12-31 23:58:36Z")]
    #[case::february_29_of_a_common_year("2017-02-29T00:00:00Z")]
    #[case::not_a_date("String")]
    #[case::month_13("2016-13-01T00:00:00Z")]
    #[case::hour_24("2016-12-31T24:00:00Z")]
    #[case::a_dot_without_digits("2024-01-01T10:00:00.Z")]
    #[case::a_one_digit_offset_hour("2024-01-01T10:00:00+2:00")]
    fn malformed_values_are_refused_by_every_reading(#[case] text: &str) {
        assert!(!is_date_time_offset(text, Rfc3339));
        assert!(!is_date_time_offset(text, GraphCore));
        assert_eq!(Instant::parse(text), None);
    }

    #[rstest]
    #[case::a_negative_offset_moves_forward(
        "2016-12-31T23:58:36.6670033-08:00",
        "2017-01-01T07:58:36.6670033Z"
    )]
    #[case::a_positive_offset_moves_back(
        "2024-03-01T10:00:00+02:00",
        "2024-03-01T08:00:00.0000000Z"
    )]
    #[case::across_a_leap_day("2024-02-29T23:30:00.5-01:00", "2024-03-01T00:30:00.5000000Z")]
    #[case::lower_case_and_long_fractions_are_cut(
        "2000-03-01t00:00:00.123456789z",
        "2000-03-01T00:00:00.1234567Z"
    )]
    #[case::the_first_instant("0001-01-01T00:00:00Z", "0001-01-01T00:00:00.0000000Z")]
    #[case::the_last_instant("9999-12-31T23:59:59.9999999Z", "9999-12-31T23:59:59.9999999Z")]
    #[case::before_the_epoch("1969-12-31T23:59:59+00:00", "1969-12-31T23:59:59.0000000Z")]
    #[case::a_century_without_leap_day("2100-02-28T23:00:00-01:00", "2100-03-01T00:00:00.0000000Z")]
    fn graph_stores_utc_with_seven_fraction_digits(#[case] text: &str, #[case] stored: &str) {
        assert_eq!(normalise(text).as_deref(), Some(stored));
    }

    #[rstest]
    #[case::a_leap_second("2024-01-01T23:59:60Z")]
    #[case::year_zero("0000-01-01T10:00:00Z")]
    #[case::before_year_one_once_in_utc("0001-01-01T00:30:00+01:00")]
    #[case::after_year_9999_once_in_utc("9999-12-31T23:30:00-01:00")]
    fn graph_refuses_to_store(#[case] text: &str) {
        assert!(is_date_time_offset(text, Rfc3339));
        assert_eq!(normalise(text), None);
        assert_eq!(instant_ticks(text), None);
    }

    #[rstest]
    #[case::an_offset_and_its_utc_form(
        "2016-12-31T23:58:36.6670033-08:00",
        "2017-01-01T07:58:36.6670033Z"
    )]
    #[case::digits_beyond_100_ns("2017-01-01T07:58:36.6670033Z", "2017-01-01T07:58:36.667003349Z")]
    fn instants_are_equal_to_100_ns(#[case] a: &str, #[case] b: &str) {
        assert_eq!(instant_ticks(a), instant_ticks(b));
        assert!(instant_ticks(a).is_some());
    }

    #[test]
    fn instants_differ_by_their_fraction() {
        assert_ne!(
            instant_ticks("2017-01-01T07:58:36.6670033Z"),
            instant_ticks("2017-01-01T07:58:36Z")
        );
        assert_eq!(instant_ticks("1970-01-01T00:00:00Z"), Some(0));
    }

    #[rstest]
    #[case::with_ticks("2017-01-01T07:58:36.6670033Z", 1_483_257_516_667)]
    #[case::before_the_epoch("1969-12-31T23:59:59.5Z", -500)]
    fn epoch_milliseconds_drop_sub_millisecond_ticks(#[case] text: &str, #[case] millis: i64) {
        assert_eq!(Instant::parse(text).map(Instant::unix_millis), Some(millis));
    }

    #[rstest]
    #[case::the_epoch(0, "1970-01-01T00:00:00Z")]
    #[case::a_leap_day(951_782_400, "2000-02-29T00:00:00Z")]
    fn utc_timestamps_have_whole_seconds(#[case] seconds: i64, #[case] written: &str) {
        assert_eq!(utc_timestamp(seconds), written);
    }

    #[test]
    fn every_day_of_four_centuries_round_trips() {
        let start = days_from_civil(1600, 1, 1);
        for days in start..start + 146_097 {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
            assert!(d >= 1 && d <= month_length(y, m));
        }
    }
}
