//! Checks on one answer: the root cause first (transport, 5xx, status), then the body
//! (Content-Encoding, Content-Type, JSON, schema), so a failure is reported once, where it
//! starts.

use super::{Check, Evidence, Finding};
use crate::model::Span;
use crate::model::Status;
use crate::secret::Secrets;
use serde_json::Value;
use std::collections::BTreeSet;

/// A server's answer, as the checks see it.
#[derive(Debug, Clone, Copy)]
pub struct Answer<'a> {
    pub status: u16,
    pub content_type: Option<&'a str>,
    /// The `Content-Encoding` header, if any: the body is as it came, never decompressed.
    pub content_encoding: Option<&'a str>,
    pub body: &'a [u8],
    /// The cap the body was cut at, when it was longer (`--max-body`).
    pub truncated_at: Option<usize>,
}

/// What the page says a successful answer is.
pub struct Expected<'a> {
    pub status: &'a Status,
    pub validator: &'a jsonschema::Validator,
    /// The response schema (`$defs/response`), read for the `x-source` of each property.
    pub schema: &'a Value,
    pub strict: bool,
    /// The run's secrets, scrubbed from every server value a message quotes.
    pub secrets: &'a Secrets,
}

/// The most bytes of a server value a message quotes.
pub const QUOTE_CAP: usize = 80;

/// Tells whether `status` is an HTTP status at all (RFC 9110: three digits, 100 to 599).
pub fn is_valid_status(status: u16) -> bool {
    (100..=599).contains(&status)
}

/// Tells whether `status` is a server error (5xx); a status beyond 599 is not one.
pub fn is_server_error(status: u16) -> bool {
    (500..=599).contains(&status)
}

/// Checks that an answer's status is an HTTP status at all: a 999 answers nothing, whatever
/// was expected (a `status-code` failure, never a `server-error`).
pub fn check_valid_status(
    status: u16,
    what: &str,
    strict: bool,
    rule: Option<Span>,
) -> Option<Finding> {
    (!is_valid_status(status)).then(|| {
        Finding::new(
            Check::StatusCode,
            strict,
            "status",
            format!("the server answered {} to {what}", describe_status(status)),
            rule,
            Evidence::Status {
                expected: "an HTTP status (100-599)".to_string(),
                actual: status,
            },
        )
    })
}

/// Reports a request that got no answer (`error`, already scrubbed by the client): the
/// page's request `rule` could not be exercised.
pub fn transport(error: Option<&str>, rule: &Span, strict: bool) -> Finding {
    let error = error.unwrap_or("unknown error");
    Finding::new(
        Check::Transport,
        strict,
        "transport",
        format!("no response: {error}"),
        Some(rule.clone()),
        Evidence::Transport {
            error: error.to_string(),
        },
    )
}

/// Reports a 5xx answer to `what`, a request the page's `rule` governs.
pub fn server_error(status: u16, what: &str, rule: &Span, strict: bool) -> Finding {
    Finding::new(
        Check::ServerError,
        strict,
        "5xx",
        format!("the server answered {status} to {what}"),
        Some(rule.clone()),
        Evidence::Status {
            expected: "not a 5xx".to_string(),
            actual: status,
        },
    )
}

/// Describes a status as a message quotes it: a status outside 100-599 says it is invalid.
pub fn describe_status(status: u16) -> String {
    if is_valid_status(status) {
        status.to_string()
    } else {
        format!("{status}, which is not a valid HTTP status (100-599)")
    }
}

/// The outcome of checking a success answer.
#[derive(Debug, Default)]
pub struct SuccessVerdict {
    pub findings: Vec<Finding>,
    /// The parsed body, when it is a JSON object.
    pub body: Option<Value>,
    /// The top-level properties that broke the schema (not to be blamed again by echo).
    pub schema_failed: BTreeSet<String>,
}

