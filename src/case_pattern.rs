//! Case id patterns (`--only`, accepted-failure entries): `*` and `?` wildcards, or a
//! substring when the pattern has none. The plan and the baseline gate filter with this one
//! reading.

/// Tells whether a case id matches an `--only` pattern: `*` and `?` wildcards, or a
/// substring when the pattern has none.
pub fn matches_pattern(pattern: &str, id: &str) -> bool {
    if !pattern.contains(['*', '?']) {
        return id.contains(pattern);
    }
    glob(pattern.as_bytes(), id.as_bytes())
}

/// Matches `t` against the glob `p` (`*` any run, `?` one byte), backtracking to the last `*`.
fn glob(p: &[u8], t: &[u8]) -> bool {
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == b'?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == b'*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case::a_trailing_wildcard("update-*", "update-connector/valid/001", true)]
    #[case::wildcards_on_both_sides("*/invalid/*", "update-connector/invalid/state", true)]
    #[case::a_wildcard_anchors_the_start("create-*", "update-connector/valid/001", false)]
    #[case::no_wildcard_is_a_substring("connector", "update-connector/valid/001", true)]
    #[case::a_question_mark_is_one_character(
        "update-connector/valid/00?",
        "update-connector/valid/001",
        true
    )]
    #[case::a_missing_substring("gadget", "update-connector/valid/001", false)]
    fn a_case_id_matches_a_pattern(#[case] pattern: &str, #[case] id: &str, #[case] matched: bool) {
        assert_eq!(matches_pattern(pattern, id), matched);
    }
}
