//! The suite's own mutation score: every fault of the reference mock breaks one thing a page
//! (or a Graph convention) states, and the suite must flag it with the check that enforces
//! that statement, and with no other check (one root cause, one finding); the faithful mock
//! must pass with no finding at all.

use crate::common;

use graph_conformance::checks::Check;
use graph_conformance::diagnostic::Severity;
use graph_conformance::mock::{FAULT_HEADER, Fault};
use graph_conformance::results::RunResults;
use rstest::rstest;

/// Generated valid payloads per operation in these runs: enough for the rarer payloads (long
/// strings, non-ASCII, fractions) to appear with the default seed.
const CASES: u32 = 20;

#[tokio::test]
async fn faithful_mock_passes_with_no_error_and_no_warning() {
    let suite = common::suite();
    let mock = common::mock(&suite).await;
    let results = common::run_with_fault(&suite, &mock, None, CASES).await;
    assert!(results.findings.is_empty(), "{:#?}", results.findings);
    assert_eq!(results.totals.failed, 0);
    assert!(results.totals.passed > 100);
}

#[rstest]
#[case::wrong_status("wrong-status", Check::StatusCode)]
#[case::missing_property("missing-property", Check::ResponseSchema)]
#[case::enum_out_of_set("enum-out-of-set", Check::ResponseSchema)]
#[case::enum_wrong_case("enum-wrong-case", Check::ResponseSchema)]
#[case::enum_null("enum-null", Check::Echo)]
#[case::date_without_offset("date-without-offset", Check::ResponseSchema)]
#[case::date_as_number("date-as-number", Check::ResponseSchema)]
#[case::date_fraction_cut("date-fraction-cut", Check::Echo)]
#[case::wrong_odata_type("wrong-odata-type", Check::ResponseSchema)]
#[case::id_as_number("id-as-number", Check::ResponseSchema)]
#[case::patch_ignored("patch-ignored", Check::Echo)]
#[case::patch_replaces("patch-replaces", Check::Merge)]
#[case::patch_resets_unsent("patch-resets-unsent", Check::Merge)]
#[case::accept_invalid_enum("accept-invalid-enum", Check::InvalidRejected)]
#[case::accept_invalid_date("accept-invalid-date", Check::InvalidRejected)]
#[case::accept_wrong_type("accept-wrong-type", Check::InvalidRejected)]
#[case::accept_non_object("accept-non-object", Check::InvalidRejected)]
#[case::accept_broken_json("accept-broken-json", Check::InvalidRejected)]
#[case::create_201_only_typed("create-201-only-typed", Check::StatusCode)]
#[case::enum_accepts_foreign_member("enum-accepts-foreign-member", Check::InvalidRejected)]
#[case::array_accepted_as_string("array-accepted-as-string", Check::InvalidRejected)]
#[case::null_body_accepted("null-body-accepted", Check::InvalidRejected)]
#[case::foreign_odata_type_accepted("foreign-odata-type-accepted", Check::InvalidRejected)]
#[case::error_on_non_ascii("error-on-non-ascii", Check::ServerError)]
#[case::error_on_long_string("error-on-long-string", Check::ServerError)]
#[case::swap_values("swap-values", Check::Echo)]
#[case::wrong_content_type("wrong-content-type", Check::ContentType)]
#[case::truncated_json("truncated-json", Check::JsonBody)]
#[case::create_reuses_id("create-reuses-id", Check::NewId)]
#[case::date_shifted("date-shifted", Check::Echo)]
#[case::patch_drops_dates("patch-drops-dates", Check::Echo)]
#[case::update_answers_other_object("update-answers-other-object", Check::Echo)]
#[case::no_auth("no-auth", Check::AuthRequired)]
#[case::unknown_id_upsert("unknown-id-upsert", Check::UnknownId)]
#[case::plain_error_body("plain-error-body", Check::ErrorShape)]
#[case::accept_unknown_property("accept-unknown-property", Check::UnknownProperty)]
#[case::no_odata_type("no-odata-type", Check::OdataType)]
#[case::enum_case_insensitive("enum-case-insensitive", Check::EnumCase)]
#[case::nfc_normalizes("nfc-normalizes", Check::UnicodeNormalization)]
#[case::gzip_despite_identity("gzip-despite-identity", Check::ContentType)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_fault_is_flagged_by_the_check_that_enforces_what_it_breaks(
    #[case] name: &str,
    #[case] expected: Check,
) {
    let fault = Fault::parse(name).expect("the fault exists");
    let suite = common::suite();
    let mock = common::mock(&suite).await;
    let results = common::run_with_fault(&suite, &mock, Some(fault), CASES).await;
    assert_flagged_by(fault, expected, &results);
}

