//! The closed set of checks and the finding each one reports.

use crate::diagnostic::Severity;
use crate::model::Span;
use serde::{Deserialize, Serialize};

/// Every check the suite makes. Page checks enforce what a page states; convention checks
/// enforce Graph-wide conventions no page states, and are warnings unless `--strict`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Check {
    Transport,
    ServerError,
    StatusCode,
    ContentType,
    JsonBody,
    ResponseSchema,
    Echo,
    Merge,
    NewId,
    InvalidRejected,
    AuthRequired,
    UnknownId,
    UnknownProperty,
    ErrorShape,
    OdataType,
    EnumCase,
    UnicodeNormalization,
    ListShape,
    NextLinkLoop,
    NextLinkOrigin,
    PageCap,
    Top,
    Select,
    Filter,
    Count,
    ReadBack,
    Listed,
    Deleted,
    Reference,
}

impl Check {
    /// Lists every check.
    pub const ALL: [Check; 29] = [
        Check::Transport,
        Check::ServerError,
        Check::StatusCode,
        Check::ContentType,
        Check::JsonBody,
        Check::ResponseSchema,
        Check::Echo,
        Check::Merge,
        Check::NewId,
        Check::InvalidRejected,
        Check::AuthRequired,
        Check::UnknownId,
        Check::UnknownProperty,
        Check::ErrorShape,
        Check::OdataType,
        Check::EnumCase,
        Check::UnicodeNormalization,
        Check::ListShape,
        Check::NextLinkLoop,
        Check::NextLinkOrigin,
        Check::PageCap,
        Check::Top,
        Check::Select,
        Check::Filter,
        Check::Count,
        Check::ReadBack,
        Check::Listed,
        Check::Deleted,
        Check::Reference,
    ];

    /// Returns the stable code.
    pub fn code(self) -> &'static str {
        match self {
            Check::Transport => "transport",
            Check::ServerError => "server-error",
            Check::StatusCode => "status-code",
            Check::ContentType => "content-type",
            Check::JsonBody => "json-body",
            Check::ResponseSchema => "response-schema",
            Check::Echo => "echo",
            Check::Merge => "merge",
            Check::NewId => "new-id",
            Check::InvalidRejected => "invalid-rejected",
            Check::AuthRequired => "auth-required",
            Check::UnknownId => "unknown-id",
            Check::UnknownProperty => "unknown-property",
            Check::ErrorShape => "error-shape",
            Check::OdataType => "odata-type",
            Check::EnumCase => "enum-case",
            Check::UnicodeNormalization => "unicode-normalization",
            Check::ListShape => "list-shape",
            Check::NextLinkLoop => "next-link-loop",
            Check::NextLinkOrigin => "next-link-origin",
            Check::PageCap => "page-cap",
            Check::Top => "top",
            Check::Select => "select",
            Check::Filter => "filter",
            Check::Count => "count",
            Check::ReadBack => "read-back",
            Check::Listed => "listed",
            Check::Deleted => "deleted",
            Check::Reference => "reference",
        }
    }

    /// Returns the human name, as a report headline.
    pub fn name(self) -> &'static str {
        match self {
            Check::Transport => "a response is received",
            Check::ServerError => "never a 5xx",
            Check::StatusCode => "documented status code",
            Check::ContentType => "JSON Content-Type",
            Check::JsonBody => "body parses as a JSON object",
            Check::ResponseSchema => "response matches the page's property table",
            Check::Echo => "response echoes what was sent",
            Check::Merge => "PATCH merges, not replaces",
            Check::NewId => "create returns a new id",
            Check::InvalidRejected => "invalid input is rejected with a 4xx",
            Check::AuthRequired => "convention: no token gets 401",
            Check::UnknownId => "convention: an unknown id gets 404",
            Check::UnknownProperty => "convention: an unknown property gets 400",
            Check::ErrorShape => {
                "convention: error bodies are {\"error\": {\"code\", \"message\"}}"
            }
            Check::OdataType => "convention: responses carry @odata.type",
            Check::EnumCase => "convention: an enum value in another letter case is rejected",
            Check::UnicodeNormalization => {
                "convention: strings are stored as sent, not Unicode-normalised"
            }
            Check::ListShape => "a list answers {\"value\": [...]}",
            Check::NextLinkLoop => "paging never returns to a page already read",
            Check::NextLinkOrigin => "@odata.nextLink stays on the service's origin",
            Check::PageCap => "paging ends within --max-pages",
            Check::Top => "$top=N gives at most N items",
            Check::Select => "$select gives the selected properties and no other documented one",
            Check::Filter => "$filter eq gives exactly the items with that value",
            Check::Count => "$count=true gives @odata.count, the number of items",
            Check::ReadBack => "a read shows what was written",
            Check::Listed => "a list holds the object created in it",
            Check::Deleted => "a deleted object is gone",
            Check::Reference => "a $ref added is listed, a $ref removed is not",
        }
    }

    /// Tells whether this check enforces a Graph-wide convention rather than a page.
    pub fn is_convention(self) -> bool {
        matches!(
            self,
            Check::AuthRequired
                | Check::UnknownId
                | Check::UnknownProperty
                | Check::ErrorShape
                | Check::OdataType
                | Check::EnumCase
                | Check::UnicodeNormalization
                | Check::PageCap
        )
    }

    /// Returns the severity of a failure: conventions warn unless `strict`.
    pub fn severity(self, strict: bool) -> Severity {
        if self.is_convention() && !strict {
            Severity::Warning
        } else {
            Severity::Error
        }
    }

    /// Parses a check code.
    pub fn parse(code: &str) -> Option<Check> {
        Check::ALL.into_iter().find(|c| c.code() == code)
    }
}

