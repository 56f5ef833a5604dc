//! Where the bearer token comes from: a file (`--token-file`, `-` for stdin), the
//! `GRAPH_TOKEN` environment variable, or `--token` (which `ps` shows to every user of the
//! machine). A token that cannot be sent as it is (empty, or with a line break or another
//! control character) is refused, never sent altered.

use secrecy::SecretString;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The most bytes read from a token file (tokens are a few KiB).
pub const TOKEN_FILE_LIMIT: u64 = 64 * 1024;

/// Where a token came from, for messages (never the token itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenOrigin {
    Flag,
    File(PathBuf),
    Stdin,
    Environment,
}

impl std::fmt::Display for TokenOrigin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TokenOrigin::Flag => write!(f, "--token"),
            TokenOrigin::File(path) => write!(f, "the token file {}", path.display()),
            TokenOrigin::Stdin => write!(f, "the token read from stdin"),
            TokenOrigin::Environment => write!(f, "GRAPH_TOKEN"),
        }
    }
}

/// Why no usable token could be had.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("give the token once: --token-file and --token both name one")]
    Twice,
    #[error("cannot read the token file {path}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the token file {path} is larger than {TOKEN_FILE_LIMIT} bytes")]
    TooLarge { path: PathBuf },
    #[error("{origin} is empty: give a token, or leave it out to send none")]
    Empty { origin: TokenOrigin },
    #[error(
        "{origin} holds a line break or another control character, which cannot be sent in a header: give the token alone"
    )]
    ControlCharacter { origin: TokenOrigin },
}

/// The token sources a command line offers.
#[derive(Debug, Default)]
pub struct TokenSources<'a> {
    pub file: Option<&'a Path>,
    pub flag: Option<&'a str>,
    /// The value of `GRAPH_TOKEN`, if set.
    pub environment: Option<&'a std::ffi::OsStr>,
}

/// Returns the token to send and where it came from: the file, else the flag, else the
/// environment; `None` when none is given.
pub fn resolve(sources: &TokenSources) -> Result<Option<(SecretString, TokenOrigin)>, TokenError> {
    if sources.file.is_some() && sources.flag.is_some() {
        return Err(TokenError::Twice);
    }
    let (raw, origin) = if let Some(path) = sources.file {
        read_file(path)?
    } else if let Some(flag) = sources.flag {
        (flag.to_string(), TokenOrigin::Flag)
    } else if let Some(value) = sources.environment {
        (
            value.to_string_lossy().into_owned(),
            TokenOrigin::Environment,
        )
    } else {
        return Ok(None);
    };
    let token = validate(&raw, &origin)?;
    Ok(Some((SecretString::from(token.to_string()), origin)))
}

fn read_file(path: &Path) -> Result<(String, TokenOrigin), TokenError> {
    let stdin = path.as_os_str() == "-";
    let origin = if stdin {
        TokenOrigin::Stdin
    } else {
        TokenOrigin::File(path.to_path_buf())
    };
    let read_error = |source| TokenError::Read {
        path: path.to_path_buf(),
        source,
    };
    let reader: Box<dyn Read> = if stdin {
        Box::new(std::io::stdin())
    } else {
        Box::new(std::fs::File::open(path).map_err(read_error)?)
    };
    let mut bytes = Vec::new();
    reader
        .take(TOKEN_FILE_LIMIT + 1)
        .read_to_end(&mut bytes)
        .map_err(read_error)?;
    if bytes.len() as u64 > TOKEN_FILE_LIMIT {
        return Err(TokenError::TooLarge {
            path: path.to_path_buf(),
        });
    }
    Ok((String::from_utf8_lossy(&bytes).into_owned(), origin))
}

/// Returns the token a source holds: a file's one line, without its line ending and the
/// spaces around it. Inner line breaks and control characters are refused: a header cannot
/// carry them, and sending something else in their place would test the wrong token.
fn validate<'t>(raw: &'t str, origin: &TokenOrigin) -> Result<&'t str, TokenError> {
    let token = match origin {
        TokenOrigin::File(_) | TokenOrigin::Stdin => raw.trim(),
        TokenOrigin::Flag | TokenOrigin::Environment => raw,
    };
    let origin = origin.clone();
    match unsendable(token) {
        None => Ok(token),
        Some(Unsendable::Blank) => Err(TokenError::Empty { origin }),
        Some(Unsendable::ControlCharacter) => Err(TokenError::ControlCharacter { origin }),
    }
}

/// Why a token cannot be sent as `Authorization: Bearer <token>` as it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unsendable {
    /// Empty, or only spaces.
    Blank,
    /// A line break or another control character, which a header cannot carry.
    ControlCharacter,
}

/// The one rule of what token can be sent (the CLI and the HTTP client both apply it).
pub fn unsendable(token: &str) -> Option<Unsendable> {
    if token.trim().is_empty() {
        Some(Unsendable::Blank)
    } else if token.chars().any(char::is_control) {
        Some(Unsendable::ControlCharacter)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use secrecy::ExposeSecret;
    use std::ffi::OsStr;

    #[rstest]
    #[case::empty_environment("", "GRAPH_TOKEN is empty")]
    #[case::blank_environment("   ", "GRAPH_TOKEN is empty")]
    #[case::line_feed("abc\ndef", "line break")]
    #[case::carriage_return("abc\r", "line break")]
    #[case::nul("abc\0def", "control character")]
    fn unsendable_tokens_are_refused(#[case] value: &str, #[case] said: &str) {
        let sources = TokenSources {
            environment: Some(OsStr::new(value)),
            ..TokenSources::default()
        };
        let error = resolve(&sources).unwrap_err().to_string();
        assert!(error.contains(said), "{error}");
        assert!(value.is_empty() || !error.contains(value), "{error}");
    }

    #[test]
    fn a_token_file_gives_its_line_without_the_line_ending() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token");
        std::fs::write(&path, "eyJ0eXAi.secret-part\r\n").unwrap();
        let sources = TokenSources {
            file: Some(&path),
            environment: Some(OsStr::new("from-the-environment")),
            ..TokenSources::default()
        };
        let (token, origin) = resolve(&sources).unwrap().unwrap();
        assert_eq!(token.expose_secret(), "eyJ0eXAi.secret-part");
        assert_eq!(origin, TokenOrigin::File(path));
    }

    #[rstest]
    #[case::empty_file("\n", "is empty")]
    #[case::two_lines("one\ntwo\n", "line break")]
    fn unsendable_token_files_are_refused(#[case] content: &str, #[case] said: &str) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token");
        std::fs::write(&path, content).unwrap();
        let sources = TokenSources {
            file: Some(&path),
            ..TokenSources::default()
        };
        let error = resolve(&sources).unwrap_err().to_string();
        assert!(error.contains(said), "{error}");
    }

    #[test]
    fn a_token_given_twice_is_refused() {
        let sources = TokenSources {
            file: Some(Path::new("t")),
            flag: Some("x"),
            environment: None,
        };
        assert!(matches!(resolve(&sources), Err(TokenError::Twice)));
    }

    #[test]
    fn no_source_means_no_token() {
        assert!(resolve(&TokenSources::default()).unwrap().is_none());
    }
}
