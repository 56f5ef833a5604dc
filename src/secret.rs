//! The run's secrets (the bearer token and the values of secret headers) and the one way
//! they are kept out of what a server controls.
//!
//! Only server-controlled text is scrubbed: response bodies and headers, transport errors
//! and the server values a finding quotes. What the tool generated itself (payloads, URLs,
//! its own messages, curl reproductions) is never rewritten. A server may reflect a secret
//! as it was sent, lowercased (as a header name), percent-encoded, JSON-escaped, or base64
//! (standard or url-safe, padded or not, alone or inside a longer encoded text such as
//! `Bearer <token>`): each of those forms is scrubbed. Text is scrubbed before it is cut, so
//! a cut never leaves a prefix of a secret behind.
//!
//! A secret shorter than [`MIN_PROTECTED_SECRET_LEN`] cannot be told apart from ordinary
//! text: it is scrubbed only where it stands whole (not inside a longer word), and
//! [`short_token_warning`] says so.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};

/// The shortest secret that is protected everywhere (in every encoded form, inside words).
pub const MIN_PROTECTED_SECRET_LEN: usize = 8;
/// What stands for a secret wherever one was found.
pub const REDACTED: &str = "[REDACTED]";

/// Tells whether `secret` is long enough to be scrubbed wherever it appears.
pub fn is_protected(secret: &str) -> bool {
    secret.chars().count() >= MIN_PROTECTED_SECRET_LEN
}

/// Returns the one-time warning to print when the token is too short to be protected.
pub fn short_token_warning(token: &str) -> Option<String> {
    (!token.is_empty() && !is_protected(token)).then(|| {
        format!(
            "the token is shorter than {MIN_PROTECTED_SECRET_LEN} characters: it is not protected in reports"
        )
    })
}

/// Every secret of a run, with the forms a server may reflect it in.
#[derive(Clone, Default)]
pub struct Secrets {
    secrets: Vec<Secret>,
    /// The most text bytes one match can span.
    reach: usize,
    /// The longest form, in bytes: how far before an escape a match holding it can start.
    longest: usize,
    /// Every form of every secret in one automaton, matched in one pass whatever the ASCII
    /// case (for text without escapes); `None` when there is no secret.
    literal: Option<Literal>,
}

/// The automaton of every form, and for each of its patterns whether it must stand whole.
#[derive(Clone)]
struct Literal {
    automaton: aho_corasick::AhoCorasick,
    whole_only: Vec<bool>,
}

/// One secret: the byte strings that reveal it.
#[derive(Clone)]
struct Secret {
    forms: Vec<Form>,
    /// Too short to tell apart from ordinary text: matched only where it stands whole.
    whole_only: bool,
}

/// One byte string that reveals a secret, matched whatever its ASCII case (a header name
/// comes back lowercased, and a lowercased base64 text is still worth little guessing).
#[derive(Clone)]
struct Form {
    /// ASCII-lowercased.
    bytes: Vec<u8>,
}

/// Text after [`Secrets::scrub_cut`]: scrubbed, and cut when it was longer than the cap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cut {
    pub text: String,
    /// Some of the text was left out.
    pub cut: bool,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Secrets({} redacted)", self.secrets.len())
    }
}