impl std::fmt::Display for Check {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// What a finding saw, typed, so a report or a test reads the values without parsing the
/// message. Server values are quoted scrubbed of the run's secrets, as in the message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Evidence {
    /// The answer's status, and the status (or class of status) the rule expects.
    Status { expected: String, actual: u16 },
    /// A schema rule the body broke: where in the schema, and where in the body.
    Schema {
        schema_path: String,
        instance_path: String,
    },
    /// A property: what was sent (or was to be kept) and what came back, as JSON text.
    Value {
        property: String,
        sent: String,
        got: String,
    },
    /// A header of the answer and its value (none when it is absent).
    Header { name: String, got: Option<String> },
    /// A body that is not a JSON object: how many bytes came.
    Body { bytes: usize },
    /// The request got no answer: the transport error.
    Transport { error: String },
}

/// One failed check: what failed, why, the page line of the rule, and what it saw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub check: Check,
    pub name: String,
    pub severity: Severity,
    pub convention: bool,
    pub message: String,
    /// The page rule this finding enforces (none for conventions), `file:line:col` in
    /// `results.json`.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "span_text")]
    pub rule: Option<Span>,
    /// What the root cause is about within its operation (a property, a status): findings
    /// with the same operation, check and key are one root cause.
    pub key: String,
    /// What the check saw (absent from records written before evidence was recorded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Evidence>,
}

impl Finding {
    /// Builds a finding of `check` with its severity under `strict`.
    pub fn new(
        check: Check,
        strict: bool,
        key: impl Into<String>,
        message: impl Into<String>,
        rule: Option<Span>,
        evidence: Evidence,
    ) -> Self {
        Finding {
            check,
            name: check.name().to_string(),
            severity: check.severity(strict),
            convention: check.is_convention(),
            message: message.into(),
            rule,
            key: key.into(),
            evidence: Some(evidence),
        }
    }

    /// Labels the finding a convention: a rule its page does not state (a query option the
    /// page is silent on) warns unless `strict`.
    pub fn as_convention(mut self, strict: bool) -> Self {
        self.convention = true;
        if !strict {
            self.severity = Severity::Warning;
        }
        self
    }

    /// Tells whether this finding fails its case.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl std::fmt::Display for Finding {
    /// Renders a finding as every report shows it: `[check] message (file:line:col)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "[{}] {}", self.check, self.message)?;
        match &self.rule {
            Some(rule) => write!(f, " ({rule})"),
            None => Ok(()),
        }
    }
}

/// Reads a page span back from its `file:line:col` text (the file name may hold colons).
pub fn parse_span(text: &str) -> Option<Span> {
    let mut parts = text.rsplitn(3, ':');
    let col = parts.next()?.parse().ok()?;
    let line = parts.next()?.parse().ok()?;
    let file = parts.next().filter(|f| !f.is_empty())?;
    Some(Span::new(file, line, col))
}

/// Serializes an optional span as its `file:line:col` text, the form `results.json` has
/// always had.
pub mod span_text {
    use crate::model::Span;
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes the span as `file:line:col`.
    pub fn serialize<S: Serializer>(span: &Option<Span>, out: S) -> Result<S::Ok, S::Error> {
        match span {
            Some(span) => out.collect_str(span),
            None => out.serialize_none(),
        }
    }

    /// Reads `file:line:col`; anything else is refused with what was found.
    pub fn deserialize<'de, D: Deserializer<'de>>(input: D) -> Result<Option<Span>, D::Error> {
        let Some(text) = Option::<String>::deserialize(input)? else {
            return Ok(None);
        };
        super::parse_span(&text).map(Some).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "the rule {text:?} is not a page position `file:line:col`"
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case::a_page("update.md:12:3", Some(Span::new("update.md", 12, 3)))]
    #[case::a_file_with_a_colon("c:update.md:1:1", Some(Span::new("c:update.md", 1, 1)))]
    #[case::no_column("update.md:12", None)]
    #[case::no_file(":1:1", None)]
    #[case::words("see the page", None)]
    fn a_rule_is_read_back_from_its_page_position(#[case] text: &str, #[case] span: Option<Span>) {
        assert_eq!(parse_span(text), span);
    }

    #[test]
    fn a_finding_renders_its_check_message_and_rule() {
        let evidence = Evidence::Status {
            expected: "201".into(),
            actual: 200,
        };
        let rule = Some(Span::new("create.md", 40, 1));
        let finding = Finding::new(
            Check::StatusCode,
            false,
            "status",
            "expected 201, got 200",
            rule,
            evidence,
        );
        assert_eq!(
            finding.to_string(),
            "[status-code] expected 201, got 200 (create.md:40:1)"
        );
    }
}