/// Checks an answer to a request the page says must succeed.
pub fn check_success(answer: Answer, expected: &Expected) -> SuccessVerdict {
    let mut verdict = SuccessVerdict::default();
    let status_rule = Some(expected.status.span.clone());
    let strict = expected.strict;
    if let Some(finding) = check_status(answer.status, expected.status, strict) {
        verdict.findings.push(finding);
        return verdict;
    }
    if expected.status.code == 204 {
        return verdict;
    }
    if let Some(encoding) = answer.content_encoding.filter(|e| is_coded(e)) {
        let msg = format!(
            "Content-Encoding is {:?} although the request sent Accept-Encoding: identity: the body is coded, not the JSON the page states",
            expected.secrets.quote(encoding, QUOTE_CAP)
        );
        verdict.findings.push(Finding::new(
            Check::ContentType,
            strict,
            "content-encoding",
            msg,
            status_rule,
            Evidence::Header {
                name: "Content-Encoding".to_string(),
                got: Some(expected.secrets.quote(encoding, QUOTE_CAP)),
            },
        ));
        return verdict;
    }
    if !is_json_media_type(answer.content_type) {
        let msg = match answer.content_type {
            Some(content_type) => format!(
                "Content-Type is {:?}, not application/json",
                expected.secrets.quote(content_type, QUOTE_CAP)
            ),
            None => "the response has no Content-Type, not application/json".to_string(),
        };
        verdict.findings.push(Finding::new(
            Check::ContentType,
            strict,
            "content-type",
            msg,
            status_rule.clone(),
            Evidence::Header {
                name: "Content-Type".to_string(),
                got: answer
                    .content_type
                    .map(|c| expected.secrets.quote(c, QUOTE_CAP)),
            },
        ));
    }
    let body_failure = |message: String| {
        Finding::new(
            Check::JsonBody,
            strict,
            "body",
            message,
            status_rule.clone(),
            Evidence::Body {
                bytes: answer.body.len(),
            },
        )
    };
    if let Some(cap) = answer.truncated_at {
        let msg = format!(
            "the body is longer than the {cap}-byte cap (--max-body); it was not read whole"
        );
        verdict.findings.push(body_failure(msg));
        return verdict;
    }
    let body = match serde_json::from_slice::<Value>(answer.body) {
        Ok(body) if body.is_object() => body,
        Ok(other) => {
            let msg = format!(
                "the body is JSON but not an object: {}",
                super::json_kind(&other)
            );
            verdict.findings.push(body_failure(msg));
            return verdict;
        }
        Err(e) => {
            let msg = format!("the body ({} bytes) is not JSON: {e}", answer.body.len());
            verdict.findings.push(body_failure(msg));
            return verdict;
        }
    };
    for (property, message, evidence) in schema_errors(expected.validator, &body, expected.secrets)
    {
        let rule = property_rule(expected.schema, &property).or_else(|| status_rule.clone());
        verdict.findings.push(Finding::new(
            Check::ResponseSchema,
            strict,
            property.clone(),
            message,
            rule,
            evidence,
        ));
        verdict.schema_failed.insert(property);
    }
    verdict.body = Some(body);
    verdict
}

/// Checks the status of an answer to a request the page says succeeds with `expected`: a
/// 5xx is a server error, any other status than the documented one a wrong status.
pub fn check_status(status: u16, expected: &Status, strict: bool) -> Option<Finding> {
    let rule = Some(expected.span.clone());
    let evidence = Evidence::Status {
        expected: describe(expected),
        actual: status,
    };
    if is_server_error(status) {
        let msg = format!(
            "the server answered {status} to a request the page says succeeds with {}",
            describe(expected)
        );
        return Some(Finding::new(
            Check::ServerError,
            strict,
            "5xx",
            msg,
            rule,
            evidence,
        ));
    }
    (status != expected.code).then(|| {
        let msg = format!(
            "expected {}, got {}",
            describe(expected),
            describe_status(status)
        );
        Finding::new(Check::StatusCode, strict, "status", msg, rule, evidence)
    })
}

/// Checks an answer to a request the page's contract forbids: any 4xx is right.
pub fn check_rejected(
    answer: Answer,
    what: &str,
    key: &str,
    rule: Option<Span>,
    strict: bool,
) -> Option<Finding> {
    let evidence = Evidence::Status {
        expected: "a 4xx".to_string(),
        actual: answer.status,
    };
    match answer.status {
        400..=499 => None,
        status if is_server_error(status) => Some(Finding::new(
            Check::ServerError,
            strict,
            "5xx",
            format!(
                "the server answered {} to {what}; a 4xx was expected",
                answer.status
            ),
            rule,
            evidence,
        )),
        status => Some(Finding::new(
            Check::InvalidRejected,
            strict,
            key,
            format!(
                "the server answered {} to {what}; a 4xx was expected",
                describe_status(status)
            ),
            rule,
            evidence,
        )),
    }
}

