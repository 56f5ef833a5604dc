//! Graph's textual formats, checked the same way everywhere (page lint, generated payloads,
//! response checks).
//!
//! Two readings of a DateTimeOffset: [`Strictness::Rfc3339`] is what JSON Schema's
//! `date-time` format accepts (any fraction length, `t`/`z` in either case, leap second 60);
//! [`Strictness::GraphCore`] is the core every faithful Graph server accepts: uppercase `T`
//! and `Z`, offsets within ±14:00, seconds 00-59, years 0001-9999, at most 7 fraction digits.
//! Values in neither are invalid; values in the first but not the second are a grey zone that
//! is never a finding.

/// Which reading of a DateTimeOffset to apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strictness {
    Rfc3339,
    GraphCore,
}

/// Tells whether `s` is a date-time with a mandatory offset under `strictness`.
pub fn is_date_time_offset(s: &str, strictness: Strictness) -> bool {
    parse(s.as_bytes(), strictness).is_some()
}

fn parse(b: &[u8], strictness: Strictness) -> Option<()> {
    let core = strictness == Strictness::GraphCore;
    if b.len() < 20 {
        return None;
    }
    let year = digits(b, 0, 4)?;
    let month = digits(b, 5, 2)?;
    let day = digits(b, 8, 2)?;
    (b[4] == b'-' && b[7] == b'-').then_some(())?;
    let sep_ok = b[10] == b'T' || (!core && b[10] == b't');
    sep_ok.then_some(())?;
    let hour = digits(b, 11, 2)?;
    let minute = digits(b, 14, 2)?;
    let second = digits(b, 17, 2)?;
    (b[13] == b':' && b[16] == b':').then_some(())?;
    let max_second = if core { 59 } else { 60 };
    let date_ok = (1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month);
    let time_ok = hour < 24 && minute < 60 && second <= max_second;
    (date_ok && time_ok && (!core || year >= 1)).then_some(())?;
    let mut i = 19;
    if b.get(i) == Some(&b'.') {
        let n = b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
        (n >= 1 && (!core || n <= 7)).then_some(())?;
        i += 1 + n;
    }
    offset(&b[i..], core)
}

/// Returns the instant of an RFC 3339 DateTimeOffset as 100-nanosecond ticks since
/// 1970-01-01T00:00:00Z (Graph's precision), so that `...-08:00` and its UTC form compare
/// equal; digits beyond the seventh are ignored.
pub fn instant_ticks(s: &str) -> Option<i128> {
    let b = s.as_bytes();
    parse(b, Strictness::Rfc3339)?;
    let field = |at, n| digits(b, at, n).map(i128::from);
    let small = |at, n| digits(b, at, n).map(i64::from);
    let days = i128::from(days_from_civil(small(0, 4)?, small(5, 2)?, small(8, 2)?));
    let seconds = days * 86_400 + field(11, 2)? * 3600 + field(14, 2)? * 60 + field(17, 2)?;
    let mut i = 19;
    let mut fraction: i128 = 0;
    if b.get(i) == Some(&b'.') {
        let n = b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
        for k in 0..7 {
            let digit = if k < n {
                i128::from(b[i + 1 + k] - b'0')
            } else {
                0
            };
            fraction = fraction * 10 + digit;
        }
        i += 1 + n;
    }
    let offset_seconds = match b[i] {
        b'Z' | b'z' => 0,
        sign => {
            let minutes = field(i + 1, 2)? * 60 + field(i + 4, 2)?;
            if sign == b'-' {
                -minutes * 60
            } else {
                minutes * 60
            }
        }
    };
    Some((seconds - offset_seconds) * 10_000_000 + fraction)
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

fn offset(b: &[u8], core: bool) -> Option<()> {
    match b {
        [b'Z'] => Some(()),
        [b'z'] if !core => Some(()),
        [sign, h1, h2, b':', m1, m2] if *sign == b'+' || *sign == b'-' => {
            let hours = digits(&[*h1, *h2], 0, 2)?;
            let minutes = digits(&[*m1, *m2], 0, 2)?;
            let in_range = if core {
                minutes < 60 && hours * 60 + minutes <= 14 * 60
            } else {
                hours < 24 && minutes < 60
            };
            in_range.then_some(())
        }
        _ => None,
    }
}

fn digits(b: &[u8], at: usize, n: usize) -> Option<u32> {
    let slice = b.get(at..at + n)?;
    slice.iter().try_fold(0u32, |acc, c| {
        c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
    })
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

    #[test]
    fn graph_core_accepts_seven_fraction_digits_and_offsets() {
        assert!(is_date_time_offset(
            "2016-12-31T23:58:36.6670033-08:00",
            GraphCore
        ));
        assert!(is_date_time_offset("2016-12-31T23:58:36Z", GraphCore));
        assert!(is_date_time_offset("0001-01-01T00:00:00+14:00", GraphCore));
    }

    #[test]
    fn grey_zone_is_rfc3339_but_not_core() {
        for s in [
            "2016-12-31t23:58:36z",
            "2016-12-31T23:58:36.123456789Z",
            "2016-12-31T23:59:60Z",
            "2016-12-31T23:58:36+15:00",
        ] {
            assert!(is_date_time_offset(s, Rfc3339), "{s}");
            assert!(!is_date_time_offset(s, GraphCore), "{s}");
        }
    }

    #[test]
    fn instants_compare_across_offsets_to_100_ns() {
        let a = instant_ticks("2016-12-31T23:58:36.6670033-08:00").unwrap();
        let b = instant_ticks("2017-01-01T07:58:36.6670033Z").unwrap();
        let c = instant_ticks("2017-01-01T07:58:36.667003349Z").unwrap();
        assert_eq!(a, b);
        assert_eq!(b, c);
        assert_ne!(b, instant_ticks("2017-01-01T07:58:36Z").unwrap());
        assert_eq!(instant_ticks("1970-01-01T00:00:00Z"), Some(0));
    }

    #[test]
    fn utc_timestamp_formats_the_epoch_and_leap_days() {
        assert_eq!(utc_timestamp(0), "1970-01-01T00:00:00Z");
        assert_eq!(utc_timestamp(951_782_400), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn malformed_values_are_rejected_by_both() {
        for s in [
            "2016-12-31T23:58:36",
            "2016-12-31 23:58:36Z",
            "2017-02-29T00:00:00Z",
            "String",
            "2016-13-01T00:00:00Z",
            "2016-12-31T24:00:00Z",
        ] {
            assert!(!is_date_time_offset(s, Rfc3339), "{s}");
            assert!(!is_date_time_offset(s, GraphCore), "{s}");
        }
    }
}
