//! The service root a run is sent to (`--base-url`), checked before any request: an
//! `http://` or `https://` URL with a host, no credentials (the HTTP stack would turn them
//! into Basic auth and the bearer token would not be sent), and no query or fragment (the
//! paths are appended to it, and would land after the `?` or the `#`).

/// Why a base URL is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BaseUrlError {
    #[error(
        "expected an http:// or https:// URL of the service root, e.g. http://127.0.0.1:8080/beta"
    )]
    NotHttp,
    #[error("the port is not a number from 1 to 65535")]
    Port,
    #[error("the URL has no host, e.g. http://127.0.0.1:8080/beta")]
    Host,
    #[error(
        "credentials do not go in the URL (they would be sent as Basic auth instead of the bearer token, and written into every report): give the token in GRAPH_TOKEN or with --token-file, other secrets with --header and --secret-header"
    )]
    Credentials,
    #[error(
        "the service root cannot have a query (`?...`): the operations' paths are appended to it"
    )]
    Query,
    #[error(
        "the service root cannot have a fragment (`#...`): the operations' paths are appended to it"
    )]
    Fragment,
}

/// Checks a service root and returns it without a trailing `/`.
pub fn parse_base_url(value: &str) -> Result<String, BaseUrlError> {
    let lower = value.to_ascii_lowercase();
    if !(lower.starts_with("http://") || lower.starts_with("https://")) {
        return Err(BaseUrlError::NotHttp);
    }
    let url = reqwest::Url::parse(value).map_err(|e| match e {
        url::ParseError::InvalidPort => BaseUrlError::Port,
        url::ParseError::EmptyHost => BaseUrlError::Host,
        _ => BaseUrlError::NotHttp,
    })?;
    if url.host_str().is_none_or(str::is_empty) {
        return Err(BaseUrlError::Host);
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(BaseUrlError::Credentials);
    }
    if url.query().is_some() {
        return Err(BaseUrlError::Query);
    }
    if url.fragment().is_some() {
        return Err(BaseUrlError::Fragment);
    }
    Ok(value.trim_end_matches('/').to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case::plain("http://127.0.0.1:8080/beta", "http://127.0.0.1:8080/beta")]
    #[case::trailing_slash("https://graph.example/v1.0/", "https://graph.example/v1.0")]
    fn a_service_root_is_accepted(#[case] given: &str, #[case] root: &str) {
        assert_eq!(parse_base_url(given), Ok(root.to_string()));
    }

    #[rstest]
    #[case::userinfo("http://alice:pa55w0rd@127.0.0.1:8080/beta", BaseUrlError::Credentials)]
    #[case::user_only("http://alice@127.0.0.1:8080/beta", BaseUrlError::Credentials)]
    #[case::query("http://127.0.0.1:8080/beta?tenant=1", BaseUrlError::Query)]
    #[case::fragment("http://127.0.0.1:8080/beta#x", BaseUrlError::Fragment)]
    #[case::port_out_of_range("http://127.0.0.1:99999/beta", BaseUrlError::Port)]
    #[case::not_http("ftp://127.0.0.1/beta", BaseUrlError::NotHttp)]
    #[case::no_host("http://:8080/beta", BaseUrlError::Host)]
    fn a_base_url_that_would_mislead_is_refused(#[case] given: &str, #[case] error: BaseUrlError) {
        assert_eq!(parse_base_url(given), Err(error));
    }

    #[test]
    fn the_refusal_of_credentials_never_repeats_them() {
        let message = parse_base_url("http://alice:pa55w0rd@h/beta")
            .unwrap_err()
            .to_string();
        assert!(!message.contains("pa55w0rd"), "{message}");
        assert!(message.contains("GRAPH_TOKEN"), "{message}");
    }
}
