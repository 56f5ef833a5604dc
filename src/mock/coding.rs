//! Content codings of the mock's answers: gzip when the request accepts it
//! ([`Fault::GzipUnlessIdentity`], faithful: RFC 9110, 12.5.3), or on success bodies whatever
//! the request says ([`Fault::GzipDespiteIdentity`], a fault: the client sends
//! `Accept-Encoding: identity`).
//!
//! The gzip stream is written by hand, of stored (uncompressed) deflate blocks: no
//! compression crate is among the dependencies, and a stored stream is a valid gzip member
//! (RFC 1952, RFC 1951 section 3.2.4) that every client decodes; the mock needs the coding,
//! not the compression.

use super::fault::{Fault, FaultSet};
use axum::body::Body;
use axum::http::{HeaderValue, header};
use axum::response::Response;

/// Tells whether an answer of `status` to a request with this `Accept-Encoding` is gzipped.
pub(super) fn gzips(faults: FaultSet, status: u16, accept_encoding: Option<&str>) -> bool {
    let success = (200..300).contains(&status);
    (faults.has(Fault::GzipDespiteIdentity) && success)
        || (faults.has(Fault::GzipUnlessIdentity) && accepts_gzip(accept_encoding))
}

/// Tells whether an `Accept-Encoding` value accepts gzip (RFC 9110, 12.5.3): no header
/// accepts any coding; otherwise `gzip`, else `*`, with a non-zero weight. An empty value
/// accepts none.
pub(super) fn accepts_gzip(accept_encoding: Option<&str>) -> bool {
    let Some(value) = accept_encoding else {
        return true;
    };
    let weight = |name: &str| {
        value.split(',').find_map(|member| {
            let mut parts = member.split(';');
            let coding = parts.next().unwrap_or_default().trim();
            coding.eq_ignore_ascii_case(name).then(|| weight_of(parts))
        })
    };
    weight("gzip")
        .or_else(|| weight("*"))
        .is_some_and(|q| q > 0.0)
}

/// Reads the `q` parameter among a member's parameters (1 when absent or unreadable).
fn weight_of<'a>(parameters: impl Iterator<Item = &'a str>) -> f64 {
    parameters
        .filter_map(|p| p.split_once('='))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("q"))
        .and_then(|(_, q)| q.trim().parse::<f64>().ok())
        .unwrap_or(1.0)
}

/// Returns `response` with its body gzipped and labelled `Content-Encoding: gzip` (an empty
/// body is left as it is).
pub(super) async fn gzipped(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return Response::from_parts(parts, Body::empty());
    };
    if bytes.is_empty() {
        return Response::from_parts(parts, Body::from(bytes));
    }
    parts.headers.remove(header::CONTENT_LENGTH);
    parts
        .headers
        .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    parts
        .headers
        .insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    Response::from_parts(parts, Body::from(gzip(&bytes)))
}

/// Returns `data` as one gzip member of stored deflate blocks (at most 65,535 bytes each).
pub fn gzip(data: &[u8]) -> Vec<u8> {
    // magic, deflate, no flags, no time, no extra flags, unknown OS
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    let mut blocks = data.chunks(usize::from(u16::MAX)).peekable();
    if blocks.peek().is_none() {
        // one final empty stored block
        out.extend_from_slice(&[1, 0, 0, 0xff, 0xff]);
    }
    while let Some(block) = blocks.next() {
        out.push(u8::from(blocks.peek().is_none()));
        let len = u16::try_from(block.len()).unwrap_or(u16::MAX);
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(block);
    }
    out.extend_from_slice(&crc32(data).to_le_bytes());
    // ISIZE is the length modulo 2^32
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out
}

/// The CRC-32 of gzip (ISO 3309, reflected, polynomial 0xEDB88320), bit by bit: the mock's
/// bodies are small, and a table would only be speed.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for byte in data {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case::no_header_accepts_any_coding(None, true)]
    #[case::gzip(Some("gzip"), true)]
    #[case::gzip_among_others(Some("br, GZIP;q=0.5"), true)]
    #[case::any(Some("*"), true)]
    #[case::identity(Some("identity"), false)]
    #[case::empty_accepts_none(Some(""), false)]
    #[case::gzip_refused(Some("gzip;q=0"), false)]
    #[case::any_but_gzip(Some("*, gzip;q=0"), false)]
    #[case::any_refused(Some("*;q=0"), false)]
    #[case::another_coding(Some("br"), false)]
    fn gzip_is_accepted_when_the_request_allows_it(
        #[case] accept_encoding: Option<&str>,
        #[case] accepted: bool,
    ) {
        assert_eq!(accepts_gzip(accept_encoding), accepted);
    }

    #[rstest]
    #[case::the_faithful_variant_without_accept_encoding(
        Fault::GzipUnlessIdentity,
        200,
        None,
        true
    )]
    #[case::the_faithful_variant_on_an_error(Fault::GzipUnlessIdentity, 400, None, true)]
    #[case::the_faithful_variant_under_identity(
        Fault::GzipUnlessIdentity,
        200,
        Some("identity"),
        false
    )]
    #[case::the_fault_under_identity(Fault::GzipDespiteIdentity, 200, Some("identity"), true)]
    #[case::the_fault_leaves_errors_alone(Fault::GzipDespiteIdentity, 404, Some("identity"), false)]
    #[case::another_fault(Fault::WrongStatus, 200, None, false)]
    fn which_answers_are_gzipped(
        #[case] fault: Fault,
        #[case] status: u16,
        #[case] accept_encoding: Option<&str>,
        #[case] gzipped: bool,
    ) {
        assert_eq!(
            gzips(FaultSet::of(&[fault]), status, accept_encoding),
            gzipped
        );
    }

    #[rstest]
    #[case::empty(b"", 0)]
    #[case::the_check_value(b"123456789", 0xcbf4_3926)]
    fn crc32_is_the_gzip_one(#[case] data: &[u8], #[case] crc: u32) {
        assert_eq!(crc32(data), crc);
    }

    /// Reads a gzip member of stored blocks back (what [`gzip`] writes), checking its CRC and
    /// length.
    fn gunzip_stored(stream: &[u8]) -> Vec<u8> {
        assert_eq!(&stream[..4], &[0x1f, 0x8b, 8, 0]);
        let mut at = 10;
        let mut data = Vec::new();
        loop {
            let last = stream[at] & 1 == 1;
            assert_eq!(stream[at] >> 1, 0, "a stored block");
            let len = usize::from(u16::from_le_bytes([stream[at + 1], stream[at + 2]]));
            let nlen = u16::from_le_bytes([stream[at + 3], stream[at + 4]]);
            assert_eq!(!nlen, len as u16);
            data.extend_from_slice(&stream[at + 5..at + 5 + len]);
            at += 5 + len;
            if last {
                break;
            }
        }
        let crc = u32::from_le_bytes(stream[at..at + 4].try_into().unwrap());
        let size = u32::from_le_bytes(stream[at + 4..at + 8].try_into().unwrap());
        assert_eq!((crc, size as usize), (crc32(&data), data.len()));
        assert_eq!(stream.len(), at + 8);
        data
    }

    #[rstest]
    #[case::empty(0)]
    #[case::small(9)]
    #[case::one_full_block(65_535)]
    #[case::two_blocks(65_536)]
    #[case::three_blocks(140_000)]
    fn a_gzip_stream_holds_the_body_whole(#[case] len: usize) {
        let data: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
        assert_eq!(gunzip_stored(&gzip(&data)), data);
    }
}
