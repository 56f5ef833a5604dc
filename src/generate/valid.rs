//! Strategies for valid values: the core that every faithful Graph server accepts.
//!
//! DateTimeOffset: uppercase `T` and `Z`, offsets within ±12:00, seconds 00-59, years
//! 1900-2100, 0 to 3 fraction digits. Strings: printable Unicode of the Basic Multilingual
//! Plane (no control, format, unassigned or supplementary code points), empty, ASCII,
//! non-ASCII and up to [`CORE_STRING_CHARS`] characters. The edges faithful servers differ
//! on (longer strings, supplementary characters, 7 fraction digits, years 0001 and 9999,
//! offsets of ±14:00) are never generated: they are the accept-or-reject boundary cases
//! (see [`super::boundary`]). Integers within the type's
//! range and within ±2^53 (exact in every JSON implementation); floating types as small
//! integers (exact in single precision); enum members but the `unknownFutureValue` sentinel.

use super::{FieldKind, PayloadModel};
use proptest::prelude::*;
use serde_json::{Map, Value};

const JSON_SAFE_INTEGER: i64 = 1 << 53;

/// The longest string generated in valid payloads: every faithful server stores it whole.
pub const CORE_STRING_CHARS: usize = 256;

/// Generates printable strings of the core: empty, ASCII, non-ASCII of the Basic
/// Multilingual Plane and longer ones, up to [`CORE_STRING_CHARS`] characters.
///
/// A longer string is a generated piece repeated to a generated length: proptest draws (and
/// can shrink) every character of a regex string separately; the piece keeps the variety,
/// the length the size.
pub fn printable_string() -> BoxedStrategy<String> {
    prop_oneof![
        1 => Just(String::new()),
        4 => "[a-zA-Z0-9 ._-]{1,24}",
        3 => "[\\PC&&[\\x{0}-\\x{FFFF}]]{1,24}",
        1 => repeated("[a-zA-Z0-9]{16}", 100..=CORE_STRING_CHARS),
        1 => repeated("[\\PC&&[\\x{0}-\\x{FFFF}]]{8,16}", 100..=CORE_STRING_CHARS),
    ]
    .boxed()
}

/// Generates strings of `chars` characters made of one `piece` repeated.
fn repeated(piece: &'static str, chars: std::ops::RangeInclusive<usize>) -> BoxedStrategy<String> {
    (piece, chars)
        .prop_map(|(piece, chars)| piece.chars().cycle().take(chars).collect())
        .boxed()
}

/// The widest offset of a generated DateTimeOffset, in hours (±14:00 is an edge).
const CORE_OFFSET_HOURS: u32 = 12;

/// The years of generated DateTimeOffsets (0001 and 9999 are edges).
const CORE_YEARS: std::ops::RangeInclusive<u32> = 1900..=2100;

/// The most fraction digits of a generated DateTimeOffset (7, 100 ns, is an edge).
const CORE_FRACTION_DIGITS: usize = 3;

/// Generates DateTimeOffsets from the core every faithful server accepts.
pub fn date_time_core() -> BoxedStrategy<String> {
    let offset = prop_oneof![
        Just(None),
        (
            any::<bool>(),
            0u32..=CORE_OFFSET_HOURS,
            prop::sample::select(vec![0u32, 30, 45])
        )
            .prop_map(|(neg, h, m)| {
                let m = if h == CORE_OFFSET_HOURS { 0 } else { m };
                // `-00:00` means "offset unknown" in RFC 3339: a grey zone, never generated
                let neg = neg && (h, m) != (0, 0);
                Some((if neg { '-' } else { '+' }, h, m))
            }),
    ];
    let fraction = (0usize..=CORE_FRACTION_DIGITS, any::<u32>()).prop_map(|(digits, n)| {
        let value = format!("{:03}", n % 1_000);
        if digits == 0 {
            String::new()
        } else {
            format!(".{}", &value[..digits])
        }
    });
    (
        offset,
        CORE_YEARS,
        1u32..=12,
        1u32..=31,
        0u32..24,
        0u32..60,
        0u32..60,
        fraction,
    )
        .prop_map(|(offset, year, month, day, h, m, s, fraction)| {
            let day = day.min(crate::format::days_in_month(year, month));
            let zone = match offset {
                None => "Z".to_string(),
                Some((sign, oh, om)) => format!("{sign}{oh:02}:{om:02}"),
            };
            format!("{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}{fraction}{zone}")
        })
        .boxed()
}

