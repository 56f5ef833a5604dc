//! The closed list of faults the mock can inject, each breaking exactly one documented or
//! conventional behaviour, the faithful variants (behaviours where faithful servers differ,
//! which break nothing), and the per-request set of active faults and variants.
//!
//! A fault is active when the server's [`crate::mock::MockConfig`] lists it or when the
//! request names it in the [`FAULT_HEADER`] (comma-separated names). Faults combine.

/// The request header that activates faults for one request: comma-separated fault names.
pub const FAULT_HEADER: &str = "x-graph-conformance-fault";

/// One way the mock can deviate from the documented (or conventional) Graph behaviour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Fault {
    WrongStatus,
    MissingProperty,
    EnumOutOfSet,
    EnumWrongCase,
    EnumNull,
    DateWithoutOffset,
    DateAsNumber,
    DateFractionCut,
    WrongOdataType,
    IdAsNumber,
    PatchIgnored,
    PatchReplaces,
    PatchResetsUnsent,
    AcceptInvalidEnum,
    AcceptInvalidDate,
    AcceptWrongType,
    AcceptNonObject,
    AcceptBrokenJson,
    Create201OnlyTyped,
    EnumAcceptsForeignMember,
    ArrayAcceptedAsString,
    NullBodyAccepted,
    ForeignOdataTypeAccepted,
    ErrorOnNonAscii,
    ErrorOnLongString,
    SwapValues,
    WrongContentType,
    TruncatedJson,
    CreateReusesId,
    DateShifted,
    PatchDropsDates,
    UpdateAnswersOtherObject,
    NoAuth,
    UnknownIdUpsert,
    PlainErrorBody,
    AcceptUnknownProperty,
    NoOdataType,
    EnumCaseInsensitive,
    NfcNormalizes,
    GzipDespiteIdentity,
    EmptyPatchRejected,
    LongStringsRejected,
    GzipUnlessIdentity,
    ListBareArray,
    ListItemMissingId,
    ListOmitsCreated,
    ListIgnoresTop,
    ListIgnoresSelect,
    ListIgnoresFilter,
    ListWithoutCount,
    ListCountWrong,
    NextLinkLoop,
    NextLinkEndless,
    NextLinkOtherHost,
    StaleRead,
    GetOtherObject,
    GetShiftsDates,
    CreateNotStored,
    DeleteAnswersBody,
    DeleteKeepsObject,
    DeletedStillListed,
    DeleteUnknownIdSucceeds,
    ReplaceIgnored,
    ReplaceDropsProperty,
    ResultWrongType,
    ResultNotWrapped,
    ActionAcceptsUnknownParameter,
    ActionAcceptsWrongType,
    ActionAnswers200,
    RefAddIgnored,
    RefRemoveIgnored,
    RefListWithoutOdataId,
    RefAddAcceptsNonReference,
    GetUnknownIdSucceeds,
    SelectDropsSelected,
    FilterDropsMatches,
}