impl Secrets {
    /// Returns the secrets `values` (empty values are ignored). A value with a scheme
    /// (`Bearer abc…`, `Basic abc…`) also protects its credential alone.
    pub fn new<'a>(values: impl IntoIterator<Item = &'a str>) -> Secrets {
        let mut secrets = Secrets::default();
        for value in values {
            secrets.add(value);
            if let Some((_, credential)) = value.trim().rsplit_once(' ') {
                secrets.add(credential);
            }
        }
        secrets
    }

    fn add(&mut self, value: &str) {
        if value.is_empty() {
            return;
        }
        let whole_only = !is_protected(value);
        let mut forms = vec![value.as_bytes().to_vec()];
        if !whole_only {
            forms.extend(base64_forms(value.as_bytes()));
        }
        let forms: Vec<Form> = forms
            .into_iter()
            .map(|bytes| Form {
                bytes: bytes.to_ascii_lowercase(),
            })
            .collect();
        let longest = forms.iter().map(|f| f.bytes.len()).max().unwrap_or(0);
        self.reach = self.reach.max(longest * 6);
        self.longest = self.longest.max(longest);
        self.secrets.push(Secret { forms, whole_only });
        self.literal = self.automaton();
    }

    /// Builds the automaton of every form (`None` if it cannot be built: the forms are then
    /// searched one by one).
    fn automaton(&self) -> Option<Literal> {
        let (patterns, whole_only): (Vec<&[u8]>, Vec<bool>) = self
            .secrets
            .iter()
            .flat_map(|s| s.forms.iter().map(|f| (f.bytes.as_slice(), s.whole_only)))
            .unzip();
        let automaton = aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(patterns)
            .ok()?;
        Some(Literal {
            automaton,
            whole_only,
        })
    }

    /// Tells whether there is no secret at all.
    pub fn is_empty(&self) -> bool {
        self.secrets.is_empty()
    }

    /// Returns `text` with every form of every secret replaced by [`REDACTED`].
    pub fn scrub(&self, text: &str) -> String {
        self.scrub_cut(text, usize::MAX).text
    }

    /// Tells whether `text` holds some form of a secret.
    pub fn reveals(&self, text: &str) -> bool {
        !self.matches(text.as_bytes()).is_empty()
    }

    /// Scrubs `text`, then keeps what stands for its first `cap` bytes: a secret that starts
    /// before the cut is replaced whole, so no prefix of it survives the cut.
    pub fn scrub_cut(&self, text: &str, cap: usize) -> Cut {
        let end = text.floor_char_boundary(cap.min(text.len()));
        let window = text.floor_char_boundary(end.saturating_add(self.reach()));
        let mut out = String::with_capacity(end.min(text.len()));
        let mut at = 0;
        for (start, stop) in self.matches(&text.as_bytes()[..window]) {
            // a match starts and ends on character boundaries; widened should one ever not
            let (start, stop) = (
                text.floor_char_boundary(start),
                text.ceil_char_boundary(stop),
            );
            if start >= end {
                break;
            }
            if start < at {
                at = at.max(stop);
                continue;
            }
            out.push_str(&text[at..start]);
            out.push_str(REDACTED);
            at = stop;
        }
        if at < end {
            out.push_str(&text[at..end]);
        }
        Cut {
            text: out,
            cut: at.max(end) < text.len(),
        }
    }

    /// Scrubs `text` and cuts it to about `max` bytes, marking a cut with `...`: a server
    /// value as a message quotes it.
    pub fn quote(&self, text: &str, max: usize) -> String {
        let Cut { mut text, cut } = self.scrub_cut(text, max);
        if cut {
            text.push_str("...");
        }
        text
    }

    /// Returns the most text bytes one match can span (each byte may be escaped as
    /// `\u00XX`): how far past a cut the text must be read to scrub what the cut keeps.
    pub fn reach(&self) -> usize {
        self.reach
    }

    /// Returns the byte ranges of `text` that reveal a secret, sorted and merged: each form
    /// as written (one automaton pass), and, in text with `%` or `\`, each form with some
    /// byte escaped, searched only where an escape can start one.
    fn matches(&self, text: &[u8]) -> Vec<(usize, usize)> {
        let mut found = Vec::new();
        if self.secrets.is_empty() {
            return found;
        }
        match &self.literal {
            Some(literal) => literal.find(text, &mut found),
            None => self.find_each(text, &mut found),
        }
        if text.iter().copied().any(is_escape) {
            self.find_escaped(text, &mut found);
        }
        found.sort_unstable();
        let mut merged: Vec<(usize, usize)> = Vec::with_capacity(found.len());
        for (start, stop) in found {
            match merged.last_mut() {
                Some(last) if start < last.1 => last.1 = last.1.max(stop),
                _ => merged.push((start, stop)),
            }
        }
        merged
    }
}

impl Secrets {
    /// Pushes the ranges where some form stands as written, whatever the case (whole, for a
    /// short secret), searching the forms one by one.
    fn find_each(&self, text: &[u8], found: &mut Vec<(usize, usize)>) {
        let lowered = text.to_ascii_lowercase();
        for secret in &self.secrets {
            for form in &secret.forms {
                find_literal(text, &lowered, form, secret.whole_only, found);
            }
        }
    }
}

