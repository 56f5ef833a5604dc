//! Stable digests: FNV-1a in 64 bits, the same on every machine, in every run and in every
//! build (std's hashers promise none of that). Partitions, generated streams, the mock's
//! preloaded ids and a suite's fingerprint are derived from it.

/// FNV-1a's offset basis: the digest of no bytes.
pub const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

const FNV_PRIME: u64 = 0x0100_0000_01b3;

/// The FNV-1a digest of `bytes`, continued from `state` (start from [`FNV_OFFSET`]).
pub fn fnv1a64_from(state: u64, bytes: &[u8]) -> u64 {
    bytes.iter().fold(state, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(FNV_PRIME)
    })
}

/// The FNV-1a digest of `bytes`.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    fnv1a64_from(FNV_OFFSET, bytes)
}

/// An FNV-1a digest fed as a writer (of a serialization, without building it).
#[derive(Debug, Clone, Copy)]
pub struct Fnv1a(pub u64);

impl Default for Fnv1a {
    fn default() -> Fnv1a {
        Fnv1a(FNV_OFFSET)
    }
}

impl std::io::Write for Fnv1a {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0 = fnv1a64_from(self.0, bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[rstest::rstest]
    #[case::no_bytes("", 0xcbf2_9ce4_8422_2325)]
    #[case::one_letter("a", 0xaf63_dc4c_8601_ec8c)]
    #[case::a_word("foobar", 0x8594_4171_f739_67e8)]
    fn digests_are_the_published_fnv1a_64_values(#[case] text: &str, #[case] digest: u64) {
        assert_eq!(fnv1a64(text.as_bytes()), digest);
    }

    #[test]
    fn a_digest_written_in_pieces_is_the_digest_of_the_whole() {
        let mut fed = Fnv1a::default();
        fed.write_all(b"foo").unwrap();
        fed.write_all(b"bar").unwrap();
        assert_eq!(fed.0, fnv1a64(b"foobar"));
    }
}