const ALL: [Fault; 76] = [
    Fault::WrongStatus,
    Fault::MissingProperty,
    Fault::EnumOutOfSet,
    Fault::EnumWrongCase,
    Fault::EnumNull,
    Fault::DateWithoutOffset,
    Fault::DateAsNumber,
    Fault::DateFractionCut,
    Fault::WrongOdataType,
    Fault::IdAsNumber,
    Fault::PatchIgnored,
    Fault::PatchReplaces,
    Fault::PatchResetsUnsent,
    Fault::AcceptInvalidEnum,
    Fault::AcceptInvalidDate,
    Fault::AcceptWrongType,
    Fault::AcceptNonObject,
    Fault::AcceptBrokenJson,
    Fault::Create201OnlyTyped,
    Fault::EnumAcceptsForeignMember,
    Fault::ArrayAcceptedAsString,
    Fault::NullBodyAccepted,
    Fault::ForeignOdataTypeAccepted,
    Fault::ErrorOnNonAscii,
    Fault::ErrorOnLongString,
    Fault::SwapValues,
    Fault::WrongContentType,
    Fault::TruncatedJson,
    Fault::CreateReusesId,
    Fault::DateShifted,
    Fault::PatchDropsDates,
    Fault::UpdateAnswersOtherObject,
    Fault::NoAuth,
    Fault::UnknownIdUpsert,
    Fault::PlainErrorBody,
    Fault::AcceptUnknownProperty,
    Fault::NoOdataType,
    Fault::EnumCaseInsensitive,
    Fault::NfcNormalizes,
    Fault::GzipDespiteIdentity,
    Fault::EmptyPatchRejected,
    Fault::LongStringsRejected,
    Fault::GzipUnlessIdentity,
    Fault::ListBareArray,
    Fault::ListItemMissingId,
    Fault::ListOmitsCreated,
    Fault::ListIgnoresTop,
    Fault::ListIgnoresSelect,
    Fault::ListIgnoresFilter,
    Fault::ListWithoutCount,
    Fault::ListCountWrong,
    Fault::NextLinkLoop,
    Fault::NextLinkEndless,
    Fault::NextLinkOtherHost,
    Fault::StaleRead,
    Fault::GetOtherObject,
    Fault::GetShiftsDates,
    Fault::CreateNotStored,
    Fault::DeleteAnswersBody,
    Fault::DeleteKeepsObject,
    Fault::DeletedStillListed,
    Fault::DeleteUnknownIdSucceeds,
    Fault::ReplaceIgnored,
    Fault::ReplaceDropsProperty,
    Fault::ResultWrongType,
    Fault::ResultNotWrapped,
    Fault::ActionAcceptsUnknownParameter,
    Fault::ActionAcceptsWrongType,
    Fault::ActionAnswers200,
    Fault::RefAddIgnored,
    Fault::RefRemoveIgnored,
    Fault::RefListWithoutOdataId,
    Fault::RefAddAcceptsNonReference,
    Fault::GetUnknownIdSucceeds,
    Fault::SelectDropsSelected,
    Fault::FilterDropsMatches,
];