fn describe(status: &Status) -> String {
    format!("{} {}", status.code, status.reason)
        .trim_end()
        .to_string()
}

/// Tells whether a `Content-Encoding` value applies a content coding (RFC 9110, 8.4): one
/// other than `identity`.
fn is_coded(content_encoding: &str) -> bool {
    content_encoding
        .split(',')
        .map(str::trim)
        .any(|coding| !coding.is_empty() && !coding.eq_ignore_ascii_case("identity"))
}

/// Tells whether a Content-Type names `application/json`, whatever its parameters
/// (`application/json; odata.metadata=minimal; charset=utf-8`).
pub fn is_json_media_type(content_type: Option<&str>) -> bool {
    content_type
        .and_then(|ct| ct.split(';').next())
        .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"))
}

/// Groups schema errors by the top-level property they concern, one message per property.
/// The server's value is quoted once, scrubbed of secrets and then cut.
fn schema_errors(
    validator: &jsonschema::Validator,
    body: &Value,
    secrets: &Secrets,
) -> Vec<(String, String, Evidence)> {
    let mut by_property: Vec<(String, String, Evidence)> = Vec::new();
    for error in validator.iter_errors(body) {
        let path = secrets.scrub(&error.instance_path().to_string());
        let property = match error.kind() {
            jsonschema::error::ValidationErrorKind::Required { property } => {
                property.as_str().unwrap_or_default().to_string()
            }
            _ => crate::schema::top_level_property(&path).unwrap_or_default(),
        };
        if by_property.iter().any(|(p, _, _)| *p == property) {
            continue;
        }
        let shown = if path.is_empty() {
            "the body".to_string()
        } else {
            format!("`{path}`")
        };
        let got = secrets.quote(&error.instance().to_string(), QUOTE_CAP);
        let rule = violated_rule(&error, secrets);
        let evidence = Evidence::Schema {
            schema_path: error.schema_path().to_string(),
            instance_path: path.clone(),
        };
        by_property.push((property, format!("{shown}: {rule} (got {got})"), evidence));
    }
    by_property
}

/// Describes what a value broke, without the value (the message quotes it once, cut): only
/// the errors that list the server's property names quote server text, scrubbed.
fn violated_rule(error: &jsonschema::ValidationError, secrets: &Secrets) -> String {
    use jsonschema::error::ValidationErrorKind as Kind;
    let masked = error.masked_with("the value").to_string();
    match error.kind() {
        Kind::AdditionalProperties { .. }
        | Kind::UnevaluatedProperties { .. }
        | Kind::PropertyNames { .. } => secrets.scrub(&masked),
        _ => masked,
    }
}