impl Secrets {
    /// Pushes the ranges where some form stands with at least one byte escaped (what the
    /// automaton, matching forms as written, cannot see). Such a match starts at most a
    /// form's length before its first escape, so only those windows are searched.
    fn find_escaped(&self, text: &[u8], found: &mut Vec<(usize, usize)>) {
        let mut from = 0;
        let escapes = text.iter().enumerate().filter(|(_, b)| is_escape(**b));
        for (escape, _) in escapes {
            let start = escape.saturating_sub(self.longest).max(from);
            for at in start..=escape {
                self.find_encoded_at(text, at, found);
            }
            from = escape + 1;
        }
    }

    /// Pushes the ranges of every form (of a secret protected inside words) that stands at
    /// `at`, each byte as written or escaped.
    fn find_encoded_at(&self, text: &[u8], at: usize, found: &mut Vec<(usize, usize)>) {
        let byte = text[at];
        for form in self
            .secrets
            .iter()
            .filter(|s| !s.whole_only)
            .flat_map(|s| &s.forms)
        {
            let Some(&first) = form.bytes.first() else {
                continue;
            };
            if (same_byte(byte, first) || is_escape(byte))
                && let Some(stop) = encoded_at(text, at, form)
            {
                found.push((at, stop));
            }
        }
    }
}

impl Literal {
    /// Pushes the ranges where some form stands as written, whatever the case (whole, for a
    /// short secret), in one pass over `text`.
    fn find(&self, text: &[u8], found: &mut Vec<(usize, usize)>) {
        for hit in self.automaton.find_overlapping_iter(text) {
            let (start, stop) = (hit.start(), hit.end());
            if !self.whole_only[hit.pattern().as_usize()] || stands_whole(text, start, stop) {
                found.push((start, stop));
            }
        }
    }
}

/// Returns the base64 forms of `secret` a server may reflect: standard and url-safe, padded
/// and not, of the secret and of `Bearer <secret>`, and the characters that encode the
/// secret inside any longer base64 text (at each of the three byte alignments).
fn base64_forms(secret: &[u8]) -> Vec<Vec<u8>> {
    let bearer = [b"Bearer ".as_slice(), secret].concat();
    let mut forms = Vec::new();
    for subject in [secret, bearer.as_slice()] {
        for engine in [&STANDARD, &STANDARD_NO_PAD, &URL_SAFE, &URL_SAFE_NO_PAD] {
            forms.push(engine.encode(subject).into_bytes());
        }
    }
    for offset in 0..3 {
        let shifted = [&[0u8; 2][..offset], secret].concat();
        let skip = if offset == 0 { 0 } else { offset + 1 };
        let partial = usize::from(shifted.len() % 3 != 0);
        for engine in [&STANDARD_NO_PAD, &URL_SAFE_NO_PAD] {
            let encoded = engine.encode(&shifted).into_bytes();
            let core = &encoded[skip..encoded.len() - partial];
            if core.len() >= MIN_PROTECTED_SECRET_LEN {
                forms.push(core.to_vec());
            }
        }
    }
    forms.sort_unstable();
    forms.dedup();
    forms
}

/// Pushes the ranges of `text` where `form` stands as written, whatever the case (whole, when
/// `whole_only`); `lowered` is `text` in lowercase.
fn find_literal(
    text: &[u8],
    lowered: &[u8],
    form: &Form,
    whole_only: bool,
    found: &mut Vec<(usize, usize)>,
) {
    let needle = form.bytes.as_slice();
    let Some(&first) = needle.first() else {
        return;
    };
    let mut from = 0;
    while let Some(offset) = lowered
        .get(from..)
        .and_then(|rest| rest.iter().position(|b| *b == first))
    {
        let start = from + offset;
        let stop = start + needle.len();
        if lowered.get(start..stop) == Some(needle)
            && (!whole_only || stands_whole(text, start, stop))
        {
            found.push((start, stop));
            from = stop;
        } else {
            from = start + 1;
        }
    }
}