/// Asserts that the run under `fault` was flagged by `expected` and by no other check, with
/// the severity of what the fault breaks, each page finding quoting its page line.
fn assert_flagged_by(fault: Fault, expected: Check, results: &RunResults) {
    let name = fault.name();
    let checks: Vec<Check> = results.findings.iter().map(|f| f.check).collect();
    assert!(
        checks.contains(&expected),
        "{name} was not flagged by {}: {checks:?}",
        expected.code()
    );
    assert!(
        checks.iter().all(|c| *c == expected),
        "{name} caused findings of other checks too: {:#?}",
        results.findings
    );
    let severity = if fault.is_convention() {
        Severity::Warning
    } else {
        Severity::Error
    };
    assert!(
        results
            .findings
            .iter()
            .all(|f| f.severity == severity && f.convention == fault.is_convention())
    );
    assert_eq!(
        results.failed(),
        !fault.is_convention(),
        "page faults fail the run, convention faults only warn"
    );
    assert!(
        results
            .findings
            .iter()
            .all(|f| f.convention || f.rule.is_some()),
        "page findings quote their page line"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faithful_mock_passes_every_kind_with_no_error_and_no_warning() {
    let suite = common::kinds_suite();
    let mock = common::mock(&suite).await;
    let results = common::run_with_fault(&suite, &mock, None, CASES).await;
    assert!(results.findings.is_empty(), "{:#?}", results.findings);
    assert_eq!(results.totals.failed, 0);
    assert!(results.totals.passed > 50, "{:?}", results.totals);
}

#[rstest]
#[case::list_bare_array("list-bare-array", Check::ListShape)]
#[case::list_item_missing_id("list-item-missing-id", Check::ResponseSchema)]
#[case::list_omits_created("list-omits-created", Check::Listed)]
#[case::list_ignores_top("list-ignores-top", Check::Top)]
#[case::list_ignores_select("list-ignores-select", Check::Select)]
#[case::list_ignores_filter("list-ignores-filter", Check::Filter)]
#[case::list_without_count("list-without-count", Check::Count)]
#[case::list_count_wrong("list-count-wrong", Check::Count)]
#[case::next_link_loop("next-link-loop", Check::NextLinkLoop)]
#[case::next_link_endless("next-link-endless", Check::PageCap)]
#[case::next_link_other_host("next-link-other-host", Check::NextLinkOrigin)]
#[case::stale_read("stale-read", Check::ReadBack)]
#[case::get_other_object("get-other-object", Check::ReadBack)]
#[case::get_shifts_dates("get-shifts-dates", Check::ReadBack)]
#[case::create_not_stored("create-not-stored", Check::Listed)]
#[case::delete_answers_body("delete-answers-body", Check::StatusCode)]
#[case::delete_keeps_object("delete-keeps-object", Check::Deleted)]
#[case::deleted_still_listed("deleted-still-listed", Check::Deleted)]
#[case::delete_unknown_id_succeeds("delete-unknown-id-succeeds", Check::UnknownId)]
#[case::replace_ignored("replace-ignored", Check::ReadBack)]
#[case::replace_drops_property("replace-drops-property", Check::ReadBack)]
#[case::result_wrong_type("result-wrong-type", Check::ResponseSchema)]
#[case::result_not_wrapped("result-not-wrapped", Check::JsonBody)]
#[case::unknown_parameter("action-accepts-unknown-parameter", Check::InvalidRejected)]
#[case::action_accepts_wrong_type("action-accepts-wrong-type", Check::InvalidRejected)]
#[case::action_answers_200("action-answers-200", Check::StatusCode)]
#[case::ref_add_ignored("ref-add-ignored", Check::Reference)]
#[case::ref_remove_ignored("ref-remove-ignored", Check::Reference)]
#[case::ref_list_without_odata_id("ref-list-without-odata-id", Check::ResponseSchema)]
#[case::ref_add_accepts_non_reference("ref-add-accepts-non-reference", Check::InvalidRejected)]
#[case::get_unknown_id_succeeds("get-unknown-id-succeeds", Check::UnknownId)]
#[case::select_drops_selected("select-drops-selected", Check::Select)]
#[case::filter_drops_matches("filter-drops-matches", Check::Filter)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_fault_of_every_kind_is_flagged_by_the_check_that_enforces_what_it_breaks(
    #[case] name: &str,
    #[case] expected: Check,
) {
    let fault = Fault::parse(name).expect("the fault exists");
    let suite = common::kinds_suite();
    let mock = common::mock(&suite).await;
    let results = common::run_with_fault(&suite, &mock, Some(fault), CASES).await;
    assert_flagged_by(fault, expected, &results);
}

/// A faithful variant (a behaviour where faithful servers differ, which no page states) is
/// passed with no error and no warning, like the plain mock.
#[rstest]
#[case::empty_patch_rejected("empty-patch-rejected")]
#[case::long_strings_rejected("long-strings-rejected")]
#[case::gzip_unless_identity("gzip-unless-identity")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_faithful_variant_passes_with_no_error_and_no_warning(#[case] name: &str) {
    let variant = Fault::parse(name).expect("the variant exists");
    assert!(variant.is_faithful());
    let suite = common::suite();
    let mock = common::mock(&suite).await;
    let results = common::run_with_fault(&suite, &mock, Some(variant), CASES).await;
    assert!(results.findings.is_empty(), "{:#?}", results.findings);
    assert_eq!(results.totals.failed, 0);
    assert!(results.totals.passed > 100);
}

#[test]
fn every_fault_has_a_case_above() {
    let source = include_str!("mutation.rs");
    let covered: Vec<&str> = source
        .lines()
        .filter_map(|l| l.strip_prefix("#[case::")?.split('"').nth(1))
        .collect();
    let missing: Vec<&str> = Fault::all()
        .iter()
        .map(|f| f.name())
        .filter(|n| !covered.contains(n))
        .collect();
    assert!(
        missing.is_empty(),
        "faults with no detection case: {missing:?}"
    );
    assert!(Fault::all().len() >= 20);
}

#[tokio::test]
async fn strict_mode_turns_convention_warnings_into_failures() {
    let suite = common::suite();
    let mock = common::mock(&suite).await;
    let mut options = common::options(&mock.base_url(), 2);
    options.strict = true;
    options
        .headers
        .push((FAULT_HEADER.into(), "no-auth".into()));
    let results = graph_conformance::run::run(&suite, &options, &mut |_| {})
        .await
        .unwrap();
    assert!(results.failed());
    assert!(
        results
            .findings
            .iter()
            .all(|f| f.check == Check::AuthRequired && f.severity == Severity::Error)
    );
}
