//! DateTimeOffset arithmetic written by hand (no date crate): reads RFC 3339 with a
//! mandatory offset, shifts to UTC, and writes the Graph form
//! `YYYY-MM-DDTHH:MM:SS.fffffffZ` (seven fraction digits, years 0001-9999).

use crate::format::{civil_from_days, days_from_civil};

/// An instant: seconds since the Unix epoch plus 100 ns ticks (0..10^7) within the second.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Instant {
    seconds: i64,
    ticks: u32,
}

/// How [`Instant::format`] writes an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Style {
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
        let b = text.as_bytes();
        if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[13] != b':' || b[16] != b':' {
            return None;
        }
        if b[10] != b'T' && b[10] != b't' {
            return None;
        }
        let year = number(b, 0, 4)?;
        let month = number(b, 5, 2)?;
        let day = number(b, 8, 2)?;
        let hour = number(b, 11, 2)?;
        let minute = number(b, 14, 2)?;
        let second = number(b, 17, 2)?;
        let date_ok = (1..=9999).contains(&year)
            && (1..=12).contains(&month)
            && day >= 1
            && day <= days_in_month(year, month);
        if !date_ok || hour > 23 || minute > 59 || second > 59 {
            return None;
        }
        let mut i = 19;
        let mut ticks = 0u32;
        if b.get(i) == Some(&b'.') {
            let digits = b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
            if digits == 0 {
                return None;
            }
            for k in 0..7 {
                let digit = if k < digits { b[i + 1 + k] - b'0' } else { 0 };
                ticks = ticks * 10 + u32::from(digit);
            }
            i += 1 + digits;
        }
        let offset = match &b[i..] {
            [b'Z' | b'z'] => 0,
            [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
                let hours = number(b, i + 1, 2)?;
                let minutes = number(b, i + 4, 2)?;
                if hours > 23 || minutes > 59 {
                    return None;
                }
                let magnitude = hours * 3600 + minutes * 60;
                if *sign == b'-' { -magnitude } else { magnitude }
            }
            _ => return None,
        };
        let local = days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second;
        let instant = Instant {
            seconds: local - offset,
            ticks,
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
            seconds: self.seconds + seconds,
            ticks: self.ticks,
        }
    }

    /// Returns the milliseconds since the Unix epoch (sub-millisecond ticks dropped).
    pub fn unix_millis(self) -> i64 {
        self.seconds * 1000 + i64::from(self.ticks / 10_000)
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
pub(crate) fn normalise(text: &str) -> Option<String> {
    Instant::parse(text)?.format(Style::GRAPH)
}

fn number(b: &[u8], at: usize, len: usize) -> Option<i64> {
    b.get(at..at + len)?.iter().try_fold(0i64, |acc, c| {
        c.is_ascii_digit().then(|| acc * 10 + i64::from(c - b'0'))
    })
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match (u32::try_from(year), u32::try_from(month)) {
        (Ok(y), Ok(m)) => i64::from(crate::format::days_in_month(y, m)),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_to_utc_with_seven_fraction_digits() {
        let cases = [
            (
                "2016-12-31T23:58:36.6670033-08:00",
                "2017-01-01T07:58:36.6670033Z",
            ),
            ("2024-03-01T10:00:00+02:00", "2024-03-01T08:00:00.0000000Z"),
            (
                "2024-02-29T23:30:00.5-01:00",
                "2024-03-01T00:30:00.5000000Z",
            ),
            (
                "2000-03-01t00:00:00.123456789z",
                "2000-03-01T00:00:00.1234567Z",
            ),
            ("0001-01-01T00:00:00Z", "0001-01-01T00:00:00.0000000Z"),
            (
                "9999-12-31T23:59:59.9999999Z",
                "9999-12-31T23:59:59.9999999Z",
            ),
            ("1969-12-31T23:59:59+00:00", "1969-12-31T23:59:59.0000000Z"),
            ("2100-02-28T23:00:00-01:00", "2100-03-01T00:00:00.0000000Z"),
        ];
        for (input, expected) in cases {
            assert_eq!(normalise(input).as_deref(), Some(expected), "{input}");
        }
    }

    #[test]
    fn refuses_what_is_not_a_date_time_offset() {
        for input in [
            "2024-01-01T10:00:00",
            "2024-13-01T10:00:00Z",
            "2023-02-29T10:00:00Z",
            "2024-01-01T23:59:60Z",
            "2024-01-01 10:00:00Z",
            "2024-01-01T10:00:00.Z",
            "0000-01-01T10:00:00Z",
            "0001-01-01T00:30:00+01:00",
            "9999-12-31T23:30:00-01:00",
            "2024-01-01T10:00:00+2:00",
        ] {
            assert_eq!(normalise(input), None, "{input}");
        }
    }

    #[test]
    fn counts_epoch_milliseconds() {
        let instant = Instant::parse("2017-01-01T07:58:36.6670033Z").unwrap();
        assert_eq!(instant.unix_millis(), 1_483_257_516_667);
        let before = Instant::parse("1969-12-31T23:59:59.5Z").unwrap();
        assert_eq!(before.unix_millis(), -500);
    }

    #[test]
    fn round_trips_every_day_of_four_centuries() {
        let start = days_from_civil(1600, 1, 1);
        for days in start..start + 146_097 {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
            assert!(d >= 1 && d <= days_in_month(y, m));
        }
    }
}