fn is_escape(byte: u8) -> bool {
    byte == b'%' || byte == b'\\'
}

fn same_byte(a: u8, b: u8) -> bool {
    a.eq_ignore_ascii_case(&b)
}

/// Returns where `form` ends if it stands at `start`, each byte as written, percent-encoded
/// (`%2F`), or JSON-escaped (`\u002f`, `\/`, `\"`, `\\`).
fn encoded_at(text: &[u8], start: usize, form: &Form) -> Option<usize> {
    let mut at = start;
    for &want in &form.bytes {
        at = byte_at(text, at, want)?;
    }
    Some(at)
}

/// Returns where one byte `want` ends if it stands at `at`, in any form `encoded_at` takes.
fn byte_at(text: &[u8], at: usize, want: u8) -> Option<usize> {
    let got = *text.get(at)?;
    if same_byte(got, want) {
        return Some(at + 1);
    }
    match got {
        b'%' => {
            let decoded = hex(text.get(at + 1..at + 3)?)?;
            same_byte(u8::try_from(decoded).ok()?, want).then_some(at + 3)
        }
        b'\\' => match *text.get(at + 1)? {
            b'u' => {
                let decoded = hex(text.get(at + 2..at + 6)?)?;
                same_byte(u8::try_from(decoded).ok()?, want).then_some(at + 6)
            }
            escaped @ (b'"' | b'\\' | b'/') => (escaped == want).then_some(at + 2),
            _ => None,
        },
        _ => None,
    }
}

fn hex(digits: &[u8]) -> Option<u32> {
    digits
        .iter()
        .try_fold(0u32, |n, d| Some(n * 16 + char::from(*d).to_digit(16)?))
}

