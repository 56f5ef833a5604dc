//! The committed contract (`schemas/`, `cases/`) is well-formed: valid JSON Schema 2020-12,
//! a valid OpenAPI 3.1 document, and documented examples that agree with their schemas
//! exactly where derive said they would.

use graph_conformance::suite::Suite;
use rstest::{fixture, rstest};
use serde_json::Value;
use std::path::Path;

#[fixture]
fn suite() -> Suite {
    Suite::load(Path::new(env!("CARGO_MANIFEST_DIR"))).expect("the committed suite loads")
}

fn resource_documents(suite: &Suite) -> impl Iterator<Item = (&String, &Value)> {
    suite
        .schemas
        .iter()
        .filter(|(name, _)| name.as_str() != "openapi.json")
}

#[rstest]
fn every_schema_document_is_valid_json_schema_2020_12(suite: Suite) {
    assert!(resource_documents(&suite).count() >= 4);
    for (name, doc) in resource_documents(&suite) {
        assert_eq!(
            doc["$schema"], "https://json-schema.org/draft/2020-12/schema",
            "{name}"
        );
        if let Err(e) = jsonschema::meta::validate(doc) {
            panic!("{name} is not a valid 2020-12 schema: {e}");
        }
    }
}

#[rstest]
fn every_request_and_response_schema_compiles_with_refs_resolved_offline(suite: Suite) {
    for case in &suite.cases {
        for reference in [&case.request_schema, &case.response_schema] {
            suite
                .validator(reference)
                .unwrap_or_else(|e| panic!("{}: {e}", case.id));
        }
    }
}

#[rstest]
fn openapi_document_is_valid_openapi_3_1(suite: Suite) {
    let openapi = &suite.schemas["openapi.json"];
    let oas_text = include_str!("fixtures/openapi-3.1.schema.json");
    let oas: Value = serde_json::from_str(oas_text).unwrap();
    let validator = jsonschema::draft202012::new(&oas).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(openapi)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    for (name, schema) in openapi["components"]["schemas"].as_object().unwrap() {
        let mut schema = schema.clone();
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema".into();
        assert!(jsonschema::meta::is_valid(&schema), "component {name}");
    }
}

#[rstest]
fn openapi_has_one_operation_per_case_with_its_documented_status(suite: Suite) {
    let openapi = &suite.schemas["openapi.json"];
    for case in &suite.cases {
        let op = &openapi["paths"][&case.path][case.method.as_str().to_ascii_lowercase()];
        assert_eq!(op["operationId"], case.id.as_str());
        assert!(
            op["responses"].get(case.status.code.to_string()).is_some(),
            "{}",
            case.id
        );
    }
}

#[rstest]
fn documented_examples_validate_except_where_derive_warned(suite: Suite) {
    let mut contradicted = 0;
    for case in &suite.cases {
        let request = suite.validator(&case.request_schema).unwrap();
        let response = suite.validator(&case.response_schema).unwrap();
        for example in &case.examples {
            let mut verdicts = Vec::new();
            if let Some(body) = &example.request.body {
                verdicts.push(("request", request.is_valid(body)));
            }
            if let Some(body) = example.response.as_ref().and_then(|r| r.body.as_ref()) {
                verdicts.push(("response", response.is_valid(body)));
            }
            let contradicts = example.contradicts_page();
            contradicted += usize::from(contradicts);
            for (side, valid) in verdicts {
                assert_eq!(
                    valid, !contradicts,
                    "{} {side} example: valid={valid}, derive warned={contradicts}",
                    case.id
                );
            }
        }
    }
    assert_eq!(
        contradicted, 1,
        "exactly the connector page's example contradicts its page"
    );
}