/// Generates valid values of `kind`; kinds that are not generated yield `null` (never used).
pub fn value_strategy(kind: &FieldKind) -> BoxedStrategy<Value> {
    match kind {
        FieldKind::String => printable_string().prop_map(Value::String).boxed(),
        FieldKind::DateTime => date_time_core().prop_map(Value::String).boxed(),
        FieldKind::Enum(members) => {
            let members: Vec<String> = members
                .iter()
                .filter(|m| *m != "unknownFutureValue")
                .cloned()
                .collect();
            if members.is_empty() {
                return Just(Value::Null).boxed();
            }
            prop::sample::select(members)
                .prop_map(Value::String)
                .boxed()
        }
        FieldKind::Boolean => any::<bool>().prop_map(Value::Bool).boxed(),
        FieldKind::Integer { min, max } => {
            let (lo, hi) = (
                (*min).max(-JSON_SAFE_INTEGER),
                (*max).min(JSON_SAFE_INTEGER),
            );
            (lo..=hi).prop_map(Value::from).boxed()
        }
        FieldKind::Number => (-1000i32..=1000)
            .prop_map(|n| Value::from(f64::from(n)))
            .boxed(),
        FieldKind::Guid => any::<[u8; 16]>()
            .prop_map(|b| Value::String(guid(&b)))
            .boxed(),
        FieldKind::Date => date_time_core()
            .prop_map(|d| Value::String(d[..10].to_string()))
            .boxed(),
        FieldKind::TimeOfDay => (0u32..24, 0u32..60, 0u32..60)
            .prop_map(|(h, m, s)| Value::String(format!("{h:02}:{m:02}:{s:02}")))
            .boxed(),
        FieldKind::Duration => (
            0u32..1000,
            prop::sample::select(vec!["PT{}H", "PT{}M", "P{}D", "PT{}S"]),
        )
            .prop_map(|(n, shape)| Value::String(shape.replace("{}", &n.to_string())))
            .boxed(),
        FieldKind::Binary => prop::collection::vec(any::<u8>(), 0..48)
            .prop_map(|b| Value::String(base64(&b)))
            .boxed(),
        FieldKind::Array(inner) => prop::collection::vec(value_strategy(inner), 0..4)
            .prop_map(Value::Array)
            .boxed(),
        FieldKind::Object | FieldKind::OpenEnum => Just(Value::Null).boxed(),
    }
}

/// Generates request bodies: any subset of the generated fields (and maybe the resource's
/// own `@odata.type`), each with a valid value. Shrinks toward fewer, simpler properties.
pub fn body_strategy(model: &PayloadModel) -> BoxedStrategy<Map<String, Value>> {
    let mut parts: Vec<BoxedStrategy<Option<(String, Value)>>> = Vec::new();
    if let Some(odata_type) = &model.odata_type {
        let entry = ("@odata.type".to_string(), Value::String(odata_type.clone()));
        parts.push(prop::option::of(Just(entry)).boxed());
    }
    for field in model.generated_fields() {
        let name = field.name.clone();
        let value = value_strategy(&field.kind).prop_map(move |v| (name.clone(), v));
        parts.push(prop::option::of(value).boxed());
    }
    parts
        .prop_map(|entries| entries.into_iter().flatten().collect())
        .boxed()
}

/// Formats 16 bytes as a lower-case GUID.
pub(crate) fn guid(b: &[u8; 16]) -> String {
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::test_runner::{Config, TestRunner};

    /// Draws `n` values of `strategy` from a fixed seed.
    fn draws(strategy: BoxedStrategy<String>, n: usize) -> Vec<String> {
        let mut runner = TestRunner::new_with_rng(
            Config::default(),
            proptest::test_runner::TestRng::deterministic_rng(
                proptest::test_runner::RngAlgorithm::ChaCha,
            ),
        );
        (0..n)
            .filter_map(|_| strategy.new_tree(&mut runner).ok())
            .map(|tree| tree.current())
            .collect()
    }

    #[test]
    fn core_strings_are_short_printable_and_of_the_basic_plane() {
        let strings = draws(printable_string(), 2000);
        assert!(strings.iter().any(|s| s.chars().count() > 100));
        assert!(strings.iter().any(|s| !s.is_ascii()));
        for s in strings {
            assert!(s.chars().count() <= CORE_STRING_CHARS, "{} chars", s.len());
            assert!(
                s.chars().all(|c| !c.is_control() && u32::from(c) <= 0xFFFF),
                "{s:?}"
            );
        }
    }

    #[test]
    fn core_date_times_are_ordinary() {
        for d in draws(date_time_core(), 2000) {
            let year: u32 = d[..4].parse().unwrap_or_default();
            assert!(CORE_YEARS.contains(&year), "{d}");
            let zone = d.rfind(['Z', '+', '-']).unwrap_or_default();
            let fraction = d[19..zone].trim_start_matches('.');
            assert!(fraction.len() <= CORE_FRACTION_DIGITS, "{d}");
            if let Some(hours) = d
                .get(zone + 1..zone + 3)
                .and_then(|h| h.parse::<u32>().ok())
            {
                assert!(hours <= CORE_OFFSET_HOURS, "{d}");
            }
        }
    }

    #[test]
    fn base64_pads() {
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
    }
}