impl Fault {
    /// Returns every fault, page faults first, in a stable order.
    pub fn all() -> &'static [Fault] {
        &ALL
    }

    /// Returns the fault's kebab-case name, as used in [`FAULT_HEADER`].
    pub fn name(self) -> &'static str {
        match self {
            Fault::WrongStatus => "wrong-status",
            Fault::MissingProperty => "missing-property",
            Fault::EnumOutOfSet => "enum-out-of-set",
            Fault::EnumWrongCase => "enum-wrong-case",
            Fault::EnumNull => "enum-null",
            Fault::DateWithoutOffset => "date-without-offset",
            Fault::DateAsNumber => "date-as-number",
            Fault::DateFractionCut => "date-fraction-cut",
            Fault::WrongOdataType => "wrong-odata-type",
            Fault::IdAsNumber => "id-as-number",
            Fault::PatchIgnored => "patch-ignored",
            Fault::PatchReplaces => "patch-replaces",
            Fault::PatchResetsUnsent => "patch-resets-unsent",
            Fault::AcceptInvalidEnum => "accept-invalid-enum",
            Fault::AcceptInvalidDate => "accept-invalid-date",
            Fault::AcceptWrongType => "accept-wrong-type",
            Fault::AcceptNonObject => "accept-non-object",
            Fault::AcceptBrokenJson => "accept-broken-json",
            Fault::Create201OnlyTyped => "create-201-only-typed",
            Fault::EnumAcceptsForeignMember => "enum-accepts-foreign-member",
            Fault::ArrayAcceptedAsString => "array-accepted-as-string",
            Fault::NullBodyAccepted => "null-body-accepted",
            Fault::ForeignOdataTypeAccepted => "foreign-odata-type-accepted",
            Fault::ErrorOnNonAscii => "error-on-non-ascii",
            Fault::ErrorOnLongString => "error-on-long-string",
            Fault::SwapValues => "swap-values",
            Fault::WrongContentType => "wrong-content-type",
            Fault::TruncatedJson => "truncated-json",
            Fault::CreateReusesId => "create-reuses-id",
            Fault::DateShifted => "date-shifted",
            Fault::PatchDropsDates => "patch-drops-dates",
            Fault::UpdateAnswersOtherObject => "update-answers-other-object",
            Fault::NoAuth => "no-auth",
            Fault::UnknownIdUpsert => "unknown-id-upsert",
            Fault::PlainErrorBody => "plain-error-body",
            Fault::AcceptUnknownProperty => "accept-unknown-property",
            Fault::NoOdataType => "no-odata-type",
            Fault::EnumCaseInsensitive => "enum-case-insensitive",
            Fault::NfcNormalizes => "nfc-normalizes",
            Fault::GzipDespiteIdentity => "gzip-despite-identity",
            Fault::EmptyPatchRejected => "empty-patch-rejected",
            Fault::LongStringsRejected => "long-strings-rejected",
            Fault::GzipUnlessIdentity => "gzip-unless-identity",
            Fault::ListBareArray => "list-bare-array",
            Fault::ListItemMissingId => "list-item-missing-id",
            Fault::ListOmitsCreated => "list-omits-created",
            Fault::ListIgnoresTop => "list-ignores-top",
            Fault::ListIgnoresSelect => "list-ignores-select",
            Fault::ListIgnoresFilter => "list-ignores-filter",
            Fault::ListWithoutCount => "list-without-count",
            Fault::ListCountWrong => "list-count-wrong",
            Fault::NextLinkLoop => "next-link-loop",
            Fault::NextLinkEndless => "next-link-endless",
            Fault::NextLinkOtherHost => "next-link-other-host",
            Fault::StaleRead => "stale-read",
            Fault::GetOtherObject => "get-other-object",
            Fault::GetShiftsDates => "get-shifts-dates",
            Fault::CreateNotStored => "create-not-stored",
            Fault::DeleteAnswersBody => "delete-answers-body",
            Fault::DeleteKeepsObject => "delete-keeps-object",
            Fault::DeletedStillListed => "deleted-still-listed",
            Fault::DeleteUnknownIdSucceeds => "delete-unknown-id-succeeds",
            Fault::ReplaceIgnored => "replace-ignored",
            Fault::ReplaceDropsProperty => "replace-drops-property",
            Fault::ResultWrongType => "result-wrong-type",
            Fault::ResultNotWrapped => "result-not-wrapped",
            Fault::ActionAcceptsUnknownParameter => "action-accepts-unknown-parameter",
            Fault::ActionAcceptsWrongType => "action-accepts-wrong-type",
            Fault::ActionAnswers200 => "action-answers-200",
            Fault::RefAddIgnored => "ref-add-ignored",
            Fault::RefRemoveIgnored => "ref-remove-ignored",
            Fault::RefListWithoutOdataId => "ref-list-without-odata-id",
            Fault::RefAddAcceptsNonReference => "ref-add-accepts-non-reference",
            Fault::GetUnknownIdSucceeds => "get-unknown-id-succeeds",
            Fault::SelectDropsSelected => "select-drops-selected",
            Fault::FilterDropsMatches => "filter-drops-matches",
        }
    }

    /// Parses a fault name (exact, kebab-case).
    pub fn parse(name: &str) -> Option<Fault> {
        ALL.iter().copied().find(|f| f.name() == name)
    }

    /// Describes, in one sentence, the behaviour the fault breaks.
    pub fn description(self) -> &'static str {
        match self {
            Fault::WrongStatus => {
                "success responses use another 2xx status than documented (200 -> 202, 201 -> 200)"
            }
            Fault::MissingProperty => {
                "success bodies omit the first non-key property the response must contain"
            }
            Fault::EnumOutOfSet => "enum properties in success bodies are \"notAMember\"",
            Fault::EnumWrongCase => "enum values in success bodies are upper-cased",
            Fault::EnumNull => "enum values in success bodies are null",
            Fault::DateWithoutOffset => "DateTimeOffset values in success bodies have no offset",
            Fault::DateAsNumber => {
                "DateTimeOffset values in success bodies are Unix epoch milliseconds (numbers)"
            }
            Fault::DateFractionCut => {
                "DateTimeOffset values in success bodies lose their fraction of a second"
            }
            Fault::WrongOdataType => "@odata.type in success bodies is #microsoft.graph.entity",
            Fault::IdAsNumber => "the id in success bodies is the number 42",
            Fault::PatchIgnored => "PATCH answers success but stores nothing",
            Fault::PatchReplaces => {
                "PATCH replaces the object: properties not sent are reset to their defaults"
            }
            Fault::PatchResetsUnsent => {
                "PATCH resets one property it was not sent (the first writable one off its default) to its default"
            }
            Fault::AcceptInvalidEnum => {
                "request validation accepts values outside an enum (stored and echoed)"
            }
            Fault::AcceptInvalidDate => {
                "request validation accepts malformed DateTimeOffset values (stored as sent)"
            }
            Fault::AcceptWrongType => {
                "request validation accepts values of the wrong JSON type (stored and echoed)"
            }
            Fault::AcceptNonObject => {
                "a JSON body that is not an object gets the success status and the current object"
            }
            Fault::AcceptBrokenJson => "a body that is not valid JSON is treated as {}",
            Fault::Create201OnlyTyped => {
                "a create answers its documented 201 only when the body carries @odata.type, 200 otherwise"
            }
            Fault::EnumAcceptsForeignMember => {
                "request validation accepts, for an enum, the members of the suite's other enums (stored and echoed)"
            }
            Fault::ArrayAcceptedAsString => {
                "request validation accepts an array of strings where a String belongs (its first item is stored)"
            }
            Fault::NullBodyAccepted => "a JSON null body is treated as {}",
            Fault::ForeignOdataTypeAccepted => {
                "request validation accepts the @odata.type of another resource of the suite"
            }
            Fault::ErrorOnNonAscii => {
                "a request body with a non-ASCII character in a string gets 500"
            }
            Fault::ErrorOnLongString => {
                "a request body with a string longer than 1024 characters gets 500"
            }
            Fault::SwapValues => {
                "success bodies swap the values of the first two plain string properties"
            }
            Fault::WrongContentType => "success responses are labelled text/plain",
            Fault::TruncatedJson => "success bodies are cut to half their bytes",
            Fault::CreateReusesId => "every POST stores and returns the same id",
            Fault::DateShifted => {
                "DateTimeOffset values in success bodies are one hour later than stored"
            }
            Fault::PatchDropsDates => "PATCH silently ignores DateTimeOffset properties",
            Fault::UpdateAnswersOtherObject => {
                "a PATCH answers with the body of the object but another id"
            }
            Fault::NoAuth => "requests without a bearer token are served",
            Fault::UnknownIdUpsert => "PATCH to an unknown id creates the object instead of 404",
            Fault::PlainErrorBody => {
                "error responses are text/plain reason phrases, not the Graph error shape"
            }
            Fault::AcceptUnknownProperty => {
                "request validation accepts properties the schema does not list (stored and echoed)"
            }
            Fault::NoOdataType => "responses omit @odata.type",
            Fault::EnumCaseInsensitive => {
                "an enum value in another letter case is accepted and stored as the member"
            }
            Fault::NfcNormalizes => "strings are stored NFC-normalised",
            Fault::GzipDespiteIdentity => {
                "success bodies are gzipped although the request says Accept-Encoding: identity"
            }
            Fault::EmptyPatchRejected => {
                "faithful: a PATCH of nothing ({}) is refused with 400 and a Graph error"
            }
            Fault::LongStringsRejected => {
                "faithful: a request body with a string longer than 1024 characters is refused with 400 and a Graph error"
            }
            Fault::GzipUnlessIdentity => {
                "faithful: bodies are gzipped when the request accepts gzip (no Accept-Encoding, gzip or *), never under Accept-Encoding: identity"
            }
            Fault::ListBareArray => {
                "a list answers a bare JSON array of its items, not {\"value\": [...]}"
            }
            Fault::ListItemMissingId => "list items omit their id",
            Fault::ListOmitsCreated => {
                "a list leaves out the most recently created object of its collection"
            }
            Fault::ListIgnoresTop => {
                "a list ignores $top (every matching item is listed, paged as usual)"
            }
            Fault::ListIgnoresSelect => "a list ignores $select (items keep every property)",
            Fault::ListIgnoresFilter => "a list ignores $filter (every item is listed)",
            Fault::ListWithoutCount => "a list under $count=true gives no @odata.count",
            Fault::ListCountWrong => "@odata.count is one more than the number of matching items",
            Fault::NextLinkLoop => "the last page of a list has a nextLink back to the first page",
            Fault::NextLinkEndless => {
                "every page of a list has a nextLink, to a fresh (empty) page past the end"
            }
            Fault::NextLinkOtherHost => {
                "nextLinks point at https://other-origin.invalid with the same path and query"
            }
            Fault::StaleRead => "a GET answers the object as it was before its last PATCH or PUT",
            Fault::GetOtherObject => "a GET answers the object under another id",
            Fault::GetShiftsDates => {
                "a GET answers DateTimeOffsets one hour later than stored (writes and lists unaffected)"
            }
            Fault::CreateNotStored => "a create answers success but stores nothing",
            Fault::DeleteAnswersBody => {
                "a DELETE answers 200 with the object instead of its documented status"
            }
            Fault::DeleteKeepsObject => {
                "a DELETE answers its documented status but the object stays"
            }
            Fault::DeletedStillListed => "a deleted object is gone from GET but stays in lists",
            Fault::DeleteUnknownIdSucceeds => {
                "a DELETE of an unknown id answers the documented success instead of 404"
            }
            Fault::ReplaceIgnored => "a PUT answers success but stores nothing",
            Fault::ReplaceDropsProperty => {
                "a PUT stores all it was sent but the first non-key property it was sent (that keeps its old value)"
            }
            Fault::ResultWrongType => {
                "a primitive action or function result has the wrong JSON type (numbers and booleans as strings, strings as numbers)"
            }
            Fault::ResultNotWrapped => {
                "a primitive action or function result is answered bare, not as {\"value\": ...}"
            }
            Fault::ActionAcceptsUnknownParameter => {
                "an action accepts a parameter its parameter table does not list"
            }
            Fault::ActionAcceptsWrongType => "an action accepts a parameter of the wrong JSON type",
            Fault::ActionAnswers200 => "an action documented 204 answers 200 with {}",
            Fault::RefAddIgnored => "a $ref POST answers success but stores no reference",
            Fault::RefRemoveIgnored => "a $ref DELETE answers success but the reference stays",
            Fault::RefListWithoutOdataId => {
                "$ref list items lack @odata.id (they carry the referenced id only)"
            }
            Fault::RefAddAcceptsNonReference => {
                "a $ref POST without a string @odata.id that is an absolute URL is accepted"
            }
            Fault::GetUnknownIdSucceeds => {
                "a GET of an unknown id answers 200 with a default object instead of 404"
            }
            Fault::SelectDropsSelected => {
                "under $select the last selected property is left out even when set"
            }
            Fault::FilterDropsMatches => "a list under $filter answers no items at all",
        }
    }

    /// Tells whether the fault breaks a Graph convention rather than something a page states.
    pub fn is_convention(self) -> bool {
        matches!(
            self,
            Fault::NoAuth
                | Fault::UnknownIdUpsert
                | Fault::PlainErrorBody
                | Fault::AcceptUnknownProperty
                | Fault::NoOdataType
                | Fault::EnumCaseInsensitive
                | Fault::NfcNormalizes
                | Fault::DeleteUnknownIdSucceeds
                | Fault::GetUnknownIdSucceeds
                | Fault::NextLinkEndless
        )
    }

    /// Tells whether this is a faithful variant: a behaviour where faithful servers differ
    /// and no page (nor convention) says which is right, so a run against it must pass with
    /// no finding.
    pub fn is_faithful(self) -> bool {
        matches!(
            self,
            Fault::EmptyPatchRejected | Fault::LongStringsRejected | Fault::GzipUnlessIdentity
        )
    }

    /// Tells what the fault breaks: a page statement, a Graph convention, or nothing.
    pub fn kind(self) -> FaultKind {
        if self.is_faithful() {
            FaultKind::Faithful
        } else if self.is_convention() {
            FaultKind::Convention
        } else {
            FaultKind::Page
        }
    }

    fn bit(self) -> u128 {
        1 << (self as u128)
    }
}

