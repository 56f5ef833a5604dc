//! What a success answer says of the object it describes: it echoes what was sent, an update
//! answers the object it addressed, and a create answers a new id.

use super::{Check, Evidence, Finding, is_nfc_of};
use crate::model::Span;
use crate::secret::Secrets;
use serde_json::Value;

/// Checks a property the answer does not echo: a string that came back in its NFC form was
/// normalised (a convention), any other change is an echo failure of the page's `rule`. The
/// server's value is quoted scrubbed of `secrets`.
pub fn echo(
    name: String,
    sent: &Value,
    got: &Value,
    is_date: bool,
    rule: &Span,
    strict: bool,
    secrets: &Secrets,
) -> Finding {
    let quoted = secrets.scrub(&got.to_string());
    let evidence = Evidence::Value {
        property: name.clone(),
        sent: sent.to_string(),
        got: quoted.clone(),
    };
    if is_nfc_of(sent, got, is_date) {
        let msg = format!(
            "`{name}` was sent as {sent} but the response has {quoted}, its Unicode NFC normalisation: strings are stored as sent"
        );
        return Finding::new(
            Check::UnicodeNormalization,
            strict,
            name,
            msg,
            None,
            evidence,
        );
    }
    let msg = format!("`{name}` was sent as {sent} but the response has {quoted}");
    Finding::new(Check::Echo, strict, name, msg, Some(rule.clone()), evidence)
}

/// Checks that an update of the object `target` (the last segment of its path, encoded as
/// sent) answered that object: `answered` is the id `encode` gives the same form.
pub fn same_object(
    target: &str,
    answered: &str,
    encode: impl Fn(&str) -> String,
    rule: &Span,
    strict: bool,
    secrets: &Secrets,
) -> Option<Finding> {
    if encode(answered).eq_ignore_ascii_case(target) {
        return None;
    }
    let quoted = secrets.scrub(answered);
    let msg = format!("the update of {target:?} answered with the object {quoted:?}");
    let evidence = Evidence::Value {
        property: "id".to_string(),
        sent: Value::String(target.to_string()).to_string(),
        got: Value::String(quoted).to_string(),
    };
    Some(Finding::new(
        Check::Echo,
        strict,
        "id",
        msg,
        Some(rule.clone()),
        evidence,
    ))
}

/// Checks that a create answered a new id: `fresh` tells whether no earlier object of the
/// run (or of the pages' examples) had `id`.
pub fn new_id(
    id: &str,
    fresh: bool,
    rule: &Span,
    strict: bool,
    secrets: &Secrets,
) -> Option<Finding> {
    if fresh {
        return None;
    }
    let quoted = secrets.scrub(id);
    let msg = format!("the create returned id {quoted:?}, which an earlier object already has");
    let evidence = Evidence::Value {
        property: "id".to_string(),
        sent: String::new(),
        got: Value::String(quoted).to_string(),
    };
    Some(Finding::new(
        Check::NewId,
        strict,
        "id",
        msg,
        Some(rule.clone()),
        evidence,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use serde_json::json;

    const TOKEN: &str = "reflected-token-0123456789";

    fn rule() -> Span {
        Span::new("update.md", 30, 1)
    }

    #[rstest]
    #[case::a_changed_value(json!("a"), json!("b"), Check::Echo)]
    #[case::a_normalised_string(json!("e\u{301}"), json!("\u{e9}"), Check::UnicodeNormalization)]
    fn an_unechoed_property_is_an_echo_failure_unless_normalised(
        #[case] sent: Value,
        #[case] got: Value,
        #[case] check: Check,
    ) {
        let secrets = Secrets::new([TOKEN]);
        let finding = echo("name".into(), &sent, &got, false, &rule(), false, &secrets);
        assert_eq!(finding.check, check);
    }

    #[test]
    fn an_echoed_server_value_is_quoted_scrubbed() {
        let secrets = Secrets::new([TOKEN]);
        let got = json!(format!("x{TOKEN}"));
        let finding = echo(
            "name".into(),
            &json!("a"),
            &got,
            false,
            &rule(),
            false,
            &secrets,
        );
        assert!(!finding.to_string().contains(TOKEN), "{finding}");
        assert!(!format!("{:?}", finding.evidence).contains(TOKEN));
    }

    #[rstest]
    #[case::the_same_object("abc", "abc", false)]
    #[case::the_same_object_encoded_in_another_case("a%2fb", "a/b", false)]
    #[case::another_object("abc", "xyz", true)]
    fn an_update_answers_the_object_it_addressed(
        #[case] target: &str,
        #[case] answered: &str,
        #[case] breached: bool,
    ) {
        let encode = |id: &str| id.replace('/', "%2F");
        let found = same_object(
            target,
            answered,
            encode,
            &rule(),
            false,
            &Secrets::new([TOKEN]),
        );
        assert_eq!(found.is_some(), breached);
    }

    #[rstest]
    #[case::a_fresh_id(true, None)]
    #[case::an_id_seen_before(false, Some(Check::NewId))]
    fn a_create_answers_a_new_id(#[case] fresh: bool, #[case] check: Option<Check>) {
        let found = new_id("1", fresh, &rule(), false, &Secrets::new([TOKEN]));
        assert_eq!(found.map(|f| f.check), check);
    }
}
