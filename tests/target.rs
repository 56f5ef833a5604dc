//! A run tests the endpoint `--base-url` names, or the embedded reference mock when none is
//! given; only the embedded mock is sent the stand-in token.

use crate::common;

use graph_conformance::target::{MOCK_TOKEN, Target};
use secrecy::{ExposeSecret, SecretString};

fn sent(target: &Target, given: Option<&str>) -> Option<String> {
    target
        .token(given.map(SecretString::from))
        .map(|t| t.expose_secret().to_string())
}

/// Sends a GET without a token to the service root and returns the answer's status line.
fn status_line(base_url: &str) -> String {
    use std::io::{BufRead, Write};
    let authority = base_url
        .trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap();
    let mut stream = std::net::TcpStream::connect(authority).unwrap();
    write!(
        stream,
        "GET / HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(stream)
        .read_line(&mut line)
        .unwrap();
    line
}

#[tokio::test]
async fn no_base_url_starts_the_embedded_mock_and_sends_it_the_stand_in_token() {
    let target = Target::start(&common::suite(), None, &[]).unwrap();
    assert!(target.is_embedded_mock());
    assert!(target.base_url().starts_with("http://127.0.0.1:"));
    assert_eq!(sent(&target, None).as_deref(), Some(MOCK_TOKEN));
    assert_eq!(sent(&target, Some("given")).as_deref(), Some("given"));
    assert!(
        status_line(target.base_url()).starts_with("HTTP/1.1 "),
        "the mock listens"
    );
    target.shutdown().await;
}

#[tokio::test]
async fn a_base_url_is_the_target_and_is_sent_only_the_given_token() {
    let url = "https://graph.example.test/v1.0".to_string();
    let target = Target::start(&common::suite(), Some(url.clone()), &[]).unwrap();
    assert!(!target.is_embedded_mock());
    assert_eq!(target.base_url(), url);
    assert_eq!(sent(&target, None), None);
    assert_eq!(sent(&target, Some("given")).as_deref(), Some("given"));
    target.shutdown().await;
}