/// What a [`Fault`] breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    /// Something a page states: a run against it fails.
    Page,
    /// A Graph convention no page states: a run against it warns (fails under `--strict`).
    Convention,
    /// Nothing: a faithful variant, which a run must pass with no finding.
    Faithful,
}

impl FaultKind {
    /// Returns the kind's name, as `mock --list-faults` shows it.
    pub fn label(self) -> &'static str {
        match self {
            FaultKind::Page => "page",
            FaultKind::Convention => "convention",
            FaultKind::Faithful => "faithful",
        }
    }
}

impl std::fmt::Display for Fault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Fault {
    type Err = UnknownFault;

    fn from_str(s: &str) -> Result<Fault, UnknownFault> {
        Fault::parse(s).ok_or_else(|| UnknownFault {
            name: s.to_string(),
            suggestion: Fault::closest(s),
        })
    }
}

impl Fault {
    /// Returns the fault whose name is within two edits of `name` (case-insensitive), if any.
    pub fn closest(name: &str) -> Option<Fault> {
        let name = name.to_ascii_lowercase();
        ALL.iter()
            .map(|f| (edit_distance(&name, f.name()), *f))
            .filter(|(distance, _)| *distance <= 2)
            .min_by_key(|(distance, _)| *distance)
            .map(|(_, f)| f)
    }
}

