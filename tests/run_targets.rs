//! Which object an update exercises: `--id` first, then one this run created, then the
//! documented example's id, which is a fixture and not the contract: a server that does not
//! hold it gets the operation skipped with a reason, never a failure.

use crate::common;

use graph_conformance::run::{RunEvent, Sink, execute, plan, run};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Serves 404 with a Graph error body to every request, like a server holding no objects.
async fn empty_server() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = vec![0u8; 65536];
                while let Ok(n) = socket.read(&mut buf).await {
                    if n == 0 {
                        break;
                    }
                    let body = r#"{"error":{"code":"ResourceNotFound","message":"not found"}}"#;
                    let reply = format!(
                        "HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                        body.len()
                    );
                    if socket.write_all(reply.as_bytes()).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    format!("http://{addr}/beta")
}

#[tokio::test]
async fn an_update_whose_documented_object_is_absent_is_skipped_with_a_reason() {
    let suite = common::suite();
    let base = empty_server().await;
    let options = common::options(&base, 2);
    let results = run(&suite, &options, &mut |_| {}).await.unwrap();
    let cases = results.cases.to_vec().unwrap();
    assert!(
        cases.iter().all(|c| c.operation != "update-connector"),
        "a skipped operation records no case: {cases:#?}"
    );
    let skipped = &results.run.skipped_operations;
    let connector = skipped
        .iter()
        .find(|s| s.operation == "update-connector")
        .unwrap_or_else(|| panic!("{skipped:#?}"));
    let reason = &connector.reason;
    assert!(
        reason.contains("does not exist on this server") && reason.contains("--id connectorsId="),
        "{reason}"
    );
    assert!(
        results
            .findings
            .iter()
            .all(|f| f.operation.starts_with("create-")),
        "only the create fails: {:#?}",
        results.findings
    );
}

#[tokio::test]
async fn an_id_given_with_dash_dash_id_is_tested_even_when_absent() {
    let suite = common::suite();
    let base = empty_server().await;
    let mut options = common::options(&base, 1);
    options.ids.insert("connectorsId".into(), "given-id".into());
    options.only = Some("update-connector/*".into());
    let results = run(&suite, &options, &mut |_| {}).await.unwrap();
    assert!(
        results.failed(),
        "a 404 for an object the user named is a finding"
    );
    let first = &results.cases.to_vec().unwrap()[0].exchanges[0].request.url;
    assert!(first.ends_with("/connectors/given-id"), "{first}");
}

#[tokio::test]
async fn an_update_uses_the_id_its_create_returned() {
    let suite = common::suite();
    let mock = common::mock(&suite).await;
    let options = graph_conformance::run::RunOptions {
        only: Some("*ndesConnector/example-1".into()),
        ..common::options(&mock.base_url(), 1)
    };
    let results = run(&suite, &options, &mut |_| {}).await.unwrap();
    let created = common::created_id(&results, "create-ndesConnector/example-1");
    let id = created.as_str();
    let update = results
        .cases
        .to_vec()
        .unwrap()
        .into_iter()
        .find(|c| c.id == "update-ndesConnector/example-1")
        .unwrap();
    assert!(
        update.exchanges[0].request.url.ends_with(id),
        "{}",
        update.exchanges[0].request.url
    );
    assert_ne!(id, "e71fa706-a706-e71f-06a7-1fe706a71fe7");
}

#[tokio::test]
async fn an_operation_skipped_at_run_time_is_told_as_an_event_not_as_a_case() {
    #[derive(Default)]
    struct Told {
        skipped: Vec<String>,
        operations_of_cases: Vec<String>,
    }
    impl Sink for Told {
        fn event(&mut self, event: RunEvent<'_>) {
            match event {
                RunEvent::OperationSkipped { operation, reason } => {
                    assert!(reason.contains("does not exist on this server"), "{reason}");
                    self.skipped.push(operation.to_string());
                }
                RunEvent::CaseFinished { result } => {
                    self.operations_of_cases.push(result.operation.clone());
                }
                RunEvent::RunStarted { .. } | RunEvent::RunFinished { .. } => {}
            }
        }
    }
    let suite = common::suite();
    let base = empty_server().await;
    let options = common::options(&base, 1);
    let plan = plan(&suite, &options).unwrap();
    let mut told = Told::default();
    let results = execute(&plan, &options, &mut told).await.unwrap();
    assert!(told.skipped.contains(&"update-connector".to_string()));
    assert!(
        !told
            .operations_of_cases
            .contains(&"update-connector".to_string())
    );
    let recorded: Vec<&str> = results
        .run
        .skipped_operations
        .iter()
        .map(|s| s.operation.as_str())
        .collect();
    assert_eq!(recorded, told.skipped);
}

#[tokio::test]
async fn an_operation_every_partition_skips_is_skipped_once_in_the_merged_record() {
    let suite = common::suite();
    let base = empty_server().await;
    let mut parts = Vec::new();
    for k in 1..=3 {
        let mut options = common::options(&base, 4);
        options.partition = Some((k, 3));
        parts.push(run(&suite, &options, &mut |_| {}).await.unwrap());
    }
    let in_parts = parts
        .iter()
        .filter(|p| {
            p.run
                .skipped_operations
                .iter()
                .any(|s| s.operation == "update-connector")
        })
        .count();
    assert!(
        in_parts > 1,
        "the operation has cases in several partitions"
    );
    let merged = graph_conformance::results::RunResults::merge(parts)
        .unwrap()
        .unwrap();
    let mut operations: Vec<&str> = merged
        .run
        .skipped_operations
        .iter()
        .map(|s| s.operation.as_str())
        .collect();
    let count = operations.len();
    operations.sort_unstable();
    operations.dedup();
    assert_eq!(operations.len(), count, "{operations:?}");
    assert!(operations.contains(&"update-connector"));
}
