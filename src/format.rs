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

fn days_in_month(year: u32, month: u32) -> u32 {
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