/// A fault name that is not in [`Fault::all`], with the closest known one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown fault `{name}`{}", suggestion.map(|f| format!("; did you mean `{f}`?")).unwrap_or_default())]
pub struct UnknownFault {
    pub name: String,
    pub suggestion: Option<Fault>,
}

/// Counts the single-character insertions, deletions and substitutions from `a` to `b`.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

/// A set of active faults.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FaultSet(u128);

impl FaultSet {
    /// Builds the set holding `faults`.
    pub fn of(faults: &[Fault]) -> FaultSet {
        faults
            .iter()
            .fold(FaultSet::default(), |set, f| set.with(*f))
    }

    /// Parses a [`FAULT_HEADER`] value: comma-separated names, blanks ignored.
    pub fn parse_header(value: &str) -> Result<FaultSet, UnknownFault> {
        value
            .split(',')
            .map(str::trim)
            .filter(|name| !name.is_empty())
            .try_fold(FaultSet::default(), |set, name| {
                Ok(set.with(name.parse::<Fault>()?))
            })
    }

    /// Returns this set with `fault` added.
    pub fn with(self, fault: Fault) -> FaultSet {
        FaultSet(self.0 | fault.bit())
    }

    /// Returns the union of two sets.
    pub fn union(self, other: FaultSet) -> FaultSet {
        FaultSet(self.0 | other.0)
    }

    /// Tells whether `fault` is active.
    pub fn has(self, fault: Fault) -> bool {
        self.0 & fault.bit() != 0
    }

    /// Tells whether no fault is active.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Lists the active faults in [`Fault::all`] order.
    pub fn iter(self) -> impl Iterator<Item = Fault> {
        ALL.iter().copied().filter(move |f| self.has(*f))
    }
}
