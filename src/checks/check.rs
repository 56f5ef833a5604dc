//! The closed set of checks and the finding each one reports.

use crate::diagnostic::Severity;
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
}

impl Check {
    /// Lists every check.
    pub const ALL: [Check; 17] = [
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

/// One failed check: what failed, why, and the page line of the rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub check: Check,
    pub name: String,
    pub severity: Severity,
    pub convention: bool,
    pub message: String,
    /// `file:line:col` of the page rule this finding enforces (none for conventions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// What the root cause is about within its operation (a property, a status): findings
    /// with the same operation, check and key are one root cause.
    pub key: String,
}

impl Finding {
    /// Builds a finding of `check` with its severity under `strict`.
    pub fn new(
        check: Check,
        strict: bool,
        key: impl Into<String>,
        message: impl Into<String>,
        rule: Option<String>,
    ) -> Self {
        Finding {
            check,
            name: check.name().to_string(),
            severity: check.severity(strict),
            convention: check.is_convention(),
            message: message.into(),
            rule,
            key: key.into(),
        }
    }

    /// Tells whether this finding fails its case.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}
