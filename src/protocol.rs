//! The Docker credential-helper protocol: one verb as the argument, input on stdin, answer on
//! stdout, errors as one line on stdout with exit code 1.
//!
//! The shapes here are what docker, containers/image (skopeo, podman, buildah), helm and oras
//! parse, so they are tested against exact strings.

use std::io::Read;

use serde::{Deserialize, Serialize};

use crate::error::Error;

/// Largest stdin we read. A server URL or a `store` payload is a few hundred bytes; anything
/// bigger is not a client talking to us.
pub const MAX_INPUT: u64 = 1 << 20;

/// Reads a verb's whole input, bounded by [`MAX_INPUT`]. Invalid UTF-8 is replaced, not fatal:
/// such input can only be "not ECR" or "bad JSON", both answered below.
pub fn read_input(mut reader: impl Read) -> Result<String, Error> {
    let mut bytes = Vec::new();
    (&mut reader)
        .take(MAX_INPUT + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::BadInput(format!("cannot read standard input: {e}")))?;
    if bytes.len() as u64 > MAX_INPUT {
        return Err(Error::BadInput(format!(
            "standard input is larger than {MAX_INPUT} bytes"
        )));
    }
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// The server URL of `get`, `erase` and `store`'s payload check: every line of the input
/// joined without separators, then trimmed, exactly as the reference helpers read it. So
/// `host\nevil.com` is the one string `hostevil.com`, not ECR, as with the Go helper.
pub fn server_url(input: &str) -> Result<String, Error> {
    let joined: String = input.lines().collect();
    let url = joined.trim();
    if url.is_empty() {
        Err(Error::MissingServerUrl)
    } else {
        Ok(url.to_owned())
    }
}

/// `get`'s answer.
#[derive(Debug, Serialize)]
pub struct GetReply<'a> {
    #[serde(rename = "ServerURL")]
    pub server_url: &'a str,
    #[serde(rename = "Username")]
    pub username: &'a str,
    #[serde(rename = "Secret")]
    pub secret: &'a str,
}

impl GetReply<'_> {
    /// The reply line, newline included.
    pub fn to_line(&self) -> String {
        let mut line = serde_json::to_string(self).expect("strings always serialise");
        line.push('\n');
        line
    }
}

/// `store`'s input. The secret is read only to validate the shape; it is never kept.
#[derive(Debug, Deserialize)]
struct StoreRequest {
    #[serde(rename = "ServerURL", default)]
    server_url: String,
    #[serde(rename = "Username", default)]
    username: String,
}

/// Validates a `store` payload and returns its server URL. What may be stored for it is the
/// caller's decision.
pub fn check_store(input: &str) -> Result<String, Error> {
    let request: StoreRequest = serde_json::from_str(input.trim()).map_err(|e| {
        Error::BadInput(format!(
            "store: standard input is not a credentials JSON object: {e}"
        ))
    })?;
    if request.server_url.trim().is_empty() {
        return Err(Error::MissingServerUrl);
    }
    if request.username.trim().is_empty() {
        return Err(Error::MissingUsername);
    }
    Ok(request.server_url.trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn get_reply_is_exact() {
        let reply = GetReply {
            server_url: "https://123456789012.dkr.ecr.us-east-1.amazonaws.com",
            username: "AWS",
            secret: "pw\"x",
        };
        assert_eq!(
            reply.to_line(),
            "{\"ServerURL\":\"https://123456789012.dkr.ecr.us-east-1.amazonaws.com\",\"Username\":\"AWS\",\"Secret\":\"pw\\\"x\"}\n"
        );
    }

    #[test]
    fn server_url_is_every_line_joined_then_trimmed() {
        assert_eq!(server_url("  host:5000 \r\n").unwrap(), "host:5000");
        assert_eq!(server_url("host\nevil.com\n").unwrap(), "hostevil.com");
        assert_eq!(server_url(" \n x").unwrap(), "x");
        assert!(matches!(server_url(""), Err(Error::MissingServerUrl)));
        assert!(matches!(
            server_url(" \r\n \n"),
            Err(Error::MissingServerUrl)
        ));
    }

    #[test]
    fn store_is_validated() {
        assert_eq!(
            check_store(r#"{"ServerURL":" h ","Username":"AWS","Secret":"s"}"#).unwrap(),
            "h"
        );
        assert_eq!(
            check_store(r#"{"Username":"AWS"}"#)
                .unwrap_err()
                .to_string(),
            "no credentials server URL"
        );
        assert_eq!(
            check_store(r#"{"ServerURL":"h","Secret":"s"}"#)
                .unwrap_err()
                .to_string(),
            "no credentials username"
        );
        let err = check_store("not json").unwrap_err().to_string();
        assert!(
            err.starts_with("store: standard input is not a credentials JSON object"),
            "{err}"
        );
        assert!(!err.contains('\n'));
    }

    proptest::proptest! {
        #[test]
        fn protocol_input_never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..512)) {
            let input = read_input(&bytes[..]).unwrap();
            if let Ok(url) = server_url(&input) {
                proptest::prop_assert!(!url.is_empty() && !url.contains('\n'));
                proptest::prop_assert_eq!(url.as_str(), url.trim());
            }
            if let Err(e) = check_store(&input) {
                proptest::prop_assert!(!e.to_string().contains('\n'));
            }
        }
    }

    #[test]
    fn input_is_bounded() {
        let big = vec![b'a'; (MAX_INPUT + 1) as usize];
        assert!(read_input(&big[..]).is_err());
        assert_eq!(read_input(&b"ok\xff"[..]).unwrap(), "ok\u{fffd}");
    }
}