#[rstest]
#[case::update_ndes_connector(
    "update-ndesConnector",
    "PATCH",
    "/deviceManagement/ndesConnectors/{ndesConnectorId}",
    200
)]
#[case::create_ndes_connector(
    "create-ndesConnector",
    "POST",
    "/deviceManagement/ndesConnectors",
    201
)]
#[case::update_domain_join_connector(
    "update-deviceManagementDomainJoinConnector",
    "PATCH",
    "/deviceManagement/domainJoinConnectors/{deviceManagementDomainJoinConnectorId}",
    200
)]
#[case::update_connector("update-connector", "PATCH", "/connectors/{connectorsId}", 200)]
#[case::update_certificate_connector_details(
    "update-certificateConnectorDetails",
    "PATCH",
    "/deviceManagement/certificateConnectorDetails/{certificateConnectorDetailsId}",
    200
)]
fn each_source_page_yields_its_operation(
    suite: Suite,
    #[case] id: &str,
    #[case] method: &str,
    #[case] path: &str,
    #[case] status: u16,
) {
    let case = suite.case(id).unwrap_or_else(|| panic!("no case {id}"));
    assert_eq!(case.method.as_str(), method);
    assert_eq!(case.path, path);
    assert_eq!(case.status.code, status);
    assert_eq!(suite.cases.len(), 5);
}

#[rstest]
fn create_and_update_pages_share_one_ndes_connector_schema(suite: Suite) {
    let create = suite.case("create-ndesConnector").unwrap();
    let update = suite.case("update-ndesConnector").unwrap();
    assert_eq!(create.response_schema, update.response_schema);
    let doc = &suite.schemas["ndesConnector.json"];
    assert_eq!(doc["x-sources"].as_array().unwrap().len(), 2);
    assert_eq!(
        doc["$defs"]["request"]["properties"]["state"]["enum"],
        serde_json::json!(["none", "active", "inactive"])
    );
    assert_eq!(
        doc["$defs"]["response"]["properties"]["state"]["enum"],
        serde_json::json!(["none", "active", "inactive", null]),
        "an unset enum may come back null"
    );
}

#[rstest]
#[case::enum_member_is_accepted(serde_json::json!({"id": "a", "state": "active", "displayName": null, "lastConnectionDateTime": null}), true)]
#[case::enum_is_case_sensitive(serde_json::json!({"id": "a", "state": "Active", "displayName": "x", "lastConnectionDateTime": null}), false)]
#[case::unset_enum_may_be_null(serde_json::json!({"id": "a", "state": null, "displayName": "x", "lastConnectionDateTime": null}), true)]
#[case::key_may_not_be_null(serde_json::json!({"id": null, "state": "none", "displayName": "x", "lastConnectionDateTime": null}), false)]
#[case::every_documented_property_is_required(serde_json::json!({"id": "a", "state": "none", "displayName": "x"}), false)]
#[case::date_time_needs_an_offset(serde_json::json!({"id": "a", "state": "none", "displayName": "x", "lastConnectionDateTime": "2016-12-31T23:58:36"}), false)]
#[case::date_time_normalised_to_utc_is_fine(serde_json::json!({"id": "a", "state": "none", "displayName": "x", "lastConnectionDateTime": "2017-01-01T07:58:36.6670033Z"}), true)]
#[case::undocumented_properties_and_annotations_are_allowed(serde_json::json!({"@odata.context": "x", "@odata.etag": "W/1", "extra": 1, "id": "a", "state": "none", "displayName": "x", "lastConnectionDateTime": null}), true)]
#[case::foreign_odata_type_is_rejected(serde_json::json!({"@odata.type": "#microsoft.graph.user", "id": "a", "state": "none", "displayName": "x", "lastConnectionDateTime": null}), false)]
fn response_schema_rules(suite: Suite, #[case] body: Value, #[case] valid: bool) {
    let validator = suite
        .validator(&suite.case("update-ndesConnector").unwrap().response_schema)
        .unwrap();
    assert_eq!(validator.is_valid(&body), valid, "{body}");
}

#[rstest]
#[case::nothing_is_required(serde_json::json!({}), true)]
#[case::odata_annotations_are_allowed(serde_json::json!({"@odata.type": "#microsoft.graph.ndesConnector", "@odata.etag": "x"}), true)]
#[case::unknown_properties_are_rejected(serde_json::json!({"colour": "red"}), false)]
#[case::null_is_not_sent(serde_json::json!({"displayName": null}), false)]
#[case::number_where_string_belongs(serde_json::json!({"displayName": 5}), false)]
#[case::enum_value_outside_the_set(serde_json::json!({"state": "paused"}), false)]
fn request_schema_rules(suite: Suite, #[case] body: Value, #[case] valid: bool) {
    let validator = suite
        .validator(&suite.case("update-ndesConnector").unwrap().request_schema)
        .unwrap();
    assert_eq!(validator.is_valid(&body), valid, "{body}");
}