fn property_rule(schema: &Value, property: &str) -> Option<Span> {
    schema["properties"][property]["x-source"]
        .as_str()
        .and_then(super::parse_span)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Span;
    use rstest::rstest;
    use serde_json::json;

    const TOKEN: &str = "reflected-token-0123456789";

    fn status(code: u16) -> Status {
        Status {
            code,
            reason: "OK".into(),
            span: Span::new("widget.md", 12, 1),
        }
    }

    fn answer(status: u16, body: &[u8]) -> Answer<'_> {
        Answer {
            status,
            content_type: Some("application/json"),
            content_encoding: None,
            body,
            truncated_at: None,
        }
    }

    fn success_findings(answer: Answer, schema: &Value) -> Vec<Finding> {
        let validator = jsonschema::validator_for(schema).unwrap();
        let secrets = Secrets::new([TOKEN]);
        let expected = Expected {
            status: &status(200),
            validator: &validator,
            schema,
            strict: false,
            secrets: &secrets,
        };
        check_success(answer, &expected).findings
    }

    #[rstest]
    #[case::a_5xx_is_a_server_error(503, Check::ServerError)]
    #[case::a_599_is_a_server_error(599, Check::ServerError)]
    #[case::a_status_beyond_599_is_a_status_failure(999, Check::StatusCode)]
    #[case::a_600_is_a_status_failure(600, Check::StatusCode)]
    fn a_success_answer_is_judged_by_its_status_class(#[case] code: u16, #[case] check: Check) {
        let findings = success_findings(answer(code, b"{}"), &json!({}));
        let checks: Vec<Check> = findings.iter().map(|f| f.check).collect();
        assert_eq!(checks, [check]);
    }

    #[test]
    fn a_status_beyond_599_is_named_invalid() {
        let findings = success_findings(answer(999, b"{}"), &json!({}));
        assert!(
            findings[0]
                .message
                .contains("999, which is not a valid HTTP status"),
            "{}",
            findings[0].message
        );
    }

    #[rstest]
    #[case::a_5xx_is_a_server_error(500, Check::ServerError)]
    #[case::a_status_beyond_599_is_not_a_rejection(999, Check::InvalidRejected)]
    fn a_rejection_answer_is_judged_by_its_status_class(#[case] code: u16, #[case] check: Check) {
        let finding = check_rejected(answer(code, b""), "a bad body", "x", None, false).unwrap();
        assert_eq!(finding.check, check);
        if code == 999 {
            assert!(finding.message.contains("not a valid HTTP status"));
        }
    }

    #[rstest]
    #[case::at_the_cut(70)]
    #[case::long_before_the_cut(10)]
    fn a_quoted_value_is_scrubbed_before_it_is_cut(#[case] at: usize) {
        let value = format!("{}{TOKEN}{}", "a".repeat(at), "b".repeat(200));
        let body = serde_json::to_vec(&json!({ "displayName": value })).unwrap();
        let schema = json!({"properties": {"displayName": {"maxLength": 5}}});
        let findings = success_findings(answer(200, &body), &schema);
        let [finding] = findings.as_slice() else {
            panic!("{findings:#?}");
        };
        assert_eq!(finding.check, Check::ResponseSchema);
        assert!(
            finding.message.contains("[REDACTED]"),
            "{}",
            finding.message
        );
        assert!(
            !finding.message.contains(&TOKEN[..4]),
            "{}",
            finding.message
        );
    }

    #[rstest]
    #[case::gzip_is_named("gzip", Some("\"gzip\""))]
    #[case::br_is_named("br", Some("\"br\""))]
    #[case::a_coding_after_identity_is_named("identity, gzip", Some("gzip"))]
    #[case::identity_is_the_body_as_sent("identity", None)]
    #[case::identity_in_another_case_is_the_body_as_sent("Identity", None)]
    fn a_content_coding_the_request_refused_is_named_not_blamed_on_the_json(
        #[case] encoding: &str,
        #[case] named: Option<&str>,
    ) {
        let body = [0x1f, 0x8b, 8, 0];
        let answer = Answer {
            content_encoding: Some(encoding),
            ..answer(200, &body[..])
        };
        let answer = if named.is_none() {
            Answer {
                body: b"{}",
                ..answer
            }
        } else {
            answer
        };
        let findings = success_findings(answer, &json!({}));
        match named {
            Some(coding) => {
                let [finding] = findings.as_slice() else {
                    panic!("{findings:#?}");
                };
                assert_eq!(finding.check, Check::ContentType);
                assert!(
                    finding.message.contains("Content-Encoding"),
                    "{}",
                    finding.message
                );
                assert!(finding.message.contains(coding), "{}", finding.message);
            }
            None => assert!(findings.is_empty(), "{findings:#?}"),
        }
    }

    #[test]
    fn a_reflected_content_type_is_quoted_scrubbed() {
        let body = b"{}";
        let content_type = format!("text/{TOKEN}");
        let answer = Answer {
            content_type: Some(&content_type),
            ..answer(200, body)
        };
        let findings = success_findings(answer, &json!({}));
        assert!(findings.iter().all(|f| !f.message.contains(TOKEN)));
        assert!(findings.iter().any(|f| f.check == Check::ContentType));
    }
}