/// Tells whether `text[start..stop]` is not part of a longer word (letters, digits, `-`, `_`).
fn stands_whole(text: &[u8], start: usize, stop: usize) -> bool {
    let word = |b: &u8| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_';
    !start
        .checked_sub(1)
        .and_then(|i| text.get(i))
        .is_some_and(word)
        && !text.get(stop).is_some_and(word)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    const TOKEN: &str = "s3cr3t-T0ken/value+xyz";

    fn secrets() -> Secrets {
        Secrets::new([TOKEN])
    }

    fn percent(s: &str) -> String {
        percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
    }

    #[rstest]
    #[case::as_sent(TOKEN.to_string())]
    #[case::lowercased(TOKEN.to_ascii_lowercase())]
    #[case::uppercased(TOKEN.to_ascii_uppercase())]
    #[case::percent_encoded(percent(TOKEN))]
    #[case::percent_encoded_lowercase_hex(percent(TOKEN).to_ascii_lowercase())]
    #[case::json_escaped(TOKEN.replace('/', "\\/"))]
    #[case::unicode_escaped(TOKEN.replace('-', "\\u002d"))]
    #[case::base64(STANDARD.encode(TOKEN))]
    #[case::base64_unpadded(STANDARD_NO_PAD.encode(TOKEN))]
    #[case::base64url(URL_SAFE.encode(TOKEN))]
    #[case::base64url_unpadded(URL_SAFE_NO_PAD.encode(TOKEN))]
    #[case::base64_lowercased(STANDARD.encode(TOKEN).to_ascii_lowercase())]
    #[case::base64_of_the_bearer_header(STANDARD.encode(format!("Bearer {TOKEN}")))]
    #[case::base64_inside_longer_text_at_offset_1(STANDARD.encode(format!("a{TOKEN}b")))]
    #[case::base64_inside_longer_text_at_offset_2(URL_SAFE.encode(format!("ab{TOKEN}c")))]
    #[case::percent_encoded_base64(percent(&STANDARD.encode(TOKEN)))]
    fn every_form_of_a_reflected_secret_is_scrubbed(#[case] form: String) {
        assert_scrubbed_in(&form);
        // escapes far from the secret do not hide it, nor one in its last byte
        let padded = format!("{}{form}{}", "x\\/".repeat(40), "%20y".repeat(40));
        assert_scrubbed_in(&padded);
    }

    #[rstest]
    #[case::last_byte_escaped(format!("{}\\u007a", &TOKEN[..TOKEN.len() - 1]))]
    #[case::first_byte_escaped(format!("%73{}", &TOKEN[1..]))]
    #[case::two_forms_one_after_another(format!("{}{}", percent(TOKEN), TOKEN.replace('/', "\\/")))]
    fn an_escape_anywhere_in_a_secret_is_seen(#[case] form: String) {
        assert_scrubbed_in(&form);
    }

    fn assert_scrubbed_in(form: &str) {
        let text = format!("before {form} after");
        let scrubbed = secrets().scrub(&text);
        assert!(scrubbed.starts_with("before "), "{scrubbed}");
        assert!(scrubbed.ends_with(" after"), "{scrubbed}");
        assert!(scrubbed.contains(REDACTED), "{scrubbed}");
        assert!(!scrubbed.contains(form), "{scrubbed}");
        assert!(!secrets().reveals(&scrubbed), "{scrubbed}");
    }

    #[rstest]
    #[case::at_the_cut(70)]
    #[case::just_before_the_cut(60)]
    #[case::straddling_the_cut(75)]
    fn a_cut_never_leaves_a_prefix_of_a_secret(#[case] at: usize) {
        let text = format!("{}{TOKEN}{}", "a".repeat(at), "b".repeat(100));
        let cut = secrets().scrub_cut(&text, 80);
        assert!(cut.cut);
        assert!(!cut.text.contains(&TOKEN[..3]), "{}", cut.text);
    }

    #[rstest]
    #[case::as_sent("é pässwörd-geheim é".to_string())]
    #[case::percent_encoded(format!("é {} é", percent("pässwörd-geheim")))]
    #[case::base64(format!("é {} é", STANDARD.encode("pässwörd-geheim")))]
    fn a_secret_with_non_ascii_characters_is_scrubbed(#[case] text: String) {
        let scrubbed = Secrets::new(["pässwörd-geheim"]).scrub(&text);
        assert_eq!(scrubbed, "é [REDACTED] é");
    }

    #[test]
    fn text_shorter_than_the_cap_is_kept_whole() {
        let cut = secrets().scrub_cut("hello", 80);
        assert_eq!(
            cut,
            Cut {
                text: "hello".into(),
                cut: false
            }
        );
    }

    #[test]
    fn a_cut_falls_on_a_character_boundary() {
        let cut = Secrets::default().scrub_cut("ééé", 3);
        assert_eq!(cut.text, "é");
        assert!(cut.cut);
    }

    #[rstest]
    #[case::inside_a_word("externalIp", "externalIp")]
    #[case::inside_a_path_segment("/beta/xyz", "/beta/xyz")]
    #[case::standing_whole("the token x was sent", "the token [REDACTED] was sent")]
    #[case::quoted("\"x\"", "\"[REDACTED]\"")]
    #[case::header_name_part("x-ms-request-id", "x-ms-request-id")]
    fn a_short_secret_is_scrubbed_only_where_it_stands_whole(
        #[case] text: &str,
        #[case] expected: &str,
    ) {
        assert_eq!(Secrets::new(["x"]).scrub(text), expected);
    }

    #[test]
    fn a_short_common_word_is_scrubbed_only_whole() {
        let secrets = Secrets::new(["beta"]);
        assert_eq!(
            secrets.scrub("alphabetical beta"),
            "alphabetical [REDACTED]"
        );
    }

    #[test]
    fn a_credential_after_a_scheme_is_protected_alone() {
        let secrets = Secrets::new(["Basic dXNlcjpwYXNzd29yZA=="]);
        assert_eq!(secrets.scrub("got dXNlcjpwYXNzd29yZA=="), "got [REDACTED]");
    }

    #[rstest]
    #[case::short("abcdefg", true)]
    #[case::long_enough("abcdefgh", false)]
    #[case::empty("", false)]
    fn a_token_under_the_minimum_gets_a_warning(#[case] token: &str, #[case] warned: bool) {
        assert_eq!(short_token_warning(token).is_some(), warned);
    }

    #[test]
    fn the_debug_form_shows_no_secret() {
        assert!(!format!("{:?}", secrets()).contains(TOKEN));
    }
}
